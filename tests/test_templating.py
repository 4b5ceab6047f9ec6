"""The Jinja environment: content-keyed reloading, the search path, and the template budget."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from campaign_kit.campaign import templating
from campaign_kit.errors import TemplateError


def _write(folder: Path, name: str, text: str) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_an_edited_template_is_rendered_anew_in_the_same_process(tmp_path):
    _write(tmp_path, "a.txt", "one {{ x }}")
    assert templating.render(tmp_path, "a.txt", {"x": 1}) == "one 1"
    stat = (tmp_path / "a.txt").stat()
    _write(tmp_path, "a.txt", "two {{ x }}")
    # Same size and mtime: an mtime check would miss this edit, a content check does not.
    os.utime(tmp_path / "a.txt", ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert templating.render(tmp_path, "a.txt", {"x": 1}) == "two 1"


def test_an_edited_include_is_rendered_anew(tmp_path):
    _write(tmp_path, "page.txt", "[{% include 'part.txt' %}]")
    _write(tmp_path, "part.txt", "old")
    assert templating.render(tmp_path, "page.txt", {}) == "[old]"
    _write(tmp_path, "part.txt", "new")
    assert templating.render(tmp_path, "page.txt", {}) == "[new]"


def test_the_search_path_takes_the_first_folder_that_has_the_template(tmp_path):
    base, override = tmp_path / "templates", tmp_path / "templates" / "appeals" / "mothers"
    _write(base, "appeal/appeal.txt", "base {% include 'appeal/part.txt' %}")
    _write(base, "appeal/part.txt", "base part")
    folders = (override, base)
    assert templating.render(folders, "appeal/appeal.txt", {}) == "base base part"
    _write(override, "appeal/part.txt", "override part")
    # A file newly added earlier on the path wins at once, even for a cached template.
    assert templating.render(folders, "appeal/appeal.txt", {}) == "base override part"
    assert templating.render(base, "appeal/appeal.txt", {}) == "base base part"
    assert templating.environment(folders) is templating.environment([override, base])


def test_a_single_folder_still_works_as_a_path_or_a_string(tmp_path):
    _write(tmp_path, "a.txt", "{{ 1 + 1 }}")
    assert templating.render(tmp_path, "a.txt", {}) == "2"
    assert templating.render(str(tmp_path), "a.txt", {}) == "2"


@pytest.mark.parametrize(
    "source",
    [
        "{% for i in range(10**8) %}{% endfor %}",
        "{{ 'a' * 10**9 }}",
        "{{ 10**9 * 'a' }}",
        "{{ ['a'] * 10**9 }}",
        "{{ 10 ** (10**8) }}",
        "{% set ns = namespace(s='a') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
        "{% set ns = namespace(s='a') %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}",
        "{{ 'a'|center(10**9) }}",
        "{{ 'a'|indent(10**9, true) }}",
        "{{ 'a'.ljust(10**9) }}",
        "{{ '{:>1000000000}'.format(1) }}",
        "{{ '{:>{w}}'.format(1, w=10**9) }}",
        "{{ '%1000000000s' % 'a' }}",
        "{{ '%*s' % (10**9, 'a') }}",
        "{{ '%1000000000s'|format('a') }}",
        "{{ (['a' * 10**7] * 10**6)|join }}",
        "{{ ('a' * 10**6)|replace('', 'b' * 40) }}",
        "{% for i in range(100000) %}{{ 'a' * 1000 }}{% endfor %}",
        "{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}",
    ],
)
def test_a_runaway_template_stops_with_a_template_error_naming_it(tmp_path, source):
    _write(tmp_path, "bad.txt", source)
    started = time.monotonic()
    with pytest.raises(TemplateError, match=r"bad\.txt: template stopped"):
        templating.render(tmp_path, "bad.txt", {})
    assert time.monotonic() - started < 5


def test_a_template_that_runs_too_long_stops_at_the_time_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(templating, "TIME_LIMIT", 0.5)
    _write(
        tmp_path,
        "slow.txt",
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    )
    started = time.monotonic()
    with pytest.raises(TemplateError, match=r"slow\.txt: template stopped: ran longer than the 0.5-second"):
        templating.render(tmp_path, "slow.txt", {})
    assert time.monotonic() - started < 3


def test_ordinary_template_code_is_untouched_by_the_budget(tmp_path):
    _write(
        tmp_path,
        "ok.txt",
        "{{ 'ab' * 3 }} {{ '%5s'|format('a') }} {{ [1, 2]|join(',') }} {{ 'a{}'.format(1) }} "
        "{{ 2 ** 10 }} {{ 'a'|center(5) }} {{ range(3)|list }} {{ 7 % 3 }} {{ [1] + [2] }}",
    )
    assert templating.render(tmp_path, "ok.txt", {}) == "ababab     a 1,2 a1 1024   a   [0, 1, 2] 1 [1, 2]"


def test_runtime_errors_name_the_template(tmp_path):
    _write(tmp_path, "div.txt", "{{ 1 / 0 }}")
    _write(tmp_path, "idx.txt", "{{ [][3] }}")
    _write(tmp_path, "bin.txt", b"\xff\xfe".decode("latin-1"))
    (tmp_path / "bin.txt").write_bytes(b"\xff\xfe{{ x }}")
    with pytest.raises(TemplateError, match=r"div\.txt: ZeroDivisionError"):
        templating.render(tmp_path, "div.txt", {})
    with pytest.raises(TemplateError, match=r"idx\.txt"):
        templating.render(tmp_path, "idx.txt", {})
    with pytest.raises(TemplateError, match=r"bin\.txt: not UTF-8"):
        templating.render(tmp_path, "bin.txt", {})
