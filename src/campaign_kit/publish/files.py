"""Files of a cycle folder as approve and publish touch them: never through a link.

A cycle folder is ``out/<appeal>/<cycle>``. Everything here reaches it from ``out/`` one
component at a time without following a link (``output.read_nofollow``, ``folder_nofollow``),
so a link planted at the appeal or cycle folder, at a card, at ``approval.json`` or at the
publish lock is refused by name instead of reading a private file from elsewhere or creating
one outside ``out/``. ``out/`` itself may be a link: that is the user's choice of where it lives.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from campaign_kit import jsonstrict
from campaign_kit.errors import PublishError
from campaign_kit.output import Lock, digest_nofollow, folder_nofollow, read_nofollow, write_in_folder

LOCK = ".publish.lock"


def out_root_of(folder: Path) -> Path:
    """The ``out/`` folder a cycle folder ``out/<appeal>/<cycle>`` lies in."""
    return folder.parent.parent


def _below_out(folder: Path, rel: str = "") -> str:
    prefix = f"{folder.parent.name}/{folder.name}"
    return f"{prefix}/{rel}" if rel else prefix


def read_bytes(folder: Path, rel: str) -> bytes | None:
    """The bytes of ``folder/rel``, or None when it is missing (BuildError for a link)."""
    return read_nofollow(out_root_of(folder), _below_out(folder, rel))


def file_digest(folder: Path, rel: str) -> tuple[str, int] | None:
    """``(sha256, size)`` of ``folder/rel`` read in blocks, or None when it is missing."""
    return digest_nofollow(out_root_of(folder), _below_out(folder, rel))


def sha256(data: bytes) -> str:
    """Hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def parse_json(path: Path, data: bytes) -> Any:
    """Parse JSON read from ``path`` (PublishError naming it when it is not JSON)."""
    try:
        return jsonstrict.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, jsonstrict.JSONError) as exc:
        raise PublishError(f"{path}: cannot be read ({exc})") from None


def read_json(path: Path) -> Any:
    """Read a JSON file directly inside a cycle folder; None when it does not exist."""
    data = read_bytes(path.parent, path.name)
    return None if data is None else parse_json(path, data)


def write_json_atomic(path: Path, data: Any) -> None:
    """Write ``data`` to ``path`` so a reader (or a kill) sees the old file or the new, never half.

    ``path`` lies directly in a cycle folder, reached from ``out/`` without links; the write is
    ``output.write_in_folder`` (flushed before and after the rename: the ledger must survive a
    power cut between a remote call and the next one; nothing is written through a link).
    """
    folder = path.parent
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    with folder_nofollow(out_root_of(folder), _below_out(folder)) as fd:
        if fd is None:
            raise PublishError(f"{folder}: not found; build the cycle first")
        try:
            write_in_folder(fd, path.name, text.encode("utf-8"))  # the one atomic writer
        except OSError as exc:
            raise PublishError(f"{path}: cannot be written ({exc.strerror})") from None


def publish_lock(folder: Path) -> Lock:
    """The cycle's publish lock: a second ``publish`` of the same cycle fails at once, naming the first.

    It is ``output.Lock`` on ``.publish.lock`` in the cycle folder: opened without following a
    link, so a ``.publish.lock`` planted as a link never creates or opens a file outside ``out/``.
    """
    return Lock(
        out_root_of(folder),
        (folder.parent.name, folder.name),
        LOCK,
        job="publish",
        create=False,
        error=PublishError,
        busy=PublishError,
    )
