"""The newsletter as a complete ``.eml``: multipart/alternative, text first, then HTML.

The message is a pure function of the newsletter and the cycle, like every other output: the
Date is Monday 09:00 UTC of the cycle's week, and the Message-ID and MIME boundary are derived
from a hash of the content, so two builds produce identical bytes. ``proof_eml`` turns such a
message into one proof: a fresh Date and Message-ID, and a working unsubscribe address.

This module is the lower layer: ``render/newsletter.py`` imports it (the ``Newsletter`` record
lives here), never the other way round.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from email import policy
from email.header import Header
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, formataddr, parseaddr

from campaign_kit.campaign.config import Campaign, header_problem
from campaign_kit.campaign.cycles import Cycle
from campaign_kit.errors import NewsletterError, SendError

# RFC 2606 reserves example.org: a proof can never reach a real person by mistake.
PLACEHOLDER_TO = "Newsletter proof <proof@example.org>"
SEND_HOUR_UTC = 9
# RFC 5322 caps a line at 998 octets; longer text (MJML writes long lines) must be encoded.
MAX_LINE = 998
# An encoded word is at most 75 characters: "=?utf-8?b?" + base64 of 45 bytes (60) + "?=".
ENCODED_WORD_BYTES = 45


@dataclass(frozen=True)
class Newsletter:
    """One language's newsletter, checked and ready to write or to wrap in an ``.eml``.

    Attributes:
        lang: Language code.
        subject: Subject line.
        preheader: The text inboxes show beside the subject.
        mjml: The MJML as Jinja rendered it.
        html: The compiled, checked HTML.
        txt: The plain-text part.
        unsubscribe: The unsubscribe merge tag the HTML and text carry.
        send: Built for sending (absolute https images), not for a local preview.
        view_online: The "view in browser" merge tag the HTML carries, or "".
        compact: The roll call was too long to carry: featured women, counts and a link.
        images: The image URLs the HTML loads, in order.

    """

    lang: str
    subject: str
    preheader: str
    mjml: str
    html: str
    txt: str
    unsubscribe: str
    send: bool
    view_online: str = ""
    compact: bool = False
    images: tuple[str, ...] = ()


def cycle_date(cycle: Cycle) -> dt.datetime:
    """The Date of a cycle's newsletter: Monday 09:00 UTC of its ISO week."""
    return dt.datetime.combine(cycle.start, dt.time(SEND_HOUR_UTC), tzinfo=dt.UTC)


def from_header(campaign: Campaign, lang: str) -> str:
    """The From mailbox of ``lang``'s newsletter: its display name from config, the one address."""
    settings = campaign.newsletter
    name, addr = parseaddr(settings.sender)
    name = settings.from_name.get(lang, name)
    if not name:
        return addr
    # Unencoded (an ESP's "from" field wants it so; the .eml encodes it); quoted when it holds
    # characters that would otherwise end the name.
    if any(c in name for c in '()<>[]:;@\\,."'):
        name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{name} <{addr}>"


def list_id(campaign: Campaign, lang: str) -> str:
    """The RFC 2919 List-Id of ``lang``'s list (``<lang>.<list_id>``), or "" when unset."""
    settings = campaign.newsletter
    return f"{lang}.{settings.list_id}" if settings.list_id else ""


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
        The message with CRLF line ends: Subject (RFC 2047 encoded when not ASCII), From (the
        language's display name), Reply-To, To, Date, Message-ID, MIME-Version,
        Content-Language, List-Id, List-Unsubscribe (web and mailto) and
        List-Unsubscribe-Post, then the text and HTML parts in UTF-8: 7bit when plain ASCII in
        short lines, else base64. Never quoted-printable: its soft line breaks can split a
        merge tag (``{{ Unsub=`` / ``scribeURL }}``), which the platform then cannot replace.

    Raises:
        NewsletterError: From or To is not a usable address, or Date has no timezone.

    """
    settings = campaign.newsletter
    if date.tzinfo is None:
        raise NewsletterError("the newsletter Date needs a timezone")
    check_headers(newsletter, campaign, to)
    sender = from_header(campaign, newsletter.lang)
    problem = header_problem(sender, "mailbox")
    if problem:
        raise NewsletterError(f"{campaign.path}: the From header {sender[:80]!r}: {problem}")
    domain = message_id_domain or _domain(settings.sender)
    date_text = format_datetime(date.astimezone(dt.UTC))

    digest = hashlib.sha256()
    for part in (
        newsletter.lang,
        newsletter.subject,
        newsletter.txt,
        newsletter.html,
        sender,
        to,
        date_text,
    ):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    key = digest.hexdigest()

    body = EmailMessage(policy=policy.SMTP)
    body.set_content(newsletter.txt, subtype="plain", charset="utf-8", cte=transfer_encoding(newsletter.txt))
    body.add_alternative(
        newsletter.html, subtype="html", charset="utf-8", cte=transfer_encoding(newsletter.html)
    )
    # The library picks a random boundary; a content hash keeps the bytes reproducible and
    # cannot occur in the (base64 or 7bit) body.
    body.set_boundary(f"=_campaign-kit_{key[32:56]}")
    mime_head, _, mime_body = body.as_bytes().partition(b"\r\n\r\n")

    # The top-level headers are written here rather than by the email package, which folds
    # a long List-Unsubscribe wherever it finds a space, even inside "{{ UnsubscribeURL }}".
    headers = [
        "Subject: " + _encoded(newsletter.subject, "Subject"),
        "From: " + _mailbox(sender),
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
    lid = list_id(campaign, newsletter.lang)
    if lid:
        name = campaign.org_name.get(newsletter.lang, "")
        headers.append("List-Id: " + (_mailbox(f"{name} <{lid}>", "List-Id") if name else f"<{lid}>"))
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


def transfer_encoding(text: str) -> str:
    """``7bit`` for ASCII text in lines of at most 998 octets, else ``base64``."""
    if text.isascii() and all(len(line) <= MAX_LINE for line in text.splitlines()):
        return "7bit"
    return "base64"


def proof_eml(
    eml: bytes,
    *,
    to: str,
    now: dt.datetime,
    unsubscribe: str,
    merge_tags: tuple[str, ...],
    replacements: Mapping[str, str] | None = None,
) -> bytes:
    """One proof of a built message: To, a fresh Date and Message-ID, unsubscribe filled in.

    A built ``.eml`` carries the cycle's Monday as Date and a content-derived Message-ID, so
    two proofs would look like one message to the inbox (the second may be dropped) and an old
    Date scores as spam. The platform's merge tags mean nothing outside the platform, so each
    one becomes ``unsubscribe`` (a working ``mailto:`` address) in the header and both parts.

    Args:
        eml: The built message.
        to: The proofing address (already checked).
        now: The proof's Date (timezone-aware).
        unsubscribe: A working unsubscribe URI (``mailto:`` or https).
        merge_tags: The merge tags that become ``unsubscribe``.
        replacements: Other merge tags and what they become (the view-in-browser tag and the
            published copy of the newsletter).

    Returns:
        The proof, CRLF line ends, the parts re-encoded as ``build_eml`` encodes them.

    Raises:
        SendError: the message cannot be parsed or has no From.

    """
    if now.tzinfo is None:
        raise SendError("the proof's Date needs a timezone")
    msg = BytesParser(policy=policy.SMTP).parsebytes(eml)
    sender = msg.get("From")
    if not sender:
        raise SendError("the .eml has no From header")
    domain = _domain(str(sender)) or "localhost"

    def fill(text: str) -> str:
        for tag, value in (replacements or {}).items():
            if tag:
                text = text.replace(tag, value)
        for tag in merge_tags:
            if tag:
                text = text.replace(tag, unsubscribe)
        return text

    for part in msg.walk():
        if part.get_content_maintype() == "text":
            text = fill(part.get_content().replace("\r\n", "\n"))
            part.set_content(
                text, subtype=part.get_content_subtype(), charset="utf-8", cte=transfer_encoding(text)
            )
    for name in ("To", "Date", "Message-ID", "List-Unsubscribe", "List-Unsubscribe-Post"):
        del msg[name]
    msg["To"] = to
    msg["Date"] = format_datetime(now.astimezone(dt.UTC))
    msg["Message-ID"] = f"<proof-{uuid.uuid4().hex}@{domain}>"
    msg["List-Unsubscribe"] = f"<{unsubscribe}>"
    if unsubscribe.startswith("https://"):
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return msg.as_bytes(policy=policy.SMTP)


def _encoded(text: str, name: str) -> str:
    """A header value in ASCII: as is when it is ASCII, else RFC 2047 encoded words, folded."""
    charset = "us-ascii" if text.isascii() else "utf-8"
    return Header(text, charset, header_name=name).encode(linesep="\r\n")


def _mailbox(value: str, header: str = "From") -> str:
    """``Name <addr>`` with a non-ASCII display name RFC 2047 encoded, folded to 78 columns."""
    name, addr = parseaddr(value)
    if not name or name.isascii():
        return formataddr((name, addr))
    first = 3 * ((78 - len(header) - 2 - 12) // 4)
    words = "\r\n ".join(_encoded_words(name, first))
    last = words.rsplit("\r\n", 1)[-1]
    room = 78 - (len(header) + 2 if "\r\n" not in words else 0)
    sep = " " if len(last) + 3 + len(addr) <= room else "\r\n "
    return f"{words}{sep}<{addr}>"


def _encoded_words(text: str, first: int = ENCODED_WORD_BYTES) -> list[str]:
    """RFC 2047 base64 words of at most 75 characters, split only after a space.

    Readers drop the folding whitespace between encoded words, so each word carries the space
    that ends it. ``first`` caps the bytes of the first word, which shares its line with the
    header's name.
    """
    chunks: list[str] = []

    def cap(index: int) -> int:
        return min(first, ENCODED_WORD_BYTES) if index == 0 else ENCODED_WORD_BYTES

    for piece in re.findall(r"\S+\s*|\s+", text):
        if chunks and len((chunks[-1] + piece).encode("utf-8")) <= cap(len(chunks) - 1):
            chunks[-1] += piece
            continue
        while len(piece.encode("utf-8")) > cap(len(chunks)):
            cut = len(piece)
            while len(piece[:cut].encode("utf-8")) > cap(len(chunks)):
                cut -= 1
            chunks.append(piece[:cut])
            piece = piece[cut:]
        chunks.append(piece)
    return [f"=?utf-8?b?{base64.b64encode(c.encode('utf-8')).decode('ascii')}?=" for c in chunks]


def _fold_list(name: str, items: list[str]) -> str:
    """``Name: <a>, <b>`` on one line when it fits in 78 characters, else one item a line."""
    line = f"{name}: " + ", ".join(items)
    if len(line) <= 78:
        return line
    return f"{name}: " + ",\r\n ".join(items)


__all__ = [
    "PLACEHOLDER_TO",
    "Newsletter",
    "build_eml",
    "cycle_date",
    "from_header",
    "list_id",
    "proof_eml",
    "transfer_encoding",
]
