"""The cycle folder's record, ``manifest.json``: what a build wrote, from what, and for whom.

The record is never trusted beyond what is on disk: a file counts as unchanged only when its
bytes still hash to the recorded sha256, so a build interrupted after replacing some files
(killed, Ctrl-C, disk full) is healed by the next plain build instead of being vouched for.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from campaign_kit import jsonstrict, paths
from campaign_kit.campaign.cycles import Cycle


@dataclass(frozen=True)
class Entry:
    """One recorded file: where, what bytes, which kind made it, from which cache key."""

    path: str
    sha256: str
    size: int
    kind: str
    key: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (a ``manifest.json`` ``files`` record)."""
        out: dict[str, Any] = {"path": self.path, "sha256": self.sha256, "size": self.size, "kind": self.kind}
        if self.key is not None:
            out["key"] = self.key
        return out

    @classmethod
    def from_dict(cls, data: Any) -> Entry | None:
        """Read an entry back; None if it is malformed (the build then treats it as absent)."""
        if not isinstance(data, dict):
            return None
        path, digest, size, kind = (data.get(k) for k in ("path", "sha256", "size", "kind"))
        key = data.get("key")
        if not (isinstance(path, str) and isinstance(digest, str) and isinstance(kind, str)):
            return None
        if not isinstance(size, int) or (key is not None and not isinstance(key, str)):
            return None
        return cls(path, digest, size, kind, key)


@dataclass
class Previous:
    """The last build's record of a cycle folder, checked against the disk on demand."""

    entries: dict[str, Entry] = field(default_factory=dict)
    products: dict[str, list[Any]] = field(default_factory=dict)
    featured: list[str] | None = None
    languages: list[str] = field(default_factory=list)
    built_from: dict[str, dict[str, str]] = field(default_factory=dict)
    _verified: dict[str, bool] = field(default_factory=dict)

    def of_kind(self, kind: str) -> list[Entry]:
        """The recorded files a kind made, by path."""
        return sorted((e for e in self.entries.values() if e.kind == kind), key=lambda e: e.path)

    def verified(self, entry: Entry, digest: Callable[[str], tuple[str, int] | None]) -> bool:
        """Whether the file on disk still holds exactly the recorded bytes (memoised).

        ``digest`` gives a file's ``(sha256, size)`` (read in blocks: a kept 20 MB posts.json
        is hashed, not loaded).
        """
        if entry.path not in self._verified:
            self._verified[entry.path] = digest(entry.path) == (entry.sha256, entry.size)
        return self._verified[entry.path]


def read_json(path: Path) -> dict[str, Any] | None:
    """A manifest's JSON, or None when it is missing, not a manifest, or reached through a link.

    A planted link (the manifest, its cycle folder or its appeal folder) is never followed: a
    record read through one could vouch for files it does not describe.
    """
    if any(p.is_symlink() for p in (path.parent, path.parent.parent)):
        return None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as fh:
            data = jsonstrict.loads(fh.read().decode("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("files"), list) else None


def read_previous(folder: Path) -> Previous:
    """The record of ``folder`` (empty when it has none or an unreadable one)."""
    data = read_json(folder / paths.MANIFEST)
    if data is None:
        return Previous()
    entries = {}
    for raw in data["files"]:
        entry = Entry.from_dict(raw)
        if entry is not None:
            entries[entry.path] = entry
    products = data.get("products") if isinstance(data.get("products"), dict) else {}
    featured = data.get("featured")
    built_from = data.get("built_from") if isinstance(data.get("built_from"), dict) else {}
    return Previous(
        entries=entries,
        products={k: v for k, v in products.items() if isinstance(v, list)},
        featured=[f for f in featured if isinstance(f, str)] if isinstance(featured, list) else None,
        languages=[x for x in data.get("languages", []) if isinstance(x, str)],
        built_from={k: v for k, v in built_from.items() if isinstance(v, dict)},
    )


def built_from(
    entries: Mapping[str, Entry], stale: set[str], current: Mapping[str, str], previous: Previous
) -> dict[str, dict[str, str] | None]:
    """Per kind in the folder, the input digests (roster, campaign, templates, assets) it was made from.

    A kind made, or found unchanged, under this build's inputs records them. A kind in
    ``stale`` kept a file from an earlier build (``build --only``, or a file the plan no longer
    makes), so it keeps what that build recorded (None if unknown): ``approve`` then tells a
    folder whose cards and posts come from different rosters, and says which build to run.
    """
    kinds = sorted({e.kind for e in entries.values()})
    return {k: (previous.built_from.get(k) if k in stale else dict(current)) for k in kinds}


def encode(record: Mapping[str, Any]) -> bytes:
    """The manifest's bytes: stable key order as given, UTF-8, a final newline."""
    return (json.dumps(record, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def featured_history(out_appeal: Path, before: Cycle) -> dict[str, str]:
    """Id -> latest earlier cycle that featured her, read from earlier cycles' manifests.

    Only cycles before ``before`` count, so rebuilding a cycle always selects the same women.
    """
    last: dict[str, str] = {}
    if not out_appeal.is_dir():
        return last
    for folder in sorted(out_appeal.iterdir()):
        if not folder.is_dir() or folder.name >= before.id:
            continue
        manifest = read_json(folder / paths.MANIFEST)
        if not manifest or manifest.get("cycle") != folder.name:
            continue
        for pid in manifest.get("featured", []):
            if isinstance(pid, str):
                last[pid] = folder.name
    return last


def files_on_disk(folder: Path) -> Iterator[str]:
    """Relative paths of the regular files below ``folder``, never following a symlink."""
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            full = Path(root) / name
            if not name.startswith(".") and full.is_file() and not full.is_symlink():
                yield full.relative_to(folder).as_posix()
