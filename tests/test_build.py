"""`campaign-kit build`: the whole kit, incremental, deterministic, safe."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from campaign_kit.build.loop import BuildOptions, build
from campaign_kit.campaign.cycles import parse_cycle
from campaign_kit.cli import cli
from campaign_kit.errors import BuildError
from campaign_kit.project import Project
from fixtures import file_hashes, wait_for_children

CYCLE = parse_cycle("2026-W48")
FORMATS = ("square", "portrait", "story", "landscape", "link")


def small_project(project: Path, n: int = 3) -> Path:
    """Keep the first ``n`` women (the first is ABLAB Hanna; index 15 is the longest name)."""
    path = project / "roster.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    keep = data["people"][: n - 1] + [data["people"][15]]
    data["people"] = keep
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return project


def opts(out: Path, **kw) -> BuildOptions:
    kw.setdefault("everyone", True)
    kw.setdefault("jobs", 1)
    return BuildOptions(cycle=CYCLE, out=out, **kw)


def test_full_kit_layout_and_manifest(project: Path):
    small_project(project)
    out = project / "out"
    report = build(Project(project), opts(out, languages=("en", "be", "ru")))
    target = out / "mothers" / "2026-W48"
    files = file_hashes(target)
    ids = report.featured
    assert len(ids) == 3
    for lang in ("en", "be", "ru"):
        for pid in ids:
            for fmt in FORMATS:
                assert f"cards/{lang}/{pid}/{fmt}.png" in files
        for part in (
            "appeal/{}.txt",
            "appeal/{}.html",
            "newsletter/{}.mjml",
            "newsletter/{}.html",
            "newsletter/{}.txt",
            "newsletter/{}.eml",
        ):
            assert part.format(lang) in files
        for platform in (
            "x",
            "bluesky",
            "mastodon",
            "threads",
            "instagram",
            "facebook",
            "linkedin",
            "telegram",
        ):
            assert f"posts/{lang}/{platform}.txt" in files
    for name in ("manifest.json", "index.html", "posts.json", "schedule.csv"):
        assert name in files
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    listed = {f["path"]: f for f in manifest["files"]}
    # status.html, the review's approval and calendar frame, is remade by approve and publish.
    assert set(listed) == set(files) - {"manifest.json", "status.html"}
    for rel, entry in listed.items():
        assert entry["sha256"] == files[rel]
        assert entry["size"] == (target / rel).stat().st_size
    assert manifest["featured"] == ids
    assert manifest["totals"]["women"] == 3
    assert manifest["cycle"] == "2026-W48"
    assert set(manifest["inputs"]) >= {"roster", "campaign", "templates", "assets"}


def test_second_build_renders_nothing_and_changes_nothing(project: Path):
    small_project(project)
    out = project / "out"
    first = build(Project(project), opts(out, languages=("en",)))
    assert first.cards_rendered == 15
    target = out / "mothers" / "2026-W48"
    before = {p: p.stat().st_mtime_ns for p in target.rglob("*") if p.is_file()}
    second = build(Project(project), opts(out, languages=("en",)))
    assert second.cards_rendered == 0 and second.cards_cached == 15
    assert second.counts["create"] == second.counts["overwrite"] == 0
    after = {p: p.stat().st_mtime_ns for p in target.rglob("*") if p.is_file()}
    assert before == after


def test_changing_one_woman_rerenders_only_her_cards(project: Path):
    small_project(project)
    out = project / "out"
    build(Project(project), opts(out, languages=("en", "ru")))
    path = project / "roster.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["people"][1]["children"] += 1
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    report = build(Project(project), opts(out, languages=("en", "ru")))
    rendered = {
        f.path for f in report.files if f.path.endswith(".png") and f.action in ("create", "overwrite")
    }
    who = data["people"][1]["id"]
    assert rendered == {f"cards/{lang}/{who}/{fmt}.png" for lang in ("en", "ru") for fmt in FORMATS}
    changed_text = {f.path for f in report.files if f.action == "overwrite" and not f.path.endswith(".png")}
    assert "appeal/en.txt" in changed_text and "manifest.json" in changed_text


def test_changing_a_layout_rerenders_only_that_format(project: Path):
    small_project(project)
    out = project / "out"
    build(Project(project), opts(out, languages=("en",), only=("cards",)))
    layout = project / "templates" / "cards" / "link.toml"
    layout.write_text(layout.read_text(encoding="utf-8") + "\n# touched\n", encoding="utf-8")
    report = build(Project(project), opts(out, languages=("en",), only=("cards",)))
    assert report.cards_rendered == 3
    # Re-rendered (a comment changes no pixel, so the writer finds them identical).
    assert {
        f.path.rsplit("/", 1)[1] for f in report.files if f.action != "unchanged" and f.path.endswith(".png")
    } == {"link.png"}
    forced = build(Project(project), opts(out, languages=("en",), only=("cards",), force=True))
    assert forced.cards_rendered == 15


def test_builds_are_byte_identical(project: Path, tmp_path: Path):
    small_project(project)
    build(Project(project), opts(tmp_path / "a", languages=("en", "be"), jobs=2))
    build(Project(project), opts(tmp_path / "b", languages=("en", "be"), jobs=1))
    a = file_hashes(tmp_path / "a" / "mothers")
    assert a == file_hashes(tmp_path / "b" / "mothers")
    assert len(a) > 30


def test_featured_rotation_and_stale_files(project: Path):
    out = project / "out"
    p = Project(project)
    w48 = build(p, BuildOptions(cycle=CYCLE, out=out, languages=("en",), only=("cards",)))
    assert len(w48.featured) == 5
    w49 = build(p, BuildOptions(cycle=parse_cycle("2026-W49"), out=out, languages=("en",), only=("cards",)))
    assert not set(w48.featured) & set(w49.featured)
    again = build(p, BuildOptions(cycle=CYCLE, out=out, languages=("en",), only=("cards",)))
    assert again.featured == w48.featured  # later cycles never change an earlier one


def test_only_posts_keeps_earlier_cards_in_the_manifest(project: Path):
    small_project(project)
    out = project / "out"
    build(Project(project), opts(out, languages=("en",), only=("cards",)))
    build(Project(project), opts(out, languages=("en",), only=("posts",)))
    manifest = json.loads((out / "mothers" / "2026-W48" / "manifest.json").read_text())
    paths = {f["path"] for f in manifest["files"]}
    assert any(p.startswith("cards/") for p in paths)
    assert "posts.json" in paths


def test_dry_run_writes_nothing(project: Path):
    small_project(project)
    out = project / "out"
    result = CliRunner().invoke(
        cli,
        [
            "build",
            "--project",
            str(project),
            "--cycle",
            "2026-W48",
            "--all",
            "--dry-run",
            "--json",
            "--lang",
            "en",
        ],
    )
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert plan["dry_run"] is True
    assert any(
        f["path"] == "cards/en/ablab-hanna/square.png" and f["action"] == "create" for f in plan["files"]
    )
    assert not out.exists()


def test_bad_roster_fails_cleanly_and_writes_nothing(project: Path):
    (project / "roster.json").write_text('{"schema": 1, "people": [}', encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", "--project", str(project), "--cycle", "2026-W48"])
    assert result.exit_code == 1
    assert "roster.json" in result.stderr and "Traceback" not in result.output
    assert not (project / "out").exists()


def test_bad_options_are_usage_errors(project: Path):
    runner = CliRunner()
    for args in (["--only", "cards,videos"], ["--jobs", "0"], ["--asset-base-url", "http://x"]):
        result = runner.invoke(cli, ["build", "--project", str(project), *args])
        assert result.exit_code == 2, args
    # A value the option's type or the inputs refuse is bad usage too (exit 2), named.
    result = runner.invoke(cli, ["build", "--project", str(project), "--cycle", "2026-W60"])
    assert result.exit_code == 2 and "has no week 60" in result.stderr and "--cycle" in result.stderr
    result = runner.invoke(cli, ["build", "--project", str(project), "--lang", "de"])
    assert result.exit_code == 2 and "de is not a language of" in result.stderr and "--lang" in result.stderr


def test_template_error_names_the_file_and_writes_nothing(project: Path):
    small_project(project)
    post = next((project / "templates" / "posts").rglob("*.j2"))
    post.write_text(post.read_text(encoding="utf-8") + "{{ no_such_variable }}", encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["build", "--project", str(project), "--cycle", "2026-W48", "--lang", "en,be,ru"]
    )
    assert result.exit_code == 1
    assert "no_such_variable" in result.stderr and "Traceback" not in result.output
    target = project / "out" / "mothers" / "2026-W48"
    # The cards were rendering while the texts failed: none of them may land either, and the
    # ones the workers had already written to out/.tmp are removed, not left for a later sweep.
    assert not target.exists() or not any(p.is_file() for p in target.rglob("*"))
    assert not any((project / "out" / ".tmp").iterdir())


def test_second_concurrent_build_is_refused(project: Path):
    from campaign_kit.output import BuildLock

    small_project(project)
    out = project / "out"
    with BuildLock(out, "mothers-2026-W48"):
        with pytest.raises(BuildError, match="another build of this cycle is running"):
            build(Project(project), opts(out, languages=("en",)))


KILLER = r"""
import sys
from pathlib import Path
from campaign_kit.build.loop import BuildOptions, build
from campaign_kit.campaign.cycles import parse_cycle
from campaign_kit.project import Project
build(Project(Path(sys.argv[1])), BuildOptions(cycle=parse_cycle("2026-W48"), out=Path(sys.argv[2]),
      everyone=True, jobs=2, languages=("en", "be")))
"""


def test_killed_builds_leave_no_partial_file(project: Path, tmp_path: Path):
    """Kill builds at spread-out moments mid-build; every file present is whole; the next build heals."""
    small_project(project)
    clean = tmp_path / "clean"
    build(Project(project), opts(clean, languages=("en", "be")))
    expected = file_hashes(clean / "mothers" / "2026-W48")
    out = tmp_path / "killed"
    target = out / "mothers" / "2026-W48"
    for delay in (0.0, 0.1, 0.2, 0.4, 0.6, 0.8):
        proc = subprocess.Popen(
            [sys.executable, "-c", KILLER, str(project), str(out)], start_new_session=True
        )
        # Not a fixed sleep from the start (that may land before the build begins or after
        # it ends): wait for the card workers, so the build is under way, then a little more.
        assert wait_for_children(proc), "the build never started its card workers"
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)  # the main process only, as a user's kill would
        proc.wait()
        # The kill landed mid-build: the process died of it, and no build finished (the
        # manifest is written last, and no kept unit lets a later run skip the work).
        assert proc.returncode == -signal.SIGKILL
        assert not (target / "manifest.json").exists(), f"the build finished before the kill at +{delay}s"
        for rel, digest in (file_hashes(target) if target.exists() else {}).items():
            assert digest == expected[rel], f"partial or wrong file after kill: {rel}"
    build(Project(project), opts(out, languages=("en", "be")))
    assert file_hashes(out / "mothers" / "2026-W48") == expected
    assert not any((out / ".tmp").iterdir())
    shutil.rmtree(out)
