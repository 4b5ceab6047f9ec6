"""The worker pool that renders the expensive units (cards) while the build makes the texts.

Workers are forked before the texts fill the main process's memory, so each stays small however
long the roster. At most ``window`` jobs are in flight, so memory stays flat however many cards a
roster has. A worker dies with its parent: on Linux the kernel sends it SIGKILL when the build
dies (``PR_SET_PDEATHSIG``), and it ignores Ctrl-C, which the build itself handles, so neither
``kill -9`` nor an interrupt leaves an orphan rendering on.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar

from campaign_kit.build.kinds.base import Job
from campaign_kit.output import release_inherited_locks

T = TypeVar("T")
_PR_SET_PDEATHSIG = 1
# Run in the worker on a job's bytes: what to send back instead (a card written to out/.tmp).
Stage = Callable[[Any, bytes], Any]


def _die_with_parent(parent: int) -> None:
    """Worker initializer: tie the worker's life to the build's, drop inherited locks."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    # The parent may have died between fork and prctl: then nobody will send the signal.
    if os.getppid() != parent:
        os._exit(1)
    release_inherited_locks()


def _run(item: tuple[T, Job], stage: Stage | None = None) -> tuple[T, Any]:
    tag, job = item
    data = job.run()
    return tag, data if stage is None else stage(tag, data)


class Pool:
    """Run jobs in worker processes while the caller does other work; results in job order.

    Entering forks the workers and hands them the first ``window`` jobs. :meth:`results` then
    yields ``(tag, bytes)`` in job order as they finish. Leaving, also on an error, cancels what
    has not started. With one worker, or a handful of jobs, jobs run in this process.

    With ``stage``, each job's bytes are handed to ``stage(tag, data)`` in the worker and its
    return value comes back instead: a worker writes its card to ``out/.tmp`` itself, so up to
    ``window`` finished cards wait on disk, not in this process, while it makes the texts.
    Leaving on an error hands each such finished, unclaimed value to ``discard``.
    """

    def __init__(
        self,
        jobs: Iterable[tuple[Any, Job]],
        workers: int,
        window: int = 64,
        stage: Stage | None = None,
        discard: Callable[[Any], None] | None = None,
    ) -> None:
        items = list(jobs)
        self._stage, self._discard = stage, discard
        self._jobs = iter(items)
        self._parallel = workers > 1 and len(items) >= 4
        self._workers = workers
        self._window = max(window, workers * 4)
        self._pool: ProcessPoolExecutor | None = None
        self._pending: deque[Future[tuple[Any, Any]]] = deque()

    def __enter__(self) -> Pool:
        if self._parallel:
            methods = multiprocessing.get_all_start_methods()
            # fork shares the parent's already-loaded fonts and layouts with every worker.
            ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
            self._pool = ProcessPoolExecutor(
                max_workers=self._workers,
                mp_context=ctx,
                initializer=_die_with_parent,
                initargs=(os.getpid(),),
            )
            self._fill()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            if exc[0] is not None and self._discard is not None:
                for future in self._pending:
                    if future.done() and not future.cancelled() and future.exception() is None:
                        self._discard(future.result()[1])

    def _fill(self) -> None:
        assert self._pool is not None
        while len(self._pending) < self._window:
            item = next(self._jobs, None)
            if item is None:
                return
            self._pending.append(self._pool.submit(_run, item, self._stage))

    def results(self) -> Iterator[tuple[Any, Any]]:
        """Yield each job's ``(tag, bytes)`` (or what ``stage`` made of them) in job order."""
        if self._pool is None:
            for item in self._jobs:
                yield _run(item, self._stage)
            return
        while self._pending:
            result = self._pending.popleft().result()
            self._fill()
            yield result
