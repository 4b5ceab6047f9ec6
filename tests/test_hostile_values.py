"""Hostile values end in clear messages: header injection, strict JSON, bidi and mixed scripts.

Each case is one row of issue 18: refused by ``validate`` naming the file and key, again at
build where a value could reach a header, and never a traceback.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaign_kit import jsonstrict
from campaign_kit.campaign.config import load_campaign, parse_campaign
from campaign_kit.campaign.cycles import parse_cycle
from campaign_kit.cli import cli
from campaign_kit.errors import ConfigError, NewsletterError
from campaign_kit.render.email import build_eml, cycle_date
from campaign_kit.render.newsletter import render_newsletter
from campaign_kit.review.serve import serve
from campaign_kit.roster import parse_roster
from conftest import REPO, TEMPLATES, make_ctx, person, roster_doc

CAMPAIGN_TEXT = (REPO / "campaign.toml").read_text(encoding="utf-8")
CYCLE = parse_cycle("2026-W48")


def run(*args: str):
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result


def with_line(key: str, value: str) -> str:
    """campaign.toml with the line ``key = ...`` set to ``value`` (a TOML basic string)."""
    lines = CAMPAIGN_TEXT.split("\n")
    i = next(n for n, line in enumerate(lines) if line.startswith(f"{key} = "))
    lines[i] = f"{key} = {json.dumps(value)}"
    return "\n".join(lines)


def problems_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_campaign(text)
    return [str(p) for p in info.value.problems] or [info.value.message]


# --- header injection -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("unsubscribe_mailto", "mailto:a@b.org\r\nBcc: victim@example.org", "line break"),
        ("unsubscribe_mailto", "mailto:a@b.org\n\n<h1>new body</h1>", "line break"),
        ("unsubscribe_mailto", "mailto:ганна@пример.рф", "must be ASCII"),
        ("unsubscribe_mailto", "mailto:a@b.org>, <https://evil.example", "is not a mailto: link"),
        ("reply_to", "news@belaruswomen.org\r\nBcc: victim@example.org", "line break"),
        ("reply_to", "a@b.org, c@d.org", "is not one email address"),
        ("reply_to", "ганна@пример.рф", "is not ASCII"),
        ("from", "News <news@belaruswomen.org>\nBcc: victim@example.org", "line break"),
        ("from", "News \u202e <news@belaruswomen.org>", "U+202E"),
        ("from", "News <news@belaruswomen.org> trailing", "is not one email address"),
        ("unsubscribe", "{{ UnsubscribeURL }}\r\nBcc: x@y.org", "line break"),
        ("unsubscribe", "https://x.example/u>, <https://evil.example", "must not contain"),
        ("unsubscribe", "https://пример.рф/u", "must be ASCII"),
    ],
)
def test_validate_refuses_header_injection_naming_the_key(project: Path, key, value, expected):
    (project / "campaign.toml").write_text(with_line(key, value), encoding="utf-8")
    result = run("validate", "--project", str(project))
    assert result.exit_code == 1
    assert f'field "newsletter.{key}"' in result.stderr
    assert expected in result.stderr


def test_a_non_ascii_display_name_is_fine():
    parse_campaign(with_line("from", "Жанчыны — палітычныя вязні <news@belaruswomen.org>"))


def _letter(campaign):
    ctx = make_ctx("en", featured=0, campaign=campaign)
    return render_newsletter(ctx, TEMPLATES, settings=campaign.newsletter)


@pytest.mark.parametrize(
    ("field", "value", "key"),
    [
        ("unsubscribe_mailto", "mailto:a@b.org\r\nBcc: victim@example.org", "newsletter.unsubscribe_mailto"),
        ("unsubscribe_mailto", "mailto:a@b.org\n\nbody", "newsletter.unsubscribe_mailto"),
        ("reply_to", "a@b.org\r\nBcc: victim@example.org", "newsletter.reply_to"),
        ("sender", "a@b.org\r\nBcc: victim@example.org", "newsletter.from"),
        ("sender", "News <ганна@пример.рф>", "newsletter.from"),
    ],
)
def test_the_build_refuses_header_injection_that_skipped_validate(field, value, key):
    campaign = load_campaign(REPO / "campaign.toml")
    letter = _letter(campaign)
    bad = dataclasses.replace(campaign, newsletter=dataclasses.replace(campaign.newsletter, **{field: value}))
    with pytest.raises(NewsletterError, match=rf'field "{key}"'):
        build_eml(letter, bad, date=cycle_date(CYCLE))


def test_the_build_refuses_a_subject_with_a_line_break():
    campaign = load_campaign(REPO / "campaign.toml")
    letter = dataclasses.replace(_letter(campaign), subject="Hello\r\nBcc: victim@example.org")
    with pytest.raises(NewsletterError, match="subject contains U\\+000D"):
        build_eml(letter, campaign, date=cycle_date(CYCLE))


def test_no_header_of_a_real_build_gains_a_line():
    campaign = load_campaign(REPO / "campaign.toml")
    head = build_eml(_letter(campaign), campaign, date=cycle_date(CYCLE)).split(b"\r\n\r\n")[0]
    names = [line.split(b":")[0] for line in head.split(b"\r\n") if line[:1] not in (b" ", b"\t")]
    assert b"Bcc" not in names and len(names) == len(set(names))


# --- bidi controls and mixed scripts in campaign.toml ------------------------------------


@pytest.mark.parametrize(
    ("line", "value", "expected"),
    [
        ("en", "Mothers \u202eof Minor Children", "U+202E"),
        ("en", "M\u043ethers of Minor Children", "mixes scripts"),
        ("be", "Маці \u2066непаўналетніх", "U+2066"),
        ("be", "Маці непаўналeтніх дзяцей", "mixes scripts"),
    ],
)
def test_titles_refuse_bidi_controls_and_mixed_script_words(line, value, expected):
    text = CAMPAIGN_TEXT.replace(
        {"en": 'en = "Mothers of Minor Children"', "be": 'be = "Маці непаўналетніх дзяцей"'}[line],
        f"{line} = {json.dumps(value)}",
    )
    found = problems_of(text)
    assert any(f'appeals.mothers.title.{line}"' in p and expected in p for p in found), found


def test_organisation_names_hashtags_and_links_are_checked_too():
    text = CAMPAIGN_TEXT.replace(
        'en = "Women Political Prisoners in Belarus"', 'en = "Women Political Prisoners in Belarus\u200b"'
    )
    text = text.replace('hashtags = ["Mothers", "BehindBars"]', 'hashtags = ["Mothers", "BehindВars"]')
    text = text.replace('site_url = "https://belaruswomen.org"', 'site_url = "https://belaruswоmen.org"')
    found = "\n".join(problems_of(text))
    assert 'field "organisation.name.en": invisible or direction-changing character U+200B' in found
    assert "field \"appeals.mothers.hashtags\": the word 'BehindВars' mixes scripts" in found
    assert 'field "organisation.site_url"' in found and "must be ASCII" in found


def test_a_title_may_mix_words_of_two_scripts():
    parse_campaign(CAMPAIGN_TEXT.replace('be = "Маці непаўналетніх дзяцей"', 'be = "Маці дзяцей: Belarus"'))


def test_a_huge_integer_in_campaign_toml_is_a_config_error():
    text = CAMPAIGN_TEXT.replace("featured_per_cycle = 5", "featured_per_cycle = " + "1" * 5000)
    assert "invalid TOML" in problems_of(text)[0]


# --- strict JSON -----------------------------------------------------------------------


def test_a_roster_integer_over_4300_digits_is_a_problem_not_a_traceback(project: Path):
    text = json.dumps(roster_doc([person()])).replace('"children": 2', '"children": ' + "1" * 5000)
    (project / "roster.json").write_text(text, encoding="utf-8")
    result = run("validate", "--project", str(project))
    assert result.exit_code == 1
    assert "roster.json: line 1" in result.stderr and "5,000 digits" in result.stderr


def test_duplicate_keys_in_the_roster_are_an_error_naming_the_key(project: Path):
    text = json.dumps(roster_doc([person()]), indent=1).replace(
        '"children": 2', '"children": 2, "children": 3'
    )
    (project / "roster.json").write_text(text, encoding="utf-8")
    result = run("validate", "--project", str(project))
    assert result.exit_code == 1
    assert 'duplicate key "children"' in result.stderr and "roster.json: line " in result.stderr
    _, problems = parse_roster(text)
    assert problems[0].line is not None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": 1, "a": 2}', 'duplicate key "a"'),
        ('{"x": {"b": 1, "b": 1}}', 'duplicate key "b"'),
        ("[" + "1" * 4301 + "]", "4,301 digits"),
        ('{"n": NaN}', "NaN is not a JSON number"),
        ("[" * 100_000, "nested too deeply"),
        ("{", "Expecting property name"),
    ],
)
def test_strict_json_refuses(text, expected):
    with pytest.raises(jsonstrict.JSONError, match=expected):
        jsonstrict.loads(text)


def test_strict_json_reads_what_json_reads():
    doc = {"a": [1, -2, 3.5, "ж", None, True], "b": {"c": "9" * 4300}, "n": int("9" * 4300)}
    assert jsonstrict.loads(json.dumps(doc)) == doc


# --- addresses, paths, URLs --------------------------------------------------------------


def test_send_test_with_a_non_ascii_address_is_a_message(project: Path):
    result = run("send-test", "--project", str(project), "--to", "ганна@пример.рф", "--cycle", "2026-W48")
    assert result.exit_code == 1 and "Traceback" not in result.output


def test_a_nul_in_a_path_option_is_a_usage_error(project: Path):
    result = run("validate", "--project", "a\x00b")
    assert result.exit_code == 2 and "NUL" in result.stderr
    result = run("build", "--project", str(project), "--out", "o\x00ut", "--dry-run")
    assert result.exit_code == 2 and "NUL" in result.stderr


def test_the_preview_server_answers_404_to_a_nul_in_the_url(tmp_path: Path):
    (tmp_path / "index.html").write_text("review", encoding="utf-8")
    urls: list[str] = []
    stop = threading.Event()
    thread = threading.Thread(target=serve, args=(tmp_path, 0, urls.append), kwargs={"stop": stop})
    thread.start()
    try:
        while not urls:
            time.sleep(0.01)
        assert urllib.request.urlopen(urls[0] + "index.html", timeout=5).status == 200
        for path in ("%00", "index.html%00.txt", "a/%00/b"):
            with pytest.raises(urllib.error.HTTPError) as info:
                urllib.request.urlopen(urls[0] + path, timeout=5)
            assert info.value.code == 404
    finally:
        stop.set()
        thread.join(timeout=5)


# --- the fuzz run, small and fast ---------------------------------------------------------

_spec = importlib.util.spec_from_file_location("campaign_kit_fuzz", REPO / "bench" / "fuzz.py")
assert _spec is not None and _spec.loader is not None
fuzz = importlib.util.module_from_spec(_spec)
sys.modules["campaign_kit_fuzz"] = fuzz  # dataclasses look their module up there
_spec.loader.exec_module(fuzz)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    return fuzz.Workspace(tmp_path_factory.mktemp("fuzz"))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(seed=st.integers(0, 2**32 - 1))
def test_fuzzed_inputs_and_arguments_never_end_in_a_traceback(workspace, seed, monkeypatch):
    import random

    monkeypatch.setattr("campaign_kit.campaign.templating.TIME_LIMIT", 2.0)
    case = workspace.make_case(random.Random(seed))
    code, trace, _seconds = workspace.run(case, CliRunner())
    assert trace is None, f"{case.kind}: {case.describe}\n{case.args}\n{trace}"
    assert code in (0, 1, 2)


def test_newsletter_display_names_refuse_bidi_and_an_odd_esp_is_a_message():
    shipped = 'ru = "Женщины — политические заключённые Беларуси"\n\n# Why the reader'
    assert shipped in CAMPAIGN_TEXT
    text = CAMPAIGN_TEXT.replace(shipped, 'ru = "Женщины \u202e политзаключённые"\n\n# Why the reader')
    found = "\n".join(problems_of(text))
    assert 'field "newsletter.from_name.ru": invisible or direction-changing character U+202E' in found
    text = CAMPAIGN_TEXT.replace('esp = "listmonk"', "esp = []")
    assert any('field "newsletter.esp"' in p for p in problems_of(text))
