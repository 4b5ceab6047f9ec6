"""What the review page says of a built week after the build: approval, changes, the calendar.

The review page (``index.html``) is a build output and its bytes are recorded in the manifest,
so it cannot change when someone approves the week or a post goes out. What changes after the
build is read here, from ``approval.json``, ``published.json`` and the build's own record, and
shown on ``status.html`` (``review/status.py``), which the review page embeds: written
by ``build``, ``approve``, ``publish`` and ``preview``, and made fresh for every request under
``preview --serve``. Nothing here writes or prints; it reads the cycle folder as publish does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from campaign_kit.errors import CampaignKitError
from campaign_kit.publish.approval import changes, read_approval
from campaign_kit.publish.cycle import Item, Kit, load_cycle
from campaign_kit.publish.ledger import DONE, FAILED, SENDING, UNCERTAIN, Ledger

# Calendar states, in the order a person must act on them.
STATES = ("failed", "uncertain", "sending", "due", "out")
STATE_LABELS = {
    "failed": "Failed",
    "uncertain": "Uncertain",
    "sending": "Sending",
    "due": "Due",
    "out": "Out",
}
_FROM_LEDGER = {DONE: "out", SENDING: "sending", UNCERTAIN: "uncertain", FAILED: "failed"}
# Changes since the approval listed by name on the page; the rest are counted.
CHANGES_SHOWN = 50
# A ledger entry written this recently means a publish run is going: the page refreshes often.
ACTIVE_SECONDS = 120


def cycle_state(folder: Any, now: dt.datetime | None = None) -> dict[str, Any]:
    """The approval and the posting calendar of the cycle in ``folder``, as plain data.

    Args:
        folder: The cycle folder (``out/<appeal>/<cycle>``).
        now: The time the page is made (UTC); tells a publish run that is going from one
            that stopped.

    Returns:
        ``appeal``, ``cycle``; ``error`` (why the folder cannot be read, or ``""``);
        ``approval``: ``state`` (``none``, ``approved`` or ``changed``), ``by``, ``at``,
        ``digest``, ``changes`` (the first ``CHANGES_SHOWN`` lines: post by post, card by card)
        and ``more_changes``; ``calendar``: one row per post, and one per roll-call thread
        (its parts counted by state); ``counts`` by state; ``active`` (a publish run wrote
        its ledger in the last ``ACTIVE_SECONDS``).

    """
    now = now or dt.datetime.now(dt.UTC)
    empty: dict[str, Any] = {
        "appeal": "",
        "cycle": "",
        "error": "",
        "approval": {"state": "none", "by": "", "at": "", "digest": "", "changes": [], "more_changes": 0},
        "calendar": [],
        "counts": {state: 0 for state in STATES},
        "total": 0,
        "active": False,
    }
    try:
        kit = load_cycle(folder)
        approval = read_approval(folder)
        diff = changes(folder, approval, kit) if approval is not None else []
        ledger = Ledger(folder, kit.appeal, kit.cycle)
    except CampaignKitError as exc:
        return {**empty, "error": exc.message}
    rows, counts = _calendar(kit, ledger)
    state = "none" if approval is None else ("changed" if diff else "approved")
    return {
        **empty,
        "appeal": kit.appeal,
        "cycle": kit.cycle,
        "approval": {
            "state": state,
            "by": approval.by if approval else "",
            "at": approval.at if approval else "",
            "digest": approval.digest if approval else "",
            "changes": diff[:CHANGES_SHOWN],
            "more_changes": max(0, len(diff) - CHANGES_SHOWN),
        },
        "calendar": rows,
        "counts": counts,
        "total": sum(counts.values()),
        "active": _active(ledger, now),
    }


def _calendar(kit: Kit, ledger: Ledger) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Rows in due order: a post per woman, and a row per roll-call thread with its parts counted."""
    counts = {state: 0 for state in STATES}
    rows: list[dict[str, Any]] = []
    threads: dict[str, dict[str, Any]] = {}
    for item in kit.items:
        entry = ledger.get(item.key) or {}
        state = _FROM_LEDGER.get(entry.get("state", ""), "due")
        counts[state] += 1
        if item.thread is not None:
            row = threads.get(item.thread)
            if row is None:
                row = threads[item.thread] = _row(item, entry, state)
                row.update(kind="thread", parts=0, by_state={s: 0 for s in STATES}, problems=[])
                rows.append(row)
            row["parts"] += 1
            row["by_state"][state] += 1
            if state in ("failed", "uncertain") and len(row["problems"]) < 5:
                row["problems"].append({"part": item.post.part, "state": state, "note": _note(entry)})
            # A thread is as far as its least advanced part.
            if STATES.index(state) < STATES.index(row["state"]):
                row["state"] = state
            continue
        rows.append(_row(item, entry, state))
    for row in rows:
        if row["kind"] == "thread":
            row["summary"] = ", ".join(
                f"{n} {STATE_LABELS[s].lower()}" for s, n in row["by_state"].items() if n
            )
    rows.sort(key=lambda r: (r["due_sort"], r["platform"], r["lang"]))
    return rows, counts


def _row(item: Item, entry: Mapping[str, Any], state: str) -> dict[str, Any]:
    post = item.post
    due = _due(post)
    remote = entry.get("remote") or {}
    who = post.id or ""
    if post.kind == "thread":
        who = "Roll call"
    return {
        "key": item.key,
        "kind": "post",
        "platform": item.platform,
        "lang": item.lang,
        "who": who,
        "due": due,
        "due_label": _due_label(due),
        "due_sort": due or "9999",
        "account": _account(post),
        "state": state,
        "label": STATE_LABELS[state],
        "link": _link(item.platform, remote) if state == "out" else "",
        "note": _note(entry) if state in ("failed", "uncertain") else "",
        "card": item.card or "",
    }


def _due(post: Any) -> str:
    """The post's due time (``due``, ISO 8601 with offset) or, before plans had times, its day."""
    due = getattr(post, "due", None)
    if isinstance(due, dt.datetime):
        return due.isoformat()
    if isinstance(due, str) and due:
        return due
    day = getattr(post, "date", None)
    return day.isoformat() if isinstance(day, dt.date) else ""


def _due_label(due: str) -> str:
    """``2026-11-23T10:00:00+02:00`` -> ``Mon 2026-11-23 10:00 +02:00`` (its own zone's time)."""
    try:
        when = dt.datetime.fromisoformat(due)
    except ValueError:
        return due
    if len(due) == 10:
        return f"{when:%a %Y-%m-%d}"
    offset = when.strftime("%z")
    zone = f" {offset[:3]}:{offset[3:]}" if offset else ""
    return f"{when:%a %Y-%m-%d %H:%M}{zone}"


def _account(post: Any) -> str:
    """Who posts it: the account's handle, chat or URL; never a secret (the plan has none)."""
    account = getattr(post, "account", None)
    if isinstance(account, str):
        # "bluesky:belaruswomen.bsky.social": the platform is in its own column.
        platform = getattr(post, "platform", "")
        return account.removeprefix(f"{platform}:") if platform else account
    if isinstance(account, Mapping):
        for key in ("handle", "chat", "url", "name"):
            value = account.get(key)
            if isinstance(value, str) and value:
                return value
    return ""


def _note(entry: Mapping[str, Any]) -> str:
    note = entry.get("reason") or entry.get("error") or ""
    return str(note)


def _link(platform: str, remote: Mapping[str, Any]) -> str:
    """A web address for a post that is out: Mastodon's URL, Bluesky's post page, Telegram's."""
    url = remote.get("url")
    if isinstance(url, str) and url.startswith(("https://", "http://")):
        return url  # never javascript: or the like, whatever a server answered
    uri = remote.get("uri")
    if platform == "bluesky" and isinstance(uri, str) and uri.startswith("at://"):
        # at://<did>/app.bsky.feed.post/<rkey> -> the post's page in the Bluesky web app.
        parts = uri[len("at://") :].split("/")
        if len(parts) == 3 and parts[1] == "app.bsky.feed.post":
            return f"https://bsky.app/profile/{quote(parts[0], safe=':')}/post/{quote(parts[2], safe='')}"
    chat, message = remote.get("chat"), remote.get("id")
    if platform == "telegram" and isinstance(chat, str) and chat.startswith("@") and message:
        return f"https://t.me/{quote(chat[1:], safe='')}/{quote(str(message), safe='')}"
    return ""


def _active(ledger: Ledger, now: dt.datetime) -> bool:
    """Whether a publish run is going: a post is being sent, or the ledger just changed."""
    for entry in ledger.entries.values():
        if entry.get("state") == SENDING:
            return True
        stamp = entry.get("updated_at")
        if isinstance(stamp, str):
            try:
                when = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
            except ValueError:
                continue
            if when.tzinfo is not None and (now - when).total_seconds() < ACTIVE_SECONDS:
                return True
    return False
