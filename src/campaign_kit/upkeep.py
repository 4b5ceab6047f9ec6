"""Keeping the roster current: a release in one command, a new list merged without surprises.

Both return the new roster text (already validated) and say what changed; the CLI writes it
atomically. Neither deletes what it cannot know: a release keeps her sentence in ``history``;
a merge keeps every field the published list does not carry (Belarusian forms, photos,
history, dates) and reports every field it changes.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from campaign_kit.errors import RosterError
from campaign_kit.roster import (
    MIGRATE_HINT,
    HistoryEvent,
    PartialDate,
    Person,
    Roster,
    dump_roster,
    parse_roster,
)


@dataclass(frozen=True)
class Change:
    """One change to one record: ``field`` from ``old`` to ``new`` (``added`` for a new woman)."""

    person_id: str
    field: str
    old: object
    new: object

    def __str__(self) -> str:
        if self.field == "added":
            return f"{self.person_id}: added ({self.new})"
        if self.field == "not_on_list":
            return f"{self.person_id}: not on the list; kept as she is ({self.old})"
        return f"{self.person_id}: {self.field}: {self.old!r} -> {self.new!r}"


@dataclass(frozen=True)
class Update:
    """A new roster text and the changes that made it."""

    text: str
    changes: tuple[Change, ...]


def _read(raw: bytes, path: str) -> Roster:
    roster, problems = parse_roster(raw, path)
    if roster is None:
        n = len(problems)
        raise RosterError(f"{path}: {n} problem{'s' if n != 1 else ''} found; fix them first", problems)
    if roster.schema == 1:
        raise RosterError(f"{path}: schema 1; {MIGRATE_HINT}")
    return roster


def _checked(people: list[Person], roster: Roster, as_of: object, path: str) -> str:
    text = dump_roster(people, as_of)  # type: ignore[arg-type]
    again, problems = parse_roster(text, path)
    if again is None:
        raise RosterError(f"{path}: the updated roster would not be valid; nothing written", problems)
    return text


def release(raw: bytes, path: str, person_id: str, on: str, source: str | None = None) -> Update:
    """Record that ``person_id`` was released ``on`` (``2024``, ``2024-12`` or ``2024-12-05``).

    Her status becomes ``released`` with ``released_on``; her history gains the release (and,
    when it was empty, first the status she had, with her sentence), so the sentence is kept
    and every count follows. A source link is added to the event and to her sources.

    Raises:
        RosterError: the roster is invalid or schema 1, there is no such woman, she is already
            released, or the date is not a date or is before her detention.

    """
    roster = _read(raw, path)
    date = PartialDate.parse(on)
    if date is None:
        raise RosterError(f"--on {on!r} is not a date in YYYY, YYYY-MM or YYYY-MM-DD form")
    if source is not None and not source.startswith(("https://", "http://")):
        raise RosterError(f"--source {source[:80]!r} must be an http(s) link")
    try:
        her = roster.by_id(person_id)
    except KeyError:
        raise RosterError(f'{path}: no woman with id "{person_id}"') from None
    if her.is_released:
        raise RosterError(f"{path}: {person_id} is already released (on {her.released_on})")
    history = list(her.history)
    if not history:
        history.append(HistoryEvent(her.status, her.detained_on, her.sentence_months, None))
    history.append(HistoryEvent("released", date, None, source))
    sources = her.sources + ((source,) if source and source not in her.sources else ())
    freed = dataclasses.replace(
        her,
        status="released",
        released_on=date,
        sentence_months=None,
        facility=None,
        history=tuple(history),
        sources=sources,
    )
    people = [freed if p.id == person_id else p for p in roster.people]
    # A release after the list's date brings the list up to that date.
    as_of = max(roster.as_of, date.earliest())
    change = Change(person_id, "status", her.status, f"released on {date}")
    return Update(_checked(people, roster, as_of, path), (change,))


# The fields a published list carries; merge compares only these and keeps every other field.
LIST_FIELDS = (
    "surname_latin",
    "given_latin",
    "surname_cyrillic",
    "given_cyrillic",
    "status",
    "sentence_months",
    "facility",
    "children",
)
SHOWN = {"surname_cyrillic": "surname_ru", "given_cyrillic": "given_ru"}


def merge(raw: bytes, path: str, imported: list[Person], group: str) -> Update:
    """Merge the women of a published list into the roster; return the text and every change.

    New women are added (with their suggested Belarusian form). For a woman already on the
    roster each field the list carries that differs is taken from the list and reported; a
    change of status is added to her history, keeping her old sentence there. Fields the list
    does not carry are kept. A woman of ``group`` missing from the list is kept and reported.

    Raises:
        RosterError: the roster is invalid or schema 1, or the merged roster would be invalid.

    """
    roster = _read(raw, path)
    by_id = {p.id: p for p in imported}
    changes: list[Change] = []
    people: list[Person] = []
    for p in roster.people:
        new = by_id.get(p.id)
        if new is None:
            if group in p.groups and not p.is_released:
                changes.append(Change(p.id, "not_on_list", p.status, None))
            people.append(p)
            continue
        updates: dict[str, object] = {}
        for name in LIST_FIELDS:
            old_value, new_value = getattr(p, name), getattr(new, name)
            if old_value != new_value:
                updates[name] = new_value
                changes.append(Change(p.id, SHOWN.get(name, name), old_value, new_value))
        if group not in p.groups:
            updates["groups"] = (*p.groups, group)
            changes.append(Change(p.id, "groups", list(p.groups), [*p.groups, group]))
        if "status" in updates or "sentence_months" in updates:
            history = list(p.history) or [HistoryEvent(p.status, p.detained_on, p.sentence_months, None)]
            history.append(HistoryEvent(new.status, None, new.sentence_months, None))
            updates["history"] = tuple(history)
        people.append(dataclasses.replace(p, **updates) if updates else p)  # type: ignore[arg-type]
    known = {p.id for p in roster.people}
    for new in imported:
        if new.id not in known:
            people.append(new)
            changes.append(Change(new.id, "added", None, f"{new.name_latin}, {new.status}"))
    return Update(_checked(people, roster, roster.as_of, path), tuple(changes))
