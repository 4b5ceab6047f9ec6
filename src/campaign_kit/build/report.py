"""What a build did: files written, kept and removed, for the summary line and ``--json``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from campaign_kit.output import WriteResult


@dataclass
class BuildReport:
    """What a build did, for the summary line, ``--json`` and ``--dry-run``."""

    appeal: str
    cycle: str
    target: Path
    featured: list[str]
    languages: list[str]
    files: list[WriteResult] = field(default_factory=list)
    rendered: dict[str, int] = field(default_factory=dict)
    cached: dict[str, int] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)
    seconds: float = 0.0
    dry_run: bool = False

    @property
    def cards_rendered(self) -> int:
        """Cards drawn by this build."""
        return self.rendered.get("cards", 0)

    @property
    def cards_cached(self) -> int:
        """Cards kept from an earlier build."""
        return self.cached.get("cards", 0)

    @property
    def counts(self) -> dict[str, int]:
        """Files by action: create / overwrite / identical / unchanged (cached) / remove."""
        out = {"create": 0, "overwrite": 0, "identical": 0, "unchanged": 0, "remove": 0}
        for f in self.files:
            out[f.action] = out.get(f.action, 0) + 1
        out["remove"] = len(self.removed)
        return out

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary (the plan, with ``--dry-run``)."""
        return {
            "appeal": self.appeal,
            "cycle": self.cycle,
            "out": str(self.target),
            "dry_run": self.dry_run,
            "featured": self.featured,
            "languages": self.languages,
            "counts": self.counts,
            "cards_rendered": self.cards_rendered,
            "cards_cached": self.cards_cached,
            "seconds": round(self.seconds, 3),
            "files": [{"path": f.path, "action": f.action, "size": f.size} for f in self.files],
            "removed": self.removed,
        }
