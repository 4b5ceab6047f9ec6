"""Fault loop: corrupt inputs by the thousand and kill builds by the hundred; count survivors.

Run from the repository root:

    python bench/faults.py                 # 3,000 corruptions, 200 kills (several minutes)
    python bench/faults.py --quick         # 300 corruptions, 20 kills

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

REPO = Path(__file__).resolve().parents[1]

NASTY = [
    "",
    " ",
    "\x00",
    "\u200b",
    "\u202e",
    "\ufeff",
    "😀",
    "👩‍👧",
    "<script>",
    "{{ 7*7 }}",
    "{% raw %}",
    "../../etc/passwd",
    "=HYPERLINK(1)",
    "A" * 5000,
    "Ж\u0301",
    "\n",
    "Hаnna",
    "null",
    "Ẵ" * 100,
    "-",
    "'",
    "a/b",
]
FIELDS = [
    "id",
    "surname_latin",
    "given_latin",
    "surname_cyrillic",
    "given_cyrillic",
    "status",
    "sentence_months",
    "facility",
    "children",
    "groups",
    "photo",
    "photo_focus",
    "detained_on",
    "released_on",
    "sources",
    "bogus",
]


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
    (project / "assets" / "photos").mkdir(parents=True)
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
from campaign_kit.build import BuildOptions, build
from campaign_kit.cycles import parse_cycle
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


def main() -> None:
    """Run both loops and print the counts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--inputs", type=int, default=3000)
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--seed", type=int, default=48)
    args = parser.parse_args()
    inputs, kills = (300, 20) if args.quick else (args.inputs, args.kills)
    root = Path(tempfile.mkdtemp(prefix="ck-faults-"))
    try:
        t = time.perf_counter()
        counts = input_faults(inputs, args.seed, root)
        print(f"corrupted inputs ({time.perf_counter() - t:.0f} s, seed {args.seed}):")
        for key, value in counts.items():
            print(f"  {key:<32} {value}")
        t = time.perf_counter()
        counts = kill_loop(kills, args.seed, root)
        print(f"killed builds ({time.perf_counter() - t:.0f} s):")
        for key, value in counts.items():
            print(f"  {key:<32} {value}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
