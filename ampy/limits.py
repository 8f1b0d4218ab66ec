"""The resource budget of one render: how long it may run and how much it may build.

Defaults never bother a real template (a large email renders in milliseconds, loops over a few
thousand rows, writes well under a megabyte) and always stop a runaway one. A workspace sets them
in ``ampy.toml`` under ``[limits]``; the CLI and the Python API may override them per render.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace


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

    def with_overrides(self, **changes) -> Limits:
        """A copy with some limits changed (None values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))


DEFAULT_LIMITS = Limits()
