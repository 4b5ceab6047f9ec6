"""The ``review`` kind: ``index.html``, the page a person reads before approving the week.

It shows the whole cycle folder, so it consumes ``"files"``: the build plans it after every
other kind is written, and its key is the folder's content. What it shows of the kit comes
from the other kinds' typed products (:mod:`campaign_kit.model`), as the build has them: made
in this run, or read back from the previous manifest and ``posts.json`` for a part kept as it was.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from campaign_kit.build.kinds.base import Files, Inputs, Plan, Rendered, Unit, cache_key


class ReviewKind:
    """The review page of the cycle folder."""

    name = "review"
    # The appeal's and newsletter's products too, when the build planned them: a kind not
    # planned has no file in the folder, so nothing to show (planning it would not add any).
    consumes: tuple[str, ...] = ("files", "cards", "posts")

    def plan(self, inputs: Inputs, products: Mapping[str, Any]) -> Plan:
        """One unit: the page, keyed by every recorded file's digest and the review template."""
        from campaign_kit.render.review import PageProducts, review_outputs

        files: Files = products["files"]
        key = cache_key(
            self.name,
            sorted((e["path"], e["sha256"]) for e in files.entries.values()),
            inputs.templates_digest("review"),
            inputs.digests["roster"],
            inputs.digests["campaign"],
            inputs.languages,
            [p.id for p in inputs.selection],
        )

        def render() -> Rendered:
            kit = PageProducts(
                files=files.entries,
                read=files.read,
                cards=products.get("cards", ()),
                posts=products.get("posts", ()),
                appeal=products.get("appeal", ()),
                newsletters=products.get("newsletter", ()),
            )
            # index.html; past 50 women also index-2.html, index-3.html ... (render/review.py).
            pages = review_outputs(templates_dir=inputs.project.templates, contexts=inputs.contexts, kit=kit)
            return Rendered(files=pages)  # a generator: each page streams to disk as it is made

        # paths=None: how many pages there are only rendering tells.
        return Plan(units=[Unit(key=key, paths=None, render=render)])


KIND = ReviewKind()
