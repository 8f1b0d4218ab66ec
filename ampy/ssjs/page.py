"""The page model: one JavaScript program per render, with the page's text and AMPscript between
the script blocks emitted when control reaches them.

A template with server-side JavaScript is split into pieces (``blocks.split``). Each text piece is
compiled once by the ordinary AMPscript compiler as part of the same template (same variables and
output buffer, positions counted in the whole file); the program is the script bodies in document
order with a call ``__call("Page", "seg", [n])`` in place of text piece *n*. So a JavaScript ``if {``
may open in one block and close in a later one, and only the taken branch's text renders.
Split, syntax gate and compile happen once per template; every render runs the program in a fresh
engine (``engine.run``).
"""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass, field

from ..compiler import compile_ast
from ..errors import AmpscriptSyntaxError
from ..syntax import ast
from . import blocks, engine, gate, throws
from .bridge import register_host


@dataclass
class Response:
    """What a script did to the HTTP response of a CloudPage (``Platform.Response``)."""

    status: int = 200                  # 301/302 after a redirect
    headers: dict[str, str] = field(default_factory=dict)        # name as set -> value
    cookies: list[dict] = field(default_factory=list)             # Set-Cookie: name, value, expires, ...
    content_type: str | None = None
    charset: str | None = None


def compile_page(source: str, name: str, depth_limit: int, gtl: bool = True) -> Page | None:
    """The compiled page, or None when the template has no server-side JavaScript."""
    try:
        pieces = blocks.split(source)
    except blocks.SplitError as e:
        raise _syntax_error(f"SSJS: {e.message}", name, source, *_line_col(source, e.offset)) from None
    if pieces is None:
        return None
    return Page(source, name, pieces, depth_limit, gtl)


class Page:
    """A template with server-side JavaScript; ``run(ctx)`` renders it into ``ctx.out``."""

    def __init__(self, source: str, name: str, pieces: list[blocks.Piece], depth_limit: int, gtl: bool):
        self.source, self.name, self.pieces = source, name, pieces
        self._starts = _line_starts(source)
        self.texts: list[ast.Template] = []     # text piece n's syntax tree (positions in the file)
        for piece in pieces:
            if piece.kind == "text":
                self.texts.append(self._parse_text(piece, gtl))
        body = tuple(s for t in self.texts for s in t.body)
        self.tree = ast.Template(body, name, source)   # all AMPscript of the page (linting, names used)
        self._compiled = {(False, False): [compile_ast(t, depth_limit) for t in self.texts]}
        self.restricted = [r for c in self._compiled[(False, False)] for r in c.restricted]
        self.depth = max((c.depth for c in self._compiled[(False, False)]), default=0)
        self.deepest_node = None
        self._programs: dict[str, engine.Program] = {}
        for method in methods(pieces):
            self.program(method)    # gate and compile now: syntax errors are compile errors

    # ---- text pieces
    def _parse_text(self, piece: blocks.Piece, gtl: bool) -> ast.Template:
        """Parse a text piece where it stands: padded with whitespace to its line and column, the
        padding then cut from the first text node."""
        from ..syntax.parser import parse

        line, col = self.position(piece.start)
        pad = "\n" * (line - 1) + " " * (col - 1)
        try:
            tree = parse(pad + piece.body, self.name, gtl=gtl)
        except AmpscriptSyntaxError as e:
            if 0 < e.line <= len(self._starts):
                e.source_line = self._line_text(e.line)
            raise
        body = list(tree.body)
        if pad and body and isinstance(body[0], ast.Text):
            rest = body[0].text[len(pad):]
            body[0:1] = [ast.Text(line, col, rest)] if rest else []
        return ast.Template(tuple(body), self.name, self.source)

    def segments(self, trace: bool, strict: bool) -> list:
        key = (trace, strict)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = [compile_ast(t, max(self.depth, 1) + 1, trace=trace, strict=strict)
                                              for t in self.texts]
        return compiled

    # ---- the program
    def program(self, method: str) -> engine.Program:
        found = self._programs.get(method)
        if found is None:
            found = self._programs[method] = self._build(method)
        return found

    def _build(self, method: str) -> engine.Program:
        code, locate, start = program_code(self.pieces, method, self.position)
        try:
            checked = gate.check(code)
        except gate.Refusal as r:
            raise _syntax_error(r.message, self.name, self.source, *locate(r.line, r.column)) from None
        import quickjs

        marked = throws.mark(code, checked.throws)
        try:
            bytecode = engine.compile_program(marked.code)
        except quickjs.JSError as e:
            stack = getattr(e, "js_stack", "") or ""
            program = engine.Program(b"", locate, self.name, self.source, marked=marked)
            line_col = engine.stack_position(program, stack)
            raise _syntax_error(f"SSJS: {e}", self.name, self.source, *line_col) from None
        program = engine.Program(bytecode, locate, self.name, self.source, start, marked=marked)
        program.catches = checked.has_try
        return program

    # ---- running
    def run(self, ctx) -> None:
        request = ctx.request
        method = "post" if request is not None and str(request.method).upper() == "POST" else "get"
        program = self.program(method)
        segments = self.segments(ctx.tracer is not None, ctx.strict)
        engine.run(program, ctx, page=_Running(self, segments))

    def variant(self, trace: bool, strict: bool) -> _Variant:
        """The traced and/or strict variant (Template._variant)."""
        return _Variant(self, trace, strict)

    # ---- positions
    def position(self, offset: int) -> tuple[int, int]:
        k = bisect.bisect_right(self._starts, offset) - 1
        return k + 1, offset - self._starts[k] + 1

    def _line_text(self, line: int) -> str:
        start = self._starts[line - 1]
        end = self.source.find("\n", start)
        return self.source[start:end if end >= 0 else len(self.source)].rstrip("\r")


def methods(pieces: list[blocks.Piece]) -> list[str]:
    """The request methods whose programs differ: blocks may be for GET or POST only."""
    types = {p.context_type for p in pieces if p.kind == "js"}
    return ["get", "post"] if types & {"get", "post"} else ["get"]


def program_code(pieces: list[blocks.Piece], method: str, position):
    """The program of a page for one request method: (code, locate, start). ``position`` maps a
    template offset to (line, column); ``locate`` maps a program (line, column) back to the
    template; ``start`` is where the first script block's code begins."""
    parts: list[str] = []
    marks: list[tuple[int, int, int, int | None]] = []   # program line, template line, column shift, fixed column
    line, texts, start = 1, 0, None
    for piece in pieces:
        kind = piece.kind
        at_line, at_col = position(piece.body_start)
        if kind == "text":
            text = f'__call("Page", "seg", [{texts}]);'
            texts += 1
            marks.append((line, at_line, 0, at_col))
        elif kind == "js":
            if piece.context_type and piece.context_type != method:
                continue
            text = piece.body.replace("\r\n", "\n")
            marks.append((line, at_line, at_col - 1, None))
            start = start or (at_line, at_col)
        elif kind == "eval":
            head = "__ctrlEval("
            text = head + piece.body.replace("\r\n", "\n") + "\n);"
            marks.append((line, at_line, at_col - 1 - len(head), None))
        elif kind == "var":
            ident = piece.body.lstrip("@")
            text = f'__ctrlVar("{ident}", typeof {ident} === "undefined" ? undefined : {ident});'
            marks.append((line, at_line, 0, at_col))
        else:   # field
            default = piece.attrs.get("default", "")
            text = f"__ctrlField({json.dumps(piece.body)}, {json.dumps(default)});"
            marks.append((line, at_line, 0, at_col))
        parts.append(text)
        parts.append("\n")
        line += text.count("\n") + 1
    lines = [m[0] for m in marks]

    def locate(pline: int, pcol: int) -> tuple[int, int]:
        k = bisect.bisect_right(lines, pline) - 1
        if k < 0:
            return 1, 1
        first, tline, shift, fixed = marks[k]
        if fixed is not None:
            return tline, fixed
        return tline + pline - first, pcol + (shift if pline == first else 0)

    return "".join(parts), locate, start or (1, 1)


def script_problems(source: str) -> list[tuple[str, int, int]]:
    """(message, line, column) of each server-side JavaScript problem the platform would refuse
    the page for: an unclosed block, a syntax error, ES2015+ syntax. Nothing runs (the linter)."""
    try:
        pieces = blocks.split(source)
    except blocks.SplitError as e:
        return [(f"SSJS: {e.message}", *_line_col(source, e.offset))]
    if pieces is None:
        return []
    starts = _line_starts(source)

    def position(offset: int) -> tuple[int, int]:
        k = bisect.bisect_right(starts, offset) - 1
        return k + 1, offset - starts[k] + 1

    found = []
    for method in methods(pieces):
        code, locate, _start = program_code(pieces, method, position)
        try:
            gate.check(code)
        except gate.Refusal as r:
            found.append((r.message, *locate(r.line, r.column)))
    return sorted(set(found), key=lambda f: (f[1], f[2]))


class _Variant:
    """A page run with traced and/or strict AMPscript segments."""

    def __init__(self, page: Page, trace: bool, strict: bool):
        self.page = page
        self.restricted, self.depth = page.restricted, page.depth
        page.segments(trace, strict)

    def run(self, ctx) -> None:
        self.page.run(ctx)


class _Running:
    """The page and the segment variant a render uses."""

    __slots__ = ("page", "segments")

    def __init__(self, page: Page, segments: list):
        self.page, self.segments = page, segments


@register_host("Page")
class PageHost:
    """``__call("Page", "seg", [n])``: render text piece n into the shared output."""

    def __init__(self, render):
        self.render = render

    def seg(self, n: int) -> None:
        self.render.page.segments[n].run(self.render.context)


def _line_starts(source: str) -> list[int]:
    starts = [0]
    pos = source.find("\n")
    while pos >= 0:
        starts.append(pos + 1)
        pos = source.find("\n", pos + 1)
    return starts


def _line_col(source: str, offset: int) -> tuple[int, int]:
    line = source.count("\n", 0, offset) + 1
    return line, offset - (source.rfind("\n", 0, offset) + 1) + 1


def _syntax_error(message: str, name: str, source: str, line: int, col: int) -> AmpscriptSyntaxError:
    return AmpscriptSyntaxError(message).locate(name, source, line, col)  # type: ignore[return-value]


def http_answer(request, content_type: str) -> tuple[int, list[tuple[str, str]], str]:
    """What a CloudPage's scripts set on its HTTP response: (redirect status 302 or 301, extra
    headers with Set-Cookie lines, Content-Type)."""
    response = getattr(request, "ssjs_response", None)
    if response is None:
        return 302, [], content_type
    headers = list(response.headers.items())
    for c in response.cookies:
        headers.append(("Set-Cookie", _cookie(c)))
    if response.content_type or response.charset:
        kind = response.content_type or content_type.split(";")[0]
        charset = response.charset or (content_type.split("charset=")[1] if "charset=" in content_type else "")
        content_type = f"{kind}; charset={charset}" if charset else kind
    return response.status if response.status in (301, 302) else 302, headers, content_type


def _cookie(c: dict) -> str:
    from datetime import datetime
    from email.utils import format_datetime
    from http.cookies import SimpleCookie

    from ..runtime.dates import SYSTEM_TZ

    jar: SimpleCookie = SimpleCookie()
    jar[c["name"]] = c["value"]
    morsel = jar[c["name"]]
    morsel["path"] = "/"
    expires = c.get("expires")
    if isinstance(expires, datetime):
        morsel["expires"] = format_datetime(expires.replace(tzinfo=SYSTEM_TZ) if expires.tzinfo is None else expires,
                                            usegmt=False)
    if c.get("secure"):
        morsel["secure"] = True
    return morsel.OutputString()
