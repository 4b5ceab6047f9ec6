"""The one place template variables are made.

Every renderer (posts, appeal, newsletter, review page, card text) receives the mapping built
here, so a count or a phrase is computed once, from the roster, and reads the same everywhere.
Template authors: ``docs/templates.md`` lists these variables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from campaign_kit.campaign import facts
from campaign_kit.campaign.config import Appeal, Campaign
from campaign_kit.campaign.cycles import Cycle, appeal_members
from campaign_kit.campaign.locale import Locale, load_locale
from campaign_kit.roster import CUSTODY_STATUSES, Person, Roster, age_on


def person_view(
    person: Person, number: int, t: Locale, about_children: bool = True, on: dt.date | None = None
) -> dict[str, Any]:
    """Everything a template may say about one woman, in ``t``'s language.

    Children are a count only: no template can name them because no field holds a name. In an
    appeal that is not about children (``about_children`` false) the count is not given to
    templates at all (``children`` None, ``mother_of`` empty), so a shared template cannot
    mention them there.
    """
    # The caller passes facts.about_children(appeal): only then may a text count her children.
    children = person.children if about_children else None
    age = age_on(person.born_on, on) if person.born_on is not None and on is not None else None
    return {
        "id": person.id,
        "number": number,
        "name": t.name(person),
        "other_name": t.other_name(person),
        "prose_name": t.prose_name(person),
        "other_prose_name": t.prose_name(person, other=True),
        "given_name": t.name_parts(person)[1],
        "initials": t.initials(person),
        "name_latin": person.name_latin,
        "name_be": person.name_be,
        "name_ru": person.name_cyrillic,
        "surname_latin": person.surname_latin,
        "given_latin": person.given_latin,
        "surname_be": person.surname_be,
        "given_be": person.given_be,
        "surname_ru": person.surname_cyrillic,
        "given_ru": person.given_cyrillic,
        "status": person.status,
        "status_line": t.status(person),
        # Held in a prison, colony, detention centre or hospital: only then may a text say her
        # children grow up without her, or that she is behind bars.
        "in_custody": person.status in CUSTODY_STATUSES,
        "sentence_months": person.sentence_months,
        "children": children,
        "mother_of": t.mother_of(children),
        "age": age,
        "facility": person.facility,
        "health": person.health,
        "born_on": person.born_on.isoformat() if person.born_on else None,
    }


def appeal_context(
    *,
    campaign: Campaign,
    appeal: Appeal,
    roster: Roster,
    lang: str,
    cycle: Cycle,
    featured: Sequence[Person],
    templates_dir: Path,
    selection: Sequence[Person] | None = None,
    totals: facts.Totals | None = None,
) -> dict[str, Any]:
    """Build the template variables for one appeal, cycle and language.

    Args:
        campaign: campaign.toml.
        appeal: The appeal being built.
        roster: The validated roster.
        lang: Language code of the texts.
        cycle: The ISO week.
        featured: The women whose cards and posts are made (roster order): the week's
            selection, or every woman of the appeal with ``build --all``.
        templates_dir: Where ``locale/<lang>.toml`` lives.
        selection: The week's featured women as the manifest records them (default: ``featured``).
        totals: ``facts.appeal_totals`` for the cycle, when the caller has it already.

    """
    t = load_locale(templates_dir, lang)
    # Membership, ages and totals on the roster's as_of: the date the texts say the list is
    # correct on, so an age printed is the age that let her in.
    people = appeal_members(roster, appeal, roster.as_of)
    about_children = facts.about_children(appeal)
    views = [person_view(p, i, t, about_children, roster.as_of) for i, p in enumerate(people, start=1)]
    by_id = {v["id"]: v for v in views}
    tags = campaign.appeal_hashtags(appeal)
    if totals is None:
        totals = facts.appeal_totals(roster, appeal, roster.as_of)

    return {
        "lang": lang,
        "t": t,
        "org": {
            "name": campaign.org_name[lang],
            "project": campaign.org_project[lang],
            "site_url": campaign.site_url,
            "site_host": campaign.site_url.split("://", 1)[-1].rstrip("/"),
            "donate_url": campaign.donate_url,
        },
        "appeal": {
            "key": appeal.key,
            "title": appeal.title[lang],
            "about_children": about_children,
            "rules": appeal.describe(),
            # The appeal's own rules, for words files that name them ("aged 58 or over").
            "min_age": appeal.min_age,
            "min_sentence_months": appeal.min_sentence_months,
            "hashtags": [f"#{tag}" for tag in tags],
            "appeal_hashtags": [f"#{tag}" for tag in appeal.hashtags],
            "campaign_hashtags": [f"#{tag}" for tag in campaign.hashtags],
        },
        "totals": totals.as_dict(),
        # Whether every woman of the appeal is held in custody: only then may a text about the
        # group say "behind bars" / «за кратамі» / «за решёткой» (words files choose by it).
        "custody": {
            "all": all(p.status in CUSTODY_STATUSES for p in people),
            "held": sum(1 for p in people if p.status in CUSTODY_STATUSES),
            "not_held": sum(1 for p in people if p.status not in CUSTODY_STATUSES),
        },
        "people": views,
        "featured": [by_id[p.id] for p in featured],
        # The week's own featured women: what the manifest records and the review page counts.
        "selection": [by_id[p.id] for p in (featured if selection is None else selection)],
        "cycle": {"id": cycle.id, "start": cycle.start.isoformat(), "end": cycle.end.isoformat()},
        "as_of": roster.as_of.isoformat(),
        "as_of_text": t.date(roster.as_of),
    }
