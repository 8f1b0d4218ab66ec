"""Data extensions as real SQLite tables, imported from a folder of CSV files.

One table per data extension (``de_<n>``), every column TEXT (AMPscript sees text), rows kept in
insertion order by an integer rowid. A CSV is (re)imported on first use and whenever its size or
modification time changes. Every write runs in a transaction (BEGIN IMMEDIATE), so two processes
writing the same store serialise instead of losing rows. Row writes go through the DE's declared
fields (``fields.py``: types, lengths, required fields, defaults, stored forms); a DE without a
schema has none, so its values are stored as given.

The same database also holds the rest of the local account: API objects (``ampy_object``) and
asynchronous tasks (``ampy_task``); the modules next to this one own their meaning, this one only
creates the tables and hands out transactions.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import sqlite3
import stat
import threading
import uuid
from collections.abc import Sequence
from contextlib import contextmanager

from ..backends.base import BackendError
from ..runtime.values import to_db_text
from ..textfiles import NotText, read_text_file
from .fields import (
    canonical_field_type,
    field_type,
    filter_value,
    has_rules,
    loaded_rows,
    sort_key,
    values_for_insert,
    values_for_update,
)

Pairs = Sequence[tuple[str, object]]

# Seconds a write waits for another process's write lock before giving up with StoreBusy.
BUSY_TIMEOUT = 30.0


class StoreBusy(BackendError):
    """Another connection held the store's write lock for longer than the busy timeout."""


def quote_identifier(ident: str) -> str:
    """A table or column name as an SQLite identifier (double quotes, inner quotes doubled). SQLite
    cannot take a NUL inside SQL text at all, so a name holding one is refused here."""
    if "\0" in ident:
        raise BackendError(f"The name {ident!r} contains a NUL character")
    return '"' + ident.replace('"', '""') + '"'


_quote = quote_identifier  # the short name the SQL below is written with


def _fold(value):
    """Case-insensitive comparison key (Unicode-aware, unlike SQLite's ASCII NOCASE)."""
    return value.lower() if isinstance(value, str) else value


def _casefold(value):
    """The key a Retrieve filter's text comparison uses (``str.casefold``: ß matches ss)."""
    return value.casefold() if isinstance(value, str) else value


def _claim_free(column: str) -> str:
    """The condition of a row ClaimRow may still hand out (written once, so the partial index
    made from it and the query that wants it match term for term)."""
    return f"(COALESCE({column}, '') = '' OR lower({column}) IN ('false', '0'))"


def index_name(table: str, kind: str, terms: Sequence[str]) -> str:
    """A deterministic index name: the same column set gets the same index in every process."""
    digest = hashlib.sha1("\0".join(terms).encode()).hexdigest()[:16]
    return f"{table}_{kind}_{digest}"


class DataExtensionInfo:
    __slots__ = ("columns", "customer_key", "meta", "name", "primary_keys", "source", "table")

    def __init__(
        self,
        name: str,
        table: str,
        columns: list[str],
        primary_keys: list[str],
        customer_key: str | None = None,
        meta: dict | None = None,
        source: str | None = None,
    ):
        self.name = name
        self.table = table
        self.columns = columns
        self.primary_keys = primary_keys
        self.customer_key = customer_key or name
        self.meta = meta or {}  # API-level facts: ObjectID, Description, IsSendable, field types ...
        self.source = source  # the CSV file it was imported from, if any

    def column(self, name: str) -> str:
        """The DE's own spelling of a column, matched case-insensitively."""
        low = name.lower()
        for c in self.columns:
            if c.lower() == low:
                return c
        raise BackendError(f"Data extension '{self.name}' has no column '{name}'")


class DataStore:
    """Data extensions in one SQLite database (a file, or memory for a plain CSV folder)."""

    def __init__(self, path: str = ":memory:", data_dir: str | None = None, *,
                 busy_timeout: float = BUSY_TIMEOUT):
        self.path = path
        self.data_dir = data_dir
        self.busy_timeout = busy_timeout
        self._lock = threading.RLock()
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=busy_timeout)
        self.db.create_function("ampy_fold", 1, _fold, deterministic=True)
        self.db.create_function("ampy_casefold", 1, _casefold, deterministic=True)
        from .filter_sql import date_key, number_key  # (imported here: that module reads objects.py)

        self.db.create_function("ampy_number", 1, number_key, deterministic=True)
        self.db.create_function("ampy_date", 1, date_key, deterministic=True)
        self.db.create_function("ampy_sort_key", 2, sort_key, deterministic=True)
        if path != ":memory:":
            with self._busy_is_clear():
                self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
        self._depth = 0  # nesting of transaction() in the thread holding the lock
        self._create_tables()
        self._info: dict[str, DataExtensionInfo] = {}
        self._schema_version = -1
        self._dir_stamp: object = None
        self._csv_files: dict[str, str] = {}
        # Read paths: the render token each DE was last checked for freshness under, the SQL of
        # each lookup shape, the indexes known to exist and row counts by write counters.
        self._fresh: dict[str, object] = {}
        self._plans: dict[tuple, tuple] = {}
        self._indexes: set[str] = set()
        self._index_failed: set[str] = set()
        self._counts: dict[str, tuple] = {}

    def _create_tables(self) -> None:
        with self.transaction():
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS ampy_de (key TEXT PRIMARY KEY, name TEXT NOT NULL,"
                " tbl TEXT NOT NULL, columns TEXT NOT NULL, primary_keys TEXT NOT NULL, source TEXT,"
                " source_stamp TEXT,"
                " customer_key TEXT, meta TEXT)"
            )
            have = {r[1] for r in self.db.execute("PRAGMA table_info(ampy_de)")}
            for column in ("customer_key", "meta"):  # stores written by older versions
                if column not in have:
                    self.db.execute(f"ALTER TABLE ampy_de ADD COLUMN {column} TEXT")
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS ampy_object (rowid INTEGER PRIMARY KEY AUTOINCREMENT,"
                " type TEXT NOT NULL, api_id INTEGER NOT NULL, object_id TEXT NOT NULL, customer_key TEXT,"
                " data TEXT NOT NULL, extra TEXT, source TEXT)"
            )
            self.db.execute("CREATE INDEX IF NOT EXISTS ampy_object_type ON ampy_object (type, api_id)")
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS ampy_task (id INTEGER PRIMARY KEY AUTOINCREMENT,"
                " parent_ioid TEXT, ioid TEXT, object_type TEXT NOT NULL, object_key TEXT,"
                " action TEXT NOT NULL,"
                " status TEXT NOT NULL, error_msg TEXT, queued_time TEXT, start_time TEXT, end_time TEXT,"
                " cancel INTEGER NOT NULL DEFAULT 0, detail TEXT)"
            )
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS ampy_source (path TEXT PRIMARY KEY, stamp TEXT NOT NULL)"
            )

    @contextmanager
    def transaction(self):
        """One write transaction (BEGIN IMMEDIATE ... COMMIT, ROLLBACK on any error). Nested uses
        join the outer transaction, so a multi-step change commits or rolls back as a whole."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self.db
                finally:
                    self._depth -= 1
                return
            with self._busy_is_clear():
                self.db.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self.db
            except BaseException:
                self._depth = 0
                self.db.execute("ROLLBACK")
                self._forget()  # a rolled-back CREATE/DROP must not stay cached
                raise
            self._depth = 0
            self.db.execute("COMMIT")

    @contextmanager
    def _busy_is_clear(self):
        """SQLite's "database is locked" (another connection kept the write lock past the busy
        timeout) as a StoreBusy error the user can act on."""
        try:
            yield
        except sqlite3.OperationalError as e:
            if "locked" in str(e) or "busy" in str(e):
                raise StoreBusy(
                    f"The workspace store is busy (another process holds its write lock for more than"
                    f" {self.busy_timeout:g} s); try again") from None
            raise

    @contextmanager
    def reading(self):
        """The connection, held by this thread for a read of several statements; no transaction
        is opened (use ``transaction()`` to write)."""
        with self._lock:
            yield self.db

    def _check_schema(self) -> None:
        """Forget cached table names when any connection changed the schema (another process or the
        task runner may have re-imported a CSV or dropped a DE)."""
        version = self.db.execute("PRAGMA schema_version").fetchone()[0]
        if version != self._schema_version:
            self._forget()
            self._schema_version = version

    def _forget(self) -> None:
        """Drop every cached fact about tables (their names may now mean other tables)."""
        self._info.clear()
        self._fresh.clear()
        self._plans.clear()
        self._indexes.clear()
        self._index_failed.clear()
        self._counts.clear()

    # ---- catalogue -------------------------------------------------------------------------
    def _scan_dir(self) -> None:
        """Index the CSV folder (file stem = DE name, matched case-insensitively)."""
        if not self.data_dir:
            return
        try:
            st = os.stat(self.data_dir)
            if not stat.S_ISDIR(st.st_mode):
                raise BackendError(f"Data extension folder '{self.data_dir}' is not a folder")
            if st.st_mtime_ns == self._dir_stamp:
                return
            files = {}
            for entry in os.scandir(self.data_dir):
                if entry.is_file() and entry.name.lower().endswith(".csv"):
                    files[entry.name[:-4].lower()] = entry.path
        except OSError as e:
            raise BackendError(
                f"Data extension folder '{self.data_dir}' cannot be read: {e.strerror}"
            ) from None
        stamp = st.st_mtime_ns
        self._csv_files = files
        self._dir_stamp = stamp

    def info(self, de: str, fresh_token: object = None) -> DataExtensionInfo:
        """The data extension named ``de``, importing or refreshing it from its CSV.

        With a ``fresh_token`` (one object per render), the CSV file is checked only on the first
        call under that token: a render sees one version of each data extension's file. (The
        catalogue is still checked on every call, for tables other connections replace.)"""
        key = de.strip().lower()
        with self._lock:
            if fresh_token is not None and self._fresh.get(key) is fresh_token:
                self._check_schema()  # one cheap statement: another connection may have replaced it
                info = self._info.get(key)
                if info is not None:
                    return info
            self._scan_dir()
            path = self._csv_files.get(key)
            if path is not None:
                self._refresh_from_csv(key, path)
            self._check_schema()
            info = self._info.get(key)
            if info is None:
                row = self.db.execute(f"SELECT {_INFO_COLUMNS} FROM ampy_de WHERE key=?", (key,)).fetchone()
                if row is None:
                    raise BackendError(f"Data extension '{de}' does not exist")
                info = _info_from_row(row)
                self._info[key] = info
            if fresh_token is not None:
                self._fresh[key] = fresh_token
            return info

    def find(self, ref: str) -> DataExtensionInfo | None:
        """A DE by name, CustomerKey or ObjectID (the API refers to DEs all three ways), or None."""
        ref = (ref or "").strip()
        if not ref:
            return None
        try:
            return self.info(ref)
        except BackendError:
            pass
        self.names()  # make sure every CSV is imported before matching keys
        with self._lock:
            for row in self.db.execute(f"SELECT {_INFO_COLUMNS} FROM ampy_de"):
                info = _info_from_row(row)
                if ref.lower() in (info.customer_key.lower(), str(info.meta.get("ObjectID", "")).lower()):
                    return info
        return None

    def all_infos(self) -> list[DataExtensionInfo]:
        self.names()
        with self._lock:
            return [
                _info_from_row(r)
                for r in self.db.execute(f"SELECT {_INFO_COLUMNS} FROM ampy_de ORDER BY name")
            ]

    def drop(self, name: str) -> None:
        info = self.info(name)
        with self.transaction():
            self.db.execute(f"DROP TABLE IF EXISTS {_quote(info.table)}")
            self.db.execute("DELETE FROM ampy_de WHERE key=?", (info.name.lower(),))
        self._forget()

    def update_meta(
        self,
        name: str,
        *,
        new_name: str | None = None,
        meta: dict | None = None,
        add_columns: Sequence[str] = (),
    ) -> DataExtensionInfo:
        """Rename a DE, replace its API metadata and/or add columns, in one transaction."""
        info = self.info(name)
        with self.transaction():
            columns = list(info.columns)
            for column in add_columns:
                if column.lower() in {c.lower() for c in columns}:
                    raise BackendError(f"Data extension '{info.name}' already has a column '{column}'")
                self.db.execute(f"ALTER TABLE {_quote(info.table)} ADD COLUMN {_quote(column)} TEXT")
                columns.append(column)
            final = new_name or info.name
            if (
                final.lower() != info.name.lower()
                and self.db.execute("SELECT 1 FROM ampy_de WHERE key=?", (final.lower(),)).fetchone()
            ):
                raise BackendError(f"Data extension '{final}' already exists")
            self.db.execute(
                "UPDATE ampy_de SET key=?, name=?, columns=?, meta=? WHERE key=?",
                (
                    final.lower(),
                    final,
                    json.dumps(columns),
                    json.dumps(meta if meta is not None else info.meta),
                    info.name.lower(),
                ),
            )
        self._forget()
        return self.info(final)

    def names(self) -> list[str]:
        with self._lock:
            self._scan_dir()
            for key, path in self._csv_files.items():
                self._refresh_from_csv(key, path)
            return [r[0] for r in self.db.execute("SELECT name FROM ampy_de ORDER BY name")]

    def _refresh_from_csv(self, key: str, path: str) -> None:
        st = os.stat(path)
        schema_path = path[:-4] + ".schema.json"
        schema_stamp = os.stat(schema_path).st_mtime_ns if os.path.exists(schema_path) else 0
        stamp = f"{st.st_size}:{st.st_mtime_ns}:{schema_stamp}"
        if self._source_stamp(key) == stamp:
            return
        name = os.path.basename(path)[:-4]
        columns, rows = read_csv(path)
        primary_keys, full = _apply_schema(schema_path, columns)
        if len(full) > len(columns):
            pad = [None] * (len(full) - len(columns))
            rows = [r + pad for r in rows]
        columns = full
        meta = schema_meta(schema_path)
        rows = loaded_rows(meta, columns, rows)
        with self.transaction():
            # Checked again under the write lock: another process may have imported the file since
            # the check above, and re-creating the table then would drop the rows it wrote since.
            if self._source_stamp(key) == stamp:
                return
            self.create(
                name,
                columns,
                primary_keys,
                rows=rows,
                source=path,
                stamp=stamp,
                replace=True,
                customer_key=meta.get("CustomerKey"),
                meta=meta,
            )

    def _source_stamp(self, key: str) -> str | None:
        row = self.db.execute("SELECT source_stamp FROM ampy_de WHERE key=?", (key,)).fetchone()
        return row[0] if row is not None else None

    def create(
        self,
        name: str,
        columns: list[str],
        primary_keys: Sequence[str] = (),
        *,
        rows=(),
        source: str | None = None,
        stamp: str | None = None,
        replace: bool = False,
        customer_key: str | None = None,
        meta: dict | None = None,
    ) -> DataExtensionInfo:
        """Create (or with ``replace``, recreate) a DE table and load rows, in one transaction."""
        key = name.lower()
        lowered = [c.lower() for c in columns]
        if len(set(lowered)) != len(lowered):
            raise BackendError(f"Data extension '{name}' has duplicate column names")
        missing = [k for k in primary_keys if k.lower() not in lowered]
        if missing:
            raise BackendError(f"Data extension '{name}': primary key '{missing[0]}' is not a column")
        meta = dict(meta or {})
        with self.transaction():
            old = self.db.execute("SELECT tbl, meta FROM ampy_de WHERE key=?", (key,)).fetchone()
            if old is not None:
                if not replace:
                    raise BackendError(f"Data extension '{name}' already exists")
                # A re-imported CSV keeps its identity (ObjectID) so API references stay valid.
                meta.setdefault("ObjectID", json.loads(old[1] or "{}").get("ObjectID"))
                self.db.execute(f"DROP TABLE IF EXISTS {_quote(old[0])}")
                self.db.execute("DELETE FROM ampy_de WHERE key=?", (key,))
            if (
                customer_key
                and self.db.execute(
                    "SELECT 1 FROM ampy_de WHERE lower(customer_key)=?", (customer_key.lower(),)
                ).fetchone()
            ):
                raise BackendError(f"A data extension with CustomerKey '{customer_key}' already exists")
            n = self.db.execute(
                "SELECT COALESCE(MAX(CAST(substr(tbl, 4) AS INTEGER)), 0) + 1 FROM ampy_de"
            ).fetchone()[0]
            tbl = f"de_{n}"
            cols = ", ".join(f"{_quote(c)} TEXT" for c in columns)
            self.db.execute(
                f"CREATE TABLE {_quote(tbl)} (_rowid INTEGER PRIMARY KEY AUTOINCREMENT"
                f"{', ' if cols else ''}{cols})"
            )
            if primary_keys:
                pk = ", ".join(f"ampy_fold({_quote(c)})" for c in primary_keys)
                self.db.execute(f"CREATE UNIQUE INDEX {_quote(tbl + '_pk')} ON {_quote(tbl)} ({pk})")
            if rows:
                marks = ", ".join("?" for _ in columns)
                names = ", ".join(_quote(c) for c in columns)
                try:
                    self.db.executemany(f"INSERT INTO {_quote(tbl)} ({names}) VALUES ({marks})", rows)
                except sqlite3.IntegrityError:
                    raise BackendError(
                        f"Data extension '{name}': duplicate primary key in {source or 'the rows'}"
                    ) from None
            if not meta.get("ObjectID"):
                meta["ObjectID"] = str(uuid.uuid4())
            self.db.execute(
                "INSERT INTO ampy_de (key, name, tbl, columns, primary_keys, source, source_stamp,"
                " customer_key, meta) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    key,
                    name,
                    tbl,
                    json.dumps(columns),
                    json.dumps(list(primary_keys)),
                    source,
                    stamp,
                    customer_key or name,
                    json.dumps(meta),
                ),
            )
        self._forget()
        if source is None:
            return self.info(name)
        return DataExtensionInfo(name, tbl, columns, list(primary_keys), customer_key, meta, source)

    # ---- indexes ---------------------------------------------------------------------------
    def _ensure_index(self, info: DataExtensionInfo, kind: str, terms: Sequence[str],
                      where: str | None = None) -> None:
        """Create (once, ``IF NOT EXISTS``) the index a read needs. It is kept with the store, so
        later processes find it; a store that cannot be written (read-only, or busy past the
        timeout) is read without it."""
        name = index_name(info.table, kind, [*terms, where or ""])
        if name in self._indexes or name in self._index_failed:
            return
        try:
            if not self.db.execute(
                "SELECT 1 FROM sqlite_master WHERE type='index' AND name=?", (name,)
            ).fetchone():
                with self.transaction():
                    self.db.execute(
                        f"CREATE INDEX IF NOT EXISTS {_quote(name)} ON {_quote(info.table)}"
                        f" ({', '.join(terms)}){' WHERE ' + where if where else ''}"
                    )
        except (sqlite3.OperationalError, StoreBusy):
            self._index_failed.add(name)
            return
        self._indexes.add(name)

    def _index_columns(self, info: DataExtensionInfo, columns: Sequence[str], case_sensitive: bool) -> None:
        """The index an equality filter on ``columns`` is answered from: on the folded values
        (exactly the ``ampy_fold`` the query compares) or, for the CS variants, the values."""
        if not columns:
            return
        ordered = sorted({c for c in columns}, key=str.lower)
        if case_sensitive:
            self._ensure_index(info, "cs", [_quote(c) for c in ordered])
        elif {c.lower() for c in ordered} != {k.lower() for k in info.primary_keys}:
            # (the primary key's unique index is already on its folded values)
            self._ensure_index(info, "ci", [f"ampy_fold({_quote(c)})" for c in ordered])

    def ensure_lookup_index(self, de: str, columns: Sequence[str], *, case_sensitive: bool = False) -> None:
        """Create the index lookups on ``columns`` use now (e.g. before the store is shipped
        read-only to workers that cannot create it)."""
        with self._lock:
            info = self.info(de)
            self._index_columns(info, [info.column(c) for c in columns], case_sensitive)

    # ---- rows ------------------------------------------------------------------------------
    def _where(self, info: DataExtensionInfo, filters: Pairs, case_sensitive: bool) -> tuple[str, list]:
        columns = [info.column(col) for col, _ in filters]
        values = [filter_value(info, column, value) for column, (_, value) in zip(columns, filters, strict=True)]
        self._index_columns(info, columns, case_sensitive)
        where = _where_sql(columns, values, case_sensitive)
        return (" WHERE " + where if where else ""), _where_params(values, case_sensitive)

    def lookup(
        self,
        de: str,
        filters: Pairs,
        *,
        case_sensitive: bool = False,
        order_by: Sequence[tuple[str, bool]] = (),
        limit: int | None = None,
        fresh_token: object = None,
    ) -> list[dict]:
        """Rows matching every (column, value) pair, in the DE's order or ``order_by``.

        ``fresh_token``: see ``info``. The SQL of each shape of call is built once and the
        filter is answered from an index (created on first use)."""
        with self._lock:
            try:
                return self._lookup(de, filters, case_sensitive, tuple(order_by), limit, fresh_token)
            except sqlite3.OperationalError:
                if fresh_token is None:
                    raise
                # Another connection replaced the table during this render (it is gone, or now has
                # other columns): read it afresh, checking the catalogue again.
                self._forget()
                return self._lookup(de, filters, case_sensitive, tuple(order_by), limit, None)

    def _lookup(self, de, filters, case_sensitive, order_by, limit, fresh_token) -> list[dict]:
        info = self.info(de, fresh_token)
        shape = (info.name.lower(), tuple(c.lower() for c, _ in filters), case_sensitive, order_by, limit)
        plan = self._plans.get(shape)
        if plan is None or plan[0] is not info:
            columns = [info.column(c) for c, _ in filters]
            order = ", ".join(self._order_term(info, c, desc) for c, desc in order_by)
            select = (
                f"SELECT {', '.join(_quote(c) for c in info.columns) or '_rowid'} FROM {_quote(info.table)}"
            )
            tail = f" ORDER BY {order + ', ' if order else ''}_rowid"
            if limit is not None:
                tail += f" LIMIT {int(limit)}"
            self._index_columns(info, columns, case_sensitive)
            plan = self._plans[shape] = (info, columns, select, tail, {})
        _, columns, select, tail, by_nulls = plan
        values = [filter_value(info, column, value) for column, (_, value) in zip(columns, filters, strict=True)]
        nulls = tuple(v is None for v in values)
        sql = by_nulls.get(nulls)
        if sql is None:
            where = _where_sql(columns, values, case_sensitive)
            sql = by_nulls[nulls] = select + (where and " WHERE " + where) + tail
        cols = info.columns
        return [dict(zip(cols, r, strict=False))
                for r in self.db.execute(sql, _where_params(values, case_sensitive))]

    def filter_candidates(self, de: str, condition, order_by: Sequence[tuple[str, bool]] = ()) -> list[dict]:
        """Rows of ``de`` meeting ``condition`` (a ``filter_sql.Condition``: SQL over indexed
        expressions), in the DE's order or ``order_by``; the indexes it reads through are created
        first (see ``filter_sql``)."""
        from .filter_sql import TERMS

        with self._lock:
            info = self.info(de)
            for kind, column in sorted(condition.indexes):
                self._ensure_index(info, kind, [TERMS[kind].format(_quote(info.column(column)))])
            sql = (f"SELECT _rowid, {', '.join(_quote(c) for c in info.columns)} FROM {_quote(info.table)}"
                   f" WHERE {condition.sql}")
            if order_by:
                sql += f" ORDER BY {''.join(self._order_term(info, c, desc) + ', ' for c, desc in order_by)}_rowid"
            rows = self.db.execute(sql, condition.params).fetchall()
            if not order_by:
                # sorted here, not by ORDER BY _rowid: asked for that order, SQLite prefers scanning
                # the table in it to reading an OR of index ranges and sorting what they find
                rows.sort(key=lambda r: r[0])
            return [dict(zip(info.columns, r[1:], strict=False)) for r in rows]

    @staticmethod
    def _order_term(info: DataExtensionInfo, column: str, desc: bool) -> str:
        """One ORDER BY term that sorts the column by its declared type (see ``sort_key``)."""
        own = info.column(column)
        kind = field_type(info, own).replace("'", "")
        return f"ampy_sort_key({_quote(own)}, '{kind}') {'DESC' if desc else 'ASC'}"

    def row_count(self, de: str, fresh_token: object = None) -> int:
        """COUNT(*) over a narrow index, remembered until this or another connection writes."""
        with self._lock:
            info = self.info(de, fresh_token)
            stamp = (self.db.total_changes, self.db.execute("PRAGMA data_version").fetchone()[0])
            known = self._counts.get(info.table)
            if known is not None and known[0] == stamp:
                return known[1]
            self._ensure_index(info, "n", ["_rowid"])
            n = self.db.execute(f"SELECT COUNT(*) FROM {_quote(info.table)}").fetchone()[0]
            # (read after any index creation above, which itself counts as a change)
            stamp = (self.db.total_changes, self.db.execute("PRAGMA data_version").fetchone()[0])
            self._counts[info.table] = (stamp, n)
            return n

    def _write(self, fn):
        try:
            with self.transaction():
                return fn()
        except sqlite3.IntegrityError:
            raise BackendError("a row with the same primary key already exists") from None

    @staticmethod
    def _own_names(info: DataExtensionInfo, pairs: Pairs) -> list[tuple[str, object]]:
        """The pairs with each column in the DE's own spelling (an unknown column is an error)."""
        return [(info.column(c), v) for c, v in pairs]

    def insert_row(self, de: str, values: Pairs) -> int:
        info = self.info(de)
        pairs = self._own_names(info, values)
        if has_rules(info):
            pairs = values_for_insert(info, pairs)
        names = ", ".join(_quote(c) for c, _ in pairs)
        marks = ", ".join("?" for _ in pairs)
        params = [to_db_text(v) for _, v in pairs]
        sql = (
            f"INSERT INTO {_quote(info.table)} ({names}) VALUES ({marks})"
            if pairs
            else f"INSERT INTO {_quote(info.table)} DEFAULT VALUES"
        )
        return self._write(lambda: self.db.execute(sql, params).rowcount)

    def update_rows(self, de: str, keys: Pairs, values: Pairs) -> int:
        info = self.info(de)
        if not values:
            return 0
        keys, values = self._own_names(info, keys), self._own_names(info, values)
        if has_rules(info):
            keys, values = values_for_update(info, keys, keys=True), values_for_update(info, values)
        sets = ", ".join(f"{_quote(info.column(c))} = ?" for c, _ in values)
        where, wparams = self._where(info, keys, False)
        params = [to_db_text(v) for _, v in values] + wparams
        return self._write(
            lambda: self.db.execute(f"UPDATE {_quote(info.table)} SET {sets}{where}", params).rowcount
        )

    def upsert_row(self, de: str, keys: Pairs, values: Pairs) -> int:
        info = self.info(de)
        keys, values = self._own_names(info, keys), self._own_names(info, values)
        rules = has_rules(info)
        if rules:
            keys, values = values_for_update(info, keys, keys=True), values_for_update(info, values)

        def run():
            where, wparams = self._where(info, keys, False)
            if values:
                sets = ", ".join(f"{_quote(info.column(c))} = ?" for c, _ in values)
                n = self.db.execute(
                    f"UPDATE {_quote(info.table)} SET {sets}{where}",
                    [to_db_text(v) for _, v in values] + wparams,
                ).rowcount
            else:
                n = self.db.execute(f"SELECT COUNT(*) FROM {_quote(info.table)}{where}", wparams).fetchone()[
                    0
                ]
            if n:
                return n
            merged: dict[str, object] = {}
            for c, v in list(keys) + list(values):
                merged[c] = v
            if rules:
                merged = dict(values_for_insert(info, list(merged.items())))
            names = ", ".join(_quote(c) for c in merged)
            marks = ", ".join("?" for _ in merged)
            return self.db.execute(
                f"INSERT INTO {_quote(info.table)} ({names}) VALUES ({marks})",
                [to_db_text(v) for v in merged.values()],
            ).rowcount

        return self._write(run)

    def delete_rows(self, de: str, filters: Pairs) -> int:
        info = self.info(de)
        where, params = self._where(info, filters, False)
        return self._write(
            lambda: self.db.execute(f"DELETE FROM {_quote(info.table)}{where}", params).rowcount
        )

    def claim_row(
        self, de: str, claimed_column: str, claimant_column: str, claimant_value: object, claimant_pairs: Pairs
    ) -> dict | None:
        """ClaimRow: the row this claimant already holds, else the first unclaimed row, marked claimed
        and stamped with the claimant and its extra column/value pairs (JobID, ListID ... in
        Marketing Cloud's own example); None when every row is taken."""
        info = self.info(de)
        claimed_column, claimant_column = info.column(claimed_column), info.column(claimant_column)
        extra = [(info.column(c), v) for c, v in claimant_pairs]
        writes = [(claimed_column, "True"), (claimant_column, claimant_value)] + extra
        if has_rules(info):
            writes = values_for_update(info, writes)
        else:
            writes = [(c, to_db_text(v)) for c, v in writes]
        identity = writes[1:]  # the claimant and its extra pairs, in their stored form
        claimed = _quote(claimed_column)
        cols = ", ".join(_quote(c) for c in info.columns)

        def run():
            where, params = self._where(info, identity, False)
            held = self.db.execute(
                f"SELECT _rowid, {cols} FROM {_quote(info.table)}{where} ORDER BY _rowid LIMIT 1", params
            ).fetchone()
            if held is not None:
                return dict(zip(info.columns, held[1:], strict=False))
            # The rows still free sit in a partial index, so the first is found without
            # stepping over every row already claimed.
            self._ensure_index(info, "free", ["_rowid"], where=_claim_free(claimed))
            free = self.db.execute(
                f"SELECT _rowid FROM {_quote(info.table)} WHERE {_claim_free(claimed)} ORDER BY _rowid LIMIT 1"
            ).fetchone()
            if free is None:
                return None
            sets = ", ".join(f"{_quote(c)} = ?" for c, _ in writes)
            self.db.execute(
                f"UPDATE {_quote(info.table)} SET {sets} WHERE _rowid = ?", [v for _, v in writes] + [free[0]]
            )
            row = self.db.execute(
                f"SELECT {cols} FROM {_quote(info.table)} WHERE _rowid = ?", (free[0],)
            ).fetchone()
            return dict(zip(info.columns, row, strict=False))

        return self._write(run)

    def close(self) -> None:
        with self._lock:
            self.db.close()


def _where_sql(columns: Sequence[str], values: Sequence[object], case_sensitive: bool) -> str:
    """The equality terms of a lookup, spelled as its index is: ``ampy_fold(col)`` (also for
    NULL, which folds to NULL) or, case-sensitively, the column itself."""
    terms = []
    for column, value in zip(columns, values, strict=True):
        c = _quote(column) if case_sensitive else f"ampy_fold({_quote(column)})"
        terms.append(f"{c} IS NULL" if value is None else f"{c} = ?")
    return " AND ".join(terms)


def _where_params(values: Sequence[object], case_sensitive: bool) -> list:
    if case_sensitive:
        return [v for v in values if v is not None]
    return [v.lower() for v in values if v is not None]


def read_csv(path: str) -> tuple[list[str], list[list[str | None]]]:
    """Header and rows of a CSV data extension; a malformed file is a clear BackendError."""
    try:
        text = read_text_file(path, os.path.basename(path), fallback="cp1252")  # cp1252: what Excel saves
    except OSError as e:
        raise BackendError(f"Cannot read {path}: {e.strerror}") from None
    except NotText as e:
        raise BackendError(str(e)) from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        rows = list(reader)
    except csv.Error as e:
        raise BackendError(
            f"{os.path.basename(path)}: malformed CSV at line {reader.line_num}: {e}"
        ) from None
    if not rows:
        raise BackendError(f"{os.path.basename(path)}: empty CSV (a header row is required)")
    header = [h.strip() for h in rows[0]]
    if any(not h for h in header):
        raise BackendError(f"{os.path.basename(path)}: empty column name in the header row")
    width = len(header)
    body: list[list[str | None]] = []
    for i, r in enumerate(rows[1:], start=2):
        if not r:
            continue
        if len(r) > width:
            raise BackendError(
                f"{os.path.basename(path)}: line {i} has {len(r)} fields, the header has {width}"
            )
        body.append([v if v != "" else None for v in r] + [None] * (width - len(r)))
    return header, body


_INFO_COLUMNS = "name, tbl, columns, primary_keys, customer_key, meta, source"


def _info_from_row(row) -> DataExtensionInfo:
    return DataExtensionInfo(
        row[0], row[1], json.loads(row[2]), json.loads(row[3]), row[4], json.loads(row[5] or "{}"), row[6]
    )


def schema_meta(schema_path: str) -> dict:
    """API-level facts from an optional ``<name>.schema.json``: CustomerKey, Description,
    IsSendable, the sendable field, and per-field FieldType/MaxLength/IsRequired/DefaultValue."""
    schema = _load_schema(schema_path)
    if not schema:
        return {}
    meta: dict = {}
    for src, dst in (
        ("customerKey", "CustomerKey"),
        ("description", "Description"),
        ("isSendable", "IsSendable"),
        ("sendableField", "SendableField"),
        ("sendableSubscriberField", "SendableSubscriberField"),
        ("retention", "Retention"),
        ("relationships", "Relationships"),
    ):
        if src in schema:
            meta[dst] = schema[src]
    fields = {}
    for f in schema.get("fields", []):
        if "name" in f:
            field_type = canonical_field_type(f.get("type"))
            if field_type is None:
                raise BackendError(
                    f"{os.path.basename(schema_path)}: field '{f['name']}': '{f.get('type')}' is not a field"
                    " type (Text, Number, Decimal, Date, Boolean, EmailAddress, Phone, Locale)"
                )
            fields[f["name"].lower()] = {
                "FieldType": field_type,
                "MaxLength": f.get("maxLength"),
                "IsRequired": bool(f.get("required", False)),
                "DefaultValue": f.get("default"),
                "Scale": f.get("scale"),
            }
    meta["Fields"] = fields
    return meta


def _apply_schema(schema_path: str, columns: list[str]) -> tuple[list[str], list[str]]:
    """Primary keys (and extra columns) from an optional ``<name>.schema.json``."""
    fields = _load_schema(schema_path).get("fields", [])
    keys = [f["name"] for f in fields if isinstance(f, dict) and f.get("primaryKey") and "name" in f]
    known = {c.lower() for c in columns}
    extra = [
        f["name"] for f in fields if isinstance(f, dict) and "name" in f and f["name"].lower() not in known
    ]
    return keys, columns + extra


def _load_schema(schema_path: str) -> dict:
    """A ``<name>.schema.json`` checked for the shape the importer reads ({} when there is none):
    an object whose ``fields`` is a list of objects with a text ``name``."""
    if not os.path.exists(schema_path):
        return {}
    name = os.path.basename(schema_path)
    try:
        with open(schema_path, encoding="utf-8") as f:
            schema = json.load(f)
    except OSError as e:
        raise BackendError(f"{name}: cannot read the schema: {e.strerror}") from None
    except UnicodeDecodeError as e:
        raise BackendError(f"{name}: invalid schema: not UTF-8 text at byte {e.start}") from None
    except ValueError as e:
        raise BackendError(f"{name}: invalid schema: {e}") from None
    if not isinstance(schema, dict):
        raise BackendError(f"{name}: invalid schema: it must be a JSON object")
    for key in ("customerKey", "description", "sendableField", "sendableSubscriberField"):
        if schema.get(key) is not None and not isinstance(schema[key], str):
            raise BackendError(f'{name}: invalid schema: "{key}" must be text, not {json.dumps(schema[key])}')
    retention = schema.get("retention")
    if retention is not None and not (
        isinstance(retention, dict)
        and isinstance(retention.get("field"), str)
        and retention["field"].strip()
        and type(retention.get("days")) is int
        and retention["days"] > 0
    ):
        raise BackendError(f'{name}: invalid schema: "retention" must be {{"field": <date field>, "days": <n > 0>}}')
    fields = schema.get("fields", [])
    if not isinstance(fields, list):
        raise BackendError(f'{name}: invalid schema: "fields" must be a list of field objects')
    for n, f in enumerate(fields, start=1):
        if not isinstance(f, dict):
            raise BackendError(f'{name}: invalid schema: field {n} must be an object with a "name"')
        if "name" in f and not (isinstance(f["name"], str) and f["name"].strip()):
            raise BackendError(f'{name}: invalid schema: field {n} has a "name" that is not text')
        for key in ("type", "default", "maxLength", "scale"):  # one value each, not a list or object
            if isinstance(f.get(key), (list, dict)):
                raise BackendError(f'{name}: invalid schema: field {n} has a "{key}" that is not a single value')
    return schema
