"""send-test against a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import email
import email.utils
import shutil
import socket
import ssl
import subprocess
import threading
import time
from email import policy
from email.parser import BytesParser

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from campaign_kit.campaign.cycles import parse_cycle
from campaign_kit.email.sending import readdress, send_test
from campaign_kit.errors import SendError
from campaign_kit.render.email import build_eml, cycle_date
from campaign_kit.render.newsletter import render_newsletter
from conftest import TEMPLATES, add_postal_address, make_ctx, send_campaign

CAMPAIGN = send_campaign()
CYCLE = parse_cycle("2026-W48")
TO = "proof@mail.test"


@pytest.fixture(scope="module")
def letter():
    return render_newsletter(
        make_ctx("ru", campaign=CAMPAIGN),
        TEMPLATES,
        settings=CAMPAIGN.newsletter,
        asset_base_url="https://belaruswomen.org/campaign-kit",
        send=True,
    )


@pytest.fixture(scope="module")
def eml(letter) -> bytes:
    return build_eml(letter, CAMPAIGN, date=cycle_date(CYCLE))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """An aiosmtpd handler that keeps what it receives and can refuse recipients."""

    def __init__(self, refuse_rcpt: bool = False) -> None:
        self.envelopes = []
        self.refuse_rcpt = refuse_rcpt

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_rcpt:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted"


def accept_user(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == b"proofer" and auth_data.password == b"s3cret"
    # handled=False: aiosmtpd answers 535 itself (True would leave the client waiting).
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def server():
    started = []

    def start(**kwargs):
        inbox = Inbox(kwargs.pop("refuse_rcpt", False))
        controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), **kwargs)
        controller.start()
        started.append(controller)
        return inbox, controller.port

    yield start
    for controller in started:
        controller.stop()


def test_message_arrives_with_both_parts_intact(server, eml, letter):
    inbox, port = server()
    send_test(eml, to=TO, host="127.0.0.1", port=port, starttls=False)
    assert len(inbox.envelopes) == 1
    env = inbox.envelopes[0]
    assert env.mail_from == "news@belaruswomen.org"
    assert env.rcpt_tos == [TO]
    msg = BytesParser(policy=policy.default).parsebytes(env.content)
    assert msg["To"] == TO
    assert msg["Subject"] == letter.subject
    text, html = msg.iter_parts()
    assert text.get_content().replace("\r\n", "\n") == letter.txt
    assert html.get_content().replace("\r\n", "\n") == letter.html
    # Only the To header changed: the body is byte for byte what the build wrote.
    assert env.content.split(b"\r\n\r\n", 1)[1] == eml.split(b"\r\n\r\n", 1)[1]


def test_login_with_password_from_the_environment(server, eml, monkeypatch):
    inbox, port = server(authenticator=accept_user, auth_require_tls=False)
    monkeypatch.setenv("CAMPAIGN_KIT_SMTP_PASSWORD", "s3cret")
    send_test(eml, to=TO, host="127.0.0.1", port=port, starttls=False, username="proofer")
    assert len(inbox.envelopes) == 1


def test_wrong_password_is_a_clear_error(server, eml, monkeypatch):
    _, port = server(authenticator=accept_user, auth_require_tls=False)
    monkeypatch.setenv("PROOF_PW", "wrong")
    with pytest.raises(SendError, match="login as 'proofer' failed: 535") as info:
        send_test(
            eml,
            to=TO,
            host="127.0.0.1",
            port=port,
            starttls=False,
            username="proofer",
            password_env="PROOF_PW",
        )
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_missing_password_variable(eml, monkeypatch):
    monkeypatch.delenv("CAMPAIGN_KIT_SMTP_PASSWORD", raising=False)
    with pytest.raises(SendError, match="CAMPAIGN_KIT_SMTP_PASSWORD"):
        send_test(eml, to=TO, host="127.0.0.1", port=1, starttls=False, username="proofer")


def test_password_never_travels_unencrypted_to_a_remote_host(eml, monkeypatch):
    monkeypatch.setenv("CAMPAIGN_KIT_SMTP_PASSWORD", "s3cret")
    with pytest.raises(SendError, match="unencrypted"):
        send_test(eml, to=TO, host="smtp.example.org", port=25, starttls=False, username="proofer")


def test_refused_recipient(server, eml):
    _, port = server(refuse_rcpt=True)
    with pytest.raises(SendError, match="recipient refused: .*550"):
        send_test(eml, to=TO, host="127.0.0.1", port=port, starttls=False)


def test_connection_refused():
    with pytest.raises(SendError, match="connection refused"):
        send_test(b"From: a@b.org\r\n\r\nx", to=TO, host="127.0.0.1", port=free_port(), starttls=False)


def test_silent_server_times_out():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)  # accepts the connection, never greets
        port = listener.getsockname()[1]
        with pytest.raises(SendError, match="no answer within 0.5 seconds"):
            send_test(
                b"From: a@b.org\r\n\r\nx", to=TO, host="127.0.0.1", port=port, starttls=False, timeout=0.5
            )


def _dripping_server(lines: int, every: float) -> tuple[socket.socket, threading.Thread]:
    """A server that greets one continuation line every ``every`` seconds, never finishing."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def drip() -> None:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        with conn:
            for _ in range(lines):
                try:
                    conn.sendall(b"220-still greeting\r\n")
                except OSError:
                    return
                time.sleep(every)

    thread = threading.Thread(target=drip, daemon=True)
    thread.start()
    return listener, thread


def test_a_server_dripping_a_line_at_a_time_hits_the_total_deadline():
    # Each line arrives well within the per-read timeout; only a total deadline ends this.
    listener, thread = _dripping_server(lines=40, every=0.2)
    port = listener.getsockname()[1]
    started = time.monotonic()
    try:
        with pytest.raises(SendError, match=r"no answer within 1 seconds \(a total limit\)"):
            send_test(
                b"From: a@b.org\r\n\r\nx", to=TO, host="127.0.0.1", port=port, starttls=False, timeout=1
            )
    finally:
        listener.close()
    assert time.monotonic() - started < 3
    thread.join(timeout=10)


@pytest.mark.parametrize("to", ["прувер@example.org", "proof@пример.рф", "Proof <p@exämple.org>"])
def test_non_ascii_recipient_is_a_clear_error(eml, to):
    with pytest.raises(SendError, match="is not ASCII"):
        send_test(eml, to=to, host="127.0.0.1", port=1, starttls=False)


def test_starttls_not_offered(server, eml):
    _, port = server()
    with pytest.raises(SendError, match="does not support STARTTLS"):
        send_test(eml, to=TO, host="127.0.0.1", port=port, starttls=True)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


def test_starttls_and_login(server, eml, certificate, monkeypatch):
    cert, key = certificate
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    inbox, port = server(tls_context=server_tls, authenticator=accept_user)
    monkeypatch.setenv("CAMPAIGN_KIT_SMTP_PASSWORD", "s3cret")
    # The system trust store rejects a self-signed certificate: a clear TLS error.
    with pytest.raises(SendError, match="TLS failed"):
        send_test(eml, to=TO, host="127.0.0.1", port=port, starttls=True, username="proofer")
    trusting = ssl.create_default_context(cafile=str(cert))
    send_test(
        eml, to=TO, host="127.0.0.1", port=port, starttls=True, username="proofer", ssl_context=trusting
    )
    assert len(inbox.envelopes) == 1


@pytest.mark.parametrize("to", ["nobody", "a@b.org\r\nBcc: c@d.org", "@b.org"])
def test_bad_recipient_address(eml, to):
    with pytest.raises(SendError):
        send_test(eml, to=to, host="127.0.0.1", port=1, starttls=False)


def test_readdress_changes_only_the_to_header(eml):
    sender, data = readdress(eml, "x@y.org")
    assert sender.endswith("<news@belaruswomen.org>")
    head, body = data.split(b"\r\n\r\n", 1)
    assert body == eml.split(b"\r\n\r\n", 1)[1]
    assert head.count(b"\r\nTo: ") + head.startswith(b"To: ") == 1
    assert b"To: x@y.org" in head
    with pytest.raises(SendError, match="From"):
        readdress(b"Subject: x\r\n\r\nbody", "x@y.org")


def test_cli_builds_then_proofs_the_newsletter(server, project):
    from click.testing import CliRunner

    from campaign_kit.cli import cli

    runner = CliRunner()
    add_postal_address(project)
    args = ["--project", str(project), "--cycle", "2026-W48"]
    assert runner.invoke(cli, ["build", *args, "--lang", "be", "--only", "newsletter"]).exit_code == 0
    inbox, port = server()
    refused = runner.invoke(
        cli, ["send-test", *args, "--lang", "be", "--to", "proof@example.org", "--smtp", f"127.0.0.1:{port}"]
    )
    assert refused.exit_code == 1 and "built for local preview" in refused.stderr
    assert inbox.envelopes == []
    built = runner.invoke(
        cli,
        [
            "build",
            *args,
            "--lang",
            "be",
            "--only",
            "newsletter",
            "--asset-base-url",
            "https://belaruswomen.org/kit",
        ],
    )
    assert built.exit_code == 0, built.output
    sent = runner.invoke(
        cli, ["send-test", *args, "--lang", "be", "--to", "proof@example.org", "--smtp", f"127.0.0.1:{port}"]
    )
    assert sent.exit_code == 0, sent.output
    [envelope] = inbox.envelopes
    assert envelope.rcpt_tos == ["proof@example.org"]
    message = email.message_from_bytes(envelope.content)
    kinds = [p.get_content_type() for p in message.walk()]
    assert kinds == ["multipart/alternative", "text/plain", "text/html"]
    assert (
        "https://belaruswomen.org/kit/mothers/2026-W48/cards/be/"
        in message.get_payload()[1].get_payload(decode=True).decode()
    )
    # Each proof is its own message, dated now, with working links in place of merge tags.
    again = runner.invoke(
        cli, ["send-test", *args, "--lang", "be", "--to", "proof@example.org", "--smtp", f"127.0.0.1:{port}"]
    )
    assert again.exit_code == 0, again.output
    first, second = (email.message_from_bytes(e.content) for e in inbox.envelopes)
    assert first["Message-ID"] != second["Message-ID"]
    sent_at = email.utils.parsedate_to_datetime(first["Date"])
    assert abs((sent_at - dt.datetime.now(dt.UTC)).total_seconds()) < 600
    assert first["List-Unsubscribe"] == "<mailto:news@belaruswomen.org?subject=unsubscribe>"
    assert first["List-Id"] is not None
    html = first.get_payload()[1].get_payload(decode=True).decode()
    text = first.get_payload()[0].get_payload(decode=True).decode()
    assert "{{" not in html and "{{" not in text
    assert 'href="mailto:news@belaruswomen.org?subject=unsubscribe"' in html
    assert 'href="https://belaruswomen.org/kit/mothers/2026-W48/newsletter/be.html"' in html


def test_proof_replaces_every_platform_tag(eml):
    from campaign_kit.email.sending import proof

    data = proof(eml, to="me@example.net", campaign=CAMPAIGN, now=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    msg = email.message_from_bytes(data)
    assert msg["Date"] == "Tue, 01 Dec 2026 00:00:00 +0000"
    assert msg["To"] == "me@example.net"
    body = b"".join(p.get_payload(decode=True) for p in msg.walk() if p.get_content_maintype() == "text")
    assert b"UnsubscribeURL" not in body and b"MessageURL" not in body
    with pytest.raises(SendError, match="not an email address"):
        proof(eml, to="nobody", campaign=CAMPAIGN)
