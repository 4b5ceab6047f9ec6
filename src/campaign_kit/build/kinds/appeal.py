"""The ``appeal`` kind: the long-form appeal with the full roll call, as text and HTML."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from campaign_kit import paths
from campaign_kit.build.kinds.base import Inputs, Plan, Rendered, Unit, cache_key
from campaign_kit.model import AppealText


class AppealKind:
    """``appeal/<lang>.txt`` and ``appeal/<lang>.html``."""

    name = "appeal"
    consumes: tuple[str, ...] = ()

    def plan(self, inputs: Inputs, products: Mapping[str, Any]) -> Plan:
        """One unit for every language's appeal."""
        from campaign_kit.render.appeal import render_appeal

        key = cache_key(
            self.name,
            inputs.digests["roster"],
            inputs.digests["campaign"],
            inputs.templates_digest("appeal", "appeals", "locale"),
            inputs.cycle.id,
            [p.id for p in inputs.featured],
            inputs.languages,
        )

        def render() -> Rendered:
            files: dict[str, bytes] = {}
            made: list[AppealText] = []
            for lang, ctx in inputs.contexts.items():
                out = render_appeal(ctx, inputs.project.templates)
                product = AppealText(lang, paths.appeal_text(lang, "txt"), paths.appeal_text(lang, "html"))
                files[product.txt] = out["txt"].encode("utf-8")
                files[product.html] = out["html"].encode("utf-8")
                made.append(product)
            return Rendered(files=files, products=made)

        return Plan(units=[Unit(key=key, render=render)])


KIND = AppealKind()
