"""The newsletter as a complete ``.eml``: multipart/alternative, text first, then HTML.

The message is a pure function of the newsletter and the cycle, like every other output: the
Date is Monday 09:00 UTC of the cycle's week, and the Message-ID and MIME boundary are derived
from a hash of the content, so two builds produce identical bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from email import policy
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from typing import TYPE_CHECKING

from campaign_kit.config import Campaign, header_problem
from campaign_kit.cycles import Cycle
from campaign_kit.errors import NewsletterError

if TYPE_CHECKING:  # pragma: no cover - a type only; newsletter imports this module lazily
    from campaign_kit.render.newsletter import Newsletter

# RFC 2606 reserves example.org: a proof can never reach a real person by mistake.
PLACEHOLDER_TO = "Newsletter proof <proof@example.org>"
SEND_HOUR_UTC = 9


def cycle_date(cycle: Cycle) -> dt.datetime:
    """The Date of a cycle's newsletter: Monday 09:00 UTC of its ISO week."""
    return dt.datetime.combine(cycle.start, dt.time(SEND_HOUR_UTC), tzinfo=dt.UTC)


def _domain(address: str) -> str:
    addr = parseaddr(address)[1]
    return addr.rpartition("@")[2] if "@" in addr else ""


def build_eml(
    newsletter: Newsletter,
    campaign: Campaign,
    *,
    to: str = PLACEHOLDER_TO,
    date: dt.datetime,
    message_id_domain: str | None = None,
) -> bytes:
    """Wrap a newsletter in a complete MIME message, byte for byte reproducible.

    Args:
        newsletter: The rendered and checked newsletter.
        campaign: campaign.toml (From, Reply-To and the unsubscribe addresses).
        to: The To header; a placeholder at example.org unless a proof address is given.
        date: The Date header (timezone-aware); ``cycle_date(cycle)`` in a build.
        message_id_domain: Right-hand side of the Message-ID; default: the From domain.

    The unsubscribe merge tag (``{{ UnsubscribeURL }}``, ``*|UNSUB|*``) goes into
    List-Unsubscribe as it is: the ESP puts the subscriber's https link in its place when it
    sends, as it does in the body. A made-up fallback URL could 404 and silently fail to
    unsubscribe someone.

    Returns:
        The message with CRLF line ends: Subject (RFC 2047 encoded when not ASCII), From,
        Reply-To, To, Date, Message-ID, MIME-Version, Content-Language, List-Unsubscribe
        (web and mailto) and List-Unsubscribe-Post, then the text and HTML parts in UTF-8,
        quoted-printable.

    Raises:
        NewsletterError: From or To is not a usable address, or Date has no timezone.

    """
    settings = campaign.newsletter
    if date.tzinfo is None:
        raise NewsletterError("the newsletter Date needs a timezone")
    check_headers(newsletter, campaign, to)
    domain = message_id_domain or _domain(settings.sender)
    date_text = format_datetime(date.astimezone(dt.UTC))

    digest = hashlib.sha256()
    for part in (
        newsletter.lang,
        newsletter.subject,
        newsletter.txt,
        newsletter.html,
        settings.sender,
        to,
        date_text,
    ):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    key = digest.hexdigest()

    body = EmailMessage(policy=policy.SMTP)
    body.set_content(newsletter.txt, subtype="plain", charset="utf-8", cte="quoted-printable")
    body.add_alternative(newsletter.html, subtype="html", charset="utf-8", cte="quoted-printable")
    # The library picks a random boundary; a content hash keeps the bytes reproducible and
    # cannot occur in the (quoted-printable) body.
    body.set_boundary(f"=_campaign-kit_{key[32:56]}")
    mime_head, _, mime_body = body.as_bytes().partition(b"\r\n\r\n")

    # The top-level headers are written here rather than by the email package, which folds
    # a long List-Unsubscribe wherever it finds a space, even inside "{{ UnsubscribeURL }}".
    headers = [
        "Subject: " + _encoded(newsletter.subject, "Subject"),
        "From: " + _mailbox(settings.sender),
    ]
    if settings.reply_to:
        headers.append("Reply-To: " + _mailbox(settings.reply_to))
    headers += [
        "To: " + _mailbox(to),
        "Date: " + date_text,
        f"Message-ID: <{key[:32]}.{newsletter.lang}@{domain}>",
        "MIME-Version: 1.0",
        "Content-Language: " + newsletter.lang,
    ]
    uris = [
        f"<{v.strip()}>" for v in (newsletter.unsubscribe, settings.unsubscribe_mailto) if v and v.strip()
    ]
    if uris:
        headers.append(_fold_list("List-Unsubscribe", uris))
        # One-click (RFC 8058) is what Gmail and Yahoo require of bulk senders.
        headers.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click")
    content = [line for line in mime_head.split(b"\r\n") if not line.lower().startswith(b"mime-version:")]
    head = "\r\n".join(headers).encode("ascii") + b"\r\n" + b"\r\n".join(content)
    return head + b"\r\n\r\n" + mime_body


def check_headers(newsletter: Newsletter, campaign: Campaign, to: str = PLACEHOLDER_TO) -> None:
    """Check every value that becomes a header, again at build (``validate`` checks config).

    A campaign built in code, or a subject a template produced, never reached ``validate``; a
    CR or LF in any of them would add headers (a ``Bcc:``) or replace the body, so each is
    refused here by the name of the setting it came from, never cut.

    Raises:
        NewsletterError: naming the header, the config key or template, and the problem.

    """
    settings = campaign.newsletter
    where = campaign.path
    for header, key, value, kind in (
        ("From", "newsletter.from", settings.sender, "mailbox"),
        ("Reply-To", "newsletter.reply_to", settings.reply_to, "mailbox"),
        ("List-Unsubscribe", "newsletter.unsubscribe", newsletter.unsubscribe, "merge-tag"),
        ("List-Unsubscribe", "newsletter.unsubscribe_mailto", settings.unsubscribe_mailto, "mailto"),
    ):
        if not value and key != "newsletter.from":
            continue
        problem = header_problem(value, kind) if value else "is missing"
        if problem:
            raise NewsletterError(f'{where}: field "{key}" ({header} header): {problem}')
    problem = header_problem(to, "mailbox")
    if problem:
        raise NewsletterError(f"To {to[:80]!r} is not an email address: {problem}")
    subject = newsletter.subject
    bad = [c for c in subject if c in "\r\n\x00\x85\u2028\u2029" or unicodedata.category(c) == "Cc"]
    if bad:
        raise NewsletterError(
            f"newsletter/meta.txt ({newsletter.lang}): the subject contains U+{ord(bad[0]):04X}, "
            "which a Subject header cannot carry; remove it"
        )


def _encoded(text: str, name: str) -> str:
    """A header value in ASCII: as is when it is ASCII, else RFC 2047 encoded words, folded."""
    charset = "us-ascii" if text.isascii() else "utf-8"
    return Header(text, charset, header_name=name).encode(linesep="\r\n")


def _mailbox(value: str) -> str:
    """``Name <addr>`` with a non-ASCII display name RFC 2047 encoded."""
    name, addr = parseaddr(value)
    return formataddr((name, addr), charset="utf-8")


def _fold_list(name: str, items: list[str]) -> str:
    """``Name: <a>, <b>`` on one line when it fits in 78 characters, else one item a line."""
    line = f"{name}: " + ", ".join(items)
    if len(line) <= 78:
        return line
    return f"{name}: " + ",\r\n ".join(items)


__all__ = ["PLACEHOLDER_TO", "build_eml", "cycle_date"]
