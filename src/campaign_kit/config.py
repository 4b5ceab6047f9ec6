"""Read ``campaign.toml`` into a frozen ``Campaign`` with its ``Appeal`` definitions."""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from campaign_kit.errors import ConfigError, Problem

# A language is files only (templates/locale/<lang>.toml and its templates; validate checks
# they exist): campaign.toml may name any language code CLDR could know.
LANGUAGE_RE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*\Z")
KNOWN_PLATFORMS = (
    "x",
    "bluesky",
    "mastodon",
    "threads",
    "instagram",
    "facebook",
    "linkedin",
    "telegram",
)
HASHTAG_RE = re.compile(r"[^\W_][\w]*\Z")
SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
DEFAULT_UNSUBSCRIBE = "{{ UnsubscribeURL }}"
# Titles and the organisation's name are set on every card: this much always fits.
MAX_TITLE_LEN = 60
APPEAL_KEYS = frozenset(
    {
        "group",
        "title",
        "hashtags",
        "featured_per_cycle",
        "min_age",
        "has_health",
        "min_sentence_months",
        "needs_children",
    }
)
MAX_TAG_LEN = 40


@dataclass(frozen=True)
class Appeal:
    """One appeal: who it is about, its title per language, its hashtags.

    Who: a roster ``group`` and/or rules over the record, all of which must hold: ``min_age``
    (at the cycle's start, from ``born_on``), ``has_health`` (a published health note),
    ``min_sentence_months``. ``needs_children``: its texts count children (the mothers
    appeal), so every woman in it needs a known ``children`` count.
    """

    key: str
    group: str | None
    title: dict[str, str]
    hashtags: tuple[str, ...]
    featured_per_cycle: int
    min_age: int | None = None
    has_health: bool = False
    min_sentence_months: int | None = None
    needs_children: bool = False

    def describe(self) -> str:
        """Its rules in words, for messages: ``group "mothers"``, ``aged 58 or over``."""
        rules = []
        if self.group:
            rules.append(f'group "{self.group}"')
        if self.min_age is not None:
            rules.append(f"aged {self.min_age} or over")
        if self.has_health:
            rules.append("with a published health note")
        if self.min_sentence_months is not None:
            rules.append(f"sentenced to {self.min_sentence_months} months or more")
        return ", ".join(rules)


@dataclass(frozen=True)
class Newsletter:
    """Newsletter sending settings."""

    sender: str
    reply_to: str
    unsubscribe: str
    unsubscribe_mailto: str


@dataclass(frozen=True)
class Campaign:
    """The whole of ``campaign.toml``, validated."""

    languages: tuple[str, ...]
    platforms: tuple[str, ...]
    hashtags: tuple[str, ...]
    org_name: dict[str, str]
    org_project: dict[str, str]
    site_url: str
    donate_url: str
    newsletter: Newsletter
    appeals: dict[str, Appeal]
    path: str = "campaign.toml"
    digest: str = ""

    def appeal(self, key: str) -> Appeal:
        """Return appeal ``key`` or raise ``ConfigError`` naming the ones that exist."""
        try:
            return self.appeals[key]
        except KeyError:
            known = ", ".join(sorted(self.appeals)) or "none"
            raise ConfigError(f'{self.path}: no appeal "{key}" (defined: {known})') from None

    def appeal_hashtags(self, appeal: Appeal) -> tuple[str, ...]:
        """Appeal tags first, then the campaign's, each once, without ``#``."""
        seen: list[str] = []
        for tag in (*appeal.hashtags, *self.hashtags):
            if tag not in seen:
                seen.append(tag)
        return tuple(seen)


class _Reader:
    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []

    def bad(self, field: str, message: str) -> None:
        self.problems.append(Problem(self.path, message, field=field))

    def get(self, table: dict[str, Any], key: str, kind: type, where: str, default: Any = ...) -> Any:
        name = f"{where}.{key}" if where else key
        if key not in table:
            if default is ...:
                self.bad(name, "missing")
            return None if default is ... else default
        value = table[key]
        if kind is int and isinstance(value, bool) or not isinstance(value, kind):
            self.bad(name, f"must be {kind.__name__}, not {type(value).__name__}")
            return None if default is ... else default
        return value

    def url(self, table: dict[str, Any], key: str, where: str) -> str:
        value = self.get(table, key, str, where)
        if value is not None and not re.fullmatch(r"https://[^\s<>\"']+", value):
            self.bad(f"{where}.{key}", f"{value[:80]!r} must be an absolute https:// link")
        return value or ""

    def per_language(
        self, table: dict[str, Any], key: str, where: str, languages: tuple[str, ...]
    ) -> dict[str, str]:
        value = self.get(table, key, dict, where)
        if value is None:
            return {}
        out: dict[str, str] = {}
        for lang in languages:
            text = value.get(lang)
            if not isinstance(text, str) or not text.strip():
                self.bad(f"{where}.{key}.{lang}", "missing text for this language")
            elif len(text) > MAX_TITLE_LEN or any(ord(c) < 32 for c in text):
                self.bad(
                    f"{where}.{key}.{lang}",
                    f"must be one line of at most {MAX_TITLE_LEN} characters (it is set on cards)",
                )
            else:
                out[lang] = text
        return out

    def hashtags(self, value: Any, where: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.bad(where, "must be a list of tags")
            return ()
        for tag in value:
            # The composer adds "#"; a tag must survive every platform's hashtag rules,
            # so only letters and digits (and "_"): no "-", "’" or spaces, which end a tag.
            if len(tag) > MAX_TAG_LEN:
                self.bad(where, f"{tag[:50]!r}… is longer than {MAX_TAG_LEN} characters")
            elif not HASHTAG_RE.match(tag):
                self.bad(where, f"{tag!r} must be letters and digits only, without '#'")
            elif not tag[0].isupper():
                self.bad(where, f"{tag!r} must be PascalCase (screen readers read the words)")
        return tuple(value)


def parse_campaign(text: str, path: str = "campaign.toml") -> Campaign:
    """Parse and validate campaign.toml text; raise ``ConfigError`` listing every problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    r = _Reader(path)
    if data.get("schema") != 1:
        r.bad("schema", f"must be 1, not {data.get('schema')!r}")
    languages = r.get(data, "languages", list, "") or []
    for lang in languages:
        if not isinstance(lang, str) or not LANGUAGE_RE.match(lang):
            r.bad("languages", f"{str(lang)[:40]!r} is not a language code like en, be or pl")
        elif languages.count(lang) > 1:
            r.bad("languages", f"{lang!r} is listed twice")
    languages = tuple(
        dict.fromkeys(lang for lang in languages if isinstance(lang, str) and LANGUAGE_RE.match(lang))
    )
    if not languages:
        r.bad("languages", "at least one language is needed")
    platforms = r.get(data, "platforms", list, "", default=list(KNOWN_PLATFORMS))
    for name in platforms:
        if name not in KNOWN_PLATFORMS:
            r.bad("platforms", f"unknown platform {name!r} (known: {', '.join(KNOWN_PLATFORMS)})")
    hashtags = r.hashtags(data.get("hashtags"), "hashtags")

    org = r.get(data, "organisation", dict, "") or {}
    org_name = r.per_language(org, "name", "organisation", languages)
    org_project = r.per_language(org, "project", "organisation", languages)
    site_url = r.url(org, "site_url", "organisation")
    donate_url = r.url(org, "donate_url", "organisation")

    nl = r.get(data, "newsletter", dict, "") or {}
    unsubscribe = r.get(nl, "unsubscribe", str, "newsletter", default=DEFAULT_UNSUBSCRIBE)
    if not unsubscribe or not unsubscribe.strip():
        r.bad("newsletter.unsubscribe", "the unsubscribe merge tag must not be empty")
    newsletter = Newsletter(
        sender=r.get(nl, "from", str, "newsletter") or "",
        reply_to=r.get(nl, "reply_to", str, "newsletter", default="") or "",
        unsubscribe=unsubscribe or DEFAULT_UNSUBSCRIBE,
        unsubscribe_mailto=r.get(nl, "unsubscribe_mailto", str, "newsletter") or "",
    )
    if newsletter.unsubscribe_mailto and not newsletter.unsubscribe_mailto.startswith("mailto:"):
        r.bad("newsletter.unsubscribe_mailto", "must start with mailto:")

    appeals: dict[str, Appeal] = {}
    for key, table in (r.get(data, "appeals", dict, "") or {}).items():
        where = f"appeals.{key}"
        if not SLUG_RE.match(key):
            r.bad(where, "an appeal name must be a lowercase slug (it names folders in out/)")
            continue
        if not isinstance(table, dict):
            r.bad(where, "must be a table")
            continue
        group = r.get(table, "group", str, where, default=None)
        if group is not None and not SLUG_RE.match(group):
            r.bad(f"{where}.group", f"{group[:40]!r} is not a group name (a lowercase slug)")
        featured = r.get(table, "featured_per_cycle", int, where, default=5)
        if featured is not None and featured < 1:
            r.bad(f"{where}.featured_per_cycle", "must be at least 1")
        min_age = r.get(table, "min_age", int, where, default=None)
        if min_age is not None and not 1 <= min_age <= 120:
            r.bad(f"{where}.min_age", f"{min_age} is not an age in years")
        has_health = r.get(table, "has_health", bool, where, default=False)
        min_months = r.get(table, "min_sentence_months", int, where, default=None)
        if min_months is not None and not 1 <= min_months <= 12 * 30:
            r.bad(f"{where}.min_sentence_months", f"{min_months} is not a term in months")
        if not (group or min_age is not None or has_health or min_months is not None):
            r.bad(where, "say who the appeal is about: group, min_age, has_health or min_sentence_months")
        unknown = sorted(set(table) - APPEAL_KEYS)
        if unknown:
            r.bad(f"{where}.{unknown[0]}", f"unknown setting (known: {', '.join(sorted(APPEAL_KEYS))})")
        needs_children = r.get(table, "needs_children", bool, where, default=group == "mothers")
        appeals[key] = Appeal(
            key=key,
            group=group or None,
            title=r.per_language(table, "title", where, languages),
            hashtags=r.hashtags(table.get("hashtags"), f"{where}.hashtags"),
            featured_per_cycle=featured or 5,
            min_age=min_age,
            has_health=bool(has_health),
            min_sentence_months=min_months,
            needs_children=bool(needs_children),
        )
    if not appeals:
        r.bad("appeals", "define at least one appeal")
    if r.problems:
        n = len(r.problems)
        raise ConfigError(f"{path}: {n} problem{'s' if n != 1 else ''} found", r.problems)
    return Campaign(
        languages=languages,
        platforms=tuple(platforms),
        hashtags=hashtags,
        org_name=org_name,
        org_project=org_project,
        site_url=site_url,
        donate_url=donate_url,
        newsletter=newsletter,
        appeals=appeals,
        path=path,
        digest=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )


def load_campaign(path: Path) -> Campaign:
    """Read and validate ``path`` (see ``parse_campaign``)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    return parse_campaign(text, str(path))
