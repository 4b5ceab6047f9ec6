"""Fault loop: corrupt inputs by the thousand and kill builds by the hundred; count survivors.

Run from the repository root:

    python bench/faults.py                 # 3,000 corruptions, 200 kills, 500 record kills, disk full
    python bench/faults.py --quick         # 300 corruptions, 20 kills, 30 record kills, disk full
    python bench/faults.py --only record   # just the record loops (kills and full disks)

It prints what it tried and what survived:
  - corrupted roster.json / campaign.toml / import lists through the real CLI (in-process):
    every one must end in exit 1 with a message naming the file (and the field for roster
    records), never a traceback, never exit 0 for a broken file;
  - builds killed with SIGKILL at random moments: after every kill each file in the cycle
    folder must be whole (byte-identical to a clean build's), and the next build must finish
    and leave the folder identical to a clean build.
Everything runs in a temporary copy of the project; a fixed seed makes a run repeatable.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from click.testing import CliRunner

from campaign_kit.cli import cli
from campaign_kit.roster import KNOWN_FIELDS
from fuzz import NASTY  # the hostile strings bench/fuzz.py throws at every input

REPO = Path(__file__).resolve().parents[1]

# The roster's own field names (so a field added to the roster is corrupted here too) and one
# it does not know.
FIELDS = [*sorted(KNOWN_FIELDS), "bogus"]


def random_value(rng: random.Random, depth: int = 0) -> object:
    """A JSON value of a random kind, nasty strings and huge numbers included."""
    kind = rng.randrange(9 if depth < 3 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.choice([-1, 0, 1, 2**70, -(2**63), 7])
    if kind == 3:
        return rng.choice([0.5, -1.5, 1e308, 3.0])
    if kind in (4, 5):
        return rng.choice(NASTY)
    if kind == 6:
        return [random_value(rng, depth + 1) for _ in range(rng.randrange(3))]
    if kind == 7:
        return {rng.choice(FIELDS): random_value(rng, depth + 1)}
    return "x" * rng.choice([1, 10, 10_000_000 if rng.random() < 0.02 else 100])


def corrupt_roster(rng: random.Random, doc: dict) -> str:
    """One random corruption of a valid roster document, as file text."""
    doc = copy.deepcopy(doc)
    how = rng.randrange(10)
    people = doc["people"]
    if how == 0:  # truncate the text
        text = json.dumps(doc, ensure_ascii=False)
        return text[: rng.randrange(len(text))]
    if how == 1:  # deep nesting
        return "[" * rng.choice([1000, 100_000]) + "]" * rng.choice([1000, 100_000])
    if how == 2:  # a top-level field
        doc[rng.choice(["schema", "as_of", "people", "extra"])] = random_value(rng)
    elif how == 3:  # drop a field
        people[rng.randrange(len(people))].pop(rng.choice(FIELDS), None)
        people[rng.randrange(len(people))].pop("status", None)
    elif how == 4:  # duplicate ids
        people.append(copy.deepcopy(people[0]))
    elif how == 5:  # 50,000 broken people
        doc["people"] = [dict(people[0], id=f"p-{i}", children=-1) for i in range(50_000)]
    else:  # a random value into a random field of a random record
        for _ in range(rng.randrange(1, 4)):
            people[rng.randrange(len(people))][rng.choice(FIELDS)] = random_value(rng)
    return json.dumps(doc, ensure_ascii=rng.random() < 0.5)


def corrupt_toml(rng: random.Random, text: str) -> str:
    """One random corruption of campaign.toml."""
    lines = text.splitlines()
    how = rng.randrange(4)
    i = rng.randrange(len(lines))
    if how == 0:
        del lines[i]
    elif how == 1:
        lines[i] = lines[i][: rng.randrange(len(lines[i]) + 1)]
    elif how == 2 and "=" in lines[i]:
        key = lines[i].split("=", 1)[0]
        lines[i] = f"{key}= {json.dumps(random_value(rng)) if rng.random() < 0.7 else '[[['}"
    else:
        lines.insert(
            i,
            rng.choice(
                ["[appeals.x]", "schema = 2", 'languages = ["de"]', "hashtags = ['Free-Them']", "\x00"]
            ),
        )
    return "\n".join(lines)


def input_faults(n: int, seed: int, root: Path) -> dict[str, int]:
    """Run ``n`` corrupted inputs through the CLI; count outcomes."""
    rng = random.Random(seed)
    runner = CliRunner()
    doc = json.loads((REPO / "roster.json").read_text(encoding="utf-8"))
    toml_text = (REPO / "campaign.toml").read_text(encoding="utf-8")
    seed_text = REPO.parent / "shared" / "seed" / "mothers-of-minor-children.txt"
    list_text = seed_text.read_text(encoding="utf-8") if seed_text.exists() else "1. A B | А Б"
    counts = {
        "tried": 0,
        "exit 1 with a named message": 0,
        "still valid after the change": 0,
        "tracebacks": 0,
        "other exits": 0,
    }
    project = root / "p"
    shutil.copytree(REPO / "templates", project / "templates")
    # The assets too (fonts, logo): `validate` checks the card layouts, so a roster left valid
    # must pass.
    shutil.copytree(REPO / "assets", project / "assets")
    (project / "assets" / "photos").mkdir(parents=True, exist_ok=True)
    for i in range(n):
        kind = rng.choice(["roster", "roster", "roster", "toml", "list"])
        (project / "roster.json").write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
        (project / "campaign.toml").write_text(toml_text, "utf-8")
        if kind == "roster":
            (project / "roster.json").write_text(corrupt_roster(rng, doc), "utf-8", errors="surrogatepass")
            args, named = ["validate", "--project", str(project)], "roster.json"
        elif kind == "toml":
            (project / "campaign.toml").write_text(
                corrupt_toml(rng, toml_text), "utf-8", errors="surrogatepass"
            )
            args, named = ["stats", "--project", str(project)], "campaign.toml"
        else:
            lines = list_text.splitlines()
            for _ in range(rng.randrange(1, 5)):
                j = rng.randrange(len(lines))
                cut = rng.randrange(len(lines[j]) + 1)
                lines[j] = lines[j][:cut] + str(random_value(rng))[:50] + lines[j][cut:]
            src = project / "list.txt"
            (project / "imported.json").unlink(missing_ok=True)
            src.write_text("\n".join(lines), "utf-8", errors="surrogatepass")
            args = ["import-list", str(src), "-o", str(project / "imported.json"), "--transliterate"]
            named = "list.txt"
        result = runner.invoke(cli, args)
        counts["tried"] += 1
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            counts["tracebacks"] += 1
            print(f"  TRACEBACK on {kind} #{i}: {result.exception!r}", file=sys.stderr)
        elif result.exit_code == 1 and named in result.stderr:
            counts["exit 1 with a named message"] += 1
        elif result.exit_code == 0:
            counts["still valid after the change"] += 1
        else:
            counts["other exits"] += 1
            print(f"  exit {result.exit_code} on {kind} #{i}: {result.stderr[:200]}", file=sys.stderr)
    return counts


KILLED = r"""
import sys
from pathlib import Path
from campaign_kit.build.loop import BuildOptions, build
from campaign_kit.campaign.cycles import parse_cycle
from campaign_kit.project import Project
build(Project(Path(sys.argv[1])), BuildOptions(cycle=parse_cycle("2026-W48"),
      out=Path(sys.argv[2]), everyone=True, languages=("en", "be", "ru")))
"""


def tree(folder: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file under ``folder``."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def kill_loop(n: int, seed: int, root: Path) -> dict[str, int]:
    """Kill ``n`` builds at random moments; check the folder after each; heal at the end."""
    rng = random.Random(seed)
    project = root / "k"
    shutil.copytree(REPO / "templates", project / "templates")
    shutil.copytree(REPO / "assets", project / "assets")
    shutil.copy(REPO / "campaign.toml", project)
    doc = json.loads((REPO / "roster.json").read_text(encoding="utf-8"))
    doc["people"] = doc["people"][:6]  # small enough for many kills, big enough for workers
    (project / "roster.json").write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    clean = root / "clean"
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", KILLED, str(project), str(clean)], check=True)
    full = time.perf_counter() - started
    expected = tree(clean / "mothers" / "2026-W48")
    out = root / "killed"
    counts = {
        "kills": 0,
        "files checked": 0,
        "partial or wrong files": 0,
        "builds finished before the kill": 0,
        "healing builds that failed": 0,
    }
    for i in range(n):
        if i % 10 == 0 and out.exists():  # now and then start from nothing again
            shutil.rmtree(out)
        proc = subprocess.Popen(
            [sys.executable, "-c", KILLED, str(project), str(out)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.05, full * 1.1))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            counts["kills"] += 1
        else:
            counts["builds finished before the kill"] += 1
        proc.wait()
        target = out / "mothers" / "2026-W48"
        for rel, digest in (tree(target) if target.exists() else {}).items():
            counts["files checked"] += 1
            if expected.get(rel) != digest:
                counts["partial or wrong files"] += 1
                print(f"  after kill {i}: {rel} is not whole", file=sys.stderr)
    heal = subprocess.run([sys.executable, "-c", KILLED, str(project), str(out)])
    if heal.returncode != 0 or tree(out / "mothers" / "2026-W48") != expected:
        counts["healing builds that failed"] += 1
    return counts


RECORD_BUILD = r"""
import sys
from pathlib import Path
from campaign_kit.build.loop import BuildOptions, build
from campaign_kit.campaign.cycles import parse_cycle
from campaign_kit.project import Project
build(Project(Path(sys.argv[1])), BuildOptions(cycle=parse_cycle("2026-W48"),
      out=Path(sys.argv[2]), everyone=True, languages=("en", "ru"), jobs=2))
"""


def _record_project(root: Path) -> tuple[Path, dict[str, dict[str, bytes]]]:
    """A small project and its input states: name -> {relative file: bytes}."""
    project = root / "r"
    shutil.copytree(REPO / "templates", project / "templates")
    shutil.copytree(REPO / "assets", project / "assets")
    shutil.copy(REPO / "campaign.toml", project)
    doc = json.loads((REPO / "roster.json").read_text(encoding="utf-8"))
    doc["people"] = doc["people"][:3]
    appeal_txt = (REPO / "templates/appeal/appeal.txt").read_bytes()
    states: dict[str, dict[str, bytes]] = {}
    for name, children, extra in (("two", 2, b""), ("three", 3, b""), ("edited", 2, b"\n")):
        doc["people"][0]["children"] = children
        states[name] = {
            "roster.json": json.dumps(doc, ensure_ascii=False).encode("utf-8"),
            "templates/appeal/appeal.txt": appeal_txt + extra,
        }
    return project, states


def _use(project: Path, state: dict[str, bytes]) -> None:
    for rel, data in state.items():
        (project / rel).write_bytes(data)


def _build_in_process(project: Path, out: Path) -> None:
    from campaign_kit.build.loop import BuildOptions, build
    from campaign_kit.campaign.cycles import parse_cycle
    from campaign_kit.project import Project

    build(
        Project(project),
        BuildOptions(cycle=parse_cycle("2026-W48"), out=out, everyone=True, languages=("en", "ru"), jobs=2),
    )


def record_loops(kills: int, seed: int, root: Path) -> dict[str, int]:
    """Change inputs, interrupt a build (kill, Ctrl-C, full disk), heal with one plain build."""
    from campaign_kit import output
    from campaign_kit.errors import BuildError

    rng = random.Random(seed)
    project, states = _record_project(root)
    expected: dict[str, dict[str, str]] = {}
    for name, state in states.items():
        _use(project, state)
        fresh = root / f"fresh-{name}"
        _build_in_process(project, fresh)
        expected[name] = tree(fresh / "mothers" / "2026-W48")
    # A build as the loop runs it: a fresh interpreter (imports included), from the last state.
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", RECORD_BUILD, str(project), str(root / "timing")], check=True)
    span = time.perf_counter() - started
    out = root / "record"
    target = out / "mothers" / "2026-W48"
    counts = {
        "killed (SIGKILL)": 0,
        "interrupted (Ctrl-C)": 0,
        "  before any file changed": 0,
        "  with some files changed": 0,
        "  after every file changed": 0,
        "builds finished before the signal": 0,
        "disk full at write #n": 0,
        "healing builds": 0,
        "healing builds that failed": 0,
        "folders differing from fresh": 0,
    }

    def heal() -> None:
        name = rng.choice(list(states))
        _use(project, states[name])
        counts["healing builds"] += 1
        try:
            _build_in_process(project, out)
        except Exception as exc:  # noqa: BLE001 - counted and shown, the loop goes on
            counts["healing builds that failed"] += 1
            print(f"  healing build failed: {exc!r}", file=sys.stderr)
            return
        if tree(target) != expected[name]:
            counts["folders differing from fresh"] += 1
            diff = sorted(set(tree(target).items()) ^ set(expected[name].items()))
            print(f"  after healing to {name}: {len(diff)} differences, e.g. {diff[:2]}", file=sys.stderr)

    tries = 0
    while counts["killed (SIGKILL)"] + counts["interrupted (Ctrl-C)"] < kills and tries < 3 * kills:
        tries += 1
        name = rng.choice(list(states))
        _use(project, states[name])
        before = tree(target) if target.exists() else {}
        proc = subprocess.Popen(
            [sys.executable, "-c", RECORD_BUILD, str(project), str(out)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.0, span * 0.95))  # any moment of the run, start-up to manifest
        if proc.poll() is None:
            sig = signal.SIGINT if rng.random() < 0.2 else signal.SIGKILL
            proc.send_signal(sig)
            counts["interrupted (Ctrl-C)" if sig == signal.SIGINT else "killed (SIGKILL)"] += 1
            proc.wait()
            now = tree(target) if target.exists() else {}
            want = expected[name]
            changed = {k for k in want if now.get(k) == want[k] and before.get(k) != want[k]}
            todo = {k for k in want if before.get(k) != want[k]}
            if not changed:
                counts["  before any file changed"] += 1
            elif changed == todo:
                counts["  after every file changed"] += 1
            else:
                counts["  with some files changed"] += 1
        else:
            counts["builds finished before the signal"] += 1
        heal()

    # A full disk at each write in turn, from each state to each other state.
    real_write = output.Writer.write
    for old, new in ((a, b) for a in states for b in states if a != b):
        n = 0
        while True:
            _use(project, states[old])
            _build_in_process(project, out)
            _use(project, states[new])
            calls = {"n": 0}

            def full_at(self, rel, data, _n=n, _calls=calls):
                if not self.dry_run:
                    _calls["n"] += 1
                    if _calls["n"] == _n + 1:
                        raise BuildError(f"{self.target / rel}: disk full; nothing half-written was left")
                return real_write(self, rel, data)

            output.Writer.write = full_at
            try:
                _build_in_process(project, out)
                finished = True
            except BuildError:
                finished = False
            finally:
                output.Writer.write = real_write
            if finished:
                break
            counts["disk full at write #n"] += 1
            heal()
            n += 1
    return counts


def main() -> None:
    """Run both loops and print the counts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--inputs", type=int, default=3000)
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--record-kills", type=int, default=500)
    parser.add_argument("--seed", type=int, default=48)
    parser.add_argument("--only", choices=("inputs", "kills", "record"), default=None)
    args = parser.parse_args()
    inputs, kills, record = (300, 20, 30) if args.quick else (args.inputs, args.kills, args.record_kills)
    root = Path(tempfile.mkdtemp(prefix="ck-faults-"))
    loops = [
        ("inputs", f"corrupted inputs (seed {args.seed})", lambda: input_faults(inputs, args.seed, root)),
        ("kills", "killed builds", lambda: kill_loop(kills, args.seed, root)),
        ("record", "the record after interrupted builds", lambda: record_loops(record, args.seed, root)),
    ]
    try:
        for name, title, loop in loops:
            if args.only not in (None, name):
                continue
            t = time.perf_counter()
            counts = loop()
            print(f"{title} ({time.perf_counter() - t:.0f} s):", flush=True)
            for key, value in counts.items():
                print(f"  {key:<36} {value}", flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
