"""Neutralise each email platform's template language in the text handed to it.

listmonk runs a campaign's body, plain-text body and subject through Go templates
(``{{ ... }}``); Mailchimp replaces ``*|TAG|*`` merge tags (and ``*|IF:...|*`` blocks);
Brevo runs its Django-like language (``{{ ... }}``, ``{% ... %}``, ``{# ... #}``). A roster
value that holds such a sequence (a free-text health note saying ``{{ .Subscriber.Email }}``
or ``*|EMAIL|*``) would otherwise be run by the platform for every subscriber: it could show
one subscriber's data, break the send, or hide text.

Every opening sequence is broken without changing what a reader sees: in HTML its first
character becomes a numeric character reference (``&#123;{``: the platform's parser no longer
sees ``{{``, the browser shows ``{{``), except inside ``<style>``, where references are not
decoded and a space does the same for CSS; in plain text (the text part, subject, preheader) a
WORD JOINER (U+2060, invisible, zero width) goes between the two characters.
"""

from __future__ import annotations

import re

# The sequences that open a tag in each platform's language.
OPENERS: dict[str, tuple[str, ...]] = {
    "listmonk": ("{{",),
    "mailchimp": ("*|",),
    "brevo": ("{{", "{%", "{#"),
}
WORD_JOINER = "\u2060"
_STYLE = re.compile(r"(<style\b[^>]*>.*?</style\s*>)", re.IGNORECASE | re.DOTALL)


def _pattern(esp: str) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(o) for o in OPENERS[esp]))


def escape_text(text: str, esp: str) -> str:
    """Plain text with every tag opener of ``esp`` broken by a WORD JOINER."""
    return _pattern(esp).sub(lambda m: m.group(0)[0] + WORD_JOINER + m.group(0)[1:], text)


def escape_html(html: str, esp: str) -> str:
    """HTML with every tag opener of ``esp`` made inert (a character reference; in CSS a space)."""
    pattern = _pattern(esp)
    out = []
    for i, piece in enumerate(_STYLE.split(html)):
        if i % 2:  # a <style> element
            out.append(pattern.sub(lambda m: m.group(0)[0] + " " + m.group(0)[1:], piece))
        else:
            out.append(pattern.sub(lambda m: f"&#{ord(m.group(0)[0])};" + m.group(0)[1:], piece))
    return "".join(out)
