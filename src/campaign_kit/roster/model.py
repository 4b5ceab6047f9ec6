"""The roster's model: ``Person`` and ``Roster``, the dates they keep, the statuses they name.

Frozen values only: reading and checking roster.json is ``roster.load`` and ``roster.checks``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from campaign_kit.errors import Problem, RosterError

# The schema this version reads and writes; schema 1 (one Cyrillic form, the Russian) is read
# only by `campaign-kit migrate`, which rewrites it as schema 2.
SCHEMA_VERSION = 2
MIGRATE_HINT = (
    "run `campaign-kit migrate` to rewrite it as schema 2, then check the Belarusian name forms it suggests"
)
STATUSES = (
    "sentenced",
    "pre_trial",
    "compulsory_treatment",
    "house_arrest",
    "restricted_freedom",
    "released",
    "unknown",
)
FACILITIES = ("penal_colony", "prison", "pre_trial_centre", "psychiatric_hospital")
# A term is set for these statuses (restricted freedom is a sentence too); a place of detention
# for those held somewhere.
TERM_STATUSES = ("sentenced", "restricted_freedom")
FACILITY_STATUSES = ("sentenced", "pre_trial", "compulsory_treatment")
# Held in a prison, colony, detention centre or hospital: the women a text may say are "behind
# bars". House arrest, restricted freedom and an unknown status are not.
CUSTODY_STATUSES = FACILITY_STATUSES
DATE_RE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?\Z")
# The three name forms: Latin (as published), Belarusian and Russian Cyrillic.
NAME_FIELDS = ("surname_latin", "given_latin", "surname_be", "given_be", "surname_ru", "given_ru")
# Schema 1's names for the Russian form, which schema 2 splits into Russian and Belarusian.
SCHEMA_1_NAMES = {"surname_cyrillic": "surname_ru", "given_cyrillic": "given_ru"}


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date known to the year (``2024``), the month (``2024-12``) or the day (``2024-12-05``).

    Release dates and birth dates are often published to the month or the year only; the
    record keeps what is known and comparisons use the earliest or latest day it can be.
    """

    year: int
    month: int | None = None
    day: int | None = None

    @classmethod
    def parse(cls, text: Any) -> PartialDate | None:
        """``"2024-12"`` -> ``PartialDate(2024, 12)``; None when not a real date of that form."""
        if not isinstance(text, str):
            return None
        m = DATE_RE.match(text)
        if not m:
            return None
        year, month, day = (int(g) if g else None for g in m.groups())
        try:
            dt.date(year, month or 1, day or 1)  # type: ignore[arg-type]
        except ValueError:
            return None
        return cls(year, month, day)  # type: ignore[arg-type]

    def earliest(self) -> dt.date:
        """The first day it can be."""
        return dt.date(self.year, self.month or 1, self.day or 1)

    def latest(self) -> dt.date:
        """The last day it can be."""
        if self.day is not None:
            return self.earliest()
        if self.month is None:
            return dt.date(self.year, 12, 31)
        nxt = dt.date(self.year + self.month // 12, self.month % 12 + 1, 1)
        return nxt - dt.timedelta(days=1)

    def isoformat(self) -> str:
        """As written in roster.json: ``2024``, ``2024-12`` or ``2024-12-05``."""
        text = f"{self.year:04d}"
        if self.month is not None:
            text += f"-{self.month:02d}"
            if self.day is not None:
                text += f"-{self.day:02d}"
        return text

    def __str__(self) -> str:
        return self.isoformat()


def age_on(born: PartialDate, day: dt.date) -> int:
    """Her age in whole years on ``day``: the least she can be.

    A year-only birth date counts as 31 December, so an appeal for women of 58 and over never
    takes in a woman who may still be 57.
    """
    birth = born.latest()
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


@dataclass(frozen=True)
class HistoryEvent:
    """One change of her status, oldest first: a sentence, a transfer, a release."""

    status: str
    on: PartialDate | None = None
    sentence_months: int | None = None
    source: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """As roster.json writes it."""
        return {
            "status": self.status,
            "on": self.on.isoformat() if self.on else None,
            "sentence_months": self.sentence_months,
            "source": self.source,
        }


@dataclass(frozen=True)
class Person:
    """One woman on the roster, validated.

    ``children`` is a count only: children are never named anywhere.

    Names come in three forms: Latin, Belarusian Cyrillic (``*_be``) and Russian Cyrillic
    (``surname_cyrillic``/``given_cyrillic``, also readable as ``surname_ru``/``given_ru``; the
    field keeps schema 1's name so code written against it stays right). roster.json always
    gives the Belarusian form; a Person made in code without it has ``None`` there.
    """

    id: str
    surname_latin: str
    given_latin: str
    surname_cyrillic: str
    given_cyrillic: str
    status: str
    children: int | None
    groups: tuple[str, ...]
    sentence_months: int | None = None
    facility: str | None = None
    photo: str | None = None
    photo_focus: tuple[float, float] | None = None
    photo_credit: str | None = None
    # Per language: what her photo shows, and its credit when it differs by language
    # ((lang, text) pairs, sorted: a Person stays hashable).
    photo_alt: tuple[tuple[str, str], ...] = ()
    photo_credits: tuple[tuple[str, str], ...] = ()
    detained_on: PartialDate | None = None
    released_on: PartialDate | None = None
    sources: tuple[str, ...] = ()
    surname_be: str | None = None
    given_be: str | None = None
    latin_exception: str | None = None
    born_on: PartialDate | None = None
    health: str | None = None
    history: tuple[HistoryEvent, ...] = ()
    checked_on: dt.date | None = None
    deviations: tuple[tuple[str, str], ...] = ()

    def last_checked(self, as_of: dt.date) -> dt.date:
        """When her record was last confirmed: ``checked_on``, else the roster's ``as_of``."""
        return self.checked_on or as_of

    @property
    def surname_ru(self) -> str:
        """Her surname in Russian Cyrillic: ``ЛАЗАРЧИК``."""
        return self.surname_cyrillic

    @property
    def given_ru(self) -> str:
        """Her given name in Russian Cyrillic: ``Елена``."""
        return self.given_cyrillic

    def name_parts(self, form: str) -> tuple[str, str]:
        """``(surname, given)`` in ``form``: ``"latin"``, ``"be"`` or ``"ru"``.

        Raises:
            RosterError: the form is unknown, or the record has no Belarusian form.

        """
        if form == "latin":
            return self.surname_latin, self.given_latin
        if form == "ru":
            return self.surname_cyrillic, self.given_cyrillic
        if form == "be":
            if self.surname_be is None or self.given_be is None:
                raise RosterError(f"{self.id}: no Belarusian name form; {MIGRATE_HINT}")
            return self.surname_be, self.given_be
        raise RosterError(f'unknown name form "{form}" (known: latin, be, ru)')

    @property
    def name_latin(self) -> str:
        """Surname first, as the organisation's lists print it: ``ABLAB Hanna``."""
        return f"{self.surname_latin} {self.given_latin}"

    @property
    def name_cyrillic(self) -> str:
        """Surname first in Russian Cyrillic: ``АБЛАБ Анна`` (schema 1's one Cyrillic form)."""
        return f"{self.surname_cyrillic} {self.given_cyrillic}"

    @property
    def name_be(self) -> str | None:
        """Surname first in Belarusian Cyrillic: ``АБЛАБ Ганна`` (None before migration)."""
        if self.surname_be is None or self.given_be is None:
            return None
        return f"{self.surname_be} {self.given_be}"

    @property
    def is_released(self) -> bool:
        """Whether she is free; appeals and their counts leave her out."""
        return self.status == "released"

    @property
    def last_sentence_months(self) -> int | None:
        """Her current term, or the last one on record (a released woman keeps hers in history)."""
        if self.sentence_months is not None:
            return self.sentence_months
        for event in reversed(self.history):
            if event.sentence_months is not None:
                return event.sentence_months
        return None


@dataclass(frozen=True)
class Roster:
    """The validated roster: the people in file order plus the file's metadata."""

    as_of: dt.date
    people: tuple[Person, ...]
    path: str = "roster.json"
    digest: str = field(default="", compare=False)
    warnings: tuple[Problem, ...] = field(default=(), compare=False)

    def in_group(self, group: str) -> tuple[Person, ...]:
        """Women of ``group`` who are still held, in roster order (released women excluded)."""
        return tuple(p for p in self.people if group in p.groups and not p.is_released)

    def by_id(self, person_id: str) -> Person:
        """Return the person with ``person_id`` (KeyError when absent)."""
        for p in self.people:
            if p.id == person_id:
                return p
        raise KeyError(person_id)
