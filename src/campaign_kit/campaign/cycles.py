"""Appeal cycles (ISO weeks) and the choice of whom a cycle features."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from campaign_kit.campaign.config import Appeal
from campaign_kit.errors import BuildError
from campaign_kit.roster import Person, Roster, age_on

CYCLE_RE = re.compile(r"(\d{4})-W(\d{2})\Z")


@dataclass(frozen=True, order=True)
class Cycle:
    """One weekly appeal cycle, an ISO week such as ``2026-W48``."""

    year: int
    week: int

    @property
    def id(self) -> str:
        """``2026-W48``."""
        return f"{self.year}-W{self.week:02d}"

    @property
    def start(self) -> dt.date:
        """The Monday of the week."""
        return dt.date.fromisocalendar(self.year, self.week, 1)

    @property
    def end(self) -> dt.date:
        """The Sunday of the week."""
        return dt.date.fromisocalendar(self.year, self.week, 7)

    def day(self, n: int) -> dt.date:
        """Day ``n`` (0 = Monday ... 6 = Sunday) of the week."""
        return self.start + dt.timedelta(days=n % 7)

    def __str__(self) -> str:
        return self.id


def parse_cycle(text: str) -> Cycle:
    """Parse ``2026-W48``; raise ``BuildError`` for anything that is not a real ISO week."""
    m = CYCLE_RE.match(text.strip())
    if not m:
        raise BuildError(f"cycle {text!r} is not an ISO week like 2026-W48")
    year, week = int(m.group(1)), int(m.group(2))
    try:
        dt.date.fromisocalendar(year, week, 1)
    except ValueError:
        raise BuildError(f"cycle {text!r}: {year} has no week {week}") from None
    return Cycle(year, week)


def current_cycle(today: dt.date | None = None) -> Cycle:
    """The ISO week containing ``today`` (default: the machine's date)."""
    iso = (today or dt.date.today()).isocalendar()
    return Cycle(iso.year, iso.week)


def select_featured(
    people: Sequence[Person],
    count: int,
    last_featured: Mapping[str, str],
) -> list[Person]:
    """Choose whom a cycle features: least recently featured first, ties in roster order.

    Args:
        people: The appeal's women in roster order.
        count: ``featured_per_cycle``.
        last_featured: id -> the latest *earlier* cycle id that featured her (cycle ids sort
            as text). Only earlier cycles may be passed, so rebuilding a cycle is stable.

    Returns:
        The featured women, in roster order.

    """
    order = {p.id: i for i, p in enumerate(people)}
    # "" sorts before every cycle id: never-featured women come first.
    ranked = sorted(people, key=lambda p: (last_featured.get(p.id, ""), order[p.id]))
    chosen = {p.id for p in ranked[:count]}
    return [p for p in people if p.id in chosen]


# --- who an appeal is about (issue 14) --------------------------------------------------------


def matches_appeal(person: Person, appeal: Appeal, on: dt.date) -> bool:
    """Whether ``person`` is one of the women ``appeal`` is about on ``on``, released or not.

    Every rule the appeal sets must hold: its ``group``; ``min_age`` at ``on``, computed from
    ``born_on`` (unknown birth date: not included; a birth date known to the year or month
    counts from its last possible day, so no woman is taken in who may be younger);
    ``has_health`` (a published health note); ``min_sentence_months`` (her term, or for a
    released woman the last term on record); her status not in ``exclude_status``.
    Builds pass the roster's ``as_of`` as ``on``, the date the texts say the list is correct
    on: the age a text prints is then the age that let her in.
    """
    if appeal.group and appeal.group not in person.groups:
        return False
    if person.status in appeal.exclude_status:
        return False
    if appeal.min_age is not None and (person.born_on is None or age_on(person.born_on, on) < appeal.min_age):
        return False
    if appeal.has_health and not person.health:
        return False
    if appeal.min_sentence_months is not None:
        months = person.last_sentence_months
        if months is None or months < appeal.min_sentence_months:
            return False
    return True


def appeal_members(roster: Roster, appeal: Appeal, on: dt.date) -> tuple[Person, ...]:
    """The women ``appeal`` is about who are still held, in roster order (the appeal's people)."""
    return tuple(p for p in roster.people if not p.is_released and matches_appeal(p, appeal, on))


def appeal_people(roster: Roster, appeal: Appeal, on: dt.date) -> tuple[Person, ...]:
    """``appeal_members``, refusing an appeal the build cannot make.

    Raises:
        BuildError: nobody matches (an empty kit is never published), or an appeal about
            mothers has a woman whose number of children is unknown.

    """
    people = appeal_members(roster, appeal, on)
    if not people:
        raise BuildError(
            f'appeal "{appeal.key}": no woman on the roster who is still held matches it '
            f"({appeal.describe()}, on {on.isoformat()}); check its rules in campaign.toml and the roster"
        )
    if appeal.needs_children:
        unknown = [p.id for p in people if p.children is None]
        if unknown:
            raise BuildError(
                f'appeal "{appeal.key}" counts children, but the roster does not know how many children '
                f"{', '.join(unknown[:5])}{' and others' if len(unknown) > 5 else ''} "
                f"{'has' if len(unknown) == 1 else 'have'} (children: null)"
            )
        none = [p.id for p in people if p.children == 0]
        if none:
            raise BuildError(
                f'appeal "{appeal.key}" is about mothers of minor children, but the roster gives '
                f"{', '.join(none[:5])}{' and others' if len(none) > 5 else ''} children: 0; "
                "give the number, or take her out of the group"
            )
    return people
