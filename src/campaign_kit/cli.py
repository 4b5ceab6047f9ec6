"""The command line: a thin Click layer over the core. The only module that imports click.

Every command turns a ``CampaignKitError`` into ``Error: <message>`` on stderr and exit 1;
Click's own usage errors exit 2. ``--json`` output goes to stdout, everything else to stderr.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from campaign_kit import __version__
from campaign_kit.config import load_campaign
from campaign_kit.errors import CampaignKitError, ImportListError, Problem, RosterError
from campaign_kit.importers import parse_list
from campaign_kit.project import Project
from campaign_kit.roster import dump_roster, load_roster
from campaign_kit.stats import totals

F = TypeVar("F", bound=Callable[..., Any])


def handle_errors(func: F) -> F:
    """Turn the core's expected errors into Click's exit-1 message, with no traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except CampaignKitError as exc:
            raise click.ClickException(str(exc)) from None
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


def emit_json(data: Any) -> None:
    """Write ``data`` as JSON to stdout (stable keys, UTF-8)."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


project_option = click.option(
    "--project",
    "project_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The campaign project folder (roster.json, campaign.toml, templates/, assets/).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="campaign-kit")
def cli() -> None:
    """Turn roster.json and templates into a week's campaign kit.

    Cards, posts, the long-form appeal and the newsletter, in English, Belarusian and Russian.

    Example:
        campaign-kit validate && campaign-kit build

    """


@cli.command()
@click.option("--roster", "roster_path", type=click.Path(dir_okay=False, path_type=Path),
              help="The roster to check (default: roster.json in the project).")
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON on stdout.")
@project_option
@handle_errors
def validate(roster_path: Path | None, as_json: bool, project_dir: Path) -> None:
    """Check roster.json and campaign.toml; list every problem, each naming record and field.

    Exit 0 when valid, 1 when any problem is found.

    Example:
        campaign-kit validate --roster roster.json --json

    """
    project = Project(project_dir, roster_path)
    problems: list[Problem] = []
    people = 0
    for load in (
        lambda: load_roster(project.roster, project.photos),
        lambda: load_campaign(project.campaign),
    ):
        try:
            result = load()
            if hasattr(result, "people"):
                people = len(result.people)
        except CampaignKitError as exc:
            problems.extend(exc.problems or [Problem(str(project.roster), exc.message)])
    if as_json:
        emit_json({"valid": not problems, "records": people,
                   "problems": [p.as_dict() for p in problems]})
    else:
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
@click.option("--appeal", default=None, help="Appeal name from campaign.toml (default: the first).")
@click.option("--json", "as_json", is_flag=True, help="Print the totals as JSON on stdout.")
@click.option("--roster", "roster_path", type=click.Path(dir_okay=False, path_type=Path),
              help="The roster to count (default: roster.json in the project).")
@project_option
@handle_errors
def stats(appeal: str | None, as_json: bool, roster_path: Path | None, project_dir: Path) -> None:
    """Count an appeal's women and children, by status and sentence band (released excluded).

    Example:
        campaign-kit stats --appeal mothers --json

    """
    project = Project(project_dir, roster_path)
    roster = load_roster(project.roster, project.photos)
    campaign = load_campaign(project.campaign)
    chosen = campaign.appeal(appeal or next(iter(campaign.appeals)))
    result = totals(roster.in_group(chosen.group))
    if as_json:
        emit_json({"appeal": chosen.key, "group": chosen.group, **result.as_dict()})
        return
    click.echo(f"Appeal {chosen.key} ({chosen.title.get('en', chosen.key)})")
    click.echo(f"  women:    {result.women}")
    click.echo(f"  children: {result.children}")
    click.echo("  by status:")
    for status, n in result.by_status.items():
        click.echo(f"    {status:<22} {n}")
    click.echo("  sentenced, by term:")
    for band, n in result.by_sentence.items():
        click.echo(f"    {band:<22} {n}")


@cli.command("import-list")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("roster.json"), show_default=True,
              help="Where to write the roster ('-' for stdout).")
@click.option("--group", default="mothers", show_default=True,
              help="The roster group every imported woman joins.")
@click.option("--as-of", "as_of", default=None,
              help="The roster's as_of date, YYYY-MM-DD (default: today).")
@click.option("--transliterate", is_flag=True,
              help="Accept the suggested Latin spelling for Latin names typed in Cyrillic.")
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
@handle_errors
def import_list(file: Path, output: Path, group: str, as_of: str | None,
                transliterate: bool, force: bool) -> None:
    """Read a published appeal list (numbered lines) and write roster records.

    Every numbered line that cannot be read, and every name mixing scripts, is reported with
    its line number; nothing is written until the list reads cleanly.

    Example:
        campaign-kit import-list appeal.txt -o roster.json --transliterate

    """
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ImportListError(f"{file}: not UTF-8 text") from None
    try:
        date = dt.date.fromisoformat(as_of) if as_of else dt.date.today()
    except ValueError:
        raise click.BadParameter(f"{as_of!r} is not a date like 2026-11-24",
                                 param_hint="--as-of") from None
    result = parse_list(text, str(file), group)
    problems = list(result.problems)
    for fix in result.fixes:
        if transliterate:
            click.echo(f"fixed: {fix}", err=True)
        else:
            problems.append(dataclasses.replace(
                fix.problem, message=f"{fix.problem.message}; suggested: {fix.suggested!r}"
            ))
    if problems:
        hint = ("; rerun with --transliterate to accept the suggested spellings"
                if result.fixes and not transliterate else "")
        raise ImportListError(
            f"{file}: {len(problems)} problem{'s' if len(problems) != 1 else ''}, "
            f"nothing written{hint}",
            sorted(problems, key=lambda p: p.line or 0),
        )
    text_out = dump_roster(result.people, date)
    if str(output) == "-":
        click.echo(text_out, nl=False)
    else:
        if output.exists() and not force:
            raise RosterError(f"{output}: exists; use --force to overwrite it or -o another file")
        tmp = output.with_name(f".{output.name}.tmp")
        tmp.write_text(text_out, encoding="utf-8")
        tmp.replace(output)
    children = sum(p.children for p in result.people)
    click.echo(f"{len(result.people)} women, {children} children -> {output}", err=True)


def main() -> None:
    """Entry point for ``python -m campaign_kit``."""
    cli(prog_name="campaign-kit")
