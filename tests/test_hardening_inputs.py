"""Hostile and corrupted inputs: every one ends in precise problems, never a traceback or hang."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaign_kit.campaign.config import parse_campaign
from campaign_kit.cli import cli
from campaign_kit.errors import ConfigError
from campaign_kit.roster import KNOWN_FIELDS, parse_roster
from campaign_kit.roster.importers import parse_list
from conftest import REPO, person, roster_doc

NASTY_TEXT = st.sampled_from(
    [
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
        "../../etc",
        "=HYPERLINK(1)",
        "A" * 5000,
        "Ж\u0301",
        "\n",
        "Hаnna",
        "null",
    ]
)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
    | NASTY_TEXT,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)
FIELDS = st.sampled_from(sorted(KNOWN_FIELDS) + ["bogus", ""])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(index=st.integers(0, 2), field=FIELDS, value=JSON_VALUES, delete=st.booleans())
def test_any_single_corruption_is_reported_precisely(index, field, value, delete):
    people = [person(id="a-a"), person(id="b-b"), person(id="c-c")]
    rec = people[index]
    if delete:
        rec.pop(field, None)
    else:
        rec[field] = value
    text = json.dumps(roster_doc(people), ensure_ascii=False)
    roster, problems = parse_roster(text)
    assert (roster is None) == bool(problems)
    for p in problems:
        assert p.index == index or p.index is None
        assert str(p).startswith("roster.json: ")
        assert len(str(p)) < 400  # a 10 MB value is never echoed back whole


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300) | st.text(max_size=300))
def test_arbitrary_bytes_never_crash_the_parser(blob):
    roster, problems = parse_roster(blob)
    assert roster is None and problems


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=120) | NASTY_TEXT, max_size=12))
def test_import_lists_of_junk_are_reported_not_crashed(lines):
    result = parse_list("\n".join(lines), "list.txt", "mothers")
    for p in result.problems:
        assert p.line is None or 1 <= p.line <= len(lines)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_junk_campaign_toml_is_a_config_error(text):
    try:
        parse_campaign(text)
    except ConfigError as exc:
        assert str(exc).startswith("campaign.toml: ")


def test_cli_on_monster_rosters(tmp_path: Path):
    cases = {
        "deep.json": "[" * 100_000 + "]" * 100_000,
        "huge-name.json": json.dumps(roster_doc([person(given_latin="A" * 10_000_000)])),
        "many.json": json.dumps(roster_doc([person(id=f"p-{i}", children=-1) for i in range(50_000)])),
        "latin1.json": "caf\xe9".encode("latin-1"),
        "empty.json": "",
    }
    runner = CliRunner()
    for name, content in cases.items():
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        result = runner.invoke(cli, ["validate", "--project", str(REPO), "--roster", str(path)])
        assert result.exit_code == 1, name
        assert result.exception is None or isinstance(result.exception, SystemExit), name
        assert "Traceback" not in result.output
        assert str(path) in result.stderr
