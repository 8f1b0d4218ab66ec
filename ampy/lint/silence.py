"""Silencing findings from the template itself, in any comment:

- ``ampy: disable=AMP101,AMP106`` silences those codes on its own line and the next one
  (``/* ampy: disable=AMP107 */`` above a statement, or at the end of its line);
- ``ampy: disable-file=AMP102`` silences them in the whole file (e.g. ``<!-- ampy: disable-file=AMP102 -->``)."""

from __future__ import annotations

import re

from .diagnostic import Diagnostic

_DIRECTIVE = re.compile(r"ampy:\s*disable(-file)?\s*=\s*(AMP\d{3}(?:\s*,\s*AMP\d{3})*)", re.IGNORECASE)


def apply(source: str, findings: list[Diagnostic]) -> list[Diagnostic]:
    if "ampy:" not in source:
        return findings
    whole: set[str] = set()
    by_line: dict[int, set[str]] = {}
    for m in _DIRECTIVE.finditer(source):
        codes = {c.strip().upper() for c in m.group(2).split(",")}
        if m.group(1):
            whole |= codes
        else:
            line = source.count("\n", 0, m.start()) + 1
            by_line.setdefault(line, set()).update(codes)
            by_line.setdefault(line + 1, set()).update(codes)
    return [d for d in findings if d.code not in whole and d.code not in by_line.get(d.line, ())]
