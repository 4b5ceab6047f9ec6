"""The newsletter .eml: a complete, reproducible multipart/alternative message."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.utils
import re
import shutil
import subprocess
from email import policy
from email.header import decode_header, make_header
from email.parser import BytesParser

import pytest

from campaign_kit.campaign.cycles import parse_cycle
from campaign_kit.errors import NewsletterError
from campaign_kit.render.email import PLACEHOLDER_TO, build_eml, cycle_date, proof_eml, transfer_encoding
from campaign_kit.render.newsletter import render_newsletter
from conftest import TEMPLATES, make_ctx, require_tool, send_campaign

LANGS = ("en", "be", "ru")
CAMPAIGN = send_campaign()
CYCLE = parse_cycle("2026-W48")
BASE = "https://belaruswomen.org/campaign-kit"


def letter(lang: str, **kw):
    return render_newsletter(
        make_ctx(lang, campaign=CAMPAIGN),
        TEMPLATES,
        settings=CAMPAIGN.newsletter,
        asset_base_url=BASE,
        send=True,
        **kw,
    )


@pytest.fixture(scope="module")
def letters():
    return {lang: letter(lang) for lang in LANGS}


@pytest.fixture(scope="module")
def emls(letters):
    return {lang: build_eml(nl, CAMPAIGN, date=cycle_date(CYCLE)) for lang, nl in letters.items()}


def parse(data: bytes):
    return BytesParser(policy=policy.default).parsebytes(data)


def decoded(data: bytes, name: str) -> str | None:
    # An RFC 2047 reading, as mail clients and SpamAssassin do it: whitespace between encoded
    # words is dropped (Python's address parser keeps it).
    raw = email.message_from_bytes(data)[name]
    return None if raw is None else str(make_header(decode_header(raw)))


def test_cycle_date_is_monday_nine_utc():
    assert cycle_date(CYCLE) == dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("lang", LANGS)
def test_message_structure_and_headers(letters, emls, lang):
    data, nl = emls[lang], letters[lang]
    msg = parse(data)
    assert msg.get_content_type() == "multipart/alternative"
    parts = list(msg.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    for part, text in zip(parts, (nl.txt, nl.html), strict=True):
        assert part.get_content_charset() == "utf-8"
        # Never quoted-printable: its soft breaks split merge tags (every part here holds
        # Cyrillic, so base64).
        assert part["Content-Transfer-Encoding"] == "base64"
        # MIME text travels with CRLF line ends (canonical form); the text is otherwise intact.
        assert part.get_content().replace("\r\n", "\n") == text
    assert msg["Subject"] == nl.subject
    assert (
        decoded(data, "From")
        == {
            "en": "Women Political Prisoners in Belarus <news@belaruswomen.org>",
            "be": "Жанчыны — палітычныя вязні Беларусі <news@belaruswomen.org>",
            "ru": "Женщины — политические заключённые Беларуси <news@belaruswomen.org>",
        }[lang]
    )
    org = CAMPAIGN.org_name[lang]
    assert decoded(data, "List-Id") == f"{org} <{lang}.news.belaruswomen.org>"
    assert msg["Reply-To"] == "news@belaruswomen.org"
    assert msg["To"] == PLACEHOLDER_TO
    assert msg["Date"] == "Mon, 23 Nov 2026 09:00:00 +0000"
    assert re.fullmatch(rf"<[0-9a-f]{{32}}\.{lang}@belaruswomen\.org>", msg["Message-ID"])
    assert msg["MIME-Version"] == "1.0"
    assert msg["Content-Language"] == lang
    assert msg["List-Unsubscribe"] == (
        "<{{ UnsubscribeURL }}>, <mailto:news@belaruswomen.org?subject=unsubscribe>"
    )
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_raw_bytes_are_ascii_crlf_and_short_lines(emls):
    for data in emls.values():
        data.decode("ascii")
        lines = data.split(b"\r\n")
        assert b"\n" not in b"".join(lines)
        assert max(len(line) for line in lines) <= 78


def test_cyrillic_subject_is_rfc2047_encoded(emls, letters):
    raw_subject = emls["ru"].split(b"\r\nFrom:")[0]
    assert raw_subject.startswith(b"Subject: =?utf-8?")
    assert parse(emls["ru"])["Subject"] == letters["ru"].subject


def test_two_builds_are_byte_identical(letters):
    a = build_eml(letter("ru"), CAMPAIGN, date=cycle_date(CYCLE))
    b = build_eml(letters["ru"], CAMPAIGN, date=cycle_date(CYCLE))
    assert a == b


def test_message_id_follows_content_and_domain(letters, emls):
    other = dataclasses.replace(letters["en"], txt=letters["en"].txt + "x\n")
    changed = build_eml(other, CAMPAIGN, date=cycle_date(CYCLE))
    assert parse(changed)["Message-ID"] != parse(emls["en"])["Message-ID"]
    custom = build_eml(letters["en"], CAMPAIGN, date=cycle_date(CYCLE), message_id_domain="mail.example.org")
    assert parse(custom)["Message-ID"].endswith("@mail.example.org>")


def test_to_and_mailchimp_unsubscribe():
    settings = dataclasses.replace(CAMPAIGN.newsletter, unsubscribe="*|UNSUB|*")
    campaign = dataclasses.replace(CAMPAIGN, newsletter=settings)
    nl = render_newsletter(make_ctx("en", featured=0, campaign=campaign), TEMPLATES, settings=settings)
    msg = parse(build_eml(nl, campaign, to="Proof <me@example.net>", date=cycle_date(CYCLE)))
    assert msg["To"] == "Proof <me@example.net>"
    assert msg["List-Unsubscribe"].startswith("<*|UNSUB|*>, <mailto:")


def test_bad_input_is_refused(letters):
    with pytest.raises(NewsletterError, match="timezone"):
        build_eml(letters["en"], CAMPAIGN, date=dt.datetime(2026, 11, 23, 9))
    with pytest.raises(NewsletterError, match="not an email address"):
        build_eml(letters["en"], CAMPAIGN, to="nobody", date=cycle_date(CYCLE))
    with pytest.raises(NewsletterError, match="not an email address"):
        build_eml(letters["en"], CAMPAIGN, to="a@b.org\r\nBcc: x@y.org", date=cycle_date(CYCLE))


def test_list_unsubscribe_is_folded_between_uris_only(emls):
    raw = emls["en"].split(b"\r\n\r\n")[0]
    assert (
        b"List-Unsubscribe: <{{ UnsubscribeURL }}>,\r\n"
        b" <mailto:news@belaruswomen.org?subject=unsubscribe>\r\n"
    ) in raw


def test_non_ascii_display_names_are_encoded(letters):
    settings = dataclasses.replace(
        CAMPAIGN.newsletter,
        sender="Жанчыны — палітычныя вязні <news@belaruswomen.org>",
        from_name={},
    )
    campaign = dataclasses.replace(CAMPAIGN, newsletter=settings)
    data = build_eml(letters["be"], campaign, date=cycle_date(CYCLE))
    data.decode("ascii")
    assert decoded(data, "From") == "Жанчыны — палітычныя вязні <news@belaruswomen.org>"


def test_spamassassin_scores_at_most_one(emls):
    if shutil.which("spamassassin") is None:
        require_tool("spamassassin is not installed (apt-get install spamassassin)")
    # Local rules only (-L): no network. One run over an mbox of the three languages, since
    # starting SpamAssassin costs more than checking a message.
    mbox = b"".join(
        b"From proof@example.org Mon Nov 23 09:00:00 2026\n" + data.replace(b"\r\n", b"\n") + b"\n"
        for data in emls.values()
    )
    run = subprocess.run(
        ["spamassassin", "-t", "-L", "--mbox"], input=mbox, capture_output=True, timeout=300, check=False
    )
    report = run.stdout.decode("utf-8", "replace")
    scores = re.findall(r"^X-Spam-Status: \w+, score=(-?[\d.]+)", report, flags=re.M)
    assert len(scores) == len(emls), report[-3000:]
    for lang, score in zip(emls, scores, strict=True):
        assert float(score) <= 1.0, f"{lang}: {report}"
    assert "MISSING_" not in report


@pytest.mark.parametrize("lang", LANGS)
def test_merge_tags_survive_the_transfer_encoding(emls, letters, lang):
    # The raw bytes hold no part of a merge tag split across lines: the ESP reads the decoded
    # text, and the decoded text holds every tag whole.
    msg = parse(emls[lang])
    for part in msg.iter_parts():
        text = part.get_content()
        assert "{{ UnsubscribeURL }}" in text
        assert ("{{ MessageURL }}" in text) == (part.get_content_subtype() == "html")
        assert "=\r\n" not in part.as_string()
    assert b"quoted-printable" not in emls[lang]


def test_ascii_text_in_short_lines_stays_7bit():
    assert transfer_encoding("Hello\n" * 3) == "7bit"
    assert transfer_encoding("x" * 999) == "base64"
    assert transfer_encoding("Привет") == "base64"


def test_from_name_is_per_language_and_list_id_is_optional(letters):
    settings = dataclasses.replace(CAMPAIGN.newsletter, list_id="")
    campaign = dataclasses.replace(CAMPAIGN, newsletter=settings)
    data = build_eml(letters["ru"], campaign, date=cycle_date(CYCLE))
    assert decoded(data, "List-Id") is None
    assert decoded(data, "From").startswith("Женщины — политические заключённые Беларуси")


def test_proof_has_fresh_date_unique_id_and_working_unsubscribe(emls):
    now = dt.datetime(2026, 12, 2, 3, 4, 5, tzinfo=dt.UTC)
    mailto = CAMPAIGN.newsletter.unsubscribe_mailto
    tags = ("{{ UnsubscribeURL }}", "{{ MessageURL }}")
    one = proof_eml(emls["be"], to="me@example.net", now=now, unsubscribe=mailto, merge_tags=tags)
    two = proof_eml(emls["be"], to="me@example.net", now=now, unsubscribe=mailto, merge_tags=tags)
    a, b = parse(one), parse(two)
    assert a["Date"] == "Wed, 02 Dec 2026 03:04:05 +0000"
    assert a["Message-ID"] != b["Message-ID"]
    assert a["Message-ID"] != parse(emls["be"])["Message-ID"]
    assert a["To"] == "me@example.net"
    assert a["List-Unsubscribe"] == f"<{mailto}>"
    assert a["List-Unsubscribe-Post"] is None  # one-click needs an https URI
    assert a["From"] == parse(emls["be"])["From"] and a["List-Id"] == parse(emls["be"])["List-Id"]
    for part in a.iter_parts():
        text = part.get_content()
        assert "{{" not in text and mailto in text
    one.decode("ascii")
    assert max(len(line) for line in one.split(b"\r\n")) <= 998


def test_a_from_name_with_specials_is_quoted_and_survives(letters):
    settings = dataclasses.replace(CAMPAIGN.newsletter, from_name={"en": 'WPPB <b>&"x, Inc.'})
    campaign = dataclasses.replace(CAMPAIGN, newsletter=settings)
    data = build_eml(letters["en"], campaign, date=cycle_date(CYCLE))
    name, addr = email.utils.parseaddr(parse(data)["From"])
    assert (name, addr) == ('WPPB <b>&"x, Inc.', "news@belaruswomen.org")
