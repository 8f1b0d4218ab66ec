"""The state of one render: variables, attributes, output buffer, backend, fixed clock."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from time import monotonic

from ..limits import LimitExceeded
from ..settings import DEFAULT_SETTINGS
from .system_attributes import system_attribute


class RenderContext:
    """Everything a compiled template and the builtins read or write during one render."""

    __slots__ = ("vars", "_raw_attrs", "_attrs", "out", "backend", "kind", "name", "request", "sms", "settings",
                 "_now", "depth", "cache", "send", "limits", "deadline", "iterations_left", "_counted", "tracer",
                 "strict")

    def __init__(self, *, attributes: Mapping[str, object] | None = None, backend=None, kind: str = "page",
                 name: str = "<string>", request=None, sms=None, settings=None, now: datetime | None = None,
                 send=None, limits=None):
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
        # ampy.limits.Limits: the resource budget of each render in this context
        limits = self.limits = self.settings.limits if limits is None else limits
        self.deadline = monotonic() + limits.wall_time
        self.iterations_left = limits.total_iterations
        self._counted: list | None = None   # [buffer, pieces counted, their size] (check_output)
        # Set only for a traced / strict render: templates then run their traced / strict variant.
        self.tracer = None          # ampy.runtime.trace.Tracer
        self.strict = False

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

    def has_attribute(self, key: str, spelled: str | None = None) -> bool:
        """Whether the subscriber has this attribute (strict mode) or a system string answers it."""
        if spelled is not None and spelled in self._raw_attrs:
            return True
        attrs = self._attrs
        if attrs is None:
            attrs = self._attrs = _lower_keys(self._raw_attrs)
        return key in attrs or system_attribute(self, key) is not None

    def start_next_render(self) -> None:
        """Begin another render in this same context (the REPL runs each input this way): a fresh
        output buffer, clock (``Now()`` is fixed per render) and per-render caches; variables and
        attributes carry over."""
        self.out = []
        self._now = None
        self.cache = {}
        self.depth = 0
        self.deadline = monotonic() + self.limits.wall_time
        self.iterations_left = self.limits.total_iterations
        self._counted = None

    # ---- the resource budget (ampy.limits); each check raises LimitExceeded
    def check_time(self) -> None:
        if monotonic() > self.deadline:
            raise LimitExceeded(f"The render ran longer than {self.limits.wall_time:g} seconds", "wall_time")

    def check_output(self) -> None:
        """Count what was written since the last check (each piece once) against output_size."""
        out = self.out
        counted = self._counted
        if counted is None or counted[0] is not out:
            counted = self._counted = [out, 0, 0]
        if len(out) > counted[1]:
            counted[2] += sum(map(len, out[counted[1]:]))
            counted[1] = len(out)
            if counted[2] > self.limits.output_size:
                raise LimitExceeded(f"The render wrote more than {self.limits.output_size} characters",
                                    "output_size")

    def tick(self) -> None:
        """The periodic check inside long FOR loops: time and output so far."""
        self.check_time()
        self.check_output()

    def refuse_loop(self, count: int) -> None:
        """A FOR loop about to run ``count`` iterations (its bounds are evaluated once, so this is
        known up front) is over loop_iterations or over what is left of total_iterations."""
        limits = self.limits
        if count > limits.loop_iterations:
            raise LimitExceeded(f"The FOR loop would run {count} iterations, more than {limits.loop_iterations}",
                                "loop_iterations")
        raise LimitExceeded(f"The FOR loops of this render would run more than {limits.total_iterations} "
                            "iterations in total", "total_iterations")

    def check_string(self, size: int, what: str = "The result") -> None:
        """A builtin is about to build (or has built) a string of ``size`` characters."""
        if size > self.limits.string_size:
            raise LimitExceeded(f"{what} would be {size} characters long, more than {self.limits.string_size}",
                                "string_size")

    def run_nested(self, source: str, name: str) -> str:
        """Run ``source`` as a template in this scope and return what it wrote (rule 7)."""
        limits = self.limits
        if self.depth >= limits.include_depth:
            raise LimitExceeded(f"Content nested more than {limits.include_depth} levels deep "
                                "(a block including itself?)", "include_depth")
        self.check_time()
        from ..template import compile_template

        tpl = compile_template(source, name=name, limits=limits)
        saved = self.out, self._counted
        self.out = []
        self.depth += 1
        try:
            tpl.run(self)
            out = "".join(self.out)
        finally:
            self.depth -= 1
            self.out, self._counted = saved
        self.check_string(len(out), "The content's output")
        return out


_MISSING = object()


def _lower_keys(attributes: Mapping[str, object]) -> dict[str, object]:
    """Attribute names are case-insensitive: index them by their lower-cased form."""
    out = {}
    for k, v in attributes.items():
        out[k.lower() if k.__class__ is str else str(k).lower()] = v
    return out
