"""The JavaScript engine of one render: a fresh QuickJS runtime and context with the bridge, the
library files and the render's limits, running one compiled program.

Nothing outlives a render: each run makes its own runtime and context (about 0.1 ms). What can be
shared is compiled once per process: the library files (``js/*.js``) and each page's program become
QuickJS bytecode, which a new context loads without parsing again; library files a page does not
use never run in its context (``_Library``).
"""

from __future__ import annotations

import re
import threading
from importlib import resources
from time import monotonic

from ..errors import AmpscriptError, AmpscriptInternalError, AmpscriptRuntimeError, AmpscriptSyntaxError, Redirected
from ..limits import how_to_raise
from . import runtimes
from .bridge import SsjsRender, install

PROGRAM_FILE = "<ssjs>"
# Set this key in ctx.cache before a render to get the script's completion value, as text, there.
ECHO = "ssjs.echo"
# The program runs inside a try so an uncaught value can be described (an Error's stack, an ampy
# error's identity); the wrapper's first line holds no script code, so script line n is line n + 1.
_WRAP_HEAD = "var __ampyFailure = null; try {\n"
_WRAP_TAIL = "\n} catch (__ampyE) { __ampyFailure = __describe(__ampyE); }"
WRAP_LINES = 1

_STACK_FRAME = re.compile(r"\(?" + re.escape(PROGRAM_FILE) + r":(\d+):(\d+)\)?")
_lock = threading.Lock()
_library = None


def _quickjs():
    import quickjs

    return quickjs


def library_sources() -> list[tuple[str, str]]:
    """``prelude.js`` first, then the other ``js/*.js`` files alphabetically."""
    files = [f for f in resources.files(__package__).joinpath("js").iterdir() if f.name.endswith(".js")]
    files.sort(key=lambda f: (f.name != "prelude.js", f.name))
    return [(f.name, f.read_text(encoding="utf-8")) for f in files]


def _load_hosts() -> None:
    """Import every module of this package: importing one registers its host namespaces."""
    import importlib
    import pkgutil

    package = importlib.import_module(__package__)
    for info in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{__package__}.{info.name}")


# Each global's name with its properties' names, three levels deep: what a library file adds
# anywhere (Script.Util.X included) changes the entry of the global it adds to.
_SHAPES = """(function (names, g) {
    function shape(o, depth, seen) {
        if (depth === 0 || o === null || (typeof o !== "object" && typeof o !== "function")) return "";
        for (var i = 0; i < seen.length; i++) if (seen[i] === o) return "";
        seen.push(o);
        var own = names(o).sort(), out = [];
        for (var j = 0; j < own.length; j++) {
            var v;
            try { v = o[own[j]]; } catch (e) { v = null; }
            out.push(own[j] + "{" + shape(v, depth - 1, seen) + "}");
        }
        return out.join(",");
    }
    return function () {
        var own = names(g), out = {};
        for (var i = 0; i < own.length; i++) out[own[i]] = shape(g[own[i]], 3, [g]);
        return out;
    };
})(Object.getOwnPropertyNames, this)"""

# Run in every context; the other library files (Core, HTTP, WSProxy) are deferred when they can be.
_ALWAYS = ("prelude.js", "platform.js")
# Runs when the global Date is first used (prelude.js): most pages never touch a Date.
_DATES = "dates.js"


class _Library:
    """The library files as bytecode. ``eager`` runs in every context. ``lazy`` — the files after
    ``_ALWAYS``, when together they only add globals of their own and Core installers — runs on
    first use of a global it defines (``lazy_top``, e.g. ``Script``) or, after
    ``Platform.Load("core")``, that its installers define (``lazy_core``, e.g. ``DataExtension``):
    a page pays only for what it uses."""

    def __init__(self):
        _load_hosts()
        js = _quickjs().Runtime().new_context()
        sources = library_sources()
        self.dates = js.compile(dict(sources)[_DATES], "<ssjs library>").write_object()
        sources = [(name, text) for name, text in sources if name != _DATES]
        always = [(name, text) for name, text in sources if name in _ALWAYS]
        others = [(name, text) for name, text in sources if name not in _ALWAYS]
        eager_text = "\n;\n".join(text for _name, text in always)
        lazy_text = "\n;\n".join(text for _name, text in others) or ";"
        self.lazy = js.compile(lazy_text, "<ssjs library>").write_object()
        probe = self._probe(js.compile(eager_text + "\n;__seal();\n", "<ssjs library>").write_object())
        if probe is None:   # the other files change what is already there: run everything eagerly
            eager_text = "\n;\n".join(text for _name, text in sources)
            self.lazy, self.lazy_top, self.lazy_core = js.compile(";", "<ssjs library>").write_object(), [], []
        else:
            self.lazy_top, self.lazy_core = probe
        self.eager = js.compile(eager_text + "\n;__seal();\n", "<ssjs library>").write_object()

    def _probe(self, eager: bytes):
        """(lazy_top, lazy_core) when the lazy files only add globals and installers, else None."""
        quickjs = _quickjs()

        def context(with_lazy: bool):
            js = quickjs.Runtime().new_context()
            install(js, SsjsRender(None, js))
            js.set("__loadLazy", js.new_function(
                lambda: (js.eval_function(js.read_object(self.lazy)) and None) if with_lazy else None, "__loadLazy"))
            js.set("__loadDates", js.new_function(lambda: js.eval_function(js.read_object(self.dates)) and None,
                                                  "__loadDates"))
            shapes = js.eval(_SHAPES)
            js.eval_function(js.read_object(eager))
            return js, shapes

        js, shapes = context(True)
        before = shapes().to_python()
        try:
            js.eval_function(js.read_object(self.lazy))
        except quickjs.JSError:
            return None
        after = shapes().to_python()
        if any(after.get(name) != shape for name, shape in before.items()):
            return None
        top = sorted(set(after) - set(before))
        loaded = {}
        for with_lazy in (True, False):
            js, _shapes = context(False)
            if with_lazy:
                js.eval_function(js.read_object(self.lazy))
            js.eval("__loadCore()")
            loaded[with_lazy] = set(js.eval("(function (g) { var n = []; for (var k in g) n.push(k); "
                                            "return n.join(); })(this)").split(","))
        return top, sorted(loaded[True] - loaded[False] - set(top) - {""})

    def warm(self, rt):
        """The library read into a context that never runs (kept with a reused runtime): its
        names stay interned in the runtime between renders."""
        js = rt.new_context()
        return js, [js.read_object(blob) for blob in (self.eager, self.lazy, self.dates)]

    def load(self, js, render: SsjsRender) -> None:
        """Give a fresh context the library: the eager files now, the others on first use."""
        lazy = self.lazy

        def load_lazy() -> None:
            # Through the render, whose close() drops the context: no cycle keeps the context alive.
            render.js.eval_function(render.js.read_object(lazy))

        def load_dates() -> None:
            render.js.eval_function(render.js.read_object(dates))

        dates = self.dates
        js.set("__loadLazy", js.new_function(load_lazy, "__loadLazy"))
        js.set("__loadDates", js.new_function(load_dates, "__loadDates"))
        js.set("__lazyTop", self.lazy_top)
        js.set("__lazyCore", self.lazy_core)
        js.eval_function(js.read_object(self.eager))


def _library_bytecode() -> _Library:
    global _library
    if _library is None:
        with _lock:
            if _library is None:
                _library = _Library()
    return _library


def compile_program(code: str) -> bytes:
    """The program wrapped and compiled to bytecode; a syntax error raises quickjs.JSError."""
    js = _quickjs().Runtime().new_context()
    return js.compile(_WRAP_HEAD + code + _WRAP_TAIL, PROGRAM_FILE).write_object()


class Program:
    """A compiled SSJS program and how to map its lines back to the template."""

    __slots__ = ("bytecode", "locate", "name", "source", "start", "catches", "marked")

    def __init__(self, bytecode: bytes, locate, name: str, source: str, start: tuple[int, int] = (1, 1),
                 marked=None):
        self.bytecode = bytecode
        self.locate = locate    # (script line, column) -> (template line, column)
        self.name = name
        self.source = source
        self.start = start      # where the first script block's code begins in the template
        self.catches = True     # has a try statement, which may have caught running out of memory
        self.marked = marked    # throws.Marked: the throw statements, wrapped (None: not wrapped)

    def throw_position(self, k) -> tuple[int, int] | None:
        """The template position of throw statement ``k``, None when unknown."""
        if self.marked is None or not isinstance(k, int) or not 0 <= k < len(self.marked.throws):
            return None
        return self.locate(*self.marked.throws[k])


def run(program: Program, ctx, page=None) -> SsjsRender:
    """Execute ``program`` in the render context ``ctx``; ``page`` runs the AMPscript segments.
    Raises AmpscriptRuntimeError (positioned in the template) when the script fails."""
    library = _library_bytecode()
    lease = runtimes.borrow(ctx.limits.js_memory, library.warm)
    clean = False
    try:
        js = lease.rt.new_context()
        render = SsjsRender(ctx, js)
        render.page = page
        deadline = ctx.deadline

        def interrupt() -> bool:
            return render.stop is not None or render.bug is not None or monotonic() > deadline

        lease.rt.set_interrupt_handler(interrupt)
        try:
            install(js, render)
            library.load(js, render)
            failure = _execute(program, ctx, lease, js)
            _finish(program, render, failure)
            clean = True
        finally:
            # The context holds Python callbacks that hold the render: break the cycle so the
            # context is freed now, before the runtime goes to the next render.
            render.close()
            del js
    finally:
        runtimes.give_back(lease, clean)
    return render


def _execute(program: Program, ctx, lease, js):
    """Run the program; what stopped it as [ampy error index or None, text, stack, throw statement
    number or None], or None."""
    quickjs = _quickjs()
    limits = ctx.limits
    failure = None
    try:
        value = js.eval_function(js.read_object(program.bytecode))
        if ECHO in ctx.cache:   # the REPL shows the value of the last statement
            ctx.cache[ECHO] = js.get("__show")(value)
        failure = js.get("__ampyFailure")
        if failure is not None:
            failure = failure.to_python(deep=True)
        else:
            js.get("__flush")()     # the last writes (a failed render's output is thrown away)
    except quickjs.JSError as exc:
        failure = [None, str(exc), getattr(exc, "js_stack", "") or "", None]
    if failure is not None and (failure[1] == "null" or "out of memory" in failure[1]):
        # Out of memory throws null when even the error object cannot be made: tell it from a
        # script's own `throw null` by the heap, which is then at the limit.
        if "out of memory" in failure[1] or _near_memory_limit(lease, limits):
            failure[1] = "InternalError: out of memory"
    elif failure is None and program.catches and _near_memory_limit(lease, limits):
        # A try may have caught running out of memory: the limit is not the script's to catch.
        failure = [None, "InternalError: out of memory", "", None]
    return failure


def _near_memory_limit(lease, limits) -> bool:
    return lease.used() >= 0.9 * limits.js_memory


def _finish(program: Program, render: SsjsRender, failure) -> None:
    """Raise what stopped the script, if anything did."""
    if render.bug is not None:
        bug = render.bug
        if isinstance(bug, AmpscriptInternalError) and bug.line > 0:
            raise bug   # from AMPscript between the blocks, already positioned
        err = AmpscriptInternalError(f"Internal error in a server-side JavaScript call (please report it): {bug}",
                                     cause=bug)
        line, col = stack_position(program, failure[2] if failure else "")
        raise err.locate(program.name, program.source, line, col) from bug
    if render.redirect is not None:   # the page answers with the redirect, whatever came after it
        raise Redirected(render.redirect)
    stop = render.stop
    if stop is not None:
        if isinstance(stop, Redirected):
            raise stop
        if isinstance(stop, AmpscriptError):
            raise stop
        line, col = stack_position(program, failure[2] if failure else "")
        raise AmpscriptRuntimeError(str(stop)).locate(program.name, program.source, line, col)
    if failure is None:
        return
    index, text, stack, thrown = failure
    if index is not None and 0 <= index < len(render.errors):
        err = render.errors[index]
        if err.line > 0:
            raise err
        line, col = stack_position(program, stack)
        raise err.locate(program.name, program.source, line, col)
    line, col = stack_position(program, stack)
    if not _STACK_FRAME.search(stack or "") and program.throw_position(thrown) is not None:
        line, col = program.throw_position(thrown)   # a thrown value that is not an Error
    if text == "InternalError: interrupted":
        line, col = program.start    # QuickJS keeps no position for an interrupted loop
        if monotonic() > render.context.deadline:
            message = f"The render ran longer than {render.limits.wall_time:g} seconds ({how_to_raise('wall_time')})"
        else:
            message = "The script was interrupted"
    elif text == "InternalError: out of memory":
        if not stack:
            line, col = program.start
        message = (f"The script used more than {render.limits.js_memory} bytes of memory "
                   f"({how_to_raise('js_memory')})")
    elif text.startswith("SyntaxError"):
        raise AmpscriptSyntaxError(f"SSJS: {text}").locate(program.name, program.source, line, col)
    else:
        message = f"SSJS: uncaught {text}"
    raise AmpscriptRuntimeError(message).locate(program.name, program.source, line, col)


def stack_position(program: Program, stack: str) -> tuple[int, int]:
    """The template position of the innermost program frame in a QuickJS stack."""
    for m in _STACK_FRAME.finditer(stack or ""):
        line, col = int(m.group(1)) - WRAP_LINES, int(m.group(2))
        if line >= 1:
            if program.marked is not None:
                col = program.marked.unshift(line, col)
            return program.locate(line, col)
    return program.locate(1, 1)


def stop(render: SsjsRender, exc: BaseException):
    """Stop the script for good (a limit, a redirect): the interrupt handler ends it, whatever
    the script catches."""
    render.stop = exc
    raise exc


__all__ = ["ECHO", "Program", "compile_program", "run", "stop"]
