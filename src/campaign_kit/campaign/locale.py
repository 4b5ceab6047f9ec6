"""The language layer every output uses: plural forms, status phrasing, names in the text's script.

The words live in ``templates/locale/<lang>.toml`` so that adding a language is adding files a
translator can edit; this module only picks the right form. Plural categories come from CLDR
via Babel (Russian and Belarusian have one/few/many), and the case each numeral governs is
written into the forms themselves ("к 5 годам", "да 5 гадоў").
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from campaign_kit.campaign import facts
from campaign_kit.campaign.typography import Rules, rules_from_table, typeset
from campaign_kit.errors import TemplateError
from campaign_kit.roster import Person
from campaign_kit.roster.names import NAME_FORMS

# The counted things each locale file must define, with every plural category of its language.
PLURAL_TABLES = (
    "years",
    "months",
    "mother_of",
    "women",
    "mothers",
    "children",
    "minor_children",
    "minor_children_of",
    "age",
    "children_prose",
    "number_words",
)
STATUS_KEYS = (
    "sentenced",
    "sentenced_unknown",
    "pre_trial",
    "compulsory_treatment",
    "house_arrest",
    "restricted_freedom",
    "restricted_freedom_term",
    "released",
    "unknown",
)
FACILITY_KEYS = ("penal_colony", "prison", "pre_trial_centre", "psychiatric_hospital")


def title_case_name(name: str) -> str:
    """``SHABLINSKAYA-IVANOVA`` -> ``Shablinskaya-Ivanova`` (each hyphen part capitalised)."""
    return "-".join(part[:1].upper() + part[1:].lower() for part in name.split("-"))


@dataclass(frozen=True)
class Locale:
    """Phrasing for one language, loaded from ``templates/locale/<lang>.toml``.

    Templates receive it as ``t`` and call its methods: ``t.status(p)``, ``t.mother_of(p.children)``,
    ``t.count("women", 27)``, ``t.name(p)``.

    ``name_form`` (``latin``, ``be`` or ``ru``, from the file) is the form of her name this
    language's texts, cards, alt texts and initials use; ``other_name_form`` is the one shown
    beside it. ``script`` follows from ``name_form``.
    """

    lang: str
    script: str
    table: dict[str, Any]
    source: str
    name_form: str = "latin"
    other_name_form: str = "ru"

    @property
    def date_locale(self) -> str:
        """The CLDR locale dates are written in (``en_GB`` for English: "24 November 2026")."""
        return str(self.table.get("date_locale", self.lang))

    @cached_property
    def typography(self) -> Rules:
        """The typographic rules of this language (``[typography]`` over the shipped defaults)."""
        return rules_from_table(self.lang, self.table.get("typography"))

    def typeset(self, text: str) -> str:
        """``text`` with this language's no-break spaces, dashes and quotes (``typography.py``)."""
        return typeset(text, self.typography)

    def date(self, day: dt.date | str) -> str:
        """A date the one way this language writes dates, in every text and on every card.

        "24 November 2026", «24 лістапада 2026 г.», «24 ноября 2026 г.» (CLDR's long format,
        its narrow no-break space made a no-break space).
        """
        return self.typeset(facts.long_date(day, self.date_locale))

    def lower_first(self, text: str) -> str:
        """Lower-case a phrase's first letter to continue a sentence, if this language does.

        A language whose nouns keep their capital (German: "Status unbekannt") sets
        ``lower_case_mid_sentence = false`` in its locale file. An initialism stays as it is
        ("СИЗО ..."), since only a capitalised word is a sentence start.
        """
        if not self.table.get("lower_case_mid_sentence", True):
            return text
        if len(text) > 1 and text[0].isupper() and not text[1].isupper():
            return text[0].lower() + text[1:]
        return text

    def plural(self, n: int, forms: dict[str, str]) -> str:
        """Pick ``n``'s form from ``forms`` (``facts.plural``: an ``"=N"`` key wins over the category)."""
        return facts.plural(self.lang, n, forms, self.source)

    def count(self, what: str, n: int) -> str:
        """``count("women", 27)`` -> "27 women" / "27 женщин" / "27 жанчын"."""
        if what not in self.table or not isinstance(self.table[what], dict):
            raise TemplateError(f'{self.source}: no plural table "{what}"')
        return self.plural(n, self.table[what])

    def term(self, months: int) -> str:
        """A sentence length with the case this language needs after its status verb.

        ``66`` -> "5 years 6 months" / "5 годам 6 месяцам" / "5 гадоў 6 месяцаў".
        """
        years, rest = divmod(months, 12)
        parts = []
        if years:
            parts.append(self.count("years", years))
        if rest:
            parts.append(self.count("months", rest))
        return " ".join(parts)

    def status(self, person: Person) -> str:
        """Her status as one line: "Sentenced to 5 years 6 months in a penal colony"."""
        phrases = self.table["status"]
        kind = person.facility or "penal_colony"
        facility = self.table["facility"].get(kind, "")
        place = self.table.get("facility_place", {}).get(kind, "")
        if person.status == "sentenced":
            if person.sentence_months is None:
                text = phrases["sentenced_unknown"]
            else:
                text = phrases["sentenced"].replace("{term}", self.term(person.sentence_months))
            text = text.replace("{facility}", facility).replace("{place}", place)
            return " ".join(text.split())
        if person.status == "restricted_freedom" and person.sentence_months is not None:
            return phrases["restricted_freedom_term"].replace("{term}", self.term(person.sentence_months))
        return phrases[person.status]

    def mother_of(self, n: int | None) -> str:
        """Say "Mother of 2 children" (Russian: "Мать двоих детей"); empty when unknown or none."""
        if not n:
            return ""
        return self.count("mother_of", n)

    def name_parts(self, person: Person, other: bool = False) -> tuple[str, str]:
        """``(surname, given)`` in this language's name form (or the other form shown beside it).

        Raises:
            RosterError: the roster lacks that form (a schema 1 roster has no Belarusian form).

        """
        return person.name_parts(self.other_name_form if other else self.name_form)

    def name(self, person: Person) -> str:
        """Her name, surname first, in this language's form: ``ABLAB Hanna`` / ``АБЛАБ Ганна``."""
        return " ".join(self.name_parts(person))

    def other_name(self, person: Person) -> str:
        """Her name in the other form, for cards and lists that show both."""
        return " ".join(self.name_parts(person, other=True))

    def prose_name(self, person: Person, other: bool = False) -> str:
        """Her name as a sentence writes it: given name first, surname in title case."""
        surname, given = self.name_parts(person, other)
        return f"{given} {title_case_name(surname)}"

    def initials(self, person: Person) -> str:
        """Her initials in this language's form, given name first: ``H. A.``, ``Г. А.``."""
        surname, given = self.name_parts(person)
        # Each with its full stop: bare pairs read as words in large type ("HA", "ГА").
        return " ".join(f"{part[0].upper()}." for part in (given, surname) if part)

    def text(self, key: str) -> str:
        """A plain phrase from the locale file's ``[text]`` table (dotted keys allowed)."""
        node: Any = self.table.get("text", {})
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                raise TemplateError(f'{self.source}: no text "{key}"')
            node = node[part]
        if not isinstance(node, str):
            raise TemplateError(f'{self.source}: text "{key}" is not a string')
        return node


def _check_table(lang: str, table: dict[str, Any], source: str) -> None:
    problems: list[str] = []
    forms = ", ".join(f'"{f}"' for f in NAME_FORMS)
    for key in ("name_form", "other_name_form"):
        if table.get(key) not in NAME_FORMS:
            problems.append(f"{key} must be one of {forms} (the roster's name fields)")
    if table.get("name_form") == table.get("other_name_form") and table.get("name_form"):
        problems.append("other_name_form must differ from name_form")
    if "date_locale" in table:
        try:
            facts.plural_categories(str(table["date_locale"]))
        except TemplateError as exc:
            problems.append(f"date_locale: {exc.message}")
    try:
        needed = facts.plural_categories(lang)
    except TemplateError as exc:
        raise TemplateError(f"{source}: {exc.message}") from None
    for name in PLURAL_TABLES:
        forms = table.get(name)
        if not isinstance(forms, dict):
            problems.append(f"missing table [{name}]")
            continue
        missing = sorted(needed - set(forms))
        if missing:
            problems.append(f"[{name}] lacks the plural forms {', '.join(missing)}")
    for key in STATUS_KEYS:
        if not isinstance(table.get("status", {}).get(key), str):
            problems.append(f"[status] lacks {key}")
    for key in FACILITY_KEYS:
        for name in ("facility", "facility_place"):
            if not isinstance(table.get(name, {}).get(key), str):
                problems.append(f"[{name}] lacks {key}")
    if problems:
        raise TemplateError(f"{source}: " + "; ".join(problems))


@lru_cache(maxsize=32)
def _load(path: str, mtime_ns: int, lang: str) -> Locale:
    try:
        table = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:  # ValueError: TOML errors, huge ints
        raise TemplateError(f"{path}: cannot be read: {exc}") from None
    _check_table(lang, table, path)
    form = table["name_form"]
    return Locale(
        lang=lang,
        script="latin" if form == "latin" else "cyrillic",
        table=table,
        source=path,
        name_form=form,
        other_name_form=table["other_name_form"],
    )


def load_locale(templates_dir: Path, lang: str) -> Locale:
    """Load and check ``templates_dir/locale/<lang>.toml`` (cached per process).

    Raises:
        TemplateError: the file is missing, unreadable, or lacks a phrase or plural form.

    """
    path = templates_dir / "locale" / f"{lang}.toml"
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        raise TemplateError(f"{path}: no locale file for language {lang!r}") from None
    return _load(str(path), mtime, lang)
