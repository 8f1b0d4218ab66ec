"""The resource budget of one render: how long it may run and how much it may build.

Defaults never bother a real template (a large email renders in milliseconds, loops over a few
thousand rows, writes well under a megabyte) and always stop a runaway one. A workspace sets them
in ``ampy.toml`` under ``[limits]``; the CLI (``--limit NAME=VALUE``) and the Python API
(``limits=``) may override them per render.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

from .errors import FunctionError


@dataclass(frozen=True)
class Limits:
    wall_time: float = 30.0              # seconds one render may run (content blocks included)
    loop_iterations: int = 1_000_000     # iterations of any one FOR loop
    total_iterations: int = 10_000_000   # iterations of all FOR loops of a render together
    output_size: int = 50_000_000        # characters a render may write
    string_size: int = 20_000_000        # characters of any one string value a builtin builds
    regex_timeout: float = 2.0           # seconds one regular-expression match may run
    include_depth: int = 30              # content blocks / TreatAsContent inside each other
    nesting_depth: int = 200             # IF/FOR/call nesting in one template
    template_size: int = 20_000_000      # characters of a template source at compile time
    http_total_time: float = 60.0        # seconds of outbound HTTP per render, all requests together
    js_memory: int = 64 * 1024 * 1024    # bytes the server-side JavaScript of one render may allocate

    def __post_init__(self):
        for name in _KINDS:  # every value checked, whole numbers made ints, as from ampy.toml
            object.__setattr__(self, name, parse_limit(name, getattr(self, name), text=False))

    def with_overrides(self, **changes) -> Limits:
        """A copy with some limits changed (None values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))


_KINDS = {f.name: (float if f.type in (float, "float") else int) for f in fields(Limits)}


class LimitExceeded(FunctionError):
    """A render went over one of its limits. A FunctionError, so the failing call or FOR loop
    gives it its position; the message names the limit and how to raise it."""

    def __init__(self, what: str, limit: str):
        super().__init__(f"{what} ({how_to_raise(limit)})")
        self.limit = limit


def how_to_raise(limit: str) -> str:
    return f"limit {limit}; raise it in ampy.toml [limits] {limit} or --limit {limit}=N"


def parse_limit(name: str, value: object, *, text: bool = True) -> int | float:
    """A limit's value from the command line (text) or TOML (``text=False``: a number), checked:
    a known name and a finite number greater than 0 (whole for the counting limits). Raises
    ValueError with a message to show."""
    kind = _KINDS.get(name)
    if kind is None:
        raise ValueError(f"unknown limit {name!r} (the limits are {', '.join(Limits.names())})")
    number: object = value
    if isinstance(value, str) and text:
        text = value.strip()
        try:
            number = int(text) if kind is int and text.lstrip("+").replace("_", "").isdigit() else float(text)
        except ValueError:
            raise ValueError(f"{name} must be a number, not {value!r}") from None
    if isinstance(number, bool) or not isinstance(number, (int, float)):
        raise ValueError(f"{name} must be a number, not {value!r}")
    if isinstance(number, float) and not math.isfinite(number):
        raise ValueError(f"{name} must be a finite number, not {value!r}")
    if number <= 0:
        raise ValueError(f"{name} must be greater than 0, not {value!r}")
    if kind is int:
        if isinstance(number, float):
            if not number.is_integer():
                raise ValueError(f"{name} must be a whole number, not {value!r}")
            number = int(number)
        return number
    return float(number)


def limits_from_table(table: dict, base: Limits | None = None) -> Limits:
    """``base`` (default: the defaults) with the values of a ``[limits]``-like mapping; ValueError
    names the bad key."""
    changes = {str(k): parse_limit(str(k), v, text=False) for k, v in table.items()}
    return (base or DEFAULT_LIMITS).with_overrides(**changes)


DEFAULT_LIMITS = Limits()
