"""``campaign-kit validate``: every problem in a project's hand-edited files, in one list."""

from __future__ import annotations

from dataclasses import dataclass, field

from campaign_kit.config import load_campaign
from campaign_kit.errors import CampaignKitError, Problem
from campaign_kit.locale import load_locale
from campaign_kit.project import Project
from campaign_kit.roster import load_roster


@dataclass
class ProjectCheck:
    """What ``validate`` found: the number of roster records read and every problem."""

    records: int = 0
    problems: list[Problem] = field(default_factory=list)


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
    """Validate roster.json (with its photos), campaign.toml, the locale files and card layouts."""
    result = ProjectCheck()
    try:
        result.records = len(load_roster(project.roster, project.photos).people)
    except CampaignKitError as exc:
        result.problems.extend(_problems(exc, str(project.roster)))
    try:
        campaign = load_campaign(project.campaign)
    except CampaignKitError as exc:
        result.problems.extend(_problems(exc, str(project.campaign)))
        return result
    for lang in campaign.languages:
        path = project.templates / "locale" / f"{lang}.toml"
        try:
            load_locale(project.templates, lang)
        except CampaignKitError as exc:
            result.problems.extend(_problems(exc, str(path)))
    result.problems.extend(check_card_layouts(project, campaign.languages))
    return result


def check_card_layouts(project: Project, languages: tuple[str, ...]) -> list[Problem]:
    """Every problem of the card layouts and their wording, for ``validate``.

    Unknown keys, missing fields, overlapping elements, illegible sizes, texts outside what
    the platform shows, and the contrast of each text against what is behind it.
    """
    from campaign_kit.render import cards  # Pillow is only needed when there are cards to check

    problems = cards.check_layouts(project.templates, project.assets / "fonts", project.assets)
    for name, load in (("words.toml", cards.card_words), ("alt.toml", cards.alt_wording)):
        path = project.templates / "cards" / name
        for lang in languages:
            try:
                load(project.templates, lang)
            except CampaignKitError as exc:
                problems.extend(_problems(exc, str(path)))
    return problems
