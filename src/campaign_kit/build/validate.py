"""``campaign-kit validate``: every problem in a project's hand-edited files, in one list."""

from __future__ import annotations

from dataclasses import dataclass, field

from campaign_kit.build.validate_templates import check_templates
from campaign_kit.campaign.config import Campaign, load_campaign
from campaign_kit.campaign.locale import load_locale
from campaign_kit.errors import CampaignKitError, Problem
from campaign_kit.project import Project
from campaign_kit.roster import Roster, load_roster


@dataclass
class ProjectCheck:
    """What ``validate`` found: the number of roster records read and every problem."""

    records: int = 0
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def _problems(exc: CampaignKitError, path: str) -> list[Problem]:
    # Errors that carry no itemised problems (a file not found, invalid TOML) still name
    # their file in the message; keep it whole rather than prefixing the path twice.
    if exc.problems:
        return exc.problems
    message = exc.message
    if message.startswith(f"{path}: "):
        message = message[len(path) + 2 :]
    return [Problem(path, message)]


def check_project(project: Project) -> ProjectCheck:
    """Validate roster.json (with its photos), campaign.toml, the locale files, templates and layouts."""
    result = ProjectCheck()
    roster = None
    try:
        roster = load_roster(project.roster, project.photos)
        result.records = len(roster.people)
        result.warnings.extend(roster.warnings)
    except CampaignKitError as exc:
        result.problems.extend(_problems(exc, str(project.roster)))
    try:
        campaign = load_campaign(project.campaign)
    except CampaignKitError as exc:
        result.problems.extend(_problems(exc, str(project.campaign)))
        return result
    locales_ok = True
    for lang in campaign.languages:
        path = project.templates / "locale" / f"{lang}.toml"
        try:
            load_locale(project.templates, lang)
        except CampaignKitError as exc:
            locales_ok = False
            result.problems.extend(_problems(exc, str(path)))
    if roster is not None:
        result.problems.extend(appeal_roster_problems(roster, campaign))
    # Templates and card layouts: syntax, presence, and a trial render (which needs a valid
    # roster and locale files; without them it would only repeat their problems).
    result.problems.extend(check_templates(project.templates, campaign, roster if locales_ok else None))
    result.problems.extend(check_card_layouts(project, campaign.languages))
    return result


def appeal_roster_problems(roster: Roster, campaign: Campaign) -> list[Problem]:
    """What the roster lacks for an appeal: an appeal about children needs each woman's count.

    ``children: 0`` in such an appeal would print "0 children" (and a dangling comma in the
    be/ru roll call); ``null`` means the count is unknown. Both are errors naming the record.
    """
    from campaign_kit.campaign.cycles import matches_appeal

    problems: list[Problem] = []
    index = {p.id: i for i, p in enumerate(roster.people)}
    for appeal in campaign.appeals.values():
        if not appeal.needs_children:
            continue
        for p in roster.people:
            if p.is_released or not matches_appeal(p, appeal, roster.as_of):
                continue
            if p.children is None or p.children < 1:
                what = "unknown (null)" if p.children is None else "0"
                problems.append(
                    Problem(
                        roster.path,
                        f'appeal "{appeal.key}" is about mothers of minor children, but her count is {what}: '
                        "give the number of her minor children, or take her out of the group",
                        index[p.id],
                        p.id,
                        "children",
                    )
                )
    return problems


def check_card_layouts(project: Project, languages: tuple[str, ...]) -> list[Problem]:
    """Every problem of the card layouts, for ``validate``.

    Unknown keys, missing fields, overlapping elements, texts whose x-height is under 9 pt at
    the width a phone shows the card, texts outside what the platform shows, and the contrast
    of each text against what is behind it. The card words and alt text templates
    (``cards/words/<lang>.j2``, ``cards/alt/<lang>.txt.j2``) are Jinja like every other text:
    the template checks compile and trial-render them.
    """
    from campaign_kit.render import cards  # Pillow is only needed when there are cards to check

    del languages  # every language shares the layouts; its words are checked with the templates
    return cards.check_layouts(project.templates, project.assets / "fonts", project.assets)
