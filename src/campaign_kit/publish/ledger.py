"""``published.json``: per post and platform, what was sent and what came back.

An entry is written *before* each remote call (``sending``, with whatever makes the call
repeatable: Bluesky's record key, Mastodon's Idempotency-Key) and *after* it (``done``, with
the remote id and URI). A run killed between the two finds ``sending`` and asks the platform
whether the post is out instead of posting again; where the platform cannot say (Telegram),
the entry becomes ``uncertain`` and a person decides.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from campaign_kit import paths
from campaign_kit.errors import PublishError
from campaign_kit.publish.files import read_json, write_json_atomic

SCHEMA = 1
SENDING = "sending"
DONE = "done"
UNCERTAIN = "uncertain"
FAILED = "failed"
STATES = (SENDING, DONE, UNCERTAIN, FAILED)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Ledger:
    """The ledger of one cycle folder, saved atomically on every change.

    Args:
        folder: The cycle folder.
        appeal: The appeal key (recorded, and checked against an existing ledger).
        cycle: The ISO week (same).
        clock: Returns the time stamp written into entries (tests pass a fixed one).

    """

    def __init__(self, folder: Path, appeal: str, cycle: str, clock: Callable[[], str] = _now) -> None:
        self.path = folder / paths.LEDGER
        self.appeal = appeal
        self.cycle = cycle
        self.clock = clock
        self.entries: dict[str, dict[str, Any]] = {}
        # Thread id -> {"generation": n, "abandoned": [...]}: threads a person restarted.
        self.threads: dict[str, dict[str, Any]] = {}
        data = read_json(self.path)
        if data is not None:
            self._load(data)

    def _load(self, data: Any) -> None:
        if (
            not isinstance(data, dict)
            or data.get("schema") != SCHEMA
            or not isinstance(data.get("entries"), dict)
        ):
            raise PublishError(f"{self.path}: not a campaign-kit ledger (schema {SCHEMA})")
        if (data.get("appeal"), data.get("cycle")) != (self.appeal, self.cycle):
            raise PublishError(
                f"{self.path}: records {data.get('appeal')} {data.get('cycle')}, "
                f"not {self.appeal} {self.cycle}"
            )
        for key, entry in data["entries"].items():
            if not isinstance(entry, dict) or entry.get("state") not in STATES:
                raise PublishError(f"{self.path}: entry {key!r} is malformed")
        threads = data.get("threads", {})
        if not isinstance(threads, dict) or not all(
            isinstance(t, dict) and isinstance(t.get("generation"), int) for t in threads.values()
        ):
            raise PublishError(f"{self.path}: its threads record is malformed")
        self.entries = data["entries"]
        self.threads = threads

    def get(self, key: str) -> dict[str, Any] | None:
        """The entry of ``key``, or None."""
        return self.entries.get(key)

    def state(self, key: str) -> str | None:
        """The state of ``key``'s entry, or None when it has none."""
        entry = self.entries.get(key)
        return entry["state"] if entry else None

    def remote(self, key: str) -> dict[str, Any]:
        """What the platform returned for ``key`` (empty until it is done)."""
        entry = self.entries.get(key) or {}
        return dict(entry.get("remote") or {})

    def generation(self, thread_id: str) -> int:
        """How many times ``thread_id`` was restarted (0: never)."""
        return int(self.threads.get(thread_id, {}).get("generation", 0))

    def thread_entries(self, thread_id: str) -> dict[str, dict[str, Any]]:
        """The entries of every part of ``thread_id`` in the ledger, by key."""
        prefix = f"{thread_id}:"
        return {k: e for k, e in self.entries.items() if k.startswith(prefix)}

    def abandon(self, thread_id: str, note: str) -> list[str]:
        """Set the parts of ``thread_id`` aside (kept on record) so the thread starts over.

        The next generation's parts get other remote keys, so a record or status of the
        abandoned thread is never taken for one of the new thread.

        Returns:
            The keys set aside.

        """
        parts = self.thread_entries(thread_id)
        record = self.threads.setdefault(thread_id, {"generation": 0, "abandoned": []})
        record["abandoned"].append({"at": self.clock(), "note": note, "entries": dict(sorted(parts.items()))})
        record["generation"] = int(record["generation"]) + 1
        for key in parts:
            del self.entries[key]
        self.save()
        return sorted(parts)

    def update(self, key: str, platform: str, lang: str, state: str, **fields: Any) -> None:
        """Set ``key``'s state (and fields) and save the ledger before returning."""
        entry = self.entries.setdefault(key, {"platform": platform, "lang": lang})
        entry["state"] = state
        entry.update(fields)
        entry["updated_at"] = self.clock()
        if state != FAILED and "error" not in fields:
            entry.pop("error", None)
        if state != FAILED or not entry.get("unsent"):
            # "unsent": a failure that proves nothing of the post went out (a 4xx, a refused
            # connection, --resolve KEY=unsent); only then may a new try start afresh.
            entry.pop("unsent", None)
        self.save()

    def save(self) -> None:
        """Write the ledger atomically."""
        write_json_atomic(
            self.path,
            {
                "schema": SCHEMA,
                "appeal": self.appeal,
                "cycle": self.cycle,
                "entries": dict(sorted(self.entries.items())),
                **({"threads": dict(sorted(self.threads.items()))} if self.threads else {}),
            },
        )
