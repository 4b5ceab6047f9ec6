"""Read ``campaign.toml`` into a frozen ``Campaign`` with its ``Appeal`` definitions."""

from __future__ import annotations

import hashlib
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from email.utils import getaddresses, parseaddr
from pathlib import Path
from typing import Any

from campaign_kit.campaign.schedule import Account, Schedule, parse_accounts, parse_schedule
from campaign_kit.campaign.toml_reader import TomlReader
from campaign_kit.errors import ConfigError, reading
from campaign_kit.platforms import MASTODON_VISIBILITIES, PLATFORMS
from campaign_kit.roster import STATUSES, text_problems

# A language is files only (templates/locale/<lang>.toml and its templates; validate checks
# they exist): campaign.toml may name any language code CLDR could know.
LANGUAGE_RE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*\Z")
KNOWN_PLATFORMS = tuple(PLATFORMS)  # the one table: platforms.py
HASHTAG_RE = re.compile(r"[^\W_][\w]*\Z")
SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
DEFAULT_UNSUBSCRIBE = "{{ UnsubscribeURL }}"
# Each platform's own merge tags: the subscriber's unsubscribe link and the web copy of the
# message (listmonk: docs "Templating"; Mailchimp: "All the Merge Tags"; Brevo: "mirror").
ESP_TAGS: dict[str, dict[str, str]] = {
    "listmonk": {"unsubscribe": "{{ UnsubscribeURL }}", "view_online": "{{ MessageURL }}"},
    "mailchimp": {"unsubscribe": "*|UNSUB|*", "view_online": "*|ARCHIVE|*"},
    "brevo": {"unsubscribe": "{{ unsubscribe }}", "view_online": "{{ mirror }}"},
}
KNOWN_ESPS = tuple(ESP_TAGS)
UTM_KEY_RE = re.compile(r"utm_(source|medium|campaign|term|content)\Z")
LIST_ID_RE = re.compile(r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+\Z")
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
        "exclude_status",
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
    exclude_status: tuple[str, ...] = ()

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
        if self.exclude_status:
            rules.append(f"not {' or '.join(self.exclude_status)}")
        return ", ".join(rules)


@dataclass(frozen=True)
class Newsletter:
    """Newsletter sending settings (``[newsletter]``).

    ``from_name``, ``reason`` and ``postal_address`` are per language; ``utm`` holds
    ``utm_*`` query parameters added to the donation link (``{appeal}``, ``{cycle}`` and
    ``{lang}`` are filled in); ``listmonk`` the push settings (lists per language, template id,
    test subscribers).
    """

    sender: str
    reply_to: str
    unsubscribe: str
    unsubscribe_mailto: str
    esp: str = "listmonk"
    from_name: dict[str, str] = field(default_factory=dict)
    reason: dict[str, str] = field(default_factory=dict)
    postal_address: dict[str, str] = field(default_factory=dict)
    list_id: str = ""
    utm: tuple[tuple[str, str], ...] = ()
    roll_call_max: int = 60
    featured_max: int = 10
    listmonk: dict[str, Any] = field(default_factory=dict)

    @property
    def view_online(self) -> str:
        """The platform's "view in browser" merge tag, or "" when the platform has none."""
        return ESP_TAGS.get(self.esp, {}).get("view_online", "")


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
    schedule: Schedule = field(default_factory=Schedule)
    accounts: tuple[Account, ...] = ()
    # [roster] max_unchecked_days: a featured woman's record older than this stops `approve`.
    max_unchecked_days: int = 30
    # ``[publish.mastodon] visibility``: who sees the statuses publish posts.
    mastodon_visibility: str = "public"

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


# A header value must stay on its line: CR/LF (or NUL) would end the header and start another
# one (a Bcc:, or the body). Everything else a header cannot carry is refused too, by name.
_MAILBOX_RE = re.compile(r"(?P<name>.*?)\s*<(?P<addr>[^<>]*)>")
_ADDR_RE = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")
_MAILTO_RE = re.compile(
    r"mailto:[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+(?:\?[A-Za-z0-9._~!$&'()*+;=:@/?%-]*)?"
)


def header_problem(value: str, kind: str) -> str | None:
    """Why ``value`` cannot go into a mail header as it is, or None when it can.

    Args:
        value: The configured value.
        kind: ``"mailbox"`` (From, Reply-To, To: ``Name <addr>`` or ``addr``, the address part
            ASCII, the display name any clean text), ``"mailto"`` (a ``mailto:`` URI for
            List-Unsubscribe, ASCII) or ``"merge-tag"`` (an ESP merge tag or https link for
            List-Unsubscribe, ASCII, no ``<`` or ``>``).

    Returns:
        The problem in plain words, or None.

    """
    for ch in value:
        if ch in "\r\n\x00" or unicodedata.category(ch) in ("Cc", "Zl", "Zp") or ch == "\x85":
            what = (
                "a line break" if ch in "\r\n\x85\u2028\u2029" else f"the control character U+{ord(ch):04X}"
            )
            return f"contains {what}: in a mail header it would start a new header; remove it"
    if kind == "mailbox":
        text = value.strip()
        match = _MAILBOX_RE.fullmatch(text)
        name, addr = (
            (match.group("name").strip().strip('"'), match.group("addr").strip()) if match else ("", text)
        )
        if not addr.isascii():
            return (
                f"the address {addr[:80]!r} is not ASCII: mail headers here cannot carry it "
                "(write the domain in its xn-- form)"
            )
        if not _ADDR_RE.fullmatch(addr) or len(getaddresses([value])) != 1 or parseaddr(value)[1] != addr:
            return f"{value[:80]!r} is not one email address like 'Name <news@example.org>'"
        bad = text_problems(name)
        if bad:
            return f"the display name: {bad[0]}"
    elif kind == "mailto":
        if not value.isascii():
            return "must be ASCII (percent-encode anything else): List-Unsubscribe cannot carry it"
        if not _MAILTO_RE.fullmatch(value):
            return f"{value[:80]!r} is not a mailto: link like 'mailto:news@example.org?subject=unsubscribe'"
    else:
        if not value.isascii():
            return "must be ASCII: List-Unsubscribe cannot carry it"
        if "<" in value or ">" in value or "," in value:
            return "must not contain '<', '>' or ',': they would end the List-Unsubscribe link"
    return None


class _Reader(TomlReader):
    """The shared reader plus campaign.toml's own kinds of value: links, texts per language, tags."""

    def text(self, value: str, name: str) -> bool:
        """Report invisible characters and mixed-script words; True when the text is clean."""
        problems = text_problems(value)
        for message in problems[:3]:
            self.bad(name, message)
        return not problems

    def url(self, table: dict[str, Any], key: str, where: str) -> str:
        value = self.get(table, key, where, str)
        if value is not None and not re.fullmatch(r"https://[^\s<>\"']+", value):
            self.bad(f"{where}.{key}", f"{value[:80]!r} must be an absolute https:// link")
        elif value is not None and not value.isascii():
            self.bad(
                f"{where}.{key}",
                f"{value[:80]!r} must be ASCII (write an international domain in its xn-- form, "
                "percent-encode the rest): look-alike letters in links mislead readers",
            )
        return value or ""

    def header(self, value: str, name: str, kind: str) -> None:
        problem = header_problem(value, kind) if value else None
        if problem:
            self.bad(name, problem)

    def per_language(
        self, table: dict[str, Any], key: str, where: str, languages: tuple[str, ...]
    ) -> dict[str, str]:
        value = self.get(table, key, where, dict)
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
            elif self.text(text, f"{where}.{key}.{lang}"):
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
            elif not self.text(tag, where):
                pass
            elif not tag[0].isupper():
                self.bad(where, f"{tag!r} must be PascalCase (screen readers read the words)")
        return tuple(value)


def _texts(
    r: _Reader, nl: dict[str, Any], key: str, languages: tuple[str, ...], limit: int
) -> dict[str, str]:
    """An optional per-language table of one-line texts under ``[newsletter]``."""
    table = r.get(nl, key, "newsletter", dict, default={}) or {}
    out: dict[str, str] = {}
    if not table:
        return out
    for lang in languages:
        text = table.get(lang)
        where = f"newsletter.{key}.{lang}"
        if not isinstance(text, str) or not text.strip():
            r.bad(where, "missing text for this language")
        elif len(text) > limit or any(ord(c) < 32 for c in text):
            r.bad(where, f"must be one line of at most {limit} characters")
        elif r.text(text, where):
            out[lang] = text.strip()
    return out


def _newsletter_extras(r: _Reader, nl: dict[str, Any], languages: tuple[str, ...]) -> dict[str, Any]:
    """The compliance and hand-off keys of ``[newsletter]``, validated."""
    esp = r.get(nl, "esp", "newsletter", str, default="listmonk")
    if esp not in KNOWN_ESPS:
        r.bad("newsletter.esp", f"unknown platform {esp!r} (known: {', '.join(KNOWN_ESPS)})")
    from_name = _texts(r, nl, "from_name", languages, 80)
    list_id = r.get(nl, "list_id", "newsletter", str, default="") or ""
    if list_id and not LIST_ID_RE.match(list_id):
        r.bad(
            "newsletter.list_id", f"{list_id[:80]!r} must be a dotted name like news.example.org (RFC 2919)"
        )
    utm_table = r.get(nl, "utm", "newsletter", dict, default={}) or {}
    utm: list[tuple[str, str]] = []
    for key, value in utm_table.items():
        if not UTM_KEY_RE.match(key):
            r.bad(
                f"newsletter.utm.{key}",
                "must be one of utm_source, utm_medium, utm_campaign, utm_term, utm_content",
            )
        elif not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9_.{}-]+", value):
            r.bad(
                f"newsletter.utm.{key}",
                "must be letters, digits, '-', '_', '.' (and {appeal}, {cycle}, {lang})",
            )
        else:
            utm.append((key, value))
    roll_max = r.get(nl, "roll_call_max", "newsletter", int, default=60)
    if roll_max is not None and roll_max < 0:
        r.bad("newsletter.roll_call_max", "must be 0 or more")
    featured_max = r.get(nl, "featured_max", "newsletter", int, default=10)
    if featured_max is not None and featured_max < 1:
        r.bad("newsletter.featured_max", "must be at least 1")
    listmonk = r.get(nl, "listmonk", "newsletter", dict, default={}) or {}
    lists = listmonk.get("lists", {})
    if not isinstance(lists, dict) or not all(
        isinstance(v, list) and v and all(isinstance(i, int) and not isinstance(i, bool) for i in v)
        for v in lists.values()
    ):
        r.bad("newsletter.listmonk.lists", "must map each language to a list of listmonk list ids")
    template_id = listmonk.get("template_id")
    if template_id is not None and (not isinstance(template_id, int) or isinstance(template_id, bool)):
        r.bad("newsletter.listmonk.template_id", "must be a listmonk template id (a number)")
    tests = listmonk.get("test_subscribers", [])
    if not isinstance(tests, list) or not all(isinstance(t, str) and "@" in t for t in tests):
        r.bad("newsletter.listmonk.test_subscribers", "must be a list of email addresses")
    else:
        for address in tests:
            r.header(address, "newsletter.listmonk.test_subscribers", "mailbox")
    return {
        "esp": esp if esp in KNOWN_ESPS else "listmonk",
        "from_name": from_name,
        "reason": _texts(r, nl, "reason", languages, 300),
        "postal_address": _texts(r, nl, "postal_address", languages, 200),
        "list_id": list_id,
        "utm": tuple(utm),
        "roll_call_max": roll_max if roll_max is not None else 60,
        "featured_max": featured_max or 10,
        "listmonk": listmonk,
    }


def parse_campaign(text: str, path: str = "campaign.toml") -> Campaign:
    """Parse and validate campaign.toml text; raise ``ConfigError`` listing every problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except ValueError as exc:  # an integer over 4,300 digits fails inside int()
        raise ConfigError(f"{path}: invalid TOML: {str(exc).split(';')[0]}") from None
    except RecursionError:
        raise ConfigError(f"{path}: invalid TOML: nested too deeply") from None
    r = _Reader(path)
    if data.get("schema") != 1:
        r.bad("schema", f"must be 1, not {data.get('schema')!r}")
    languages = r.get(data, "languages", "", list) or []
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
    platforms = r.get(data, "platforms", "", list, default=list(KNOWN_PLATFORMS)) or []
    for name in platforms:
        if name not in KNOWN_PLATFORMS:
            r.bad("platforms", f"unknown platform {name!r} (known: {', '.join(KNOWN_PLATFORMS)})")
    hashtags = r.hashtags(data.get("hashtags"), "hashtags")
    known_platforms = tuple(p for p in platforms if p in KNOWN_PLATFORMS)
    schedule = parse_schedule(r, data, known_platforms)
    accounts = parse_accounts(r, data, languages, known_platforms)
    publishing = r.get(data, "publish", "", dict, default={}) or {}
    mastodon = r.get(publishing, "mastodon", "publish", dict, default={}) or {}
    visibility = r.get(mastodon, "visibility", "publish.mastodon", str, default="public") or "public"
    if visibility not in MASTODON_VISIBILITIES:
        known = ", ".join(MASTODON_VISIBILITIES)
        r.bad("publish.mastodon.visibility", f"{visibility[:40]!r} is not one of {known}")

    org = r.get(data, "organisation", "", dict) or {}
    org_name = r.per_language(org, "name", "organisation", languages)
    org_project = r.per_language(org, "project", "organisation", languages)
    site_url = r.url(org, "site_url", "organisation")
    donate_url = r.url(org, "donate_url", "organisation")

    nl = r.get(data, "newsletter", "", dict) or {}
    esp_name = nl.get("esp", "listmonk")
    esp_tags = ESP_TAGS.get(esp_name if isinstance(esp_name, str) else "listmonk", ESP_TAGS["listmonk"])
    unsubscribe = r.get(nl, "unsubscribe", "newsletter", str, default=esp_tags["unsubscribe"])
    if not unsubscribe or not unsubscribe.strip():
        r.bad("newsletter.unsubscribe", "the unsubscribe merge tag must not be empty")
    newsletter = Newsletter(
        sender=r.get(nl, "from", "newsletter", str) or "",
        reply_to=r.get(nl, "reply_to", "newsletter", str, default="") or "",
        unsubscribe=unsubscribe or DEFAULT_UNSUBSCRIBE,
        unsubscribe_mailto=r.get(nl, "unsubscribe_mailto", "newsletter", str) or "",
        **_newsletter_extras(r, nl, languages),
    )
    if newsletter.unsubscribe_mailto and not newsletter.unsubscribe_mailto.startswith("mailto:"):
        r.bad("newsletter.unsubscribe_mailto", "must start with mailto:")
    else:
        r.header(newsletter.unsubscribe_mailto, "newsletter.unsubscribe_mailto", "mailto")
    r.header(newsletter.sender, "newsletter.from", "mailbox")
    r.header(newsletter.reply_to, "newsletter.reply_to", "mailbox")
    r.header(newsletter.unsubscribe, "newsletter.unsubscribe", "merge-tag")

    appeals: dict[str, Appeal] = {}
    for key, table in (r.get(data, "appeals", "", dict) or {}).items():
        where = f"appeals.{key}"
        if not SLUG_RE.match(key):
            r.bad(where, "an appeal name must be a lowercase slug (it names folders in out/)")
            continue
        if not isinstance(table, dict):
            r.bad(where, "must be a table")
            continue
        group = r.get(table, "group", where, str, default=None)
        if group is not None and not SLUG_RE.match(group):
            r.bad(f"{where}.group", f"{group[:40]!r} is not a group name (a lowercase slug)")
        if group is not None:
            r.text(group, f"{where}.group")
        featured = r.get(table, "featured_per_cycle", where, int, default=5)
        if featured is not None and featured < 1:
            r.bad(f"{where}.featured_per_cycle", "must be at least 1")
        min_age = r.get(table, "min_age", where, int, default=None)
        if min_age is not None and not 1 <= min_age <= 120:
            r.bad(f"{where}.min_age", f"{min_age} is not an age in years")
        has_health = r.get(table, "has_health", where, bool, default=False)
        min_months = r.get(table, "min_sentence_months", where, int, default=None)
        if min_months is not None and not 1 <= min_months <= 12 * 30:
            r.bad(f"{where}.min_sentence_months", f"{min_months} is not a term in months")
        if not (group or min_age is not None or has_health or min_months is not None):
            r.bad(where, "say who the appeal is about: group, min_age, has_health or min_sentence_months")
        unknown = sorted(set(table) - APPEAL_KEYS)
        if unknown:
            r.bad(f"{where}.{unknown[0]}", f"unknown setting (known: {', '.join(sorted(APPEAL_KEYS))})")
        needs_children = r.get(table, "needs_children", where, bool, default=group == "mothers")
        excluded = table.get("exclude_status", [])
        if not isinstance(excluded, list) or any(s not in STATUSES for s in excluded):
            r.bad(f"{where}.exclude_status", f"a list of statuses from: {', '.join(STATUSES)}")
            excluded = []
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
            exclude_status=tuple(dict.fromkeys(excluded)),
        )
    if not appeals:
        r.bad("appeals", "define at least one appeal")
    roster_table = data.get("roster", {})
    max_unchecked = 30
    if not isinstance(roster_table, dict):
        r.bad("roster", "must be a table")
    else:
        for key in sorted(set(roster_table) - {"max_unchecked_days"}):
            r.bad(f"roster.{key}", "unknown setting (known: max_unchecked_days)")
        value = r.get(roster_table, "max_unchecked_days", "roster", int, default=30)
        if value is not None and not 1 <= value <= 3660:
            r.bad("roster.max_unchecked_days", f"{value} is not a number of days between 1 and 3660")
        elif value is not None:
            max_unchecked = value
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
        max_unchecked_days=max_unchecked,
        path=path,
        digest=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        schedule=schedule,
        accounts=accounts,
        mastodon_visibility=visibility,
    )


def load_campaign(path: Path) -> Campaign:
    """Read and validate ``path`` (see ``parse_campaign``)."""
    with reading(path, ConfigError):
        raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    return parse_campaign(text, str(path))
