"""QueryDefinition start: the QueryText runs as SQL over the data extensions into the target DE.

Every DE is visible under its own name (``FROM [My DE]`` or ``FROM MyDE``): the query runs with
temporary views named after the DEs, in SQLite's dialect, with a few T-SQL habits translated
(``SELECT TOP n``, ``GETDATE()``, ``ISNULL(a, b)``, ``LEN(x)``). Only one SELECT statement is
accepted, and an authorizer refuses anything but reading while it runs. Result columns map onto
target fields by name (ignoring case). TargetUpdateType: Overwrite (replace every row), Append
(add rows; a duplicate primary key fails the task), Update (add or update by primary key).
The whole write is one transaction: a failing query leaves the target unchanged.
"""

from __future__ import annotations

import re
import sqlite3

from ..api.model import ApiObject
from ..backends.base import BackendError
from ..runtime.dates import parse_date
from .fields import FieldValueError, field_type, has_rules, values_for_insert
from .objects import now_text, text
from .store import quote_identifier as _quote
from .tasks import TaskFailed

_TOP = re.compile(r"^\s*SELECT\s+(DISTINCT\s+)?TOP\s*\(?\s*(\d+)\s*\)?", re.IGNORECASE)
_READ_ACTIONS = {
    sqlite3.SQLITE_SELECT,
    sqlite3.SQLITE_READ,
    sqlite3.SQLITE_FUNCTION,
    sqlite3.SQLITE_RECURSIVE,
}


def translate(sql: str) -> str:
    """The few T-SQL spellings a Marketing Cloud query commonly uses, in SQLite's dialect."""
    sql = sql.strip().rstrip(";").strip()
    m = _TOP.match(sql)
    if m:
        sql = f"SELECT {m.group(1) or ''}" + sql[m.end() :] + f" LIMIT {m.group(2)}"
    sql = re.sub(r"\bISNULL\s*\(", "IFNULL(", sql, flags=re.IGNORECASE)
    sql = re.sub(r"\bLEN\s*\(", "LENGTH(", sql, flags=re.IGNORECASE)
    return sql


def run_query(cloud, definition: ApiObject, task_id: int) -> None:
    sql = translate(text(definition.get("QueryText")))
    if not re.match(r"^(SELECT|WITH)\b", sql, re.IGNORECASE) or ";" in sql:
        raise TaskFailed("The QueryText must be one SELECT statement.")
    target_ref = definition.get("DataExtensionTarget")
    ref = ""
    if isinstance(target_ref, ApiObject):
        ref = text(target_ref.get("CustomerKey")) or text(target_ref.get("Name"))
    target = cloud.store.find(ref) if ref else None
    if target is None:
        raise TaskFailed(f"The target data extension '{ref}' does not exist.")
    mode = (text(definition.get("TargetUpdateType")) or "Overwrite").lower()
    if mode not in ("overwrite", "append", "update"):
        raise TaskFailed(
            f"'{text(definition.get('TargetUpdateType'))}' is not a TargetUpdateType "
            "(Overwrite, Append, Update)."
        )
    if mode == "update" and not target.primary_keys:
        raise TaskFailed(f"TargetUpdateType Update needs a primary key on '{target.name}'.")
    store = cloud.store
    with store.transaction() as db:
        columns, rows = _select(store, db, sql)
        mapped = []
        for c in columns:
            try:
                mapped.append(target.column(c))
            except BackendError:
                raise TaskFailed(
                    f"The query column '{c}' is not a field of the target data extension '{target.name}'."
                ) from None
        table = _quote(target.table)
        names = ", ".join(_quote(c) for c in mapped)
        marks = ", ".join("?" for _ in mapped)
        if mode == "overwrite":
            db.execute(f"DELETE FROM {table}")
        try:
            if mode != "update" and has_rules(target):
                # The declared fields decide what is stored, as for every other row write.
                checked = [values_for_insert(target, list(zip(mapped, row, strict=False))) for row in rows]
                if checked:
                    mapped = [c for c, _ in checked[0]]
                    names = ", ".join(_quote(c) for c in mapped)
                    marks = ", ".join("?" for _ in mapped)
                rows = [[v for _, v in pairs] for pairs in checked]
            if mode == "update":
                for row in rows:
                    values = dict(zip(mapped, row, strict=False))
                    keys = [(k, values.get(k)) for k in target.primary_keys]
                    rest = [(c, v) for c, v in values.items() if c not in target.primary_keys]
                    store.upsert_row(target.name, keys, rest)
            else:
                db.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
        except FieldValueError as e:
            raise TaskFailed(f"The query returned a row that '{target.name}' does not accept: {e}") from None
        except (sqlite3.IntegrityError, BackendError):
            raise TaskFailed(
                f"Violation of the primary key of '{target.name}': the query returned a duplicate key."
            ) from None
    cloud.tasks.set_detail(task_id, f"{len(rows)} row(s) written to {target.name} at {now_text()}")


def _select(store, db, sql: str):
    """Run the SELECT with every DE visible under its name, read-only."""
    infos = store.all_infos()
    views = []
    try:
        for info in infos:
            view = _quote(info.name)
            cols = ", ".join(_view_column(info, c) for c in info.columns) or "_rowid"
            db.execute(
                f"CREATE TEMP VIEW IF NOT EXISTS {view} AS SELECT {cols} FROM main.{_quote(info.table)}"
            )
            views.append(view)
        db.create_function("GETDATE", 0, now_text)
        db.create_function("ampy_iso_date", 1, _iso_date, deterministic=True)
        db.set_authorizer(
            lambda action, *args: sqlite3.SQLITE_OK if action in _READ_ACTIONS else sqlite3.SQLITE_DENY
        )
        try:
            cur = db.execute(sql)
            columns = [d[0] for d in cur.description or ()]
            rows = [list(r) for r in cur.fetchall()]
        except sqlite3.Error as e:
            raise TaskFailed(f"The query failed: {e}") from None
        finally:
            db.set_authorizer(None)
        return columns, rows
    finally:
        for view in views:
            db.execute(f"DROP VIEW IF EXISTS temp.{view}")


# Every column is stored as text; a Number or Decimal field must reach the query as a number,
# or SQLite compares it as text (``'420' > 1000`` is true: text sorts after every number).
# A Date field reaches it as ISO 8601 text (``2026-03-04T10:15:00``), which orders like the dates
# and compares with ISO literals (``WHERE OrderDate > '2026-01-01'``) and GETDATE().
_NUMERIC_FIELD_TYPES = ("Number", "Decimal")


def _view_column(info, column: str) -> str:
    quoted = _quote(column)
    kind = field_type(info, column)
    if kind in _NUMERIC_FIELD_TYPES:
        return f"CAST(NULLIF({quoted}, '') AS NUMERIC) AS {quoted}"
    if kind == "Date":
        return f"ampy_iso_date({quoted}) AS {quoted}"
    return quoted


def _iso_date(value):
    """A stored date (``M/d/yyyy h:mm:ss tt``) as ISO 8601 text; anything unreadable unchanged."""
    if not value:
        return None
    parsed = parse_date(value)
    return parsed.isoformat(timespec="seconds") if parsed is not None else value
