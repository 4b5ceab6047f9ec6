"""``calendar.ics``: the week's posting plan as events a calendar app shows (RFC 5545).

One event per post that has a due time, and one per roll-call thread (its parts go out
together, as one unit). Times are written in UTC, which every calendar app shows in the
reader's own zone; so the file needs no time zone table and is the same bytes on every
machine. Made with the ``icalendar`` library, which folds and escapes as the RFC says.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import icalendar

from campaign_kit.campaign.schedule import PUBLISHABLE
from campaign_kit.model import Post
from campaign_kit.platforms import PLATFORMS

# How long an event lasts in the calendar: a marker of the moment, not a meeting.
EVENT_LENGTH = dt.timedelta(minutes=15)
PRODID = "-//campaign-kit//posting plan//EN"


def _utc(when: dt.datetime) -> dt.datetime:
    return when.astimezone(dt.UTC)


def calendar_ics(posts: Iterable[Post], *, appeal: str, cycle: str) -> bytes:
    """The posting plan of a cycle as an iCalendar file.

    Args:
        posts: The cycle's posts (those without ``due`` are left out).
        appeal: The appeal key (in every event's UID).
        cycle: The cycle id (in every event's UID and the calendar's name).

    Returns:
        The file's bytes (CRLF lines, as RFC 5545 requires), events sorted by due time,
        platform, language and id.

    """
    events: dict[tuple[str, str, str], list[Post]] = {}
    for post in posts:
        if post.due is None:
            continue
        what = (post.id or "") if post.kind == "post" else "roll-call"
        events.setdefault((post.platform, post.lang, what), []).append(post)
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"campaign-kit {appeal} {cycle}")

    def order(item: tuple[tuple[str, str, str], list[Post]]) -> tuple[dt.datetime, str, str, str]:
        (platform, lang, what), group = item
        return (_utc(group[0].due), platform, lang, what)  # type: ignore[arg-type]

    for (platform, lang, what), group in sorted(events.items(), key=order):
        group.sort(key=lambda p: p.part or 0)
        first = group[0]
        assert first.due is not None
        title = PLATFORMS[platform].title if platform in PLATFORMS else platform
        if first.account:
            account = first.account
        elif platform in PUBLISHABLE:
            account = f"none for {lang} on {title} in campaign.toml: publish skips it"
        else:
            account = f"none (campaign-kit does not post to {title}: post it by hand or with a scheduler)"
        if first.kind == "thread":
            parts = f"{len(group)} parts" if len(group) > 1 else "one message"
            summary = f"{title} {lang}: roll call ({parts})"
            body = "\n\n".join(p.text for p in group)
        else:
            summary = f"{title} {lang}: {what}"
            body = first.text + (f"\n\nCard: {first.card}" if first.card else "")
        event = icalendar.Event()
        event.add("uid", f"{platform}-{lang}-{what}.{cycle}.{appeal}@campaign-kit")
        # DTSTAMP is required; the due time keeps the bytes the same build after build.
        event.add("dtstamp", _utc(first.due))
        event.add("dtstart", _utc(first.due))
        event.add("duration", EVENT_LENGTH)
        event.add("summary", summary)
        event.add("description", f"Account: {account}\n\n{body}")
        event.add("categories", [title])
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return cal.to_ical()
