"""The ``cards`` kind: five share-card formats per featured woman and language.

Cards are the expensive artifacts: each is a unit of its own with a worker-pool job, keyed by
her card content, the layout files of its format, the fonts, her photo and the PNG encoder.
Their products (:class:`campaign_kit.model.Card`: path, alt text, size) are known at plan time,
so the posts and the newsletter link them without waiting for the pixels.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from campaign_kit import paths
from campaign_kit.build.kinds.base import Inputs, Plan, Unit, cache_key, digest_files, files_under
from campaign_kit.campaign.locale import load_locale
from campaign_kit.model import Card
from campaign_kit.render.jpeg import ENCODER as JPEG_ENCODER
from campaign_kit.render.png import ENCODER


@dataclass(frozen=True)
class CardJob:
    """One card to render in a worker process (small and picklable)."""

    fmt: str
    content: Any
    photo_root: str
    templates: str
    fonts: str

    def run(self) -> bytes:
        """Draw and encode the card."""
        # Imported here so that worker processes load fonts and layouts once, on first use.
        from campaign_kit.render import cards

        return cards.render_card(
            self.content,
            self.fmt,
            Path(self.photo_root),
            templates_dir=Path(self.templates),
            fonts_dir=Path(self.fonts),
        )


class CardsKind:
    """Share cards (``cards/<lang>/<id>/<format>.png``, ``.jpg`` over her photo)."""

    name = "cards"
    consumes: tuple[str, ...] = ()

    def plan(self, inputs: Inputs, products: Mapping[str, Any]) -> Plan:
        """One unit per featured woman, language and format."""
        from campaign_kit.render import cards

        project = inputs.project
        # Each format's own layout, fonts and images: a font only the link card uses re-renders
        # only link cards.
        drawn_from = {
            fmt: digest_files(
                cards.card_dependencies(
                    fmt, templates_dir=project.templates, fonts_dir=project.assets / "fonts"
                ),
                project.root,
            )
            for fmt in cards.FORMATS
        }
        # Files every layout shares (theme.toml, the words templates); the alt text templates
        # word the alt text, not the pixels.
        per_format = {f"{fmt}.toml" for fmt in cards.FORMATS}
        shared = digest_files(
            [
                p
                for p in files_under(project.templates / "cards")
                if p.name not in per_format and p.parent.name != "alt"
            ],
            project.templates,
        )
        # Her place in the appeal's list ("7 / 27" on the card, and her fill in the grid).
        numbers = {p.id: i for i, p in enumerate(inputs.people, start=1)}
        plan = Plan()
        for person in inputs.featured:
            photo_digest = ""
            if person.photo:
                photo_digest = hashlib.sha256((project.photos / person.photo).read_bytes()).hexdigest()
            for lang in inputs.languages:
                locale = load_locale(project.templates, lang)
                content = cards.card_content(
                    person,
                    inputs.campaign,
                    inputs.appeal,
                    locale,
                    as_of=inputs.roster.as_of,
                    templates_dir=project.templates,
                    number=numbers.get(person.id, 0),
                    count=len(inputs.people),
                )
                alts = dict(content.alt)
                encoder = JPEG_ENCODER if content.photo else ENCODER
                # The alt text is no part of the pixels: it stays out of the key.
                pixels = replace(content, alt=())
                for fmt, (width, height) in cards.FORMATS.items():
                    rel = paths.card(lang, person.id, fmt, content.extension)
                    plan.products.append(Card(person.id, lang, fmt, rel, alts[fmt], width, height))
                    key = cache_key(encoder, fmt, pixels, drawn_from[fmt], shared, photo_digest)
                    job = CardJob(
                        fmt,
                        pixels,
                        str(project.photos),
                        str(project.templates),
                        str(project.assets / "fonts"),
                    )
                    plan.units.append(Unit(key=key, paths=(rel,), job=job))
        return plan

    def precheck(self, inputs: Inputs, units: list[Unit]) -> None:
        """Decode every photo the cards about to render use, before any file is written.

        A corrupt, truncated or oversized photo then stops the build with its file named and
        nothing written, instead of halfway through the cards.
        """
        from campaign_kit.render.photos import load_photo, photo_path

        names = {u.job.content.photo for u in units if isinstance(u.job, CardJob) and u.job.content.photo}
        for name in sorted(names):
            load_photo(photo_path(inputs.project.photos, name), (64, 64))


KIND = CardsKind()
