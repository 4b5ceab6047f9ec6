"""Checks for newsletter MJML and the HTML compiled from it.

mjml-python (MRML) does not validate: an unknown tag is copied into the email as is and an
unknown or misspelt attribute is dropped without a word, so a template typo ships silently.
These checks run on every newsletter: the MJML against an allow-list of the standard ``mj-*``
components and their documented attributes (plus a small set of HTML inside text components),
and the compiled HTML for what inboxes punish (size, images without alt text, links that do not
work outside the build folder).
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

from campaign_kit.errors import NewsletterError

# Gmail clips a message whose HTML is larger than 102 KB and hides the rest, including the
# unsubscribe link, behind "View entire message". Counted in UTF-8 bytes, with 1 KB = 1,000
# bytes: the stricter reading, so a message that passes is never clipped.
GMAIL_CLIP_BYTES = 102_000


def _sides(name: str) -> tuple[str, ...]:
    """``padding`` and its four sides (``padding-top`` ...), as MJML spells them."""
    return (name, *(f"{name}-{side}" for side in ("top", "right", "bottom", "left")))


_PAD = _sides("padding")
_BORDER = _sides("border")
_INNER_BORDER = (*_sides("inner-border"), "inner-border-radius")
_BACKGROUND = tuple(
    "background-color background-url background-repeat background-size background-position"
    " background-position-x background-position-y".split()
)
_FONT = tuple(
    "font-family font-size font-style font-weight line-height letter-spacing text-decoration"
    " text-transform color".split()
)
_ICONS = tuple(
    "icon-align icon-height icon-position icon-unwrapped-alt icon-unwrapped-url icon-width"
    " icon-wrapped-alt icon-wrapped-url".split()
)
_LINK = ("href", "rel", "target", "title")
# Every body component accepts these.
_GLOBAL = ("mj-class", "css-class")


def _attrs(*groups: tuple[str, ...] | str) -> frozenset[str]:
    out: set[str] = set(_GLOBAL)
    for g in groups:
        out.update((g,) if isinstance(g, str) else g)
    return frozenset(out)


# The standard MJML 4 components with their documented attributes (https://documentation.mjml.io).
BODY_TAGS: dict[str, frozenset[str]] = {
    "mj-body": _attrs("width", "background-color"),
    "mj-wrapper": _attrs(
        _BACKGROUND, _BORDER, _PAD, "border-radius", "direction", "full-width", "text-align", "gap"
    ),
    "mj-section": _attrs(
        _BACKGROUND, _BORDER, _PAD, "border-radius", "direction", "full-width", "text-align"
    ),
    "mj-group": _attrs("width", "vertical-align", "background-color", "direction"),
    "mj-column": _attrs(
        _BORDER,
        _INNER_BORDER,
        _PAD,
        "background-color",
        "inner-background-color",
        "border-radius",
        "width",
        "vertical-align",
        "direction",
    ),
    "mj-text": _attrs(_FONT, _PAD, "height", "align", "container-background-color"),
    "mj-image": _attrs(
        _BORDER,
        _PAD,
        _LINK,
        "align",
        "alt",
        "border-radius",
        "container-background-color",
        "fluid-on-mobile",
        "full-width",
        "height",
        "name",
        "sizes",
        "src",
        "srcset",
        "usemap",
        "width",
        "font-size",
    ),
    "mj-button": _attrs(
        _FONT,
        _BORDER,
        _PAD,
        _LINK,
        "align",
        "background-color",
        "border-radius",
        "container-background-color",
        "height",
        "inner-padding",
        "text-align",
        "vertical-align",
        "width",
        "name",
    ),
    "mj-divider": _attrs(
        _PAD, "align", "border-color", "border-style", "border-width", "container-background-color", "width"
    ),
    "mj-spacer": _attrs(_PAD, "container-background-color", "height"),
    "mj-table": _attrs(
        _FONT,
        _PAD,
        "align",
        "border",
        "cellpadding",
        "cellspacing",
        "container-background-color",
        "role",
        "table-layout",
        "width",
    ),
    "mj-raw": _attrs("position"),
    "mj-hero": _attrs(
        _PAD,
        "background-color",
        "background-height",
        "background-position",
        "background-url",
        "background-width",
        "border-radius",
        "container-background-color",
        "height",
        "inner-background-color",
        "inner-padding",
        "inner-padding-top",
        "inner-padding-right",
        "inner-padding-bottom",
        "inner-padding-left",
        "mode",
        "vertical-align",
        "width",
    ),
    "mj-navbar": _attrs(
        "align",
        "base-url",
        "hamburger",
        "ico-align",
        "ico-close",
        "ico-color",
        "ico-font-family",
        "ico-font-size",
        "ico-line-height",
        "ico-open",
        "ico-padding",
        "ico-padding-top",
        "ico-padding-right",
        "ico-padding-bottom",
        "ico-padding-left",
        "ico-text-decoration",
        "ico-text-transform",
    ),
    "mj-navbar-link": _attrs(_FONT, _PAD, _LINK),
    "mj-social": _attrs(
        _FONT,
        _PAD,
        "align",
        "border-radius",
        "container-background-color",
        "icon-height",
        "icon-size",
        "icon-padding",
        "inner-padding",
        "mode",
        "text-padding",
    ),
    "mj-social-element": _attrs(
        _FONT,
        _PAD,
        _LINK,
        "align",
        "alt",
        "background-color",
        "border-radius",
        "icon-height",
        "icon-position",
        "icon-size",
        "icon-padding",
        "name",
        "sizes",
        "src",
        "srcset",
        "text-padding",
        "vertical-align",
    ),
    "mj-accordion": _attrs(_ICONS, _PAD, "border", "container-background-color", "font-family"),
    "mj-accordion-element": _attrs(_ICONS, "background-color", "border", "font-family"),
    "mj-accordion-title": _attrs(_FONT, _PAD, "background-color"),
    "mj-accordion-text": _attrs(_FONT, _PAD, "background-color"),
    "mj-carousel": _attrs(
        "align",
        "border-radius",
        "container-background-color",
        "icon-width",
        "left-icon",
        "right-icon",
        "tb-border",
        "tb-border-radius",
        "tb-hover-border-color",
        "tb-selected-border-color",
        "tb-width",
        "thumbnails",
    ),
    "mj-carousel-image": _attrs(
        _LINK, "alt", "src", "thumbnails-src", "border-radius", "tb-border", "tb-border-radius"
    ),
}
HEAD_TAGS: dict[str, frozenset[str]] = {
    "mj-head": frozenset(),
    "mj-title": frozenset(),
    "mj-preview": frozenset(),
    "mj-style": frozenset({"inline"}),
    "mj-attributes": frozenset(),
    "mj-breakpoint": frozenset({"width"}),
    "mj-font": frozenset({"name", "href"}),
    "mj-html-attributes": frozenset(),
    "mj-selector": frozenset({"path"}),
    "mj-html-attribute": frozenset({"name"}),
}
ROOT_ATTRS = frozenset({"lang", "dir", "owa"})
# mj-include reads files from disk at compile time; templates compose with Jinja instead.
REFUSED_TAGS = {"mj-include": "use Jinja's {% include %} instead of mj-include"}

# Components whose content is HTML (or text), not more components.
ENDING_TAGS = frozenset(
    {
        "mj-text",
        "mj-button",
        "mj-raw",
        "mj-table",
        "mj-navbar-link",
        "mj-social-element",
        "mj-accordion-title",
        "mj-accordion-text",
        "mj-title",
        "mj-preview",
        "mj-style",
        "mj-html-attribute",
    }
)
# Head components whose content is plain text: no tags at all.
TEXT_ONLY_TAGS = frozenset({"mj-title", "mj-preview", "mj-style", "mj-html-attribute"})

_HTML_COMMON = frozenset(
    {"style", "class", "id", "lang", "dir", "title", "role", "aria-label", "aria-hidden"}
)
_CELL = frozenset({"align", "valign", "width", "height", "colspan", "rowspan", "bgcolor"})
# HTML a template may use inside mj-text, mj-button, mj-table and mj-raw.
HTML_TAGS: dict[str, frozenset[str]] = {
    **{
        tag: _HTML_COMMON
        for tag in (
            "b",
            "strong",
            "i",
            "em",
            "u",
            "s",
            "small",
            "span",
            "br",
            "p",
            "div",
            "ul",
            "li",
            "h1",
            "h2",
            "h3",
            "h4",
            "blockquote",
            "sup",
            "sub",
            "hr",
            "abbr",
            "tbody",
            "thead",
            "tfoot",
            "tr",
            "caption",
        )
    },
    "ol": _HTML_COMMON | {"start", "type"},
    "a": _HTML_COMMON | {"href", "target", "rel", "name"},
    "img": _HTML_COMMON | {"src", "alt", "width", "height", "border"},
    "table": _HTML_COMMON | _CELL | {"border", "cellpadding", "cellspacing"},
    "td": _HTML_COMMON | _CELL,
    "th": _HTML_COMMON | _CELL | {"scope"},
    # In <mj-raw> of <mj-head> only in practice: the color-scheme declaration.
    "meta": frozenset({"name", "content"}),
}
HTML_VOID = frozenset({"br", "hr", "img", "meta"})


@dataclass
class _Frame:
    tag: str
    line: int


class _MjmlWalker(HTMLParser):
    """Walks MJML source and records every tag or attribute outside the allow-list."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.stack: list[_Frame] = []
        self.seen_root = False

    # --- helpers --------------------------------------------------------------------------

    def _bad(self, message: str) -> None:
        self.problems.append(f"line {self.getpos()[0]}: {message}")

    def _inside(self) -> str | None:
        """The innermost ending component we are in (its content is HTML), if any."""
        for frame in reversed(self.stack):
            if frame.tag in ENDING_TAGS:
                return frame.tag
        return None

    def _in_attributes(self) -> bool:
        return bool(self.stack) and self.stack[-1].tag in ("mj-attributes",)

    # --- parser callbacks -----------------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._check(tag, attrs)
        if tag not in HTML_VOID:
            self.stack.append(_Frame(tag, self.getpos()[0]))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._check(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in HTML_VOID:
            return
        if not self.stack or self.stack[-1].tag != tag:
            open_tag = self.stack[-1].tag if self.stack else "nothing"
            self._bad(f"</{tag}> closes {open_tag}")
            # Recover: drop frames up to the matching one, if there is one.
            for i in range(len(self.stack) - 1, -1, -1):
                if self.stack[i].tag == tag:
                    del self.stack[i:]
                    break
            return
        self.stack.pop()

    def _check(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = [name for name, _ in attrs]
        ending = self._inside()
        if tag == "mjml":
            if self.stack or self.seen_root:
                self._bad("<mjml> must be the single root element")
            self.seen_root = True
            self._check_attrs(tag, names, ROOT_ATTRS)
            return
        if not self.stack:
            self._bad(f"<{tag}> is outside <mjml>")
            return
        if self._in_attributes():
            # mj-attributes sets defaults: <mj-all ...>, <mj-class name=...>, <mj-text ...>.
            if tag == "mj-all":
                allowed = frozenset().union(*BODY_TAGS.values())
            elif tag == "mj-class":
                allowed = frozenset({"name"}).union(*BODY_TAGS.values())
            elif tag in BODY_TAGS:
                allowed = BODY_TAGS[tag]
            else:
                self._bad(f"<{tag}> cannot set defaults in <mj-attributes>")
                return
            self._check_attrs(tag, names, allowed)
            return
        if ending is not None:
            if ending in TEXT_ONLY_TAGS:
                self._bad(f"<{tag}> inside <{ending}>, which holds plain text only")
            elif tag.startswith("mj-") or tag == "mjml":
                self._bad(f"<{tag}> inside <{ending}>, whose content is HTML, not MJML")
            elif tag not in HTML_TAGS:
                self._bad(f"HTML tag <{tag}> is not allowed in <{ending}>")
            else:
                self._check_attrs(tag, names, HTML_TAGS[tag])
            return
        if tag in REFUSED_TAGS:
            self._bad(f"<{tag}> is not allowed: {REFUSED_TAGS[tag]}")
        elif tag in BODY_TAGS:
            self._check_attrs(tag, names, BODY_TAGS[tag])
        elif tag in HEAD_TAGS:
            self._check_attrs(tag, names, HEAD_TAGS[tag])
        elif tag.startswith("mj-"):
            self._bad(f"unknown MJML tag <{tag}>")
        else:
            self._bad(f"HTML tag <{tag}> outside a text component (mj-text, mj-raw, ...)")

    def _check_attrs(self, tag: str, names: list[str], allowed: frozenset[str]) -> None:
        for name in names:
            if name not in allowed:
                self._bad(f'unknown attribute "{name}" on <{tag}>')


def mjml_problems(source: str) -> list[str]:
    """Every tag or attribute in ``source`` outside the allow-list, each with its line.

    Args:
        source: MJML as rendered by Jinja (before compiling).

    Returns:
        One message per problem; empty when the MJML is clean.

    """
    walker = _MjmlWalker()
    walker.feed(source)
    walker.close()
    if not walker.seen_root:
        walker.problems.append("no <mjml> root element")
    for frame in walker.stack:
        walker.problems.append(f"line {frame.line}: <{frame.tag}> is never closed")
    return walker.problems


def check_mjml(source: str, name: str = "newsletter") -> None:
    """Raise ``NewsletterError`` naming every unknown MJML tag or attribute in ``source``.

    Args:
        source: The rendered MJML.
        name: What to call the document in the message (e.g. ``newsletter/en.mjml``).

    """
    problems = mjml_problems(source)
    if problems:
        raise NewsletterError(
            f"{name}: {len(problems)} MJML problem{'s' if len(problems) != 1 else ''}: "
            "mjml-python would drop or pass these through silently\n  " + "\n  ".join(problems)
        )


class _HtmlLinks(HTMLParser):
    """Collects every image, link and other URL-bearing attribute of compiled HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.images: list[tuple[int, dict[str, str | None]]] = []
        self.links: list[tuple[int, str | None]] = []
        self.other_urls: list[tuple[int, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        a = dict(attrs)
        if tag == "img":
            self.images.append((line, a))
        elif tag == "a":
            self.links.append((line, a.get("href")))
        # Anything else that makes a mail client fetch a URL (background images, fonts).
        for key in ("src", "background"):
            if key in a and tag != "img":
                self.other_urls.append((line, f"{tag} {key}", a[key] or ""))
        if tag == "link":
            self.other_urls.append((line, "link href", a.get("href") or ""))

    handle_startendtag = handle_starttag


def image_urls(html: str) -> list[str]:
    """Every URL compiled HTML makes a mail client fetch (``<img src>``, backgrounds), in order."""
    parser = _HtmlLinks()
    parser.feed(html)
    parser.close()
    urls = [(line, attrs.get("src") or "") for line, attrs in parser.images]
    urls += [(line, url) for line, _, url in parser.other_urls]
    return [url for _, url in sorted(urls, key=lambda item: item[0])]


def html_problems(html: str, *, send: bool, merge_tags: tuple[str, ...] = ()) -> list[str]:
    """What is wrong with compiled newsletter HTML, as messages.

    Args:
        html: The HTML from mjml2html.
        send: A build meant for sending: every link and image must be absolute ``https://``
            (``mailto:`` links and the ESP's merge tags are allowed). A local preview may
            also use relative paths (the cards next to it).
        merge_tags: Values the ESP replaces at send time (the unsubscribe tag), allowed as
            an ``href``.

    Returns:
        One message per problem; empty when the HTML passes.

    """
    problems: list[str] = []
    size = len(html.encode("utf-8"))
    if size > GMAIL_CLIP_BYTES:
        problems.append(
            f"HTML is {size:,} bytes; Gmail clips messages over {GMAIL_CLIP_BYTES:,} bytes "
            "(shorten the text or feature fewer women)"
        )
    parser = _HtmlLinks()
    parser.feed(html)
    parser.close()

    def url_problem(url: str, what: str, *, image: bool) -> str | None:
        url = url.strip()
        if not url:
            return f"{what} is empty (an empty merge value?)"
        low = url.lower()
        if low.startswith("https://"):
            return None
        if not image and (url in merge_tags or low.startswith("mailto:")):
            return None
        if low.startswith(("javascript:", "data:", "vbscript:", "file:")):
            return f"{what} {url[:80]!r} uses a scheme no email may contain"
        if low.startswith("http://"):
            return f"{what} {url[:80]!r} is not https"
        if low.startswith("//") or ":" in low.split("/", 1)[0]:
            return f"{what} {url[:80]!r} is not an absolute https:// link"
        if send:
            return (
                f"{what} {url[:80]!r} is relative: a send build needs absolute https:// "
                "links (pass an asset base URL)"
            )
        return None

    for line, attrs in parser.images:
        alt = attrs.get("alt")
        if alt is None or not alt.strip():
            problems.append(f"line {line}: <img src={attrs.get('src')!r}> has no alt text")
        msg = url_problem(attrs.get("src") or "", "image src", image=True)
        if msg:
            problems.append(f"line {line}: {msg}")
    for line, href in parser.links:
        msg = url_problem(href or "", "link href", image=False)
        if msg:
            problems.append(f"line {line}: {msg}")
    for line, key, url in parser.other_urls:
        msg = url_problem(url, key, image=True)
        if msg:
            problems.append(f"line {line}: {msg}")
    return problems
