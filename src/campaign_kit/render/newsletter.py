"""The newsletter: Jinja renders MJML, mjml-python compiles it to email HTML, checks guard both.

This is the only module that imports ``mjml``. Every newsletter gets a subject and preheader
(``templates/newsletter/meta.txt``), MJML (``newsletter/newsletter.mjml``, autoescaped, so a name
with ``<`` or ``&`` stays text), the compiled HTML, and a plain-text part written from its own
template (``newsletter/newsletter.txt``). Nothing is fetched: the compiler is told to add no web
fonts, and the featured women's cards are linked, not embedded.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import markupsafe
from mjml import mjml2html

from campaign_kit import paths
from campaign_kit.campaign.config import Newsletter as NewsletterSettings
from campaign_kit.campaign.templating import render
from campaign_kit.errors import NewsletterError
from campaign_kit.render.appeal import appeal_extras
from campaign_kit.render.email import Newsletter, from_header, list_id
from campaign_kit.render.mjml_check import GMAIL_CLIP_BYTES, check_mjml, html_problems, image_urls

CARD_FORMAT = "link"
CARD_PIXELS = (1200, 630)
# The card spans the 600 px column less 24 px padding each side; Outlook needs the height as a
# number to keep the space (a dark-mode or images-off inbox otherwise collapses it).
CARD_WIDTH = 552
CARD_HEIGHT = round(CARD_WIDTH * CARD_PIXELS[1] / CARD_PIXELS[0])
# A screen reader reads the alt text and then the name and status printed under the card:
# a card's own alt text (hashtags and all) is used only when it is this short.
MAX_ALT = 160
# ESPs add tracking pixels and rewrite every link longer; keep that much room under Gmail's clip.
ESP_HEADROOM = 8_000


@dataclass(frozen=True)
class CardImage:
    """One featured woman's card as the newsletter shows it.

    Attributes:
        path: The PNG's path relative to the cycle folder (``cards/en/<id>/link.png``).
        alt: The card's own alt text, when the card renderer made one; the newsletter uses it
            when it is at most ``MAX_ALT`` characters, else writes a short one from the words
            templates.

    """

    path: str
    alt: str | None = None


CardLookup = Callable[[str], "CardImage | None"]


def card_url(path: str, *, asset_base_url: str | None, appeal: str, cycle: str) -> str:
    """The URL the newsletter uses for a card.

    Args:
        path: Relative to the cycle folder (``cards/en/ablab-hanna/link.png``).
        asset_base_url: Where the cycle folders are published (``https://host/campaign-kit``);
            ``None`` for a local preview.
        appeal: The appeal key (first folder under the base URL).
        cycle: The cycle id (second folder).

    Returns:
        ``<base>/<appeal>/<cycle>/<path>`` when a base is given; otherwise ``../<path>``, which
        resolves from ``newsletter/<lang>.html`` to the card beside it in the build folder.

    """
    quoted = "/".join(urllib.parse.quote(part) for part in path.split("/"))
    if asset_base_url is None:
        return f"../{quoted}"
    base = asset_base_url.rstrip("/")
    return f"{base}/{urllib.parse.quote(appeal)}/{urllib.parse.quote(cycle)}/{quoted}"


def _empty_values(values: Mapping[str, Any]) -> list[str]:
    return [name for name, value in values.items() if not isinstance(value, str) or not value.strip()]


def with_utm(url: str, utm: tuple[tuple[str, str], ...], **fill: str) -> str:
    """``url`` with the ``utm_*`` parameters added (``{appeal}``, ``{cycle}``, ``{lang}`` filled).

    Parameters the URL already has are kept as they are.
    """
    if not utm:
        return url
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    have = {k for k, _ in query}
    for key, value in utm:
        if key not in have:
            for name, text in fill.items():
                value = value.replace("{" + name + "}", text)
            query.append((key, value))
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def render_newsletter(
    ctx: Mapping[str, Any],
    templates_dir: Path,
    *,
    settings: NewsletterSettings,
    asset_base_url: str | None = None,
    card: CardLookup | None = None,
    send: bool = False,
    images: Collection[str] | None = None,
) -> Newsletter:
    """Render, compile and check one language's newsletter.

    It shows at most ``settings.featured_max`` featured women. Past
    ``settings.roll_call_max`` women, or when the full roll call would not fit under
    Gmail's clipping size (less room the ESP's tracking takes), the newsletter is *compact*:
    the featured women and the counts, and a link to the full roll call (``appeal/<lang>.html``
    of the cycle folder).

    Args:
        ctx: ``context.appeal_context(...)`` for the language.
        templates_dir: The project's ``templates/``.
        settings: ``campaign.newsletter`` (merge tags, postal address, reason, UTM).
        asset_base_url: Absolute ``https://`` base the cards are published under; ``None``
            links them relatively, for a local preview.
        card: Person id -> her card (path and alt text), or ``None`` to show no card for her.
            Default: ``cards/<lang>/<id>/link.png`` with alt text from the words templates.
        send: A build meant for sending: every link and image must be absolute https, and the
            postal address must be set.
        images: The cycle-relative paths the build writes; with ``send``, every image the
            newsletter loads must be one of them.

    Returns:
        The checked newsletter.

    Raises:
        NewsletterError: an empty value, a missing preheader, an MJML tag or attribute outside
            the allow-list, HTML over Gmail's clipping size, an image without alt text, or
            (``send``) a link or image that is not absolute https, an image the build did not
            write, or no postal address.
        TemplateError: a template is missing or broken.

    """
    lang = ctx["lang"]
    where = f"newsletter/{lang}"
    if asset_base_url is not None and not asset_base_url.startswith("https://"):
        raise NewsletterError(f"{where}: asset base URL {asset_base_url!r} must start with https://")
    if send and not settings.postal_address.get(lang):
        raise NewsletterError(
            f"{where}: campaign.toml newsletter.postal_address.{lang} is missing: CAN-SPAM and "
            "Mailchimp require the sender's postal address (a PO box will do) in every newsletter"
        )
    extras = appeal_extras(ctx)
    by_id = {entry["id"]: entry for entry in extras["roll"]}
    appeal_key, cycle_id = ctx["appeal"]["key"], ctx["cycle"]["id"]

    def url(path: str) -> str:
        return card_url(path, asset_base_url=asset_base_url, appeal=appeal_key, cycle=cycle_id)

    # A build of everyone (--all) features every woman; the newsletter shows the first
    # featured_max of them (its words count what it shows) and links the rest.
    shown = list(ctx["featured"])[: settings.featured_max]
    ctx = {**ctx, "featured": shown}
    featured_cards = []
    for view in shown:
        image = card(view["id"]) if card else CardImage(paths.card(lang, view["id"], CARD_FORMAT))
        given = None if image is None else image.alt
        featured_cards.append(
            {
                **by_id[view["id"]],
                "card_src": None if image is None else url(image.path),
                "card_alt_given": given if given is None or len(given) <= MAX_ALT else None,
            }
        )
    view_online = settings.view_online if settings.unsubscribe == _esp_unsubscribe(settings) else ""
    nl = {
        "donate_url": with_utm(
            ctx["org"]["donate_url"], settings.utm, appeal=appeal_key, cycle=cycle_id, lang=lang
        ),
        "view_online": view_online,
        # Typeset here, so the check below finds them as the texts print them.
        "reason": ctx["t"].typeset(settings.reason.get(lang, "")),
        "postal_address": ctx["t"].typeset(settings.postal_address.get(lang, "")),
        "roll_url": url(f"appeal/{lang}.html"),
        "card_width": CARD_WIDTH,
        "card_height": CARD_HEIGHT,
        "compact": len(extras["roll"]) > settings.roll_call_max,
    }
    base = {
        **ctx,
        **extras,
        "featured_cards": featured_cards,
        "unsubscribe_url": settings.unsubscribe,
        "nl": nl,
    }
    meta = render(templates_dir, "newsletter/meta.txt", base).strip("\n").split("\n")
    # A header, not typeset text: a no-break space would only force the whole Subject into
    # RFC 2047 encoding (inboxes wrap subjects themselves).
    subject = meta[0].replace("\u00a0", " ").strip() if meta else ""
    preheader = meta[1].strip() if len(meta) > 1 else ""
    if len(meta) > 2:
        raise NewsletterError(
            f"{where}: newsletter/meta.txt must give two lines (subject, preheader), not {len(meta)}"
        )
    if not preheader:
        raise NewsletterError(
            f"{where}: the preheader is missing (second line of "
            "newsletter/meta.txt): inboxes would show the first text instead"
        )

    values: dict[str, Any] = {
        "subject": subject,
        "preheader": preheader,
        "unsubscribe merge tag": settings.unsubscribe,
        "organisation name": ctx["org"]["name"],
        "organisation site_url": ctx["org"]["site_url"],
        "organisation donate_url": ctx["org"]["donate_url"],
        "appeal title": ctx["appeal"]["title"],
    }
    for entry in featured_cards:
        # "Mother of 2 children" is said only of a woman with children, in an appeal about
        # mothers (context.person_view); otherwise it is rightly empty.
        keys = ("name", "other_name", "status_line") + (("mother_of",) if entry.get("children") else ())
        for key in keys:
            values[f"{entry['id']} {key}"] = entry[key]
        if entry["card_alt_given"] is not None:
            values[f"{entry['id']} card alt text"] = entry["card_alt_given"]
    empty = _empty_values(values)
    if empty:
        raise NewsletterError(
            f"{where}: empty merge value{'s' if len(empty) > 1 else ''}: " + ", ".join(empty)
        )

    full = {**base, "subject": subject, "preheader": preheader}
    mjml, html = _compile(templates_dir, full, where)
    if not nl["compact"] and len(html.encode("utf-8")) > GMAIL_CLIP_BYTES - ESP_HEADROOM:
        nl["compact"] = True
        mjml, html = _compile(templates_dir, full, where)
    txt = render(templates_dir, "newsletter/newsletter.txt", full)

    tags = tuple(t for t in (settings.unsubscribe, view_online) if t)
    problems = html_problems(html, send=send, merge_tags=tags)
    if _escape(preheader) not in html:
        problems.append("the preheader is not in the HTML (is <mj-preview> in the template?)")
    if f'href="{_escape(settings.unsubscribe)}"' not in html:
        problems.append(f"no unsubscribe link ({settings.unsubscribe}) in the HTML")
    if settings.unsubscribe not in txt:
        problems.append(f"no unsubscribe link ({settings.unsubscribe}) in the plain-text part")
    for label, value in (("postal address", nl["postal_address"]), ("reason", nl["reason"])):
        if value and (_escape(value) not in html or value not in txt):
            problems.append(f"the {label} from campaign.toml is not in the HTML and the text")
    srcs = tuple(image_urls(html))
    if send and images is not None:
        written = {url(path) for path in images}
        problems.extend(
            f"image {src[:100]!r} is not one this build writes (the link would break)"
            for src in srcs
            if src not in written
        )
    if problems:
        raise NewsletterError(
            f"{where}.html: {len(problems)} problem"
            f"{'s' if len(problems) != 1 else ''}\n  " + "\n  ".join(problems)
        )
    return Newsletter(
        lang=lang,
        subject=subject,
        preheader=preheader,
        mjml=mjml,
        html=html,
        txt=txt,
        unsubscribe=settings.unsubscribe,
        send=send,
        view_online=view_online,
        compact=nl["compact"],
        images=srcs,
    )


def _esp_unsubscribe(settings: NewsletterSettings) -> str:
    from campaign_kit.campaign.config import ESP_TAGS

    return ESP_TAGS[settings.esp]["unsubscribe"]


def _compile(templates_dir: Path, full: Mapping[str, Any], where: str) -> tuple[str, str]:
    """Render the MJML, check it against the allow-list, compile it to HTML."""
    mjml = render(templates_dir, "newsletter/newsletter.mjml", full)
    check_mjml(mjml, f"{where}.mjml")
    try:
        # fonts={}: MRML would otherwise link Google Fonts for some family names.
        html = mjml2html(mjml, disable_comments=True, fonts={})
    except ValueError as exc:
        raise NewsletterError(f"{where}.mjml: MJML does not compile: {exc}") from None
    # MRML writes a no-break space inside an attribute (an alt, the aria-label) as Rust's
    # escape "\u{a0}"; put the character back (nothing a template prints has a backslash).
    html = _RUST_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), html)
    return mjml, html if html.endswith("\n") else html + "\n"


_RUST_ESCAPE = re.compile(r"\\u\{([0-9a-f]{1,6})\}")


def _escape(text: str) -> str:
    # MRML copies text through as the template escaped it, so look for Jinja's escaping.
    return str(markupsafe.escape(text))


def handoff(nl: Newsletter, campaign: Any) -> bytes:
    """``newsletter/<lang>.json``: what ``newsletter export`` and ``push`` need beside the HTML.

    Subject, preheader, From and Reply-To, List-Id, the merge tags the HTML and text carry,
    whether it is a send build, compact or full, and the images it loads.
    """
    data = {
        "lang": nl.lang,
        "subject": nl.subject,
        "preheader": nl.preheader,
        "from": from_header(campaign, nl.lang),
        "reply_to": campaign.newsletter.reply_to,
        "list_id": list_id(campaign, nl.lang),
        "esp": campaign.newsletter.esp,
        "merge_tags": {"unsubscribe": nl.unsubscribe, "view_online": nl.view_online},
        "send": nl.send,
        "compact": nl.compact,
        "images": list(nl.images),
    }
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
