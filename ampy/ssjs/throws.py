"""Where an uncaught value that is not an Error was thrown. QuickJS records a stack only when an
Error object is made, so ``throw "x"`` or ``throw {code: 1}`` would leave no position. Each throw
statement's argument is wrapped as ``__thrown(k, <argument>)``: the prelude notes the value with
the statement's number k, and a failure with no stack is placed at the throw that threw its value.

The wrapping moves the columns after it on its lines; ``unshift`` maps a column of the wrapped
program back to the program the gate saw, so stack positions keep pointing at the script.
"""

from __future__ import annotations

import bisect


class Marked:
    """The wrapped code, the 1-based (line, column) of each throw keyword, and the inserted text
    per line for ``unshift``."""

    __slots__ = ("code", "throws", "_inserted")

    def __init__(self, code: str, throws: list[tuple[int, int]], inserted: dict[int, list[tuple[int, int]]]):
        self.code, self.throws, self._inserted = code, throws, inserted

    def unshift(self, line: int, column: int) -> int:
        """The column (1-based) in the original program of ``column`` of the wrapped one."""
        shift = 0
        for at, length in self._inserted.get(line, ()):    # at: 0-based original column
            start = at + shift + 1
            if column < start:
                break
            if column < start + length:
                return at + 1   # inside the inserted text: the code it stands before
            shift += length
        return column - shift


def mark(code: str, throws) -> Marked:
    """Wrap the argument of every throw statement (``gate.Checked.throws``) of ``code``."""
    if not throws:
        return Marked(code, [], {})
    lines = code.split("\n")
    offsets = [0]
    for text in lines[:-1]:
        offsets.append(offsets[-1] + len(text) + 1)
    edits: list[tuple[int, int, int, str]] = []   # (offset, line, column, text)
    keywords = []
    for k, (keyword, start, end) in enumerate(throws):
        keywords.append((keyword[0], keyword[1] + 1))
        edits.append((offsets[start[0] - 1] + start[1], start[0], start[1], f"__thrown({k},"))
        edits.append((offsets[end[0] - 1] + end[1], end[0], end[1], ")"))
    edits.sort(key=lambda e: e[0])
    parts, last = [], 0
    inserted: dict[int, list[tuple[int, int]]] = {}
    for offset, line, column, text in edits:
        parts.append(code[last:offset])
        parts.append(text)
        last = offset
        bisect.insort(inserted.setdefault(line, []), (column, len(text)))
    parts.append(code[last:])
    return Marked("".join(parts), keywords, inserted)
