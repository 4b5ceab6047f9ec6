"""Plan, render and write one appeal cycle: ``out/<appeal>/<cycle>/``.

Data flows one way: roster + campaign.toml -> featured selection -> contexts -> renderers ->
writer. Cards are the expensive artifacts, so each carries a cache key (the digest of everything
that shapes it) recorded in the manifest; a card whose key is unchanged is not rendered again.
Text outputs are cheap and are always rendered, then skipped by the writer when identical.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from campaign_kit import __version__
from campaign_kit.config import Appeal, Campaign, load_campaign
from campaign_kit.context import appeal_context
from campaign_kit.cycles import Cycle, select_featured
from campaign_kit.errors import BuildError, CampaignKitError
from campaign_kit.locale import load_locale
from campaign_kit.output import (
    BuildLock,
    Writer,
    WriteResult,
    release_inherited_locks,
    safe_relpath,
)
from campaign_kit.project import Project
from campaign_kit.render.png import ENCODER
from campaign_kit.roster import Person, Roster, load_roster
from campaign_kit.stats import totals

KINDS = ("cards", "posts", "appeal", "newsletter")
MANIFEST = "manifest.json"
REVIEW = "index.html"

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class BuildOptions:
    """What to build; mirrors ``campaign-kit build``'s options."""

    cycle: Cycle
    appeal: str | None = None
    languages: tuple[str, ...] | None = None
    only: tuple[str, ...] = KINDS
    everyone: bool = False
    jobs: int = 0
    out: Path = Path("out")
    asset_base_url: str | None = None
    force: bool = False
    dry_run: bool = False


@dataclass
class BuildReport:
    """What a build did, for the summary line, ``--json`` and ``--dry-run``."""

    appeal: str
    cycle: str
    target: Path
    featured: list[str]
    languages: list[str]
    files: list[WriteResult] = field(default_factory=list)
    cards_rendered: int = 0
    cards_cached: int = 0
    removed: list[str] = field(default_factory=list)
    seconds: float = 0.0
    dry_run: bool = False

    @property
    def counts(self) -> dict[str, int]:
        """Files by action: create / overwrite / identical / unchanged (cached) / remove."""
        out = {"create": 0, "overwrite": 0, "identical": 0, "unchanged": 0, "remove": 0}
        for f in self.files:
            out[f.action] = out.get(f.action, 0) + 1
        out["remove"] = len(self.removed)
        return out

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary (the plan, with ``--dry-run``)."""
        return {
            "appeal": self.appeal,
            "cycle": self.cycle,
            "out": str(self.target),
            "dry_run": self.dry_run,
            "featured": self.featured,
            "languages": self.languages,
            "counts": self.counts,
            "cards_rendered": self.cards_rendered,
            "cards_cached": self.cards_cached,
            "seconds": round(self.seconds, 3),
            "files": [{"path": f.path, "action": f.action, "size": f.size} for f in self.files],
            "removed": self.removed,
        }


# --- inputs and digests -------------------------------------------------------------------


def _digest_files(paths: Iterable[Path], root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update(p.relative_to(root).as_posix().encode() + b"\0")
        h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


def _files_under(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))


def _key(*parts: Any) -> str:
    blob = json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _read_manifest(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("files"), list) else None


def featured_history(out_appeal: Path, before: Cycle) -> dict[str, str]:
    """Id -> latest earlier cycle that featured her, read from earlier cycles' manifests.

    Only cycles before ``before`` count, so rebuilding a cycle always selects the same women.
    """
    last: dict[str, str] = {}
    if not out_appeal.is_dir():
        return last
    for folder in sorted(out_appeal.iterdir()):
        if not folder.is_dir() or folder.name >= before.id:
            continue
        manifest = _read_manifest(folder / MANIFEST)
        if not manifest or manifest.get("cycle") != folder.name:
            continue
        for pid in manifest.get("featured", []):
            if isinstance(pid, str):
                last[pid] = folder.name
    return last


# --- cards --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CardJob:
    """One card to render in a worker process (small and picklable)."""

    rel: str
    fmt: str
    content: Any
    photo_root: str
    templates: str
    fonts: str
    key: str


def _render_card_job(job: CardJob) -> tuple[str, bytes]:
    # Imported here so that worker processes load fonts and layouts once, on first use.
    from campaign_kit.render import cards

    return job.rel, cards.render_card(
        job.content,
        job.fmt,
        Path(job.photo_root),
        templates_dir=Path(job.templates),
        fonts_dir=Path(job.fonts),
    )


class _CardRun:
    """Cards rendering in worker processes while the caller renders the texts.

    Entering forks the workers (before the texts fill this process's memory, so each worker
    stays small however long the roster) and hands them the first ``window`` jobs, so they
    are busy while the main process renders posts, appeal and newsletter. ``results`` then
    yields (path, PNG bytes) in job order with at most ``window`` jobs in flight, so memory
    stays flat however many cards a roster has. Leaving, also on an error, cancels what has
    not started. With one worker, or a handful of jobs, cards render in this process.
    """

    def __init__(self, jobs: list[CardJob], workers: int, window: int = 64) -> None:
        self._jobs = iter(jobs)
        self._parallel = workers > 1 and len(jobs) >= 4
        self._workers = workers
        self._window = max(window, workers * 4)
        self._pool: ProcessPoolExecutor | None = None
        self._pending: deque[Future[tuple[str, bytes]]] = deque()

    def __enter__(self) -> _CardRun:
        if self._parallel:
            methods = multiprocessing.get_all_start_methods()
            # fork shares the parent's already-loaded fonts and layouts with every worker.
            ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
            self._pool = ProcessPoolExecutor(
                max_workers=self._workers, mp_context=ctx, initializer=release_inherited_locks
            )
            self._fill()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def _fill(self) -> None:
        assert self._pool is not None
        while len(self._pending) < self._window:
            job = next(self._jobs, None)
            if job is None:
                return
            self._pending.append(self._pool.submit(_render_card_job, job))

    def results(self) -> Iterator[tuple[str, bytes]]:
        """Yield each job's (path, PNG bytes) in job order as the workers finish them."""
        if self._pool is None:
            for job in self._jobs:
                yield _render_card_job(job)
            return
        while self._pending:
            result = self._pending.popleft().result()
            self._fill()
            yield result


# --- the build ----------------------------------------------------------------------------


@dataclass
class _Inputs:
    project: Project
    roster: Roster
    campaign: Campaign
    appeal: Appeal
    people: tuple[Person, ...]
    featured: list[Person]
    languages: tuple[str, ...]
    digests: dict[str, str]


def _load_inputs(project: Project, options: BuildOptions) -> _Inputs:
    roster = load_roster(project.roster, project.photos)
    campaign = load_campaign(project.campaign)
    appeal = campaign.appeal(options.appeal or next(iter(campaign.appeals)))
    languages = options.languages or campaign.languages
    unknown = [lang for lang in languages if lang not in campaign.languages]
    if unknown:
        raise BuildError(
            f"language {', '.join(unknown)} is not in {campaign.path} "
            f"(languages: {', '.join(campaign.languages)})"
        )
    for lang in languages:
        load_locale(project.templates, lang)  # fail early on a broken locale file
    people = roster.in_group(appeal.group)
    if not people:
        raise BuildError(f'appeal "{appeal.key}": nobody in group "{appeal.group}" is held')
    out_appeal = options.out / appeal.key
    if options.everyone:
        featured = list(people)
    else:
        history = featured_history(out_appeal, options.cycle)
        featured = select_featured(people, appeal.featured_per_cycle, history)
    digests = {
        "roster": roster.digest,
        "campaign": campaign.digest,
        "templates": _digest_files(_files_under(project.templates), project.templates),
        "assets": _digest_files(_files_under(project.assets), project.assets),
    }
    return _Inputs(project, roster, campaign, appeal, people, featured, tuple(languages), digests)


def build(project: Project, options: BuildOptions, progress: Progress | None = None) -> BuildReport:
    """Build one appeal cycle into ``options.out/<appeal>/<cycle>/``.

    Args:
        project: Where roster.json, campaign.toml, templates/ and assets/ are.
        options: What to build.
        progress: Called with (done, total) as cards finish; the CLI draws a bar with it.

    Returns:
        What was written, skipped and removed.

    Raises:
        CampaignKitError: bad input, a template or fitting failure, a held lock, a write failure.

    """
    started = time.perf_counter()
    only = tuple(k for k in KINDS if k in options.only)
    inputs = _load_inputs(project, options)
    target = options.out / inputs.appeal.key / options.cycle.id
    report = BuildReport(
        appeal=inputs.appeal.key,
        cycle=options.cycle.id,
        target=target,
        featured=[p.id for p in inputs.featured],
        languages=list(inputs.languages),
        dry_run=options.dry_run,
    )
    writer = Writer(options.out, target, options.dry_run)
    lock_name = f"{inputs.appeal.key}-{options.cycle.id}"
    if options.dry_run:
        _build_into(inputs, options, only, writer, report, progress)
    else:
        with BuildLock(options.out, lock_name):
            writer.prepare()
            _build_into(inputs, options, only, writer, report, progress)
    report.seconds = time.perf_counter() - started
    return report


def _kind_of(rel: str) -> str:
    """Which part of the kit a cycle-folder path belongs to (``cards``, ``posts``, ...)."""
    head = rel.split("/", 1)[0]
    return {"posts.json": "posts", "schedule.csv": "posts"}.get(head, head)


# Which template folders shape each text part (locale phrasing and card alt text shape all).
TEXT_TEMPLATES = {
    "posts": ("posts", "locale", "cards"),
    "appeal": ("appeal", "locale"),
    "newsletter": ("newsletter", "locale", "cards"),
}


def _build_into(
    inputs: _Inputs,
    options: BuildOptions,
    only: tuple[str, ...],
    writer: Writer,
    report: BuildReport,
    progress: Progress | None,
) -> None:
    previous = _read_manifest(writer.target / MANIFEST) or {}
    prev_files = {f["path"]: f for f in previous.get("files", []) if isinstance(f, dict)}
    prev_keys: dict[str, str] = {} if options.force else previous.get("keys", {})
    entries: dict[str, dict[str, Any]] = {}
    keys: dict[str, str] = {}

    def record(result: WriteResult, key: str | None = None) -> None:
        report.files.append(result)
        entries[result.path] = {"path": result.path, "sha256": result.sha256, "size": result.size}
        if key:
            keys[result.path] = key

    def still_there(rel: str, key: str) -> bool:
        """Whether ``rel`` was made from the same inputs and is still whole on disk."""
        old = prev_files.get(rel)
        if old is None or prev_keys.get(rel) != key:
            return False
        try:
            return (writer.target / rel).stat().st_size == old.get("size")
        except OSError:
            return False

    def keep(rel: str, key: str) -> None:
        old = prev_files[rel]
        record(WriteResult(rel, "unchanged", old["size"], old["sha256"]), key)

    project = inputs.project
    from campaign_kit.render import cards as cards_module

    card_refs: dict[tuple[str, str], dict[str, Any]] = {}
    jobs = _plan_cards(inputs, cards_module, card_refs)

    todo: list[CardJob] = []
    if "cards" in only:
        for job in jobs:
            if still_there(job.rel, job.key):
                report.cards_cached += 1
                keep(job.rel, job.key)
            else:
                todo.append(job)
        _check_photos(todo, project)
    workers = options.jobs or os.cpu_count() or 1
    # The card workers start first and render while this process renders the texts in
    # memory; nothing is written until every text is made, so a template or fitting error
    # stops the build with out/ untouched. A text part whose key is unchanged is not rendered.
    with _CardRun([] if options.dry_run else todo, workers) as card_run:
        contexts = {
            lang: appeal_context(
                campaign=inputs.campaign,
                appeal=inputs.appeal,
                roster=inputs.roster,
                lang=lang,
                cycle=options.cycle,
                featured=inputs.featured,
                templates_dir=project.templates,
            )
            for lang in inputs.languages
        }
        texts: dict[str, bytes] = {}
        text_keys: dict[str, str] = {}
        kept: list[tuple[str, str]] = []
        for kind in (k for k in KINDS if k in only and k != "cards"):
            key = _key(
                __version__,
                kind,
                inputs.digests["roster"],
                inputs.digests["campaign"],
                [
                    _digest_files(_files_under(project.templates / sub), project.templates)
                    for sub in TEXT_TEMPLATES[kind]
                ],
                options.cycle.id,
                [p.id for p in inputs.featured],
                inputs.languages,
                options.asset_base_url if kind == "newsletter" else None,
            )
            old = sorted(rel for rel in prev_files if _kind_of(rel) == kind)
            if old and all(still_there(rel, key) for rel in old):
                kept.extend((rel, key) for rel in old)
                continue
            for rel, data in _text_outputs(inputs, options, kind, contexts, card_refs):
                texts[safe_relpath(rel)] = data
                text_keys[rel] = key

        if options.dry_run:
            for job in todo:
                exists = (writer.target / job.rel).is_file()
                record(WriteResult(job.rel, "overwrite" if exists else "create", 0, ""), job.key)
        else:
            keyed = {job.rel: job.key for job in todo}
            for done, (rel, data) in enumerate(card_run.results(), start=1):
                record(writer.write(rel, data), keyed[rel])
                report.cards_rendered += 1
                if progress:
                    progress(done, len(todo))

    for rel, key in kept:
        keep(rel, key)
    for rel, data in texts.items():
        record(writer.write(rel, data), text_keys[rel])

    # Files of parts not rebuilt this time stay listed, so the manifest describes the folder;
    # files of rebuilt parts that this build did not make (someone no longer featured) go.
    for rel, old in prev_files.items():
        if rel in entries or rel in (MANIFEST, REVIEW):
            continue
        if _kind_of(rel) in only:
            if writer.remove(rel):
                report.removed.append(rel)
        elif (writer.target / rel).is_file():
            entries[rel] = old
            if rel in previous.get("keys", {}):
                keys[rel] = previous["keys"][rel]

    # The review page shows the whole folder: its key is the folder's content.
    review_key = _key(
        __version__,
        sorted((e["path"], e["sha256"]) for e in entries.values()),
        _digest_files(_files_under(project.templates / "review"), project.templates),
        inputs.digests["roster"],
        inputs.digests["campaign"],
        inputs.languages,
    )
    if still_there(REVIEW, review_key):
        keep(REVIEW, review_key)
    else:
        for rel in entries:  # parts not rendered now are read back from the folder
            if rel not in texts and not rel.endswith(".png"):
                data = writer.existing(rel)
                if data is not None:
                    texts[rel] = data
        record(writer.write(REVIEW, _render_review(inputs, contexts, entries, texts)), review_key)

    manifest = {
        "generator": f"campaign-kit {__version__}",
        "appeal": inputs.appeal.key,
        "cycle": options.cycle.id,
        "inputs": {**inputs.digests, "all": _key(inputs.digests)},
        "languages": list(inputs.languages),
        "featured": [p.id for p in inputs.featured],
        "totals": totals(inputs.people).as_dict(),
        "files": [entries[k] for k in sorted(entries)],
        "keys": {k: keys[k] for k in sorted(keys)},
    }
    data = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    report.files.append(writer.write(MANIFEST, data))


def _check_photos(jobs: list[CardJob], project: Project) -> None:
    """Decode every photo the cards about to render will use, before any card is written.

    A corrupt, truncated or oversized photo then stops the build with its file named and
    nothing written, instead of halfway through the cards.
    """
    from campaign_kit.render.photos import load_photo, photo_path

    for name in sorted({job.content.photo for job in jobs if job.content.photo}):
        load_photo(photo_path(project.photos, name), (64, 64))


def _plan_cards(inputs: _Inputs, cards: Any, refs: dict[tuple[str, str], dict[str, Any]]) -> list[CardJob]:
    """One job per featured woman, language and format, each with its cache key."""
    project = inputs.project
    fonts = _digest_files(cards.card_asset_files(project.assets), project.assets)
    layouts = {
        fmt: _digest_files([project.templates / "cards" / f"{fmt}.toml"], project.templates)
        for fmt in cards.FORMATS
    }
    # Files every layout shares (theme.toml); alt.toml words the alt text, not the pixels.
    per_format = {f"{fmt}.toml" for fmt in cards.FORMATS} | {"alt.toml"}
    shared = _digest_files(
        [p for p in _files_under(project.templates / "cards") if p.name not in per_format], project.templates
    )
    jobs: list[CardJob] = []
    for person in inputs.featured:
        photo_digest = ""
        if person.photo:
            photo_digest = hashlib.sha256((project.photos / person.photo).read_bytes()).hexdigest()
        for lang in inputs.languages:
            locale = load_locale(project.templates, lang)
            content = cards.card_content(
                person,
                inputs.campaign,
                inputs.appeal,
                locale,
                as_of=inputs.roster.as_of,
                templates_dir=project.templates,
            )
            paths = {fmt: f"cards/{lang}/{person.id}/{fmt}.png" for fmt in cards.FORMATS}
            alt = cards.alt_text(content, templates_dir=project.templates)
            refs[(person.id, lang)] = {"paths": paths, "alt_text": alt}
            for fmt in cards.FORMATS:
                key = _key(__version__, ENCODER, fmt, content, layouts[fmt], shared, fonts, photo_digest)
                jobs.append(
                    CardJob(
                        paths[fmt],
                        fmt,
                        content,
                        str(project.photos),
                        str(project.templates),
                        str(project.assets / "fonts"),
                        key,
                    )
                )
    return jobs


def _text_outputs(
    inputs: _Inputs,
    options: BuildOptions,
    kind: str,
    contexts: Mapping[str, dict[str, Any]],
    card_refs: Mapping[tuple[str, str], dict[str, Any]],
) -> Iterator[tuple[str, bytes]]:
    """The files of one text part (posts, appeal or newsletter) as (relative path, bytes)."""
    if kind == "posts":
        from campaign_kit.render import posts

        refs = {
            (lang, pid): posts.CardRef(paths=ref["paths"], alt_text=ref["alt_text"])
            for (pid, lang), ref in card_refs.items()
        }
        rendered = posts.render_posts(
            contexts=contexts,
            campaign=inputs.campaign,
            appeal=inputs.appeal,
            cycle=options.cycle,
            templates_dir=inputs.project.templates,
            cards=refs,
        )
        yield from posts.post_files(rendered).items()
    elif kind == "appeal":
        from campaign_kit.render import appeal

        yield from appeal.build_outputs(inputs=inputs, options=options, contexts=contexts)
    elif kind == "newsletter":
        from campaign_kit.render import newsletter

        yield from newsletter.build_outputs(
            inputs=inputs, options=options, contexts=contexts, card_refs=card_refs
        )


def _render_review(
    inputs: _Inputs,
    contexts: Mapping[str, dict[str, Any]],
    entries: Mapping[str, dict[str, Any]],
    texts: Mapping[str, bytes],
) -> bytes:
    """The review page of the whole cycle folder (see render/review.py)."""
    from campaign_kit.render import review

    return review.render_review(
        templates_dir=inputs.project.templates, contexts=contexts, files=entries, texts=texts
    )


__all__ = ["BuildOptions", "BuildReport", "build", "featured_history", "KINDS", "CampaignKitError"]
