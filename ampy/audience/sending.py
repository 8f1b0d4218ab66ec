"""Rendering a local send's messages in worker processes.

A send of at least ``[sends] parallel_from`` recipients (default 1,000) with ``[sends] jobs`` above 1
(default: one per core) renders its Subject/HTMLBody/TextBody in worker processes; delivery,
SentEvents and the Send's counts stay in the job, which takes the renders back in recipient order.
Each worker has its own connection to the workspace store (an email may write, e.g. InsertDE; SQLite
serialises the writes). A store in memory has no file to share: such sends render in-process."""

from __future__ import annotations

import multiprocessing
import os
import uuid
from dataclasses import dataclass, field

from ..errors import AmpscriptError
from .engines import _ordered

PARALLEL_FROM = 1000
SEND_BATCH = 250
_WINDOW_PER_JOB = 3


@dataclass
class SendSpec:
    parts: dict            # part name (Subject/HTMLBody/TextBody) -> AMPscript source
    name: str              # the email's name (template names are "<name>:<part>")
    job: object            # the SendJob each render sees as ctx.send
    limits: object = None
    backend: dict = field(default_factory=dict)  # LocalBackend keyword arguments
    context: str = "email"  # email, or sms/push for MobileConnect and MobilePush sends
    token: str = field(default_factory=lambda: uuid.uuid4().hex)


def send_settings(cloud) -> tuple[int, int]:
    """(jobs, parallel_from) of ``[sends]`` in ampy.toml."""
    raw = getattr(cloud.settings, "raw", None) if cloud.settings is not None else None
    table = raw.get("sends", {}) if isinstance(raw, dict) else {}
    table = table if isinstance(table, dict) else {}
    jobs = table.get("jobs", os.cpu_count() or 1)
    start = table.get("parallel_from", PARALLEL_FROM)
    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
        jobs = 1
    if not isinstance(start, int) or isinstance(start, bool) or start < 1:
        start = PARALLEL_FROM
    return jobs, start


def parallel_jobs(cloud, recipients: int) -> int:
    """How many worker processes a send of this many recipients uses (1: render in the job)."""
    backend = getattr(cloud, "backend", None)
    if getattr(backend, "store_path", ":memory:") == ":memory:":
        return 1
    jobs, start = send_settings(cloud)
    return jobs if recipients >= start else 1


def spec_for(cloud, parts: dict, name: str, job, context: str = "email") -> SendSpec:
    b = cloud.backend
    return SendSpec(parts=parts, name=name, job=job, context=context,
                    limits=cloud.settings.limits if cloud.settings is not None else None,
                    backend={"data_dir": b.data_dir, "content_dir": b.content_dir, "store_path": b.store_path,
                             "workspace": b.workspace, "settings": b.settings, "salesforce_dir": b.salesforce_dir})


_compiled: dict[str, tuple] = {}


def _prepared(spec: SendSpec):
    found = _compiled.get(spec.token)
    if found is None:
        from ..backends.local import LocalBackend
        from ..template import compile_template

        opts = dict(spec.backend)
        backend = LocalBackend(opts.pop("data_dir"), opts.pop("content_dir"), **opts)
        templates = {part: compile_template(source, name=f"{spec.name}:{part}", limits=spec.limits)
                     for part, source in spec.parts.items()}
        found = _compiled[spec.token] = (templates, backend)
    return found


def render_send_batch(spec: SendSpec, batch: list) -> list[tuple]:
    from ..cloud.sends import render_recipient

    """Each recipient's attributes (or (attributes, extra render options) such as an SMS's inbound
    message) -> (rendered parts, None) or (None, (message, skip_subscriber))."""
    templates, backend = _prepared(spec)
    out = []
    for item in batch:
        attrs, extra = item if isinstance(item, tuple) else (item, {})
        try:  # attachments, impressions and the rollback of a failed render: as in-process
            out.append(render_recipient(backend.store, backend, templates, attrs, spec.job, spec.context, **extra))
        except AmpscriptError as e:
            out.append((None, (e.message, getattr(e, "skip_subscriber", True) is not False)))
        except Exception as e:  # a bug must not lose the recipient: it is counted as errored
            out.append((None, (f"internal error: {type(e).__name__}: {e}", True)))
    return out


def _batched(items, size: int):
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class SendWorkers:
    """The worker processes of one send: renders taken back in order through a bounded window (a
    few batches per worker in flight)."""

    def __init__(self, jobs: int):
        from concurrent.futures import ProcessPoolExecutor

        self.jobs = jobs
        self.pool = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"))

    def render(self, spec: SendSpec, items):
        """(rendered, error) per recipient, in order."""
        for results in _ordered(lambda start, batch: self.pool.submit(render_send_batch, spec, batch),
                                lambda future: future.result(), _batched(items, SEND_BATCH),
                                self.jobs * _WINDOW_PER_JOB):
            yield from results

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def render_in_workers(spec: SendSpec, attributes, jobs: int):
    """Yield (rendered, error) per recipient, in order, rendered by ``jobs`` worker processes."""
    workers = SendWorkers(jobs)
    try:
        yield from workers.render(spec, attributes)
    finally:
        workers.close()
