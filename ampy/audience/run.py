"""One audience render from start to end: open the source, check the key, snapshot the store for
workers, run the chosen engine, write the outputs in order, report every failed row."""

from __future__ import annotations

import os
import sqlite3
import tempfile
from itertools import chain

from ..backends.base import BackendError
from ..errors import AmpscriptError
from . import engines, outputs
from .progress import Progress
from .sources import DataExtensionSource, SourceError, open_source
from .worker import RenderSpec, close_renderers, prime_renderer


class OptionError(Exception):
    """The options do not fit the audience (a --key that is not a column, an --out that is a file)."""


class RenderFailed(Exception):
    """The render cannot start (the template does not compile, the audience cannot be read)."""


class AudienceRender:
    def __init__(self, *, source: str, name: str, backend_factory, limits_for, de=None, csv_path=None,
                 parquet_path=None, where=(), row_limit=None, key=None, out=None, format="html",
                 sender=("ampy", "noreply@example.com"), subject=None, text=None, attributes=None,
                 request=None, overrides=None, context="email", debug=None, jobs=1, engine="local",
                 scheduler=None, batch_size=engines.BATCH_SIZE, write=None):
        self.__dict__.update(locals())
        del self.__dict__["self"]

    def run(self) -> int:
        from ..template import compile_template

        backend = self.backend_factory()
        snapshot = None
        try:
            limits = self.limits_for(backend, self.overrides or {})
            try:
                for part, text in (("html", self.source), ("subject", self.subject), ("text", self.text)):
                    if text is not None:  # a template that does not compile fails before any row
                        compile_template(text, name=self.name if part == "html" else f"{self.name}:{part}",
                                         limits=limits)
                source = open_source(backend, de=self.de, csv_path=self.csv_path,
                                     parquet_path=self.parquet_path, where=self.where, limit=self.row_limit)
            except AmpscriptError as e:
                raise RenderFailed(str(e)) from None
            except (BackendError, SourceError) as e:
                raise RenderFailed(f"ampy: {e}") from None
            key = _key_column(self.key, source.columns) if source.columns or self.key is None else None
            output = self._output()
            total = _count(source)
            if isinstance(source, DataExtensionSource):  # workers read their pages from the store
                pooled = self.engine == "dask" or (self.jobs > 1 and (total or 0) > self.batch_size)
                batches = source.pages(self.batch_size) if pooled else source.batches(self.batch_size)
            else:  # a file: read ahead, so an audience of one batch renders in this process
                first = self._first_batches(source)
                local = getattr(backend, "store", None) is not None  # workers need a store to open
                pooled = local and (self.engine == "dask" or (self.jobs > 1 and len(first) > 1))
                batches = chain(first, self._rest)
            store = getattr(backend, "store", None)
            if pooled and store is not None:
                store.names()  # every CSV of the folder imported before workers read the store
                # a copy when there is no file, or for a cluster whose workers may be other machines
                snapshot = _snapshot(store) if store.path == ":memory:" or self.scheduler else None
            spec = RenderSpec(
                html=self.source, name=self.name, subject=self.subject, text=self.text, context=self.context,
                attributes=dict(self.attributes or {}), key=key,
                store_path=snapshot or (store.path if store is not None else None),
                content_dir=getattr(backend, "content_dir", None), workspace=getattr(backend, "workspace", None),
                settings=getattr(backend, "settings", None), limits=limits, request=self.request,
                strict=bool(self.debug and self.debug.strict))
            progress = Progress(total)
            try:
                return self._render(spec, backend, batches, output, progress, pooled)
            finally:
                output.close()
        finally:
            if snapshot:
                os.unlink(snapshot)
            backend.close()
            if self.debug is not None:
                self.debug.close()

    def _first_batches(self, source) -> list:
        """Up to two batches read ahead: an audience that fits in one renders in this process."""
        it = iter(source.batches(self.batch_size))
        self._rest = it
        first = []
        for batch in it:
            first.append(batch)
            if len(first) == 2:
                break
        return first

    def _output(self):
        try:
            if self.format == "jsonl":
                return outputs.JsonLines(self.out, write=self.write)
            if self.format == "eml":
                return outputs.EmlFolder(self.out, *self.sender)
            return outputs.HtmlFolder(self.out) if self.out else outputs.TextStream(self.write)
        except outputs.OutputError as e:
            raise OptionError(str(e)) from None

    def _render(self, spec, backend, batches, output, progress, pooled) -> int:
        done = failed = 0
        if not pooled:
            extra = self.debug.render_options() if self.debug is not None else {}
            prime_renderer(spec, backend, extra)
            results = engines.render_in_process(spec, batches)
        elif self.engine == "dask":
            results = self._on_dask(spec, batches)
        else:
            results = engines.render_in_pool(spec, batches, self.jobs)
        from concurrent.futures.process import BrokenProcessPool

        try:
            for batch in results:
                for result in batch:
                    if result.error is not None:
                        failed += 1
                        progress.error(f"row {result.n} ({result.key}): {result.error}")
                    try:
                        output.write(result)
                    except outputs.OutputError as e:
                        raise OptionError(str(e)) from None
                done += len(batch)
                progress.advance(len(batch))
        except BrokenProcessPool as e:  # a worker was killed (out of memory, a signal): say where it stopped
            progress.finish(done, failed)
            raise RenderFailed(f"ampy: a worker process ended abruptly ({e}); rows {done + 1} and after were"
                               " not rendered") from None
        finally:
            if not pooled:
                close_renderers()
        progress.finish(done, failed)
        return 1 if failed else 0

    def _on_dask(self, spec, batches):
        from .on_dask import dask_client, render_on_dask

        try:
            client, cluster = dask_client(self.scheduler, self.jobs, spec.store_path)
        except RuntimeError as e:
            raise RenderFailed(f"ampy: {e}") from None
        try:
            yield from render_on_dask(spec, batches, client)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()


def _count(source) -> int | None:
    try:
        return source.count()
    except (BackendError, sqlite3.Error):
        return None


def _key_column(wanted: str | None, columns: list[str]) -> str | None:
    """The column ``--key`` names, matched case-insensitively as Marketing Cloud matches field names."""
    if not wanted:
        return None
    for column in columns:
        if column.casefold() == wanted.casefold():
            return column
    raise OptionError(f"--key {wanted}: no such column; the columns are {', '.join(columns)}")


def _snapshot(store) -> str:
    """An in-memory store (a plain CSV folder) copied to a temporary file the workers can open."""
    fd, path = tempfile.mkstemp(prefix="ampy-audience-", suffix=".sqlite")
    os.close(fd)
    target = sqlite3.connect(path)
    try:
        with store.reading() as db:
            db.backup(target)
        # WAL now, once: workers opening the copy together would each try to switch it, and that
        # switch fails at once (no busy wait) when another connection has the file open
        target.execute("PRAGMA journal_mode=WAL")
    finally:
        target.close()
    return path
