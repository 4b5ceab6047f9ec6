"""Nothing under out/ follows a symlink, and --out refuses folders a build must not write into.

Each test plants a link the way an attacker (or an accident) would and checks that the build
stops with a message naming the link while the victim stays byte for byte as it was.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from campaign_kit.cli import cli
from campaign_kit.errors import BuildError
from campaign_kit.output import BuildLock, Writer, check_out_root, read_nofollow, write_file_atomic
from campaign_kit.project import Project

CYCLE = "2026-W48"


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _out_linking_to_victim(tmp_path: Path, rel: str) -> tuple[Path, Path, dict[str, bytes]]:
    """``tmp_path/out`` with ``rel`` in it a link to a victim folder: (out, victim, the victim's files)."""
    victim = tmp_path / "victim"
    (victim / "en").mkdir(parents=True)
    files = {"keep.txt": b"precious", "en/x.txt": b"not a post", "a.part": b"someone's part"}
    for name, data in files.items():
        (victim / name).write_bytes(data)
    out = tmp_path / "out"
    link = out / rel
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(victim, target_is_directory=True)
    return out, victim, files


def _unchanged(folder: Path, files: dict[str, bytes]) -> bool:
    now = {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    return now == files


def _secret(tmp_path: Path) -> Path:
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"SECRET-LOCATION-OF-A-PHOTO")
    return secret


def test_a_linked_posts_folder_is_refused_and_its_target_untouched(tmp_path: Path):
    out, victim, files = _out_linking_to_victim(tmp_path, f"mothers/{CYCLE}/posts")
    w = Writer(out, out / "mothers" / CYCLE)
    w.prepare()
    with pytest.raises(BuildError, match=r"posts: is a symbolic link"):
        w.write("posts/en/x.txt", b"overwritten")
    assert _unchanged(victim, files)


@pytest.mark.parametrize("linked", ["mothers", f"mothers/{CYCLE}"])
def test_a_linked_appeal_or_cycle_folder_is_refused(tmp_path: Path, linked: str):
    out, victim, files = _out_linking_to_victim(tmp_path, linked)
    with pytest.raises(BuildError, match="is a symbolic link"):
        Writer(out, out / "mothers" / CYCLE).write("en/x.txt", b"overwritten")
    assert _unchanged(victim, files)


def test_a_lock_file_linked_to_a_victim_is_refused_and_the_victim_not_truncated(tmp_path: Path):
    out = tmp_path / "out"
    victim = _secret(tmp_path)
    (out / ".locks").mkdir(parents=True)
    (out / ".locks" / "mothers-2026-W48.lock").symlink_to(victim)
    with pytest.raises(BuildError, match=r"mothers-2026-W48\.lock: is a symbolic link"):
        with BuildLock(out, "mothers-2026-W48"):
            pass
    assert victim.read_bytes() == b"SECRET-LOCATION-OF-A-PHOTO"


def test_a_lock_file_hard_linked_to_a_victim_is_refused(tmp_path: Path):
    out = tmp_path / "out"
    victim = _secret(tmp_path)
    (out / ".locks").mkdir(parents=True)
    os.link(victim, out / ".locks" / "m-w.lock")
    with pytest.raises(BuildError, match="not a plain lock file"):
        with BuildLock(out, "m-w"):
            pass
    assert victim.read_bytes() == b"SECRET-LOCATION-OF-A-PHOTO"


def test_a_linked_locks_folder_is_refused(tmp_path: Path):
    out, victim, files = _out_linking_to_victim(tmp_path, ".locks")
    with pytest.raises(BuildError, match=r"\.locks: is a symbolic link"):
        with BuildLock(out, "m-w"):
            pass
    assert _unchanged(victim, files)


def test_a_read_back_file_linked_to_a_secret_is_refused_not_read(tmp_path: Path):
    out = tmp_path / "out"
    secret = _secret(tmp_path)
    target = out / "mothers" / CYCLE
    (target / "appeal").mkdir(parents=True)
    (target / "appeal" / "en.txt").symlink_to(secret)
    w = Writer(out, target)
    with pytest.raises(BuildError, match=r"appeal/en\.txt: is a symbolic link"):
        w.existing("appeal/en.txt")
    with pytest.raises(BuildError, match="is a symbolic link"):
        w.write("appeal/en.txt", b"new text")
    with pytest.raises(BuildError, match="is a symbolic link"):
        read_nofollow(out, f"mothers/{CYCLE}/appeal/en.txt")
    assert secret.read_bytes() == b"SECRET-LOCATION-OF-A-PHOTO"


def test_a_build_with_a_linked_appeal_text_stops_before_the_review_page_shows_the_secret(project: Path):
    out = project / "out"
    assert run("build", "--project", str(project), "--cycle", CYCLE, "--only", "appeal").exit_code == 0
    target = out / "mothers" / CYCLE
    review_before = (target / "index.html").read_bytes()
    secret = _secret(project.parent)
    (target / "appeal" / "en.txt").unlink()
    (target / "appeal" / "en.txt").symlink_to(secret)
    result = run("build", "--project", str(project), "--cycle", CYCLE, "--only", "appeal")
    assert result.exit_code == 1
    assert "appeal/en.txt: is a symbolic link" in result.stderr
    assert "Traceback" not in result.output
    assert (target / "index.html").read_bytes() == review_before
    assert b"SECRET" not in (target / "index.html").read_bytes()
    assert secret.read_bytes() == b"SECRET-LOCATION-OF-A-PHOTO"


def test_a_linked_tmp_folder_is_refused_and_its_part_files_kept(tmp_path: Path):
    out, victim, files = _out_linking_to_victim(tmp_path, ".tmp")
    w = Writer(out, out / "mothers" / CYCLE)
    with pytest.raises(BuildError, match=r"\.tmp: is a symbolic link"):
        w.prepare()
    with pytest.raises(BuildError, match=r"\.tmp: is a symbolic link"):
        w.write("a.txt", b"x")
    assert _unchanged(victim, files)


def test_a_part_file_linked_to_a_victim_is_swept_as_a_link_and_never_written_through(tmp_path: Path):
    out = tmp_path / "out"
    (out / ".tmp").mkdir(parents=True)
    victim = _secret(tmp_path)
    (out / ".tmp" / "999999999-dead.part").symlink_to(victim)
    w = Writer(out, out / "mothers" / CYCLE)
    w.prepare()
    assert not (out / ".tmp" / "999999999-dead.part").is_symlink()
    assert w.write("a.txt", b"fresh").action == "create"
    assert victim.read_bytes() == b"SECRET-LOCATION-OF-A-PHOTO"


def test_removing_a_stale_file_that_is_a_link_is_refused(tmp_path: Path):
    out = tmp_path / "out"
    target = out / "mothers" / CYCLE
    (target / "cards").mkdir(parents=True)
    victim = _secret(tmp_path)
    (target / "cards" / "old.png").symlink_to(victim)
    with pytest.raises(BuildError, match=r"cards/old\.png: is a symbolic link"):
        Writer(out, target).remove("cards/old.png")
    assert victim.read_bytes() == b"SECRET-LOCATION-OF-A-PHOTO"


def test_a_fifo_under_out_is_not_read(tmp_path: Path):
    out = tmp_path / "out"
    target = out / "mothers" / CYCLE
    target.mkdir(parents=True)
    os.mkfifo(target / "index.html")
    assert Writer(out, target).existing("index.html") is None


def test_import_list_writes_through_a_planted_tmp_file_never(tmp_path: Path):
    victim = _secret(tmp_path)
    out = tmp_path / "new.json"
    (tmp_path / ".new.json.tmp").symlink_to(victim)
    write_file_atomic(out, b'{"schema": 1}\n')
    assert out.read_bytes() == b'{"schema": 1}\n'
    assert victim.read_bytes() == b"SECRET-LOCATION-OF-A-PHOTO"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == [".new.json.tmp"]


def test_import_list_refuses_an_output_that_is_a_link_even_with_force(tmp_path: Path):
    victim = _secret(tmp_path)
    link = tmp_path / "roster.json"
    link.symlink_to(victim)
    with pytest.raises(BuildError, match="is a symbolic link"):
        write_file_atomic(link, b"{}")
    assert victim.read_bytes() == b"SECRET-LOCATION-OF-A-PHOTO"


LIST = (
    "1.   DANILIUK Tatsiana | ДАНИЛЮК Татьяна in pre-trial detention: 3 children\n\n"
    "2.   KANEUSKAYA Tatsiana | КАНЕВСКАЯ Татьяна sentenced to 6 yrs in a penal colony: 1 child\n"
)


def test_import_list_cli_with_planted_tmp_and_linked_output(tmp_path: Path):
    victim = _secret(tmp_path)
    (tmp_path / ".new.json.tmp").symlink_to(victim)
    (tmp_path / "list.txt").write_text(LIST, encoding="utf-8")
    args = ("import-list", str(tmp_path / "list.txt"), "--as-of", "2026-11-24")
    result = run(*args, "-o", str(tmp_path / "new.json"))
    assert result.exit_code == 0, result.output
    assert victim.read_bytes() == b"SECRET-LOCATION-OF-A-PHOTO"
    (tmp_path / "linked.json").symlink_to(victim)
    result = run(*args, "-o", str(tmp_path / "linked.json"), "--force")
    assert result.exit_code == 1
    assert "linked.json: is a symbolic link" in result.stderr
    assert victim.read_bytes() == b"SECRET-LOCATION-OF-A-PHOTO"


def test_out_refuses_root_home_and_folders_holding_or_inside_the_inputs(project: Path, monkeypatch):
    monkeypatch.setenv("HOME", str(project.parent / "home"))
    (project.parent / "home").mkdir()
    p = Project(project)
    for bad, why in [
        (Path("/"), "filesystem root"),
        (project.parent / "home", "home folder"),
        (project, "holds the project's"),
        (project.parent, "holds the project's"),
        (project / "templates", "holds the project's templates"),
        (project / "templates" / "out", "inside the project's templates/"),
        (project / "assets" / "photos", "inside the project's assets/"),
    ]:
        with pytest.raises(BuildError, match=why):
            check_out_root(bad, p)
    assert check_out_root(project / "out", p) == project / "out"
    assert check_out_root(project.parent / "elsewhere", p) == project.parent / "elsewhere"


@pytest.mark.parametrize("command", ["build", "preview", "send-test"])
def test_every_command_refuses_out_slash(project: Path, command: str):
    extra = ["--to", "me@example.org"] if command == "send-test" else []
    result = run(command, "--project", str(project), "--cycle", CYCLE, "--out", "/", *extra)
    assert result.exit_code == 1
    assert "refusing to build into the filesystem root" in result.stderr
    result = run(command, "--project", str(project), "--cycle", CYCLE, "--out", str(project), *extra)
    assert result.exit_code == 1
    assert "holds the project's" in result.stderr


def test_the_esp_hand_off_never_reads_a_linked_newsletter_file(tmp_path: Path):
    from campaign_kit.email.esp.export import load_handoffs

    folder = tmp_path / "out" / "mothers" / CYCLE
    (folder / "newsletter").mkdir(parents=True)
    secret = _secret(tmp_path)
    (folder / "newsletter" / "en.json").write_text('{"send": true}', encoding="utf-8")
    (folder / "newsletter" / "en.txt").write_text("text", encoding="utf-8")
    (folder / "newsletter" / "en.html").symlink_to(secret)
    with pytest.raises(BuildError, match=r"newsletter/en\.html: is a symbolic link"):
        load_handoffs(folder, ("en",))
