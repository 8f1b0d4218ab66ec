"""Templates: parse + compile once (cached by name and source), render many times."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping

from . import engine_defaults
from .compiler import compile_ast
from .errors import AmpscriptRuntimeError, AmpscriptSyntaxError, Redirected
from .limits import DEFAULT_LIMITS, LimitExceeded, Limits, how_to_raise
from .runtime.context import RenderContext
from .ssjs.blocks import MAYBE as _SSJS_HINT  # a cheap test: no match, no server-side JavaScript
from .syntax import ast

RENDER_CONTEXTS = ("page", "email", "sms")

# Makes the backend of a render that names none (else engine_defaults.backend_factory, which the
# package sets in ampy/__init__.py to the backends' empty local cloud): the engine does not import
# the backends, which sit above it (sends and content validation in the local cloud compile templates).
_default_backend = None


def set_default_backend(factory) -> None:
    """Install the zero-argument callable that gives the backend of renders without one."""
    global _default_backend
    _default_backend = factory


class Template:
    """A compiled AMPscript template; ``render`` may be called any number of times."""

    __slots__ = ("name", "source", "tree", "_compiled", "_variants")

    def __init__(self, source: str, name: str = "<string>", *, limits: Limits | None = None, gtl: bool = True):
        """Parse and compile; ``limits`` (default: the defaults) bounds the template's size and
        nesting (template_size, nesting_depth); ``gtl`` false leaves Guide Template Language
        tags (``{{...}}``) as text."""
        limits = DEFAULT_LIMITS if limits is None else _checked(limits)
        check_template_size(source, name, limits)
        self.name = name
        if not source.isascii():
            source = _without_lone_surrogates(source)
        self.source = source
        self._variants = None
        if _SSJS_HINT.search(source):  # server-side JavaScript: one program with the AMPscript between
            from .ssjs.page import compile_page

            page = compile_page(source, name, limits.nesting_depth, gtl)
            if page is not None:
                self.tree, self._compiled = page.tree, page
                return
        from .syntax.parser import parse  # loaded with the first template (Lark only for mistakes and GTL)

        self.tree = parse(source, name, gtl=gtl)
        self._compiled = compile_ast(self.tree, limits.nesting_depth)

    @classmethod
    def from_tree(cls, tree: ast.Template) -> Template:
        """A Template for a syntax tree built or rewritten in code (the REPL's echo of a lone
        expression); its name and source are the tree's."""
        tpl = cls.__new__(cls)
        tpl.name, tpl.source, tpl.tree = tree.name, tree.source, tree
        tpl._compiled = compile_ast(tree)
        tpl._variants = None
        return tpl

    def render(self, *, attributes: Mapping[str, object] | None = None, backend=None, context: str = "page",
               request=None, sms=None, settings=None, now=None, send=None, limits: Limits | None = None,
               trace=None, strict: bool = False, content_type: str = "html") -> str:
        """Render once with these subscriber attributes against ``backend``.

        A runtime error raises AmpscriptRuntimeError and nothing is returned (rule 8). The render
        runs under ``limits`` (default: the settings' ``[limits]``); going over one is such an error.
        ``trace`` (a callable) receives one dict per executed statement and a last one with the
        variables (see ampy.runtime.trace); ``strict`` makes an attribute the subscriber does not
        have an error instead of an empty string. ``content_type`` ``html`` (default) or ``text``
        decides whether GTL ``{{name}}`` output is HTML-escaped (SMS content is always text).
        """
        if context != "page" and context not in RENDER_CONTEXTS:
            raise ValueError(f"render context must be one of {', '.join(RENDER_CONTEXTS)}, not {context!r}")
        if limits is not None:
            _checked(limits)
        if content_type not in ("html", "text"):
            raise ValueError(f"content_type must be html or text, not {content_type!r}")
        if backend is None:
            backend = (_default_backend or engine_defaults.backend_factory)()
        if settings is None:
            settings = getattr(backend, "settings", None)  # a workspace backend carries its ampy.toml
        tracer = None
        if trace is not None:
            from .runtime.trace import Tracer, TracingBackend

            tracer = Tracer(trace)
            backend = TracingBackend(backend, tracer)
        ctx = RenderContext(attributes=attributes, backend=backend, kind=context, name=self.name,
                            request=request, sms=sms, settings=settings, now=now, send=send, limits=limits)
        if tracer is not None or strict:
            ctx.tracer, ctx.strict = tracer, bool(strict)
        if content_type != "html":
            ctx.cache["gtl.content_type"] = content_type
        try:
            self.run(ctx)
        except Redirected:
            return ""  # Redirect(): HTTP 302, the page's output is thrown away
        finally:
            if tracer is not None:
                tracer.finish(ctx)
        out = "".join(ctx.out)
        if len(out) > ctx.limits.output_size:  # loops check as they go; this catches the rest
            try:
                ctx.check_output()
            except LimitExceeded as e:
                raise AmpscriptRuntimeError(str(e)).locate(self.name, self.source, 1, 1) from None
        return out

    def run(self, ctx: RenderContext) -> None:
        """Execute in an existing context (TreatAsContent, content blocks, the REPL)."""
        compiled = self._compiled
        if ctx.tracer is not None or ctx.strict:
            compiled = self._variant(ctx.tracer is not None, ctx.strict)
        if compiled.restricted:
            self.check_context(ctx.kind)
        compiled.run(ctx)

    def _variant(self, trace: bool, strict: bool):
        """The traced and/or strict compile of this template, made on first use and kept."""
        variants = self._variants
        if variants is None:
            variants = self._variants = {}
        compiled = variants.get((trace, strict))
        if compiled is None and hasattr(self._compiled, "variant"):  # a page with server-side JavaScript
            compiled = variants[(trace, strict)] = self._compiled.variant(trace, strict)
        if compiled is None:
            compiled = variants[(trace, strict)] = compile_ast(self.tree, max(self._compiled.depth, 1) + 1,
                                                               trace=trace, strict=strict)
        return compiled

    def check_context(self, kind: str) -> None:
        """Raise AmpscriptRuntimeError at the first builtin this render context refuses."""
        for b, node in self._compiled.restricted:
            if kind not in b.contexts:
                why = f" ({b.context_error})" if b.context_error else ""
                err = AmpscriptRuntimeError(f"{b.name} is not allowed in {kind} content{why}")
                raise err.locate(self.name, self.source, node.line, node.column)

    def functions_used(self) -> list[str]:
        return sorted({n.name for n in ast.walk(self.tree.body) if isinstance(n, ast.Call)})


def _checked(limits) -> Limits:
    if not isinstance(limits, Limits):
        raise TypeError(f"limits must be an ampy.Limits, not {type(limits).__name__}")
    return limits


def _check_cached(tpl: Template, limits: Limits) -> None:
    """A template compiled earlier under other limits must still fit these."""
    check_template_size(tpl.source, tpl.name, limits)
    if tpl._compiled.depth > limits.nesting_depth:
        Template(tpl.source, tpl.name, limits=limits)  # raises the error a first compile would


def _without_lone_surrogates(source: str) -> str:
    """Text from files is always valid Unicode; a Python caller can pass lone UTF-16 surrogates,
    which no encoder accepts later on (databases, HTTP, hashes). Pair them up or make them U+FFFD."""
    try:
        source.encode("utf-8")
        return source
    except UnicodeEncodeError:
        return source.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def check_template_size(source: str, name: str, limits: Limits) -> None:
    """A source longer than template_size is refused before it is parsed, at the first character
    past the limit."""
    limit = limits.template_size
    if len(source) <= limit:
        return
    line = source.count("\n", 0, limit) + 1
    line_start = source.rfind("\n", 0, limit) + 1
    err = AmpscriptSyntaxError(f"The template is {len(source)} characters long, more than {limit} "
                               f"({how_to_raise('template_size')})")
    err.locate(name, None, line, limit - line_start + 1)
    line_end = source.find("\n", limit)
    if (line_end if line_end >= 0 else len(source)) - line_start <= 1000:  # a short line can be shown
        err.source_line = source[line_start:line_end if line_end >= 0 else len(source)].rstrip("\r")
    raise err


_CACHE: "OrderedDict[tuple, Template]" = OrderedDict()
_CACHE_SIZE = 512
_lock = threading.Lock()


def compile_template(source: str, name: str = "<string>", limits: Limits | None = None,
                     gtl: bool = True) -> Template:
    """Parse and compile, or return the cached Template for this (name, source); ``limits``
    (default: the defaults) bounds its size and nesting; ``gtl`` false leaves GTL tags as text."""
    key = (name, source) if gtl else (name, source, False)
    tpl = _CACHE.get(key)
    if tpl is not None:
        if limits is not None and limits is not DEFAULT_LIMITS:
            _check_cached(tpl, _checked(limits))
        return tpl
    tpl = Template(source, name, limits=limits, gtl=gtl)
    with _lock:
        _CACHE[key] = tpl
        if len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return tpl
