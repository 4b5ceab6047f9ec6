"""The newsletter: Jinja renders MJML, mjml-python compiles it to email HTML, checks guard both.

This is the only module that imports ``mjml``. Every newsletter gets a subject and preheader
(``templates/newsletter/meta.txt``), MJML (``newsletter/newsletter.mjml``, autoescaped, so a name
with ``<`` or ``&`` stays text), the compiled HTML, and a plain-text part written from its own
template (``newsletter/newsletter.txt``). Nothing is fetched: the compiler is told to add no web
fonts, and the featured women's cards are linked, not embedded.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import markupsafe
from mjml import mjml2html

from campaign_kit import paths
from campaign_kit.config import Newsletter as NewsletterSettings
from campaign_kit.errors import NewsletterError
from campaign_kit.render.appeal import appeal_extras
from campaign_kit.render.mjml_check import check_mjml, html_problems
from campaign_kit.templating import render

CARD_FORMAT = "link"


@dataclass(frozen=True)
class CardImage:
    """One featured woman's card as the newsletter shows it.

    Attributes:
        path: The PNG's path relative to the cycle folder (``cards/en/<id>/link.png``).
        alt: The card's own alt text, when the card renderer made one; otherwise the
            newsletter writes it from the words templates.

    """

    path: str
    alt: str | None = None


CardLookup = Callable[[str], "CardImage | None"]


@dataclass(frozen=True)
class Newsletter:
    """One language's newsletter, checked and ready to write or to wrap in an ``.eml``."""

    lang: str
    subject: str
    preheader: str
    mjml: str
    html: str
    txt: str
    unsubscribe: str
    send: bool


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


def render_newsletter(
    ctx: Mapping[str, Any],
    templates_dir: Path,
    *,
    settings: NewsletterSettings,
    asset_base_url: str | None = None,
    card: CardLookup | None = None,
    send: bool = False,
) -> Newsletter:
    """Render, compile and check one language's newsletter.

    Args:
        ctx: ``context.appeal_context(...)`` for the language.
        templates_dir: The project's ``templates/``.
        settings: ``campaign.newsletter`` (the unsubscribe merge tag comes from here).
        asset_base_url: Absolute ``https://`` base the cards are published under; ``None``
            links them relatively, for a local preview.
        card: Person id -> her card (path and alt text), or ``None`` to show no card for her.
            Default: ``cards/<lang>/<id>/link.png`` with alt text from the words templates.
        send: A build meant for sending: every link and image must be absolute https.

    Returns:
        The checked newsletter.

    Raises:
        NewsletterError: an empty value, a missing preheader, an MJML tag or attribute outside
            the allow-list, HTML over Gmail's clipping size, an image without alt text, or
            (``send``) a link or image that is not absolute https.
        TemplateError: a template is missing or broken.

    """
    lang = ctx["lang"]
    where = f"newsletter/{lang}"
    if asset_base_url is not None and not asset_base_url.startswith("https://"):
        raise NewsletterError(f"{where}: asset base URL {asset_base_url!r} must start with https://")
    extras = appeal_extras(ctx)
    by_id = {entry["id"]: entry for entry in extras["roll"]}
    featured_cards = []
    for view in ctx["featured"]:
        image = card(view["id"]) if card else CardImage(paths.card(lang, view["id"], CARD_FORMAT))
        featured_cards.append(
            {
                **by_id[view["id"]],
                "card_src": None
                if image is None
                else card_url(
                    image.path,
                    asset_base_url=asset_base_url,
                    appeal=ctx["appeal"]["key"],
                    cycle=ctx["cycle"]["id"],
                ),
                "card_alt_given": None if image is None else image.alt,
            }
        )

    base = {**ctx, **extras, "featured_cards": featured_cards, "unsubscribe_url": settings.unsubscribe}
    meta = render(templates_dir, "newsletter/meta.txt", base).strip("\n").split("\n")
    subject = meta[0].strip() if meta else ""
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
    mjml = render(templates_dir, "newsletter/newsletter.mjml", full)
    check_mjml(mjml, f"{where}.mjml")
    try:
        # fonts={}: MRML would otherwise link Google Fonts for some family names.
        html = mjml2html(mjml, disable_comments=True, fonts={})
        html = html if html.endswith("\n") else html + "\n"
    except ValueError as exc:
        raise NewsletterError(f"{where}.mjml: MJML does not compile: {exc}") from None
    txt = render(templates_dir, "newsletter/newsletter.txt", full)

    problems = html_problems(html, send=send, merge_tags=(settings.unsubscribe,))
    if _escape(preheader) not in html:
        problems.append("the preheader is not in the HTML (is <mj-preview> in the template?)")
    if f'href="{_escape(settings.unsubscribe)}"' not in html:
        problems.append(f"no unsubscribe link ({settings.unsubscribe}) in the HTML")
    if settings.unsubscribe not in txt:
        problems.append(f"no unsubscribe link ({settings.unsubscribe}) in the plain-text part")
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
    )


def _escape(text: str) -> str:
    # MRML copies text through as the template escaped it, so look for Jinja's escaping.
    return str(markupsafe.escape(text))
