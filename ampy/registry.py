"""The one registry of builtin functions.

Each builtin is declared once with ``@builtin``: canonical name, arity, the render contexts it is
allowed in, and how it takes its arguments. Arity is checked here (at compile time), never by the
functions themselves. Lookup is by lower-cased name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

ALL_CONTEXTS = frozenset({"page", "email", "sms"})
NOT_EMAIL = frozenset({"page", "sms"})


@dataclass(frozen=True)
class Builtin:
    name: str                     # canonical spelling, e.g. "LookupOrderedRows"
    func: Callable
    min_args: int
    max_args: int | None          # None = no upper limit
    category: str
    signature: str                # e.g. "Lookup(de, returnColumn, column1, value1, [columnN, valueN]...)"
    doc: str
    contexts: frozenset[str] = ALL_CONTEXTS
    context_error: str = ""       # why it is refused elsewhere (e.g. "10004: non-sendable content only")
    needs_context: bool = False   # func(ctx, *args)
    lazy: bool = False            # func(ctx, args) with args = tuple of Arg (unevaluated)
    out_params: tuple[int, ...] = ()   # argument positions that are @variables to write to
    extra: dict = field(default_factory=dict)

    def arity_text(self) -> str:
        if self.max_args is None:
            return f"at least {self.min_args}"
        if self.min_args == self.max_args:
            return f"exactly {self.min_args}"
        return f"{self.min_args} to {self.max_args}"


_REGISTRY: dict[str, Builtin] = {}
_loaded = False


def builtin(name: str, *, min_args: int, max_args: int | None, category: str, signature: str = "",
            contexts: frozenset[str] = ALL_CONTEXTS, context_error: str = "", needs_context: bool = False,
            lazy: bool = False, out_params: tuple[int, ...] = ()):
    """Declare a builtin. The docstring's first line is its one-line behaviour."""

    def register(func: Callable) -> Callable:
        key = name.lower()
        if key in _REGISTRY:
            raise RuntimeError(f"builtin {name} declared twice")
        doc = (func.__doc__ or "").strip()
        _REGISTRY[key] = Builtin(
            name=name, func=func, min_args=min_args, max_args=max_args, category=category,
            signature=signature or f"{name}({', '.join('arg' + str(i + 1) for i in range(min_args))})",
            doc=doc, contexts=contexts, context_error=context_error,
            needs_context=needs_context or lazy, lazy=lazy, out_params=out_params)
        return func

    return register


def _load() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        from . import functions  # noqa: F401  (importing registers every category)


def lookup(name: str) -> Builtin | None:
    _load()
    return _REGISTRY.get(name.lower())


def all_builtins() -> list[Builtin]:
    _load()
    return sorted(_REGISTRY.values(), key=lambda b: b.name.lower())


def contexts_text(b: Builtin) -> str:
    """Where a function may be used, e.g. ``page, sms (refused in email: 10005: ...)``."""
    if b.contexts == ALL_CONTEXTS:
        return "page, email, sms"
    allowed = [k for k in ("page", "email", "sms") if k in b.contexts]
    refused = [k for k in ("page", "email", "sms") if k not in b.contexts]
    why = f": {b.context_error}" if b.context_error else ""
    head = ", ".join(allowed) if allowed else "none"
    return f"{head} (refused in {', '.join(refused)}{why})"


def describe(b: Builtin) -> str:
    """The documentation of one builtin (``ampy functions NAME``, editor hovers): signature,
    category, argument count, contexts, docstring."""
    doc = b.doc or "(no description)"
    return (f"{b.signature}\n\n"
            f"  category:   {b.category}\n"
            f"  arguments:  {b.arity_text()}\n"
            f"  contexts:   {contexts_text(b)}\n\n"
            f"{doc}\n")
