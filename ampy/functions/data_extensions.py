"""Data Extension builtins (21): lookups, rowsets and rows, DE writes (rules 30-32)."""

from __future__ import annotations

from ..errors import FunctionError
from ..registry import builtin
from ..runtime.rowsets import Row, Rowset
from ..runtime.values import DB_NULL, to_bool, to_int, to_text
from ._args import pairs, parse_sort

CAT = "Data Extension"
MAX_LOOKUP_ROWS = 2000


def _cell(value):
    return DB_NULL if value is None else value


def rows_to_rowset(rows) -> Rowset:
    """Backend dict rows -> a Rowset; SQL NULL becomes a data-source null."""
    return Rowset(Row(list(r.keys()), [_cell(v) for v in r.values()]) for r in rows)


def _de_name(de) -> str:
    name = to_text(de).strip()
    if not name:
        raise FunctionError("the data extension name is empty")
    return name


@builtin("Lookup", min_args=4, max_args=None, category=CAT, needs_context=True,
         signature="Lookup(de, returnColumn, column1, value1, [columnN, valueN]...)")
def lookup(ctx, de, return_column, *criteria):
    """One column of the first matching row, '' when nothing matches."""
    rows = ctx.backend.lookup(_de_name(de), pairs(criteria), limit=1)
    if not rows:
        return ""
    want = to_text(return_column).lower()
    for k, v in rows[0].items():
        if k.lower() == want:
            return _cell(v)
    raise FunctionError(f"data extension '{to_text(de)}' has no column '{to_text(return_column)}'")


def _lookup_rows(ctx, de, criteria, case_sensitive: bool) -> Rowset:
    return rows_to_rowset(ctx.backend.lookup(_de_name(de), pairs(criteria), case_sensitive=case_sensitive,
                                             limit=MAX_LOOKUP_ROWS))


@builtin("LookupRows", min_args=3, max_args=None, category=CAT, needs_context=True,
         signature="LookupRows(de, column1, value1, [columnN, valueN]...)")
def lookup_rows(ctx, de, *criteria):
    """All matching rows (at most 2000, case-insensitive match) in the DE's order."""
    return _lookup_rows(ctx, de, criteria, False)


@builtin("LookupRowsCS", min_args=3, max_args=None, category=CAT, needs_context=True,
         signature="LookupRowsCS(de, column1, value1, [columnN, valueN]...)")
def lookup_rows_cs(ctx, de, *criteria):
    """Case-sensitive LookupRows."""
    return _lookup_rows(ctx, de, criteria, True)


def _lookup_ordered(ctx, de, count, sort, criteria, case_sensitive: bool) -> Rowset:
    n = to_int(count, "row count")
    limit = MAX_LOOKUP_ROWS if n < 1 else min(n, MAX_LOOKUP_ROWS)
    return rows_to_rowset(ctx.backend.lookup(_de_name(de), pairs(criteria), case_sensitive=case_sensitive,
                                             order_by=parse_sort(sort), limit=limit))


@builtin("LookupOrderedRows", min_args=5, max_args=None, category=CAT, needs_context=True,
         signature="LookupOrderedRows(de, numRows, sort, column1, value1, [columnN, valueN]...)")
def lookup_ordered_rows(ctx, de, count, sort, *criteria):
    """Matching rows sorted by "Col ASC, Col2 DESC"; numRows below 1 means all (max 2000)."""
    return _lookup_ordered(ctx, de, count, sort, criteria, False)


@builtin("LookupOrderedRowsCS", min_args=5, max_args=None, category=CAT, needs_context=True,
         signature="LookupOrderedRowsCS(de, numRows, sort, column1, value1, [columnN, valueN]...)")
def lookup_ordered_rows_cs(ctx, de, count, sort, *criteria):
    """Case-sensitive LookupOrderedRows."""
    return _lookup_ordered(ctx, de, count, sort, criteria, True)


def _rowset(value, what: str = "rowset") -> Rowset:
    if isinstance(value, Rowset):
        return value
    if value is None or value is DB_NULL or value == "":
        return Rowset()
    raise FunctionError(f"the {what} argument is not a rowset")


@builtin("Row", min_args=2, max_args=2, category=CAT, signature="Row(rowset, index)")
def row(rowset, index):
    """The row at a 1-based index; 0 or past the end is an error."""
    return _rowset(rowset).row(to_int(index, "row index"))


@builtin("RowCount", min_args=1, max_args=1, category=CAT, signature="RowCount(rowset)")
def row_count(rowset):
    """Number of rows in a rowset (0 for an empty one)."""
    return len(_rowset(rowset))


@builtin("Field", min_args=2, max_args=3, category=CAT, signature="Field(row, column, [errorIfMissing])")
def field(row_value, column, error_if_missing=None):
    """A column's value in a row, by name or 1-based ordinal; a missing column is an error
    unless the third argument is false."""
    if isinstance(row_value, Rowset):  # a one-row rowset is accepted where a row is expected
        row_value = row_value.row(1) if len(row_value) else None
    if not isinstance(row_value, Row):
        if row_value is None or row_value is DB_NULL or row_value == "":
            if error_if_missing is not None and not to_bool(error_if_missing):
                return ""
            raise FunctionError("the row argument is empty (no row)")
        raise FunctionError("the row argument is not a row")
    found, value = row_value.get(column if not isinstance(column, bool) else to_text(column))
    if found:
        return value
    if error_if_missing is not None and not to_bool(error_if_missing):
        return ""
    raise FunctionError(f"the row has no column '{to_text(column)}'")
