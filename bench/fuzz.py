"""Fuzz run: thousands of corrupted inputs and hostile arguments through the real CLI, in-process.

Run from the repository root:

    python bench/fuzz.py                  # 10,000 cases (about ten minutes on two cores)
    python bench/fuzz.py --cases 500      # a quick look
    python bench/fuzz.py --seed 7         # another repeatable run

Each case corrupts one input of a temporary copy of the project (roster.json, campaign.toml, a
template, a locale or card-layout file, an import list) or builds a hostile command line, runs
one command through click's CliRunner, and restores the input. It prints how many cases
exited 0, 1 and 2 and how many ended in a traceback (any exception other than the CLI's own
exit), which must be 0; the first tracebacks are printed with the case that caused them.
Builds run with ``--dry-run`` (or into a scratch folder) and templates with a 2-second limit.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from click.testing import CliRunner

from campaign_kit.campaign import templating
from campaign_kit.cli import cli

REPO = Path(__file__).resolve().parents[1]
CYCLE = "2026-W48"

NASTY = [
    "",
    " ",
    "\x00",
    "\r\n",
    "\r\nBcc: victim@example.org",
    "\n\n<b>body</b>",
    "\u200b",
    "\u202e",
    "\u2066",
    "\ufeff",
    "\u2028",
    "😀",
    "👩‍👧",
    "<script>alert(1)</script>",
    "{{ 7*7 }}",
    "{% raw %}",
    "../../etc/passwd",
    "/",
    "=HYPERLINK(1)",
    "A" * 5000,
    "Ж\u0301",
    "Hаnna",
    "Маці Belarus",
    "null",
    "Ẵ" * 100,
    "-",
    "'",
    '"',
    "\\",
    "%s%n",
    "mailto:a@b.org",
    "mailto:a@b.org\r\nBcc: x@y.org",
    "Ганна <ганна@пример.рф>",
    "a@b.org, c@d.org",
    "https://example.org/\u202e",
    "https://пример.рф",
]
HUGE_NUMBERS = ["1" * 4301, "-" + "9" * 5000, "1e999999", "NaN", "Infinity", "-0", "1.5", "9" * 30]
JSON_VALUES: list[object] = [
    None,
    True,
    False,
    0,
    -1,
    2**63,
    1.5,
    [],
    {},
    [1, 2],
    {"a": 1},
    *NASTY,
]
TEMPLATE_SNIPPETS = [
    "{{ range(10**8)|list }}",
    "{% for i in range(10**8) %}{% endfor %}",
    "{{ 'a' * 10**9 }}",
    "{{ 10 ** (10**8) }}",
    "{{ 'a'|center(10**9) }}",
    "{{ '%1000000000s' % 'a' }}",
    "{{ '{:>1000000000}'.format(1) }}",
    "{% set ns = namespace(s='ab') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
    "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
    "{{ nope }}",
    "{{ nope.attr }}",
    "{{ ''.__class__.__mro__ }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ 1 / 0 }}",
    "{{ [][5] }}",
    "{{ {}['x'] }}",
    "{{ none + 1 }}",
    "{{ 'x'|int(base=99) }}",
    "{% include 'missing.txt' %}",
    "{% extends 'missing.txt' %}",
    "{% import 'nope' as n %}",
    "{% for %}",
    "{% if %}",
    "{{",
    "}}",
    "{%",
    "{# unclosed",
    "{% endfor %}",
    "{% raw %}",
    "{{ self }}",
    "{{ lipsum(10**6) }}",
    "{{ 'x'|wordwrap(0) }}",
    "{{ 'x'|truncate(-1) }}",
    "{{ 'x'|indent(10**9) }}",
    "{{ (['a' * 10**6] * 10**3)|join }}",
    "\x00",
    "\udcff",
    "\ufeff",
]
TOML_SNIPPETS = [
    "x = " + "1" * 5000,
    "x = 1e999999",
    "x = nan",
    "[[[",
    "a = 1\na = 2",
    "= 1",
    'x = "\\u0000"',
    "x = [" * 500,
    "x = {" * 300,
    "script = 42",
    "[table]\n[table]",
]


@dataclass
class Case:
    """One fuzz case: which file to corrupt (and how), then which command to run."""

    kind: str
    describe: str
    args: list[str]
    files: dict[str, bytes] = field(default_factory=dict)


@dataclass
class Tally:
    """Exit codes and tracebacks over a run."""

    codes: collections.Counter[int] = field(default_factory=collections.Counter)
    by_kind: collections.Counter[str] = field(default_factory=collections.Counter)
    tracebacks: list[tuple[Case, str]] = field(default_factory=list)
    slowest: tuple[float, str] = (0.0, "")

    def add(self, case: Case, code: int, trace: str | None, seconds: float) -> None:
        self.codes[code] += 1
        self.by_kind[case.kind] += 1
        if trace is not None:
            self.tracebacks.append((case, trace))
        if seconds > self.slowest[0]:
            self.slowest = (seconds, case.describe)


# --- text mutations -------------------------------------------------------------------------


def _mutate_bytes(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    """A random byte-level corruption: flip, delete, duplicate, truncate, insert junk."""
    if not data:
        return bytes([rng.randrange(256)]), "a single random byte"
    i = rng.randrange(len(data))
    choice = rng.randrange(7)
    if choice == 0:
        out = data[:i] + bytes([data[i] ^ (1 << rng.randrange(8))]) + data[i + 1 :]
        return out, f"flip a bit at byte {i}"
    if choice == 1:
        n = rng.randint(1, 64)
        return data[:i] + data[i + n :], f"delete {n} bytes at {i}"
    if choice == 2:
        n = rng.randint(1, 200)
        return data[:i] + data[i : i + n] + data[i:], f"duplicate {n} bytes at {i}"
    if choice == 3:
        return data[:i], f"truncate at {i}"
    if choice == 4:
        junk = rng.choice(NASTY).encode("utf-8", "surrogatepass")
        return data[:i] + junk + data[i:], f"insert {junk[:30]!r} at {i}"
    if choice == 5:
        junk = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        return data[:i] + junk + data[i:], f"insert random bytes {junk!r} at {i}"
    return b"\xef\xbb\xbf" + data, "prepend a BOM"


def _mutate_roster(rng: random.Random, pristine: bytes) -> tuple[bytes, str]:
    if rng.random() < 0.35:
        return _mutate_bytes(rng, pristine)
    doc = json.loads(pristine)
    people = doc["people"]
    choice = rng.randrange(8)
    if choice == 0:
        rec = rng.choice(people)
        key = rng.choice(sorted(rec))
        value = rng.choice(JSON_VALUES)
        rec[key] = value
        return _dump(doc), f"record {rec.get('id')!r}: {key} = {value!r:.60}"
    if choice == 1:
        rec = rng.choice(people)
        key = rng.choice(sorted(rec))
        del rec[key]
        return _dump(doc), f"record {rec.get('id')!r}: delete {key}"
    if choice == 2:
        rec = rng.choice(people)
        key = rng.choice(["children", "surname_latin", "status", "sentence_years"])
        text = _dump(doc).decode("utf-8")
        target = f'"id": "{rec["id"]}"'
        dup = f'"{key}": {json.dumps(rng.choice(JSON_VALUES))}, {target}'
        return text.replace(target, dup, 1).encode("utf-8"), f"duplicate key {key} in {rec['id']}"
    if choice == 3:
        rec = rng.choice(people)
        key = rng.choice(["children", "sentence_years", "sentence_months"])
        number = rng.choice(HUGE_NUMBERS)
        text = _dump(doc).decode("utf-8")
        target = f'"id": "{rec["id"]}"'
        return text.replace(target, f'"{key}": {number}, {target}', 1).encode(), f"{key} = {number[:20]}..."
    if choice == 4:
        doc[rng.choice(["schema", "as_of", "people", "extra"])] = rng.choice(JSON_VALUES)
        return _dump(doc), "top-level field replaced"
    if choice == 5:
        people.append(rng.choice(people) if rng.random() < 0.5 else rng.choice(JSON_VALUES))
        return _dump(doc), "a duplicated or odd record appended"
    if choice == 6:
        text = _dump(doc).decode("utf-8")
        return ('{"a":' * 5000 + text).encode(), "nested 5,000 deep"
    rng.shuffle(people)
    rec = rng.choice(people)
    rec["surname_latin"] = rng.choice(NASTY)
    return _dump(doc), "shuffled, one nasty surname"


def _dump(doc: object) -> bytes:
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")


def _mutate_campaign(rng: random.Random, pristine: bytes) -> tuple[bytes, str]:
    if rng.random() < 0.3:
        return _mutate_bytes(rng, pristine)
    lines = pristine.decode("utf-8").split("\n")
    valued = [i for i, line in enumerate(lines) if "=" in line and not line.lstrip().startswith("#")]
    i = rng.choice(valued)
    key = lines[i].split("=", 1)[0].strip()
    choice = rng.randrange(5)
    if choice == 0:
        value = rng.choice(NASTY)
        lines[i] = f"{key} = {json.dumps(value)}"  # a JSON string is a valid TOML basic string
        what = f"{key} = {value!r:.60}"
    elif choice == 1:
        value = rng.choice(HUGE_NUMBERS + ["[]", "{}", "true", "1979-05-27", '["a", 1]'])
        lines[i] = f"{key} = {value}"
        what = f"{key} = {value[:30]}"
    elif choice == 2:
        del lines[i]
        what = f"delete {key}"
    elif choice == 3:
        lines.insert(i, rng.choice(TOML_SNIPPETS))
        what = f"insert a TOML snippet before {key}"
    else:
        old = lines[i].split("=", 1)[1].strip()
        if old.startswith('"') and old.endswith('"'):
            inner = json.loads(old) if old.count('"') == 2 else old.strip('"')
            pos = rng.randint(0, len(inner))
            value = inner[:pos] + rng.choice(NASTY) + inner[pos:]
            lines[i] = f"{key} = {json.dumps(value)}"
            what = f"{key}: a nasty piece inside {value!r:.60}"
        else:
            lines[i] = lines[i] + rng.choice(["x", "]", ",", '"'])
            what = f"{key}: junk after the value"
    return "\n".join(lines).encode("utf-8"), what


def _mutate_template(rng: random.Random, pristine: bytes, name: str) -> tuple[bytes, str]:
    if name.endswith(".toml"):
        if rng.random() < 0.5:
            return _mutate_bytes(rng, pristine)
        text = pristine.decode("utf-8")
        pos = text.find("\n", rng.randrange(len(text))) + 1
        return (text[:pos] + rng.choice(TOML_SNIPPETS) + "\n" + text[pos:]).encode(), "a TOML snippet"
    if rng.random() < 0.3:
        return _mutate_bytes(rng, pristine)
    text = pristine.decode("utf-8")
    pos = rng.randint(0, len(text))
    snippet = rng.choice(TEMPLATE_SNIPPETS)
    return (text[:pos] + snippet + text[pos:]).encode("utf-8", "surrogatepass"), f"insert {snippet!r:.60}"


# --- command lines --------------------------------------------------------------------------

KIND_OF_TEMPLATE = {"posts": "posts", "appeal": "appeal", "newsletter": "newsletter", "review": "posts"}


def _build_args(rng: random.Random, only: str, lang: str = "en") -> list[str]:
    return ["build", "--cycle", CYCLE, "--only", only, "--lang", lang, "--dry-run"]


def _random_value(rng: random.Random) -> str:
    pool = [*NASTY, *HUGE_NUMBERS, "en", "be,ru", "xx", "2026-W48", "2026-W53", "2026-W99", "0", "-1"]
    value = rng.choice(pool)
    return value.replace("\x00", "\x00") if value else value


def _cli_case(rng: random.Random, scratch: Path) -> list[str]:
    """A hostile command line for one command (never --serve, never a real SMTP host)."""
    command = rng.choice(
        ["validate", "stats", "build", "preview", "send-test", "import-list", "newsletter", "help", "bogus"]
    )
    v = lambda: _random_value(rng)  # noqa: E731 - a short local helper
    if command == "validate":
        return ["validate", *rng.choice([[], ["--json"], ["--roster", v()], ["--project", v()]])]
    if command == "stats":
        return [
            "stats",
            *rng.choice([["--appeal", v()], ["--json"], ["--roster", v()], ["--appeal", "mothers"]]),
        ]
    if command == "build":
        opts = rng.choice(
            [
                ["--cycle", v()],
                ["--lang", v()],
                ["--only", v()],
                ["--appeal", v()],
                ["--jobs", v()],
                ["--out", v()],
                ["--asset-base-url", v()],
                ["--out", "/"],
                ["--out", "."],
                ["--out", str(Path.home())],
                ["--out", "templates/out"],
            ]
        )
        return ["build", "--only", "posts", "--lang", "en", "--dry-run", *opts]
    if command == "preview":
        return [
            "preview",
            *rng.choice([["--cycle", v()], ["--appeal", v()], ["--out", v()], ["--port", v()]]),
        ]
    if command == "send-test":
        smtp = rng.choice(["127.0.0.1:1", v(), "[::1]:1", "127.0.0.1:99999", "127.0.0.1:0"])
        return ["send-test", "--to", v(), "--smtp", smtp, "--cycle", CYCLE, "--out", str(scratch / "built")]
    if command == "import-list":
        out = rng.choice(["-", str(scratch / "imported.json"), v()])
        return [
            "import-list",
            str(scratch / "list.txt"),
            "-o",
            out,
            "--as-of",
            rng.choice(["2026-11-24", v()]),
        ]
    if command == "newsletter":  # export only: push talks to a real platform
        esp = rng.choice(["listmonk", "mailchimp", "brevo", v()])
        opts = rng.choice([["--lang", v()], ["--cycle", v()], ["--appeal", v()], ["--out", v()], []])
        return [
            "newsletter",
            "export",
            "--esp",
            esp,
            "--cycle",
            CYCLE,
            "--out",
            str(scratch / "built"),
            *opts,
        ]
    if command == "help":
        return [rng.choice(["validate", "build", "stats", "preview", "send-test", "import-list"]), "--help"]
    return [v(), v()]


class Workspace:
    """A temporary copy of the project; each case changes a file and puts it back."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.project = root / "proj"
        self.project.mkdir()
        for name in ("roster.json", "campaign.toml"):
            shutil.copy(REPO / name, self.project / name)
        for name in ("templates", "assets"):
            shutil.copytree(REPO / name, self.project / name)
        self.scratch = root / "scratch"
        self.scratch.mkdir()
        seed = Path("/work/shared/seed/mothers-of-minor-children.txt")
        self.list_text = (
            seed.read_bytes()
            if seed.exists()
            else "1.   DANILIUK Tatsiana | ДАНИЛЮК Татьяна in pre-trial detention: 3 children\n".encode()
        )
        (self.scratch / "list.txt").write_bytes(self.list_text)
        self.templates = sorted(
            str(p.relative_to(self.project))
            for p in (self.project / "templates").rglob("*")
            if p.is_file() and p.suffix in (".j2", ".txt", ".html", ".mjml", ".toml")
        )
        self.pristine: dict[str, bytes] = {}
        self.clock = time.time_ns()

    def read(self, rel: str) -> bytes:
        if rel not in self.pristine:
            self.pristine[rel] = (self.project / rel).read_bytes()
        return self.pristine[rel]

    def put(self, rel: str, data: bytes) -> None:
        path = self.project / rel if not rel.startswith("@") else self.scratch / rel[1:]
        path.write_bytes(data)
        # A distinct mtime for every version: the locale and layout caches key on it.
        self.clock += 1_000_000
        os.utime(path, ns=(self.clock, self.clock))

    def restore(self, case: Case) -> None:
        for rel in case.files:
            if rel.startswith("@"):
                (self.scratch / rel[1:]).write_bytes(self.list_text)
                continue
            self.put(rel, self.pristine[rel])

    def make_case(self, rng: random.Random) -> Case:
        """Draw one case: an input to corrupt and a command to run on it."""
        pick = rng.random()
        if pick < 0.30:
            data, what = _mutate_roster(rng, self.read("roster.json"))
            args = rng.choice(
                [["validate"], ["validate", "--json"], ["stats", "--json"], _build_args(rng, "posts")]
                if rng.random() < 0.85
                else [_build_args(rng, "appeal"), _build_args(rng, "cards")]
            )
            return Case("roster.json", what, args, {"roster.json": data})
        if pick < 0.55:
            data, what = _mutate_campaign(rng, self.read("campaign.toml"))
            args = rng.choice([["validate"], ["validate", "--json"], ["stats"], _build_args(rng, "posts")])
            if rng.random() < 0.15:
                args = _build_args(rng, "newsletter")
            return Case("campaign.toml", what, args, {"campaign.toml": data})
        if pick < 0.75:
            name = rng.choice(self.templates)
            data, what = _mutate_template(rng, self.read(name), name)
            part = name.split("/")[1]
            if part == "locale":
                lang = name.rsplit("/", 1)[1].split(".")[0]
                args = rng.choice([["validate"], _build_args(rng, "posts", lang)])
            elif part == "cards":
                args = rng.choice([["validate"], _build_args(rng, "posts"), _build_args(rng, "cards")])
            else:
                lang = next((lg for lg in ("en", "be", "ru") if f"/{lg}" in name), "en")
                args = _build_args(rng, KIND_OF_TEMPLATE.get(part, "posts"), lang)
            return Case("templates", f"{name}: {what}", args, {name: data})
        if pick < 0.82:
            data, what = _mutate_bytes(rng, self.list_text)
            out = rng.choice(["-", str(self.scratch / "imported.json")])
            args = [
                "import-list",
                str(self.scratch / "list.txt"),
                "-o",
                out,
                "--force",
                "--as-of",
                "2026-11-24",
            ]
            if rng.random() < 0.5:
                args.append("--transliterate")
            return Case("import list", what, args, {"@list.txt": data})
        args = _cli_case(rng, self.scratch)
        return Case("arguments", " ".join(repr(a)[:40] for a in args), args)

    def run(self, case: Case, runner: CliRunner) -> tuple[int, str | None, float]:
        """Run ``case``; return its exit code, its traceback if it crashed, and the seconds."""
        for rel, data in case.files.items():
            if not rel.startswith("@"):
                self.read(rel)
            self.put(rel, data)
        started = time.perf_counter()
        cwd = os.getcwd()
        os.chdir(self.project)
        try:
            result = runner.invoke(cli, [*case.args, *self._project_flag(case.args)])
        finally:
            os.chdir(cwd)
            self.restore(case)
        seconds = time.perf_counter() - started
        trace = None
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            trace = (
                "".join(traceback.format_exception(*result.exc_info))
                if result.exc_info
                else repr(result.exception)
            )
        return result.exit_code, trace, seconds

    def _project_flag(self, args: list[str]) -> list[str]:
        takes = {"validate", "stats", "build", "preview", "send-test", "newsletter"}
        if args and args[0] in takes and "--project" not in args and "--help" not in args:
            return ["--project", str(self.project)]
        return []


def fuzz(cases: int, seed: int, progress: Callable[[int], None] | None = None) -> Tally:
    """Run ``cases`` fuzz cases from ``seed`` in a temporary project; return the tally."""
    rng = random.Random(seed)
    tally = Tally()
    runner = CliRunner()
    old_limit = templating.TIME_LIMIT
    templating.TIME_LIMIT = 2.0
    env = {
        k: os.environ.pop(k)
        for k in ("CAMPAIGN_KIT_SMTP_USER", "CAMPAIGN_KIT_SMTP_PASSWORD")
        if k in os.environ
    }
    try:
        with tempfile.TemporaryDirectory(prefix="campaign-kit-fuzz-") as tmp:
            ws = Workspace(Path(tmp))
            # One real build so preview and send-test find a cycle folder to work on.
            runner.invoke(
                cli,
                [
                    "build",
                    "--project",
                    str(ws.project),
                    "--cycle",
                    CYCLE,
                    "--only",
                    "newsletter",
                    "--out",
                    str(ws.scratch / "built"),
                    "--jobs",
                    "1",
                ],
            )
            for i in range(cases):
                case = ws.make_case(rng)
                code, trace, seconds = ws.run(case, runner)
                tally.add(case, code, trace, seconds)
                if progress is not None:
                    progress(i + 1)
    finally:
        templating.TIME_LIMIT = old_limit
        os.environ.update(env)
    return tally


def main() -> None:
    """Parse arguments, run the fuzz cases, print the figures; exit 1 on any traceback."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=10_000, help="how many cases (default 10,000)")
    parser.add_argument("--seed", type=int, default=18, help="random seed (default 18)")
    args = parser.parse_args()
    started = time.perf_counter()

    def progress(done: int) -> None:
        if done % 500 == 0:
            print(f"  {done:>6,} cases, {time.perf_counter() - started:6.0f} s", file=sys.stderr, flush=True)

    tally = fuzz(args.cases, args.seed, progress)
    seconds = time.perf_counter() - started
    print(f"fuzz: {args.cases:,} cases (seed {args.seed}) in {seconds:.0f} s")
    for kind, n in sorted(tally.by_kind.items()):
        print(f"  {kind:<14} {n:>6,} cases")
    for code in sorted(tally.codes):
        print(f"  exit {code}: {tally.codes[code]:>6,}")
    print(f"  tracebacks: {len(tally.tracebacks):,}")
    print(f"  slowest case: {tally.slowest[0]:.2f} s ({tally.slowest[1][:100]})")
    for case, trace in tally.tracebacks[:5]:
        print(f"\n--- {case.kind}: {case.describe}\n    args: {case.args}\n{trace}")
    sys.exit(1 if tally.tracebacks else 0)


if __name__ == "__main__":
    main()
