"""The long-form appeal: the situation, the computed counts, the full roll call, links.

One plain-text and one standalone HTML page per language, in the shape of the appeal the
organisation publishes (``seed/mothers-of-minor-children.txt``). The wording lives in
``templates/appeals/<key>/appeal/words/<lang>.j2``; the two layouts (``appeal/appeal.txt`` and
``appeal/appeal.html``) are shared by every language. This module adds the few values the
templates cannot compute themselves: the roll-call phrases and the date the list is current as
of, written the language's way.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from campaign_kit.campaign.templating import render


def roll_call(ctx: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every woman of the appeal as a roll-call entry: her person view plus list phrasing.

    Adds to each view in ``ctx["people"]``: ``status_phrase`` and ``mother_phrase`` (the
    locale's lines, lower-cased to continue a sentence), ``children_phrase`` ("2 children",
    via the locale's plural forms) and ``term_unknown`` (sentenced, term not known). Every
    word comes from the locale file, so the roll call says what the cards and posts say.
    """
    t = ctx["t"]
    entries = []
    for view in ctx["people"]:
        sentenced = view["status"] == "sentenced"
        entries.append(
            {
                **view,
                "status_phrase": t.lower_first(view["status_line"]),
                "mother_phrase": t.lower_first(view["mother_of"]),
                "children_phrase": "" if view["children"] is None else t.count("children", view["children"]),
                "age_phrase": "" if view.get("age") is None else t.count("age", view["age"]),
                "term_unknown": sentenced and view.get("sentence_months") is None,
            }
        )
    return entries


def appeal_extras(ctx: Mapping[str, Any]) -> dict[str, Any]:
    """The variables the appeal and newsletter templates use beyond ``appeal_context``."""
    return {"roll": roll_call(ctx)}


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
