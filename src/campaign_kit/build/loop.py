"""Build one appeal cycle, ``out/<appeal>/<cycle>/``: a generic loop over the output kinds.

Data flows one way: roster + campaign.toml -> featured selection -> :class:`Inputs` -> each kind's
plan (in registry order, see ``campaign_kit.build.kinds``) -> render -> the one ``Writer`` -> out/.

A unit of a plan is kept when the previous manifest recorded its files under the same cache key
and the files on disk still hash to the recorded sha256; otherwise it is rendered again. Units
with a job (cards) render in worker processes while this process renders the texts in memory;
nothing is written until every text is made, so a template or fitting error leaves out/
untouched. The manifest is written last, and files no kind accounts for are removed, so the
folder and its record always agree.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from campaign_kit import __version__, paths
from campaign_kit.build import kinds, manifest
from campaign_kit.build.inputs import Choice, Inputs, load_inputs
from campaign_kit.build.kinds.base import Data, Files, Kind, Unit, cache_key
from campaign_kit.build.manifest import (
    Entry,
    Previous,
    encode,
    featured_history,
    files_on_disk,
    read_previous,
)
from campaign_kit.build.report import BuildReport
from campaign_kit.build.workers import Pool
from campaign_kit.campaign.config import load_campaign
from campaign_kit.campaign.cycles import Cycle
from campaign_kit.campaign.facts import featured_ids
from campaign_kit.errors import CampaignKitError
from campaign_kit.output import BuildLock, Staged, Writer, WriteResult, check_out_root, sha256, stage_file
from campaign_kit.project import Project

KINDS = kinds.BUILDABLE
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
    feature: tuple[str, ...] = ()
    reselect: bool = False


def build(
    project: Project,
    options: BuildOptions,
    progress: Progress | None = None,
    finish: Callable[[Path], None] | None = None,
) -> BuildReport:
    """Build one appeal cycle into ``options.out/<appeal>/<cycle>/``.

    Args:
        project: Where roster.json, campaign.toml, templates/ and assets/ are.
        options: What to build.
        progress: Called with (done, total) as cards finish; the CLI draws a bar with it.
        finish: Called with the cycle folder, still under the build lock, once the kit is
            written (not on a dry run). The CLI writes the review's status page with it: that
            page reads the approval and the publish ledger, which belong to the layers above
            the build, so the build does not import them.

    Returns:
        What was written, kept and removed (with ``--dry-run``: what would be).

    Raises:
        CampaignKitError: bad input, a template or fitting failure, a held lock, a write failure.

    """
    started = time.perf_counter()
    check_out_root(options.out, project)
    campaign = load_campaign(project.campaign)
    key = campaign.appeal(options.appeal or next(iter(campaign.appeals))).key
    target = paths.cycle_folder(options.out, key, options.cycle.id)
    choice = Choice(
        cycle=options.cycle,
        out=options.out,
        appeal=key,
        languages=options.languages,
        everyone=options.everyone,
        feature=options.feature,
        reselect=options.reselect,
        asset_base_url=options.asset_base_url,
    )
    previous = read_previous(target)
    inputs = load_inputs(project, choice, previous)
    report = BuildReport(
        appeal=inputs.appeal.key,
        cycle=options.cycle.id,
        target=target,
        featured=[p.id for p in inputs.selection],
        languages=list(inputs.languages),
        dry_run=options.dry_run,
    )
    writer = Writer(options.out, target, options.dry_run)
    if options.dry_run:
        _Run(inputs, options, previous, writer, report, progress).run()
    else:
        with BuildLock(options.out, f"{inputs.appeal.key}-{options.cycle.id}"):
            writer.prepare()
            # Read again under the lock: another build may have finished while this one loaded.
            previous = read_previous(target)
            _Run(inputs, options, previous, writer, report, progress).run()
            writer.sweep_parts()
            if finish is not None:
                finish(target)
    report.seconds = time.perf_counter() - started
    return report


def _stage(out_root: Path, target: Path, tag: tuple[str, Unit], data: bytes) -> Staged:
    """In a card worker: write the card it made to out/.tmp (a module function: it is pickled)."""
    unit = tag[1]
    assert unit.paths is not None
    return stage_file(out_root, target / unit.paths[0], data)


def _items(files: Mapping[str, Data] | Iterable[tuple[str, Data]]) -> Iterable[tuple[str, Data]]:
    return files.items() if isinstance(files, Mapping) else files


class _Run:
    """One build's state: the previous record, what is kept, rendered and written."""

    def __init__(
        self,
        inputs: Inputs,
        options: BuildOptions,
        previous: Previous,
        writer: Writer,
        report: BuildReport,
        progress: Progress | None,
    ) -> None:
        self.inputs, self.options, self.writer, self.report = inputs, options, writer, report
        self.progress = progress
        self.previous = previous
        self.entries: dict[str, Entry] = {}
        self.products: dict[str, Any] = {}
        self.texts: dict[str, bytes] = {}
        self.stale: set[str] = set()  # kinds with a file kept from other inputs (see built_from)

    def run(self) -> None:
        """Plan every kind, render what changed, write, sweep, and record."""
        # Kinds built before stay planned, so their damaged files are remade, not vouched for.
        built = {e.kind for e in self.previous.entries.values() if e.kind in kinds.BUILDABLE}
        planned = kinds.needed(tuple(self.options.only) + tuple(sorted(built)))
        content = [k for k in planned if "files" not in k.consumes]
        summaries = [k for k in planned if "files" in k.consumes]
        todo = [(kind, unit) for kind in content for unit in self._plan(kind)]
        for kind in content:  # fail on a bad photo (say) before anything is rendered or written
            precheck = getattr(kind, "precheck", None)
            if precheck:
                precheck(self.inputs, [u for k, u in todo if k is kind])
        jobs = [((kind.name, unit), unit.job) for kind, unit in todo if unit.job is not None]
        workers = self.options.jobs or os.cpu_count() or 1
        # Card workers write their PNGs to out/.tmp themselves; a dry run has them send bytes.
        stage = None if self.options.dry_run else partial(_stage, self.writer.out_root, self.writer.target)
        with Pool(jobs, workers, stage=stage, discard=self.writer.discard) as pool:
            staged = [(kind, unit, unit.render()) for kind, unit in todo if unit.render is not None]
            for done, ((name, unit), data) in enumerate(pool.results(), start=1):
                self._write(name, unit.key, unit.paths[0], data)  # a failed write drops its part
                if self.progress:
                    self.progress(done, len(jobs))
        for kind, unit, rendered in staged:
            self.products.setdefault(kind.name, []).extend(rendered.products)
            for rel, data in _items(rendered.files):
                self._write(kind.name, unit.key, rel, data)
        del staged  # written: the texts need not stay in memory (summaries read them back)
        self._keep_unplanned()
        for kind in summaries:
            self.products["files"] = Files(entries=self._entry_dicts(), read=self._read)
            for unit in self._plan(kind):
                rendered = unit.render() if unit.render else None
                for rel, data in _items(rendered.files) if rendered else ():  # written as made
                    self._write(kind.name, unit.key, rel, data)
        self._sweep()
        self._write_manifest()

    def _plan(self, kind: Kind) -> list[Unit]:
        """Plan ``kind``; keep the units that are still on disk, return those to render."""
        plan = kind.plan(self.inputs, self.products)
        self.products[kind.name] = list(plan.products)
        requested = kind.name in self.options.only or "files" in kind.consumes
        todo = []
        for unit in plan.units:
            old = self._recorded(kind.name, unit)
            whole = bool(old) and all(self.previous.verified(e, self._digest) for e in old)
            fresh = whole and not self.options.force and all(e.key == unit.key for e in old)
            if fresh or (whole and not requested):
                if any(e.key != unit.key for e in old):
                    self.stale.add(kind.name)
                for e in old:
                    self.entries[e.path] = e
                    self.report.files.append(WriteResult(e.path, "unchanged", e.size, e.sha256))
                self.report.cached[kind.name] = self.report.cached.get(kind.name, 0) + 1
                if not plan.products:
                    self.products[kind.name].extend(self._old_products(kind))
            elif requested or old:  # a part not asked for is still remade if its files were damaged
                todo.append(unit)
                self.report.rendered[kind.name] = self.report.rendered.get(kind.name, 0) + 1
        return todo

    def _recorded(self, kind: str, unit: Unit) -> list[Entry]:
        if unit.paths is None:
            return self.previous.of_kind(kind)
        found = [self.previous.entries.get(rel) for rel in unit.paths]
        return [e for e in found if e is not None and e.kind == kind] if all(found) else []

    def _old_products(self, kind: Kind) -> list[Any]:
        """The products of a kept unit: from the kind's own file, else from the manifest."""
        from campaign_kit.model import PRODUCT_TYPES

        loader = getattr(kind, "load_products", None)
        kind_type = PRODUCT_TYPES.get(kind.name)
        try:
            if loader is not None:
                return list(loader(self._read))
            return (
                [kind_type.from_dict(d) for d in self.previous.products.get(kind.name, [])]
                if kind_type
                else []
            )
        except CampaignKitError:
            return []

    def _keep_unplanned(self) -> None:
        """Keep whole files of parts not built now (the folder stays described); drop the rest.

        Their products stay too (a card of a woman ``build --all`` drew, kept by a weekly
        ``--only posts``), so the manifest and the review page still account for them.
        """
        kept: set[str] = set()
        for rel, e in sorted(self.previous.entries.items()):
            if rel in self.entries or e.kind in self.options.only or e.kind not in kinds.BUILDABLE:
                continue
            if self.previous.verified(e, self._digest):
                self.entries[rel] = e
                self.stale.add(e.kind)
                kept.add(rel)
        from campaign_kit.model import PRODUCT_TYPES

        for name, kind_type in PRODUCT_TYPES.items():
            for raw in self.previous.products.get(name, []):
                try:
                    product = kind_type.from_dict(raw)
                except CampaignKitError:
                    continue  # a malformed record vouches for nothing
                outputs = set(product.outputs())
                if outputs and outputs <= kept:
                    self.products.setdefault(name, []).append(product)

    def _sweep(self) -> None:
        """Remove every file of the folder that no kind accounts for now."""
        keep = {paths.MANIFEST, *paths.NOT_BUILT}
        on_disk = set() if not self.writer.target.is_dir() else set(files_on_disk(self.writer.target))
        stray = (on_disk | set(self.previous.entries)) - set(self.entries) - keep
        for rel in sorted(r for r in stray if r.split("/", 1)[0] not in paths.NOT_BUILT_DIRS):
            if self.writer.remove(rel):
                self.report.removed.append(rel)

    def _write(self, kind: str, key: str, rel: str, data: Data | Staged) -> None:
        if self.options.dry_run and not isinstance(data, bytes):
            data = b"".join(data)  # nothing on disk to read back: the bytes stay in memory
        result = self.writer.write(rel, data)
        self.report.files.append(result)
        self.entries[rel] = Entry(rel, result.sha256, result.size, kind, key)
        if self.options.dry_run:  # nothing on disk to read back: keep what would be there
            self.texts[rel] = data

    def _read(self, rel: str) -> bytes | None:
        return self.texts[rel] if rel in self.texts else self.writer.existing(rel)

    def _digest(self, rel: str) -> tuple[str, int] | None:
        if rel in self.texts:
            return sha256(self.texts[rel]), len(self.texts[rel])
        return self.writer.existing_digest(rel)

    def _entry_dicts(self) -> dict[str, dict[str, Any]]:
        return {rel: e.to_dict() for rel, e in sorted(self.entries.items())}

    def _recorded_products(self) -> dict[str, list[dict[str, Any]]]:
        """Products whose files are all in the folder, by kind (what ``read_cycle`` returns)."""
        from campaign_kit.model import PRODUCT_TYPES

        out = {}
        for name in PRODUCT_TYPES:
            made = [p for p in self.products.get(name, []) if all(f in self.entries for f in p.outputs())]
            if made:
                out[name] = [p.to_dict() for p in made]
        return out

    def _write_manifest(self) -> None:
        inputs = self.inputs
        record = {
            "generator": f"campaign-kit {__version__}",
            "appeal": inputs.appeal.key,
            "cycle": inputs.cycle.id,
            "inputs": {**inputs.digests, "all": cache_key(inputs.digests)},
            "built_from": manifest.built_from(self.entries, self.stale, inputs.digests, self.previous),
            "languages": list(inputs.languages),
            "featured": featured_ids(inputs.selection),
            "everyone": len(inputs.featured) > len(inputs.selection),
            "totals": inputs.totals.as_dict(),
            "products": self._recorded_products(),
            "files": [self.entries[k].to_dict() for k in sorted(self.entries)],
        }
        self.report.files.append(self.writer.write(paths.MANIFEST, encode(record)))


__all__ = ["BuildOptions", "BuildReport", "build", "featured_history", "load_inputs", "KINDS"]
