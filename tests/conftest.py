"""Shared fixtures: tiny projects built in tmp_path, the repo's own project, golden files."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

import pytest

# The publish tests' fixtures (the platform stand-ins, the PDS) for every module, from one place.
pytest_plugins = ("publish_kit",)

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
# The tests' own copy of a realistic roster (27 women, frozen on 2026-11-24): the shipped
# roster.json changes with the news (a release, a new name) and only tests/test_shipped.py
# reads it. Goldens are made from this copy.
SAMPLE_ROSTER = REPO / "tests" / "data" / "roster.json"
TEMPLATES = REPO / "templates"
FONTS = REPO / "assets" / "fonts"
PHOTOS = REPO / "assets" / "photos"
# The folders every card call takes: ``plan(content, fmt, **CARD_DIRS)``.
CARD_DIRS = {"templates_dir": TEMPLATES, "fonts_dir": FONTS}
# The staleness rule (checked_on, [roster] max_unchecked_days) compares records with today. The
# sample roster is frozen, so the suite pins "today" a little after its as_of (set in the
# environment, so the CLI run in a subprocess sees it too): a test that approves it must not start
# failing 30 days after 2026-11-24.
SAMPLE_TODAY = "2026-12-07"
os.environ["CAMPAIGN_KIT_TODAY"] = SAMPLE_TODAY


# Debian's Chromium, driven by the playwright package (never its own browser download).
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def in_ci() -> bool:
    """Whether the tests run under CI (``CI=true``, as CI services and ``.ci/run`` set it)."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def require_tool(reason: str) -> NoReturn:
    """Skip a test whose tool (the local PDS, Chromium, SpamAssassin) is missing; under CI, fail.

    A green CI must mean these tests ran: ``.ci/run`` installs the tools, so a missing one there
    is a broken CI, not a reason to pass quietly.
    """
    if in_ci():
        pytest.fail(f"CI=true: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Chromium, launched once per test process for every page test."""
    if not CHROMIUM.exists():
        require_tool(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright import sync_api
    except ImportError:
        require_tool("the playwright Python package is not installed (pip install -e '.[test]')")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden", action="store_true", help="Rewrite tests/golden/ files from the current output."
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    import os

    return bool(request.config.getoption("--update-golden") or os.environ.get("UPDATE_GOLDEN"))


@pytest.fixture
def golden(update_golden: bool):
    """Compare text with tests/golden/<name> byte for byte (rewrite with --update-golden)."""

    def check(name: str, text: str) -> None:
        path = REPO / "tests" / "golden" / name
        if update_golden or not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="")
            if not update_golden:
                pytest.fail(f"golden file {name} was missing and has been written; rerun")
        assert text == path.read_text(encoding="utf-8"), f"differs from tests/golden/{name}"

    return check


_TO_BE = str.maketrans("ИиЩщЪъ", "ІіШшЬь")
_TO_RU = str.maketrans("ІіЎў", "ИиУу")


def cyrillic_forms(text: str) -> tuple[str, str]:
    """A made-up Cyrillic name as a Belarusian and a Russian form (each in its own alphabet).

    For generated names that mix the two alphabets: и щ ъ become і ш ь in the Belarusian
    form, і ў become и у in the Russian one. Real names are never made this way.
    """
    return text.translate(_TO_BE), text.translate(_TO_RU)


def person(**over: Any) -> dict[str, Any]:
    """A valid schema 2 roster record, with fields overridden.

    Schema 1's ``surname_cyrillic``/``given_cyrillic`` overrides set both Cyrillic forms
    (see ``cyrillic_forms``).
    """
    rec: dict[str, Any] = {
        "id": "ablab-hanna",
        "surname_latin": "ABLAB",
        "given_latin": "Hanna",
        "surname_be": "АБЛАБ",
        "given_be": "Ганна",
        "surname_ru": "АБЛАБ",
        "given_ru": "Анна",
        "latin_exception": None,
        "status": "sentenced",
        "sentence_months": 132,
        "facility": "penal_colony",
        "children": 2,
        "groups": ["mothers"],
        "photo": None,
        "detained_on": None,
        "released_on": None,
        "sources": [],
    }
    over = dict(over)
    for old in ("surname_cyrillic", "given_cyrillic"):
        if old in over:
            value = over.pop(old)
            be, ru = cyrillic_forms(value) if isinstance(value, str) else (value, value)
            over.setdefault(old.replace("cyrillic", "be"), be)
            over.setdefault(old.replace("cyrillic", "ru"), ru)
    rec.update(over)
    return rec


def name_fields(latin: str, be: str, ru: str) -> dict[str, str]:
    """A record's six name fields from names written as on a list: "SURNAME Given".

    Each of ``latin``, ``be`` and ``ru`` is split at its first space (surnames are hyphenated,
    never spaced), so a woman with made-up names fits on a line.
    """
    (sl, gl), (sb, gb), (sr, gr) = (name.split(" ", 1) for name in (latin, be, ru))
    return {
        "surname_latin": sl,
        "given_latin": gl,
        "surname_be": sb,
        "given_be": gb,
        "surname_ru": sr,
        "given_ru": gr,
    }


def made_person(**over: Any) -> Any:
    """A ``roster.Person`` made here, not read from a file: ABLAB Hanna, 11 years, two children.

    ``over`` changes fields; ``surname_ru``/``given_ru`` (schema 2's names) set the Russian form,
    which ``Person`` keeps as ``surname_cyrillic``/``given_cyrillic``. Without
    ``surname_be``/``given_be`` she is a schema 1 record (no Belarusian form), as a roster read
    before ``migrate`` gives.
    """
    from campaign_kit.roster import Person

    over = dict(over)
    for part in ("surname", "given"):
        if f"{part}_ru" in over:
            over[f"{part}_cyrillic"] = over.pop(f"{part}_ru")

    fields: dict[str, Any] = {
        "id": "ablab-hanna",
        "surname_latin": "ABLAB",
        "given_latin": "Hanna",
        "surname_cyrillic": "АБЛАБ",
        "given_cyrillic": "Анна",
        "status": "sentenced",
        "children": 2,
        "groups": ("mothers",),
        "sentence_months": 132,
        "facility": "penal_colony",
    }
    return Person(**(fields | over))


def named(pid: str, latin: str, be: str, ru: str, **over: Any) -> dict[str, Any]:
    """``person(**over)`` with id ``pid`` and the names of ``name_fields(latin, be, ru)``."""
    return person(id=pid, **name_fields(latin, be, ru), **over)


def released(on: str, sentenced_on: str, sentence_months: int, source: str | None = None) -> dict[str, Any]:
    """The fields of a woman released ``on`` a date (``source`` says so), sentenced ``sentenced_on``."""
    return {
        "status": "released",
        "sentence_months": None,
        "facility": None,
        "released_on": on,
        "history": [
            {"status": "sentenced", "on": sentenced_on, "sentence_months": sentence_months, "source": None},
            {"status": "released", "on": on, "sentence_months": None, "source": source},
        ],
    }


def roster_doc(people: list[dict[str, Any]], as_of: str = "2026-11-24") -> dict[str, Any]:
    return {"schema": 2, "as_of": as_of, "people": people}


def copy_project(root: Path, roster: Path | None = SAMPLE_ROSTER) -> Path:
    """The repo's campaign.toml, templates and assets at ``root``, with ``roster`` as roster.json.

    ``roster`` defaults to the tests' sample roster, never the shipped one; ``None`` leaves
    the roster for the test to write.
    """
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "campaign.toml", root / "campaign.toml")
    if roster is not None:
        shutil.copy(roster, root / "roster.json")
    shutil.copytree(REPO / "templates", root / "templates")
    shutil.copytree(REPO / "assets", root / "assets")
    return root


def own_copy(built: Path, tmp_path: Path) -> Path:
    """A test's own copy of a project built once per module, at ``tmp_path/proj``.

    A build is deterministic, so the copy is what the test's own build would have made; links
    stay links, so a test of link handling sees the folder as built.
    """
    return Path(shutil.copytree(built, tmp_path / "proj", symlinks=True))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project in tmp_path: the repo's campaign, templates and assets, the sample roster."""
    return copy_project(tmp_path / "proj")


def write_roster(root: Path, people: list[dict[str, Any]]) -> Path:
    path = root / "roster.json"
    path.write_text(json.dumps(roster_doc(people), ensure_ascii=False), encoding="utf-8")
    return path


HOSTILE = '<b>&"x'


def plain(text: str) -> str:
    """``text`` with its no-break spaces as plain spaces, for tests about the words, not the typography."""
    return text.replace("\u00a0", " ")


def make_ctx(
    lang: str,
    roster: Any = None,
    featured: int | Sequence[Any] = 5,
    *,
    campaign: Any = None,
    appeal: str = "mothers",
    cycle: str = "2026-W48",
    templates: Path = TEMPLATES,
) -> dict[str, Any]:
    """An appeal's real template context in ``lang`` (default: the mothers appeal, 2026-W48).

    ``roster`` defaults to the sample roster and ``campaign`` to the repo's campaign.toml;
    ``featured`` is the women featured, or how many of the appeal's group come first.
    """
    from campaign_kit.campaign.config import load_campaign
    from campaign_kit.campaign.cycles import parse_cycle
    from campaign_kit.render.context import appeal_context
    from campaign_kit.roster import load_roster

    campaign = campaign or load_campaign(REPO / "campaign.toml")
    roster = roster or load_roster(SAMPLE_ROSTER)
    chosen = campaign.appeal(appeal)
    if isinstance(featured, int):
        featured = roster.in_group(chosen.group)[:featured]
    return appeal_context(
        campaign=campaign,
        appeal=chosen,
        roster=roster,
        lang=lang,
        cycle=parse_cycle(cycle),
        featured=list(featured),
        templates_dir=templates,
    )


def hostile_roster(text: str = HOSTILE) -> Any:
    """The real roster with the first woman's surnames made markup (validation would refuse)."""
    from campaign_kit.roster import Person, Roster, load_roster

    real = load_roster(SAMPLE_ROSTER)
    first = real.people[0]
    evil = Person(**{**first.__dict__, "surname_latin": text, "surname_cyrillic": text, "surname_be": text})
    return Roster(real.as_of, (evil, *real.people[1:]))


# A send build needs the sender's postal address (CAN-SPAM); the shipped campaign.toml leaves it
# for the team to fill in, so tests that send add this one.
POSTAL_TOML = """
[newsletter.postal_address]
en = "PO Box 1, 00-950 Warsaw, Poland"
be = "а/с 1, 00-950 Варшава, Польшча"
ru = "а/я 1, 00-950 Варшава, Польша"
"""


def send_campaign(path: Path | None = None) -> Any:
    """The repo's campaign.toml (or ``path``) with a postal address, as send builds need."""
    from campaign_kit.campaign.config import parse_campaign

    text = (path or REPO / "campaign.toml").read_text(encoding="utf-8")
    return parse_campaign(text + POSTAL_TOML)


def add_postal_address(root: Path) -> None:
    """Give the project copy at ``root`` a postal address, so it can make a send build."""
    path = root / "campaign.toml"
    path.write_text(path.read_text(encoding="utf-8") + POSTAL_TOML, encoding="utf-8")


def record_as_built(folder: Path, *rels: str) -> None:
    """Record files a test changed in the cycle's manifest.json, as if a build had made them so.

    ``approve`` takes only a folder that is exactly the build its manifest records; a test
    that hand-makes a kit (a thread a template could make, an oversized card) records it here.
    """
    import hashlib

    path = folder / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    for entry in manifest["files"]:
        if entry["path"] in rels:
            data = (folder / entry["path"]).read_bytes()
            entry["sha256"], entry["size"] = hashlib.sha256(data).hexdigest(), len(data)
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
