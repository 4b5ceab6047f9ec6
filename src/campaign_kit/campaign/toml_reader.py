"""Typed reading of parsed TOML that collects every mistake instead of stopping at the first.

``campaign.toml`` and the card layouts are edited by hand; ``validate`` should list every bad
key in one pass, each named by file and dotted key. Both readers build on ``TomlReader``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from campaign_kit.errors import Problem

_INDEX = re.compile(r"\[\d+\]")
KIND_NAMES = {
    int: "a whole number",
    float: "a number",
    str: "a string",
    list: "a list",
    dict: "a table",
    bool: "true/false",
}


def join_key(where: str, key: str | int) -> str:
    """The dotted name of ``key`` inside ``where``: ``block[0].text`` / ``canvas.width``."""
    if isinstance(key, int):
        return f"{where}[{key}]"
    return f"{where}.{key}" if where else key


def kind_name(kind: type) -> str:
    """How a message names a TOML value's type (``a whole number``, ``a table``)."""
    return KIND_NAMES.get(kind, kind.__name__)


class TomlReader:
    """Typed access to parsed TOML that records a ``Problem`` (file + dotted key) per mistake.

    Every getter returns ``None`` (or the given default for an absent key) after recording
    the problem, so a loader reads on and reports every mistake in one list.
    """

    def __init__(self, source: str) -> None:
        """Read values of the file ``source`` (named in every problem)."""
        self.source = source
        self.problems: list[Problem] = []

    def bad(self, key: str, message: str) -> None:
        """Record a problem with ``key`` (a dotted name)."""
        self.problems.append(Problem(self.source, message, field=key))

    def known(self, table: Mapping[str, Any], where: str, allowed: Sequence[str]) -> None:
        """Record every key of ``table`` that is not in ``allowed`` (catches typos)."""
        for key in table:
            if key not in allowed:
                self.bad(join_key(where, key), f"unknown key (expected one of {', '.join(allowed)})")

    def get(
        self,
        table: Mapping[str, Any],
        key: str,
        where: str,
        kind: type | tuple[type, ...],
        default: Any = ...,
    ) -> Any:
        """``table[key]`` if it is of ``kind`` (never a bool for a number).

        Returns:
            The value; ``default`` when the key is absent (a problem if there is no default);
            ``None`` when it has the wrong type.

        """
        name = join_key(where, key)
        if key not in table:
            if default is ...:
                self.bad(name, "missing")
                return None
            return default
        value = table[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kind):
            label = " or ".join(kind_name(k) for k in kinds)
            self.bad(name, f"must be {label}, not {kind_name(type(value))}")
            return None
        return value

    def tables(
        self,
        table: Mapping[str, Any],
        key: str,
        where: str,
        allowed: Sequence[str] | None = None,
        default: Any = ...,
    ) -> Iterator[tuple[int, str, Mapping[str, Any]]]:
        """Each table of the array of tables ``[[key]]``: its index, dotted name and itself.

        An entry that is not a table is a problem, and skipped; with ``allowed``, every
        unknown key of a table is one too (see :meth:`known`).
        """
        name = join_key(where, key)
        header = _INDEX.sub("", name)  # block[0].text -> [[block.text]]
        for i, entry in enumerate(self.get(table, key, where, list, default) or []):
            entry_where = join_key(name, i)
            if not isinstance(entry, dict):
                self.bad(entry_where, f"must be a table ([[{header}]])")
                continue
            if allowed is not None:
                self.known(entry, entry_where, allowed)
            yield i, entry_where, entry

    def _within(self, value: Any, name: str, lo: float, hi: float) -> Any:
        """``value`` if it is None or in ``lo..hi``; else the problem is recorded, and None."""
        if value is not None and not lo <= value <= hi:
            self.bad(name, f"{value} is outside {lo}..{hi}")
            return None
        return value

    def int_(
        self, table: Mapping[str, Any], key: str, where: str, lo: int, hi: int, default: Any = ...
    ) -> int | None:
        """A whole number in ``lo..hi``."""
        value = self._within(self.get(table, key, where, int, default), join_key(where, key), lo, hi)
        return None if value is None else int(value)

    def num(
        self, table: Mapping[str, Any], key: str, where: str, lo: float, hi: float, default: Any = ...
    ) -> float | None:
        """A number (whole or not) in ``lo..hi``."""
        value = self._within(self.get(table, key, where, (int, float), default), join_key(where, key), lo, hi)
        return None if value is None else float(value)

    def choice(
        self, table: Mapping[str, Any], key: str, where: str, choices: Sequence[str], default: Any = ...
    ) -> str | None:
        """One of ``choices``."""
        value = self.get(table, key, where, str, default)
        if value is None:
            return None
        if value not in choices:
            self.bad(join_key(where, key), f"{value!r} is not one of {', '.join(choices)}")
            return None
        return str(value)
