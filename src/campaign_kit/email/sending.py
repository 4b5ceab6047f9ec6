"""``send-test``: deliver a built ``.eml`` to one proofing address over SMTP.

Only for proofs: one recipient, the message as built (with its To header pointed at that
recipient). The SMTP password is read from an environment variable only, never from a flag or
a file, so it does not end up in shell history or in the repository.
"""

from __future__ import annotations

import datetime as dt
import email
import os
import re
import smtplib
import socket
import ssl
import threading
from email.utils import parseaddr

from campaign_kit.campaign.config import Campaign
from campaign_kit.errors import SendError

PASSWORD_ENV = "CAMPAIGN_KIT_SMTP_PASSWORD"
DEFAULT_TIMEOUT = 30.0
_LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


def _address(value: str, what: str) -> str:
    if "\r" in value or "\n" in value or "\x00" in value:
        raise SendError(f"{what} {value!r} contains a line break")
    addr = parseaddr(value)[1]
    if "@" not in addr or addr.startswith("@") or addr.endswith("@") or " " in addr:
        raise SendError(f"{what} {value!r} is not an email address")
    if not addr.isascii():
        # Without SMTPUTF8 (which proofs need not depend on) an address must be ASCII.
        raise SendError(f"{what} {value!r} is not ASCII: write the domain in its xn-- form")
    return addr


class _DeadlineSMTP(smtplib.SMTP):
    """SMTP whose socket is shut down when a total deadline passes.

    smtplib's timeout applies to each read, so a server that drips a byte every few seconds
    would never trip it; a timer shutting the socket down wakes whatever read or write is
    blocked, and the flag tells the caller why the connection ended.
    """

    def __init__(self, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.expired = threading.Event()

    def expire(self) -> None:
        self.expired.set()
        sock = self.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        sock = super()._get_socket(host, port, timeout)
        if self.expired.is_set():
            sock.close()
            raise TimeoutError("deadline passed while connecting")
        return sock


def _split(eml: bytes) -> tuple[list[bytes], bytes]:
    """Header lines (continuations joined to their header) and the rest, from raw bytes."""
    for sep in (b"\r\n\r\n", b"\n\n"):
        head, found, body = eml.partition(sep)
        if found:
            break
    else:
        raise SendError("the .eml has no blank line between headers and body")
    headers: list[bytes] = []
    for line in head.replace(b"\r\n", b"\n").split(b"\n"):
        if line[:1] in (b" ", b"\t") and headers:
            headers[-1] += b"\r\n" + line
        else:
            headers.append(line)
    return headers, body if found == b"\r\n\r\n" else body.replace(b"\n", b"\r\n")


def readdress(eml: bytes, to: str) -> tuple[str, bytes]:
    """Point the message's To header at address ``to``; return the From header and new bytes.

    The body is left byte for byte as built: only header lines change.
    """
    headers, body = _split(eml)
    sender = ""
    out: list[bytes] = []
    for line in headers:
        name = line.split(b":", 1)[0].strip().lower()
        if name == b"to":
            continue
        if name == b"from":
            # Unfolded: a long encoded display name continues on the next line.
            sender = line.split(b":", 1)[1].replace(b"\r\n", b"").decode("ascii", "replace").strip()
        out.append(line)
    if not sender:
        raise SendError("the .eml has no From header")
    out.append(b"To: " + to.encode("ascii"))
    return sender, b"\r\n".join(out) + b"\r\n\r\n" + body


def has_relative_images(eml: bytes) -> bool:
    """Whether a message's HTML part loads images by relative links (a local-preview build).

    Such a message shows broken images in every inbox, so it is not worth proofing.
    """
    message = email.message_from_bytes(eml)
    for part in message.walk():
        if part.get_content_type() == "text/html":
            payload = part.get_payload(decode=True)
            html = payload.decode(part.get_content_charset() or "utf-8", "replace")
            return bool(re.search(r"""<img[^>]*\ssrc=["'](?![a-z][a-z0-9+.-]*:)""", html, re.I))
    return False


def proof(eml: bytes, *, to: str, campaign: Campaign, now: dt.datetime | None = None) -> bytes:
    """One proof of a built ``.eml``: To ``to``, a fresh Date and Message-ID, no merge tags.

    The platform fills in its merge tags when it sends; a proof goes straight to SMTP, so each
    tag becomes something that works: the unsubscribe tags become ``unsubscribe_mailto`` (or a
    ``mailto:`` to the From address), the view-in-browser tag the published copy of the
    newsletter beside its cards (``<base>/<appeal>/<cycle>/newsletter/<lang>.html``).
    """
    from campaign_kit.campaign.config import ESP_TAGS
    from campaign_kit.render.email import proof_eml

    settings = campaign.newsletter
    mailto = settings.unsubscribe_mailto or f"mailto:{parseaddr(settings.sender)[1]}?subject=unsubscribe"
    unsubscribe = {settings.unsubscribe, *(tags["unsubscribe"] for tags in ESP_TAGS.values())}
    web = _published_copy(eml)
    views = {tags["view_online"]: web for tags in ESP_TAGS.values()} if web else {}
    return proof_eml(
        eml,
        to=_address(to, "recipient"),
        now=now or dt.datetime.now(dt.UTC),
        unsubscribe=mailto,
        merge_tags=tuple(sorted(unsubscribe)),
        replacements=views,
    )


def _published_copy(eml: bytes) -> str:
    """Where a send build's HTML is published, from its first card's URL; "" if unknown."""
    message = email.message_from_bytes(eml)
    lang = message.get("Content-Language", "")
    for part in message.walk():
        if part.get_content_type() == "text/html":
            html = part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8", "replace")
            m = re.search(r"""<img[^>]*\ssrc=["'](https://[^"']+?/)cards/[^"']+["']""", html, re.I)
            if m and re.fullmatch(r"[a-z]{2,3}", lang):
                return f"{m.group(1)}newsletter/{lang}.html"
    return ""


def send_test(
    eml_bytes: bytes,
    *,
    to: str,
    host: str,
    port: int,
    starttls: bool,
    username: str | None = None,
    password_env: str = PASSWORD_ENV,
    timeout: float = DEFAULT_TIMEOUT,
    ssl_context: ssl.SSLContext | None = None,
) -> None:
    """Send a built newsletter to one proofing address.

    Args:
        eml_bytes: The ``.eml`` from the build.
        to: The proofing address (the To header is rewritten to it).
        host: SMTP server.
        port: SMTP port (587 for submission with STARTTLS, 25 or a local port without).
        starttls: Upgrade the connection with STARTTLS before anything else is sent.
        username: Log in as this user; the password comes from ``password_env``.
        password_env: Name of the environment variable holding the password.
        timeout: Seconds the whole exchange may take (a total deadline, not per read).
        ssl_context: TLS settings (default: the system's, with certificate checks).

    Raises:
        SendError: bad address, missing password, a password that would travel unencrypted,
            or any connection, TLS, authentication or refusal error, with the server's reply.

    """
    recipient = _address(to, "recipient")
    sender_header, data = readdress(eml_bytes, recipient)
    sender = _address(sender_header, "the .eml's From")
    password = None
    if username:
        password = os.environ.get(password_env)
        if not password:
            raise SendError(
                f"SMTP login as {username!r} needs the password in the environment variable {password_env}"
            )
        if not starttls and host not in _LOCAL_HOSTS:
            raise SendError(f"refusing to send the SMTP password to {host} unencrypted: use STARTTLS")
    where = f"{host}:{port}"
    smtp = _DeadlineSMTP(timeout)
    timer = threading.Timer(timeout, smtp.expire)
    timer.daemon = True
    timer.start()
    try:
        _deliver(
            smtp,
            where,
            host,
            port,
            starttls,
            username,
            password,
            sender,
            recipient,
            data,
            timeout,
            ssl_context,
        )
    except SendError:
        if smtp.expired.is_set():
            raise SendError(f"{where}: no answer within {timeout:g} seconds (a total limit)") from None
        raise
    finally:
        timer.cancel()
        smtp.close()


def _deliver(
    smtp: _DeadlineSMTP,
    where: str,
    host: str,
    port: int,
    starttls: bool,
    username: str | None,
    password: str | None,
    sender: str,
    recipient: str,
    data: bytes,
    timeout: float,
    ssl_context: ssl.SSLContext | None,
) -> None:
    """Talk SMTP on ``smtp``; turn every failure into ``SendError``."""
    try:
        smtp._host = host  # what SMTP(host) would set: STARTTLS checks the certificate against it
        code, greeting = smtp.connect(host, port)
        if code != 220:
            raise smtplib.SMTPConnectError(code, greeting)
        with smtp:
            smtp.ehlo()
            if starttls:
                smtp.starttls(context=ssl_context or ssl.create_default_context())
                smtp.ehlo()
            if username and password:
                smtp.login(username, password)
            refused = smtp.sendmail(sender, [recipient], data)
    except smtplib.SMTPAuthenticationError as exc:
        raise SendError(f"{where}: login as {username!r} failed: {_reply(exc)}") from None
    except smtplib.SMTPNotSupportedError as exc:
        what = "STARTTLS" if starttls else "a command we need"
        raise SendError(f"{where}: the server does not support {what}: {exc}") from None
    except smtplib.SMTPRecipientsRefused as exc:
        reasons = "; ".join(f"{addr}: {_reply(err)}" for addr, err in exc.recipients.items())
        raise SendError(f"{where}: recipient refused: {reasons}") from None
    except smtplib.SMTPSenderRefused as exc:
        raise SendError(f"{where}: sender {exc.sender!r} refused: {_reply(exc)}") from None
    except smtplib.SMTPDataError as exc:
        raise SendError(f"{where}: message refused: {_reply(exc)}") from None
    except smtplib.SMTPServerDisconnected as exc:
        # smtplib reports a read timeout as a disconnection; say what actually happened.
        if isinstance(exc.__context__, TimeoutError):
            raise SendError(f"{where}: no answer within {timeout:g} seconds") from None
        raise SendError(f"{where}: the server closed the connection: {exc}") from None
    except smtplib.SMTPResponseException as exc:
        raise SendError(f"{where}: the server answered {_reply(exc)}") from None
    except smtplib.SMTPException as exc:
        raise SendError(f"{where}: SMTP error: {exc}") from None
    except ssl.SSLError as exc:
        raise SendError(f"{where}: TLS failed: {exc.reason or exc}") from None
    except TimeoutError:
        raise SendError(f"{where}: no answer within {timeout:g} seconds") from None
    except socket.gaierror as exc:
        raise SendError(f"{where}: cannot resolve {host!r}: {exc.strerror}") from None
    except ConnectionRefusedError:
        raise SendError(f"{where}: connection refused (is an SMTP server listening?)") from None
    except OSError as exc:
        raise SendError(f"{where}: cannot connect: {exc.strerror or exc}") from None
    if refused:
        raise SendError(f"{where}: recipient refused: {refused}")


def _reply(reply: Exception | tuple[int, bytes]) -> str:
    """The server's reply as ``"535 5.7.8 Authentication failed"``."""
    if isinstance(reply, tuple):
        code, text = reply
    else:
        code = getattr(reply, "smtp_code", None)
        text = getattr(reply, "smtp_error", b"")
    message = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {message}".strip() if code else (message or str(reply))
