"""The one test that reads the shipped roster.json: it must stay valid and buildable.

Every other test uses data it owns (``conftest.SAMPLE_ROSTER``, ``fixtures.tiny_people``), so
the team's routine edits of roster.json (a release, a new name) change no test's outcome; this
one says only what must hold for any roster the team ships. It states no count.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import REPO
from fixtures import run_cli


def test_shipped_roster_validates_and_builds(tmp_path: Path) -> None:
    code, _, err = run_cli("validate", "--project", str(REPO))
    assert code == 0, err
    root = tmp_path / "proj"
    root.mkdir()
    for name in ("roster.json", "campaign.toml"):
        shutil.copy(REPO / name, root / name)
    for name in ("templates", "assets"):
        shutil.copytree(REPO / name, root / name)
    code, _, err = run_cli(
        "build", "--project", str(root), "--out", str(tmp_path / "out"), "--only", "posts,appeal", "--dry-run"
    )
    assert code == 0, err
    assert not (tmp_path / "out").exists()  # a dry run writes nothing
