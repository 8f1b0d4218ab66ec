"""The state of one render: variables, attributes, output buffer, backend, fixed clock."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from ..errors import FunctionError
from ..settings import DEFAULT_SETTINGS
from .system_attributes import system_attribute

MAX_NESTING = 30  # TreatAsContent / content blocks calling each other


class RenderContext:
    """Everything a compiled template and the builtins read or write during one render."""

    __slots__ = ("vars", "_raw_attrs", "_attrs", "out", "backend", "kind", "name", "request", "sms", "settings",
                 "_now", "depth", "cache", "send")

    def __init__(self, *, attributes: Mapping[str, object] | None = None, backend=None, kind: str = "page",
                 name: str = "<string>", request=None, sms=None, settings=None, now: datetime | None = None,
                 send=None):
        self.vars: dict[str, object] = {}
        # Attributes as given; the lower-cased index is built only when a name misses (see attribute).
        self._raw_attrs: Mapping[str, object] = attributes or {}
        self._attrs: dict[str, object] | None = None
        self.out: list[str] = []
        self.backend = backend
        self.kind = kind
        self.name = name
        self.request = request      # Sites functions: query/form parameters, headers, URL
        self.sms = sms              # MobileConnect message context
        # ampy.settings.Settings: time zone, culture, keys, HTTP policy
        self.settings = DEFAULT_SETTINGS if settings is None else settings
        self._now = now
        self.depth = 0
        self.cache: dict = {}       # per-render caches (rows read, ...)
        self.send = send            # the running send job, when rendering for a send

    @property
    def now(self) -> datetime:
        """``Now()``: fixed for the whole render (rule 23)."""
        if self._now is None:
            from .dates import system_now

            self._now = system_now()
        return self._now

    @property
    def attrs(self) -> dict[str, object]:
        """Attributes by lower-cased name (a mutable dict: the REPL's :attr writes here)."""
        if self._attrs is None:
            self._attrs = _lower_keys(self._raw_attrs)
        self._raw_attrs = {}  # from now on the lower-cased dict is the only truth
        return self._attrs

    def attribute(self, key: str, spelled: str | None = None) -> object:
        """A subscriber attribute or system string by lower-cased name; unknown → None.

        ``spelled`` is the name as the template wrote it: when the caller's dict uses the same
        spelling (the common case) it answers without building the case-insensitive index."""
        if spelled is not None:
            value = self._raw_attrs.get(spelled, _MISSING)
            if value is not _MISSING:
                return value
        attrs = self._attrs
        if attrs is None:
            attrs = self._attrs = _lower_keys(self._raw_attrs)
        value = attrs.get(key, _MISSING)
        if value is _MISSING:
            return system_attribute(self, key)
        return value

    def start_next_render(self) -> None:
        """Begin another render in this same context (the REPL runs each input this way): a fresh
        output buffer, clock (``Now()`` is fixed per render) and per-render caches; variables and
        attributes carry over."""
        self.out = []
        self._now = None
        self.cache = {}
        self.depth = 0

    def run_nested(self, source: str, name: str) -> str:
        """Run ``source`` as a template in this scope and return what it wrote (rule 7)."""
        if self.depth >= MAX_NESTING:
            raise FunctionError(f"Content nested more than {MAX_NESTING} levels deep (a block including itself?)")
        from ..template import compile_template

        tpl = compile_template(source, name=name)
        saved = self.out
        self.out = []
        self.depth += 1
        try:
            tpl.run(self)
            return "".join(self.out)
        finally:
            self.depth -= 1
            self.out = saved


_MISSING = object()


def _lower_keys(attributes: Mapping[str, object]) -> dict[str, object]:
    """Attribute names are case-insensitive: index them by their lower-cased form."""
    out = {}
    for k, v in attributes.items():
        out[k.lower() if k.__class__ is str else str(k).lower()] = v
    return out
