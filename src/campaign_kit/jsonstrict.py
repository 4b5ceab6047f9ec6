"""Strict JSON reading for every JSON file the tool reads (roster.json, manifests, posts.json).

Python's ``json`` silently keeps the last of two equal keys, so ``"children": 2, "children": 3``
would quietly decide a fact; it also raises a bare ``ValueError`` deep in ``int()`` for a number
over 4,300 digits. Here both are ``JSONError``s (a ``ValueError``) with a plain message.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from campaign_kit.errors import CampaignKitError, reading

# CPython's default limit on int <-> str conversion (sys.get_int_max_str_digits()).
MAX_INT_DIGITS = 4300


class JSONError(ValueError):
    """The text is not JSON the tool accepts: a duplicate key, a huge number, a syntax error.

    Attributes:
        msg: What is wrong, in plain words.
        lineno: One-based line of the problem, when known.
        colno: One-based column of the problem, when known.

    """

    def __init__(self, msg: str, lineno: int | None = None, colno: int | None = None) -> None:
        super().__init__(msg if lineno is None else f"{msg} (line {lineno}, column {colno})")
        self.msg = msg
        self.lineno = lineno
        self.colno = colno


class _Duplicate(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Duplicate(key)
        out[key] = value
    return out


class _HugeNumber(Exception):
    def __init__(self, digits: int) -> None:
        super().__init__(digits)
        self.digits = digits


def _int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise _HugeNumber(digits)
    return int(text)


def _position(text: str, pos: int) -> tuple[int, int]:
    return text.count("\n", 0, pos) + 1, pos - (text.rfind("\n", 0, pos) + 1) + 1


def _constant(name: str) -> float:
    raise JSONError(f"{name} is not a JSON number")


def _line_of_duplicate(text: str, key: str) -> tuple[int | None, int | None]:
    """Line and column of the second occurrence of ``"key":`` (best effort, for the message)."""
    pattern = re.compile(r'"' + re.escape(json.dumps(key)[1:-1]) + r'"\s*:')
    found = list(pattern.finditer(text))
    if len(found) < 2:
        return None, None
    return _position(text, found[1].start())


def loads(text: str | bytes) -> Any:
    """Parse JSON text, refusing duplicate keys, NaN/Infinity and numbers over 4,300 digits.

    Args:
        text: The JSON text (bytes are decoded as UTF-8).

    Returns:
        The parsed value.

    Raises:
        JSONError: the text is not JSON, is nested too deeply, repeats a key in one object,
            or holds a number too long to read.
        UnicodeDecodeError: bytes that are not UTF-8.

    """
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    try:
        return json.loads(text, object_pairs_hook=_pairs, parse_int=_int, parse_constant=_constant)
    except _Duplicate as exc:
        line, col = _line_of_duplicate(text, exc.key)
        raise JSONError(f'duplicate key "{exc.key[:60]}" in one object', line, col) from None
    except _HugeNumber as exc:
        found = re.search(r"\d{" + str(MAX_INT_DIGITS + 1) + ",}", text)
        line, col = _position(text, found.start()) if found else (None, None)
        raise JSONError(
            f"a number with {exc.digits:,} digits (at most {MAX_INT_DIGITS:,} are read)", line, col
        ) from None
    except json.JSONDecodeError as exc:
        raise JSONError(exc.msg, exc.lineno, exc.colno) from None
    except RecursionError:
        raise JSONError("JSON is nested too deeply") from None
    except JSONError:
        raise
    except ValueError as exc:  # float conversion and similar corner cases
        raise JSONError(str(exc)) from None


def read_file(path: Path, error: type[CampaignKitError], *, missing_ok: bool = False, hint: str = "") -> Any:
    """Read and parse the JSON file at ``path``: the one reader of the tool's JSON files.

    Args:
        path: The file (a manifest, posts.json, approval.json, the ledger).
        error: The error the caller's command reports (``BuildError``, ``PublishError``...).
        missing_ok: Return None when the file does not exist, instead of raising.
        hint: Added to the "not found" message ("; build the cycle first").

    Raises:
        error: the file is missing (unless ``missing_ok``), unreadable, not UTF-8, or not
            JSON this module accepts; the message names the file.

    """
    with reading(path, error, missing=f"not found{hint}"):
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            if missing_ok:
                return None
            raise
    try:
        return loads(raw)
    except (JSONError, UnicodeDecodeError) as exc:
        raise error(f"{path}: cannot be read ({exc})") from None
