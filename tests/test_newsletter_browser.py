"""The newsletter in headless Chromium: light and dark colour schemes, cards keep their shape.

Needs ``/usr/bin/chromium`` and the ``playwright`` package (as tests/test_review_browser.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from campaign_kit.render.newsletter import render_newsletter
from conftest import ARGS, CHROMIUM, REPO, make_ctx, send_campaign

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def letter_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("nl")
    letter = render_newsletter(make_ctx("be"), REPO / "templates", settings=send_campaign().newsletter)
    # Cards are linked as ../cards/...; a 1200x630 stand-in keeps the page offline.
    from PIL import Image

    for view in make_ctx("be")["featured"]:
        path = folder / "cards" / "be" / view["id"] / "link.png"
        path.parent.mkdir(parents=True)
        Image.new("RGB", (1200, 630), (180, 30, 40)).save(path)
    page = folder / "newsletter" / "be.html"
    page.parent.mkdir()
    page.write_text(letter.html, encoding="utf-8")
    yield page


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [640, 375])
def test_colour_schemes_and_card_shape(browser: Any, letter_file: Path, scheme: str, width: int) -> None:
    assert CHROMIUM.exists() and ARGS
    page = browser.new_page(viewport={"width": width, "height": 800}, color_scheme=scheme)
    try:
        page.goto(letter_file.as_uri())
        page.wait_for_load_state("load")
        sheet = page.evaluate("getComputedStyle(document.querySelector('.ck-sheet')).backgroundColor")
        text = page.evaluate("getComputedStyle(document.querySelector('.ck-sheet h1')).color")
        if scheme == "dark":
            assert (sheet, text) == ("rgb(30, 30, 30)", "rgb(236, 232, 227)")
        else:
            assert (sheet, text) == ("rgb(255, 255, 255)", "rgb(27, 27, 27)")
        shapes = page.evaluate(
            "[...document.images].map(i => [i.naturalWidth, i.getBoundingClientRect().width,"
            " i.getBoundingClientRect().height])"
        )
        assert len(shapes) == 5
        for natural, w, h in shapes:
            assert natural == 1200  # loaded
            assert abs(w / h - 1200 / 630) < 0.02, (w, h)  # height:auto beats the numeric height
            assert w <= width
    finally:
        page.close()
