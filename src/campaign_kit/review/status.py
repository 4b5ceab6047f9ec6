"""``status.html``: the week's approval and posting calendar, the part of the review that moves.

``index.html`` embeds this page (an ``<iframe>``), so the review shows whether the week is
approved, what changed since, and where every post is, also when opened as a file. It is made
from ``review_state.cycle_state`` by the commands that change that state (``build``,
``approve``, ``publish``, ``preview``), and per request under ``preview --serve``, where it
carries the approval form with a token for that one page.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from campaign_kit import paths
from campaign_kit.campaign import templating
from campaign_kit.errors import CampaignKitError
from campaign_kit.output import write_file_atomic
from campaign_kit.review.state import cycle_state

TEMPLATE = "review/status.html"
# Seconds between reloads: while a publish run is going, and while the approved week waits for
# its next run (cron every few minutes); an unapproved page never reloads under a typing hand.
REFRESH_ACTIVE = 5
REFRESH_WAITING = 60


def render_status(
    templates_dir: Path,
    state: Mapping[str, Any],
    *,
    token: str | None = None,
    message: str = "",
    approve_command: str = "",
) -> bytes:
    """The status page for ``state`` (from ``review_state.cycle_state``), as UTF-8.

    Args:
        templates_dir: The project's ``templates/`` (holds ``review/status.html``).
        state: The cycle's approval and calendar.
        token: The form's one-time token under ``preview --serve``; None for the page on
            disk, which says how to approve instead of offering a form.
        message: A result to show above the form (an approval refused, and why).
        approve_command: The ``campaign-kit approve`` line for this cycle.

    Raises:
        TemplateError: The template is missing or fails.

    """
    approval = state["approval"]
    pending = state["counts"]["due"] + state["counts"]["sending"]
    refresh = 0
    if state["active"]:
        refresh = REFRESH_ACTIVE
    elif approval["state"] == "approved" and pending:
        refresh = REFRESH_WAITING
    page = {
        **state,
        "token": token or "",
        "served": token is not None,
        "message": message,
        "approve_command": approve_command,
        "refresh": refresh,
        "can_approve": approval["state"] != "approved" and not state["error"],
    }
    text = templating.render(templates_dir, TEMPLATE, {"page": page})
    return text.encode("utf-8")


def approve_command(appeal: str, cycle: str) -> str:
    """The terminal line that approves the cycle, for pages that cannot take the approval."""
    return f'campaign-kit approve --appeal {appeal} --cycle {cycle} --by "YOUR NAME"'


def write_status(folder: Path, templates_dir: Path, now: dt.datetime | None = None) -> Path:
    """Write ``status.html`` into the cycle folder from its state now; return its path.

    Written atomically and never through a link; the build keeps it (it is not a build
    output: approve and publish change it without touching the recorded files).

    Raises:
        BuildError: The file cannot be written (or is a link).
        TemplateError: The template fails.

    """
    state = cycle_state(folder, now)
    command = approve_command(state["appeal"], state["cycle"]) if state["appeal"] else ""
    data = render_status(templates_dir, state, approve_command=command)
    path = folder / paths.STATUS
    if _read_nofollow(path) != data:  # a build with nothing changed changes no file
        write_file_atomic(path, data)
    return path


def _read_nofollow(path: Path) -> bytes | None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        return fh.read()


def refresh_status(folder: Path, templates_dir: Path) -> str:
    """``write_status`` for commands whose own work is done: a failure is returned, not raised.

    ``approve`` and ``publish`` have recorded what they did by then; a page that could not be
    written must not turn their success into a failure. The message says what to run instead.
    """
    try:
        write_status(folder, templates_dir)
    except (CampaignKitError, OSError) as exc:
        with contextlib.suppress(OSError):
            os.unlink(folder / paths.STATUS)  # a stale page must not claim the old state
        return f"{folder / paths.STATUS}: not updated ({exc}); `campaign-kit preview` remakes it"
    return ""


def new_token() -> str:
    """A one-time form token: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)
