"""The registry of output kinds, in the order the build plans them.

Adding a kind is one module here (a class with ``name``, ``consumes`` and ``plan``; see
:class:`campaign_kit.build.kinds.base.Kind`) and one line in :data:`REGISTRY`. ``--only``, the
manifest and the review page take their kind names from this registry.
"""

from __future__ import annotations

from campaign_kit.build.kinds import appeal, cards, newsletter, posts, review
from campaign_kit.build.kinds.base import Kind

REGISTRY: tuple[Kind, ...] = (cards.KIND, posts.KIND, appeal.KIND, newsletter.KIND, review.KIND)
BY_NAME: dict[str, Kind] = {k.name: k for k in REGISTRY}
# What ``--only`` chooses from: every kind a person builds by name (the review page always follows).
BUILDABLE: tuple[str, ...] = tuple(k.name for k in REGISTRY if "files" not in k.consumes)


def needed(requested: tuple[str, ...]) -> list[Kind]:
    """The kinds to plan for ``requested``, with every kind they consume, in registry order."""
    want = set(requested) | {k.name for k in REGISTRY if "files" in k.consumes}
    changed = True
    while changed:
        changed = False
        for name in list(want):
            for dep in BY_NAME[name].consumes:
                if dep in BY_NAME and dep not in want:
                    want.add(dep)
                    changed = True
    return [k for k in REGISTRY if k.name in want]
