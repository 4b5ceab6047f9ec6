"""The posting plan: ``[schedule]`` and ``[[accounts]]`` of campaign.toml, and when each post is due.

A team posts each language to the account its readers follow, one featured woman a day, at the
hour those readers are online::

    [schedule]
    timezone = "Europe/Vilnius"
    days = ["mon", "tue", "wed", "thu", "fri"]
    roll_call = "sun"
    [schedule.times]
    bluesky = "10:00"

    [[accounts]]
    platform = "bluesky"
    langs = ["en"]
    handle = "belaruswomen.bsky.social"
    secret = "CAMPAIGN_KIT_BLUESKY_EN"

Every post gets ``due`` (local time in the zone, with its offset) and ``account`` (platform and
handle, chat or URL; never the secret, which campaign.toml only names). Nothing here reads the
clock or the network: the same campaign.toml and cycle give the same plan.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import urllib.parse
import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from campaign_kit.campaign.toml_reader import TomlReader

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_TIMEZONE = "UTC"
DEFAULT_DAYS = (0, 1, 2, 3, 4)
DEFAULT_ROLL_CALL = 6
DEFAULT_TIME = dt.time(10, 0)
# More featured women than posting days: the next round of the same days goes out this much
# later, so one account never posts two women at the same minute.
EXTRA_ROUND_GAP = dt.timedelta(hours=1)
# The platforms publish speaks to, and what each account there must say.
PUBLISHABLE = ("bluesky", "mastodon", "telegram")
ACCOUNT_KEYS = ("platform", "langs", "secret", "handle", "service", "url", "chat")
TIME_RE = re.compile(r"([01]\d|2[0-3]):([0-5]\d)\Z")
SECRET_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,99}\Z")
BLUESKY_HANDLE_RE = re.compile(
    r"(?=.{3,253}\Z)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+\Z"
)
TELEGRAM_CHAT_RE = re.compile(r"@[A-Za-z][A-Za-z0-9_]{3,31}\Z|-?\d{1,20}\Z")
OTHER_HANDLE_RE = re.compile(r"@?[A-Za-z0-9_.@-]{1,100}\Z")
LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class Schedule:
    """``[schedule]``: the zone, the posting days, the roll-call day, a time per platform.

    Attributes:
        timezone: IANA zone name; every due time is local time there.
        days: Weekday indexes (0 = Monday) on which featured women are posted, in order.
        roll_call: The weekday index on which the roll-call threads go out.
        times: Platform -> local time of day; platforms not named post at ``DEFAULT_TIME``.

    """

    timezone: str = DEFAULT_TIMEZONE
    days: tuple[int, ...] = DEFAULT_DAYS
    roll_call: int = DEFAULT_ROLL_CALL
    times: Mapping[str, dt.time] = field(default_factory=dict)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The zone as tzinfo."""
        return zoneinfo.ZoneInfo(self.timezone)

    def time_for(self, platform: str) -> dt.time:
        """The local time of day posts go out on ``platform``."""
        return self.times.get(platform, DEFAULT_TIME)

    def local(self, day: dt.date, at: dt.time, later: dt.timedelta = dt.timedelta(0)) -> dt.datetime:
        """``day`` at ``at`` (plus ``later``) in the zone, as an aware time with a fixed offset.

        A wall time that does not exist (skipped by a spring-forward change) moves to the same
        instant after the change; the offset is frozen into the value, so it writes and reads
        back (``posts.json``) as the same text.
        """
        naive = dt.datetime.combine(day, at) + later
        instant = naive.replace(tzinfo=self.zone).astimezone(dt.UTC)
        local = instant.astimezone(self.zone)
        offset = local.utcoffset() or dt.timedelta(0)
        return local.replace(tzinfo=dt.timezone(offset))

    def post_due(self, week_start: dt.date, platform: str, index: int) -> dt.datetime:
        """When the ``index``-th featured woman (selection order, from 0) is due on ``platform``."""
        rounds, slot = divmod(index, len(self.days))
        day = week_start + dt.timedelta(days=self.days[slot])
        return self.local(day, self.time_for(platform), EXTRA_ROUND_GAP * rounds)

    def thread_due(self, week_start: dt.date, platform: str) -> dt.datetime:
        """When the roll-call thread goes out on ``platform``."""
        return self.local(week_start + dt.timedelta(days=self.roll_call), self.time_for(platform))

    def describe(self) -> str:
        """The plan in words, for the dry run and messages."""
        days = ", ".join(DAY_NAMES[d] for d in self.days)
        return f"{self.timezone}; featured women on {days}; roll call on {DAY_NAMES[self.roll_call]}"


@dataclass(frozen=True)
class Account:
    """One ``[[accounts]]`` entry: where a platform's posts in some languages go out.

    Attributes:
        platform: Platform key.
        langs: The languages it carries.
        secret: The *name* of the secret (an environment variable or a system keyring entry):
            Bluesky app password, Mastodon access token or Telegram bot token. Never the value.
        handle: Bluesky handle; Mastodon user name (optional); the handle elsewhere.
        service: Bluesky: the PDS the account lives on.
        url: Mastodon: the instance's address.
        chat: Telegram: ``@channel`` or a numeric chat id.

    """

    platform: str
    langs: tuple[str, ...]
    secret: str = ""
    handle: str = ""
    service: str = ""
    url: str = ""
    chat: str = ""

    @property
    def label(self) -> str:
        """Platform and where it posts: ``bluesky:belaruswomen.bsky.social``; never a secret."""
        if self.platform == "telegram":
            where = self.chat
        elif self.platform == "mastodon":
            where = self.url.rstrip("/") + (f"/@{self.handle.lstrip('@')}" if self.handle else "")
        else:
            where = self.handle
        return f"{self.platform}:{where}"

    def names(self) -> tuple[str, ...]:
        """What ``login ACCOUNT`` accepts for it: the label, the secret's name, handle, chat, URL."""
        extra = [f"{self.platform}:{lang}" for lang in self.langs]
        return tuple(n for n in (self.label, self.secret, self.handle, self.chat, self.url, *extra) if n)


@dataclass(frozen=True)
class PostingPlan:
    """One cycle's plan: the schedule and accounts applied to the week starting ``week_start``."""

    schedule: Schedule
    accounts: tuple[Account, ...]
    week_start: dt.date

    @classmethod
    def default(cls, cycle: Any) -> PostingPlan:
        """The default schedule with no accounts, for the week of ``cycle`` (a ``Cycle``)."""
        return cls(Schedule(), (), cycle.start)

    def post_due(self, platform: str, index: int) -> dt.datetime:
        """When the ``index``-th featured woman (from 0) is due on ``platform``."""
        return self.schedule.post_due(self.week_start, platform, index)

    def thread_due(self, platform: str) -> dt.datetime:
        """When the roll-call thread is due on ``platform``."""
        return self.schedule.thread_due(self.week_start, platform)

    def account(self, platform: str, lang: str) -> str | None:
        """The label of the account posting ``lang`` on ``platform``, or None."""
        found = account_for(self.accounts, platform, lang)
        return found.label if found else None


def account_for(accounts: Sequence[Account], platform: str, lang: str) -> Account | None:
    """The account carrying ``lang`` on ``platform``, or None (the post is not published there)."""
    for account in accounts:
        if account.platform == platform and lang in account.langs:
            return account
    return None


def _url(r: TomlReader, value: Any, name: str) -> str:
    """An https address (http only on this machine, for a local server); "" after a problem."""
    if not isinstance(value, str):
        r.bad(name, "must be a string")
        return ""
    parts = urllib.parse.urlsplit(value)
    local = parts.scheme == "http" and parts.hostname in LOOPBACK
    if not (parts.scheme == "https" or local) or not parts.hostname or not value.isascii():
        r.bad(name, f"{value[:80]!r} must be an https:// address (ASCII)")
        return ""
    if parts.username or parts.password or parts.query or parts.fragment:
        r.bad(name, f"{value[:80]!r} must be a bare address (no user, query or fragment)")
        return ""
    return value.rstrip("/")


@functools.cache
def _zones() -> frozenset[str]:
    """Every IANA zone name this machine knows (the tzdata package ships them)."""
    return frozenset(zoneinfo.available_timezones())


def _day(r: TomlReader, value: Any, name: str) -> int | None:
    if not isinstance(value, str) or value.lower() not in DAY_NAMES:
        r.bad(name, f"{str(value)[:20]!r} is not a day (one of {', '.join(DAY_NAMES)})")
        return None
    return DAY_NAMES.index(value.lower())


def parse_schedule(r: TomlReader, data: Mapping[str, Any], platforms: Sequence[str]) -> Schedule:
    """Read ``[schedule]`` (defaults when absent: UTC, Monday to Friday, roll call Sunday, 10:00).

    Args:
        r: The reader collecting campaign.toml's problems.
        data: The parsed campaign.toml.
        platforms: Platform keys campaign.toml knows (``times`` may name only these).

    Returns:
        The schedule; the defaults for any part with a problem (recorded in ``r``).

    """
    table = r.get(data, "schedule", "", dict, default={}) or {}
    r.known(table, "schedule", ("timezone", "days", "roll_call", "times"))
    timezone = r.get(table, "timezone", "schedule", str, default=DEFAULT_TIMEZONE)
    if timezone is not None and timezone not in _zones():
        r.bad("schedule.timezone", f"{timezone[:64]!r} is not an IANA time zone like Europe/Vilnius or UTC")
        timezone = None
    timezone = timezone or DEFAULT_TIMEZONE
    days: tuple[int, ...] = DEFAULT_DAYS
    raw_days = r.get(table, "days", "schedule", list, default=None)
    if raw_days is not None:
        got = [_day(r, v, "schedule.days") for v in raw_days]
        if not raw_days:
            r.bad("schedule.days", 'name at least one day, e.g. ["mon", "wed", "fri"]')
        elif None not in got:
            if len(set(got)) != len(got):
                r.bad("schedule.days", "a day is listed twice")
            else:
                days = tuple(d for d in got if d is not None)
    roll_call = DEFAULT_ROLL_CALL
    if "roll_call" in table:
        found = _day(r, table["roll_call"], "schedule.roll_call")
        roll_call = found if found is not None else DEFAULT_ROLL_CALL
    times: dict[str, dt.time] = {}
    for platform, value in (r.get(table, "times", "schedule", dict, default={}) or {}).items():
        name = f"schedule.times.{platform}"
        if platform not in platforms:
            r.bad(name, f"unknown platform (campaign.toml's platforms: {', '.join(platforms)})")
        elif not isinstance(value, str) or not TIME_RE.match(value):
            r.bad(name, f'{str(value)[:20]!r} is not a time of day like "09:30" (24-hour, local)')
        else:
            times[platform] = dt.time(int(value[:2]), int(value[3:]))
    return Schedule(timezone=timezone, days=days, roll_call=roll_call, times=times)


def parse_accounts(
    r: TomlReader, data: Mapping[str, Any], languages: Sequence[str], platforms: Sequence[str]
) -> tuple[Account, ...]:
    """Read ``[[accounts]]``: at most one per platform and language; secrets by name only.

    Args:
        r: The reader collecting campaign.toml's problems.
        data: The parsed campaign.toml.
        languages: campaign.toml's languages (an account may carry only these).
        platforms: campaign.toml's platforms.

    Returns:
        The accounts without problems, in file order.

    """
    out: list[Account] = []
    taken: dict[tuple[str, str], str] = {}
    for _, where, table in r.tables(data, "accounts", "", default=[]):
        before = len(r.problems)
        r.known(table, where, ACCOUNT_KEYS)
        platform = r.get(table, "platform", where, str)
        if platform is not None and platform not in platforms:
            r.bad(f"{where}.platform", f"{platform[:30]!r} is not one of campaign.toml's platforms")
        langs = r.get(table, "langs", where, list) or []
        if not langs and "langs" in table:
            r.bad(f"{where}.langs", "name at least one language")
        for lang in langs:
            if lang not in languages:
                r.bad(f"{where}.langs", f"{str(lang)[:20]!r} is not one of campaign.toml's languages")
            elif platform is not None and (platform, lang) in taken:
                r.bad(
                    f"{where}.langs",
                    f"{platform} {lang} already has an account ({taken[(platform, lang)]}); "
                    "a language goes out from one account per platform",
                )
        publishes = platform in PUBLISHABLE
        secret = r.get(table, "secret", where, str, default=None if not publishes else ...)
        if secret is not None and not SECRET_NAME_RE.match(secret):
            # A value that is not a name is most likely the secret itself, pasted in: do not
            # repeat it in the message.
            r.bad(
                f"{where}.secret",
                "must be the NAME of an environment variable or keyring entry (letters, digits, _), "
                "never the secret itself",
            )
        elif secret is not None and not publishes:
            r.bad(f"{where}.secret", f"campaign-kit does not publish to {platform}; it needs no secret")
        fields: dict[str, str] = {}
        if platform == "bluesky":
            handle = r.get(table, "handle", where, str)
            if handle is not None and not BLUESKY_HANDLE_RE.match(handle.lstrip("@")):
                r.bad(f"{where}.handle", f"{handle[:60]!r} is not a Bluesky handle like name.bsky.social")
            fields["handle"] = (handle or "").lstrip("@")
            fields["service"] = _url(r, table.get("service", "https://bsky.social"), f"{where}.service")
        elif platform == "mastodon":
            fields["url"] = _url(r, table["url"], f"{where}.url") if "url" in table else ""
            if "url" not in table:
                r.bad(f"{where}.url", "missing: the instance's address, e.g. https://mastodon.social")
            handle = r.get(table, "handle", where, str, default="") or ""
            if handle and not OTHER_HANDLE_RE.match(handle):
                r.bad(f"{where}.handle", f"{handle[:60]!r} is not a user name")
            fields["handle"] = handle
        elif platform == "telegram":
            chat = r.get(table, "chat", where, str)
            if chat is not None and not TELEGRAM_CHAT_RE.match(chat):
                r.bad(f"{where}.chat", f"{chat[:60]!r} is not a @channel name or a numeric chat id")
            fields["chat"] = chat or ""
        elif platform is not None:
            handle = r.get(table, "handle", where, str)
            if handle is not None and not OTHER_HANDLE_RE.match(handle):
                r.bad(f"{where}.handle", f"{handle[:60]!r} is not a handle")
            fields["handle"] = handle or ""
        for key in ("service", "url", "chat", "handle"):
            if key in table and key not in fields:
                r.bad(f"{where}.{key}", f"does not apply to a {platform} account")
        if len(r.problems) > before or platform is None:
            continue
        account = Account(platform=platform, langs=tuple(langs), secret=secret or "", **fields)
        for lang in langs:
            taken[(platform, lang)] = account.label
        out.append(account)
    return tuple(out)
