"""Safe writes under ``out/``: atomic renames, identical files skipped, a lock, ``--dry-run``.

A killed build must never leave a half-written file where a user (or the next build) would
take it for a finished one, so every file is written under ``out/.tmp/`` and renamed into place;
the rename is atomic on one filesystem. Leftovers in ``.tmp/`` are swept by the next build.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from campaign_kit.errors import BuildError

TMP_DIR = ".tmp"
# Relative output paths are made from validated ids and fixed names; this is a second fence.
SAFE_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")


def sha256(data: bytes) -> str:
    """Hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def safe_relpath(rel: str) -> str:
    """Check that ``rel`` is a plain relative path made of safe parts; return it.

    Raises:
        BuildError: for absolute paths, ``..``, hidden parts, NUL or other odd characters.

    """
    parts = rel.split("/")
    if not rel or any(not SAFE_PART.match(p) or p in (".", "..") for p in parts):
        raise BuildError(f"refusing to write an unsafe output path {rel[:120]!r}")
    return rel


@dataclass(frozen=True)
class WriteResult:
    """What happened to one file: ``create``, ``overwrite`` or ``identical``."""

    path: str
    action: str
    size: int
    sha256: str


class Writer:
    """Writes files under one cycle folder (``out/<appeal>/<cycle>``), atomically.

    Args:
        out_root: The ``out/`` folder (temporary files live in ``out/.tmp``).
        target: The cycle folder inside ``out_root``.
        dry_run: Report what would happen; write and delete nothing.

    """

    def __init__(self, out_root: Path, target: Path, dry_run: bool = False) -> None:
        self.out_root = out_root
        self.target = target
        self.dry_run = dry_run
        self.tmp = out_root / TMP_DIR
        resolved_root = out_root.resolve()
        if resolved_root not in target.resolve().parents:
            raise BuildError(f"{target} is not inside {out_root}")

    def prepare(self) -> None:
        """Create the folders and sweep temporary files a killed build left behind."""
        if self.dry_run:
            return
        try:
            self.target.mkdir(parents=True, exist_ok=True)
            self.tmp.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BuildError(f"cannot create {self.target}: {exc.strerror}") from None
        for leftover in self.tmp.glob("*.part"):
            # Only files of dead writers: a live build holds its own lock and its own pid prefix.
            pid = leftover.name.split("-", 1)[0]
            if not pid.isdigit() or not _alive(int(pid)):
                leftover.unlink(missing_ok=True)

    def existing(self, rel: str) -> bytes | None:
        """The current content of ``rel`` in the target, or None."""
        try:
            return (self.target / rel).read_bytes()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return None

    def write(self, rel: str, data: bytes) -> WriteResult:
        """Write ``data`` to ``target/rel`` unless identical; atomically."""
        safe_relpath(rel)
        digest = sha256(data)
        dest = self.target / rel
        old = self.existing(rel)
        if old is not None and old == data:
            return WriteResult(rel, "identical", len(data), digest)
        action = "create" if old is None else "overwrite"
        if not self.dry_run:
            self._atomic_write(dest, data)
        return WriteResult(rel, action, len(data), digest)

    def _atomic_write(self, dest: Path, data: bytes) -> None:
        part = self.tmp / f"{os.getpid()}-{digest_name(dest)}.part"
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            with open(part, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(part, dest)
        except OSError as exc:
            part.unlink(missing_ok=True)
            if exc.errno == errno.ENOSPC:
                raise BuildError(f"{dest}: disk full; nothing half-written was left") from None
            raise BuildError(f"{dest}: cannot write ({exc.strerror})") from None

    def remove(self, rel: str) -> bool:
        """Delete a stale generated file ``rel`` (only inside the target); True if it existed."""
        safe_relpath(rel)
        path = self.target / rel
        if not path.is_file():
            return False
        if not self.dry_run:
            path.unlink()
            # Tidy empty folders left behind (cards/<lang>/<id>/ of someone no longer featured).
            parent = path.parent
            while parent != self.target and not any(parent.iterdir()):
                parent.rmdir()
                parent = parent.parent
        return True


def digest_name(path: Path) -> str:
    """A short unique file-name-safe token for ``path`` (temporary file names)."""
    return hashlib.sha1(str(path).encode()).hexdigest()[:16]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# Lock files this process holds, so a forked card worker can close its inherited copies:
# otherwise a worker that outlives a killed build would keep the cycle locked.
_HELD: set[int] = set()


def release_inherited_locks() -> None:
    """Close this process's copies of its parent's lock files (card worker initializer)."""
    for fd in list(_HELD):
        try:
            os.close(fd)
        except OSError:
            pass
    _HELD.clear()


class BuildLock:
    """An exclusive lock on one cycle folder, so two builds of a cycle never interleave.

    The lock is an ``flock`` on ``out/.locks/<appeal>-<cycle>.lock``: the kernel releases it when
    the process dies, so a killed build never leaves a stale lock behind.
    """

    def __init__(self, out_root: Path, name: str) -> None:
        self.path = out_root / ".locks" / f"{name}.lock"
        self.fh: object | None = None

    def __enter__(self) -> BuildLock:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fh = open(self.path, "a+")  # noqa: SIM115 - held for the lock's lifetime
        except OSError as exc:
            raise BuildError(f"cannot create lock {self.path}: {exc.strerror}") from None
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            fh.close()
            raise BuildError(
                f"another build of this cycle is running (pid {holder}); "
                "wait for it to finish, then build again"
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        self.fh = fh
        _HELD.add(fh.fileno())
        return self

    def __exit__(self, *exc: object) -> None:
        fh = self.fh
        if fh is not None:
            _HELD.discard(fh.fileno())  # type: ignore[attr-defined]
            fh.truncate(0)  # type: ignore[attr-defined]
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)  # type: ignore[attr-defined]
            fh.close()  # type: ignore[attr-defined]
            self.fh = None


def write_file_atomic(dest: Path, data: bytes) -> None:
    """Replace ``dest`` (a project file such as roster.json) with ``data`` atomically.

    The temporary file sits beside ``dest`` so the rename stays on one filesystem; a killed
    process leaves the old file whole, never a half-written one.

    Raises:
        BuildError: the file cannot be written (the old one is left as it was).

    """
    part = dest.with_name(f".{dest.name}.{os.getpid()}.part")
    try:
        with open(part, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(part, dest)
    except OSError as exc:
        part.unlink(missing_ok=True)
        raise BuildError(f"{dest}: cannot write ({exc.strerror}); the old file is unchanged") from None
