"""Data Extension builtins (21): lookups, rowsets and rows, DE writes (rules 30-32)."""

from __future__ import annotations

from ..errors import FunctionError
from ..registry import NOT_EMAIL, builtin
from ..runtime.rowsets import Row, Rowset, column_index
from ..runtime.values import DB_NULL, is_empty, to_bool, to_db_text, to_int, to_text
from ._args import pairs, parse_sort

CAT = "Data Extension"
# What each function does per backend (docs/functions.md); Row/RowCount/Field only read rowsets.
BACKEND_NOTES = {
    "local": "the workspace's data extensions (SQLite over its CSV files).",
    "soap": "DataExtensionObject calls on the tenant (ClaimRow: Retrieve, then Update by primary key; "
            "ExecuteFilter: the FilterDefinition's DataFilter as the Retrieve filter).",
    "pure": frozenset({"Row", "RowCount", "Field"}),
}
MAX_LOOKUP_ROWS = 2000


def _cell(value):
    return DB_NULL if value is None else value


def rows_to_rowset(rows) -> Rowset:
    """Backend dict rows -> a Rowset; SQL NULL becomes a data-source null."""
    if not rows:
        return Rowset()
    names = list(rows[0].keys())
    index = column_index(names)  # shared by every row of the result
    return Rowset([Row(names, [_cell(v) for v in r.values()], index) for r in rows])


def _read(ctx, de: str, filters, *, case_sensitive: bool = False, order_by=(), limit=None) -> list:
    """Rows from the backend, cached for the rest of the render: as in Marketing Cloud, a row
    already read is not re-read, so a write shows in a lookup only from the next render on."""
    cache = ctx.cache.setdefault("de.reads", {})
    key = (de.lower(), tuple((c.lower(), to_db_text(v)) for c, v in filters),
           case_sensitive, tuple(order_by), limit)
    rows = cache.get(key)
    if rows is None:
        rows = cache[key] = ctx.backend.lookup(de, filters, case_sensitive=case_sensitive, order_by=order_by,
                                               limit=limit, **_freshness(ctx))
    return rows


def _freshness(ctx) -> dict:
    """The render's token for backends that check a CSV's freshness once per render ({} for
    the others): every read of one render sees the same version of the data."""
    if not getattr(ctx.backend, "per_render_freshness", False):
        return {}
    token = ctx.cache.get("de.fresh")
    if token is None:
        token = ctx.cache["de.fresh"] = object()
    return {"fresh_token": token}


def _de_name(de) -> str:
    name = to_text(de).strip()
    if not name:
        raise FunctionError("the data extension name is empty")
    return name


@builtin("Lookup", min_args=4, max_args=None, category=CAT, needs_context=True,
         signature="Lookup(de, returnColumn, column1, value1, [columnN, valueN]...)")
def lookup(ctx, de, return_column, *criteria):
    """One column of the first matching row, '' when nothing matches."""
    rows = _read(ctx, _de_name(de), pairs(criteria), limit=1)
    if not rows:
        return ""
    want = to_text(return_column).lower()
    for k, v in rows[0].items():
        if k.lower() == want:
            return _cell(v)
    raise FunctionError(f"data extension '{to_text(de)}' has no column '{to_text(return_column)}'")


def _lookup_rows(ctx, de, criteria, case_sensitive: bool) -> Rowset:
    return rows_to_rowset(_read(ctx, _de_name(de), pairs(criteria), case_sensitive=case_sensitive,
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
    return rows_to_rowset(_read(ctx, _de_name(de), pairs(criteria), case_sensitive=case_sensitive,
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
    if rowset.__class__ is Rowset and index.__class__ is int and 0 < index <= len(rowset.rows):
        return rowset.rows[index - 1]  # the common case inside FOR loops
    return _rowset(rowset).row(to_int(index, "row index"))


@builtin("RowCount", min_args=1, max_args=1, category=CAT, signature="RowCount(rowset)")
def row_count(rowset):
    """Number of rows in a rowset (0 for an empty one)."""
    return len(_rowset(rowset))


@builtin("Field", min_args=2, max_args=3, category=CAT, signature="Field(row, column, [errorIfMissing])")
def field(row_value, column, error_if_missing=None):
    """A column's value in a row, by name or 1-based ordinal; a missing column is an error
    unless the third argument is false."""
    if row_value.__class__ is Row and error_if_missing is None:
        found, value = row_value.get(column)
        if found:
            return value
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


# ---- writes (rule 32; "Available where": *Data refused in email, *DE email-safe) ---------------

_BATCH_REFUSED = "10005: batch context refused (a send is a batch)"
_NON_SENDABLE = "10004: non-sendable content only"


def _write_pairs(args, what: str = "column/value") -> list[tuple[str, object]]:
    """Column/value pairs of a write; every column name must be non-empty."""
    out = pairs(args, what)
    for col, _ in out:
        if not col.strip():
            raise FunctionError("a column name is empty")
    return out


def _insert(ctx, de, args) -> int:
    return ctx.backend.insert_row(_de_name(de), _write_pairs(args))


def _split_search(count, args) -> tuple[list[tuple[str, object]], list[tuple[str, object]]]:
    """UpdateData/UpsertData: argument 2 says how many search pairs lead the rest."""
    n = to_int(count, "search pair count")
    if n < 1:
        raise FunctionError(f"the search pair count must be at least 1, not {n}")
    if 2 * n > len(args):
        raise FunctionError(f"the search pair count is {n} but only {len(args) // 2} pair(s) follow")
    keys = _write_pairs(args[:2 * n], "search column/value")
    values = _write_pairs(args[2 * n:], "update column/value")
    if not values:
        raise FunctionError("no columns to set follow the search pairs")
    return keys, values


@builtin("InsertData", min_args=3, max_args=None, category=CAT, needs_context=True,
         contexts=NOT_EMAIL, context_error=_BATCH_REFUSED,
         signature="InsertData(de, column1, value1, [columnN, valueN]...)")
def insert_data(ctx, de, *args):
    """Inserts one row and returns the count; a duplicate primary key aborts."""
    return _insert(ctx, de, args)


@builtin("InsertDE", min_args=3, max_args=None, category=CAT, needs_context=True,
         signature="InsertDE(de, column1, value1, [columnN, valueN]...)")
def insert_de(ctx, de, *args):
    """Email-safe InsertData: inserts one row and returns ''."""
    _insert(ctx, de, args)
    return ""


def _update(ctx, de, count, args) -> int:
    keys, values = _split_search(count, args)
    return ctx.backend.update_rows(_de_name(de), keys, values)


@builtin("UpdateData", min_args=6, max_args=None, category=CAT, needs_context=True,
         contexts=NOT_EMAIL, context_error=_BATCH_REFUSED,
         signature="UpdateData(de, searchPairs, searchCol1, searchVal1, [...], col1, val1, [colN, valN]...)")
def update_data(ctx, de, count, *args):
    """Updates the rows matching the leading search pairs; returns rows changed (no match: 0)."""
    return _update(ctx, de, count, args)


@builtin("UpdateDE", min_args=6, max_args=None, category=CAT, needs_context=True,
         signature="UpdateDE(de, searchPairs, searchCol1, searchVal1, [...], col1, val1, [colN, valN]...)")
def update_de(ctx, de, count, *args):
    """Email-safe UpdateData: returns ''."""
    _update(ctx, de, count, args)
    return ""


def _upsert(ctx, de, count, args) -> int:
    keys, values = _split_search(count, args)
    return ctx.backend.upsert_row(_de_name(de), keys, values)


@builtin("UpsertData", min_args=6, max_args=None, category=CAT, needs_context=True,
         contexts=NOT_EMAIL, context_error=_BATCH_REFUSED,
         signature="UpsertData(de, searchPairs, searchCol1, searchVal1, [...], col1, val1, [colN, valN]...)")
def upsert_data(ctx, de, count, *args):
    """Updates the rows matching the search pairs, or inserts one; returns rows affected."""
    return _upsert(ctx, de, count, args)


@builtin("UpsertDE", min_args=6, max_args=None, category=CAT, needs_context=True,
         signature="UpsertDE(de, searchPairs, searchCol1, searchVal1, [...], col1, val1, [colN, valN]...)")
def upsert_de(ctx, de, count, *args):
    """Email-safe UpsertData: returns ''."""
    _upsert(ctx, de, count, args)
    return ""


def _delete(ctx, de, args) -> int:
    return ctx.backend.delete_rows(_de_name(de), _write_pairs(args))


@builtin("DeleteData", min_args=3, max_args=None, category=CAT, needs_context=True,
         contexts=NOT_EMAIL, context_error=_BATCH_REFUSED,
         signature="DeleteData(de, column1, value1, [columnN, valueN]...)")
def delete_data(ctx, de, *args):
    """Deletes the matching rows and returns how many (no match: 0)."""
    return _delete(ctx, de, args)


@builtin("DeleteDE", min_args=3, max_args=None, category=CAT, needs_context=True,
         signature="DeleteDE(de, column1, value1, [columnN, valueN]...)")
def delete_de(ctx, de, *args):
    """Email-safe DeleteData: returns ''."""
    _delete(ctx, de, args)
    return ""


# ---- claims, counts, filters ---------------------------------------------------------------

def _claim(ctx, de, claimed_col, claimant_col, claimant_value, criteria):
    claimed = to_text(claimed_col).strip()
    claimant = to_text(claimant_col).strip()
    if not claimed or not claimant:
        raise FunctionError("the claimed and claimant column names must not be empty")
    if is_empty(claimant_value) or to_text(claimant_value) == "":
        raise FunctionError("the claimant value is empty")
    return ctx.backend.claim_row(_de_name(de), claimed, claimant, claimant_value, pairs(criteria))


@builtin("ClaimRow", min_args=4, max_args=None, category=CAT, needs_context=True,
         signature="ClaimRow(de, claimedColumn, claimantColumn, claimantValue, [claimantColumnN, valueN]...)")
def claim_row(ctx, de, claimed_col, claimant_col, claimant_value, *criteria):
    """Atomically claims the next free row (or the one this claimant holds); extra pairs identify the
    claimant too and are written onto the row; '' when none is left."""
    found = _claim(ctx, de, claimed_col, claimant_col, claimant_value, criteria)
    if found is None:
        return ""  # the pool is exhausted: an empty value, test it with Empty()
    return rows_to_rowset([found]).row(1)


@builtin("ClaimRowValue", min_args=6, max_args=None, category=CAT, needs_context=True,
         signature="ClaimRowValue(de, returnColumn, claimedColumn, fallback, claimantColumn, claimantValue, "
                   "[column, value]...)")
def claim_row_value(ctx, de, return_column, claimed_col, fallback, claimant_col, claimant_value, *criteria):
    """Claims like ClaimRow and returns one column of the row, or the fallback when none is left."""
    found = _claim(ctx, de, claimed_col, claimant_col, claimant_value, criteria)
    if found is None:
        return fallback
    present, value = rows_to_rowset([found]).row(1).get(to_text(return_column), by_ordinal=False)
    if not present:
        raise FunctionError(f"data extension '{to_text(de)}' has no column '{to_text(return_column)}'")
    return value


@builtin("DataExtensionRowCount", min_args=1, max_args=1, category=CAT, needs_context=True,
         signature="DataExtensionRowCount(de)")
def data_extension_row_count(ctx, de):
    """Number of rows in the named data extension."""
    return ctx.backend.row_count(_de_name(de), **_freshness(ctx))


def _filter_key(key) -> str:
    text = to_text(key).strip()
    if not text:
        raise FunctionError("the filter key is empty")
    return text


@builtin("ExecuteFilter", min_args=1, max_args=1, category=CAT, needs_context=True,
         contexts=NOT_EMAIL, context_error=_NON_SENDABLE, signature="ExecuteFilter(filterKey)")
def execute_filter(ctx, key):
    """Rows of the data filter with this external key, unordered."""
    return rows_to_rowset(ctx.backend.execute_filter(_filter_key(key)))


@builtin("ExecuteFilterOrderedRows", min_args=3, max_args=3, category=CAT, needs_context=True,
         contexts=NOT_EMAIL, context_error=_NON_SENDABLE,
         signature="ExecuteFilterOrderedRows(filterKey, numRows, sort)")
def execute_filter_ordered_rows(ctx, key, count, sort):
    """Rows of the data filter sorted by "Col ASC, Col2 DESC"; numRows 0 (or below) means all."""
    n = to_int(count, "row count")
    return rows_to_rowset(ctx.backend.execute_filter(_filter_key(key), order_by=parse_sort(sort),
                                                     limit=n if n > 0 else None))
