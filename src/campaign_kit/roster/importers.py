"""Turn an appeal list as the organisation publishes it into roster records.

The published format is one numbered line per woman::

    1.   ABLAB Hanna | АБЛАБ Анна, sentenced to 11 yrs in a penal colony: 2 children

Real copies are messy (non-breaking spaces, stray commas, ``YRS``, ``5,5``, ``4 yrs 9 mnts``,
``unknown yrs``), so parsing is tolerant of form but strict about facts: a numbered line that
cannot be read, or a name mixing scripts, is reported with its line number, never skipped.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from campaign_kit.errors import Problem, RosterError
from campaign_kit.output import write_file_atomic
from campaign_kit.roster.model import Person
from campaign_kit.roster.names import latin_from_cyrillic, suggest_belarusian
from campaign_kit.roster.scripts import script_problems

# Prose lines are not list items; an item starts with its number and a dot.
ITEM_RE = re.compile(r"^\s*(\d{1,5})\s*[.)]\s*(.*)$")
LINE_RE = re.compile(
    r"""^(?P<latin>[^|]+?)\s*\|\s*(?P<cyrillic>[^|]+?)\s*[,;]?\s+
        (?P<status>(?:was\s+)?sentenced\b.*?|(?:is\s+)?in\s+pre-?trial\s+detention
          |(?:is\s+)?(?:in|under)\s+compulsory\b.*?treatment|released\b.*?)
        \s*[,;]?\s*:\s*(?P<children>.+?)\s*[.,;]?\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
TERM_RE = re.compile(
    r"""^sentenced\s+to\s+
        (?:(?P<unknown>unknown)\s*(?:yrs?|years?)?
          |(?:(?P<years>\d+(?:[.,]\d+)?)\s*(?:yrs?|years?)\.?)?
           \s*(?:(?P<months>\d+)\s*(?:mnths?|mnts?|months?|mos?|m)\.?)?)
        \s*(?P<facility>in\s+(?:a\s+)?(?:penal\s+)?colony)?\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
CHILDREN_RE = re.compile(r"^(?P<n>\d+|no|one)\s+(?:minor\s+)?child(?:ren)?$", re.IGNORECASE)


def transliterate(text: str) -> str:
    """Romanise a Cyrillic name the way the organisation's Latin names are written.

    The Belarusian passport rules applied to the Belarusian form, with the case of ``text``
    kept: a Russian form is made Belarusian first (``Анна`` -> ``Hanna``, ``Татьяна`` ->
    ``Tatsiana``, ``Ирина`` -> ``Iryna``; ``Антанина`` -> ``Antanina``). Used only to *suggest*
    a fix for a Latin field typed in Cyrillic, never applied silently.
    """
    return latin_from_cyrillic(text)


def slugify(text: str) -> str:
    """Lowercase ASCII slug of a Latin name.

    ``SHABLINSKAYA-IVANOVA Katsiaryna`` -> ``shablinskaya-ivanova-katsiaryna``.
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def normalise_line(line: str) -> str:
    """Replace the invisible differences real copies carry: NBSP, thin spaces, odd dashes."""
    line = unicodedata.normalize("NFC", line)
    line = re.sub(r"[\u00a0\u2007\u202f\u2009\u200a\t]", " ", line)
    line = re.sub(r"[\u200b\u200c\u200d\ufeff]", "", line)
    line = line.replace("\u2010", "-").replace("\u2011", "-")
    return re.sub(r" {2,}", " ", line).strip()


@dataclass(frozen=True)
class Fix:
    """A mixed-script name with the Latin spelling the importer suggests for it."""

    problem: Problem
    found: str
    suggested: str

    def __str__(self) -> str:
        return f"{self.problem}; suggested Latin form {self.suggested!r}"


@dataclass
class ImportResult:
    """What an import found: the records it could read and every problem, with line numbers.

    ``fixes`` are mixed-script names whose records already carry the suggested Latin form;
    the caller decides whether a person has accepted them. ``suggestions`` name the
    Belarusian forms made from the Latin and Russian ones.
    """

    people: list[Person] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    fixes: list[Fix] = field(default_factory=list)
    stated_totals: dict[str, int] = field(default_factory=dict)
    # The Belarusian name forms the importer filled in (the published lists print the Latin and
    # the Russian form only): one note per woman, to be checked by a Belarusian reader.
    suggestions: list[Problem] = field(default_factory=list)


def _split_name(text: str) -> tuple[str, str] | None:
    """``SHABLINSKAYA-IVANOVA Katsiaryna`` -> (surname, given); the surname is the upper-case part."""
    words = text.split()
    if len(words) < 2:
        return None
    surname_words = []
    for w in words:
        if w.upper() == w and any(c.isalpha() for c in w):
            surname_words.append(w)
        else:
            break
    if not surname_words or len(surname_words) == len(words):
        # No upper-case surname: fall back to "surname first, given name last".
        surname_words = words[:-1]
    return " ".join(surname_words), " ".join(words[len(surname_words) :])


def _parse_term(text: str) -> tuple[int | None, str | None, str | None]:
    """Return (months, facility, error) from "sentenced to 4 yrs 9 mnts in a penal colony"."""
    m = TERM_RE.match(text.strip().rstrip(",;."))
    if not m or not (m.group("unknown") or m.group("years") or m.group("months")):
        return None, None, f"cannot read the sentence {text.strip()!r}"
    facility = "penal_colony" if m.group("facility") else None
    if m.group("unknown"):
        return None, facility, None
    months = Fraction(0)
    if m.group("years"):
        months += Fraction(m.group("years").replace(",", ".")) * 12
    if m.group("months"):
        months += int(m.group("months"))
    if months.denominator != 1 or months <= 0:
        return None, None, f"the sentence {text.strip()!r} is not a whole number of months"
    return int(months), facility, None


def parse_list(text: str, path: str, group: str) -> ImportResult:
    """Parse a published appeal list into ``Person`` records and line-numbered problems.

    Args:
        text: The document (prose around the list is ignored; numbered lines are items).
        path: The file name, for messages.
        group: Roster group every record joins (e.g. ``mothers``).

    """
    result = ImportResult()
    expected_number = 1
    seen_ids: dict[str, int] = {}
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = normalise_line(raw)
        totals = re.search(r"(\d+)\s+mothers\b.*?(\d+)\s+(?:minor\s+)?children", line, re.I)
        if totals and not ITEM_RE.match(line):
            result.stated_totals = {"women": int(totals.group(1)), "children": int(totals.group(2))}
        item = ITEM_RE.match(line)
        if not item:
            continue
        number, body = int(item.group(1)), item.group(2)

        def problem(message: str, field_name: str | None = None, _n: int = lineno) -> None:
            result.problems.append(Problem(path, message, field=field_name, line=_n))

        if number != expected_number:
            problem(f"item {number} where item {expected_number} was expected")
        expected_number = number + 1
        m = LINE_RE.match(body)
        if not m:
            problem(
                f"cannot read item {number}: expected "
                "'SURNAME Given | ФАМИЛИЯ Имя, status: N children', got "
                f"{body[:100]!r}"
            )
            continue
        latin = _split_name(m.group("latin").strip(" ,"))
        cyrillic = _split_name(m.group("cyrillic").strip(" ,"))
        if latin is None or cyrillic is None:
            problem(f"item {number}: a name needs a surname and a given name")
            continue
        status_text = m.group("status").strip()
        low = status_text.lower()
        months: int | None = None
        facility: str | None = None
        if low.startswith(("sentenced", "was sentenced")):
            status = "sentenced"
            months, facility, err = _parse_term(re.sub(r"^was\s+", "", status_text, flags=re.I))
            if err:
                problem(f"item {number}: {err}", "sentence_months")
                continue
        elif "pre" in low and "trial" in low:
            status = "pre_trial"
        elif "compulsory" in low:
            status = "compulsory_treatment"
        else:
            status = "released"
        kids = CHILDREN_RE.match(m.group("children"))
        if not kids:
            problem(f"item {number}: cannot read the children {m.group('children')!r}", "children")
            continue
        n_text = kids.group("n").lower()
        children = 0 if n_text == "no" else 1 if n_text == "one" else int(n_text)

        fields = {
            "surname_latin": latin[0],
            "given_latin": latin[1],
            "surname_cyrillic": cyrillic[0],
            "given_cyrillic": cyrillic[1],
        }
        unfixable = False
        for name, value in fields.items():
            expected = "latin" if name.endswith("_latin") else "cyrillic"
            bad = script_problems(value, expected)
            if not bad:
                continue
            issue = Problem(
                path, f"item {number}: {value!r} mixes scripts: {bad[0]}", field=name, line=lineno
            )
            suggestion = transliterate(value) if expected == "latin" else ""
            if suggestion and not script_problems(suggestion, "latin"):
                result.fixes.append(Fix(issue, value, suggestion))
                fields[name] = suggestion
            else:
                result.problems.append(issue)
                unfixable = True
        if unfixable:
            continue
        person_id = slugify(f"{fields['surname_latin']} {fields['given_latin']}")
        if not person_id:
            problem(f"item {number}: no id can be made from the Latin name", "id")
            continue
        if person_id in seen_ids:
            problem(f"item {number}: same Latin name as item {seen_ids[person_id]}", "id")
            continue
        seen_ids[person_id] = number
        surname_be = suggest_belarusian(fields["surname_latin"], fields["surname_cyrillic"])
        given_be = suggest_belarusian(fields["given_latin"], fields["given_cyrillic"])
        result.suggestions.append(
            Problem(
                path,
                f"item {number}: Belarusian form {surname_be} {given_be} suggested from "
                f"{fields['surname_latin']} {fields['given_latin']} and "
                f"{fields['surname_cyrillic']} {fields['given_cyrillic']}; a suggestion, check it",
                record_id=person_id,
                field="surname_be",
                line=lineno,
            )
        )
        result.people.append(
            Person(
                id=person_id,
                surname_latin=fields["surname_latin"],
                given_latin=fields["given_latin"],
                surname_cyrillic=fields["surname_cyrillic"],
                given_cyrillic=fields["given_cyrillic"],
                surname_be=surname_be,
                given_be=given_be,
                status=status,
                children=children,
                groups=(group,),
                sentence_months=months,
                facility=facility if status == "sentenced" else None,
            )
        )
    if expected_number == 1:
        result.problems.append(Problem(path, "no numbered list items found"))
    stated = result.stated_totals
    if stated:
        women, children = len(result.people), sum(p.children for p in result.people)
        if (stated["women"], stated["children"]) != (women, children) and not result.problems:
            result.problems.append(
                Problem(
                    path,
                    f"the text states {stated['women']} mothers and {stated['children']} children "
                    f"but the list has {women} and {children}",
                )
            )
    return result


def write_roster_file(path: Path, text: str, *, force: bool = False) -> None:
    """Write imported roster text to ``path`` through the safe atomic writer.

    The file appears whole or not at all; a planted temporary file or a link at ``path`` is
    never written through (a link is refused even with ``force``).

    Args:
        path: The roster file to write (``import-list -o``).
        text: The roster JSON text.
        force: Replace an existing file.

    Raises:
        RosterError: ``path`` exists and ``force`` is not set.
        BuildError: ``path`` is a link or a folder, or the write fails.

    """
    if (path.exists() or path.is_symlink()) and not force:
        raise RosterError(f"{path}: exists; use --force to overwrite it or -o another file")
    write_file_atomic(path, text.encode("utf-8"))
