"""AST -> Python source -> one Python function per template.

Each template compiles to a single generated function (``_render(ctx)``) in which variables are
dict operations, text is a constant ``append`` and every builtin call is a direct Python call, so
a render runs at the speed of hand-written Python. Error positions cost nothing at run time:
every call that can fail is bound under its own alias (``_s12``), and when an exception escapes,
the innermost generated frame's instruction position (Python 3.11 ``co_positions``) names the
alias, hence the AMPscript node, its line and column.
"""

from __future__ import annotations

import itertools
import sys
import warnings
from collections.abc import Callable

from . import registry
from .errors import AmpscriptError, AmpscriptRuntimeError, AmpscriptSyntaxError, FunctionError, Redirected
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


def for_range(start: object, end: object, down: bool) -> range:
    """The counter values of ``FOR @i = start TO|DOWNTO end``."""
    a = to_int(start, "FOR start value")
    b = to_int(end, "FOR end value")
    return range(a, b - 1, -1) if down else range(a, b + 1)


class _Site:
    """A place in the template that can fail at run time: the node and how to word the error."""

    __slots__ = ("node", "prefix")

    def __init__(self, node: ast.Node, prefix: str):
        self.node = node
        self.prefix = prefix


class Compiled:
    """The result of compiling one template: ``run(ctx)`` executes it."""

    __slots__ = ("_func", "restricted", "_sites", "_filename", "_lines", "_line_nodes", "_name", "_source")

    def __init__(self, func, restricted, sites, filename, lines, line_nodes, name, source):
        self._func = func
        self.restricted = restricted
        self._sites = sites
        self._filename = filename
        self._lines = lines
        self._line_nodes = line_nodes
        self._name = name
        self._source = source

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
_MAX_DEPTH = 80  # Python refuses deeper indentation; real templates never come close


def compile_ast(tree: ast.Template) -> Compiled:
    gen = _Generator(tree)
    return gen.build()


class _Generator:
    def __init__(self, tree: ast.Template):
        self.tree = tree
        self.lines: list[str] = []
        self.line_nodes: dict[int, ast.Node] = {}
        self.namespace: dict[str, object] = {
            "_tt": to_text, "_eq": equals, "_cmp": compare, "_Arg": Arg,
        }
        self.sites: dict[str, _Site] = {}
        self.restricted: list[tuple[registry.Builtin, ast.Call]] = []
        self._n = 0

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

    def _emit(self, depth: int, code: str, node: ast.Node | None = None) -> None:
        if depth > _MAX_DEPTH:
            raise _TooDeep(node)
        self.lines.append("    " * depth + code)
        if node is not None:
            self.line_nodes[len(self.lines)] = node

    def build(self) -> Compiled:
        filename = f"<ampy-template-{next(_counter)}>"
        self._emit(0, "def _render(ctx):")
        self._emit(1, "V = ctx.vars")
        self._emit(1, "w = ctx.out.append")
        self._emit(1, "attr = ctx.attribute")
        try:
            self.body(self.tree.body, 1)
            source = "\n".join(self.lines) + "\n"
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # e.g. SyntaxWarning for `'x' is True` never matters here
                code = compile(source, filename, "exec")
        except (_TooDeep, RecursionError, SyntaxError, MemoryError) as e:
            node = e.node if isinstance(e, _TooDeep) and e.node is not None else None
            err = AmpscriptSyntaxError("The template nests IF/FOR/function calls too deeply")
            raise err.locate(self.tree.name, self.tree.source, node.line if node else 1,
                             node.column if node else 1) from None
        exec(code, self.namespace)
        return Compiled(self.namespace["_render"], self.restricted, self.sites, filename, self.lines,
                        self.line_nodes, self.tree.name, self.tree.source)

    # ---- statements
    def body(self, stmts, depth: int) -> None:
        start = len(self.lines)
        pending: list[str] = []
        for s in stmts:
            if isinstance(s, ast.Text):
                pending.append(s.text)
                continue
            if pending:
                self._emit(depth, f"w({''.join(pending)!r})")
                pending = []
            self.stmt(s, depth)
        if pending:
            self._emit(depth, f"w({''.join(pending)!r})")
        if len(self.lines) == start:
            self._emit(depth, "pass")

    def stmt(self, s, depth: int) -> None:
        if isinstance(s, ast.Inline):
            e = s.expr
            if isinstance(e, ast.Str):
                self._emit(depth, f"w({e.value!r})", s)
            else:
                self._emit(depth, f"w({self.text(e, depth)})", s)
        elif isinstance(s, ast.AttrOut):
            self._emit(depth, f"w(_tt(attr({s.name.lower()!r}, {s.name!r})))", s)
        elif isinstance(s, ast.SetVar):
            self._emit(depth, f"V[{s.name.lower()!r}] = {self.expr(s.expr, depth)}", s)
        elif isinstance(s, ast.VarDecl):
            for name in s.names:
                self._emit(depth, f"V[{name.lower()!r}] = None", s)
        elif isinstance(s, ast.ExprStmt):
            if isinstance(s.expr, ast.Call):  # called for its effect; the value is discarded (rule 5)
                self._emit(depth, self.expr(s.expr, depth), s)
        elif isinstance(s, ast.If):
            for i, (cond, body) in enumerate(s.branches):
                self._emit(depth, f"{'if' if i == 0 else 'elif'} {self.cond(cond, depth)}:", cond)
                self.body(body, depth + 1)
            if s.orelse is not None:
                self._emit(depth, "else:")
                self.body(s.orelse, depth + 1)
        elif isinstance(s, ast.For):
            rng = self._site(for_range, s, "")
            counter = self._name("_i")
            self._emit(depth, f"for {counter} in {rng}({self.expr(s.start, depth)}, {self.expr(s.end, depth)}, "
                              f"{s.down!r}):", s)
            self._emit(depth + 1, f"V[{s.var.lower()!r}] = {counter}", s)
            self.body(s.body, depth + 1)
        else:  # pragma: no cover
            raise AssertionError(f"unknown statement {s!r}")

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
        if depth > _MAX_DEPTH:
            raise _TooDeep(node)
        if isinstance(node, (ast.Str, ast.Num)):
            return repr(node.value)
        if isinstance(node, ast.Bool):
            return "True" if node.value else "False"
        if isinstance(node, ast.Variable):
            return f"V.get({node.name.lower()!r})"
        if isinstance(node, ast.Attribute):
            return f"attr({node.name.lower()!r}, {node.name!r})"
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        if isinstance(node, ast.Compare):
            a, b = self.expr(node.left, depth + 1), self.expr(node.right, depth + 1)
            if node.op == "==":
                return f"_eq({a}, {b})"
            if node.op == "!=":
                return f"(not _eq({a}, {b}))"
            return f"(_cmp({a}, {b}) {node.op} 0)"
        if isinstance(node, ast.And):
            return f"({self.cond(node.left, depth + 1)} and {self.cond(node.right, depth + 1)})"
        if isinstance(node, ast.Or):
            return f"({self.cond(node.left, depth + 1)} or {self.cond(node.right, depth + 1)})"
        if isinstance(node, ast.Not):
            return f"(not {self.cond(node.operand, depth + 1)})"
        raise AssertionError(f"unknown expression {node!r}")  # pragma: no cover

    def call(self, node: ast.Call, depth: int) -> str:
        b = registry.lookup(node.name)
        if b is None:
            err = AmpscriptSyntaxError(f"Unknown function '{node.name}'")
            raise err.locate(self.tree.name, self.tree.source, node.line, node.column)
        n = len(node.args)
        if n < b.min_args or (b.max_args is not None and n > b.max_args):
            err = AmpscriptSyntaxError(
                f"{b.name} takes {b.arity_text()} argument{'s' if b.max_args != 1 else ''}, got {n}")
            raise err.locate(self.tree.name, self.tree.source, node.line, node.column)
        if b.contexts != registry.ALL_CONTEXTS:
            self.restricted.append((b, node))
        key = b.name.lower()
        # Two hot builtins are inlined; both are defined in ampy.functions.utilities.
        if key == "v":
            return self.text(node.args[0], depth + 1)
        if key == "attributevalue" and isinstance(node.args[0], ast.Str) and node.args[0].value.strip():
            name = node.args[0].value.strip()  # a constant name: no need to normalise per call
            return f"(_t if (_t := attr({name.lower()!r}, {name!r})) is not None else '')"
        if key == "iif":
            c, t, f = (self.expr(a, depth + 1) for a in node.args)
            return f"({t} if (_c := {c}) is True else {f})"  # only a real boolean true selects t
        alias = self._site(b.func, node, f"{b.name}: ")
        if b.lazy:
            args = ", ".join(f"_Arg(lambda ctx: {self.expr(a, depth + 1)}, {self._const(a)})" for a in node.args)
            return f"{alias}(ctx, ({args}{',' if n == 1 else ''}))"
        parts = ["ctx"] if b.needs_context else []
        for i, a in enumerate(node.args):
            if i in b.out_params:
                parts.append(self._const(OutRef(a.name.lower() if isinstance(a, ast.Variable) else None)))
            else:
                parts.append(self.expr(a, depth + 1))
        return f"{alias}({', '.join(parts)})"


class _TooDeep(Exception):
    def __init__(self, node):
        self.node = node


# Deeply nested expressions recurse in the generator and in Python's own compiler.
sys.setrecursionlimit(max(sys.getrecursionlimit(), 4000))
