"""What every platform module shares: credentials, redaction, the two kinds of failure, retries.

Credentials come only from environment variables and live only in memory. Every message that
leaves this package (errors, the ledger, the CLI's output) passes :meth:`Secrets.redact`, since
an SDK's exception text can carry a request URL, and Telegram's URLs hold the bot token.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import random
import time
import urllib.parse
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
URL_VARS = ("CAMPAIGN_KIT_BLUESKY_PDS", "CAMPAIGN_KIT_MASTODON_URL", "CAMPAIGN_KIT_TELEGRAM_API")
# Plain http only to this machine (the tests' servers): anywhere else it would carry a password or
# token in the clear, and a network in between could answer for the platform.
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


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
    for name in URL_VARS:
        if name in values:
            check_url(name, values[name])
    return values


def check_url(name: str, url: str) -> None:
    """PublishError unless ``url`` is https (or http to this machine); names the variable."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname
    except ValueError:
        host, parts = None, None
    if parts is None or parts.scheme not in ("http", "https") or not host:
        raise PublishError(f"{name}: not a web address like https://example.org")
    if parts.scheme == "http" and host not in LOCAL_HOSTS:
        raise PublishError(
            f"{name}: refusing http://{host}: the credentials would cross the network unencrypted; "
            "use https://"
        )


class Transient(Exception):
    """A failure worth retrying: a rate limit, a 5xx, a dropped connection.

    Args:
        message: What happened (already redacted).
        retry_after: Seconds the server asked us to wait, when it said.
        maybe_sent: The request may have been carried out (a write whose answer was lost, cut
            off, unreadable or a 5xx): a retry must first find out, or repeat it idempotently.

    """

    def __init__(self, message: str, retry_after: float | None = None, maybe_sent: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after
        self.maybe_sent = maybe_sent


class GaveUp(PublishError):
    """Retries ran out (or a rate limit asks for a longer wait than a run makes).

    ``maybe_sent`` says whether any attempt may have been carried out: then the ledger keeps the
    post ``sending`` with its intent, so the next run looks on the platform before it writes.
    """

    def __init__(self, message: str, problems: list | None = None, *, maybe_sent: bool = False) -> None:
        super().__init__(message, problems)
        self.maybe_sent = maybe_sent


class Refused(Exception):
    """The platform refused the request (a 4xx): retrying the same request cannot help."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a rate-limit header; None when it says nothing usable.

    Takes ``Retry-After`` as seconds or an HTTP date, Bluesky's ``ratelimit-reset`` (epoch
    seconds) and Mastodon's ``X-RateLimit-Reset`` (an ISO 8601 time).
    """
    if not value or not value.strip():
        return None
    value = value.strip()
    clock = now if now is not None else time.time()
    try:
        number = float(value)
    except ValueError:
        number = None
    if number is not None:
        if number != number or number in (float("inf"), float("-inf")):
            return None
        if number > 1_000_000_000:  # an epoch time stamp (Bluesky's ratelimit-reset)
            number -= clock
        return max(0.0, number)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        try:
            when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, when.timestamp() - clock)


@dataclass
class RetryPolicy:
    """Exponential backoff with jitter, honouring the server's Retry-After, up to a cap.

    Attributes:
        attempts: Calls in all, the first included.
        base: First wait in seconds; doubled each time.
        cap: Longest single wait of our own backoff, in seconds.
        max_wait: Longest wait a server may ask for (Retry-After); a longer one ends the run
            with a message saying when to run again, instead of hanging a cron job for hours.
        timeout: Seconds to wait for an answer to one request.
        sleep: How to wait (default ``time.sleep``; tests record instead of sleeping).

    """

    attempts: int = 6
    base: float = 0.5
    cap: float = 60.0
    max_wait: float = 900.0
    timeout: float = 60.0
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
        """Call ``fn``; retry on :class:`Transient`, waiting as the server asks.

        Raises:
            GaveUp: Attempts ran out, or the server asks for a wait over ``max_wait``;
                ``maybe_sent`` when any attempt may have been carried out.
            Refused: The platform refused the request, and no attempt before may have landed
                (after one that may have, a refusal proves nothing: GaveUp, maybe sent).

        """
        maybe_sent = False
        for attempt in range(1, self.attempts + 1):
            try:
                return fn()
            except Refused as exc:
                if maybe_sent:
                    raise GaveUp(
                        f"{what}: {exc.message} (after an attempt whose answer was lost)", maybe_sent=True
                    ) from None
                raise
            except Transient as exc:
                maybe_sent = maybe_sent or exc.maybe_sent
                if exc.retry_after is not None and exc.retry_after > self.max_wait:
                    until = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=exc.retry_after)
                    raise GaveUp(
                        f"{what}: the server asks to wait {exc.retry_after:.0f} s; run publish again "
                        f"after {until:%Y-%m-%d %H:%M} UTC ({exc.message})",
                        maybe_sent=maybe_sent,
                    ) from None
                if attempt == self.attempts:
                    raise GaveUp(
                        f"{what}: gave up after {attempt} attempts: {exc.message}", maybe_sent=maybe_sent
                    ) from None
                wait = min(self.cap, self.base * 2 ** (attempt - 1)) * (0.5 + random.random() / 2)
                if exc.retry_after is not None:
                    # As long as the server asks (a rate limit counts requests, so an early retry
                    # only spends one more), and a little more against clock skew.
                    wait = max(wait, exc.retry_after + random.random() / 4)
                self.waits.append(wait)
                (self.sleep or time.sleep)(wait)
        raise AssertionError("unreachable")


class Uncertain(Exception):
    """The post may or may not be out, and the platform offers no way to ask (Telegram).

    Its message says what happened and how a person settles it (``--resolve``).
    """
