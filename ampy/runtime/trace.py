"""Tracing a render: which statements ran, what they changed, which builtins and lookups they made.

Only the traced variant of a template (compiled on request, see ampy.compiler) calls into here,
so an untraced render pays nothing. Each executed statement becomes one record, handed to a
callback once the statement is over (when the next one starts, or the render ends)::

    {"event": "statement", "file": "t.amp", "line": 3, "column": 5, "statement": "SET @a = 1",
     "changes": [{"name": "@a", "old": null, "new": 1}],
     "calls": [{"function": "Add", "args": [1, 2], "result": 3, "ms": 0.01}],
     "lookups": [{"de": "Subscribers", "where": [["Id", "1"]], "rows": 1, "ms": 0.4}]}

and a last ``{"event": "end", "variables": {"@a": 1, ...}}``. Values are JSON-ready: text,
numbers, booleans and null as they are, anything else (dates, rowsets) as its display text.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from time import perf_counter

from ..syntax import ast
from ..syntax.ast import unparse
from .values import to_text

_UNSET = object()


class StatementInfo:
    """A traced statement's place and source text (a constant of the traced code)."""

    __slots__ = ("file", "line", "column", "text")

    def __init__(self, file: str, line: int, column: int, text: str):
        self.file, self.line, self.column, self.text = file, line, column, text


class Tracer:
    """Collects one render's records and hands each finished one to ``emit``."""

    def __init__(self, emit: Callable[[dict], None]):
        self.emit = emit
        self.spellings: dict[str, str] = {}   # lower-cased @name -> as first written
        self._vars: dict | None = None
        self._record: dict | None = None
        self._before: dict = {}

    # ---- hooks called by traced code
    def names(self, spellings: dict[str, str]) -> None:
        for key, name in spellings.items():
            self.spellings.setdefault(key, name)

    def stmt(self, ctx, info: StatementInfo) -> None:
        self.flush()
        self._vars = ctx.vars
        self._before = dict(ctx.vars)
        self._record = {"event": "statement", "file": info.file, "line": info.line, "column": info.column,
                        "statement": info.text, "changes": [], "calls": [], "lookups": []}

    def call(self, name: str, shown: list | None, skip: int, func: Callable, args: tuple):
        record = self._record
        start = perf_counter()
        result = func(*args)
        ms = (perf_counter() - start) * 1000
        if record is not None:
            if shown is None:
                shown = [self._spell(a.key or "?") if _is_outref(a) else plain(a) for a in args[skip:]]
            record["calls"].append({"function": name, "args": shown, "result": plain(result), "ms": round(ms, 3)})
        return result

    def lookup(self, de: str, filters, rows: int, ms: float) -> None:
        if self._record is not None:
            self._record["lookups"].append({"de": de, "where": [[str(c), plain(v)] for c, v in filters],
                                            "rows": rows, "ms": round(ms, 3)})

    # ---- the end of a statement and of the render
    def flush(self) -> None:
        record = self._record
        if record is None:
            return
        self._record = None
        before, now = self._before, self._vars or {}
        for key, value in now.items():
            if key.startswith("@ "):  # a name no script can write: the REPL's own
                continue
            old = before.get(key, _UNSET)
            if old is _UNSET or not _same(old, value):
                record["changes"].append({"name": self._spell(key), "old": None if old is _UNSET else plain(old),
                                          "new": plain(value), **({"unset": True} if old is _UNSET else {})})
        self.emit(record)

    def finish(self, ctx) -> None:
        self.flush()
        variables = {self._spell(k): plain(v) for k, v in ctx.vars.items() if not k.startswith("@ ")}
        self.emit({"event": "end", "variables": dict(sorted(variables.items(), key=lambda kv: kv[0].lower()))})

    def _spell(self, key: str) -> str:
        return self.spellings.get(key, key)


def _same(a, b) -> bool:
    if a is b:
        return True
    try:
        return type(a) is type(b) and bool(a == b)
    except Exception:  # noqa: BLE001 - a value that cannot compare is taken as changed
        return False


def _is_outref(value) -> bool:
    return value.__class__.__name__ == "OutRef"


def plain(value):
    """A value as JSON can hold it."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    text = getattr(value, "ampscript_text", None)
    if value.__class__.__name__ == "Rowset":
        return f"<rowset of {len(value)} row{'s' if len(value) != 1 else ''}>"
    if value.__class__.__name__ == "Row":
        return "<row " + json.dumps(value.as_dict(), default=str, ensure_ascii=False) + ">"
    if callable(text):
        return text()
    return str(value)


class TracingBackend:
    """The render's backend, with every data-extension lookup reported to the tracer."""

    def __init__(self, backend, tracer: Tracer):
        self._backend = backend
        self._tracer = tracer

    def lookup(self, de, filters, **options):
        start = perf_counter()
        rows = self._backend.lookup(de, filters, **options)
        self._tracer.lookup(de, filters, len(rows), (perf_counter() - start) * 1000)
        return rows

    def __getattr__(self, name):
        return getattr(self._backend, name)


def traced_builtin(b, node: ast.Call, func: Callable | None = None) -> Callable:
    """The builtin ``b`` (or ``func`` in its place) as called from traced code: ``f(T, *args)``
    runs it through the tracer."""
    func, name = func or b.func, b.name
    if b.lazy:
        shown = [unparse(a) for a in node.args]

        def lazy_call(T, ctx, args):
            return T.call(name, shown, 0, func, (ctx, args))
        return lazy_call
    skip = 1 if b.needs_context else 0

    def call(T, *args):
        return T.call(name, None, skip, func, args)
    return call


# ---- the human-readable form (``--trace`` on stderr)

def _shown(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        if value.startswith("<rowset") or value.startswith("<row "):
            return value
        return '"' + value.replace('"', '""').replace("\n", "\\n") + '"'
    return to_text(value)


def format_record(record: dict) -> str:
    """One record as the lines ``ampy run --trace`` prints."""
    if record["event"] == "end":
        return ""
    lines = [f"{record['file']}:{record['line']}: {record['statement']}"]
    for c in record["calls"]:
        lines.append(f"    {c['function']}({', '.join(_shown(a) for a in c['args'])}) -> {_shown(c['result'])}")
    for lk in record["lookups"]:
        where = " AND ".join(f"{c} = {_shown(v)}" for c, v in lk["where"]) or "all rows"
        lines.append(f"    lookup {lk['de']} where {where}: {lk['rows']} row{'s' if lk['rows'] != 1 else ''} "
                     f"({lk['ms']:.1f} ms)")
    for ch in record["changes"]:
        old = "(unset)" if ch.get("unset") else _shown(ch["old"])
        lines.append(f"    {ch['name']}: {old} -> {_shown(ch['new'])}")
    return "\n".join(lines)


def format_variables(variables: dict) -> str:
    """The final variable table (``--vars``)."""
    if not variables:
        return "(no variables)"
    return "\n".join(f"{name} = {_shown(value)}" for name, value in variables.items())
