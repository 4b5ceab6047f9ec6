"""Everything a build reads, loaded and validated once: the :class:`Inputs` every kind plans from.

This is also where a cycle's featured women and languages are decided. A cycle's featured list
is fixed once its manifest records it: rebuilding the week, building an earlier week, or
``--all`` never changes it; only ``--reselect`` chooses again (``--feature`` pins women when a
week is chosen). A cycle's languages only grow: ``--lang en`` into a folder that also holds
``be`` and ``ru`` rebuilds those too, so no file in the folder is left from older inputs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from campaign_kit.build.manifest import Previous, featured_history
from campaign_kit.campaign.config import Appeal, Campaign, load_campaign
from campaign_kit.campaign.cycles import Cycle, appeal_people, select_featured
from campaign_kit.campaign.facts import Totals, appeal_totals
from campaign_kit.campaign.locale import load_locale
from campaign_kit.errors import BuildError, OptionError
from campaign_kit.project import Project
from campaign_kit.render.context import appeal_context
from campaign_kit.roster import Person, Roster, load_roster


def digest_files(paths: Iterable[Path], root: Path) -> str:
    """A digest of files' relative names and contents (order-independent)."""
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update(p.relative_to(root).as_posix().encode() + b"\0")
        h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


def files_under(folder: Path) -> list[Path]:
    """Every non-hidden file below ``folder``, sorted; empty if it does not exist."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))


class Inputs:
    """Everything a build reads, loaded and validated once, shared by every kind.

    Attributes:
        project: Where the inputs live.
        roster: The validated roster.
        campaign: campaign.toml.
        appeal: The appeal being built.
        people: The appeal's women, roster order.
        featured: The women whose cards and posts are made (the selection, or all with ``--all``).
        selection: This cycle's featured women, roster order: what the manifest records and
            the next cycles' rotation reads.
        languages: The languages being built.
        cycle: The ISO week.
        asset_base_url: Base URL of a send build's images, or None for a preview build.
        digests: Digests of the roster, campaign, templates and assets.

    """

    def __init__(
        self,
        *,
        project: Project,
        roster: Roster,
        campaign: Campaign,
        appeal: Appeal,
        people: Sequence[Person],
        featured: Sequence[Person],
        selection: Sequence[Person],
        languages: Sequence[str],
        cycle: Cycle,
        asset_base_url: str | None,
        digests: Mapping[str, str],
    ) -> None:
        self.project = project
        self.roster = roster
        self.campaign = campaign
        self.appeal = appeal
        self.people = tuple(people)
        self.featured = tuple(featured)
        self.selection = tuple(selection)
        self.languages = tuple(languages)
        self.cycle = cycle
        self.asset_base_url = asset_base_url
        self.digests = dict(digests)

    @cached_property
    def totals(self) -> Totals:
        """The appeal's totals on the roster's as_of (the date the texts name): what every output states."""
        return appeal_totals(self.roster, self.appeal, self.roster.as_of)

    @cached_property
    def contexts(self) -> dict[str, dict[str, Any]]:
        """Language -> the template variables (made on first use: card workers never need them)."""
        return {
            lang: appeal_context(
                campaign=self.campaign,
                appeal=self.appeal,
                roster=self.roster,
                lang=lang,
                cycle=self.cycle,
                featured=self.featured,
                templates_dir=self.project.templates,
                selection=self.selection,
                totals=self.totals,
            )
            for lang in self.languages
        }

    def templates_digest(self, *folders: str) -> str:
        """A digest of the template files under the given ``templates/`` subfolders."""
        root = self.project.templates
        return digest_files([p for sub in folders for p in files_under(root / sub)], root)


@dataclass(frozen=True)
class Choice:
    """What the person asked for: which appeal, cycle, languages and women."""

    cycle: Cycle
    out: Path
    appeal: str | None = None
    languages: tuple[str, ...] | None = None
    everyone: bool = False
    feature: tuple[str, ...] = ()
    reselect: bool = False
    asset_base_url: str | None = None


def load_inputs(project: Project, choice: Choice, previous: Previous) -> Inputs:
    """Read and validate everything the build needs; choose the cycle's women and languages.

    Args:
        project: Where the inputs live.
        choice: The build's options that decide what is built.
        previous: The cycle folder's record (empty for a new cycle).

    Raises:
        CampaignKitError: bad input, an unknown language, an appeal with nobody in it, a pinned
            id that is not in the appeal, or pins for a week already chosen without ``--reselect``.

    """
    roster = load_roster(project.roster, project.photos)
    campaign = load_campaign(project.campaign)
    appeal = campaign.appeal(choice.appeal or next(iter(campaign.appeals)))
    asked = choice.languages or campaign.languages
    unknown = [lang for lang in asked if lang not in campaign.languages]
    if unknown:
        raise OptionError(
            f"{', '.join(unknown)} is not a language of {campaign.path} "
            f"(languages: {', '.join(campaign.languages)})",
            "--lang",
        )
    held = set(asked) | {lang for lang in previous.languages if lang in campaign.languages}
    languages = tuple(lang for lang in campaign.languages if lang in held)
    for lang in languages:
        load_locale(project.templates, lang)  # fail early on a broken locale file
    people = appeal_people(roster, appeal, roster.as_of)  # raises for an empty appeal
    selection = _selection(people, appeal, choice, previous)
    return Inputs(
        project=project,
        roster=roster,
        campaign=campaign,
        appeal=appeal,
        people=people,
        featured=people if choice.everyone else selection,
        selection=selection,
        languages=languages,
        cycle=choice.cycle,
        asset_base_url=choice.asset_base_url,
        digests={
            "roster": roster.digest,
            "campaign": campaign.digest,
            "templates": digest_files(files_under(project.templates), project.templates),
            "assets": digest_files(files_under(project.assets), project.assets),
        },
    )


def _selection(people: Sequence[Person], appeal: Appeal, choice: Choice, previous: Previous) -> list[Person]:
    by_id = {p.id: p for p in people}
    for pid in choice.feature:
        if pid not in by_id:
            raise BuildError(
                f'--feature {pid}: no woman with that id is in appeal "{appeal.key}" '
                "(see campaign-kit stats, or validate the roster)"
            )
    recorded = previous.featured
    if recorded is not None and not choice.reselect:
        if choice.feature and set(choice.feature) != set(recorded):
            raise BuildError(
                f"{choice.cycle.id} already features {', '.join(recorded) or 'nobody'}; "
                "add --reselect to choose its women again"
            )
        # Women released (or moved out of the appeal) since stay out; nobody else comes in.
        return [p for p in people if p.id in set(recorded)]
    pinned = [by_id[pid] for pid in dict.fromkeys(choice.feature)]
    rest = [p for p in people if p.id not in set(choice.feature)]
    history = featured_history(choice.out / appeal.key, choice.cycle)
    chosen = {p.id for p in pinned}
    chosen |= {p.id for p in select_featured(rest, max(0, appeal.featured_per_cycle - len(pinned)), history)}
    return [p for p in people if p.id in chosen]
