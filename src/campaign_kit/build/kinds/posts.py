"""The ``posts`` kind: every platform's posts, the roll-call threads, posts.json, schedule.csv."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from campaign_kit import jsonstrict, paths
from campaign_kit.build.kinds.base import Inputs, Plan, Rendered, Unit, cache_key
from campaign_kit.errors import BuildError
from campaign_kit.model import Post, parse_posts


class PostsKind:
    """Posts per language and platform (``posts/<lang>/<platform>.txt``, ``posts.json``, ...)."""

    name = "posts"
    consumes: tuple[str, ...] = ("cards",)

    def plan(self, inputs: Inputs, products: Mapping[str, Any]) -> Plan:
        """One unit for every post of the cycle (they are cheap and share the appeal's totals)."""
        from campaign_kit.render import posts
        from campaign_kit.render.newsletter import card_url

        refs: dict[tuple[str, str], dict[str, str]] = {}
        alts: dict[tuple[str, str], dict[str, str]] = {}
        for card in products.get("cards", ()):
            refs.setdefault((card.lang, card.person_id), {})[card.format] = card.path
            alts.setdefault((card.lang, card.person_id), {})[card.format] = card.alt_text
        cards = {k: posts.CardRef(paths=v, alt_texts=alts[k]) for k, v in refs.items()}
        key = cache_key(
            self.name,
            inputs.digests["roster"],
            inputs.digests["campaign"],
            inputs.templates_digest("posts", "appeals", "locale", "cards"),
            inputs.cycle.id,
            [p.id for p in inputs.featured],
            inputs.languages,
            inputs.asset_base_url,
        )
        base = inputs.asset_base_url
        appeal, cycle = inputs.appeal.key, inputs.cycle.id

        def image_url(card: str) -> str:
            return card_url(card, asset_base_url=base, appeal=appeal, cycle=cycle)

        def render() -> Rendered:
            made = posts.render_posts(
                contexts=inputs.contexts,
                campaign=inputs.campaign,
                appeal=inputs.appeal,
                cycle=inputs.cycle,
                templates_dir=inputs.project.templates,
                cards=cards,
            )
            # Written as made: posts.json streams, a post at a time.
            files = posts.post_outputs(
                made, appeal=appeal, cycle=cycle, image_url=image_url if base else None
            )
            return Rendered(files=files, products=made)

        return Plan(units=[Unit(key=key, render=render)])

    def load_products(self, read: Callable[[str], bytes | None]) -> list[Post]:
        """The posts of a kept build, from its ``posts.json`` (BuildError if it is malformed)."""
        data = read(paths.POSTS_JSON)
        if data is None:
            return []
        try:
            raw = jsonstrict.loads(data)
        except (ValueError, UnicodeDecodeError):
            raise BuildError(f"{paths.POSTS_JSON}: not JSON") from None
        return parse_posts(raw, paths.POSTS_JSON)


KIND = PostsKind()
