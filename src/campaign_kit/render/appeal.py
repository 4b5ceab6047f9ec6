"""The long-form appeal: the situation, the computed counts, the full roll call, links.

One plain-text and one standalone HTML page per language, in the shape of the appeal the
organisation publishes (``seed/mothers-of-minor-children.txt``). The wording lives in
``templates/appeal/words/<lang>.j2``; the two layouts (``appeal/appeal.txt`` and
``appeal/appeal.html``) are shared by every language. This module adds the few values the
templates cannot compute themselves: the English list's own status phrasing ("sentenced to 5,5
yrs") and the date the list is current as of, written the language's way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from babel.dates import format_date

from campaign_kit.templating import render

# The published English lists use their own compact phrasing; these are its words.
SEED_FACILITY = {"penal_colony": "in a penal colony"}
SEED_STATUS = {
    "pre_trial": "in pre-trial detention",
    "compulsory_treatment": "in compulsory psychological treatment",
    "released": "released",
}
# Babel locale used for dates in each language; English dates are written the British way
# ("24 November 2026"), as the organisation does.
DATE_LOCALES = {"en": "en_GB", "be": "be", "ru": "ru"}


def seed_term(months: int | None) -> str:
    """A sentence length as the published English list writes it.

    Args:
        months: The term in whole months, or ``None`` when it is not known.

    Returns:
        ``"11 yrs"``, ``"1 yr"``, ``"5,5 yrs"`` (a half year, with the decimal comma the list
        uses), ``"4 yrs 9 mnts"``, ``"9 mnts"``, or ``"unknown yrs"``.

    """
    if months is None:
        return "unknown yrs"
    years, rest = divmod(months, 12)
    if years and rest == 6:
        return f"{years},5 yrs"
    parts = []
    if years:
        parts.append(f"{years} {'yr' if years == 1 else 'yrs'}")
    if rest:
        parts.append(f"{rest} {'mnt' if rest == 1 else 'mnts'}")
    return " ".join(parts)


def seed_status(
    status: str, sentence_months: int | None = None, facility: str | None = "penal_colony"
) -> str:
    """Her status as the published English list phrases it, lower case, for a roll-call line.

    Args:
        status: ``sentenced``, ``pre_trial``, ``compulsory_treatment`` or ``released``.
        sentence_months: The term for a sentenced woman (``None``: unknown).
        facility: Where the sentence is served (``None``: not stated).

    Returns:
        e.g. ``"sentenced to 11 yrs in a penal colony"``, ``"in pre-trial detention"``.

    Raises:
        ValueError: ``status`` or ``facility`` is not one this list knows how to say.

    """
    if status != "sentenced":
        try:
            return SEED_STATUS[status]
        except KeyError:
            raise ValueError(f"no seed phrasing for status {status!r}") from None
    text = f"sentenced to {seed_term(sentence_months)}"
    if facility is not None:
        try:
            text += " " + SEED_FACILITY[facility]
        except KeyError:
            raise ValueError(f"no seed phrasing for facility {facility!r}") from None
    return text


def lower_first(text: str) -> str:
    """Lower-case the first letter so a status line can follow a dash or comma mid-sentence.

    An initialism stays as it is ("СИЗО ..." is left alone), since only a capitalised word is
    a sentence start.
    """
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


def roll_call(ctx: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every woman of the appeal as a roll-call entry: her person view plus list phrasing.

    Adds to each view in ``ctx["people"]``: ``seed_status`` (the English list's phrasing),
    ``status_phrase`` and ``mother_phrase`` (the locale's lines, lower-cased to continue a
    sentence), ``children_phrase`` ("2 children", via the locale's plural forms) and
    ``term_unknown`` (sentenced, term not known).
    """
    t = ctx["t"]
    entries = []
    for view in ctx["people"]:
        sentenced = view["status"] == "sentenced"
        # Views do not carry the facility yet; every sentence on record is a penal colony.
        facility = view.get("facility", "penal_colony" if sentenced else None)
        entries.append(
            {
                **view,
                "seed_status": seed_status(view["status"], view.get("sentence_months"), facility),
                "status_phrase": lower_first(view["status_line"]),
                "mother_phrase": lower_first(view["mother_of"]),
                "children_phrase": t.count("children", view["children"]),
                "term_unknown": sentenced and view.get("sentence_months") is None,
            }
        )
    return entries


def long_date(iso: str, lang: str) -> str:
    """``2026-11-24`` as the language writes a date in prose: "24 November 2026", "24 ноября 2026 г."."""
    return format_date(dt.date.fromisoformat(iso), format="long", locale=DATE_LOCALES.get(lang, lang))


def appeal_extras(ctx: Mapping[str, Any]) -> dict[str, Any]:
    """The variables the appeal and newsletter templates use beyond ``appeal_context``."""
    return {"roll": roll_call(ctx), "as_of_text": long_date(ctx["as_of"], ctx["lang"])}


def render_appeal(ctx: Mapping[str, Any], templates_dir: Path) -> dict[str, str]:
    """Render the long-form appeal of one language as plain text and as a standalone HTML page.

    Args:
        ctx: ``context.appeal_context(...)`` for the language.
        templates_dir: The project's ``templates/``.

    Returns:
        ``{"txt": ..., "html": ...}``. The HTML has no external resources and escapes every
        roster value.

    Raises:
        TemplateError: a template is missing or broken.

    """
    full = {**ctx, **appeal_extras(ctx)}
    return {
        "txt": render(templates_dir, "appeal/appeal.txt", full),
        "html": render(templates_dir, "appeal/appeal.html", full),
    }
