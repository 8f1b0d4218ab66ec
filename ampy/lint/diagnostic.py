"""One finding of the linter, positioned like an editor wants it."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Diagnostic:
    """``code`` is ``AMP0xx`` for errors and ``AMP1xx`` for warnings. Lines and columns are
    1-based; ``end_line``/``end_column`` point just past the finding (exclusive)."""

    code: str
    severity: str  # "error" | "warning"
    message: str
    line: int
    column: int
    end_line: int
    end_column: int


# What a finding at a column covers: a delimiter, a variable or word, a quoted string, else one character.
_EXTENT = re.compile(r"""%%\[|%%=|\]%%|=%%|</?script\b[^>]*>|@@?\w+|\w+|"[^"\n]*"?|'[^'\n]*'?|\S""",
                     re.IGNORECASE)


def at(code: str, severity: str, message: str, source_lines: list[str], line: int, column: int,
       length: int | None = None) -> Diagnostic:
    """A diagnostic spanning ``length`` characters, or the token that starts at line:column."""
    if length is None:
        text = source_lines[line - 1] if 0 < line <= len(source_lines) else ""
        m = _EXTENT.match(text, max(column - 1, 0))
        length = len(m.group(0)) if m else 1
    return Diagnostic(code, severity, message, line, column, line, column + max(length, 1))
