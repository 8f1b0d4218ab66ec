"""Running the worker function over an audience: in this process, in a pool of worker processes, or
on a Dask cluster. Batches are submitted through a bounded window (a few per worker) and results are
taken in submission order, so the audience order is kept and neither the parent nor a worker ever
holds more than a few batches."""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator

from .sources import Page
from .worker import RenderSpec, RowResult, render_batch, render_packed, unpack, warm

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
    read, so their start-up overlaps whatever producing the batches costs here."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        for _ in range(jobs):
            pool.submit(warm, spec)
        yield from _ordered(lambda start, batch: pool.submit(render_packed, spec, start, batch),
                            lambda future: unpack(future.result()), batches, jobs * _WINDOW_PER_JOB)


def render_on_dask(spec: RenderSpec, batches, client) -> Iterator[list[RowResult]]:
    """The same worker function on a Dask cluster; ``spec.store_path`` must be readable by the workers
    (a shared path, or uploaded with ``client.upload_file`` — see ``dask_client``)."""
    workers = max(1, len(client.scheduler_info().get("workers", {})))
    yield from _ordered(lambda start, batch: client.submit(render_batch, spec, start, batch, pure=False),
                        lambda future: future.result(), batches, workers * _WINDOW_PER_JOB)


def dask_client(scheduler: str | None, jobs: int, store_path: str | None):
    """A client of the cluster at ``scheduler``, or of a new LocalCluster of ``jobs`` worker processes.
    On an existing cluster the store snapshot is uploaded to every worker's folder (a worker on
    another machine cannot see this one's files); returns (client, cluster or None)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise RuntimeError("--engine dask needs Dask: pip install 'ampy[dask]'") from None
    if scheduler:
        client = Client(scheduler)
        if store_path:
            client.upload_file(store_path, load=False)
        return client, None
    cluster = LocalCluster(n_workers=jobs, processes=True, threads_per_worker=1, dashboard_address=None)
    return Client(cluster), cluster
