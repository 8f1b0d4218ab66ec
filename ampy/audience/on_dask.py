"""The Dask engine: the audience as a ``dask.bag`` of partitions, each rendered on a Dask worker by
the worker function every engine uses.

A partition is one descriptor: ``(start, rows)``, where ``rows`` is a ``Page`` of the data extension
(row ids only; the worker reads the rows from its copy of the store) or, for a CSV/Parquet audience,
the batch itself. Bags of a window of partitions (a few per worker) are computed at a time and their
results taken in order, so the audience streams, its order is kept, and the client writes each
partition's rows, failed rows reported like any other engine's."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from itertools import islice

from .engines import _WINDOW_PER_JOB, _numbered
from .worker import RenderSpec, RowResult, render_packed, unpack


def _render_partition(descriptors, spec: RenderSpec) -> list[tuple]:
    """``map_partitions``' function: each (start, rows) descriptor rendered, packed for the trip."""
    return [render_packed(spec, start, rows) for start, rows in descriptors]


def audience_bag(spec: RenderSpec, descriptors: list):
    """The rendered partitions of these (start, rows) descriptors, one descriptor per partition."""
    import dask.bag as db

    return db.from_sequence(descriptors, partition_size=1).map_partitions(_render_partition, spec)


def render_on_dask(spec: RenderSpec, batches, client) -> Iterator[list[RowResult]]:
    """The batches rendered on the cluster of ``client``, in order; ``spec.store_path`` must be
    readable by the workers (a shared path, or uploaded by ``dask_client``)."""
    workers = max(1, len(client.scheduler_info().get("workers", {})))
    window = workers * _WINDOW_PER_JOB
    numbered = _numbered(batches)
    pending: deque = deque()
    while chunk := list(islice(numbered, window)):
        pending.extend(client.compute(audience_bag(spec, chunk).to_delayed()))
        while len(pending) > window:
            yield from map(unpack, pending.popleft().result())
    while pending:
        yield from map(unpack, pending.popleft().result())


def dask_client(scheduler: str | None, jobs: int, store_path: str | None):
    """A client of the cluster at ``scheduler``, or of a new LocalCluster of ``jobs`` worker processes.
    On an existing cluster the store snapshot is uploaded to every worker's folder (a worker on
    another machine cannot see this one's files); returns (client, cluster or None)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise RuntimeError("--engine dask needs Dask: pip install 'ampy[dask]'") from None
    if scheduler:
        try:
            client = Client(scheduler)  # waits distributed.comm.timeouts.connect (30 s by default)
        except OSError as e:
            raise RuntimeError(f"cannot reach the Dask scheduler at {scheduler}: {e}") from None
        if store_path:
            client.upload_file(store_path, load=False)
        return client, None
    cluster = LocalCluster(n_workers=jobs, processes=True, threads_per_worker=1, dashboard_address=None)
    return Client(cluster), cluster
