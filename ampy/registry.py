"""The one registry of builtin functions.

Each builtin is declared once with ``@builtin``: canonical name, arity, the render contexts it is
allowed in, and how it takes its arguments. Arity is checked here (at compile time), never by the
functions themselves. Lookup is by lower-cased name.

Function modules are imported on demand: ``ampy/functions/_index.py`` (generated from the
declarations by ``scripts/gen_function_index.py``, checked by the tests) says which module declares
each name, so compiling ``Add(1, 2)`` imports the math module only. Listing all builtins, or a name
the index does not know, imports every module.
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
_MODULE_OF: dict[str, str] = {}  # lower-cased name -> the module that declared it (for the index)
_loaded = False


def builtin(name: str, *, min_args: int, max_args: int | None, category: str, signature: str = "",
            contexts: frozenset[str] = ALL_CONTEXTS, context_error: str = "", needs_context: bool = False,
            lazy: bool = False, out_params: tuple[int, ...] = (), local: str = "", soap: str = ""):
    """Declare a builtin. The docstring's first line is its one-line behaviour. ``local`` and
    ``soap`` say what it does with the local cloud and with a tenant over SOAP (the reference page's
    backend column); left out, the declaring module's ``BACKEND_NOTES`` (``{"local": ..., "soap":
    ..., "pure": names that do not use the backend}``) applies, and without that the function does
    not depend on the backend."""

    def register(func: Callable) -> Callable:
        key = name.lower()
        if key in _REGISTRY:
            raise RuntimeError(f"builtin {name} declared twice")
        doc = (func.__doc__ or "").strip()
        notes = func.__globals__.get("BACKEND_NOTES") or {}
        if name in notes.get("pure", ()):
            notes = {}
        _REGISTRY[key] = Builtin(
            name=name, func=func, min_args=min_args, max_args=max_args, category=category,
            signature=signature or f"{name}({', '.join('arg' + str(i + 1) for i in range(min_args))})",
            doc=doc, contexts=contexts, context_error=context_error,
            needs_context=needs_context or lazy, lazy=lazy, out_params=out_params,
            extra={"local": local or notes.get("local", ""), "soap": soap or notes.get("soap", "")})
        _MODULE_OF[key] = func.__module__
        return func

    return register


def _load() -> None:
    global _loaded
    if not _loaded:
        from .functions import load_all

        load_all()  # importing a module registers its builtins
        _loaded = True


def lookup(name: str) -> Builtin | None:
    key = name.lower()
    found = _REGISTRY.get(key)
    if found is None and not _loaded:
        from importlib import import_module

        from .functions._index import MODULE_OF

        module = MODULE_OF.get(key)
        if module is not None:
            import_module(f"{__package__}.functions.{module}")
            found = _REGISTRY.get(key)
        if found is None:
            _load()
            found = _REGISTRY.get(key)
    return found


def declaring_modules() -> dict[str, str]:
    """Every builtin's lower-cased name -> the short name of the module declaring it."""
    _load()
    return {key: module.rsplit(".", 1)[-1] for key, module in sorted(_MODULE_OF.items())}


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
    backends = "".join(f"  {label:<11} {b.extra[key]}\n" for key, label in (("local", "local:"), ("soap", "over SOAP:"))
                       if b.extra.get(key))
    return (f"{b.signature}\n\n"
            f"  category:   {b.category}\n"
            f"  arguments:  {b.arity_text()}\n"
            f"  contexts:   {contexts_text(b)}\n"
            f"{backends}\n"
            f"{doc}\n")


def closest_names(name: str, n: int = 3) -> list[str]:
    """Builtin names close to a misspelled one ("PropperCase" -> ["ProperCase"]), as registered."""
    import difflib

    names = {b.name.lower(): b.name for b in all_builtins()}
    return [names[c] for c in difflib.get_close_matches(name.lower(), list(names), n=n, cutoff=0.6)]
