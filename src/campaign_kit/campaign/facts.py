"""Every fact the kit states about an appeal, computed once, here.

The texts (through ``context.appeal_context``), the cards, the manifest, the review page and
``campaign-kit stats`` all read these functions, so a count, the week's featured women, whether
an appeal speaks of children, a plural form or the "as of" date cannot differ between them.
Nothing here is typed into a template: every number comes from the roster.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from babel.core import Locale as BabelLocale
from babel.core import UnknownLocaleError
from babel.dates import format_date

from campaign_kit.campaign.config import Appeal
from campaign_kit.campaign.cycles import appeal_members, matches_appeal
from campaign_kit.errors import TemplateError
from campaign_kit.roster import STATUSES, Person, Roster

# Sentence bands in months, lower bound inclusive; the last is open-ended.
BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("under_3_years", 0, 36),
    ("3_to_5_years", 36, 60),
    ("5_to_10_years", 60, 120),
    ("10_years_or_more", 120, None),
)


@dataclass(frozen=True)
class Totals:
    """Counts for one appeal on one date.

    Attributes:
        women: The women the appeal is about who are still held (the texts' "27 women").
        children: Their minor children, or ``None`` when the appeal is not about children
            (its texts never count them, so no output may).
        by_status: Women by status; ``released`` counts the appeal's freed women, who are in
            no other count.
        by_sentence: Sentenced women by term band (``unknown_term`` when not known).
        children_unknown: Held women whose number of children is not known (``None`` when
            the appeal is not about children).
        released: The appeal's released women (the same number as ``by_status["released"]``).

    """

    women: int
    children: int | None
    by_status: dict[str, int]
    by_sentence: dict[str, int]
    children_unknown: int | None = 0
    released: int = 0

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form (stable key order): what the manifest, ``stats --json`` and templates see."""
        return {
            "women": self.women,
            "children": self.children,
            "by_status": dict(self.by_status),
            "by_sentence": dict(self.by_sentence),
            "children_unknown": self.children_unknown,
            "released": self.released,
        }


def about_children(appeal: Appeal) -> bool:
    """Whether ``appeal``'s texts and cards speak of the women's children (the mothers' appeal)."""
    return appeal.needs_children


def sentence_band(months: int | None) -> str:
    """The band name of a term in months; ``unknown_term`` when it is not known."""
    if months is None:
        return "unknown_term"
    for name, low, high in BANDS:
        if months >= low and (high is None or months < high):
            return name
    raise ValueError(months)  # unreachable: the last band is open-ended


def count(people: Sequence[Person], *, released: int = 0, children: bool = True) -> Totals:
    """Count ``people``, the held women of an appeal (released ones are only counted in ``released``).

    Args:
        people: The women the appeal is about who are still held.
        released: How many women the appeal would take in but are free.
        children: Whether the appeal is about children; if not, no child is counted.

    """
    by_status = {s: 0 for s in STATUSES}
    by_sentence = {name: 0 for name, _, _ in BANDS} | {"unknown_term": 0}
    for p in people:
        by_status[p.status] += 1
        if p.status == "sentenced":
            by_sentence[sentence_band(p.sentence_months)] += 1
    by_status["released"] = released
    return Totals(
        women=len(people),
        children=sum(p.children or 0 for p in people) if children else None,
        by_status=by_status,
        by_sentence=by_sentence,
        children_unknown=sum(1 for p in people if p.children is None) if children else None,
        released=released,
    )


def appeal_totals(roster: Roster, appeal: Appeal, on: dt.date) -> Totals:
    """The totals of ``appeal`` on ``on`` (a cycle's first day): the one count every output states."""
    released = sum(1 for p in roster.people if p.is_released and matches_appeal(p, appeal, on))
    return count(appeal_members(roster, appeal, on), released=released, children=about_children(appeal))


def featured_ids(selection: Sequence[Person]) -> list[str]:
    """The week's featured women as the manifest records them: the selection, never ``--all``'s everyone."""
    return [p.id for p in selection]


# --- plurals ---------------------------------------------------------------------------


@cache
def _babel(lang: str) -> BabelLocale:
    """CLDR data for ``lang`` (a language code such as ``pl`` or ``be``)."""
    try:
        return BabelLocale.parse(lang.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        raise TemplateError(f"{lang!r} is not a language CLDR knows (plural rules come from it)") from None


def plural_category(lang: str, n: int) -> str:
    """The CLDR plural category of ``n`` in ``lang`` (``one``, ``few``, ``many``, ``other``)."""
    return str(_babel(lang).plural_form(n))


def plural_categories(lang: str) -> frozenset[str]:
    """Every category a table of forms for ``lang`` must have (always with ``other``)."""
    return frozenset(_babel(lang).plural_form.tags) | {"other"}


def plural(lang: str, n: int, forms: Mapping[str, str], source: str = "") -> str:
    """Pick ``n``'s form from ``forms`` and put the number in place of ``{n}``: the one picker.

    The one convention for exact numbers: a key ``"=N"`` wins over ``n``'s CLDR category
    (``"=1": "This mother"``, ``"=2": "двое детей"``), for phrasings that drop the digit or
    use a collective numeral.

    Raises:
        TemplateError: ``forms`` has neither the exact key, the category nor ``other``
            (``source`` names the file it came from).

    """
    exact = forms.get(f"={n}")
    if exact is not None:
        return exact.replace("{n}", str(n))
    category = plural_category(lang, n)
    form = forms.get(category, forms.get("other"))
    if form is None:
        where = f"{source}: " if source else ""
        raise TemplateError(f'{where}no "{category}" form for {n} in {sorted(forms)}')
    return form.replace("{n}", str(n))


# --- dates -----------------------------------------------------------------------------


def long_date(date: dt.date | str, date_locale: str) -> str:
    """A date as the language writes it in prose, the one style for texts and cards.

    ``2026-11-24`` -> "24 November 2026" (``en_GB``), "24 ноября 2026 г." (``ru``). CLDR puts a
    narrow no-break space before "г."; it becomes a plain no-break space (U+00A0), which every
    email font has.

    Args:
        date: The date, or its ISO form.
        date_locale: The CLDR locale, from the locale file's ``date_locale`` (``en_GB``, ``be``).

    """
    day = dt.date.fromisoformat(date) if isinstance(date, str) else date
    return format_date(day, format="long", locale=date_locale).replace("\u202f", "\u00a0")
