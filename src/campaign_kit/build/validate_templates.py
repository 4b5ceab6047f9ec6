"""``validate`` for templates and card layouts: what a build would trip over, found before it.

Three passes, each reporting file and line where there is one:

1. syntax: every Jinja template under ``templates/`` is parsed (all of them, not the first);
2. presence: every template a build of each language and appeal reads exists, each appeal's
   words files in its own folder for every language (card layouts and their wording are
   checked by ``checks.check_card_layouts``);
3. a trial render: each language's posts, appeal and newsletter are rendered for one woman of
   each appeal, with the build's own renderers and ``StrictUndefined``, so an undefined
   variable or attribute (``p.nmae``) is reported with the template line it is on.

The trial render uses the real roster, so it needs a valid one; with an invalid roster only
the first two passes run (the roster's problems are reported on their own).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from campaign_kit.campaign.config import Appeal, Campaign
from campaign_kit.campaign.cycles import appeal_members
from campaign_kit.errors import CampaignKitError, Problem
from campaign_kit.roster import Roster

# Files under templates/ that are Jinja templates (card layouts and locale files are TOML).
TEMPLATE_SUFFIXES = (".j2", ".txt", ".html", ".mjml")
TEMPLATE_FOLDERS = ("posts", "appeal", "newsletter", "review", "appeals")
SHARED_TEMPLATES = (
    "appeal/appeal.txt",
    "appeal/appeal.html",
    "newsletter/newsletter.mjml",
    "newsletter/newsletter.txt",
    "newsletter/meta.txt",
    "review/index.html",
)
_LINE_RE = re.compile(r"(?P<path>.+?): line (?P<line>\d+): (?P<message>.*)", re.S)
_PATH_RE = re.compile(r"(?P<path>[^\s:]+): (?P<message>.*)", re.S)


def problem_from_error(exc: CampaignKitError, fallback: str) -> list[Problem]:
    """Turn a renderer's error into problems naming the file (and line) its message names."""
    if exc.problems:
        return list(exc.problems)
    m = _LINE_RE.match(exc.message)
    if m:
        return [Problem(m["path"], m["message"], line=int(m["line"]))]
    m = _PATH_RE.match(exc.message)
    if m and ("/" in m["path"] or "." in m["path"]):
        return [Problem(m["path"], m["message"])]
    return [Problem(fallback, exc.message)]


def template_names(templates: Path) -> list[Path]:
    """Every Jinja template file under ``templates`` (sorted)."""
    found: list[Path] = []
    for folder in TEMPLATE_FOLDERS:
        root = templates / folder
        if root.is_dir():
            found.extend(p for p in root.rglob("*") if p.is_file() and p.suffix in TEMPLATE_SUFFIXES)
    return sorted(found)


def syntax_problems(templates: Path) -> list[Problem]:
    """Parse every template; one problem per file that does not parse, with its line."""
    env = SandboxedEnvironment()
    problems: list[Problem] = []
    for path in template_names(templates):
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(str(path), f"cannot be read: {exc}"))
            continue
        try:
            env.parse(source, path.name, str(path))
        except jinja2.TemplateSyntaxError as exc:
            problems.append(Problem(str(path), f"template syntax error: {exc.message}", line=exc.lineno))
    return problems


def resolve_template(templates: Path, appeal_key: str, name: str) -> Path | None:
    """The file a build reads for template ``name``: the appeal's own, else the shared one."""
    for candidate in (templates / "appeals" / appeal_key / name, templates / name):
        if candidate.is_file():
            return candidate
    return None


def required_templates(campaign: Campaign, lang: str) -> list[str]:
    """The templates a build of ``lang`` reads (per-language post, thread and words files)."""
    from campaign_kit.platforms import PLATFORMS
    from campaign_kit.render.posts import ALT_TEMPLATE, POST_TEMPLATE, THREAD_TEMPLATE

    names = [POST_TEMPLATE.format(lang=lang, platform=p) for p in campaign.platforms]
    names.append(ALT_TEMPLATE.format(lang=lang))
    if any(PLATFORMS[p].thread for p in campaign.platforms):
        names.append(THREAD_TEMPLATE.format(lang=lang))
    names += [f"cards/words/{lang}.j2", f"cards/alt/{lang}.txt.j2"]
    return names


# Each appeal's own wording, per language: never taken from another appeal or a shared file, so
# a language added for one appeal cannot make another speak with the first one's words.
WORDS_FILES = ("appeal/words/{lang}.j2", "newsletter/words/{lang}.j2")


def words_problems(templates: Path, campaign: Campaign) -> list[Problem]:
    """Every words file an appeal's texts use that is missing from its own folder.

    ``templates/appeals/<key>/appeal/words/<lang>.j2`` and ``…/newsletter/words/<lang>.j2``
    for every appeal and language. A shared ``templates/appeal/words/<lang>.j2`` would be read
    by every appeal without its own, in that other wording: it is reported too.
    """
    problems: list[Problem] = []
    for pattern in WORDS_FILES:
        for lang in campaign.languages:
            name = pattern.format(lang=lang)
            shared = templates / name
            if shared.is_file():
                problems.append(
                    Problem(
                        str(shared),
                        "a shared words file: every appeal without its own would speak with these words; "
                        f"move it to templates/appeals/<appeal>/{name}",
                    )
                )
            for key in campaign.appeals:
                own = templates / "appeals" / key / name
                if not own.is_file():
                    problems.append(
                        Problem(
                            str(own),
                            f'missing: appeal "{key}" has no {lang} wording of its own '
                            f"(write it; copy a similar appeal's {name} to start)",
                        )
                    )
    return problems


def presence_problems(templates: Path, campaign: Campaign) -> list[Problem]:
    """Every template a build of each language and appeal needs, and is missing."""
    problems: list[Problem] = []
    needed = [*SHARED_TEMPLATES]
    for lang in campaign.languages:
        needed += required_templates(campaign, lang)
    for name in dict.fromkeys(needed):
        lacking = [key for key in campaign.appeals if resolve_template(templates, key, name) is None]
        if not lacking:
            continue
        if len(lacking) == len(campaign.appeals):
            message = "missing: every build needs it"
        else:
            message = (
                f"missing: a build of appeal{'s' if len(lacking) > 1 else ''} {', '.join(lacking)} needs it "
                f"(or templates/appeals/<appeal>/{name})"
            )
        problems.append(Problem(str(templates / name), message))
    problems += words_problems(templates, campaign)
    # Card layouts are checked by checks.check_card_layouts; their words (cards/words/<lang>.j2,
    # cards/alt/<lang>.txt.j2) are templates like these: required per language above and
    # trial-rendered by render_problems.
    return problems


def render_problems(templates: Path, campaign: Campaign, roster: Roster) -> list[Problem]:
    """Render each language's texts for one woman of each appeal; every failure as a problem."""
    problems: list[Problem] = []
    for appeal in campaign.appeals.values():
        people = appeal_members(roster, appeal, roster.as_of)
        if not people:
            continue
        problems += _render_appeal(templates, campaign, roster, appeal, people[0])
    unique: dict[str, Problem] = {}
    for p in problems:
        unique.setdefault(str(p), p)
    return list(unique.values())


def _render_appeal(
    templates: Path, campaign: Campaign, roster: Roster, appeal: Appeal, person: object
) -> list[Problem]:
    from campaign_kit.campaign.cycles import parse_cycle
    from campaign_kit.render.context import appeal_context

    cycle = parse_cycle(f"{roster.as_of.isocalendar().year}-W{roster.as_of.isocalendar().week:02d}")
    problems: list[Problem] = []
    contexts = {}
    for lang in campaign.languages:
        try:
            contexts[lang] = appeal_context(
                campaign=campaign,
                appeal=appeal,
                roster=roster,
                lang=lang,
                cycle=cycle,
                featured=[person],
                templates_dir=templates,
            )
        except CampaignKitError as exc:
            problems += problem_from_error(exc, str(templates / "locale" / f"{lang}.toml"))
    for lang, ctx in contexts.items():
        for step in _steps(templates, campaign, appeal, cycle, person, lang, ctx):
            try:
                step()
            except CampaignKitError as exc:
                problems += problem_from_error(exc, str(templates))
    return problems


def _steps(
    templates: Path,
    campaign: Campaign,
    appeal: Appeal,
    cycle: Any,
    person: Any,
    lang: str,
    ctx: Mapping[str, Any],
) -> list[Callable[[], object]]:
    """The build's text renderers for one language, each a call that raises on failure."""
    from campaign_kit.render import cards as cards_mod
    from campaign_kit.render.appeal import render_appeal
    from campaign_kit.render.newsletter import render_newsletter
    from campaign_kit.render.posts import render_posts

    return [
        lambda: render_posts(
            contexts={lang: ctx}, campaign=campaign, appeal=appeal, cycle=cycle, templates_dir=templates
        ),
        lambda: render_appeal(ctx, templates),
        lambda: render_newsletter(ctx, templates, settings=campaign.newsletter),
        # The card words and every format's alt text (card_content renders both).
        lambda: cards_mod.card_content(person, campaign, appeal, ctx["t"], templates_dir=templates),
    ]


def check_templates(templates: Path, campaign: Campaign, roster: Roster | None) -> list[Problem]:
    """Every problem of the templates and card layouts (see the module docstring)."""
    problems = syntax_problems(templates)
    problems += presence_problems(templates, campaign)
    # A trial render over a broken or missing file would only repeat what was found above.
    if not problems and roster is not None:
        problems += render_problems(templates, campaign, roster)
    return problems
