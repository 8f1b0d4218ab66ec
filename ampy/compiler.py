"""AST -> Python closures. Each node becomes a function with its children pre-bound, so a
render is a chain of direct calls: no tree walking, no name lookups beyond dict gets."""

from __future__ import annotations

from typing import Callable

from . import registry
from .errors import AmpscriptError, AmpscriptRuntimeError, AmpscriptSyntaxError, FunctionError
from .runtime.values import compare, condition, equals, to_int, to_text
from .syntax import ast

Eval = Callable[[object], object]
Run = Callable[[object], None]


class Arg:
    """An unevaluated argument handed to ``lazy`` builtins (IIf, Output ...)."""

    __slots__ = ("evaluate", "node")

    def __init__(self, evaluate: Eval, node: ast.Node):
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


class Compiled:
    """The result of compiling one template."""

    __slots__ = ("run", "restricted")

    def __init__(self, run: Run, restricted: list[tuple[registry.Builtin, ast.Call]]):
        self.run = run
        self.restricted = restricted


def compile_ast(tree: ast.Template) -> Compiled:
    c = _Compiler(tree)
    run = c.body(tree.body)
    return Compiled(run, c.restricted)


def _runtime_error(c: "_Compiler", node: ast.Node, message: str) -> AmpscriptRuntimeError:
    err = AmpscriptRuntimeError(message)
    err.locate(c.name, c.source, node.line, node.column)
    return err


class _Compiler:
    def __init__(self, tree: ast.Template):
        self.name = tree.name
        self.source = tree.source
        self.restricted: list[tuple[registry.Builtin, ast.Call]] = []

    # ---- statements ----------------------------------------------------------------------
    def body(self, stmts) -> Run:
        runs = self._stmt_list(stmts)
        if not runs:
            return _noop
        if len(runs) == 1:
            return runs[0]
        runs = tuple(runs)

        def run_all(ctx):
            for r in runs:
                r(ctx)

        return run_all

    def _stmt_list(self, stmts) -> list[Run]:
        runs: list[Run] = []
        pending_text: list[str] = []

        def flush():
            if pending_text:
                runs.append(_text("".join(pending_text)))
                pending_text.clear()

        for s in stmts:
            if isinstance(s, ast.Text):
                pending_text.append(s.text)
                continue
            r = self.stmt(s)
            if r is None:
                continue
            flush()
            runs.append(r)
        flush()
        return runs

    def stmt(self, s) -> Run | None:
        if isinstance(s, ast.Inline):
            e = self.expr(s.expr)

            def inline(ctx):
                ctx.out.append(to_text(e(ctx)))

            return inline
        if isinstance(s, ast.AttrOut):
            key = s.name.lower()

            def attr_out(ctx):
                ctx.out.append(to_text(ctx.attribute(key)))

            return attr_out
        if isinstance(s, ast.SetVar):
            key = s.name.lower()
            e = self.expr(s.expr)

            def set_var(ctx):
                ctx.vars[key] = e(ctx)

            return set_var
        if isinstance(s, ast.VarDecl):
            keys = tuple(n.lower() for n in s.names)

            def declare(ctx):
                v = ctx.vars
                for k in keys:
                    v[k] = None

            return declare
        if isinstance(s, ast.ExprStmt):
            e = self.expr(s.expr)
            if isinstance(s.expr, ast.Call):
                return e  # called for its effect; the value is discarded (rule 5)
            return None  # a lone @var or literal does nothing
        if isinstance(s, ast.If):
            return self._if(s)
        if isinstance(s, ast.For):
            return self._for(s)
        raise AssertionError(f"unknown statement {s!r}")

    def _cond(self, node) -> Eval:
        e = self.expr(node)
        comp = self

        if isinstance(node, (ast.Compare, ast.And, ast.Or, ast.Not, ast.Bool)):
            return e  # already a bool

        def cond(ctx):
            try:
                return condition(e(ctx))
            except FunctionError as exc:
                raise _runtime_error(comp, node, str(exc)) from None

        return cond

    def _if(self, s: ast.If) -> Run:
        branches = tuple((self._cond(c), self.body(b)) for c, b in s.branches)
        orelse = self.body(s.orelse) if s.orelse is not None else None
        if len(branches) == 1:
            (c0, b0), = branches

            def if1(ctx):
                if c0(ctx):
                    b0(ctx)
                elif orelse is not None:
                    orelse(ctx)

            return if1

        def if_chain(ctx):
            for c, b in branches:
                if c(ctx):
                    b(ctx)
                    return
            if orelse is not None:
                orelse(ctx)

        return if_chain

    def _for(self, s: ast.For) -> Run:
        key = s.var.lower()
        start_e, end_e = self.expr(s.start), self.expr(s.end)
        body = self.body(s.body)
        down = s.down
        comp = self

        def for_loop(ctx):
            try:
                a = to_int(start_e(ctx), "FOR start value")
                b = to_int(end_e(ctx), "FOR end value")
            except FunctionError as exc:
                raise _runtime_error(comp, s, str(exc)) from None
            v = ctx.vars
            rng = range(a, b - 1, -1) if down else range(a, b + 1)
            for i in rng:
                v[key] = i
                body(ctx)

        return for_loop

    # ---- expressions ---------------------------------------------------------------------
    def expr(self, node) -> Eval:
        if isinstance(node, (ast.Str, ast.Num, ast.Bool)):
            value = node.value
            return lambda ctx: value
        if isinstance(node, ast.Variable):
            key = node.name.lower()
            return lambda ctx: ctx.vars.get(key)
        if isinstance(node, ast.Attribute):
            key = node.name.lower()
            return lambda ctx: ctx.attribute(key)
        if isinstance(node, ast.Call):
            return self._call(node)
        if isinstance(node, ast.Compare):
            return self._compare(node)
        if isinstance(node, ast.And):
            a, b = self._cond(node.left), self._cond(node.right)
            return lambda ctx: a(ctx) and b(ctx)
        if isinstance(node, ast.Or):
            a, b = self._cond(node.left), self._cond(node.right)
            return lambda ctx: a(ctx) or b(ctx)
        if isinstance(node, ast.Not):
            a = self._cond(node.operand)
            return lambda ctx: not a(ctx)
        raise AssertionError(f"unknown expression {node!r}")

    def _compare(self, node: ast.Compare) -> Eval:
        a, b = self.expr(node.left), self.expr(node.right)
        op = node.op
        if op == "==":
            return lambda ctx: equals(a(ctx), b(ctx))
        if op == "!=":
            return lambda ctx: not equals(a(ctx), b(ctx))
        if op == "<":
            return lambda ctx: compare(a(ctx), b(ctx)) < 0
        if op == ">":
            return lambda ctx: compare(a(ctx), b(ctx)) > 0
        if op == "<=":
            return lambda ctx: compare(a(ctx), b(ctx)) <= 0
        return lambda ctx: compare(a(ctx), b(ctx)) >= 0

    def _call(self, node: ast.Call) -> Eval:
        b = registry.lookup(node.name)
        if b is None:
            err = AmpscriptSyntaxError(f"Unknown function '{node.name}'")
            raise err.locate(self.name, self.source, node.line, node.column)
        n = len(node.args)
        if n < b.min_args or (b.max_args is not None and n > b.max_args):
            err = AmpscriptSyntaxError(
                f"{b.name} takes {b.arity_text()} argument{'s' if b.max_args != 1 else ''}, got {n}")
            raise err.locate(self.name, self.source, node.line, node.column)
        if b.contexts != registry.ALL_CONTEXTS:
            self.restricted.append((b, node))
        func = b.func
        comp = self

        if b.lazy:
            lazy_args = tuple(Arg(self.expr(a), a) for a in node.args)

            def call_lazy(ctx):
                try:
                    return func(ctx, lazy_args)
                except FunctionError as exc:
                    raise _runtime_error(comp, node, f"{b.name}: {exc}") from None
                except AmpscriptError:
                    raise
                except Exception as exc:  # a bug in a builtin must still surface as a script error
                    raise _runtime_error(comp, node, f"{b.name} failed: {exc.__class__.__name__}: {exc}") \
                        from exc

            return call_lazy

        args: list[Eval] = []
        for i, a in enumerate(node.args):
            if i in b.out_params:
                ref = OutRef(a.name.lower() if isinstance(a, ast.Variable) else None)
                args.append(lambda ctx, ref=ref: ref)
            else:
                args.append(self.expr(a))
        evals = tuple(args)
        with_ctx = b.needs_context

        def fail(exc: Exception):
            if isinstance(exc, FunctionError):
                return _runtime_error(comp, node, f"{b.name}: {exc}")
            return _runtime_error(comp, node, f"{b.name} failed: {exc.__class__.__name__}: {exc}")

        if with_ctx:
            if n == 1:
                (e0,) = evals

                def call1c(ctx):
                    try:
                        return func(ctx, e0(ctx))
                    except AmpscriptError:
                        raise
                    except Exception as exc:
                        raise fail(exc) from (None if isinstance(exc, FunctionError) else exc)

                return call1c

            def callnc(ctx):
                try:
                    return func(ctx, *[e(ctx) for e in evals])
                except AmpscriptError:
                    raise
                except Exception as exc:
                    raise fail(exc) from (None if isinstance(exc, FunctionError) else exc)

            return callnc
        if n == 1:
            (e0,) = evals

            def call1(ctx):
                try:
                    return func(e0(ctx))
                except AmpscriptError:
                    raise
                except Exception as exc:
                    raise fail(exc) from (None if isinstance(exc, FunctionError) else exc)

            return call1
        if n == 2:
            e0, e1 = evals

            def call2(ctx):
                try:
                    return func(e0(ctx), e1(ctx))
                except AmpscriptError:
                    raise
                except Exception as exc:
                    raise fail(exc) from (None if isinstance(exc, FunctionError) else exc)

            return call2

        def calln(ctx):
            try:
                return func(*[e(ctx) for e in evals])
            except AmpscriptError:
                raise
            except Exception as exc:
                raise fail(exc) from (None if isinstance(exc, FunctionError) else exc)

        return calln


def _noop(ctx) -> None:
    return None


def _text(text: str) -> Run:
    def emit(ctx):
        ctx.out.append(text)

    return emit
