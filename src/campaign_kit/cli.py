"""The command line: a thin Click layer over the core. The only module that imports click.

Every command turns a ``CampaignKitError`` into ``Error: <message>`` on stderr and exit 1;
Click's own usage errors exit 2. ``--json`` output goes to stdout, everything else to stderr.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from campaign_kit import __version__, clock, jsonstrict
from campaign_kit.build import kinds
from campaign_kit.campaign.config import load_campaign
from campaign_kit.errors import CampaignKitError, ImportListError, OptionError, RosterError
from campaign_kit.platforms import PUBLISHED
from campaign_kit.project import Project
from campaign_kit.roster import STATUSES, Person, check_roster_data, dump_roster, load_roster
from campaign_kit.roster.importers import parse_list, write_roster_file

F = TypeVar("F", bound=Callable[..., Any])


class _Funnel(click.Group):
    """The one error funnel: every command's expected failures become Click's, with no traceback.

    A ``CampaignKitError`` is ``Error: <message>`` and exit 1; an ``OptionError`` (an option
    value the inputs do not allow, ``--lang xx``) is a usage error, exit 2; Ctrl-C exits 130.
    Subgroups (``newsletter``) run inside this one, so they share it.
    """

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command, translating the core's errors."""
        try:
            return super().invoke(ctx)
        except OptionError as exc:
            raise click.BadParameter(exc.message, ctx=ctx, param_hint=exc.option) from None
        except CampaignKitError as exc:
            raise click.ClickException(str(exc)) from None
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(130)


class SafePath(click.Path):
    """``click.Path`` that refuses a NUL byte (a usage error) before the OS raises on it."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """Refuse NUL, then convert as ``click.Path`` does."""
        if "\x00" in str(value):
            self.fail("contains a NUL byte", param, ctx)
        return super().convert(value, param, ctx)


def _check_until(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--until``: refuse a value that is no ISO 8601 time or date as bad usage (exit 2)."""
    if value is None:
        return None
    from campaign_kit.errors import PublishError
    from campaign_kit.publish.runner import parse_until

    try:
        parse_until(value, dt.UTC)  # the form only; the schedule's zone is applied later
    except PublishError as exc:
        raise click.BadParameter(exc.message.removeprefix("--until: ")) from None
    return value


class CycleType(click.ParamType):
    """``--cycle``: an ISO week such as ``2026-W48`` (a bad one is a usage error, exit 2)."""

    name = "cycle"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """The week's canonical id (``2026-W48``)."""
        from campaign_kit.campaign.cycles import parse_cycle

        try:
            return parse_cycle(str(value)).id
        except CampaignKitError as exc:
            self.fail(exc.message, param, ctx)


class PartialDateType(click.ParamType):
    """``--on``: a date as the roster writes it, ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``."""

    name = "date"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """The date as given, once it is a real one."""
        from campaign_kit.roster import PartialDate

        if PartialDate.parse(str(value)) is None:
            self.fail(f"{value!r} is not a date in YYYY, YYYY-MM or YYYY-MM-DD form", param, ctx)
        return str(value)


class ListType(click.ParamType):
    """A comma-separated list (``en,be``; ``bluesky,mastodon``), each item checked.

    ``choices`` limits the items to a fixed set; otherwise each must match ``pattern``.
    Duplicates collapse; an empty list is a usage error.
    """

    name = "list"

    def __init__(self, choices: tuple[str, ...] | None = None, pattern: str | None = None) -> None:
        self.choices = choices
        self.pattern = re.compile(pattern) if pattern else None

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """A tuple of the distinct items, in the order given."""
        if isinstance(value, tuple):
            return value
        items = tuple(dict.fromkeys(v.strip() for v in str(value).split(",") if v.strip()))
        if not items:
            self.fail("must not be empty", param, ctx)
        if self.choices is not None:
            bad = [v for v in items if v not in self.choices]
            if bad:
                self.fail(f"{', '.join(bad)} (choose from {', '.join(self.choices)})", param, ctx)
        elif self.pattern is not None:
            bad = [v for v in items if not self.pattern.fullmatch(v)]
            if bad:
                shown = ", ".join(b[:20] for b in bad)
                self.fail(f"{shown} is not a language code like en or be", param, ctx)
        return items


LANGUAGES = ListType(pattern=r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")


def roster_option(what: str) -> Callable[[F], F]:
    """``--roster``: spelt once, one type, for every command that reads or writes the roster."""
    return click.option(
        "--roster",
        "roster_path",
        type=SafePath(dir_okay=False, path_type=Path),
        help=f"The roster to {what} (default: roster.json in the project).",
    )


def emit_json(data: Any) -> None:
    """Write ``data`` as JSON to stdout (stable keys, UTF-8)."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


project_option = click.option(
    "--project",
    "project_dir",
    type=SafePath(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The campaign project folder (roster.json, campaign.toml, templates/, assets/).",
)
# The options every command that reads a built cycle folder takes, spelt once.
appeal_option = click.option(
    "--appeal", default=None, help="Appeal name (default: the first in campaign.toml)."
)
cycle_option = click.option(
    "--cycle", "cycle_id", type=CycleType(), default=None, help="ISO week, e.g. 2026-W48 (default: now)."
)
built_out_option = click.option(
    "--out",
    type=SafePath(file_okay=False, path_type=Path),
    default=Path("out"),
    show_default=True,
    help="Output folder the build wrote.",
)


@click.group(cls=_Funnel, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="campaign-kit")
def cli() -> None:
    """Turn roster.json and templates into a week's campaign kit.

    Cards, posts, the long-form appeal and the newsletter, in English, Belarusian and Russian.

    Example:

    \b
        campaign-kit validate && campaign-kit build

    """


@cli.command()
@roster_option("check")
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON on stdout.")
@project_option
def validate(roster_path: Path | None, as_json: bool, project_dir: Path) -> None:
    """Check roster.json, campaign.toml, templates and card layouts; list every problem.

    Each problem names its file and record and field, or its line. Warnings (a schema 1
    roster, a Latin name that is not the passport transliteration) do not fail it.

    Exit 0 when valid, 1 when any problem is found.

    Example:

    \b
        campaign-kit validate --roster roster.json --json

    """
    from campaign_kit.build.validate import check_project

    project = Project(project_dir, roster_path)
    found = check_project(project)
    problems, people = found.problems, found.records
    warnings = found.warnings
    if as_json:
        emit_json(
            {
                "valid": not problems,
                "records": people,
                "problems": [p.as_dict() for p in problems],
                "warnings": [w.as_dict() for w in warnings],
            }
        )
    else:
        for w in warnings:
            click.echo(f"warning: {w}", err=True)
        for p in problems:
            click.echo(str(p), err=True)
    if problems:
        n = len(problems)
        if not as_json:
            click.echo(f"Error: {n} problem{'s' if n != 1 else ''} found", err=True)
        sys.exit(1)
    if not as_json:
        click.echo(f"{project.roster}: {people} records, valid; {project.campaign}: valid", err=True)


@cli.command()
@appeal_option
@cycle_option
@click.option("--json", "as_json", is_flag=True, help="Print the totals as JSON on stdout.")
@roster_option("count")
@project_option
def stats(
    appeal: str | None, cycle_id: str | None, as_json: bool, roster_path: Path | None, project_dir: Path
) -> None:
    """Count an appeal's women and children, by status and sentence band, and its released women.

    The counts are the ones that week's kit states (its texts, manifest and review page): the
    appeal's rules (an age, say) are applied on the roster's as_of date, the date the texts
    name. Released women are counted only as "released"; an appeal that is not about children
    counts none. Records of the appeal's women not confirmed for longer than [roster]
    max_unchecked_days are listed as stale: approve refuses a kit featuring one of them.

    Example:

    \b
        campaign-kit stats --appeal mothers --cycle 2026-W48 --json

    """
    from campaign_kit.campaign.cycles import current_cycle, parse_cycle
    from campaign_kit.campaign.facts import appeal_totals

    project = Project(project_dir, roster_path)
    roster = load_roster(project.roster, project.photos)
    campaign = load_campaign(project.campaign)
    chosen = campaign.appeal(appeal or next(iter(campaign.appeals)))
    cycle = parse_cycle(cycle_id) if cycle_id else current_cycle()
    result = appeal_totals(roster, chosen, roster.as_of)
    from campaign_kit.campaign.cycles import appeal_members
    from campaign_kit.roster.upkeep import stale_records

    members = [p.id for p in appeal_members(roster, chosen, roster.as_of)]
    stale = stale_records(roster, campaign.max_unchecked_days, clock.today(), members)
    if as_json:
        emit_json(
            {
                "appeal": chosen.key,
                "cycle": cycle.id,
                "group": chosen.group,
                "rules": chosen.describe(),
                **result.as_dict(),
                "stale": [
                    {"id": s.person_id, "last_checked": s.last_checked.isoformat(), "days": s.days}
                    for s in stale
                ],
            }
        )
        return
    click.echo(
        f"Appeal {chosen.key} ({chosen.title.get(campaign.languages[0], chosen.key)}), {cycle.id}: "
        f"{chosen.describe()}"
    )
    click.echo(f"  women:    {result.women}")
    if result.children is None:
        click.echo("  children: not counted (this appeal is not about children)")
    else:
        click.echo(
            f"  children: {result.children}"
            + (f" ({result.children_unknown} unknown)" if result.children_unknown else "")
        )
    click.echo(f"  released: {result.released} (in no other count)")
    click.echo("  by status:")
    for status, n in result.by_status.items():
        click.echo(f"    {status:<22} {n}")
    click.echo("  sentenced, by term:")
    for band, n in result.by_sentence.items():
        click.echo(f"    {band:<22} {n}")
    click.echo(f"  stale records (not checked for over {campaign.max_unchecked_days} days): {len(stale)}")
    for s in stale:
        click.echo(f"    {s}")


@cli.command("list")
@click.option("--appeal", default=None, help="Only the women of this appeal (campaign.toml).")
@click.option(
    "--status",
    "statuses",
    type=click.Choice(STATUSES),
    multiple=True,
    help="Only women with this status (repeatable).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON on stdout.")
@roster_option("list")
@project_option
def list_women(
    appeal: str | None, statuses: tuple[str, ...], as_json: bool, roster_path: Path | None, project_dir: Path
) -> None:
    """List the women on the roster: id, names, status and when her record was last checked.

    The ids are what release, build --feature and publish --resolve take.

    Example:

    \b
        campaign-kit list --appeal mothers --status pre_trial
        campaign-kit list --json

    """
    from campaign_kit.campaign.cycles import matches_appeal
    from campaign_kit.roster.upkeep import roster_rows

    project = Project(project_dir, roster_path)
    roster = load_roster(project.roster, project.photos)
    keep = None
    if appeal is not None:
        chosen = load_campaign(project.campaign).appeal(appeal)

        def keep(p: Person) -> bool:
            return matches_appeal(p, chosen, roster.as_of)

    rows = roster_rows(roster, keep, statuses)
    if as_json:
        emit_json({"as_of": roster.as_of.isoformat(), "women": rows})
        return
    for row in rows:
        click.echo(
            f"{row['id']:<36} {row['name_latin']} | {row['name_be'] or '-'} | {row['name_ru']}  "
            f"{row['status']}  checked {row['last_checked']}"
        )
    click.echo(f"{len(rows)} women", err=True)


@cli.command("import-list")
@click.argument("file", type=SafePath(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=SafePath(dir_okay=False, path_type=Path),
    default=Path("roster.json"),
    show_default=True,
    help="Where to write the roster ('-' for stdout).",
)
@click.option(
    "--group", default="mothers", show_default=True, help="The roster group every imported woman joins."
)
@click.option(
    "--as-of",
    "as_of",
    default=None,
    help="The date the list is correct as of, YYYY-MM-DD (default: today); --merge moves as_of to it.",
)
@click.option(
    "--transliterate",
    is_flag=True,
    help="Accept the suggested Latin spelling for Latin names typed in Cyrillic.",
)
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
@click.option(
    "--merge",
    is_flag=True,
    help="Merge into the existing roster (-o): add new women, report every changed field.",
)
@click.option("--dry-run", is_flag=True, help="With --merge: report the changes, write nothing.")
def import_list(
    file: Path,
    output: Path,
    group: str,
    as_of: str | None,
    transliterate: bool,
    force: bool,
    merge: bool,
    dry_run: bool,
) -> None:
    """Read a published appeal list (numbered lines) and write roster records.

    Every numbered line that cannot be read, and every name mixing scripts, is reported with
    its line number; nothing is written until the list reads cleanly. With --merge the list
    updates the existing roster: new women are added, each changed field of a woman already
    there is reported (and a change of status kept in her history), and every field the list
    does not carry (Belarusian forms, photos, dates, history) is left as it is.

    Example:

    \b
        campaign-kit import-list appeal.txt -o roster.json --transliterate
        campaign-kit import-list new-list.txt --merge --dry-run

    """
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ImportListError(f"{file}: not UTF-8 text") from None
    try:
        date = dt.date.fromisoformat(as_of) if as_of else dt.date.today()
    except ValueError:
        raise click.BadParameter(f"{as_of!r} is not a date like 2026-11-24", param_hint="--as-of") from None
    result = parse_list(text, str(file), group)
    problems = list(result.problems)
    for fix in result.fixes:
        if transliterate:
            click.echo(f"fixed: {fix}", err=True)
        else:
            problems.append(
                dataclasses.replace(
                    fix.problem, message=f"{fix.problem.message}; suggested: {fix.suggested!r}"
                )
            )
    if problems:
        hint = (
            "; rerun with --transliterate to accept the suggested spellings"
            if result.fixes and not transliterate
            else ""
        )
        raise ImportListError(
            f"{file}: {len(problems)} problem{'s' if len(problems) != 1 else ''}, nothing written{hint}",
            sorted(problems, key=lambda p: p.line or 0),
        )
    if merge:
        _merge_list(result, output, group, dry_run, date)
        return
    for note in result.suggestions:
        click.echo(f"suggestion: {note}", err=True)
    text_out = dump_roster(result.people, date)
    # The list's own spellings are kept as published; what a person should look at is said.
    for warning in check_roster_data(jsonstrict.loads(text_out), str(output))[2]:
        click.echo(f"warning: {warning}", err=True)
    if str(output) == "-":
        click.echo(text_out, nl=False)
    else:
        write_roster_file(output, text_out, force=force)
    children = sum(p.children for p in result.people)
    click.echo(f"{len(result.people)} women, {children} children -> {output}", err=True)


def _csv_option(value: str | None, allowed: tuple[str, ...] | None, name: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    items = tuple(dict.fromkeys(v.strip() for v in value.split(",") if v.strip()))
    if allowed is not None:
        bad = [v for v in items if v not in allowed]
        if bad:
            raise click.BadParameter(f"{', '.join(bad)} (choose from {', '.join(allowed)})", param_hint=name)
    if not items:
        raise click.BadParameter("must not be empty", param_hint=name)
    return items


@cli.command()
@appeal_option
@click.option(
    "--cycle",
    "cycle_id",
    type=CycleType(),
    default=None,
    help="ISO week to build, e.g. 2026-W48 (default: the current week).",
)
@click.option(
    "--lang", "langs", type=LANGUAGES, default=None, help="Languages, comma-separated (default: all)."
)
@click.option(
    "--only",
    type=ListType(kinds.BUILDABLE),
    default=None,
    help=f"Parts to build, comma-separated: {','.join(kinds.BUILDABLE)} (default: all).",
)
@click.option(
    "--all",
    "everyone",
    is_flag=True,
    help="Make cards and posts for every woman of the appeal (the week's recorded selection stays).",
)
@click.option(
    "--feature",
    "feature",
    multiple=True,
    metavar="ID",
    help="Pin a woman into the week when it is chosen (repeatable); rotation fills the rest.",
)
@click.option(
    "--reselect",
    is_flag=True,
    help="Choose the week's women again although its manifest already records them.",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Processes rendering cards (default: the machine's cores).",
)
@click.option(
    "--out",
    type=SafePath(file_okay=False, path_type=Path),
    default=Path("out"),
    show_default=True,
    help="Output folder.",
)
@click.option(
    "--asset-base-url",
    default=None,
    help="https:// base for images in the newsletter (makes a send-ready build).",
)
@click.option("--force", is_flag=True, help="Re-render everything, ignoring the card cache.")
@click.option("--dry-run", is_flag=True, help="Print the plan; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary (or plan) as JSON.")
@project_option
def build(
    appeal: str | None,
    cycle_id: str | None,
    langs: tuple[str, ...] | None,
    only: tuple[str, ...] | None,
    everyone: bool,
    feature: tuple[str, ...],
    reselect: bool,
    jobs: int | None,
    out: Path,
    asset_base_url: str | None,
    force: bool,
    dry_run: bool,
    as_json: bool,
    project_dir: Path,
) -> None:
    """Build the week's kit: cards, posts, appeal, newsletter, review page, manifest.

    Writes out/<appeal>/<cycle>/. A second build with nothing changed re-renders nothing.
    A week's featured women are fixed once its manifest records them (--reselect chooses
    again); --lang adds languages to a cycle folder, never removes them.

    Example:

    \b
        campaign-kit build --appeal mothers --cycle 2026-W48 --lang en,be --only cards,posts
        campaign-kit build --cycle 2026-W49 --feature ablab-hanna --reselect

    """
    from campaign_kit.build.loop import BuildOptions
    from campaign_kit.build.loop import build as run_build
    from campaign_kit.campaign.cycles import current_cycle, parse_cycle

    if asset_base_url is not None and not asset_base_url.startswith("https://"):
        raise click.BadParameter("must be an absolute https:// URL", param_hint="--asset-base-url")
    options = BuildOptions(
        cycle=parse_cycle(cycle_id) if cycle_id else current_cycle(),
        appeal=appeal,
        languages=langs,
        only=only or kinds.BUILDABLE,
        everyone=everyone,
        feature=tuple(feature),
        reselect=reselect,
        jobs=jobs or 0,
        out=out if out.is_absolute() else project_dir / out,
        asset_base_url=asset_base_url.rstrip("/") if asset_base_url else None,
        force=force,
        dry_run=dry_run,
    )
    project = Project(project_dir)
    interactive = sys.stderr.isatty() and not as_json
    bar: Any = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if not interactive:
            return
        if bar is None:
            bar = click.progressbar(length=total, label="Rendering cards", file=sys.stderr)
            bar.__enter__()
        bar.update(1)
        if done == total:
            bar.__exit__(None, None, None)

    from campaign_kit.review.status import write_status

    def status_page(folder: Path) -> None:
        write_status(folder, project.templates)

    report = run_build(project, options, progress, finish=status_page)
    if as_json:
        emit_json(report.as_dict())
        return
    if dry_run:
        for f in report.files:
            click.echo(f"{f.action:<9} {report.target / f.path}", err=True)
        for rel in report.removed:
            click.echo(f"remove    {report.target / rel}", err=True)
    c = report.counts
    verb = "would write" if dry_run else "built"
    click.echo(
        f"{report.appeal} {report.cycle}: {verb} {c['create'] + c['overwrite']} files, "
        f"{c['identical'] + c['unchanged']} unchanged"
        + (f", {c['remove']} removed" if c["remove"] else "")
        + f"; {report.cards_rendered} cards rendered, featuring {len(report.featured)} "
        f"-> {report.target} ({report.seconds:.2f} s)",
        err=True,
    )


def _resolve_cycle_folder(
    project_dir: Path, appeal: str | None, cycle_id: str | None, out: Path, campaign: Any = None
) -> tuple[str, str, Path, Path]:
    """The appeal's key, the cycle's id, the output root and the cycle folder, built once."""
    from campaign_kit import paths
    from campaign_kit.campaign.cycles import current_cycle, parse_cycle
    from campaign_kit.output import check_out_root

    campaign = campaign or load_campaign(Project(project_dir).campaign)
    chosen = campaign.appeal(appeal or next(iter(campaign.appeals)))
    cycle = parse_cycle(cycle_id) if cycle_id else current_cycle()
    out = out if out.is_absolute() else project_dir / out
    check_out_root(out, Project(project_dir))
    return chosen.key, cycle.id, out, paths.cycle_folder(out, chosen.key, cycle.id)


@cli.command()
@appeal_option
@cycle_option
@built_out_option
@click.option("--serve", is_flag=True, help="Serve the cycle folder on 127.0.0.1 and print the URL.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port for --serve (0 picks a free one).",
)
@project_option
def preview(
    appeal: str | None, cycle_id: str | None, out: Path, serve: bool, port: int, project_dir: Path
) -> None:
    """Show where the cycle's review page is, or serve it on 127.0.0.1 with --serve.

    Example:

    \b
        campaign-kit preview --cycle 2026-W48 --serve --port 8000

    """
    from campaign_kit.review.serve import review_path
    from campaign_kit.review.serve import serve as serve_folder
    from campaign_kit.review.status import refresh_status

    key, cycle, out_dir, folder = _resolve_cycle_folder(project_dir, appeal, cycle_id, out)
    page = review_path(out_dir, key, cycle)
    templates = Project(project_dir).templates
    if not serve:
        # The approval and calendar frame shows the state as of now, not as of the build.
        problem = refresh_status(page.parent, templates)
        if problem:
            click.echo(f"warning: {problem}", err=True)
        click.echo(page.resolve().as_uri())
        return

    def ready(url: str) -> None:
        click.echo(f"Serving {page.parent} at {url} (Ctrl+C to stop)", err=True)
        click.echo(url)

    serve_folder(
        page.parent,
        port,
        ready,
        templates=templates,
        approver=_approver(project_dir, page.parent),
    )


def _approver(project_dir: Path, folder: Path) -> Callable[[str], Any]:
    """The approval of the cycle in ``folder`` as ``by``: one code path for ``approve`` and the page.

    Both the ``approve`` command and ``preview --serve``'s form call what this returns, so
    the review page approves under exactly the rules the command does; the status page is
    remade after it, so the review shows the approval at once.
    """

    def approve_as(by: str) -> Any:
        from campaign_kit.build.manifest import read_previous
        from campaign_kit.publish.approval import approve as record
        from campaign_kit.review.status import refresh_status
        from campaign_kit.roster.upkeep import refuse_stale

        # Only while the records of the women the kit features are current (checked_on and
        # [roster] max_unchecked_days): a stale one is named, and nothing is approved.
        project = Project(project_dir)
        featured = read_previous(folder).featured or []
        if featured and project.roster.is_file():
            refuse_stale(
                load_roster(project.roster),
                featured,
                load_campaign(project.campaign).max_unchecked_days,
                clock.today(),
            )
        approval = record(folder, by)
        problem = refresh_status(folder, Project(project_dir).templates)
        if problem:
            click.echo(f"warning: {problem}", err=True)
        return approval

    return approve_as


def _host_port(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise click.BadParameter(f"{value!r} is not HOST:PORT", param_hint="--smtp")
    return host.strip("[]"), int(port)


@cli.command("send-test")
@click.option("--to", "to", required=True, help="The proofing address.")
@click.option("--smtp", default="localhost:25", show_default=True, help="SMTP server HOST:PORT.")
@click.option(
    "--starttls/--no-starttls", default=None, help="Use STARTTLS (default: on for port 587, off otherwise)."
)
@click.option(
    "--user",
    "username",
    default=None,
    envvar="CAMPAIGN_KIT_SMTP_USER",
    help="SMTP login; the password is read from $CAMPAIGN_KIT_SMTP_PASSWORD.",
)
@appeal_option
@cycle_option
@click.option("--lang", default=None, help="Which language's newsletter (default: the first).")
@built_out_option
@project_option
def send_test(
    to: str,
    smtp: str,
    starttls: bool | None,
    username: str | None,
    appeal: str | None,
    cycle_id: str | None,
    lang: str | None,
    out: Path,
    project_dir: Path,
) -> None:
    """Send the built newsletter (.eml) to a test address for proofing.

    Example:

    \b
        CAMPAIGN_KIT_SMTP_PASSWORD=... campaign-kit send-test --to me@example.org \\
        --smtp smtp.example.org:587 --user me --cycle 2026-W48 --lang be

    """
    from campaign_kit.email.sending import has_relative_images, proof
    from campaign_kit.email.sending import send_test as send
    from campaign_kit.errors import SendError

    host, port = _host_port(smtp)
    campaign = load_campaign(Project(project_dir).campaign)
    key, cycle, out_dir, folder = _resolve_cycle_folder(project_dir, appeal, cycle_id, out, campaign)
    language = lang or campaign.languages[0]
    eml = folder / "newsletter" / f"{language}.eml"
    try:
        data = eml.read_bytes()
    except OSError:
        raise SendError(f"{eml}: not found; run campaign-kit build --cycle {cycle} first") from None
    if has_relative_images(data):
        raise SendError(
            f"{eml}: built for local preview (its images are relative links); build with "
            f"--asset-base-url https://... and publish the cycle folder there first"
        )
    send(
        proof(data, to=to, campaign=campaign),
        to=to,
        host=host,
        port=port,
        starttls=port == 587 if starttls is None else starttls,
        username=username,
    )
    click.echo(f"Sent {eml} to {to} via {host}:{port}", err=True)


# --- newsletter hand-off to the email platform (issue 17) -----------------------------------


@cli.group("newsletter")
def newsletter_group() -> None:
    """Hand the built newsletter to the email platform.

    Example:

    \b
        campaign-kit build --asset-base-url https://belaruswomen.org/kit
        campaign-kit newsletter export --esp mailchimp

    """


def _newsletter_target(
    project_dir: Path, appeal: str | None, cycle_id: str | None, out: Path, lang: str | None
) -> tuple[Any, str, str, Path, Path, tuple[str, ...]]:
    campaign = load_campaign(Project(project_dir).campaign)  # once: the folder and languages share it
    key, cycle, out_dir, folder = _resolve_cycle_folder(project_dir, appeal, cycle_id, out, campaign)
    langs = _csv_option(lang, campaign.languages, "--lang") or campaign.languages
    return campaign, key, cycle, out_dir, folder, langs


_nl_options = [
    appeal_option,
    cycle_option,
    click.option("--lang", default=None, help="Languages, comma-separated (default: all)."),
    built_out_option,
]


def _with_nl_options(func: F) -> F:
    for option in reversed(_nl_options):
        func = option(func)
    return func


@newsletter_group.command("export")
@click.option(
    "--esp", required=True, type=click.Choice(["listmonk", "mailchimp", "brevo"]), help="The email platform."
)
@_with_nl_options
@click.option("--dry-run", is_flag=True, help="Check and list what would be written; write nothing.")
@project_option
def newsletter_export(
    esp: str,
    appeal: str | None,
    cycle_id: str | None,
    lang: str | None,
    out: Path,
    dry_run: bool,
    project_dir: Path,
) -> None:
    """Write each language's HTML, text, subject, preheader and From for one platform.

    The files go to out/<appeal>/<cycle>/esp/<esp>/<lang>.html, .txt and .json, with the
    platform's own merge tags (unsubscribe, view in browser). Needs a send build.

    Example:

    \b
        campaign-kit newsletter export --esp brevo --cycle 2026-W48
        campaign-kit newsletter export --esp mailchimp --dry-run

    """
    from campaign_kit.email.esp import export

    _, key, cycle, out_dir, folder, langs = _newsletter_target(project_dir, appeal, cycle_id, out, lang)
    for result in export(folder, out_dir, langs, esp, dry_run=dry_run):
        shown = folder / result.path
        click.echo(f"{result.action:<10} {shown}" if dry_run else str(shown), err=True)


@newsletter_group.command("push")
@click.option("--esp", required=True, type=click.Choice(["listmonk"]), help="The email platform.")
@click.option(
    "--at", "at", default=None, help="Schedule the send: ISO 8601 with offset, e.g. 2026-11-23T09:00+01:00."
)
@click.option(
    "--test-to", "test_to", multiple=True, help="Test recipient (repeatable; default from campaign.toml)."
)
@_with_nl_options
@project_option
def newsletter_push(
    esp: str,
    at: str | None,
    test_to: tuple[str, ...],
    appeal: str | None,
    cycle_id: str | None,
    lang: str | None,
    out: Path,
    project_dir: Path,
) -> None:
    """Create a draft campaign per language in listmonk, send its test, schedule it with --at.

    Credentials from the environment only: CAMPAIGN_KIT_LISTMONK_URL, CAMPAIGN_KIT_LISTMONK_USER
    and CAMPAIGN_KIT_LISTMONK_TOKEN (a listmonk API user). A campaign that is no longer a draft
    is never changed.

    Example:

    \b
        CAMPAIGN_KIT_LISTMONK_URL=https://lists.example.org CAMPAIGN_KIT_LISTMONK_USER=kit \\
        CAMPAIGN_KIT_LISTMONK_TOKEN=... campaign-kit newsletter push --esp listmonk \\
        --cycle 2026-W48 --at 2026-11-23T09:00:00+01:00

    """
    from campaign_kit.email.esp import listmonk

    campaign, key, cycle, out_dir, folder, langs = _newsletter_target(
        project_dir, appeal, cycle_id, out, lang
    )
    when = listmonk.parse_at(at, dt.datetime.now(dt.UTC)) if at else None
    client = listmonk.client_from_env()
    pushed = listmonk.push(
        folder=folder,
        out_root=out_dir,
        campaign=campaign,
        appeal=key,
        cycle=cycle,
        languages=langs,
        client=client,
        at=when,
        test_to=test_to,
    )
    for p in pushed:
        state = f"scheduled for {p.send_at}" if p.send_at else p.status
        verb = "created" if p.created else "updated"
        click.echo(
            f"{p.lang}: campaign {p.id} {p.name!r} {verb}, test sent to {', '.join(p.tested)}, {state}",
            err=True,
        )


# --- approve and publish (issue 15): the core is campaign_kit.publish -----------------------

# Seconds between remakes of the review's status page while publish runs.
STATUS_EVERY = 2.0


@cli.command()
@appeal_option
@cycle_option
@click.option("--by", "by", required=True, help="Who reviewed the kit (recorded in approval.json).")
@built_out_option
@click.option("--json", "as_json", is_flag=True, help="Print the approval as JSON.")
@click.option("--dry-run", is_flag=True, help="Run every check and show the approval; write nothing.")
@project_option
def approve(
    appeal: str | None,
    cycle_id: str | None,
    by: str,
    out: Path,
    as_json: bool,
    dry_run: bool,
    project_dir: Path,
) -> None:
    """Record that this exact kit was reviewed: every post to send, its text, alt text and card.

    Takes only a complete build (every file as manifest.json records it, no build running,
    every part made from the same inputs as the review page); otherwise it says which build
    to run. approval.json's id is the digest of all it records: an edit is refused.

    Example:

    \b
        campaign-kit approve --cycle 2026-W48 --by "Alena K."
        campaign-kit approve --cycle 2026-W48 --by "Alena K." --dry-run

    """
    from campaign_kit.publish.approval import approval_summary

    key, cycle, out_dir, folder = _resolve_cycle_folder(project_dir, appeal, cycle_id, out)
    if dry_run:
        from campaign_kit.publish.approval import approve as record

        approval = record(folder, by, dry_run=True)
    else:
        approval = _approver(project_dir, folder)(by)
    if as_json:
        emit_json(approval_summary(approval))
    click.echo(
        f"{key} {cycle}: {'would be ' if dry_run else ''}approved by {approval.by} at {approval.at} "
        f"({len(approval.posts)} posts, {len(approval.files)} cards, approval {approval.id[:12]})",
        err=True,
    )


@cli.command()
@appeal_option
@cycle_option
@click.option(
    "--platform",
    "platform_list",
    type=ListType(PUBLISHED),
    default=None,
    help="Platforms, comma-separated: bluesky,mastodon,telegram (required, except with --status).",
)
@click.option(
    "--lang",
    "langs",
    type=LANGUAGES,
    default=None,
    help="Only these languages, comma-separated (default: all).",
)
@click.option(
    "--until",
    "until",
    default=None,
    metavar="TIME",
    callback=_check_until,
    help="Send what is due up to TIME (ISO 8601; without an offset, in [schedule] timezone; "
    "a date alone: the end of that day). Default: now.",
)
@click.option("--everything", is_flag=True, help="Send every post now, whatever its due time.")
@click.option(
    "--at",
    "at",
    default=None,
    help="Schedule Mastodon's posts at this ISO 8601 time (with offset); threads go on their own day.",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Show every post's due time, account, text, card and what would happen; needs no credentials.",
)
@click.option(
    "--status", "show_status", is_flag=True, help="Show what is out and what is left; send nothing."
)
@click.option(
    "--resolve",
    multiple=True,
    metavar="KEY=sent:REF|KEY=unsent",
    help="Settle an uncertain post after looking at the platform (repeatable). REF: the post's "
    "link (bsky.app, the Mastodon status, t.me) or its id (Bluesky record key or at:// URI, "
    "Mastodon status id, Telegram message id).",
)
@click.option(
    "--restart-thread",
    "restart_threads",
    multiple=True,
    metavar="THREAD",
    help="Post a stopped thread (begun under another approval) anew as approved now, "
    "e.g. bluesky:en:thread (repeatable).",
)
@built_out_option
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@project_option
def publish(
    appeal: str | None,
    cycle_id: str | None,
    platform_list: tuple[str, ...] | None,
    langs: tuple[str, ...] | None,
    until: str | None,
    everything: bool,
    at: str | None,
    dry_run: bool,
    show_status: bool,
    resolve: tuple[str, ...],
    restart_threads: tuple[str, ...],
    out: Path,
    as_json: bool,
    project_dir: Path,
) -> None:
    """Send what is due of the approved cycle, each language from its own account, exactly once.

    Each post has a due time and an account (campaign.toml's [schedule] and [[accounts]]);
    a run sends what is due and not yet out, so running it every few minutes from a timer
    is safe (docs/scheduling.md). Secrets are looked up by name in the environment, then in
    the system keyring (campaign-kit login). A killed or failed run resumes where it stopped.
    What goes out is exactly what was approved: each card is read once and its bytes
    checked against the approval. A thread begun under another approval is stopped until
    you restart it with --restart-thread.

    Example:

    \b
        campaign-kit publish --cycle 2026-W48 --platform bluesky,telegram --dry-run
        campaign-kit publish --platform bluesky,mastodon,telegram

    """
    import os
    import time

    from campaign_kit.publish import runner

    if until is not None and everything:
        raise click.UsageError("give --until or --everything, not both")
    key, cycle, out_dir, folder = _resolve_cycle_folder(project_dir, appeal, cycle_id, out)
    if platform_list is None and not show_status:
        raise click.UsageError("give --platform, e.g. --platform bluesky,mastodon,telegram")
    platforms = platform_list or PUBLISHED
    if show_status:
        data = runner.status(folder, platforms)
        if as_json:
            emit_json(data)
            return
        approval = data["approval"]
        if approval["approved"]:
            click.echo(f"approved by {approval['by']} at {approval['at']} (approval {approval['id'][:12]})")
        elif "problem" in approval:
            click.echo(f"approval refused: {approval['problem']}")
        elif "by" in approval:
            click.echo(f"CHANGED since {approval['by']} approved it: " + "; ".join(approval["changed"][:5]))
        else:
            click.echo("not approved")
        for row in data["posts"]:
            due = row.get("due") or ""
            click.echo(f"{row['state']:<10} {due:<25} {row['key']:<44} {row['remote'] or row['note'] or ''}")
        click.echo(", ".join(f"{n} {state}" for state, n in sorted(data["counts"].items())))
        return

    from campaign_kit.review.status import refresh_status

    templates = Project(project_dir).templates
    refreshed = [0.0]

    def tell(item_key: str, action: str, detail: str) -> None:
        if not as_json:
            click.echo(f"{action}: {item_key} {detail}", err=True)
        # The review page's calendar follows the run (a file:// page reloads it); a few times a
        # minute is enough for a person and costs a long thread nothing.
        if time.monotonic() - refreshed[0] >= STATUS_EVERY:
            refresh_status(folder, templates)
            refreshed[0] = time.monotonic()

    campaign_path = Project(project_dir).campaign
    # Without a campaign.toml (a kit copied elsewhere) there are no accounts: the Version 2
    # environment variables name one account per platform.
    campaign = load_campaign(campaign_path) if campaign_path.is_file() else None
    schedule = campaign.schedule if campaign else None
    zone = schedule.zone if schedule else dt.UTC
    try:
        report = runner.publish(
            folder,
            platforms,
            os.environ,
            langs=langs,
            at=runner.parse_at(at) if at else None,
            dry_run=dry_run,
            visibility=campaign.mastodon_visibility if campaign else "public",
            resolve=runner.parse_resolve(resolve),
            restart_threads=restart_threads,
            progress=tell,
            templates=templates,
            accounts=campaign.accounts if campaign else (),
            until=runner.parse_until(until, zone) if until else None,
            everything=everything,
        )
    finally:
        # The review's calendar shows what this run did, whatever it ended with.
        if not dry_run and folder.is_dir():
            problem = refresh_status(folder, templates)
            if problem:
                click.echo(f"warning: {problem}", err=True)
    if as_json:
        emit_json(report.as_dict())
    if dry_run:
        if not as_json:
            _print_plan(report)
            for why in report.stopped.values():
                click.echo(f"stopped: {why}", err=True)
        return
    for reason in sorted(set(report.no_account.values())):
        click.echo(f"skipped: {reason} (campaign.toml [[accounts]])", err=True)
    click.echo(
        f"{key} {cycle}: {len(report.published)} published, {len(report.recovered)} found already out, "
        f"{len(report.already)} done before, {len(report.uncertain)} uncertain, "
        f"{len(report.blocked)} waiting, {len(report.not_due)} not due yet",
        err=True,
    )
    for thread_id in report.restarted:
        click.echo(
            f"restarted: {thread_id} (the earlier parts are kept on record in published.json)", err=True
        )
    for note in report.outdated.values():
        click.echo(f"note: {note}", err=True)
    if report.left:
        click.echo(
            f"{len(report.left)} thread parts left for their own day (replies cannot be scheduled)", err=True
        )
    if not (report.published or report.recovered or report.uncertain or report.blocked):
        if report.next_due:
            click.echo(f"nothing due now; the next post is due at {report.next_due}", err=True)
        elif not report.left:
            click.echo("nothing left to send: every post of this kit is out", err=True)
    if report.stopped:
        raise click.ClickException("\n".join(f"stopped: {why}" for why in report.stopped.values()))
    if report.uncertain:
        raise click.ClickException(
            "some posts may or may not be out; look, then settle each with --resolve:\n"
            + "\n".join(f"  {reason}" for reason in report.uncertain.values())
        )


def _print_plan(report: Any) -> None:
    """The dry run's plan: per post its due time, account, what would happen, card and text."""
    for row in report.rows:
        click.echo(f"{row['due'] or 'no due time'}  {row['key']}")
        click.echo(f"  account: {row['account'] or '-'}")
        click.echo(f"  {row['action']}")
        if row["card"]:
            click.echo(f"  card: {row['card']}")
        for line in row["text"].splitlines():
            click.echo(f"  | {line}")
    sends = sum(1 for r in report.rows if r["action"].startswith("send"))
    click.echo(
        f"{sends} to send now, {len(report.not_due)} not due yet, {len(report.no_account)} without an "
        f"account, {sum(1 for r in report.rows if r['action'].startswith('done'))} already out"
        + (f"; next due at {report.next_due}" if report.next_due else "")
    )


@cli.command()
@click.argument("account")
@click.option("--forget", is_flag=True, help="Delete the stored secret from the system keyring instead.")
@project_option
def login(account: str, forget: bool, project_dir: Path) -> None:
    """Store an account's secret in the system keyring, asked for without echo.

    ACCOUNT is one of campaign.toml's [[accounts]]: its secret's name, its handle, chat or
    address, or PLATFORM:LANG. publish looks the secret up by that name in the environment
    first, then in the keyring. The secret is never written to any file or shown.

    Example:

    \b
        campaign-kit login CAMPAIGN_KIT_BLUESKY_EN
        campaign-kit login telegram:be

    """
    from campaign_kit.publish.accounts import find_account, forget_secret, store_secret

    campaign = load_campaign(Project(project_dir).campaign)
    found = find_account(campaign.accounts, account)
    if not found.secret:
        raise click.ClickException(f"{found.label} needs no secret: campaign-kit does not publish there")
    if forget:
        gone = forget_secret(found.secret)
        click.echo(f"{found.secret}: {'deleted from' if gone else 'was not in'} the system keyring", err=True)
        return
    value = click.prompt(
        f"Secret for {found.label} ({found.secret})", hide_input=True, confirmation_prompt=True, err=True
    ).strip()
    if not value:
        raise click.ClickException("an empty secret was not stored")
    where = store_secret(found.secret, value)
    click.echo(
        f"stored {found.secret} for {found.label} in the system keyring ({where}); "
        f"an environment variable {found.secret}, when set, is used instead",
        err=True,
    )


# --- migrate (issue 13: roster schema 2) ---------------------------------------------------


@cli.command()
@roster_option("migrate")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write here instead of replacing the roster in place ('-' for stdout).",
)
@click.option("--dry-run", is_flag=True, help="List the suggested Belarusian forms; write nothing.")
@project_option
def migrate(roster_path: Path | None, output: Path | None, dry_run: bool, project_dir: Path) -> None:
    """Rewrite a schema 1 roster.json as schema 2 (Latin, Belarusian and Russian names).

    Schema 1's Cyrillic names become the Russian forms; each Belarusian form is suggested from
    the Latin and Russian ones and listed on stderr: check every one, then run validate.
    The file is replaced atomically.

    Example:

    \b
        campaign-kit migrate --dry-run && campaign-kit migrate && campaign-kit validate

    """
    from campaign_kit.output import write_file_atomic
    from campaign_kit.roster import migrate_roster

    source = Project(project_dir, roster_path).roster
    try:
        raw = source.read_bytes()
    except OSError as exc:
        raise RosterError(f"{source}: cannot be read ({exc.strerror})") from None
    result = migrate_roster(raw, str(source))
    for suggestion in result.suggestions:
        click.echo(f"suggestion: {suggestion}", err=True)
    if result.schema_before == 2 and output is None:
        click.echo(f"{source}: already schema 2; nothing to do", err=True)
        return
    target = output or source
    if dry_run:
        click.echo(f"{source}: {result.people} records would be written as schema 2 to {target}", err=True)
        return
    if str(target) == "-":
        click.echo(result.text, nl=False)
        return
    write_file_atomic(target, result.text.encode("utf-8"))
    n = len(result.suggestions)
    click.echo(
        f"{target}: {result.people} records written as schema 2; "
        f"{n} Belarusian form{'s' if n != 1 else ''} suggested, check each before you build",
        err=True,
    )


# --- roster upkeep (issue 14): release, import-list --merge ----------------------------------


def _merge_list(result: Any, output: Path, group: str, dry_run: bool, as_of: dt.date) -> None:
    """``import-list --merge``: report every change, then write the roster atomically."""
    from campaign_kit.output import write_file_atomic
    from campaign_kit.roster.upkeep import merge

    try:
        raw = output.read_bytes()
    except OSError as exc:
        raise RosterError(
            f"{output}: cannot be read ({exc.strerror}); --merge updates an existing roster"
        ) from None
    update = merge(raw, str(output), result.people, group, as_of)
    added = {c.person_id for c in update.changes if c.field == "added"}
    for change in update.changes:
        kind = {"added": "added", "not_on_list": "kept", "possible_duplicate": "check"}.get(
            change.field, "changed"
        )
        click.echo(f"{kind}: {change}", err=True)
    # Only a new woman's Belarusian form comes from the list; the others keep theirs.
    for note in result.suggestions:
        if note.record_id in added:
            click.echo(f"suggestion: {note}", err=True)
    changed = sum(1 for c in update.changes if c.field not in ("added", "not_on_list", "possible_duplicate"))
    doubtful = sum(1 for c in update.changes if c.field == "possible_duplicate")
    if doubtful:
        click.echo(
            f"{output}: {doubtful} possible duplicate{'s' if doubtful != 1 else ''} not added "
            "(listed above as check:); correct the name on the list or the roster, then merge again",
            err=True,
        )
    if dry_run:
        click.echo(f"{output}: {len(added)} to add, {changed} changes; nothing written (--dry-run)", err=True)
        return
    if not update.changes:
        click.echo(f"{output}: nothing to change", err=True)
        return
    write_file_atomic(output, update.text.encode("utf-8"))
    click.echo(f"{output}: {len(added)} added, {changed} changes, every one listed above", err=True)


@cli.command()
@click.argument("person_id", metavar="ID")
@click.option(
    "--on", "on", required=True, type=PartialDateType(), help="Release date: YYYY, YYYY-MM or YYYY-MM-DD."
)
@click.option("--source", default=None, help="A link to the published news of her release.")
@roster_option("update")
@click.option("--dry-run", is_flag=True, help="Check and say what would change; write nothing.")
@project_option
def release(
    person_id: str, on: str, source: str | None, roster_path: Path | None, dry_run: bool, project_dir: Path
) -> None:
    """Record that a woman was released: status, date and history in one step.

    Her sentence stays in her history; appeals leave her out and every count follows.

    Example:

    \b
        campaign-kit release ablab-hanna --on 2024-12 --source https://spring96.org/en/news/117000
        campaign-kit release ablab-hanna --on 2024-12 --dry-run

    """
    from campaign_kit.output import write_file_atomic
    from campaign_kit.roster.upkeep import release as record_release

    path = Project(project_dir, roster_path).roster
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RosterError(f"{path}: cannot be read ({exc.strerror})") from None
    update = record_release(raw, str(path), person_id, on, source)
    if dry_run:
        click.echo(f"{path}: would change {update.changes[0]} (dry run: nothing written)", err=True)
        return
    write_file_atomic(path, update.text.encode("utf-8"))
    click.echo(f"{path}: {update.changes[0]}", err=True)
