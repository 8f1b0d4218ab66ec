"""Small argument helpers shared by the builtin modules (coercions stay in runtime.values)."""

from __future__ import annotations

from ..errors import FunctionError
from ..runtime.values import to_text


def pairs(args, what: str = "column/value") -> list[tuple[str, object]]:
    """(name, value) pairs from a flat argument list; an odd count is an error."""
    if len(args) % 2:
        raise FunctionError(f"{what} arguments must come in pairs")
    return [(to_text(args[i]), args[i + 1]) for i in range(0, len(args), 2)]


def parse_sort(spec: object) -> list[tuple[str, bool]]:
    """``"Col ASC, Col2 DESC"`` -> [("Col", False), ("Col2", True)] (True = descending)."""
    out = []
    for part in to_text(spec).split(","):
        words = part.split()
        if not words:
            continue
        direction = words[-1].lower() if len(words) > 1 else "asc"
        if direction in ("asc", "desc"):
            name = " ".join(words[:-1]) if len(words) > 1 else words[0]
        else:
            name, direction = " ".join(words), "asc"
        out.append((name.strip("[]"), direction == "desc"))
    return out
