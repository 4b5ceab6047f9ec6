"""The ``posts`` kind: every platform's posts, the roll-call threads, posts.json, schedule.csv."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from campaign_kit.kinds.base import Inputs, Plan, Rendered, Unit, cache_key


class PostsKind:
    """Posts per language and platform (``posts/<lang>/<platform>.txt``, ``posts.json``, ...)."""

    name = "posts"
    consumes: tuple[str, ...] = ("cards",)

    def plan(self, inputs: Inputs, products: Mapping[str, Any]) -> Plan:
        """One unit for every post of the cycle (they are cheap and share the appeal's totals)."""
        from campaign_kit.render import posts

        refs: dict[tuple[str, str], dict[str, str]] = {}
        alts: dict[tuple[str, str], str] = {}
        for card in products.get("cards", ()):
            refs.setdefault((card.lang, card.person_id), {})[card.format] = card.path
            alts[(card.lang, card.person_id)] = card.alt_text
        cards = {k: posts.CardRef(paths=v, alt_text=alts[k]) for k, v in refs.items()}
        key = cache_key(
            self.name,
            inputs.digests["roster"],
            inputs.digests["campaign"],
            inputs.templates_digest("posts", "appeals", "locale", "cards"),
            inputs.cycle.id,
            [p.id for p in inputs.featured],
            inputs.languages,
        )

        def render() -> Rendered:
            made = posts.render_posts(
                contexts=inputs.contexts,
                campaign=inputs.campaign,
                appeal=inputs.appeal,
                cycle=inputs.cycle,
                templates_dir=inputs.project.templates,
                cards=cards,
            )
            return Rendered(files=posts.post_files(made))

        return Plan(units=[Unit(key=key, render=render)])


KIND = PostsKind()
