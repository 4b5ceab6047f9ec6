"""The build's record is always the truth: interrupted builds are healed by the next plain build."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

import pytest

from campaign_kit import output
from campaign_kit.build.loop import BuildOptions, build
from campaign_kit.campaign.cycles import parse_cycle
from campaign_kit.errors import BuildError
from campaign_kit.project import Project
from conftest import copy_project
from fixtures import file_hashes, wait_for_children

CYCLE = parse_cycle("2026-W48")


def set_children(project: Path, n: int) -> None:
    path = project / "roster.json"
    doc = json.loads(path.read_text("utf-8"))
    doc["people"][0]["children"] = n
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), "utf-8")


def options(out: Path, **over) -> BuildOptions:
    return BuildOptions(cycle=CYCLE, out=out, languages=("en", "ru"), jobs=1, **over)


class Built(NamedTuple):
    """A test's own project and the first build of it, made from the sample roster with 2 children."""

    project: Path
    out: Path
    target: Path
    featured: list[str]


@pytest.fixture(scope="module")
def first_build(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The plain build every test here starts from, made once: a build is deterministic."""
    root = tmp_path_factory.mktemp("first")
    project = copy_project(root / "proj")
    set_children(project, 2)
    report = build(Project(project), options(root / "out"))
    return Built(project, root / "out", report.target, report.featured)


@pytest.fixture
def built(first_build: Built, tmp_path: Path) -> Built:
    """A copy of the first build's project and output folder in the test's own tmp_path."""
    project, out = tmp_path / "proj", tmp_path / "out"
    shutil.copytree(first_build.project, project, symlinks=True)
    shutil.copytree(first_build.out, out, symlinks=True)
    target = out / first_build.target.relative_to(first_build.out)
    return Built(project, out, target, first_build.featured)


def fail_at(monkeypatch: pytest.MonkeyPatch, rel: str) -> None:
    """Make the disk 'fill up' when the build writes ``rel``."""
    real = output.Writer.write

    def write(self, name: str, data: bytes):
        if name == rel and not self.dry_run:
            raise BuildError(f"{self.target / name}: disk full; nothing half-written was left")
        return real(self, name, data)

    monkeypatch.setattr(output.Writer, "write", write)


@pytest.mark.parametrize("fails_at", ["index.html", "manifest.json", "appeal/en.txt"])
def test_a_build_interrupted_by_a_full_disk_is_healed_by_the_next_plain_build(
    built: Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fails_at: str
):
    # The reproduction from the issue: 2 children (the first build), then 3 with the disk
    # filling, then 2 again.
    project, out, first, fresh = built.project, built.out, built, tmp_path / "fresh"
    expected = file_hashes(first.target)
    set_children(project, 3)
    with monkeypatch.context() as m:
        fail_at(m, fails_at)
        with pytest.raises(BuildError, match="disk full"):
            build(Project(project), options(out))
    assert file_hashes(first.target) != expected  # the failed build did replace files
    set_children(project, 2)
    healed = build(Project(project), options(out))
    assert file_hashes(healed.target) == expected
    assert file_hashes(build(Project(project), options(fresh)).target) == expected


def test_a_replaced_file_is_not_vouched_for(built: Built):
    project, out, report = built.project, built.out, built
    expected = file_hashes(report.target)
    card = report.target / "cards/en" / report.featured[0] / "square.png"
    text = report.target / "posts/ru/x.txt"
    card.write_bytes(card.read_bytes()[:-10] + b"0123456789")  # same size, other bytes
    text.write_text(text.read_text("utf-8").replace("#", "@"), "utf-8")
    again = build(Project(project), options(out))
    assert file_hashes(again.target) == expected
    assert again.cards_rendered == 1


def test_a_damaged_part_not_asked_for_is_remade_not_vouched_for(built: Built):
    project, out, report = built.project, built.out, built
    expected = file_hashes(report.target)
    (report.target / "appeal/en.txt").write_text("wrong facts\n", "utf-8")
    build(Project(project), options(out, only=("cards",)))
    assert file_hashes(report.target) == expected


def test_files_no_kind_accounts_for_are_removed(built: Built):
    project, out, report = built.project, built.out, built
    expected = file_hashes(report.target)
    stray = report.target / "cards/en/someone-else/square.png"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"not hers")
    (report.target / "posts/en/old.txt").write_text("stale\n", "utf-8")
    again = build(Project(project), options(out))
    assert sorted(again.removed) == ["cards/en/someone-else/square.png", "posts/en/old.txt"]
    assert file_hashes(report.target) == expected
    assert not stray.parent.exists()


def test_approval_and_ledger_files_are_not_swept(built: Built):
    project, out, report = built.project, built.out, built
    for name in ("approval.json", "published.json", "esp/listmonk/pushed.json"):
        (report.target / name).parent.mkdir(parents=True, exist_ok=True)
        (report.target / name).write_text("{}\n", "utf-8")
    build(Project(project), options(out, force=True))
    assert (report.target / "approval.json").is_file() and (report.target / "published.json").is_file()
    assert (report.target / "esp/listmonk/pushed.json").is_file()


def test_dry_run_reports_every_action_and_writes_nothing(built: Built):
    project, out, report = built.project, built.out, built
    before = file_hashes(report.target)
    (report.target / "posts/en/x.txt").write_text("edited\n", "utf-8")
    (report.target / "posts/en/old.txt").write_text("stale\n", "utf-8")
    set_children(project, 4)
    plan = build(Project(project), options(out, dry_run=True))
    actions = {f.path: f.action for f in plan.files}
    assert actions["posts/en/x.txt"] == "overwrite"
    assert actions["appeal/en.txt"] == "overwrite"
    assert actions["cards/en/bahovik-ivanna/square.png"] in ("unchanged", "identical")
    assert "posts/en/old.txt" in plan.removed
    assert file_hashes(report.target) == {
        **before,
        "posts/en/x.txt": hashlib.sha256(b"edited\n").hexdigest(),
        "posts/en/old.txt": hashlib.sha256(b"stale\n").hexdigest(),
    }


KILLED = r"""
import sys
from pathlib import Path
from campaign_kit.build.loop import BuildOptions, build
from campaign_kit.campaign.cycles import parse_cycle
from campaign_kit.project import Project
build(Project(Path(sys.argv[1])), BuildOptions(cycle=parse_cycle("2026-W48"),
      out=Path(sys.argv[2]), everyone=True, jobs=2, force=True))
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_card_workers_die_with_the_build(project: Path, tmp_path: Path, sig: int):
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED, str(project), str(tmp_path / "out")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers = wait_for_children(proc, at_least=2)
    assert len(workers) >= 2, "the build never started its workers"
    os.kill(proc.pid, sig)
    proc.wait(timeout=120)
    # The signal landed mid-build: the build did not finish (it writes its manifest last).
    assert proc.returncode != 0
    assert not (tmp_path / "out" / "mothers" / "2026-W48" / "manifest.json").exists()
    deadline = time.monotonic() + 10
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [w for w in workers if _alive(w)], "card workers outlived the build"


def test_a_linked_manifest_is_not_trusted(built: Built, tmp_path: Path):
    project, out, report = built.project, built.out, built
    expected = file_hashes(report.target)
    decoy = tmp_path / "decoy.json"
    decoy.write_bytes((report.target / "manifest.json").read_bytes())
    (report.target / "appeal/en.txt").write_text("wrong facts\n", "utf-8")
    (report.target / "manifest.json").unlink()
    (report.target / "manifest.json").symlink_to(decoy)
    try:
        build(Project(project), options(out))
    except BuildError as exc:  # refusing the link outright is as good as not trusting it
        assert "manifest.json" in str(exc)
        return
    assert file_hashes(report.target) == expected
