"""The one error hierarchy of campaign-kit.

Every failure a user can cause (bad roster, bad template, a post that cannot fit) is a
``CampaignKitError``. The CLI turns it into ``Error: <message>`` on stderr and exit code 1;
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file, precise enough to fix by hand.

    Attributes:
        path: The file the problem is in (as the user named it).
        message: What is wrong, in plain words.
        index: Zero-based record index in the roster, when the problem is in a record.
        record_id: The record's ``id``, when it has a readable one.
        field: The field name, when the problem is in a field.
        line: One-based line number (JSON syntax errors, imported lists).
        column: One-based column number (JSON syntax errors).

    """

    path: str
    message: str
    index: int | None = None
    record_id: str | None = None
    field: str | None = None
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = [self.path]
        if self.line is not None:
            parts.append(f"line {self.line}" + (f", column {self.column}" if self.column else ""))
        if self.index is not None:
            rec = f"record {self.index + 1}"
            if self.record_id:
                rec += f" ({self.record_id})"
            parts.append(rec)
        if self.field:
            parts.append(f'field "{self.field}"')
        return ": ".join(parts) + ": " + self.message

    def as_dict(self) -> dict[str, object]:
        """Return the problem as JSON-ready data (``record`` is one-based like the message)."""
        return {
            "path": self.path,
            "record": None if self.index is None else self.index + 1,
            "id": self.record_id,
            "field": self.field,
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }


class CampaignKitError(Exception):
    """Base of every expected failure; the CLI prints it and exits 1."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems: list[Problem] = list(problems or [])

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        lines = [self.message] + [f"  {p}" for p in self.problems]
        return "\n".join(lines)


@contextmanager
def reading(
    path: Path | str,
    error: type[CampaignKitError],
    *,
    missing: str = "file not found",
    unreadable: str = "cannot be read",
) -> Iterator[None]:
    """Turn the system's failure to open or read ``path`` in the block into ``error``.

    The one place a missing or unreadable input file becomes a message naming it, never a
    traceback: ``<path>: <missing>``, or ``<path>: <unreadable> (<the system's reason>)``.
    """
    try:
        yield
    except FileNotFoundError:
        raise error(f"{path}: {missing}") from None
    except OSError as exc:
        raise error(f"{path}: {unreadable} ({exc.strerror or exc})") from None


class OptionError(CampaignKitError):
    """A command-line option's value is not one the inputs allow (``--lang xx``): bad usage.

    The CLI reports it as Click reports a bad option value, with exit code 2.

    Attributes:
        option: The option, as typed (``--lang``).

    """

    def __init__(self, message: str, option: str) -> None:
        super().__init__(message)
        self.option = option


class RosterError(CampaignKitError):
    """``roster.json`` cannot be read or is not valid (see ``problems``)."""


class ConfigError(CampaignKitError):
    """``campaign.toml`` cannot be read or is not valid."""


class ImportListError(CampaignKitError):
    """A published appeal list could not be imported cleanly."""


class TemplateError(CampaignKitError):
    """A template is missing, has a syntax error, or uses an undefined variable."""


class FitError(CampaignKitError):
    """A post or card text cannot fit its platform or box, even after dropping optional parts."""


class PhotoError(CampaignKitError):
    """A photo is missing, corrupt, too large to decode safely, or not an image."""


class RenderError(CampaignKitError):
    """A renderer failed on valid input (a glyph missing from the font, bad layout data)."""


class NewsletterError(CampaignKitError):
    """The newsletter fails one of its checks (MJML allow-list, size, alt text, links)."""


class BuildError(CampaignKitError):
    """The build cannot proceed (bad cycle, lock held by another build, write failure)."""


class BusyError(BuildError):
    """Another process holds the cycle's lock (a build, an export or a push is running)."""


class SendError(CampaignKitError):
    """``send-test`` could not deliver the proof message."""


class EspError(CampaignKitError):
    """``newsletter export`` or ``newsletter push`` failed (no send build, platform refused)."""


class ApprovalError(CampaignKitError):
    """A cycle is not approved, or its files changed since it was approved."""


class PublishError(CampaignKitError):
    """``publish`` failed: a platform refused a post, credentials are missing, or a post is uncertain."""
