"""The writer: atomic, idempotent, inside out/ only; the lock; dry runs."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from campaign_kit.errors import BuildError, PublishError
from campaign_kit.output import BuildLock, Writer, safe_relpath
from campaign_kit.publish.files import publish_lock


def test_create_identical_overwrite(tmp_path: Path):
    w = Writer(tmp_path, tmp_path / "a" / "w1")
    w.prepare()
    assert w.write("x/y.txt", b"1").action == "create"
    assert w.write("x/y.txt", b"1").action == "identical"
    assert w.write("x/y.txt", b"2").action == "overwrite"
    assert (tmp_path / "a" / "w1" / "x" / "y.txt").read_bytes() == b"2"
    assert list((tmp_path / ".tmp").iterdir()) == []


@pytest.mark.parametrize(
    "rel", ["../x", "/etc/passwd", "a/../../b", ".hidden", "a//b", "a\0b", "", "a/./b", "é/ü"]
)
def test_unsafe_paths_are_refused(rel):
    with pytest.raises(BuildError, match="unsafe output path"):
        safe_relpath(rel)


def test_target_must_be_inside_out(tmp_path: Path):
    with pytest.raises(BuildError):
        Writer(tmp_path / "out", tmp_path / "elsewhere")


def test_dry_run_writes_nothing(tmp_path: Path):
    w = Writer(tmp_path / "out", tmp_path / "out" / "m" / "w", dry_run=True)
    w.prepare()
    assert w.write("a.txt", b"x").action == "create"
    assert not (tmp_path / "out").exists()


def test_remove_tidies_empty_folders(tmp_path: Path):
    w = Writer(tmp_path, tmp_path / "c")
    w.prepare()
    w.write("cards/en/p/square.png", b"x")
    assert w.remove("cards/en/p/square.png")
    assert not (tmp_path / "c" / "cards").exists()
    assert not w.remove("cards/en/p/square.png")


def test_leftover_parts_of_dead_writers_are_swept(tmp_path: Path):
    (tmp_path / ".tmp").mkdir()
    dead = tmp_path / ".tmp" / "999999999-abc.part"
    dead.write_bytes(b"half")
    mine = tmp_path / ".tmp" / f"{os.getpid()}-abc.part"
    mine.write_bytes(b"in flight")
    Writer(tmp_path, tmp_path / "c").prepare()
    assert not dead.exists() and mine.exists()


def test_full_disk_is_a_clear_error_and_leaves_nothing(tmp_path: Path, monkeypatch):
    w = Writer(tmp_path, tmp_path / "c")
    w.prepare()

    def full(fd, data):
        os.write(fd, bytes(data[:2]))  # part of it reached the disk, then the disk filled up
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("campaign_kit.output._write_block", full)
    with pytest.raises(BuildError, match="disk full"):
        w.write("a.txt", b"data")
    monkeypatch.undo()
    assert not (tmp_path / "c" / "a.txt").exists()
    assert list((tmp_path / ".tmp").iterdir()) == []


# --- streamed files (posts.json, review pages): never whole in memory -----------------------


def test_a_streamed_file_is_written_whole_and_compared_by_digest(tmp_path: Path):
    import hashlib

    w = Writer(tmp_path, tmp_path / "c")
    w.prepare()
    chunks = [b"x" * 700_000, b"", "ё".encode() * 300_000, b"end"]  # more than one write block
    result = w.write("big.json", iter(chunks))
    whole = b"".join(chunks)
    assert (result.action, result.size, result.sha256) == (
        "create",
        len(whole),
        hashlib.sha256(whole).hexdigest(),
    )
    dest = tmp_path / "c" / "big.json"
    assert dest.read_bytes() == whole
    inode = dest.stat().st_ino
    # The same stream again: identical, the file in place untouched (same inode), no part left.
    assert w.write("big.json", iter(chunks)).action == "identical"
    assert dest.stat().st_ino == inode
    assert w.write("big.json", iter([b"other"])).action == "overwrite"
    assert dest.read_bytes() == b"other"
    assert list((tmp_path / ".tmp").iterdir()) == []


def test_a_stream_that_fails_midway_leaves_the_old_file_and_no_part(tmp_path: Path):
    w = Writer(tmp_path, tmp_path / "c")
    w.prepare()
    w.write("page.html", b"the page as approved")

    def failing():
        yield b"x" * 2_000_000  # already past one write block when the template fails
        raise BuildError("templates/review/index.html: line 9: undefined: x")

    with pytest.raises(BuildError, match="undefined"):
        w.write("page.html", failing())
    assert (tmp_path / "c" / "page.html").read_bytes() == b"the page as approved"
    assert list((tmp_path / ".tmp").iterdir()) == []


def test_a_dry_run_stream_reports_its_size_and_writes_nothing(tmp_path: Path):
    w = Writer(tmp_path, tmp_path / "c", dry_run=True)
    result = w.write("a.json", iter([b"ab", b"c"]))
    assert (result.action, result.size) == ("create", 3)
    assert not (tmp_path / "c").exists()


# --- staged files: a card worker writes its PNG to out/.tmp, the writer renames it ---------


def test_a_staged_file_is_renamed_into_place_or_dropped_when_identical(tmp_path: Path):
    from campaign_kit.output import stage_file

    w = Writer(tmp_path, tmp_path / "c")
    w.prepare()
    dest = tmp_path / "c" / "cards" / "en" / "a" / "square.png"
    first = stage_file(tmp_path, dest, b"png bytes")
    assert (tmp_path / ".tmp" / first.part).read_bytes() == b"png bytes"
    result = w.write("cards/en/a/square.png", first)
    assert (result.action, result.size, result.sha256) == ("create", 9, first.sha256)
    assert dest.read_bytes() == b"png bytes"
    inode = dest.stat().st_ino
    assert w.write("cards/en/a/square.png", stage_file(tmp_path, dest, b"png bytes")).action == "identical"
    assert dest.stat().st_ino == inode  # the file in place was not replaced
    assert w.write("cards/en/a/square.png", stage_file(tmp_path, dest, b"new")).action == "overwrite"
    assert dest.read_bytes() == b"new"
    w.discard(stage_file(tmp_path, dest, b"never written"))
    assert list((tmp_path / ".tmp").iterdir()) == []


def test_a_full_disk_while_staging_names_the_card_and_leaves_no_part(tmp_path: Path, monkeypatch):
    from campaign_kit.output import stage_file

    Writer(tmp_path, tmp_path / "c").prepare()

    def full(fd, data):
        os.write(fd, bytes(data[:2]))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("campaign_kit.output._write_block", full)
    with pytest.raises(BuildError, match=r"square\.png: disk full"):
        stage_file(tmp_path, tmp_path / "c" / "square.png", b"data")
    assert list((tmp_path / ".tmp").iterdir()) == []


def test_a_part_of_a_writer_still_dying_is_swept_when_the_build_ends(tmp_path: Path):
    # A card worker killed during an fsync lives on until the disk answers: the next build's
    # start sees it alive and keeps its part; the sweep at that build's end removes it.
    dying = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    (tmp_path / ".tmp").mkdir()
    part = tmp_path / ".tmp" / f"{dying.pid}-abc.part"
    part.write_bytes(b"half a card")
    w = Writer(tmp_path, tmp_path / "c")
    w.prepare()
    assert part.exists()
    dying.kill()
    dying.wait()
    w.sweep_parts()
    assert not part.exists()


def test_parts_of_dead_and_zombie_workers_are_swept(tmp_path: Path):
    # A card worker killed with its build can stay a zombie (some container inits never reap).
    zombie = subprocess.Popen([sys.executable, "-c", "pass"])
    for _ in range(1000):
        with open(f"/proc/{zombie.pid}/stat", "rb") as fh:
            if fh.read().rsplit(b")", 1)[1].split()[0] == b"Z":
                break
        time.sleep(0.01)
    else:
        pytest.fail("the child never became a zombie")
    (tmp_path / ".tmp").mkdir()
    part = tmp_path / ".tmp" / f"{zombie.pid}-abc.part"
    part.write_bytes(b"half a card")
    Writer(tmp_path, tmp_path / "c").prepare()
    assert not part.exists()
    zombie.wait()


def test_lock_refuses_a_second_build(tmp_path: Path):
    code = (
        "import sys, time; from pathlib import Path; from campaign_kit.output import BuildLock\n"
        "with BuildLock(Path(sys.argv[1]), 'm-w'):\n"
        "    print('locked', flush=True); time.sleep(30)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(BuildError, match=r"another build of this cycle is running \(pid \d+\)"):
            with BuildLock(tmp_path, "m-w"):
                pass
    finally:
        holder.kill()
        holder.wait()
    # The kernel drops the lock with the process: no stale lock after a kill.
    with BuildLock(tmp_path, "m-w"):
        pass


def test_the_publish_lock_is_the_same_lock_and_names_its_holder(tmp_path: Path):
    folder = tmp_path / "out" / "mothers" / "2026-W48"
    folder.mkdir(parents=True)
    with publish_lock(folder):
        assert (folder / ".publish.lock").read_text() == str(os.getpid())
        busy = rf"another publish of this cycle is running \(pid {os.getpid()}\)"
        with pytest.raises(PublishError, match=busy):
            with publish_lock(folder):
                pass
    # Released: the next publish takes it over (a dead holder's pid in the file does not block it).
    (folder / ".publish.lock").write_text("999999999")
    with publish_lock(folder):
        assert (folder / ".publish.lock").read_text() == str(os.getpid())


def test_the_publish_lock_of_a_cycle_never_built_creates_nothing(tmp_path: Path):
    (tmp_path / "out").mkdir()
    with pytest.raises(PublishError, match="2026-W48: not found; build the cycle first"):
        with publish_lock(tmp_path / "out" / "mothers" / "2026-W48"):
            pass
    assert list((tmp_path / "out").iterdir()) == []


def test_a_publish_lock_hard_linked_to_a_victim_is_refused(tmp_path: Path):
    folder = tmp_path / "out" / "mothers" / "2026-W48"
    folder.mkdir(parents=True)
    victim = tmp_path / "victim"
    victim.write_bytes(b"SECRET")
    os.link(victim, folder / ".publish.lock")
    with pytest.raises(PublishError, match="not a plain lock file"):
        with publish_lock(folder):
            pass
    assert victim.read_bytes() == b"SECRET"
