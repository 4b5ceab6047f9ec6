"""Safe writes under ``out/``: atomic renames, identical files skipped, the one lock, ``--dry-run``.

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
import secrets
import stat
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO

from campaign_kit.errors import BuildError, BusyError, CampaignKitError
from campaign_kit.project import Project

TMP_DIR = ".tmp"

Data = bytes | Iterable[bytes]
"""A file's content: its bytes, or its chunks in order (a big text output, streamed to disk)."""
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


# --- no-follow file access ------------------------------------------------------------------
# Everything below out/ is reached one component at a time from a folder descriptor, each opened
# with O_NOFOLLOW: a symlink planted anywhere below out/ (a folder, a lock, a read-back file,
# .tmp/) is refused by name instead of followed to a file outside the build. out/ itself may be
# a link: that is the user's choice of where the output lives.

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def _symlink_error(
    shown: Path, job: str = "build", error: type[CampaignKitError] = BuildError
) -> CampaignKitError:
    return error(
        f"{shown}: is a symbolic link; nothing under the output folder follows links "
        f"(remove it, then {job} again)"
    )


def _is_link_at(dir_fd: int, name: str) -> bool:
    try:
        return stat.S_ISLNK(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode)
    except OSError:
        return False


def _open_dir_at(dir_fd: int, name: str, shown: Path, create: bool) -> int | None:
    """Open folder ``name`` inside ``dir_fd`` without following a link; None if missing."""
    if create:
        try:
            os.mkdir(name, 0o777, dir_fd=dir_fd)
        except FileExistsError:
            pass
    try:
        return os.open(name, _DIR_FLAGS, dir_fd=dir_fd)
    except FileNotFoundError:
        if create:
            raise
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP or _is_link_at(dir_fd, name):
            raise _symlink_error(shown) from None
        if exc.errno == errno.ENOTDIR:
            if create:
                raise BuildError(f"{shown}: is a file where a folder is needed (remove it)") from None
            return None
        raise


class _Folder:
    """An open folder below out/ and the descriptors of the folders above it."""

    def __init__(self, fds: list[int]) -> None:
        self.fds = fds

    @property
    def fd(self) -> int:
        return self.fds[-1]

    def close(self) -> None:
        for fd in self.fds:
            os.close(fd)
        self.fds = []

    def __enter__(self) -> _Folder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _open_folder(root: Path, parts: tuple[str, ...] | list[str], create: bool) -> _Folder | None:
    """Open ``root/parts...`` component by component, never following a link below ``root``.

    Returns None when a folder is missing and ``create`` is false.

    Raises:
        BuildError: a component is a symbolic link (named), or is a file.
        OSError: the folders cannot be opened or created (the caller words it).

    """
    if create:
        root.mkdir(parents=True, exist_ok=True)
    try:
        fds = [os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)]
    except FileNotFoundError:
        if create:
            raise
        return None
    shown = root
    for part in parts:
        shown = shown / part
        try:
            fd = _open_dir_at(fds[-1], part, shown, create)
        except BaseException:
            _Folder(fds).close()
            raise
        if fd is None:
            _Folder(fds).close()
            return None
        fds.append(fd)
    return _Folder(fds)


def check_no_symlinks(out_root: Path, path: Path) -> None:
    """Refuse ``path`` when any of its components below ``out_root`` is a symbolic link.

    Args:
        out_root: The output folder (it may itself be a link).
        path: A path inside ``out_root`` (it need not exist yet).

    Raises:
        BuildError: naming the first component that is a link.

    """
    shown = out_root
    for part in path.relative_to(out_root).parts:
        shown = shown / part
        try:
            mode = shown.lstat().st_mode
        except (FileNotFoundError, NotADirectoryError):
            return
        except OSError as exc:
            raise BuildError(f"{shown}: cannot be checked ({exc.strerror})") from None
        if stat.S_ISLNK(mode):
            raise _symlink_error(shown)


@contextmanager
def folder_nofollow(out_root: Path, rel: str) -> Iterator[int | None]:
    """A descriptor of the folder ``out_root/rel``, reached without following a link below ``out_root``.

    Files made through it (``os.open(name, ..., dir_fd=fd)``, ``os.replace`` with dir fds) land
    in that very folder even if someone swaps a link in on the way: the path is not looked up again.

    Yields:
        The open folder's descriptor, or None when the folder does not exist.

    Raises:
        BuildError: a component of ``rel`` is a symbolic link (named), or is a file.

    """
    try:
        folder = _open_folder(out_root, [p for p in rel.split("/") if p], create=False)
    except OSError as exc:
        raise BuildError(f"{out_root / rel}: cannot be opened ({exc.strerror})") from None
    if folder is None:
        yield None
        return
    with folder:
        yield folder.fd


def read_nofollow(out_root: Path, rel: str) -> bytes | None:
    """Read ``out_root/rel`` without following a link anywhere below ``out_root``.

    Args:
        out_root: The output folder.
        rel: A ``/``-separated path inside it.

    Returns:
        The file's bytes, or None when it does not exist or is not a regular file.

    Raises:
        BuildError: a component of ``rel`` (the file included) is a symbolic link.

    """
    with _open_nofollow(out_root, rel) as fh:
        return None if fh is None else fh.read()


def digest_nofollow(out_root: Path, rel: str) -> tuple[str, int] | None:
    """``(sha256, size)`` of ``out_root/rel``, read in blocks and never through a link.

    A build compares what it made with what is there by digest, so a 20 MB file is never
    held twice in memory to find that it is unchanged.

    Returns:
        None when the file does not exist or is not a regular file.

    Raises:
        BuildError: a component of ``rel`` (the file included) is a symbolic link.

    """
    with _open_nofollow(out_root, rel) as fh:
        if fh is None:
            return None
        digest, size = hashlib.sha256(), 0
        while block := fh.read(_BLOCK):
            digest.update(block)
            size += len(block)
        return digest.hexdigest(), size


_BLOCK = 1 << 20
# A temporary file is always new: never an existing file, never through a link.
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


@contextmanager
def _open_nofollow(out_root: Path, rel: str) -> Iterator[BinaryIO | None]:
    *dirs, name = rel.split("/")
    try:
        folder = _open_folder(out_root, dirs, create=False)
    except OSError:
        folder = None
    if folder is None:
        yield None
        return
    with folder:
        try:
            # O_NONBLOCK: a FIFO planted under out/ must not hang the build on open.
            fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK, dir_fd=folder.fd)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            yield None
            return
        except OSError as exc:
            if exc.errno == errno.ELOOP or _is_link_at(folder.fd, name):
                raise _symlink_error(out_root / rel) from None
            raise BuildError(f"{out_root / rel}: cannot be read ({exc.strerror})") from None
        with os.fdopen(fd, "rb") as fh:
            yield fh if stat.S_ISREG(os.fstat(fd).st_mode) else None


def _write_all(fd: int, chunks: Iterable[bytes]) -> None:
    # Small chunks (a post of posts.json) are gathered so the file is written in large blocks;
    # a large one with nothing gathered before it is written as it is, not copied.
    pending = bytearray()
    for chunk in chunks:
        if not pending and len(chunk) >= _BLOCK:
            _write_block(fd, chunk)
            continue
        pending += chunk
        if len(pending) >= _BLOCK:
            _write_block(fd, pending)
            pending = bytearray()  # a new buffer: a view of the old one may still be alive
    _write_block(fd, pending)


def _write_block(fd: int, data: bytes | bytearray) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _write_in(
    folder_fd: int,
    tmp_fd: int,
    part: str,
    name: str,
    chunks: Iterable[bytes],
    keep: Callable[[], bool] = lambda: True,
) -> bool:
    """Write ``chunks`` to ``tmp/part`` and rename it to ``name`` in ``folder_fd`` (atomic).

    ``keep`` is asked once the part is complete; when it says no (a streamed file turned out
    identical to the one in place), the part is removed instead. Returns whether it was renamed.
    """
    try:
        os.unlink(part, dir_fd=tmp_fd)  # a leftover or planted entry of that name, never followed
    except FileNotFoundError:
        pass
    try:
        _write_part(tmp_fd, part, chunks)
        if not keep():
            os.unlink(part, dir_fd=tmp_fd)
            return False
        # rename() replaces a link at the destination with the file; it never writes through it.
        os.replace(part, name, src_dir_fd=tmp_fd, dst_dir_fd=folder_fd)
        return True
    except BaseException:
        try:
            os.unlink(part, dir_fd=tmp_fd)
        except OSError:
            pass
        raise


def _write_part(tmp_fd: int, part: str, chunks: Iterable[bytes]) -> None:
    """Create ``part`` (new, never through a link) in ``tmp_fd`` and write ``chunks`` to disk."""
    fd = os.open(part, _NEW_FILE, 0o666, dir_fd=tmp_fd)
    try:
        _write_all(fd, chunks)
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_error(dest: Path, exc: OSError) -> BuildError:
    if exc.errno == errno.ENOSPC:
        return BuildError(f"{dest}: disk full; nothing half-written was left")
    if exc.errno == errno.EISDIR:
        return BuildError(f"{dest}: is a folder where a file is needed (remove it)")
    return BuildError(f"{dest}: cannot write ({exc.strerror})")


def write_in_folder(folder_fd: int, name: str, data: bytes) -> None:
    """Replace ``name`` in the open folder ``folder_fd`` with ``data``: the one atomic write.

    The part file is made exclusively (O_EXCL|O_NOFOLLOW) under a name no other writer uses,
    flushed to disk, renamed over ``name`` (a link there is replaced, never written through),
    and the folder is flushed after the rename, so a power cut leaves the old file or the new.

    Raises:
        OSError: the write failed (the part file is removed first).

    """
    part = f".{name}.{os.getpid()}-{secrets.token_hex(6)}.tmp"
    _write_in(folder_fd, folder_fd, part, name, (data,))
    os.fsync(folder_fd)


def write_file_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically and durably, never following a link.

    For a single file outside a build (``import-list -o``, ``release``); the publish ledger
    and approval go through ``write_in_folder`` on a folder reached without links.

    The temporary file is created exclusively beside ``path`` under a name no other writer
    uses, so a planted ``.<name>.tmp`` (file or link) is never written through, and a link at
    ``path`` itself is refused rather than followed to its target.

    Raises:
        BuildError: ``path`` is a link or a folder, or the write fails (disk full...).

    """
    folder = path.parent
    try:
        folder_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as exc:
        raise BuildError(f"{path}: cannot write ({exc.strerror})") from None
    try:
        if _is_link_at(folder_fd, path.name):
            raise _symlink_error(path)
        try:
            write_in_folder(folder_fd, path.name, data)
        except OSError as exc:
            raise _write_error(path, exc) from None
    finally:
        os.close(folder_fd)


@dataclass(frozen=True)
class Staged:
    """A finished file waiting in ``out/.tmp/`` for the :class:`Writer` to rename it into place.

    A card worker writes the PNG it made there itself (:func:`stage_file`), so the card's bytes
    never travel to the build process and pile up there while it makes the texts.
    """

    part: str
    sha256: str
    size: int


def stage_file(out_root: Path, dest: Path, data: bytes) -> Staged:
    """Write ``data`` to a new part file in ``out_root/.tmp/`` (fsynced); ``dest`` names errors.

    The part is named after this process, so a part of a killed worker is swept by the next
    build's :meth:`Writer.prepare`.

    Raises:
        BuildError: the write fails (disk full...), naming ``dest``; no part is left.

    """
    part = f"{os.getpid()}-{secrets.token_hex(8)}.part"
    try:
        with _open_folder(out_root, (TMP_DIR,), create=True) as tmp:  # type: ignore[union-attr]
            try:
                _write_part(tmp.fd, part, (data,))
            except BaseException:
                with suppress(OSError):  # the part may never have been created
                    os.unlink(part, dir_fd=tmp.fd)
                raise
    except OSError as exc:
        raise _write_error(dest, exc) from None
    return Staged(part, sha256(data), len(data))


class Writer:
    """Writes files under one cycle folder (``out/<appeal>/<cycle>``), atomically.

    Nothing below ``out_root`` is followed if it is a symbolic link: folders, the files read
    back and written, ``.tmp/`` and the sweep of it.

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
        try:
            parts = target.relative_to(out_root).parts
        except ValueError:
            raise BuildError(f"{target} is not inside {out_root}") from None
        if not parts or any(not SAFE_PART.match(p) or p in (".", "..") for p in parts):
            raise BuildError(f"{target} is not inside {out_root}")
        self.parts = parts
        check_no_symlinks(out_root, target)

    def prepare(self) -> None:
        """Create the folders and sweep temporary files a killed build left behind."""
        if self.dry_run:
            return
        try:
            _open_folder(self.out_root, self.parts, create=True).close()  # type: ignore[union-attr]
            tmp = _open_folder(self.out_root, (TMP_DIR,), create=True)
        except OSError as exc:
            raise BuildError(f"cannot create {self.target}: {exc.strerror}") from None
        tmp.close()  # type: ignore[union-attr]
        self.sweep_parts()

    def sweep_parts(self) -> None:
        """Remove the temporary files of writers that are dead (killed builds, their workers).

        A build runs this before it writes and again when it is done: a card worker killed in
        the middle of an fsync dies only when the disk answers, after the next build began.
        """
        if self.dry_run:
            return
        tmp = _open_folder(self.out_root, (TMP_DIR,), create=False)
        if tmp is None:
            return
        with tmp:
            for name in os.listdir(tmp.fd):
                if not name.endswith(".part"):
                    continue
                # Only files of dead writers: a live build holds its own lock and its own pid prefix.
                pid = name.split("-", 1)[0]
                if not pid.isdigit() or not _alive(int(pid)):
                    try:
                        os.unlink(name, dir_fd=tmp.fd)  # removes a planted link, not its target
                    except (FileNotFoundError, IsADirectoryError, PermissionError):
                        pass

    def existing(self, rel: str) -> bytes | None:
        """The current content of ``rel`` in the target, or None (a link is refused, not read)."""
        safe_relpath(rel)
        return read_nofollow(self.out_root, "/".join((*self.parts, rel)))

    def existing_digest(self, rel: str) -> tuple[str, int] | None:
        """``(sha256, size)`` of ``rel`` in the target, read in blocks, or None."""
        safe_relpath(rel)
        return digest_nofollow(self.out_root, "/".join((*self.parts, rel)))

    def write(self, rel: str, data: Data | Staged) -> WriteResult:
        """Write ``data`` to ``target/rel`` unless identical; atomically.

        ``data`` is the file's bytes, or an iterable of its chunks: a big text output (posts.json,
        a review page) streams to its temporary file and is never whole in memory. With
        ``dry_run`` a stream is still consumed, to report its size and digest. A
        :class:`Staged` file (a card a worker wrote) is renamed into place, or dropped when the
        file there is identical.
        """
        safe_relpath(rel)
        if isinstance(data, Staged):
            return self._adopt(rel, data)
        old = self.existing_digest(rel)
        if isinstance(data, bytes | bytearray):
            digest, size = sha256(data), len(data)
            if old == (digest, size):
                return WriteResult(rel, "identical", size, digest)
            if not self.dry_run:
                self._atomic_write(rel, (data,))
            return WriteResult(rel, "create" if old is None else "overwrite", size, digest)
        made = hashlib.sha256()
        total = 0

        def hashed() -> Iterator[bytes]:
            nonlocal total
            for chunk in data:
                made.update(chunk)
                total += len(chunk)
                yield chunk

        if self.dry_run:
            for _ in hashed():
                pass
            changed = old != (made.hexdigest(), total)
        else:
            changed = self._atomic_write(rel, hashed(), lambda: old != (made.hexdigest(), total))
        action = "identical" if not changed else "create" if old is None else "overwrite"
        return WriteResult(rel, action, total, made.hexdigest())

    def _adopt(self, rel: str, staged: Staged) -> WriteResult:
        dest = self.target / rel
        *dirs, name = rel.split("/")
        digest = (staged.sha256, staged.size)
        try:
            with _open_folder(self.out_root, (TMP_DIR,), create=True) as tmp:  # type: ignore[union-attr]
                try:
                    old = self.existing_digest(rel)
                    if old == digest or self.dry_run:
                        os.unlink(staged.part, dir_fd=tmp.fd)
                    else:
                        with _open_folder(self.out_root, (*self.parts, *dirs), create=True) as folder:  # type: ignore[union-attr]
                            os.replace(staged.part, name, src_dir_fd=tmp.fd, dst_dir_fd=folder.fd)
                except BaseException:
                    with suppress(OSError):
                        os.unlink(staged.part, dir_fd=tmp.fd)
                    raise
        except OSError as exc:
            raise _write_error(dest, exc) from None
        action = "identical" if old == digest else "create" if old is None else "overwrite"
        return WriteResult(rel, action, staged.size, staged.sha256)

    def discard(self, staged: Staged) -> None:
        """Remove a staged part that will not be written (the build failed before it)."""
        tmp = _open_folder(self.out_root, (TMP_DIR,), create=False)
        if tmp is None:
            return
        with tmp, suppress(OSError):
            os.unlink(staged.part, dir_fd=tmp.fd)

    def _atomic_write(
        self, rel: str, chunks: Iterable[bytes], keep: Callable[[], bool] = lambda: True
    ) -> bool:
        dest = self.target / rel
        *dirs, name = rel.split("/")
        part = f"{os.getpid()}-{digest_name(dest)}.part"
        try:
            with (
                _open_folder(self.out_root, (TMP_DIR,), create=True) as tmp,  # type: ignore[union-attr]
                _open_folder(self.out_root, (*self.parts, *dirs), create=True) as folder,  # type: ignore[union-attr]
            ):
                return _write_in(folder.fd, tmp.fd, part, name, chunks, keep)
        except OSError as exc:
            raise _write_error(dest, exc) from None

    def remove(self, rel: str) -> bool:
        """Delete a stale generated file ``rel`` (only inside the target); True if it existed."""
        safe_relpath(rel)
        *dirs, name = rel.split("/")
        folder = _open_folder(self.out_root, (*self.parts, *dirs), create=False)
        if folder is None:
            return False
        with folder:
            try:
                mode = os.stat(name, dir_fd=folder.fd, follow_symlinks=False).st_mode
            except (FileNotFoundError, NotADirectoryError):
                return False
            if stat.S_ISLNK(mode):
                raise _symlink_error(self.target / rel)
            if not stat.S_ISREG(mode):
                return False
            if self.dry_run:
                return True
            try:
                os.unlink(name, dir_fd=folder.fd)
                # Tidy empty folders left behind (cards/<lang>/<id>/ of someone no longer featured).
                fds = folder.fds[len(folder.fds) - len(dirs) - 1 :]
                for depth in range(len(dirs), 0, -1):
                    if os.listdir(fds[depth]):
                        break
                    os.rmdir(dirs[depth - 1], dir_fd=fds[depth - 1])
            except OSError as exc:
                raise BuildError(f"{self.target / rel}: cannot remove ({exc.strerror})") from None
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
    # A card worker killed with its build stays a zombie until init reaps it, and some container
    # inits never do; a zombie writes nothing, so its parts are as dead as it is.
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            state = fh.read().rsplit(b")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in (b"Z", b"X")


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


class Lock:
    """An exclusive lock on one file below ``out/``, so two runs of one job on a cycle never interleave.

    This is the one lock of campaign-kit: a build, an export, a push and an approval take
    ``out/.locks/<appeal>-<cycle>.lock`` (``BuildLock``); publishing takes ``.publish.lock`` in
    the cycle folder. The lock file is reached from ``out/`` one folder at a time and opened with
    O_NOFOLLOW inside its folder's descriptor, so a link (or a hard link) planted in its place is
    refused by name and no file outside ``out/`` is ever created, opened or truncated.

    The lock is an ``flock``: the kernel drops it when the holder dies, so a killed run never leaves
    a stale lock; the next run takes the file over and writes its own pid there, which a run that
    finds the lock busy names.

    Args:
        out_root: The output folder (it may itself be a link).
        folder: The folders from ``out_root`` to the lock file.
        name: The lock file's name.
        job: What holds it, in the messages (``build``, ``publish``).
        create: Create ``folder`` when missing; otherwise a missing folder is an error (a cycle
            that was never built has nothing to publish).
        error: The error raised for an unusable lock file.
        busy: The error raised when another process holds the lock.

    """

    def __init__(
        self,
        out_root: Path,
        folder: tuple[str, ...],
        name: str,
        *,
        job: str = "build",
        create: bool = True,
        error: type[CampaignKitError] = BuildError,
        busy: type[CampaignKitError] = BusyError,
    ) -> None:
        self.out_root = out_root
        self.folder = folder
        self.path = out_root.joinpath(*folder, name)
        self.job = job
        self.create = create
        self.error = error
        self.busy = busy
        self.fh: IO[str] | None = None

    def _open(self) -> int:
        """The lock file's descriptor, opened without following a link anywhere below out/."""
        name = self.path.name
        try:
            folder = _open_folder(self.out_root, self.folder, create=self.create)
            if folder is None:
                raise self.error(f"{self.path.parent}: not found; build the cycle first")
            with folder:
                try:
                    return os.open(
                        name,
                        os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK,
                        0o666,
                        dir_fd=folder.fd,
                    )
                except OSError as exc:
                    if exc.errno == errno.ELOOP or _is_link_at(folder.fd, name):
                        raise _symlink_error(self.path, self.job, self.error) from None
                    raise
        except OSError as exc:
            raise self.error(f"cannot create lock {self.path}: {exc.strerror}") from None

    def __enter__(self) -> Lock:
        fd = self._open()
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
            # A hard link to another file would be truncated below: refuse it too.
            os.close(fd)
            raise self.error(
                f"{self.path}: is not a plain lock file (a link or special file); "
                f"remove it, then {self.job} again"
            )
        fh = os.fdopen(fd, "r+")
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            fh.close()
            raise self.busy(
                f"{self.path.parent}: another {self.job} of this cycle is running (pid {holder}); "
                f"wait for it to finish, then {self.job} again"
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
            _HELD.discard(fh.fileno())
            fh.truncate(0)
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
            fh.close()
            self.fh = None


class BuildLock(Lock):
    """The cycle's build lock, ``out/.locks/<name>.lock``: builds, exports, pushes and approvals."""

    def __init__(self, out_root: Path, name: str) -> None:
        if not SAFE_PART.match(name):
            raise BuildError(f"refusing an unsafe lock name {name[:120]!r}")
        super().__init__(out_root, (".locks",), f"{name}.lock")


def check_out_root(out: Path, project: Project) -> Path:
    """Refuse an output folder a build must never write into; return it unchanged.

    A build creates, overwrites and deletes files under ``out``, so ``out`` must not be ``/``,
    the home folder, or a folder that holds one of the project's inputs (the project folder
    itself, a parent of it) or lies inside one of them (``templates/out``).

    Args:
        out: The output folder as chosen (``--out``).
        project: The project whose inputs (roster.json, campaign.toml, templates/, assets/)
            must stay out of reach.

    Raises:
        BuildError: naming the folder and why it is refused.

    """
    try:
        where = out.expanduser().resolve()
    except (OSError, RuntimeError, ValueError) as exc:
        raise BuildError(f"{out}: not a usable output folder ({exc})") from None
    try:
        os.stat(where)
    except FileNotFoundError:
        pass
    except OSError as exc:  # a name too long, a loop of links, a file in the way
        raise BuildError(f"--out {str(out)[:200]}: not a usable output folder ({exc.strerror})") from None
    if where == Path(where.anchor):
        raise BuildError(f"--out {out}: refusing to build into the filesystem root")
    try:
        home = Path.home().resolve()
    except (OSError, RuntimeError, KeyError):
        home = None
    if where == home:
        raise BuildError(f"--out {out}: refusing to build into the home folder; choose a folder of its own")
    for item in (project.roster, project.campaign, project.templates, project.assets):
        try:
            held = item.resolve()
        except (OSError, RuntimeError, ValueError):
            continue
        if held == where or where in held.parents:
            raise BuildError(
                f"--out {out}: refusing to build into a folder that holds the project's {item.name}; "
                "choose a folder of its own (the default is out/ in the project)"
            )
        if held in where.parents:
            raise BuildError(f"--out {out}: refusing to build inside the project's {item.name}/")
    return out
