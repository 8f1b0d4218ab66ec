"""AST -> Python source -> Python functions, compiled once per template.

A template compiles to a generated function (``_render(ctx)``) in which variables are dict
operations, text is a constant ``append`` and every builtin call is a direct Python call, so a
render runs at the speed of hand-written Python. Error positions cost nothing at run time: every
call that can fail is bound under its own alias (``_s12``), and when an exception escapes, the
innermost generated frame's instruction position (Python 3.11 ``co_positions``) names the alias,
hence the AMPscript node, its line and column.

Large or deep templates spill into helper functions, each compiled on its own with line numbers
that continue one shared numbering (so the lookup above works unchanged): a body longer than
``_CHUNK_LINES`` continues in functions called in sequence (Python's compiler then only ever holds
one chunk's syntax tree), and bodies or expressions nested past Python's own bounds (indentation,
nested loops, parentheses) move into a function called where they stood.
"""

from __future__ import annotations

import itertools
import sys
import warnings
from collections.abc import Callable
from itertools import chain, repeat
from time import monotonic
from types import CodeType

from . import registry
from .errors import AmpscriptError, AmpscriptRuntimeError, AmpscriptSyntaxError, FunctionError, Redirected
from .gtl import nodes as gtl
from .gtl import runtime as gtl_runtime
from .limits import DEFAULT_LIMITS, how_to_raise
from .runtime.strict import strict_attribute, strict_attribute_value
from .runtime.trace import StatementInfo, traced_builtin
from .runtime.values import compare, condition, equals, to_int, to_text
from .syntax import ast


class Arg:
    """An unevaluated argument handed to ``lazy`` builtins (IIf, Output ...)."""

    __slots__ = ("evaluate", "node")

    def __init__(self, evaluate: Callable, node: ast.Node):
        self.evaluate = evaluate
        self.node = node

    @property
    def is_call(self) -> bool:
        return isinstance(self.node, ast.Call)


class OutRef:
    """An ``@variable`` argument a builtin writes to (``InvokeCreate(@o, @status, @code)``)."""

    __slots__ = ("key",)

    def __init__(self, key: str | None):
        self.key = key

    def set(self, ctx, value: object) -> None:
        if self.key is not None:
            ctx.vars[self.key] = value

    def get(self, ctx) -> object:
        return ctx.vars.get(self.key) if self.key is not None else None


_TICK_EVERY = 256  # FOR iterations between two checks of the render's clock and output size


def for_range(ctx, start: object, end: object, down: bool):
    """The counter values of ``FOR @i = start TO|DOWNTO end`` (the bounds are evaluated once, so
    the iteration limits are checked up front). A long loop checks the clock and the output every
    256 iterations: it iterates pieces of the range, chained in C, with a check before each piece,
    so the loop body itself carries no extra work."""
    a = to_int(start, "FOR start value")
    b = to_int(end, "FOR end value")
    r = range(a, b - 1, -1) if down else range(a, b + 1)
    n = len(r)
    if n > ctx.iterations_left or n > ctx.limits.loop_iterations:
        ctx.refuse_loop(n)
    ctx.iterations_left -= n
    if monotonic() > ctx.deadline:
        ctx.check_time()
    if n <= _TICK_EVERY:
        return r
    pieces = (r[i:i + _TICK_EVERY] for i in range(0, len(r), _TICK_EVERY))
    return chain.from_iterable(map(_checked, repeat(ctx), pieces))


def _checked(ctx, piece: range) -> range:
    ctx.tick()
    return piece


class _Site:
    """A place in the template that can fail at run time: the node and how to word the error."""

    __slots__ = ("node", "prefix")

    def __init__(self, node: ast.Node, prefix: str):
        self.node = node
        self.prefix = prefix


class Compiled:
    """The result of compiling one template: ``run(ctx)`` executes it."""

    __slots__ = ("_func", "restricted", "_sites", "_filename", "_lines", "_line_nodes", "_name", "_source",
                 "depth", "deepest_node")

    def __init__(self, func, restricted, sites, filename, lines, line_nodes, name, source):
        self._func = func
        self.restricted = restricted
        self._sites = sites
        self._filename = filename
        self._lines = lines
        self._line_nodes = line_nodes
        self._name = name
        self._source = source
        self.depth = 0              # the deepest IF/FOR/call nesting, and where (nesting_depth)
        self.deepest_node = None

    def run(self, ctx) -> None:
        try:
            self._func(ctx)
        except (AmpscriptError, Redirected):
            raise
        except RecursionError:
            raise AmpscriptRuntimeError("Content nested too deeply").locate(self._name, self._source, 1, 1) \
                from None
        except Exception as exc:
            raise self._locate(exc) from (None if isinstance(exc, FunctionError) else exc)

    def _locate(self, exc: Exception) -> AmpscriptRuntimeError:
        """Turn an exception from generated code into a positioned script error."""
        site, node = None, None
        tb = exc.__traceback__
        frame_tb = None
        while tb is not None:  # the innermost frame that runs generated code
            if tb.tb_frame.f_code.co_filename == self._filename:
                frame_tb = tb
            tb = tb.tb_next
        if frame_tb is not None:
            code = frame_tb.tb_frame.f_code
            positions = list(code.co_positions())
            index = frame_tb.tb_lasti // 2
            if 0 <= index < len(positions):
                line, _, col, _ = positions[index]
                if line is not None and col is not None and 0 < line <= len(self._lines):
                    text = self._lines[line - 1]
                    if not text.isascii():  # co_positions counts UTF-8 bytes, the line holds characters
                        col = len(text.encode("utf-8")[:col].decode("utf-8", "ignore"))
                    if text.startswith("_s", col):
                        end = col + 2
                        while end < len(text) and text[end].isdigit():
                            end += 1
                        site = self._sites.get(text[col:end])
                    if site is None:
                        node = self._line_nodes.get(line)
        if site is not None:
            node = site.node
        if isinstance(exc, FunctionError):
            err = AmpscriptRuntimeError(f"{site.prefix}{exc}" if site else str(exc))
        else:  # not the script's fault: a bug in ampy, reported as ours (the type name stays in .cause)
            from .errors import AmpscriptInternalError

            what = site.prefix.rstrip(": ") if site and site.prefix else "an expression"
            detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else "no details"
            err = AmpscriptInternalError(f"Internal error in {what} (please report it): {detail}", cause=exc)
        for attr in ("skip_subscriber", "error_code", "error_number", "preserve_data"):
            if hasattr(exc, attr):
                setattr(err, attr, getattr(exc, attr))
        line, col = (node.line, node.column) if node is not None else (1, 1)
        return err.locate(self._name, self._source, line, col)  # type: ignore[return-value]


_counter = itertools.count(1)

# Python refuses 100 levels of indentation, 20 nested loops in one function and 200 nested
# parentheses; deeper AMPscript moves into helper functions long before those bounds.
_MAX_INDENT = 40
_MAX_LOOPS = 15
_MAX_EXPR_LEVELS = 30    # AMPscript levels in one Python expression (each adds at most ~4 parentheses)
# Statements per generated function: Python compiles one function at a time, so memory at compile
# stays proportional to one chunk, not to the whole template.
_CHUNK_LINES = 300

# Builtins that can change variables while Concat's other arguments are evaluated (out parameters
# and content run in the caller's scope); SET @s = Concat(@s, ...) appends in place only without them.
_SETS_VARIABLES = frozenset({"treatascontent", "treatascontentarea", "contentblockbykey", "contentblockbyname",
                             "contentblockbyid", "contentarea", "contentareabyname"})


# Builtins outside ampy.functions.strings whose result can be several times the size of their input
# (chained, they grow geometrically): the result is checked against string_size where they are called.
_GROWS_TEXT = frozenset({"base64encode", "urlencode", "encryptsymmetric", "transformxml", "buildoptionlist"})


# Output expressions joined in one concatenation at most (Python's compiler nests each `+`).
_MAX_PARTS = 24


def _pure(e) -> bool:
    """An inline expression whose text needs no builtin call (nothing to fail, nothing written)."""
    while isinstance(e, ast.Call) and e.name.lower() == "v" and len(e.args) == 1:
        e = e.args[0]  # v(x) is x as text (see _Generator.text)
    return isinstance(e, (ast.Str, ast.Num, ast.Bool, ast.Variable))


def _sized(ctx, value):
    if value.__class__ is str and len(value) > ctx.limits.string_size:
        ctx.check_string(len(value))
    return value


def compile_ast(tree: ast.Template, max_depth: int | None = None, *, trace: bool = False,
                strict: bool = False) -> Compiled:
    """Generate and compile the template's code; nesting deeper than ``max_depth`` (default: the
    nesting_depth limit) is an AmpscriptSyntaxError. ``trace`` adds calls to the render's tracer
    (ampy.runtime.trace) around statements and builtins; ``strict`` makes unknown attributes errors
    (ampy.runtime.strict). Without them the code is exactly the plain variant's."""
    return _Generator(tree, DEFAULT_LIMITS.nesting_depth if max_depth is None else max_depth,
                      trace, strict).build()


def too_deep_error(limit: int) -> str:
    return f"The template nests IF/FOR/function calls more than {limit} levels deep ({how_to_raise('nesting_depth')})"


class _Func:
    """One generated Python function being written: its lines and the AMPscript node of each."""

    __slots__ = ("name", "lines", "nodes")

    def __init__(self, name: str):
        self.name = name
        self.lines: list[str] = []
        self.nodes: dict[int, ast.Node] = {}   # 0-based line in this function -> node


class _Generator:
    def __init__(self, tree: ast.Template, max_depth: int, trace: bool = False, strict: bool = False):
        self.tree = tree
        self.max_depth = max_depth
        self.trace = trace
        self.strict = strict
        self._next_stmt = None                 # traced: the statement after the one being written
        self._line_starts: list[int] | None = None
        self.deepest = 0                       # the deepest nesting seen, and where
        self.deepest_node: ast.Node | None = None
        self.filename = f"<ampy-template-{next(_counter)}>"
        self.lines: list[str] = []             # every generated line, numbered as the code objects say
        self.line_nodes: dict[int, ast.Node] = {}
        self.namespace: dict[str, object] = {
            "_tt": to_text, "_eq": equals, "_cmp": compare, "_Arg": Arg,
            "_gscope": gtl_runtime.scope, "_gtrue": gtl_runtime.truthy, "_gempty": gtl_runtime.empty,
            "_gtext": gtl_runtime.text,
        }
        # Only templates that can hold GTL tags set up the GTL scope in their functions.
        source = tree.source or ""
        self.gtl = "{{" in source or "%%{" in source
        self.sites: dict[str, _Site] = {}
        self.restricted: list[tuple[registry.Builtin, ast.Call]] = []
        self._n = 0
        self.func = _Func("_render")
        self.ind = 1                           # indentation of the statement being written
        self.loops = 0                         # FOR loops around it in the current function
        self.expr_base = 0                     # AMPscript depth where the current Python expression began
        self._saved: list[tuple] = []

    # ---- plumbing
    def _name(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}{self._n}"

    def _site(self, func, node: ast.Node, prefix: str) -> str:
        alias = self._name("_s")
        self.namespace[alias] = func
        self.sites[alias] = _Site(node, prefix)
        return alias

    def _const(self, value) -> str:
        alias = self._name("_k")
        self.namespace[alias] = value
        return alias

    def _emit(self, code: str, node: ast.Node | None = None) -> None:
        func = self.func
        if node is not None:
            func.nodes[len(func.lines)] = node
        func.lines.append("    " * self.ind + code)

    def _enter(self, node: ast.Node, depth: int) -> None:
        if depth > self.deepest:
            if depth > self.max_depth:
                raise _TooDeep(node)
            self.deepest, self.deepest_node = depth, node

    def _open(self, prefix: str, statements: bool = True) -> str:
        """Start a new generated function (the current one is resumed by ``_close``)."""
        self._saved.append((self.func, self.ind, self.loops, self.expr_base))
        name = self._name(prefix)
        self.func = _Func(name)
        self.ind, self.loops = 0, 0
        self._emit(f"def {name}(ctx):")
        self.ind = 1
        self._emit("V = ctx.vars")
        self._emit("g = V.get")
        self._emit("attr = ctx.attribute")
        if self.gtl:
            self._emit("G = _gscope(ctx)")
        if statements:
            self._emit("w = ctx.out.append")
        if self.trace:
            self._emit("T = ctx.tracer")
        return name

    def _close(self) -> None:
        """Compile the current function on its own (only its Python syntax tree is ever in memory)
        with line numbers that continue the template's generated lines, and resume the caller's."""
        func = self.func
        start = len(self.lines)
        self.lines.extend(func.lines)
        for i, node in func.nodes.items():
            self.line_nodes[start + i + 1] = node
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. SyntaxWarning for `'x' is True` never matters here
            code = compile("\n".join(func.lines) + "\n", self.filename, "exec")
        exec(_shift_lines(code, start), self.namespace)
        self.func, self.ind, self.loops, self.expr_base = self._saved.pop()

    def build(self) -> Compiled:
        self.func = _Func("_render")
        self.ind = 0
        self._emit("def _render(ctx):")
        self.ind = 1
        self._emit("V = ctx.vars")
        self._emit("g = V.get")  # a variable read is g('@x'): shorter to compile and faster to run
        self._emit("w = ctx.out.append")
        self._emit("attr = ctx.attribute")
        if self.gtl:
            self._emit("G = _gscope(ctx)")
        if self.trace:
            self._emit("T = ctx.tracer")
            self._emit(f"T.names({self._const(ast.variable_spellings(self.tree.body))})")
        self._saved.append((None, 0, 0, 0))
        try:
            self.body(self.tree.body, 0)  # top-level statements; each IF/FOR/call nests one deeper
            self._close()
        except (_TooDeep, RecursionError, SyntaxError, MemoryError) as e:
            if isinstance(e, _TooDeep):
                node, message = e.node, too_deep_error(self.max_depth)
            else:  # Python's own bounds, below a nesting_depth raised very high
                node = self.deepest_node
                message = f"The template nests IF/FOR/function calls too deeply to compile ({self.deepest} levels)"
            err = AmpscriptSyntaxError(message)
            raise err.locate(self.tree.name, self.tree.source, node.line if node else 1,
                             node.column if node else 1) from None
        compiled = Compiled(self.namespace["_render"], self.restricted, self.sites, self.filename, self.lines,
                            self.line_nodes, self.tree.name, self.tree.source)
        compiled.depth, compiled.deepest_node = self.deepest, self.deepest_node
        return compiled

    # ---- statements
    def body(self, stmts, depth: int) -> None:
        """The statements of a body; when the current function is full, the rest goes into
        further functions called in sequence."""
        start = len(self.func.lines)
        done = self._fill(stmts, 0, depth)
        while done < len(stmts):
            name = self._open("_c")
            done = self._fill(stmts, done, depth)
            self._close()
            self._emit(f"{name}(ctx)")
        if len(self.func.lines) == start:
            self._emit("pass")

    def _fill(self, stmts, i: int, depth: int) -> int:
        """Write statements from ``i`` on until the function is full; the index of the first one left.

        Output is written in as few calls as possible (each statement costs Python's compiler):
        template text, and the text of inline variables and constants after it, go out as one
        concatenation, which may start with one inline expression that calls builtins (a
        builtin that writes output itself must do so before the text after it, never before the
        text before it). A traced render keeps one line per statement."""
        texts: list[str] = []   # adjacent template text
        parts: list[str] = []   # Python expressions of the text written next, in order
        head = None             # the first statement among them: the line's node
        func = self.func
        n = len(stmts)
        merge = not self.trace
        while i < n:
            s = stmts[i]
            if isinstance(s, ast.Text):
                texts.append(s.text)
                i += 1
                continue
            if merge and isinstance(s, ast.Inline) and _pure(s.expr) and len(parts) < _MAX_PARTS:
                if texts:
                    parts.append(repr("".join(texts)))
                    texts = []
                self.expr_base = depth
                parts.append(self.text(s.expr, depth))
                head = s if head is None else head
                i += 1
                continue
            if len(func.lines) >= _CHUNK_LINES:
                break
            if texts:
                parts.append(repr("".join(texts)))
                texts = []
            if parts:
                self._emit(f"w({' + '.join(parts)})", head)
                parts, head = [], None
            if merge and isinstance(s, (ast.Inline, ast.AttrOut)):  # the text after it can join its line
                self.expr_base = depth
                parts.append(self.text(s.expr, depth) if isinstance(s, ast.Inline) else self._attr_out(s))
                head = s
                i += 1
                continue
            if self.trace:
                self._next_stmt = stmts[i + 1] if i + 1 < n else None
            self.stmt(s, depth)
            i += 1
        if texts:
            parts.append(repr("".join(texts)))
        if parts:
            self._emit(f"w({' + '.join(parts)})", head)
        return i

    def inner_body(self, stmts, depth: int) -> None:
        """An IF branch or FOR body, one level in (or in a function of its own when deep)."""
        if self.ind >= _MAX_INDENT or self.loops > _MAX_LOOPS:
            name = self._open("_b")
            self.body(stmts, depth)
            self._close()
            self.ind += 1
            self._emit(f"{name}(ctx)")
            self.ind -= 1
        else:
            self.ind += 1
            self.body(stmts, depth)
            self.ind -= 1

    def stmt(self, s, depth: int) -> None:
        self.expr_base = depth
        if self.trace:
            info = self._const(self._statement_info(s))
            if not isinstance(s, ast.For):  # a FOR reports each iteration, from inside the loop
                self._emit(f"T.stmt(ctx, {info})", s)
        if isinstance(s, ast.Inline):
            e = s.expr
            if isinstance(e, ast.Str):
                self._emit(f"w({e.value!r})", s)
            else:
                self._emit(f"w({self.text(e, depth)})", s)
        elif isinstance(s, ast.AttrOut):
            self._emit(f"w({self._attr_out(s)})", s)
        elif isinstance(s, ast.SetVar):
            key = s.name.lower()
            onto = self._concat_onto(s.expr, key, depth)
            self._emit(onto if onto is not None else f"V[{key!r}] = {self.expr(s.expr, depth)}", s)
        elif isinstance(s, ast.VarDecl):
            for name in s.names:
                self._emit(f"V[{name.lower()!r}] = None", s)
        elif isinstance(s, ast.ExprStmt):
            if isinstance(s.expr, ast.Call):  # called for its effect; the value is discarded (rule 5)
                self._emit(self.expr(s.expr, depth), s)
        elif isinstance(s, ast.If):
            self._enter(s, depth + 1)
            for i, (cond, body) in enumerate(s.branches):
                self.expr_base = depth
                self._emit(f"{'if' if i == 0 else 'elif'} {self.cond(cond, depth)}:", cond)
                self.inner_body(body, depth + 1)
            if s.orelse is not None:
                self._emit("else:")
                self.inner_body(s.orelse, depth + 1)
        elif isinstance(s, ast.For):
            self._enter(s, depth + 1)
            rng = self._site(for_range, s, "")
            bounds = f"{rng}(ctx, {self.expr(s.start, depth)}, {self.expr(s.end, depth)}, {s.down!r})"
            if self.trace:  # the tracer reports the iteration before the counter is set
                counter = self._name("_i")
                self._emit(f"for {counter} in {bounds}:", s)
                self.ind += 1
                self._emit(f"T.stmt(ctx, {info})", s)
                self._emit(f"V[{s.var.lower()!r}] = {counter}", s)
                self.ind -= 1
            else:
                self._emit(f"for V[{s.var.lower()!r}] in {bounds}:", s)
            self.loops += 1
            self.inner_body(s.body, depth + 1)
            self.loops -= 1
        elif isinstance(s, (gtl.Output, gtl.Block, gtl.Partial, gtl.Data)):
            self.gtl_stmt(s, depth)
        else:  # pragma: no cover
            raise AssertionError(f"unknown statement {s!r}")

    def _attr_out(self, s: ast.AttrOut) -> str:
        """The text of ``%%name%%``."""
        if self.strict:
            return f"_tt({self._site(strict_attribute, s, '')}(ctx, {s.name.lower()!r}, {s.name!r}))"
        return f"_tt(attr({s.name.lower()!r}, {s.name!r}))"

    # ---- Guide Template Language: blocks are control structures like IF/FOR (one pass, shared state)
    def gtl_stmt(self, s, depth: int) -> None:
        if isinstance(s, gtl.Output):
            value = self.expr(s.expr, depth)
            self._emit(f"w(_gtext({value}))" if s.raw else f"w(G.html({value}, {s.markup!r}))", s)
        elif isinstance(s, gtl.Partial):
            self._emit(f"w({self._site(_partial, s, '')}(ctx, {s.ident!r}))", s)
        elif isinstance(s, gtl.Block):
            self._enter(s, depth + 1)
            self.gtl_block(s, depth)

    def _gtl_loop(self, items: str, body, depth: int, node) -> None:
        self._emit(f"for _ in {items}:", node)
        self.loops += 1
        self.inner_body(body, depth + 1)
        self.loops -= 1

    def gtl_block(self, s, depth: int) -> None:
        kind = s.kind
        body = s.parts[0][1]
        rest = s.parts[1:]
        orelse = next((b for m, b in rest if m[0] == "else"), None)
        if kind in ("section", "inverted", "if", "unless", "with", "each"):
            value = self.expr(s.expr, depth + 1)
            if kind in ("section", "inverted") and isinstance(s.expr, gtl.Path) and len(s.expr.parts) == 1 \
                    and s.expr.parts[0][0] != "@":
                value = f"G.section({s.expr.up}, {s.expr.parts!r})"  # lookup step 4: related DE rows
            if kind == "section":
                self._emit(f"for _ in G.iterate(G.items({value})):", s)
            elif kind == "each":
                if orelse is not None:
                    var = self._name("_g")
                    self._emit(f"{var} = {value}", s)
                    self._emit(f"if _gempty({var}):", s)
                    self.inner_body(orelse, depth + 1)
                    self._emit("else:")
                    self.ind += 1
                    self._gtl_loop(f"G.each({var})", body, depth, s)
                    self.ind -= 1
                    return
                self._gtl_loop(f"G.each({value})", body, depth, s)
                return
            elif kind == "with":
                self._emit(f"for _ in G.iterate(G.once({value})):", s)
            else:
                test = self._gtl_test(s.expr, value, depth)
                positive = (kind == "if") != (kind == "inverted")
                if kind == "inverted":
                    positive = False
                self._emit(f"if {test if positive else f'not ({test})'}:", s)
                self.inner_body(body, depth + 1)
                if orelse is not None:
                    self._emit("else:")
                    self.inner_body(orelse, depth + 1)
                return
            self.loops += 1
            self.inner_body(body, depth + 1)
            self.loops -= 1
            if orelse is not None and kind in ("section", "with"):
                self._emit(f"if _gempty({value}):", s)
                self.inner_body(orelse, depth + 1)
        elif kind == "switch":
            first = True
            for marker, part in rest:
                if marker[0] == "when":
                    test = self._gtl_test(marker[1], self.expr(marker[1], depth + 1), depth)
                    self._emit(f"{'if' if first else 'elif'} {test}:", s)
                    first = False
                else:
                    self._emit("else:" if not first else "if True:", s)
                    first = False
                self.inner_body(part, depth + 1)
        elif kind in ("datasource", "dataobject"):
            name = s.expr.value
            keys = {k for k, _ in s.attrs}
            saved = None
            if keys & set(gtl_runtime._OPTION_NAMES):  # options apply to the block; global keeps them
                saved = self._name("_g")
                self._emit(f"{saved} = {self._site(_set_options, s, '')}(G, {self._const(s.attrs)})", s)
            rows = f"{self._site(_rows, s, '')}(G, {kind!r}, {name!r}, {self._const(s.attrs)}, {s.data!r})"
            if kind == "dataobject":
                self._emit(f"G.bind({name!r}, {rows})", s)
            else:
                self._gtl_loop(f"G.iterate({rows}, {name.lower()!r})", body, depth, s)
            if saved is not None and "global" not in keys:
                self._emit(f"G.restore({saved})")
        elif kind in ("slot", "block"):
            defaults = [x for x in body if isinstance(x, gtl.Block) and x.kind == "default"]
            if defaults:
                mark = self._name("_g")
                self._emit(f"{mark} = len(ctx.out)", s)
                body = tuple(x for x in body if not (isinstance(x, gtl.Block) and x.kind == "default"))
            self.body(body, depth + 1)
            if defaults:
                self._emit(f"if not ''.join(ctx.out[{mark}:]):", s)
                self.inner_body(tuple(x for d in defaults for x in d.parts[0][1]), depth + 1)
        elif kind == "default":  # outside a slot or block: its content is all there is
            self.body(body, depth + 1)
        # meta: never rendered

    def _gtl_test(self, node, value: str, depth: int) -> str:
        if isinstance(node, gtl.Compare):
            return value
        return f"_gtrue({value})"

    def gtl_expr(self, node, depth: int) -> str:
        if isinstance(node, gtl.Literal):
            return repr(node.value)
        if isinstance(node, gtl.Path):
            return f"G.get({node.up}, {node.parts!r})"
        if isinstance(node, gtl.Escaped):
            return f"G.arg({self.gtl_expr(node.path, depth)})"
        if isinstance(node, gtl.Compare):
            a, b = self.expr(node.left, depth + 1), self.expr(node.right, depth + 1)
            return f"{self._site(gtl_runtime.scoped_compare, node, '')}(G, {node.op!r}, {a}, {b})"
        raise AssertionError(f"unknown GTL expression {node!r}")  # pragma: no cover

    def _concat_onto(self, e, key: str, depth: int) -> str | None:
        """``SET @s = Concat(@s, ...)`` appends to @s in place (linear in a loop, not quadratic),
        when nothing among the other arguments can change variables meanwhile."""
        if self.trace or not (isinstance(e, ast.Call) and e.name.lower() == "concat" and e.args
                and isinstance(e.args[0], ast.Variable) and e.args[0].name.lower() == key):
            return None
        b = self._builtin(e)
        from .functions.strings import concat, concat_onto  # loaded by the lookup above anyway

        if b.func is not concat:
            return None
        for n in ast.walk(e.args[1:]):
            if isinstance(n, ast.Call):
                other = registry.lookup(n.name)
                if other is None or other.out_params or n.name.lower() in _SETS_VARIABLES:
                    return None
        alias = self._site(concat_onto, e, f"{b.name}: ")
        args = "".join(f", {self.expr(a, depth + 1)}" for a in e.args[1:])
        return f"{alias}(ctx, {key!r}{args})"

    # ---- expressions
    def text(self, node, depth: int) -> str:
        """A Python expression for the text form of ``node`` (no call when it already is a str)."""
        if isinstance(node, ast.Call) and node.name.lower() == "v" and len(node.args) == 1:
            node = node.args[0]  # v(x) is x as text
        inner = self.expr(node, depth)
        if isinstance(node, ast.Str):
            return inner
        return f"_tt({inner})"

    def cond(self, node, depth: int) -> str:
        """A Python boolean expression for an IF/AND/OR/NOT operand (rule 17)."""
        if isinstance(node, (ast.Compare, ast.And, ast.Or, ast.Not, ast.Bool)):
            return self.expr(node, depth)
        return f"{self._site(condition, node, '')}({self.expr(node, depth)})"

    def expr(self, node, depth: int) -> str:
        if depth > self.deepest:
            self._enter(node, depth)
        cls = node.__class__
        if cls is ast.Variable:  # the commonest leaves first; a leaf never needs hoisting
            return f"g({node.name.lower()!r})"
        if cls is ast.Str or cls is ast.Num:
            return repr(node.value)
        if depth - self.expr_base >= _MAX_EXPR_LEVELS and not isinstance(node, (ast.Str, ast.Num, ast.Bool)):
            return self._hoist(node, depth)
        if isinstance(node, (ast.Str, ast.Num)):
            return repr(node.value)
        if isinstance(node, ast.Bool):
            return "True" if node.value else "False"
        if isinstance(node, ast.Variable):
            return f"g({node.name.lower()!r})"
        if isinstance(node, ast.Attribute):
            if self.strict:
                return f"{self._site(strict_attribute, node, '')}(ctx, {node.name.lower()!r}, {node.name!r})"
            return f"attr({node.name.lower()!r}, {node.name!r})"
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        if isinstance(node, _GTL_EXPRS):
            return self.gtl_expr(node, depth)
        if isinstance(node, ast.Compare):
            a, b = self.expr(node.left, depth + 1), self.expr(node.right, depth + 1)
            if node.op == "==":
                return f"_eq({a}, {b})"
            if node.op == "!=":
                return f"(not _eq({a}, {b}))"
            return f"(_cmp({a}, {b}) {node.op} 0)"
        if isinstance(node, (ast.And, ast.Or)):
            # A chain `a OR b OR c ...` is one flat Python `or` (the parser nests it one level per term).
            kind = node.__class__
            operands, stack = [], [node]
            while stack:
                n = stack.pop()
                if n.__class__ is kind:
                    stack.append(n.right)
                    stack.append(n.left)
                else:
                    operands.append(n)
            joiner = " and " if kind is ast.And else " or "
            return f"({joiner.join(self.cond(o, depth + 1) for o in operands)})"
        if isinstance(node, ast.Not):
            return f"(not {self.cond(node.operand, depth + 1)})"
        raise AssertionError(f"unknown expression {node!r}")  # pragma: no cover

    def _hoist(self, node, depth: int) -> str:
        """A deep sub-expression as a function of its own, called where it stood (so it is still
        evaluated only if and when it was before)."""
        name = self._open("_e", statements=False)
        self.expr_base = depth
        self._emit(f"return {self.expr(node, depth)}", node)
        self._close()
        return f"{name}(ctx)"

    def _builtin(self, node: ast.Call) -> registry.Builtin:
        b = registry.lookup(node.name)
        if b is None:
            close = registry.closest_names(node.name)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            err = AmpscriptSyntaxError(f"Unknown function '{node.name}'{hint}")
            raise err.locate(self.tree.name, self.tree.source, node.line, node.column)
        n = len(node.args)
        if n < b.min_args or (b.max_args is not None and n > b.max_args):
            err = AmpscriptSyntaxError(
                f"{b.name} takes {b.arity_text()} argument{'s' if b.max_args != 1 else ''}, got {n}")
            raise err.locate(self.tree.name, self.tree.source, node.line, node.column)
        if b.contexts != registry.ALL_CONTEXTS:
            self.restricted.append((b, node))
        return b

    def call(self, node: ast.Call, depth: int) -> str:
        b = self._builtin(node)
        n = len(node.args)
        key = b.name.lower()
        # Two hot builtins are inlined; both are defined in ampy.functions.utilities.
        if key == "v":
            return self.text(node.args[0], depth + 1)
        if key == "attributevalue" and isinstance(node.args[0], ast.Str) and node.args[0].value.strip():
            name = node.args[0].value.strip()  # a constant name: no need to normalise per call
            if self.strict:
                return f"(_t if (_t := {self._site(strict_attribute, node, '')}(ctx, {name.lower()!r}, " \
                       f"{name!r})) is not None else '')"
            return f"(_t if (_t := attr({name.lower()!r}, {name!r})) is not None else '')"
        if key == "iif":
            c, t, f = (self.expr(a, depth + 1) for a in node.args)
            return f"({t} if (_c := {c}) is True else {f})"  # only a real boolean true selects t
        func, prefix = b.func, f"{b.name}: "
        if self.strict and key == "attributevalue":
            func, prefix = strict_attribute_value, ""
        if self.trace:  # called as alias(T, ...): the tracer times and records the call
            func = traced_builtin(b, node, func)
        alias = self._site(func, node, prefix)
        if self.trace:
            alias += "(T, "
        else:
            alias += "("
        if b.lazy:
            args = ", ".join(f"_Arg(lambda ctx: {self.expr(a, depth + 1)}, {self._const(a)})" for a in node.args)
            return f"{alias}ctx, ({args}{',' if n == 1 else ''}))"
        parts = ["ctx"] if b.needs_context else []
        for i, a in enumerate(node.args):
            if i in b.out_params:
                parts.append(self._const(OutRef(a.name.lower() if isinstance(a, ast.Variable) else None)))
            else:
                parts.append(self.expr(a, depth + 1))
        if key in _GROWS_TEXT:
            return f"{self._site(_sized, node, f'{b.name}: ')}(ctx, {alias}{', '.join(parts)}))"
        return f"{alias}{', '.join(parts)})"

    # ---- tracing
    def _statement_info(self, s) -> StatementInfo:
        """Where ``s`` is and its source text: from its start to the end of its line or the start
        of the next statement, without a block closer."""
        source = self.tree.source or ""
        if self._line_starts is None:
            starts = [0]
            pos = source.find("\n")
            while pos >= 0:
                starts.append(pos + 1)
                pos = source.find("\n", pos + 1)
            self._line_starts = starts
        starts = self._line_starts
        start = starts[s.line - 1] + s.column - 1 if 0 < s.line <= len(starts) else len(source)
        end = source.find("\n", start)
        end = len(source) if end < 0 else end
        nxt = self._next_stmt
        if nxt is not None and 0 < nxt.line <= len(starts):
            nxt_start = starts[nxt.line - 1] + nxt.column - 1
            if start < nxt_start < end:
                end = nxt_start
        text = source[start:end].strip()
        for opener, closer in (("%%[", "]%%"), ("%%=", "=%%"), ("<script", "</script>")):
            if text.lower().endswith(closer) and opener not in text.lower():
                text = text[:-len(closer)].rstrip()
        return StatementInfo(self.tree.name, s.line, s.column, text)


def _shift_lines(code, offset: int):
    """``code`` (and the functions and lambdas inside it) numbered ``offset`` lines further down."""
    consts = tuple(_shift_lines(c, offset) if isinstance(c, CodeType) else c for c in code.co_consts)
    return code.replace(co_firstlineno=code.co_firstlineno + offset, co_consts=consts)


_GTL_EXPRS = (gtl.Path, gtl.Literal, gtl.Escaped, gtl.Compare)


def _rows(scope, kind, name, attrs, data):
    return scope.rows(kind, name, attrs, data)


def _set_options(scope, attrs):
    return scope.set_options(attrs)


def _partial(ctx, ident: str) -> str:
    """``{{>ident}}``: stored content by key, id or name rendered as GTL+AMPscript; none -> blank."""
    ident = ident.split()[0] if ident.split() else ""
    prefix, _, rest = ident.partition(":")
    prefix = prefix.lower() if rest else ""
    if prefix == "var":
        source = ctx.vars.get(rest.lower().lstrip("@"), ctx.vars.get("@" + rest.lower().lstrip("@")))
    elif prefix in ("key", "id"):
        source = ctx.backend.content_block(**{prefix: rest})
    elif prefix:
        source = None  # get:URL (syndicated pages) is publish-time in Content Builder: blank here
    else:
        source = _gtl_field(ctx, ident)
        if source is None:
            source = ctx.backend.content_block(key=ident) or ctx.backend.content_block(name=ident)
    if source is None or source == "":
        return ""
    return ctx.run_nested(to_text(source), f"{ctx.name} (partial {ident})")


def _gtl_field(ctx, ident: str):
    value = gtl_runtime.scope(ctx).get(0, tuple(ident.split(".")))
    return None if value is None or value == "" else value


class _TooDeep(Exception):
    def __init__(self, node):
        self.node = node


# Deeply nested expressions recurse in the generator and in Python's own compiler.
sys.setrecursionlimit(max(sys.getrecursionlimit(), 4000))
