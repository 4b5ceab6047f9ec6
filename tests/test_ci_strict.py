"""Under CI a missing tool fails the tests that need it, and ``.ci/run`` stops when it cannot install one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import REPO

NEEDS_TOOLS = """
from standins import start_pds
from conftest import require_tool

def test_needs_the_pds():
    start_pds()

def test_needs_spamassassin():
    require_tool("spamassassin is not installed")
"""


def run_pytest(tmp_path: Path, ci: str | None) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_needs_tools.py").write_text(NEEDS_TOOLS, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    # An empty PDS home: scripts/pds.sh check says "not installed".
    env["CAMPAIGN_KIT_PDS_HOME"] = str(tmp_path / "no-pds")
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "tests"), env.get("PYTHONPATH", "")])
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
            str(tmp_path),
            "-rfs",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_missing_tool_skips_locally_and_fails_under_ci(tmp_path: Path) -> None:
    local = run_pytest(tmp_path, None)
    assert local.returncode == 0 and "2 skipped" in local.stdout, local.stdout
    ci = run_pytest(tmp_path, "true")
    assert ci.returncode == 1 and "2 failed" in ci.stdout, ci.stdout
    assert "CI=true: local Bluesky PDS not installed" in ci.stdout


def test_ci_run_stops_when_it_cannot_install_a_tool(tmp_path: Path) -> None:
    # A machine with bash and coreutils but no Chromium, SpamAssassin or npm, whose apt-get fails.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "dirname", "id", "mktemp", "tail", "rm", "cat"):
        found = shutil.which(tool)
        assert found, tool
        (bin_dir / tool).symlink_to(found)
    apt = bin_dir / "apt-get"
    apt.write_text("#!/bin/sh\necho 'E: Unable to locate package chromium' >&2\nexit 100\n", encoding="utf-8")
    apt.chmod(0o755)
    repo = tmp_path / "repo"
    (repo / ".ci").mkdir(parents=True)
    shutil.copy(REPO / ".ci" / "run", repo / ".ci" / "run")
    result = subprocess.run(
        [str(bin_dir / "bash"), str(repo / ".ci" / "run")],
        env={"PATH": str(bin_dir), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "chromium spamassassin npm" in result.stderr
    assert "Unable to locate package" in result.stderr or "run as root" in result.stderr
    assert not (repo / ".venv").exists()  # it stopped before the install and the tests
