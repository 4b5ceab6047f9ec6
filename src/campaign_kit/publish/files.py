"""Atomic JSON files in a cycle folder and the lock that keeps two publishers apart."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from campaign_kit.errors import PublishError


def write_json_atomic(path: Path, data: Any) -> None:
    """Write ``data`` to ``path`` so a reader (or a kill) sees the old file or the new, never half.

    The bytes are flushed to disk before the rename and the folder after it: the ledger must
    survive a power cut between a remote call and the next one.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise PublishError(f"{path}: cannot be written ({exc.strerror})") from None


def read_json(path: Path) -> Any:
    """Read a JSON file; None when it does not exist; PublishError when it is unreadable."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise PublishError(f"{path}: cannot be read ({exc})") from None


@contextlib.contextmanager
def publish_lock(folder: Path) -> Iterator[None]:
    """Hold the cycle's publish lock: a second ``publish`` of the same cycle fails at once."""
    path = folder / ".publish.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                raise PublishError(f"{folder}: another publish of this cycle is running") from None
            raise
        yield
    finally:
        os.close(fd)
