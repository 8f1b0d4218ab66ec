"""The worker function: render one batch of audience rows. The same function runs in-process, in
``multiprocessing`` workers and on Dask workers; each process compiles the templates and opens the
store once (cached per spec) and keeps nothing of a batch after returning it."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field

from ..errors import AmpscriptError
from ..runtime.system_attributes import subscriber_attributes

#: the parts a row renders, in the order of a jsonl line
PARTS = ("subject", "html", "text")


@dataclass
class RenderSpec:
    """Everything a worker needs, picklable: template sources, options and where the data is."""

    html: str
    name: str
    subject: str | None = None  # AMPscript text of the subject line (None: no subject)
    text: str | None = None     # AMPscript source of the text body (None: no text part)
    context: str = "email"
    attributes: dict = field(default_factory=dict)  # shared attributes under each row's own
    key: str | None = None        # the row column naming the output (None: the row number)
    store_path: str | None = None  # a SQLite store file (None: no data extensions)
    content_dir: str | None = None
    workspace: str | None = None
    settings: object = None
    limits: object = None
    request: object = None
    strict: bool = False
    token: str = field(default_factory=lambda: uuid.uuid4().hex)  # one compile per process and spec


@dataclass(slots=True)
class RowResult:
    """One rendered row: its 1-based number in the audience, its key and its parts, or its error."""

    n: int
    key: str
    subject: str | None = None
    html: str | None = None
    text: str | None = None
    error: str | None = None
    to: str = ""  # the row's email address (for .eml output)


def pack(results: list[RowResult]) -> tuple:
    """A batch as one tuple of columns for the trip back to the parent: unpickling lists of strings
    costs the parent a fifth of unpickling one object per row, and the parent must not be the
    bottleneck of a pool."""
    return tuple(zip(*((r.n, r.key, r.subject, r.html, r.text, r.error, r.to) for r in results))) or ((),) * 7


def unpack(columns: tuple) -> list[RowResult]:
    return list(map(RowResult, *columns))


class _Renderer:
    """The compiled templates and the backend of one spec in one process."""

    def __init__(self, spec: RenderSpec, backend=None, options: dict | None = None):
        from ..template import compile_template

        self.spec = spec
        self.options = {"strict": spec.strict, **(options or {})}
        self.parts = {
            part: compile_template(source, name=f"{spec.name}:{part}" if part != "html" else spec.name,
                                   limits=spec.limits)
            for part, source in (("subject", spec.subject), ("html", spec.html), ("text", spec.text))
            if source is not None
        }
        self.sources: dict = {}
        self.own_backend = backend is None
        self.backend = _open_backend(spec) if backend is None else backend

    def rows_of(self, page) -> list[dict]:
        """A page's rows, read here from this process's own connection to the store."""
        from .sources import DataExtensionSource

        source = self.sources.get((page.de, page.where))
        if source is None:
            source = self.sources[(page.de, page.where)] = DataExtensionSource(self.backend.store, page.de,
                                                                               page.where)
        return source.page(page.after, page.take)

    def render(self, start: int, rows: list[dict]) -> list[RowResult]:
        spec, backend, parts, options = self.spec, self.backend, self.parts, self.options
        out = []
        for n, row in enumerate(rows, start=start):
            key = str(row.get(spec.key) or n) if spec.key else str(n)
            attrs = dict(spec.attributes)
            attrs.update(subscriber_attributes(row))
            result = RowResult(n, key, to=_email_of(row))
            try:
                for part, tpl in parts.items():
                    setattr(result, part, tpl.render(attributes=attrs, backend=backend, context=spec.context,
                                                     request=spec.request, limits=spec.limits,
                                                     content_type="html" if part == "html" else "text",
                                                     **options))
            except AmpscriptError as e:
                result.subject = result.html = result.text = None
                result.error = str(e)
            except Exception as e:  # a bug must not lose the row: report it with the row
                result.subject = result.html = result.text = None
                result.error = f"{spec.name}: internal error: {type(e).__name__}: {e}"
            out.append(result)
        return out


def _email_of(row: dict) -> str:
    for column, value in row.items():
        if column.lower() in ("emailaddress", "email address", "email", "emailaddr"):
            return "" if value is None else str(value)
    return ""


def _open_backend(spec: RenderSpec):
    from .readonly import ReadOnlyBackend

    path = spec.store_path
    if path and not os.path.exists(path):
        # a Dask worker on another machine finds an uploaded store in its own folder
        path = _worker_file(os.path.basename(path)) or path
    return ReadOnlyBackend(None, spec.content_dir, store_path=path or ":memory:", workspace=spec.workspace,
                           settings=spec.settings)


def _worker_file(name: str) -> str | None:
    try:
        from distributed import get_worker

        candidate = os.path.join(get_worker().local_directory, name)
    except (ImportError, ValueError):
        return None
    return candidate if os.path.exists(candidate) else None


_renderers: dict[str, _Renderer] = {}


def render_batch(spec: RenderSpec, start: int, rows) -> list[RowResult]:
    """Render ``rows`` (a list of rows, or a ``Page`` of a data extension this process reads itself;
    row ``start`` of the audience first); compiles once per spec and process."""
    try:
        renderer = _renderers.get(spec.token)
        if renderer is None:
            renderer = _renderers[spec.token] = _Renderer(spec)
        if not isinstance(rows, list):
            rows = renderer.rows_of(rows)
    except Exception as e:  # no store or templates in this worker: every row fails, none is lost
        count = rows.take if not isinstance(rows, list) else len(rows)
        message = f"{spec.name}: this worker cannot render: {type(e).__name__}: {e}"
        return [RowResult(n, str(n), error=message) for n in range(start, start + count)]
    return renderer.render(start, rows)


def warm(spec: RenderSpec) -> None:
    """Compile the templates and open the store in this worker ahead of its first batch (a failure
    is left for that batch to report with its rows)."""
    try:
        if spec.token not in _renderers:
            _renderers[spec.token] = _Renderer(spec)
    except Exception:
        pass


def render_packed(spec: RenderSpec, start: int, rows) -> tuple:
    """``render_batch`` for a worker process: its results packed (see ``pack``)."""
    return pack(render_batch(spec, start, rows))


def render_spooled(spec: RenderSpec, start: int, rows, folder: str) -> str:
    """``render_packed`` with the results written to a file of ``folder``, whose path is returned.
    A batch's megabyte through the pool's pipe would wait for the parent's result thread, which
    shares the parent's GIL with its rendering; a file is written at once and read when wanted."""
    import pickle

    path = os.path.join(folder, f"{start}.batch")
    with open(path, "wb") as f:
        pickle.dump(pack(render_batch(spec, start, rows)), f, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def unspool(path: str) -> list[RowResult]:
    import pickle

    with open(path, "rb") as f:
        columns = pickle.load(f)
    os.unlink(path)
    return unpack(columns)


def prime_renderer(spec: RenderSpec, backend, options: dict | None = None) -> None:
    """Render ``spec`` in this process against ``backend`` (a local one seen read-only), with extra
    render options (a trace callback cannot cross processes)."""
    from ..backends.local import LocalBackend
    from .readonly import read_only_view

    if isinstance(backend, LocalBackend):
        backend = read_only_view(backend)
    _renderers[spec.token] = _Renderer(spec, backend, options)


def drop_renderer(spec: RenderSpec) -> None:
    """Forget (and close the store of) the renderer of ``spec`` in this process, if there is one."""
    renderer = _renderers.pop(spec.token, None)
    if renderer is not None and renderer.own_backend:
        renderer.backend.close()


def close_renderers() -> None:
    for renderer in _renderers.values():
        if renderer.own_backend:
            renderer.backend.close()
    _renderers.clear()
