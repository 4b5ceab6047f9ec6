"""Rosters the tests own: records built from dicts and written into tmp_path.

``tiny_people()`` is a small made-up roster with every status and a woman in (and a released
woman out of) every appeal of the shipped campaign.toml, so a test can compute what each output
must say from the records it wrote, and the shipped roster.json can change without a test
noticing. The names are invented (Latin forms are the Belarusian passport transliteration).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import time
from pathlib import Path
from typing import Any

from conftest import copy_project, named, released

AS_OF = "2026-11-24"
CYCLE = "2026-W48"


def tiny_people() -> list[dict[str, Any]]:
    """Nine women: every status, every appeal, one released woman who once was in three appeals."""
    gone = {"sentence_months": None, "facility": None}  # no term, no place held (or none known)
    old = {"children": None, "groups": []}  # in the age and illness appeals by her record alone
    return [
        # mothers + long-sentences
        named("dub-hanna", "DUB Hanna", "ДУБ Ганна", "ДУБ Анна", sentence_months=132, children=2),
        named("lapa-alena", "LAPA Alena", "ЛАПА Алена", "ЛАПА Елена",
              status="pre_trial", sentence_months=None, facility="pre_trial_centre", children=1),
        # mothers + serious-illness
        named("taran-maryna", "TARAN Maryna", "ТАРАН Марына", "ТАРАН Марина",
              status="compulsory_treatment", sentence_months=None, facility="psychiatric_hospital",
              children=3, health="Diabetes, without the insulin she needs"),
        # mothers (a term served at home)
        named("haran-iryna", "HARAN Iryna", "ГАРАН Ірына", "ГАРАН Ирина",
              status="restricted_freedom", sentence_months=36, facility=None, children=1),
        # retirement-age (house arrest)
        named("maroz-volha", "MAROZ Volha", "МАРОЗ Вольга", "МОРОЗ Ольга",
              status="house_arrest", **gone, **old, born_on="1960-03-02"),
        # retirement-age + serious-illness (status unknown)
        named("baran-ala", "BARAN Ala", "БАРАН Ала", "БАРАН Алла",
              status="unknown", **gone, **old, born_on="1950", health="Heart disease"),
        # retirement-age + serious-illness (sentenced, term not known)
        named("panas-tamara", "PANAS Tamara", "ПАНАС Тамара", "ПАНАС Тамара",
              sentence_months=None, **old, born_on="1955-07", health="Cancer"),
        # long-sentences only
        named("kamar-nina", "KAMAR Nina", "КАМАР Ніна", "КОМАР Нина",
              sentence_months=180, facility="prison", **old),
        # released: once in mothers and long-sentences; counted as released there, nowhere else
        named("sava-liudmila", "SAVA Liudmila", "САВА Людміла", "САВА Людмила",
              children=2, detained_on="2021-05", **released("2025-09", "2021-05", 150)),
    ]  # fmt: skip


def write_tiny_roster(root: Path, people: list[dict[str, Any]] | None = None) -> Path:
    """Write ``people`` (default: ``tiny_people()``) as ``root/roster.json``, schema 2."""
    path = root / "roster.json"
    doc = {"schema": 2, "as_of": AS_OF, "people": tiny_people() if people is None else people}
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def tiny_project(root: Path) -> Path:
    """A project at ``root``: the shipped campaign, templates and assets, with the tiny roster."""
    copy_project(root, roster=None)
    write_tiny_roster(root)
    return root


def run_cli(*args: str) -> tuple[int, str, str]:
    """Run ``campaign-kit ARGS`` in process: (exit code, stdout, stderr).

    An exception the CLI does not turn into a message is raised here, traceback and all.
    """
    from click.testing import CliRunner

    from campaign_kit.cli import cli

    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def children_of(pid: int) -> set[int]:
    """The process ids of ``pid``'s children (Linux: /proc)."""
    kids = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids |= {int(x) for x in (task / "children").read_text().split()}
        except OSError:
            pass
    return kids


def wait_for_children(proc: subprocess.Popen[bytes], at_least: int = 1, limit: float = 60) -> set[int]:
    """Wait until ``proc`` has ``at_least`` children (a build's card workers); return them.

    Empty if ``proc`` exits first or ``limit`` seconds pass: a guard against a hang, not a
    timing assertion.
    """
    seen: set[int] = set()
    deadline = time.monotonic() + limit
    while len(seen) < at_least and time.monotonic() < deadline and proc.poll() is None:
        seen |= children_of(proc.pid)
        time.sleep(0.02)
    return seen if len(seen) >= at_least else set()


def build_texts(root: Path, appeal: str, out: Path, *extra: str, cycle: str = CYCLE) -> Path:
    """Build ``appeal``'s texts (posts, appeal, newsletter: no cards) for ``cycle``; its folder."""
    code, _, err = run_cli(
        "build", "--project", str(root), "--appeal", appeal, "--cycle", cycle, "--out", str(out),
        "--only", "posts,appeal,newsletter", *extra,
    )  # fmt: skip
    assert code == 0, (appeal, err)
    return out / appeal / cycle


def file_hashes(folder: Path) -> dict[str, str]:
    """Every file under ``folder``: its path relative to it (POSIX) -> the SHA-256 of its bytes."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
