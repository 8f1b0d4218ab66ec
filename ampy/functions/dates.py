"""Date & Time builtins (10). System time is US Central Standard Time, no DST (rule 23)."""

from __future__ import annotations

from ..registry import builtin

CAT = "Date & Time"


@builtin("Now", min_args=0, max_args=1, category=CAT, needs_context=True, signature="Now([persist])")
def now(ctx, persist=None):
    """Current system time, identical for every call in one render."""
    return ctx.now
