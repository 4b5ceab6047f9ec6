"""What an output kind is, and what the build hands it.

A kind (cards, posts, appeal, newsletter, review, ...) turns the build's :class:`Inputs` and the
products of the kinds before it into a :class:`Plan`: units of work, each with the cache key of
everything that shapes its files. The build runs the plans generically: a unit whose key and
files are unchanged is kept, a unit with a ``job`` goes to the worker pool, any other unit is
rendered in this process. Kinds never write: they return bytes, and the build's one ``Writer``
writes them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from campaign_kit import __version__
from campaign_kit.build.inputs import Inputs, digest_files, files_under
from campaign_kit.output import Data

__all__ = [
    "Inputs",
    "digest_files",
    "files_under",
    "cache_key",
    "Job",
    "Data",
    "Rendered",
    "Unit",
    "Plan",
    "Files",
    "Kind",
]


def cache_key(*parts: Any) -> str:
    """A digest of everything that shapes an output (with the tool's version)."""
    blob = json.dumps([__version__, *parts], ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class Job(Protocol):
    """Expensive work a worker process runs: small, picklable, returns one file's bytes."""

    def run(self) -> bytes:
        """Render the file."""
        ...


@dataclass(frozen=True)
class Rendered:
    """What rendering a unit gave: its files and the products it tells later kinds about.

    ``files`` maps a path to its :data:`Data`, or is an iterable of such pairs, written as it
    yields. Whatever can fail (a template, a fit) must fail in ``render()``, before it returns;
    the files it gives are only serialised afterwards, as they are written.
    """

    files: Mapping[str, Data] | Iterable[tuple[str, Data]]
    products: Sequence[Any] = ()


@dataclass(frozen=True)
class Unit:
    """One piece of a kind's work, made from one cache key.

    Attributes:
        key: Digest of everything that shapes the unit's files.
        paths: The files it makes, when known before rendering (cards); None when only
            rendering tells (a text kind), in which case the previous build's record says.
        render: Makes the files in this process.
        job: Makes the (single) file in a worker process instead.

    """

    key: str
    paths: tuple[str, ...] | None = None
    render: Callable[[], Rendered] | None = None
    job: Job | None = None


@dataclass
class Plan:
    """A kind's plan: its units, and the products known without rendering (cards)."""

    units: list[Unit] = field(default_factory=list)
    products: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class Files:
    """The files a build has recorded so far: path -> manifest entry (path, sha256, size, kind)."""

    entries: Mapping[str, Mapping[str, Any]]
    read: Callable[[str], bytes | None]


class Kind(Protocol):
    """One kind of output. Each lives in its own module under ``campaign_kit.build.kinds``.

    Attributes:
        name: The name ``--only`` takes and the manifest records (``"cards"``).
        consumes: Kinds whose products its plan takes; ``"files"`` means every file the build
            recorded, so the kind is planned after the others are written (the review page).
        optional: Not built unless asked for by name in ``--only``.

    """

    name: str
    consumes: tuple[str, ...]

    def plan(self, inputs: Inputs, products: Mapping[str, Any]) -> Plan:
        """Plan this kind's units from the inputs and the products of the kinds it consumes."""
        ...
