"""Where a campaign project's files are (the repository root is one project)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Project:
    """The files of a campaign project, rooted at ``root``.

    Attributes:
        root: The project folder (holds roster.json, campaign.toml, templates/, assets/).
        roster_path: Overrides ``root/roster.json`` (``--roster``).

    """

    root: Path
    roster_path: Path | None = None

    @property
    def roster(self) -> Path:
        """``roster.json`` (or the ``--roster`` file)."""
        return self.roster_path or self.root / "roster.json"

    @property
    def campaign(self) -> Path:
        """``campaign.toml``."""
        return self.root / "campaign.toml"

    @property
    def templates(self) -> Path:
        """``templates/``: post, appeal, newsletter and review templates, card layouts, locales."""
        return self.root / "templates"

    @property
    def assets(self) -> Path:
        """``assets/``: fonts, logo, photos."""
        return self.root / "assets"

    @property
    def photos(self) -> Path:
        """``assets/photos/``."""
        return self.root / "assets" / "photos"
