"""Rowsets and rows: 1-based, columns by case-insensitive name or 1-based ordinal (rule 30)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from ..errors import FunctionError


class Row:
    """One row: ordered columns; lookup by name ignores case; ordinals are 1-based."""

    __slots__ = ("names", "values", "_index")

    def __init__(self, names: Sequence[str], values: Sequence[object], index: dict[str, int] | None = None):
        self.names = names if isinstance(names, list) else list(names)
        self.values = values if isinstance(values, list) else list(values)
        # Rows of one rowset share one name index (built once by column_index).
        self._index = index if index is not None else column_index(self.names)

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, object]) -> "Row":
        return cls(list(mapping.keys()), list(mapping.values()))

    def get(self, column: object, *, by_ordinal: bool = True) -> tuple[bool, object]:
        """(found, value) for a column name, or a 1-based ordinal when ``by_ordinal``."""
        if column.__class__ is int and by_ordinal and 0 < column <= len(self.values):  # type: ignore[operator]
            return True, self.values[column - 1]  # type: ignore[operator]
        key = column if isinstance(column, str) else None
        if key is not None:
            i = self._index.get(key.lower())
            if i is not None:
                return True, self.values[i]
        if by_ordinal:
            n = _ordinal(column)
            if n is not None and 1 <= n <= len(self.values):
                return True, self.values[n - 1]
        return False, None

    def as_dict(self) -> dict[str, object]:
        return dict(zip(self.names, self.values))

    def ampscript_text(self) -> str:
        return ""

    def __repr__(self) -> str:
        return f"Row({self.as_dict()!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Row) and self.names == other.names and self.values == other.values


def column_index(names: Sequence[str]) -> dict[str, int]:
    """Lower-cased column name -> position; the first of duplicate names wins."""
    index: dict[str, int] = {}
    for i, n in enumerate(names):
        index.setdefault(n.lower(), i)
    return index


def _ordinal(column: object) -> int | None:
    if isinstance(column, bool):
        return None
    if isinstance(column, int):
        return column
    if isinstance(column, float) and column.is_integer():
        return int(column)
    if isinstance(column, str) and column.strip().isdigit():
        return int(column.strip())
    return None


class Rowset:
    """An ordered list of rows (a lookup result, a JSON/XML/string rowset, a retrieve)."""

    __slots__ = ("rows",)

    def __init__(self, rows: Iterable[Row] = ()):
        self.rows = list(rows)

    @classmethod
    def from_dicts(cls, dicts: Iterable[Mapping[str, object]]) -> "Rowset":
        return cls(Row.from_mapping(d) for d in dicts)

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self):
        return iter(self.rows)

    def row(self, n: int) -> Row:
        if not 1 <= n <= len(self.rows):
            raise FunctionError(
                f"Row index {n} is out of range: the rowset has {len(self.rows)} row(s)")
        return self.rows[n - 1]

    def ampscript_text(self) -> str:
        return ""

    def __repr__(self) -> str:
        return f"Rowset({self.rows!r})"
