"""The ``review`` kind: ``index.html``, the page a person reads before approving the week.

It shows the whole cycle folder, so it consumes ``"files"``: the build plans it after every
other kind is written, and its key is the folder's content.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from campaign_kit.build.kinds.base import Files, Inputs, Plan, Rendered, Unit, cache_key


class ReviewKind:
    """The review page of the cycle folder."""

    name = "review"
    consumes: tuple[str, ...] = ("files", "posts")

    def plan(self, inputs: Inputs, products: Mapping[str, Any]) -> Plan:
        """One unit: the page, keyed by every recorded file's digest and the review template."""
        from campaign_kit.render.review import review_outputs

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
            posts = products.get("posts")
            # The page quotes the appeal and newsletter texts (and posts.json only when the posts
            # are not at hand as products); read back just those, not every text of the folder.
            shown = {"appeal", "newsletter"} | (set() if posts else {"posts"})
            texts = {}
            for rel, entry in files.entries.items():
                if entry.get("kind") in shown and not rel.endswith((".png", ".jpg")):
                    data = files.read(rel)
                    if data is not None:
                        texts[rel] = data
            # index.html; past 50 women also index-2.html, index-3.html ... (render/review.py).
            pages = review_outputs(
                templates_dir=inputs.project.templates,
                contexts=inputs.contexts,
                files=files.entries,
                texts=texts,
                # The posts as typed products, not re-parsed from posts.json's bytes.
                posts=[p.to_dict() for p in posts] if posts else None,
            )
            return Rendered(files=pages)  # a generator: each page streams to disk as it is made

        # paths=None: how many pages there are only rendering tells.
        return Plan(units=[Unit(key=key, paths=None, render=render)])


KIND = ReviewKind()
