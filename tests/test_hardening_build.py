"""Faults and hostile text at build level: clear errors, escaped outputs, nothing half-written."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from campaign_kit.build.loop import BuildOptions, build
from campaign_kit.campaign.cycles import parse_cycle
from campaign_kit.cli import cli
from campaign_kit.platforms import measure
from campaign_kit.project import Project
from campaign_kit.roster import MAX_NAME_LEN, MAX_WORD_LEN
from conftest import person, roster_doc
from images import CARD_SIZES, jpeg, png_header_only


def one_woman_with_photo(project: Path, photo: bytes | None, name: str = "hanna.jpg") -> None:
    if photo is not None:
        (project / "assets" / "photos" / name).write_bytes(photo)
    (project / "roster.json").write_text(
        json.dumps(roster_doc([person(photo=name)]), ensure_ascii=False), encoding="utf-8"
    )


@pytest.mark.parametrize(
    ("photo", "expected"),
    [
        (lambda: jpeg()[:2000], "hanna.jpg"),  # truncated
        (lambda: b"\xff\xd8\xff" + b"garbage" * 100, "hanna.jpg"),  # corrupt
        (lambda: png_header_only(), "hanna.jpg"),  # decompression bomb
    ],
)
def test_bad_photos_stop_the_build_naming_the_file_before_writing(project: Path, photo, expected):
    one_woman_with_photo(project, photo())
    result = CliRunner().invoke(
        cli, ["build", "--project", str(project), "--cycle", "2026-W48", "--lang", "en"]
    )
    assert result.exit_code == 1, result.output
    assert expected in result.stderr and "Traceback" not in result.output
    target = project / "out" / "mothers" / "2026-W48"
    assert not target.exists() or not any(p.is_file() for p in target.rglob("*"))


def test_non_image_and_missing_photo_are_caught_by_validation(project: Path):
    one_woman_with_photo(project, b"just some text")
    result = CliRunner().invoke(cli, ["build", "--project", str(project)])
    assert result.exit_code == 1 and "is not a JPEG, PNG or WebP image" in result.stderr
    one_woman_with_photo(project, None, "absent.jpg")
    result = CliRunner().invoke(cli, ["build", "--project", str(project)])
    assert result.exit_code == 1 and "file not found: assets/photos/absent.jpg" in result.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file: permissions cannot bite")
def test_unreadable_photo(project: Path):
    one_woman_with_photo(project, jpeg())
    (project / "assets" / "photos" / "hanna.jpg").chmod(0)
    result = CliRunner().invoke(cli, ["build", "--project", str(project)])
    assert result.exit_code == 1 and "hanna.jpg" in result.stderr


def test_a_real_photo_is_reencoded_without_metadata(project: Path):
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"  # Make
    exif[0x8825] = {1: "N", 2: (53.0, 54.0, 0.0)}  # GPSInfo: latitude near Minsk
    buf = io.BytesIO()
    Image.new("RGB", (900, 1200), (90, 90, 90)).save(buf, "JPEG", exif=exif.tobytes())
    one_woman_with_photo(project, buf.getvalue())
    build(
        Project(project),
        BuildOptions(
            cycle=parse_cycle("2026-W48"), out=project / "out", languages=("en",), only=("cards",), jobs=1
        ),
    )
    folder = project / "out/mothers/2026-W48/cards/en/ablab-hanna"
    assert not list(folder.glob("*.png"))  # a card over a photo is a JPEG
    for fmt, size in CARD_SIZES.items():
        data = (folder / f"{fmt}.jpg").read_bytes()
        assert b"Exif" not in data and b"Camera maker" not in data and str(project).encode() not in data
        assert len(data) <= 976_000  # within Bluesky's image limit
        with Image.open(io.BytesIO(data)) as im:
            assert im.format == "JPEG" and im.size == size and not im.info.get("exif")
    manifest = json.loads((project / "out/mothers/2026-W48/manifest.json").read_text(encoding="utf-8"))
    assert "cards/en/ablab-hanna/square.jpg" in json.dumps(manifest)


HOSTILE = "<b>&\"'{{ 7*7 }}{% raw %}=1+"


def test_hostile_config_text_stays_text_everywhere(project: Path):
    path = project / "campaign.toml"
    text = path.read_text(encoding="utf-8")
    text = text.replace('en = "Mothers of Minor Children"', "en = " + json.dumps("Mothers " + HOSTILE))
    text = text.replace(
        'en = "Women Political Prisoners in Belarus"', "en = " + json.dumps("WPPB " + HOSTILE)
    )
    path.write_text(text, encoding="utf-8")
    small = json.loads((project / "roster.json").read_text(encoding="utf-8"))
    small["people"] = small["people"][:2]
    (project / "roster.json").write_text(json.dumps(small, ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["build", "--project", str(project), "--cycle", "2026-W48", "--lang", "en"]
    )
    assert result.exit_code == 0, result.output
    target = project / "out" / "mothers" / "2026-W48"
    for rel in ("appeal/en.html", "newsletter/en.html", "index.html"):
        html = (target / rel).read_text(encoding="utf-8")
        assert "<b>&" not in html, rel
        assert "&lt;b&gt;&amp;" in html, rel
        assert "49" not in html.replace("2026-W49", ""), rel  # {{ 7*7 }} was never evaluated
    # Text, not markup or template code; typography only makes its straight quote a curly one.
    from campaign_kit.campaign.locale import load_locale

    shown = load_locale(project / "templates", "en").typeset("Mothers " + HOSTILE)
    assert shown in (target / "appeal/en.txt").read_text(encoding="utf-8")
    assert "{{ 7*7 }}" in (target / "newsletter/en.mjml").read_text(encoding="utf-8")


CAPITALS = {"latin": "WMQOABCDEFGHIJKLNPRSTUVXYZ", "cyrillic": "ШЩЖЮЫМАБВГДЕЁЗІИЙКЛНОПРСТУЎФХЦЧЭЯ"}


def name(script: str, cap: int):
    upper = CAPITALS[script]
    word = st.text(alphabet=upper + upper.lower(), min_size=1, max_size=MAX_WORD_LEN)
    return (
        st.lists(word, min_size=1, max_size=3)
        .map(lambda words: "-".join(words)[:cap].strip("-"))
        .filter(bool)
    )


@st.composite
def valid_records(draw):
    status = draw(st.sampled_from(["sentenced", "pre_trial", "compulsory_treatment"]))
    rec = person(
        surname_latin=draw(name("latin", MAX_NAME_LEN["surname"])).upper(),
        given_latin=draw(name("latin", MAX_NAME_LEN["given"])).title(),
        surname_cyrillic=draw(name("cyrillic", MAX_NAME_LEN["surname"])).upper(),
        given_cyrillic=draw(name("cyrillic", MAX_NAME_LEN["given"])).title(),
        status=status,
        children=draw(st.integers(1, 30)),  # a mother in the mothers appeal: 0 is refused
    )
    if status == "sentenced":
        rec["sentence_months"] = draw(st.none() | st.integers(1, 360))
    else:
        rec.pop("sentence_months")
        rec.pop("facility")
    return rec


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(rec=valid_records())
def test_any_valid_roster_builds(project: Path, rec):
    (project / "roster.json").write_text(json.dumps(roster_doc([rec]), ensure_ascii=False), encoding="utf-8")
    out = project / f"out-{abs(hash(json.dumps(rec)))}"
    report = build(
        Project(project), BuildOptions(cycle=parse_cycle("2026-W48"), out=out, languages=("en", "ru"), jobs=1)
    )
    target = out / "mothers" / "2026-W48"
    for fmt, size in CARD_SIZES.items():
        for lang in ("en", "ru"):
            with Image.open(target / "cards" / lang / "ablab-hanna" / f"{fmt}.png") as im:
                assert im.size == size
    for post in json.loads((target / "posts.json").read_text(encoding="utf-8")):
        assert measure(post["platform"], post["text"]).ok, post
    assert report.featured == ["ablab-hanna"]


def test_two_builds_started_together(project: Path, tmp_path: Path):
    small = json.loads((project / "roster.json").read_text(encoding="utf-8"))
    small["people"] = small["people"][:3]
    (project / "roster.json").write_text(json.dumps(small, ensure_ascii=False), encoding="utf-8")
    cmd = [
        sys.executable,
        "-m",
        "campaign_kit",
        "build",
        "--project",
        str(project),
        "--cycle",
        "2026-W48",
        "--lang",
        "en,be",
        "--all",
    ]
    procs = [
        subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)
    ]
    results = [(p.wait(), p.stderr.read()) for p in procs]
    codes = sorted(code for code, _ in results)
    assert codes in ([0, 0], [0, 1]), results
    for code, err in results:
        if code == 1:
            assert "another build of this cycle is running" in err
        assert "Traceback" not in err
    # Whatever happened, the folder is whole: a clean rebuild changes nothing.
    again = subprocess.run([*cmd, "--json"], capture_output=True, text=True, check=True)
    counts = json.loads(again.stdout)["counts"]
    assert counts["create"] == counts["overwrite"] == 0
