"""Running the worker function over an audience: in this process or in a pool of worker processes
(a Dask cluster: ``on_dask``). Batches are submitted through a bounded window (a few per worker) and results are
taken in submission order, so the audience order is kept and neither the parent nor a worker ever
holds more than a few batches."""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator

from .sources import Page
from .worker import RenderSpec, RowResult, drop_renderer, render_batch, render_packed, unpack, warm

BATCH_SIZE = 500  # rows per batch: big enough to amortise a round trip, small enough to stream
_WINDOW_PER_JOB = 3  # batches in flight per worker


def default_jobs() -> int:
    return os.cpu_count() or 1


def _numbered(batches: Iterable[list[dict]]) -> Iterator[tuple[int, list[dict]]]:
    start = 1
    for batch in batches:
        yield start, batch
        start += batch.take if isinstance(batch, Page) else len(batch)


def _ordered(submit: Callable, result: Callable, batches, window: int) -> Iterator[list[RowResult]]:
    pending: deque = deque()
    for start, batch in _numbered(batches):
        pending.append(submit(start, batch))
        if len(pending) >= window:
            yield result(pending.popleft())
    while pending:
        yield result(pending.popleft())


def render_in_process(spec: RenderSpec, batches) -> Iterator[list[RowResult]]:
    for start, batch in _numbered(batches):
        yield render_batch(spec, start, batch)


def render_in_pool(spec: RenderSpec, batches, jobs: int) -> Iterator[list[RowResult]]:
    """``jobs`` worker processes started fresh (spawn: no inherited locks or connections; each compiles
    the templates and opens the store once). They are started and warmed before the first batch is
    read; until one of them is ready, this process renders the batches itself instead of waiting."""
    from concurrent.futures import Future, ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        started = [pool.submit(warm, spec) for _ in range(jobs)]

        def submit(start, batch):
            if any(f.done() for f in started):
                return pool.submit(render_packed, spec, start, batch)
            here: Future = Future()
            here.set_result(render_packed(spec, start, batch))
            return here

        try:
            yield from _ordered(submit, lambda future: unpack(future.result()), batches, jobs * _WINDOW_PER_JOB)
        finally:
            drop_renderer(spec)
