"""The state of one render: variables, attributes, output buffer, backend, fixed clock."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from ..errors import FunctionError

MAX_NESTING = 30  # TreatAsContent / content blocks calling each other


class RenderContext:
    """Everything a compiled template and the builtins read or write during one render."""

    __slots__ = ("vars", "attrs", "out", "backend", "kind", "name", "request", "sms", "settings",
                 "_now", "depth", "cache", "send")

    def __init__(self, *, attributes: Mapping[str, object] | None = None, backend=None, kind: str = "page",
                 name: str = "<string>", request=None, sms=None, settings=None, now: datetime | None = None,
                 send=None):
        self.vars: dict[str, object] = {}
        self.attrs: dict[str, object] = (
            {str(k).lower(): v for k, v in attributes.items()} if attributes else {})
        self.out: list[str] = []
        self.backend = backend
        self.kind = kind
        self.name = name
        self.request = request      # Sites functions: query/form parameters, headers, URL
        self.sms = sms              # MobileConnect message context
        if settings is None:
            from ..settings import DEFAULT_SETTINGS

            settings = DEFAULT_SETTINGS
        self.settings = settings    # ampy.settings.Settings: time zone, culture, keys, HTTP policy
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

    def attribute(self, key: str) -> object:
        """A subscriber attribute or system string by lower-cased name; unknown → None."""
        value = self.attrs.get(key, _MISSING)
        if value is _MISSING:
            from .system_attributes import system_attribute

            return system_attribute(self, key)
        return value

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
