"""The ``newsletter`` kind: MJML, compiled HTML, plain text and a complete ``.eml`` per language.

A build with ``--asset-base-url`` is a send build (absolute image URLs, checked); without one,
cards are linked relatively for the local preview.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from campaign_kit import paths
from campaign_kit.build.kinds.base import Inputs, Plan, Rendered, Unit, cache_key
from campaign_kit.model import NewsletterIssue


class NewsletterKind:
    """``newsletter/<lang>.mjml``, ``.html``, ``.txt``, ``.eml`` and ``.json`` (the hand-off)."""

    name = "newsletter"
    consumes: tuple[str, ...] = ("cards",)

    def plan(self, inputs: Inputs, products: Mapping[str, Any]) -> Plan:
        """One unit for every language's newsletter."""
        from campaign_kit.render.email import build_eml, cycle_date
        from campaign_kit.render.newsletter import CARD_FORMAT, CardImage, handoff, render_newsletter

        images = {
            (c.lang, c.person_id): CardImage(c.path, c.alt_text)
            for c in products.get("cards", ())
            if c.format == CARD_FORMAT
        }
        # A send build may link only cards this build writes (render_newsletter checks).
        planned = {c.path for c in products.get("cards", ())}
        key = cache_key(
            self.name,
            inputs.digests["roster"],
            inputs.digests["campaign"],
            inputs.templates_digest("newsletter", "appeal", "appeals", "locale", "cards"),
            inputs.cycle.id,
            [p.id for p in inputs.featured],
            inputs.languages,
            inputs.asset_base_url,
        )

        def render() -> Rendered:
            files: dict[str, bytes] = {}
            made: list[NewsletterIssue] = []
            for lang, ctx in inputs.contexts.items():

                def lookup(person_id: str, lang: str = lang) -> CardImage:
                    found = images.get((lang, person_id))
                    return found or CardImage(paths.card(lang, person_id, CARD_FORMAT))

                nl = render_newsletter(
                    ctx,
                    inputs.project.templates,
                    settings=inputs.campaign.newsletter,
                    asset_base_url=inputs.asset_base_url,
                    card=lookup,
                    send=inputs.asset_base_url is not None,
                    images=planned,
                )
                eml = build_eml(nl, inputs.campaign, date=cycle_date(inputs.cycle))
                where = {ext: paths.newsletter(lang, ext) for ext in ("mjml", "html", "txt", "eml", "json")}
                files[where["mjml"]] = nl.mjml.encode("utf-8")
                files[where["html"]] = nl.html.encode("utf-8")
                files[where["txt"]] = nl.txt.encode("utf-8")
                files[where["eml"]] = eml
                files[where["json"]] = handoff(nl, inputs.campaign)  # for newsletter export/push
                made.append(NewsletterIssue(lang, nl.subject, nl.preheader, where, nl.send))
            return Rendered(files=files, products=made)

        return Plan(units=[Unit(key=key, render=render)])


KIND = NewsletterKind()
