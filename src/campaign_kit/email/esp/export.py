"""``campaign-kit newsletter export --esp listmonk|mailchimp|brevo``.

A send build writes the newsletter with the merge tags of the platform named in campaign.toml
(``newsletter.esp``). Export swaps them for the target platform's own tags (the unsubscribe
link and the web copy of the message) and writes, per language, ``<lang>.html``, ``<lang>.txt``
and ``<lang>.json`` (subject, preheader, From, the platform's field names) under
``out/<appeal>/<cycle>/esp/<esp>/``. Nothing else changes: the text is the reviewed text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from typing import Any

from campaign_kit import jsonstrict
from campaign_kit.campaign.config import ESP_TAGS, KNOWN_ESPS
from campaign_kit.email.esp.template_syntax import escape_html, escape_text
from campaign_kit.errors import EspError
from campaign_kit.output import BuildLock, Writer, WriteResult, read_nofollow

EXPORT_DIR = "esp"
# What each platform calls the fields of a campaign, for the JSON a person (or a script)
# copies from: listmonk's /api/campaigns, Mailchimp's campaign settings, Brevo's emailCampaigns.
FIELDS: dict[str, dict[str, str]] = {
    "listmonk": {"subject": "subject", "from": "from_email", "html": "body", "text": "altbody"},
    "mailchimp": {
        "subject": "subject_line",
        "preheader": "preview_text",
        "from_name": "from_name",
        "reply_to": "reply_to",
        "html": "html",
        "text": "plain_text",
    },
    "brevo": {
        "subject": "subject",
        "preheader": "previewText",
        "from_name": "sender.name",
        "from_email": "sender.email",
        "reply_to": "replyTo",
        "html": "htmlContent",
    },
}


@dataclass(frozen=True)
class Handoff:
    """One language's built newsletter, read back from the cycle folder."""

    lang: str
    subject: str
    preheader: str
    sender: str
    reply_to: str
    list_id: str
    esp: str
    merge_tags: dict[str, str]
    html: str
    txt: str

    @property
    def from_name(self) -> str:
        """The From display name."""
        return parseaddr(self.sender)[0]

    @property
    def from_email(self) -> str:
        """The From address."""
        return parseaddr(self.sender)[1]


def load_handoffs(folder: Path, languages: tuple[str, ...]) -> list[Handoff]:
    """Read each language's ``newsletter/<lang>.html``, ``.txt`` and ``.json`` from a cycle folder.

    Raises:
        EspError: a file is missing or broken, or the build was a local preview (relative
            images), which no platform can send.

    """
    out: list[Handoff] = []
    for lang in languages:
        base = folder / "newsletter"
        try:
            # Read from out/ without following links (the appeal and cycle folders included): a
            # planted link must not hand another file to the ESP.
            out_root, below = folder.parent.parent, f"{folder.parent.name}/{folder.name}/newsletter/{lang}"
            raw = {ext: read_nofollow(out_root, f"{below}.{ext}") for ext in ("json", "html", "txt")}
            for ext, data in raw.items():
                if data is None:
                    raise FileNotFoundError(2, "not found", str(base / f"{lang}.{ext}"))
            meta = jsonstrict.loads(raw["json"] or b"")
            html = (raw["html"] or b"").decode("utf-8")
            txt = (raw["txt"] or b"").decode("utf-8")
        except FileNotFoundError as exc:
            raise EspError(
                f"{exc.filename}: not found; run campaign-kit build --asset-base-url https://... first"
            ) from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, jsonstrict.JSONError) as exc:
            raise EspError(f"{base / lang}.*: cannot be read ({exc}); rebuild the newsletter") from None
        if not isinstance(meta, dict) or not meta.get("send"):
            raise EspError(
                f"{base / lang}.json: built for local preview (relative images); build with "
                "--asset-base-url https://... and publish the cycle folder there first"
            )
        tags = meta.get("merge_tags") or {}
        out.append(
            Handoff(
                lang=lang,
                subject=str(meta.get("subject", "")),
                preheader=str(meta.get("preheader", "")),
                sender=str(meta.get("from", "")),
                reply_to=str(meta.get("reply_to", "")),
                list_id=str(meta.get("list_id", "")),
                esp=str(meta.get("esp", "")),
                merge_tags={k: str(v) for k, v in tags.items() if isinstance(v, str)},
                html=html,
                txt=txt,
            )
        )
    return out


def translate(handoff: Handoff, esp: str) -> tuple[str, str]:
    """The HTML and text with ``esp``'s merge tags in place of the ones the build used.

    Everything else is escaped for ``esp``'s template language (see ``template_syntax``): the
    only tags the platform finds are the two the build placed, whatever a roster value says.

    Raises:
        EspError: unknown platform, or the built unsubscribe tag is not in the HTML and text
            (the files were edited, or built with other settings).

    """
    if esp not in ESP_TAGS:
        raise EspError(f"unknown platform {esp!r} (known: {', '.join(KNOWN_ESPS)})")
    target = ESP_TAGS[esp]
    html, txt = handoff.html, handoff.txt
    source = handoff.merge_tags.get("unsubscribe", "")
    if not source or source not in html or source not in txt:
        raise EspError(
            f"newsletter/{handoff.lang}: the unsubscribe merge tag {source!r} is not in the built "
            "HTML and text; rebuild the newsletter"
        )
    tags = {
        handoff.merge_tags[kind]: target[kind]
        for kind in ("unsubscribe", "view_online")
        if handoff.merge_tags.get(kind)
    }
    split = re.compile("|".join(re.escape(tag) for tag in sorted(tags, key=len, reverse=True)))

    def convert(text: str, escape: Callable[[str, str], str]) -> str:
        out, pos = [], 0
        for match in split.finditer(text):
            out += [escape(text[pos : match.start()], esp), tags[match.group(0)]]
            pos = match.end()
        return "".join([*out, escape(text[pos:], esp)])

    return convert(html, escape_html), convert(txt, escape_text)


def export(
    folder: Path, out_root: Path, languages: tuple[str, ...], esp: str, dry_run: bool = False
) -> list[WriteResult]:
    """Write the hand-off files of every language for ``esp``; say what happened to each.

    Args:
        folder: The cycle folder (``out/<appeal>/<cycle>``) of a send build.
        out_root: The ``out/`` folder (temporary files for the atomic writes).
        languages: The languages to export.
        esp: ``listmonk``, ``mailchimp`` or ``brevo``.
        dry_run: Check and report (``create``, ``overwrite``, ``identical``); write nothing.

    Raises:
        EspError: see ``load_handoffs`` and ``translate``; nothing is written then.

    """
    with BuildLock(out_root, f"{folder.parent.name}-{folder.name}"):
        return _export(folder, out_root, languages, esp, dry_run)


def _export(
    folder: Path, out_root: Path, languages: tuple[str, ...], esp: str, dry_run: bool
) -> list[WriteResult]:
    handoffs = load_handoffs(folder, languages)
    files: dict[str, bytes] = {}
    for h in handoffs:
        html, txt = translate(h, esp)
        rel = f"{EXPORT_DIR}/{esp}/{h.lang}"
        fields = FIELDS[esp]
        record: dict[str, Any] = {
            "esp": esp,
            "lang": h.lang,
            "subject": escape_text(h.subject, esp),
            "preheader": escape_text(h.preheader, esp),
            "from": h.sender,
            "from_name": h.from_name,
            "from_email": h.from_email,
            "reply_to": h.reply_to,
            "list_id": h.list_id,
            "merge_tags": ESP_TAGS[esp],
            "html_file": f"{h.lang}.html",
            "text_file": f"{h.lang}.txt",
            "fields": fields,
        }
        files[f"{rel}.html"] = html.encode("utf-8")
        files[f"{rel}.txt"] = txt.encode("utf-8")
        files[f"{rel}.json"] = (json.dumps(record, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    writer = Writer(out_root, folder, dry_run=dry_run)
    writer.prepare()
    return [writer.write(rel, data) for rel, data in files.items()]
