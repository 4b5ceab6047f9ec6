"""Keeping the roster current: a release in one command, a new list merged without surprises.

Both return the new roster text (already validated) and say what changed; the CLI writes it
atomically. Neither deletes what it cannot know: a release keeps her sentence in ``history``;
a merge keeps every field the published list does not carry (Belarusian forms, photos,
history, dates) and reports every field it changes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from campaign_kit.errors import Problem, RosterError
from campaign_kit.roster.checks import PLACEHOLDER_URL
from campaign_kit.roster.load import dump_roster, parse_roster
from campaign_kit.roster.model import HistoryEvent, PartialDate, Person, Roster


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
        if self.field == "possible_duplicate":
            return f"{self.person_id}: possible duplicate of {self.old}: {self.new}; a person must decide"
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
    return roster


def _checked(people: list[Person], roster: Roster, as_of: object, path: str) -> str:
    text = dump_roster(people, as_of)  # type: ignore[arg-type]
    again, problems = parse_roster(text, path)
    if again is None:
        raise RosterError(f"{path}: the updated roster would not be valid; nothing written", problems)
    return text


def release(
    raw: bytes, path: str, person_id: str, on: str, source: str | None = None, today: dt.date | None = None
) -> Update:
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
    if date.earliest() > (today or dt.date.today()):
        raise RosterError(f"--on {on}: the date is in the future; record a release once it has happened")
    if source is not None and not source.startswith(("https://", "http://")):
        raise RosterError(f"--source {source[:80]!r} must be an http(s) link")
    if source is not None and PLACEHOLDER_URL.search(source):
        raise RosterError(
            f"--source {source[:80]!r} looks like a placeholder; give the page that reports her release"
        )
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
        checked_on=max(her.checked_on or roster.as_of, today or dt.date.today()),
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


def _name_keys(p: Person) -> dict[str, str]:
    """Her name in each form, folded for comparison (case, ё/е and spaces ignored)."""
    keys = {
        "Latin": f"{p.surname_latin} {p.given_latin}",
        "Russian": f"{p.surname_cyrillic} {p.given_cyrillic}",
    }
    if p.surname_be is not None and p.given_be is not None:
        keys["Belarusian"] = f"{p.surname_be} {p.given_be}"
    return {form: " ".join(v.casefold().replace("ё", "е").split()) for form, v in keys.items()}


def _same_woman(new: Person, old: Person) -> str | None:
    """The name form ``new`` and ``old`` share (``"Russian"``), or None."""
    mine, theirs = _name_keys(new), _name_keys(old)
    for form in ("Latin", "Belarusian", "Russian"):
        if form in mine and mine[form] == theirs.get(form):
            return form
    return None


def merge(
    raw: bytes,
    path: str,
    imported: list[Person],
    group: str,
    as_of: dt.date | None = None,
    today: dt.date | None = None,
) -> Update:
    """Merge the women of a published list into the roster; return the text and every change.

    New women are added (with their suggested Belarusian form). For a woman already on the
    roster each field the list carries that differs is taken from the list and reported; a
    change of status is added to her history on the list's date, keeping her old sentence
    there; a released woman back on the list is recorded as re-arrested. Fields the list does
    not carry are kept. A woman of ``group`` missing from the list is kept and reported. A
    woman whose id is new but who matches a record in any name form (Latin, Belarusian or
    Russian: MAUSHUK/MOVSHUK with the same МОВШУК Ольга) is not added: she is reported as a
    possible duplicate for a person to decide.

    Args:
        raw: The roster file's bytes.
        path: Its name, for messages.
        imported: The list's women (``importers.parse_list``).
        group: The roster group of the list.
        as_of: The date the list is correct as of: the roster's ``as_of`` moves to it
            (default: today).
        today: The date taken as today (tests pass one).

    Raises:
        RosterError: the roster is invalid or schema 1, the date is before the roster's own or
            in the future, or the merged roster would be invalid.

    """
    roster = _read(raw, path)
    today = today or dt.date.today()
    date = as_of or today
    if date > today:
        raise RosterError(f"--as-of {date.isoformat()} is in the future; give the date of the list")
    if date < roster.as_of:
        raise RosterError(
            f"{path}: the roster is correct as of {roster.as_of.isoformat()}; a list of "
            f"{date.isoformat()} is older (give its --as-of only if it is newer)"
        )
    on = PartialDate.parse(date.isoformat())
    by_id = {p.id: p for p in imported}
    changes: list[Change] = []
    people: list[Person] = []
    for p in roster.people:
        new = by_id.get(p.id)
        if new is None:
            if group in p.groups and not p.is_released and not any(_same_woman(n, p) for n in imported):
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
            history.append(HistoryEvent(new.status, on, new.sentence_months, None))
            updates["history"] = tuple(history)
        if p.is_released and not new.is_released:
            # Back on a list of women held: arrested again. The release stays in her history.
            updates["released_on"] = None
            changes.append(
                Change(p.id, "re-arrested", f"released on {p.released_on}", f"{new.status} on {date}")
            )
        if updates:
            updates["checked_on"] = date
        people.append(dataclasses.replace(p, **updates) if updates else p)  # type: ignore[arg-type]
    known = {p.id for p in roster.people}
    for new in imported:
        if new.id in known:
            continue
        twin = next(((p, form) for p in roster.people if (form := _same_woman(new, p))), None)
        if twin is not None:
            changes.append(
                Change(
                    new.id,
                    "possible_duplicate",
                    twin[0].id,
                    f"{new.name_latin} | {new.name_cyrillic} has the {twin[1]} name form of "
                    f"{twin[0].id} ({twin[0].name_latin} | {twin[0].name_cyrillic}); not added",
                )
            )
            continue
        people.append(dataclasses.replace(new, checked_on=date))
        changes.append(Change(new.id, "added", None, f"{new.name_latin}, {new.status}"))
    if date != roster.as_of:
        changes.append(Change("roster", "as_of", roster.as_of.isoformat(), date.isoformat()))
    return Update(_checked(people, roster, date, path), tuple(changes))


# --- how fresh each record is (checked_on and [roster] max_unchecked_days) ----------------


@dataclass(frozen=True)
class Stale:
    """A record not confirmed against a source for longer than the project allows."""

    person_id: str
    name: str
    last_checked: dt.date
    days: int

    def __str__(self) -> str:
        checked = self.last_checked.isoformat()
        return f"{self.person_id} ({self.name}): last checked {checked}, {self.days} days ago"


def stale_records(
    roster: Roster, max_days: int, today: dt.date, ids: Iterable[str] | None = None
) -> list[Stale]:
    """The women (of ``ids``, or all who are held) whose record is older than ``max_days``.

    A record's date is its ``checked_on``, or the roster's ``as_of`` when it has none (the
    whole list was correct on that date).
    """
    wanted = None if ids is None else set(ids)
    found = []
    for p in roster.people:
        if (wanted is None and p.is_released) or (wanted is not None and p.id not in wanted):
            continue
        last = p.last_checked(roster.as_of)
        days = (today - last).days
        if days > max_days:
            found.append(Stale(p.id, p.name_latin, last, days))
    return found


def refuse_stale(roster: Roster, featured: Iterable[str], max_days: int, today: dt.date) -> None:
    """Refuse to approve a kit that features a woman whose record is stale; name every one.

    Raises:
        RosterError: one or more featured records were last checked over ``max_days`` ago.

    """
    stale = stale_records(roster, max_days, today, featured)
    if stale:
        index = {p.id: i for i, p in enumerate(roster.people)}
        raise RosterError(
            f"{roster.path}: {len(stale)} featured record{'s are' if len(stale) != 1 else ' is'} older than "
            f"[roster] max_unchecked_days = {max_days}; confirm each against a source and set its "
            "checked_on (or merge the new list), then rebuild and approve",
            [
                Problem(
                    roster.path,
                    f"{s.name}: last checked {s.last_checked.isoformat()}, {s.days} days ago",
                    index[s.person_id],
                    s.person_id,
                    "checked_on",
                )
                for s in stale
            ],
        )


def roster_rows(
    roster: Roster, keep: Callable[[Person], bool] | None = None, statuses: Iterable[str] = ()
) -> list[dict[str, object]]:
    """Each woman as ``campaign-kit list`` shows her, in roster order.

    Args:
        roster: The validated roster.
        keep: Only the women it accepts (the CLI passes who an appeal is about, held or not).
        statuses: Only these statuses (all when empty).

    """
    wanted = set(statuses)
    rows: list[dict[str, object]] = []
    for p in roster.people:
        if wanted and p.status not in wanted:
            continue
        if keep is not None and not keep(p):
            continue
        rows.append(
            {
                "id": p.id,
                "name_latin": p.name_latin,
                "name_be": p.name_be,
                "name_ru": p.name_cyrillic,
                "status": p.status,
                "groups": list(p.groups),
                "last_checked": p.last_checked(roster.as_of).isoformat(),
            }
        )
    return rows
