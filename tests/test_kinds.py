"""The output-kind registry, typed products, and the build's generic loop."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from campaign_kit import paths
from campaign_kit.build import kinds
from campaign_kit.build.inputs import Choice, load_inputs
from campaign_kit.build.kinds.base import Plan, Rendered, Unit, cache_key
from campaign_kit.build.loop import BuildOptions, build
from campaign_kit.build.manifest import Previous
from campaign_kit.campaign.cycles import parse_cycle
from campaign_kit.errors import BuildError, NewsletterError
from campaign_kit.model import AppealText, Card, NewsletterIssue, Post, read_cycle
from campaign_kit.project import Project
from conftest import REPO, SAMPLE_ROSTER, add_postal_address
from images import CARD_SIZES

CYCLE = parse_cycle("2026-W48")
BASE = "https://belaruswomen.org/campaign-kit"
SAMPLE = Project(REPO, SAMPLE_ROSTER)


@pytest.fixture(scope="module")
def inputs():
    return load_inputs(SAMPLE, Choice(cycle=CYCLE, out=Path("/nonexistent-out")), Previous())


def test_registry_order_and_dependencies():
    names = [k.name for k in kinds.REGISTRY]
    for kind in kinds.REGISTRY:
        for dep in kind.consumes:
            if dep != "files":
                assert names.index(dep) < names.index(kind.name), (kind.name, dep)
    assert kinds.BUILDABLE == ("cards", "posts", "appeal", "newsletter")
    assert [k.name for k in kinds.needed(("posts",))] == ["cards", "posts", "review"]
    assert [k.name for k in kinds.needed(("appeal",))] == ["cards", "posts", "appeal", "review"]


def test_cards_plan_products_match_units(inputs):
    plan = kinds.BY_NAME["cards"].plan(inputs, {})
    assert len(plan.units) == len(plan.products) == len(inputs.featured) * 3 * 5
    for unit, card in zip(plan.units, plan.products, strict=True):
        assert unit.paths == (card.path,) and unit.job is not None
        assert card.path == paths.card(card.lang, card.person_id, card.format)
        assert card.alt_text
    sizes = {c.format: (c.width, c.height) for c in plan.products}
    assert sizes == CARD_SIZES
    assert len({u.key for u in plan.units}) == len(plan.units)


def test_appeal_kind_renders_both_files_per_language(inputs):
    (unit,) = kinds.BY_NAME["appeal"].plan(inputs, {}).units
    rendered = unit.render()
    assert sorted(rendered.files) == sorted(
        paths.appeal_text(lang, ext) for lang in ("en", "be", "ru") for ext in ("txt", "html")
    )
    assert (
        rendered.files["appeal/en.txt"].decode("utf-8").startswith("Women Political Prisoners in Belarus\n")
    )
    assert [p.lang for p in rendered.products] == ["en", "be", "ru"]


def test_newsletter_kind_uses_the_card_products(project):
    add_postal_address(project)  # a send build needs one
    send = load_inputs(Project(project), Choice(cycle=CYCLE, out=Path("/x"), asset_base_url=BASE), Previous())
    cards = [
        Card(p.id, lang, "link", paths.card(lang, p.id, "link"), "Карточка из плана", 1200, 630)
        for p in send.featured
        for lang in ("en", "be", "ru")
    ]
    (unit,) = kinds.BY_NAME["newsletter"].plan(send, {"cards": cards}).units
    rendered = unit.render()
    assert sorted(rendered.files) == sorted(
        paths.newsletter(lang, ext)
        for lang in ("en", "be", "ru")
        for ext in ("mjml", "html", "txt", "eml", "json")
    )
    assert 'alt="Карточка из плана"' in rendered.files["newsletter/ru.html"].decode("utf-8")
    assert rendered.files["newsletter/en.eml"].startswith(b"Subject: ")
    issues = {n.lang: n for n in rendered.products}
    assert issues["en"].send and issues["en"].subject and issues["en"].preheader
    assert issues["be"].files["eml"] == "newsletter/be.eml"
    # A send build links only the cards this build writes.
    (unit,) = kinds.BY_NAME["newsletter"].plan(send, {"cards": cards[1:]}).units
    with pytest.raises(NewsletterError, match="not one this build writes"):
        unit.render()


def test_keys_change_with_what_shapes_the_output(inputs):
    plan = kinds.BY_NAME["posts"].plan
    key = plan(inputs, {}).units[0].key
    assert key == plan(inputs, {}).units[0].key
    other = load_inputs(SAMPLE, Choice(cycle=parse_cycle("2026-W49"), out=Path("/x")), Previous())
    assert key != plan(other, {}).units[0].key
    assert cache_key("a", 1) != cache_key("a", 2)


def test_card_keys_follow_the_files_each_format_is_drawn_from(project):
    def keys() -> dict[str, str]:
        loaded = load_inputs(Project(project), Choice(cycle=CYCLE, out=Path("/x")), Previous())
        return {u.paths[0]: u.key for u in kinds.BY_NAME["cards"].plan(loaded, {}).units}

    before = keys()
    # The fonts' licence and an image no layout names draw nothing.
    (project / "assets" / "fonts" / "OFL.txt").write_text("changed", encoding="utf-8")
    (project / "assets" / "unused.png").write_bytes(b"not drawn")
    assert keys() == before
    square = project / "templates" / "cards" / "square.toml"
    square.write_text(square.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    after = keys()
    assert {rel for rel in before if after[rel] != before[rel]} == {r for r in before if "/square." in r}
    logo = project / "assets" / "logo.png"
    logo.write_bytes(logo.read_bytes() + b"changed")
    assert all(key != after[rel] for rel, key in keys().items())


_text = st.text(max_size=40)
_opt = st.none() | _text


@given(
    st.builds(
        Post,
        kind=st.sampled_from(["post", "thread"]),
        id=_opt,
        platform=_text,
        lang=_text,
        text=_text,
        api_text=_text,
        length=st.integers(0, 10**6),
        limit=st.integers(0, 10**6),
        alt_text=_opt,
        card=_opt,
        date=st.dates(),
        dropped=st.lists(_text, max_size=3).map(tuple),
        part=st.none() | st.integers(1, 99),
        parts=st.none() | st.integers(1, 99),
        ids=st.lists(_text, max_size=3).map(tuple),
    )
)
def test_post_round_trips_through_json(post):
    assert Post.from_dict(json.loads(json.dumps(post.to_dict()))) == post


def test_products_round_trip_and_refuse_malformed_records():
    card = Card("a", "en", "square", "cards/en/a/square.png", "alt", 1080, 1080)
    assert Card.from_dict(card.to_dict()) == card
    text = AppealText("be", "appeal/be.txt", "appeal/be.html")
    assert AppealText.from_dict(text.to_dict()) == text
    issue = NewsletterIssue("ru", "Тема", "Превью", {"eml": "newsletter/ru.eml"}, False)
    assert NewsletterIssue.from_dict(issue.to_dict()) == issue
    with pytest.raises(BuildError, match="'width'"):
        Card.from_dict({**card.to_dict(), "width": "1080"})
    with pytest.raises(BuildError, match="'date'"):
        Post.from_dict({"date": "Monday"})


def test_a_built_cycle_reads_back_as_typed_products(project: Path, tmp_path: Path):
    out = tmp_path / "out"
    report = build(Project(project), BuildOptions(cycle=CYCLE, out=out, languages=("en",), jobs=1))
    cycle = read_cycle(report.target)
    assert {c.person_id for c in cycle.cards} == set(report.featured)
    assert all((report.target / c.path).is_file() for c in cycle.cards)
    assert {p.platform for p in cycle.posts} >= {"x", "bluesky", "mastodon", "telegram"}
    assert all(p.card is None or (report.target / p.card).is_file() for p in cycle.posts)
    assert [a.lang for a in cycle.appeal] == ["en"] and [n.lang for n in cycle.newsletters] == ["en"]
    manifest = json.loads((report.target / paths.MANIFEST).read_text("utf-8"))
    by_path = {f["path"]: f["kind"] for f in manifest["files"]}
    assert by_path["index.html"] == "review" and by_path["posts.json"] == "posts"
    assert by_path["cards/en/ablab-hanna/square.png"] == "cards"
    assert by_path["newsletter/en.eml"] == "newsletter"


def test_read_cycle_names_a_missing_manifest(tmp_path: Path):
    with pytest.raises(BuildError, match="build the cycle first"):
        read_cycle(tmp_path)


def test_a_new_kind_is_one_module_and_one_registration(project: Path, tmp_path: Path, monkeypatch):
    """A test kind (a printable roll-call sheet) joins the build without touching build.py."""

    @dataclasses.dataclass(frozen=True)
    class SheetKind:
        name: str = "sheet"
        consumes: tuple[str, ...] = ("cards",)

        def plan(self, inputs, products):
            key = cache_key(self.name, inputs.digests["roster"], inputs.languages)
            names = sorted({c.person_id for c in products["cards"]})

            def render() -> Rendered:
                return Rendered(files={"sheet/roll-call.txt": ("\n".join(names) + "\n").encode()})

            return Plan(units=[Unit(key=key, render=render)])

    registry = (*kinds.REGISTRY[:-1], SheetKind(), kinds.REGISTRY[-1])
    monkeypatch.setattr(kinds, "REGISTRY", registry)
    monkeypatch.setattr(kinds, "BY_NAME", {k.name: k for k in registry})
    monkeypatch.setattr(kinds, "BUILDABLE", (*kinds.BUILDABLE, "sheet"))
    out = tmp_path / "out"
    options = BuildOptions(cycle=CYCLE, out=out, languages=("en",), only=("sheet",), jobs=1)
    report = build(Project(project), options)
    sheet = (report.target / "sheet/roll-call.txt").read_text()
    assert sheet.split() == sorted(report.featured)
    manifest = json.loads((report.target / paths.MANIFEST).read_text("utf-8"))
    assert {"path": "sheet/roll-call.txt", "kind": "sheet"}.items() <= next(
        f for f in manifest["files"] if f["path"] == "sheet/roll-call.txt"
    ).items()
    again = build(Project(project), options)
    assert again.counts["create"] + again.counts["overwrite"] == 0
