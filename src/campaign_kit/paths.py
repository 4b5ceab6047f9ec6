"""Where every generated file lives inside a cycle folder (``out/<appeal>/<cycle>/``).

The one place output paths are spelt: renderers, the build, the review page and the publish
commands all ask here, so moving a file is a one-line change. Every path is relative to the
cycle folder and made only of validated ids, language codes and fixed names.
"""

from __future__ import annotations

from pathlib import Path

MANIFEST = "manifest.json"
REVIEW = "index.html"
POSTS_JSON = "posts.json"
SCHEDULE_CSV = "schedule.csv"
CALENDAR_ICS = "calendar.ics"
# Written by ``approve`` and ``publish``, never by ``build``: a build keeps them.
APPROVAL = "approval.json"
LEDGER = "published.json"
# The approval and posting calendar the review page embeds: remade by build, approve, publish
# and preview as the state it shows changes (review/status.py).
STATUS = "status.html"
NOT_BUILT = frozenset({APPROVAL, LEDGER, STATUS})
# Folders other commands write into a cycle (``newsletter export``/``push``): a build keeps them.
NOT_BUILT_DIRS = frozenset({"esp"})


def cycle_folder(out: Path, appeal: str, cycle: str) -> Path:
    """``out/<appeal>/<cycle>``: where a cycle's kit is built, read, approved and published."""
    return out / appeal / cycle


def card(lang: str, person_id: str, card_format: str, ext: str = "png") -> str:
    """A share card: ``cards/<lang>/<id>/<format>.png`` (``.jpg`` for a card over her photo)."""
    return f"cards/{lang}/{person_id}/{card_format}.{ext}"


def post_paste(lang: str, platform: str) -> str:
    """Ready-to-paste posts of one language and platform: ``posts/<lang>/<platform>.txt``."""
    return f"posts/{lang}/{platform}.txt"


def appeal_text(lang: str, ext: str) -> str:
    """The long-form appeal: ``appeal/<lang>.<ext>`` (``txt`` or ``html``)."""
    return f"appeal/{lang}.{ext}"


def newsletter(lang: str, ext: str) -> str:
    """One language's newsletter: ``newsletter/<lang>.<ext>`` (mjml, html, txt, eml, json)."""
    return f"newsletter/{lang}.{ext}"
