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
    """Validate roster.json (with its photos), campaign.toml and the languages' locale files."""
    result = ProjectCheck()
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
    for lang in campaign.languages:
        path = project.templates / "locale" / f"{lang}.toml"
        try:
            load_locale(project.templates, lang)
        except CampaignKitError as exc:
            result.problems.extend(_problems(exc, str(path)))
    return result
