"""How the REPL echoes a value: the way a developer would write or read it in AMPscript.

Strings are quoted with the delimiting quote doubled (AMPscript's only escape), numbers and
booleans print as the engine prints them, dates in the default format, null as ``null``,
rowsets as a table and API objects as an indented tree.
"""

from __future__ import annotations

from datetime import datetime

from ..api.model import ApiObject
from ..runtime.rowsets import Row, Rowset
from ..runtime.values import DB_NULL, to_text

MAX_TABLE_ROWS = 50     # a LookupRows result can hold 2000 rows; the rest is summarised
MAX_CELL_WIDTH = 40


def quote(text: str) -> str:
    """A string literal as it would be written in AMPscript."""
    return '"' + text.replace('"', '""') + '"'


def format_value(value: object) -> str:
    """The echo of one value (may span several lines for rowsets and API objects)."""
    if value is None or value is DB_NULL:
        return "null"
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, (bool, int, float, datetime)):
        return to_text(value)
    if isinstance(value, Rowset):
        return format_rowset(value)
    if isinstance(value, Row):
        return format_table([value], footer="(row)")
    if isinstance(value, ApiObject):
        return "\n".join(_object_lines(value, 0))
    if isinstance(value, (list, tuple)):
        return "\n".join(_array_lines(list(value), 0)) or "[]"
    return to_text(value) or repr(value)


def format_rowset(rowset: Rowset) -> str:
    n = len(rowset)
    if n == 0:
        return "(empty rowset)"
    shown = rowset.rows[:MAX_TABLE_ROWS]
    footer = f"({n} row{'s' if n != 1 else ''})"
    if n > len(shown):
        footer = f"({n} rows, first {len(shown)} shown)"
    return format_table(shown, footer=footer)


def _cell(value: object) -> str:
    """A table cell: plain text (no quotes); nested rowsets and objects are summarised."""
    if value is None or value is DB_NULL:
        return "null"
    if isinstance(value, Rowset):
        return f"<rowset: {len(value)} row{'s' if len(value) != 1 else ''}>"
    if isinstance(value, Row):
        return "<row>"
    if isinstance(value, ApiObject):
        return f"<{value.type}>"
    text = to_text(value).replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")
    if len(text) > MAX_CELL_WIDTH:
        text = text[: MAX_CELL_WIDTH - 1] + "\u2026"
    return text


def format_table(rows: list[Row], *, footer: str) -> str:
    """Rows as an aligned text table; columns are the union of the rows' columns, in order."""
    columns: list[str] = []
    seen: set[str] = set()
    for row in rows:
        for name in row.names:
            if name.lower() not in seen:
                seen.add(name.lower())
                columns.append(name)
    cells = []
    for row in rows:
        line = []
        for name in columns:
            found, value = row.get(name, by_ordinal=False)
            line.append(_cell(value) if found else "")
        cells.append(line)
    widths = [max([len(c)] + [len(line[i]) for line in cells]) for i, c in enumerate(columns)]

    def render(parts: list[str]) -> str:
        return " | ".join(p.ljust(w) for p, w in zip(parts, widths, strict=True)).rstrip()

    out = [render(columns), "-+-".join("-" * w for w in widths)]
    out.extend(render(line) for line in cells)
    out.append(footer)
    return "\n".join(out)


def _object_lines(obj: ApiObject, depth: int) -> list[str]:
    pad = "  " * depth
    lines = [f"{pad}{obj.type}"]
    for name, value in obj.properties.items():
        lines.extend(_property_lines(name, value, depth + 1))
    return lines


def _property_lines(name: str, value: object, depth: int) -> list[str]:
    pad = "  " * depth
    if isinstance(value, ApiObject):
        return [f"{pad}{name}:"] + _object_lines(value, depth + 1)
    if isinstance(value, list):
        return [f"{pad}{name}: [{len(value)}]"] + _array_lines(value, depth + 1)
    return [f"{pad}{name}: {format_value(value)}"]


def _array_lines(items: list, depth: int) -> list[str]:
    pad = "  " * depth
    lines: list[str] = []
    for i, item in enumerate(items, 1):
        if isinstance(item, ApiObject):
            sub = _object_lines(item, depth + 1)
            lines.append(f"{pad}[{i}] {sub[0].strip()}")
            lines.extend(sub[1:])
        else:
            lines.append(f"{pad}[{i}] {format_value(item)}")
    return lines
