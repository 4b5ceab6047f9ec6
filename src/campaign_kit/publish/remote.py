"""What every platform module shares: credentials, redaction, the two kinds of failure, retries.

Credentials come only from environment variables and live only in memory. Every message that
leaves this package (errors, the ledger, the CLI's output) passes :meth:`Secrets.redact`, since
an SDK's exception text can carry a request URL, and Telegram's URLs hold the bot token.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from campaign_kit.errors import PublishError

T = TypeVar("T")

# The variables DESIGN.md names; TELEGRAM_API is an address, not a secret (a self-hosted
# telegram-bot-api server, or the tests' local one).
ENV = {
    "bluesky": ("CAMPAIGN_KIT_BLUESKY_HANDLE", "CAMPAIGN_KIT_BLUESKY_PASSWORD", "CAMPAIGN_KIT_BLUESKY_PDS"),
    "mastodon": ("CAMPAIGN_KIT_MASTODON_URL", "CAMPAIGN_KIT_MASTODON_TOKEN"),
    "telegram": ("CAMPAIGN_KIT_TELEGRAM_TOKEN", "CAMPAIGN_KIT_TELEGRAM_CHAT"),
}
SECRET_VARS = ("CAMPAIGN_KIT_BLUESKY_PASSWORD", "CAMPAIGN_KIT_MASTODON_TOKEN", "CAMPAIGN_KIT_TELEGRAM_TOKEN")
DEFAULTS = {
    "CAMPAIGN_KIT_BLUESKY_PDS": "https://bsky.social",
    "CAMPAIGN_KIT_TELEGRAM_API": "https://api.telegram.org",
}


@dataclass
class Secrets:
    """The secret values in use, for scrubbing them out of any text."""

    values: list[str] = field(default_factory=list)

    def add(self, value: str) -> None:
        """Remember a secret (values shorter than 4 characters would scrub ordinary text)."""
        if value and len(value) >= 4 and value not in self.values:
            self.values.append(value)
            self.values.sort(key=len, reverse=True)

    def redact(self, text: str) -> str:
        """``text`` with every secret replaced by ``***``."""
        for value in self.values:
            text = text.replace(value, "***")
        return text


def read_env(platform: str, environ: Mapping[str, str], secrets: Secrets) -> dict[str, str]:
    """The platform's settings from ``environ``, with defaults; PublishError naming what is missing.

    The error names the variables, never their values.
    """
    names = ENV[platform] + (("CAMPAIGN_KIT_TELEGRAM_API",) if platform == "telegram" else ())
    values = {n: (environ.get(n) or DEFAULTS.get(n, "")).strip() for n in names}
    missing = [n for n, v in values.items() if not v]
    if missing:
        raise PublishError(f"{platform}: set the environment variable(s) {', '.join(missing)}")
    for name in SECRET_VARS:
        if name in values:
            secrets.add(values[name])
    return values


class Transient(Exception):
    """A failure worth retrying: a rate limit, a 5xx, a dropped connection.

    Args:
        message: What happened (already redacted).
        retry_after: Seconds the server asked us to wait, when it said.

    """

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class Refused(Exception):
    """The platform refused the request (a 4xx): retrying the same request cannot help."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Parse ``Retry-After`` seconds, or an epoch ``ratelimit-reset``, into seconds to wait."""
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    if number > 1_000_000_000:  # an epoch time stamp (Bluesky's ratelimit-reset)
        number -= now if now is not None else time.time()
    return max(0.0, number)


@dataclass
class RetryPolicy:
    """Exponential backoff with jitter, honouring the server's Retry-After, up to a cap.

    Attributes:
        attempts: Calls in all, the first included.
        base: First wait in seconds; doubled each time.
        cap: Longest single wait in seconds.
        sleep: How to wait (default ``time.sleep``; tests record instead of sleeping).

    """

    attempts: int = 6
    base: float = 0.5
    cap: float = 60.0
    sleep: Callable[[float], None] | None = None
    waits: list[float] = field(default_factory=list)

    def call_sdk(
        self,
        what: str,
        fn: Callable[[], T],
        classify: Callable[[Exception, str, Secrets], Exception],
        secrets: Secrets,
    ) -> T:
        """Call an SDK's ``fn`` as :meth:`call` does, its errors sorted by ``classify`` first.

        ``classify`` turns the SDK's own exception into :class:`Transient` (retried) or a
        PublishError (a refusal), with every secret redacted.
        """

        def attempt() -> T:
            try:
                return fn()
            except Exception as exc:  # the SDK's errors, sorted into retry / refuse
                raise classify(exc, what, secrets) from None

        return self.call(what, attempt)

    def call(self, what: str, fn: Callable[[], T]) -> T:
        """Call ``fn``; retry on :class:`Transient`; PublishError when attempts run out."""
        for attempt in range(1, self.attempts + 1):
            try:
                return fn()
            except Transient as exc:
                if attempt == self.attempts:
                    raise PublishError(f"{what}: gave up after {attempt} attempts: {exc.message}") from None
                wait = min(self.cap, self.base * 2 ** (attempt - 1)) * (0.5 + random.random() / 2)
                if exc.retry_after is not None:
                    wait = max(wait, min(exc.retry_after, self.cap))
                self.waits.append(wait)
                (self.sleep or time.sleep)(wait)
        raise AssertionError("unreachable")


class Uncertain(Exception):
    """The post may or may not be out, and the platform offers no way to ask (Telegram)."""
