"""A corpus of AMPscript written the way Marketing Cloud developers write it, rendered byte for byte.

Each ``tests/corpus/<name>.amp`` renders against a fresh copy of the workspace in
``tests/corpus/data`` and must print exactly ``<name>.out``. An optional ``<name>.json`` sidecar
declares what the render needs and what else to check:

- ``context``: ``"page"`` (default) or ``"email"``
- ``attributes``: the subscriber's attributes
- ``request``: the CloudPage request (``url``, ``method``, ``query``, ``form``, ``headers``)
- ``now``: the render's clock as ISO text (default 2026-03-04T10:15:00, system time)
- ``error``: true when the render must fail; ``.out`` then holds ``line:column: message``
- ``redirect``: the URL a ``Redirect`` must have recorded
- ``rows``: ``{"DE": [{column: value}, ...]}``, every row of those data extensions after the
  render (and after any background task it started)
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path

import pytest

import ampy
from ampy.backends.local import LocalBackend
from ampy.errors import Redirected
from ampy.runtime.context import RenderContext
from ampy.runtime.request import RequestContext

CORPUS = Path(__file__).parent / "corpus"
DEFAULT_NOW = "2026-03-04T10:15:00"
CASES = sorted(p.stem for p in CORPUS.glob("*.amp"))


def _sidecar(name: str) -> dict:
    path = CORPUS / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _request(spec: dict | None) -> RequestContext | None:
    if spec is None:
        return None
    return RequestContext(**spec)


def test_the_corpus_is_there():
    assert len(CASES) >= 20
    for name in CASES:
        assert (CORPUS / f"{name}.out").exists(), f"{name}.amp has no {name}.out"


@pytest.mark.parametrize("name", CASES)
def test_corpus_case(name, tmp_path):
    spec = _sidecar(name)
    source = (CORPUS / f"{name}.amp").read_text(encoding="utf-8")
    expected = (CORPUS / f"{name}.out").read_bytes().decode("utf-8")
    workspace = tmp_path / "ws"
    shutil.copytree(CORPUS / "data", workspace)
    backend = LocalBackend.for_workspace(str(workspace))
    try:
        template = ampy.compile(source, name=f"{name}.amp")
        ctx = RenderContext(attributes=spec.get("attributes"), backend=backend, kind=spec.get("context", "page"),
                            name=f"{name}.amp", request=_request(spec.get("request")), settings=backend.settings,
                            now=datetime.fromisoformat(spec.get("now", DEFAULT_NOW)))
        if spec.get("error"):
            with pytest.raises(ampy.AmpscriptRuntimeError) as info:
                template.run(ctx)
            err = info.value
            assert f"{err.line}:{err.column}: {err.message}\n" == expected
        else:
            try:
                template.run(ctx)
            except Redirected:
                ctx.out = []  # the page answers HTTP 302; its output is thrown away
            assert "".join(ctx.out) == expected
        assert ctx.cache.get("redirect") == spec.get("redirect")
        backend.wait_for_tasks()
        for de, rows in spec.get("rows", {}).items():
            assert backend.lookup(de, []) == rows, de
    finally:
        backend.close()
