"""Running the worker function over an audience: in this process, or in this process and a pool of
worker processes (a Dask cluster: ``on_dask``). Batches are submitted through a bounded window (a few
per worker) and results are taken in submission order, so the audience order is kept and neither the
parent nor a worker ever holds more than a few batches."""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator

from .sources import Page
from .worker import RenderSpec, RowResult, drop_renderer, render_batch, render_spooled, unspool, warm

BATCH_SIZE = 500  # rows per batch: big enough to amortise a round trip, small enough to stream
_WINDOW_PER_JOB = 3  # batches in flight per worker
_HELD_HERE = 8  # batches this process renders ahead of a worker's slower one, at most


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
    """``jobs`` renderers: ``jobs - 1`` worker processes started fresh (spawn: no inherited locks or
    connections; each compiles the templates and opens the store once) and this process. This one
    renders the next batch itself whenever the workers already have a few in flight (and while they
    start), so it never waits idle, and only the workers' share of the rows crosses processes (as
    files of a spool folder: see ``render_spooled``)."""
    import shutil
    import tempfile
    from concurrent.futures import ProcessPoolExecutor

    workers = max(1, jobs - 1)
    ahead = workers * _WINDOW_PER_JOB  # batches in flight to the workers
    held = ahead + _HELD_HERE  # results waiting for an earlier batch, at most
    pending: deque = deque()  # a worker's future, or the rows rendered here, in audience order

    def ready(item) -> bool:
        return isinstance(item, list) or item.done()

    def taken(item) -> list[RowResult]:
        return item if isinstance(item, list) else unspool(item.result())

    spool = tempfile.mkdtemp(prefix="ampy-batches-")
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            started = [pool.submit(warm, spec) for _ in range(workers)]
            for start, batch in _numbered(batches):
                while pending and ready(pending[0]):
                    yield taken(pending.popleft())
                # (no batch waits for a worker that is still starting: this one renders them meanwhile)
                if any(f.done() for f in started) and sum(not ready(item) for item in pending) < ahead:
                    pending.append(pool.submit(render_spooled, spec, start, batch, spool))
                else:
                    pending.append(render_batch(spec, start, batch))
                while len(pending) >= held:
                    yield taken(pending.popleft())
            while pending:
                yield taken(pending.popleft())
    finally:
        drop_renderer(spec)
        shutil.rmtree(spool, ignore_errors=True)  # (the pool has ended: no worker writes there any more)
