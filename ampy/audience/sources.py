"""Audience sources: rows streamed in batches, never read whole.

- ``DataExtensionSource``: a data extension of the store (keyset pages over its row id, so each batch
  is one indexed query and nothing stays open between batches);
- ``CsvSource``: a CSV file (header row = column names; read with the csv module, row by row);
- ``ParquetSource``: a Parquet file, record batch by record batch (needs ``pyarrow``).
Each has ``columns``, ``count()`` (for progress; None when unknown cheaply) and ``batches(size)``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass


class SourceError(Exception):
    """The audience cannot be read (a missing file, no pyarrow for Parquet ...)."""


@dataclass(frozen=True)
class Page:
    """Rows ``_rowid > after`` (``take`` of them) of a data extension: what a worker reads itself."""

    de: str
    where: tuple
    after: int | None
    take: int


class DataExtensionSource:
    def __init__(self, store, de: str, where=(), limit: int | None = None):
        from ..cloud.store import quote_identifier

        self.store = store
        self.info = store.info(de)  # imports or refreshes its CSV first; BackendError if missing
        self.columns = list(self.info.columns)
        self.limit = limit
        self._where_pairs = tuple(where)
        self._where, self._params = store._where(self.info, list(where), False) if where else ("", [])
        self._select = (f"SELECT _rowid, {', '.join(quote_identifier(c) for c in self.columns) or '_rowid'}"
                        f" FROM {quote_identifier(self.info.table)}")

    def count(self) -> int:
        with self.store.reading() as db:
            sql = f"SELECT COUNT(*) FROM {self._select.split(' FROM ', 1)[1]}{self._where}"
            total = db.execute(sql, self._params).fetchone()[0]
        return total if self.limit is None else min(total, self.limit)

    def pages(self, size: int) -> Iterator[Page]:
        """The audience as pages a worker reads itself from the store. Only each page's last row id
        is read here, one index seek per page as the pages are taken (reading every row id first
        cost the parent ten times as much, before the first page could go out)."""
        table = self._select.split(" FROM ", 1)[1]
        keyed = (" AND" if self._where else " WHERE") + " _rowid > ?"
        after, left = None, self.limit
        while left is None or left > 0:
            take = size if left is None else min(size, left)
            params = [*self._params, after] if after is not None else list(self._params)
            tail = f"{table}{self._where}{keyed if after is not None else ''} ORDER BY _rowid"
            with self.store.reading() as db:
                last = db.execute(f"SELECT _rowid FROM {tail} LIMIT 1 OFFSET {int(take) - 1}", params).fetchone()
                if last is None:  # the last page: fewer rows than asked for
                    take = db.execute(f"SELECT COUNT(*) FROM (SELECT 1 FROM {tail} LIMIT {int(take)})",
                                      params).fetchone()[0]
            if take:
                yield Page(self.info.name, self._where_pairs, after, take)
            if last is None:
                return
            after = last[0]
            if left is not None:
                left -= take

    def page(self, after: int | None, take: int) -> list[dict]:
        keyed = (" AND" if self._where else " WHERE") + " _rowid > ?"
        sql = f"{self._select}{self._where}{keyed if after is not None else ''} ORDER BY _rowid LIMIT {int(take)}"
        with self.store.reading() as db:
            rows = db.execute(sql, [*self._params, after] if after is not None else self._params).fetchall()
        cols = self.columns
        return [dict(zip(cols, r[1:])) for r in rows]

    def batches(self, size: int) -> Iterator[list[dict]]:
        after, left, cols = None, self.limit, self.columns
        keyed = (" AND" if self._where else " WHERE") + " _rowid > ?"
        while left is None or left > 0:
            take = size if left is None else min(size, left)
            with self.store.reading() as db:
                sql = f"{self._select}{self._where}{keyed if after is not None else ''} ORDER BY _rowid LIMIT {take}"
                params = [*self._params, after] if after is not None else self._params
                page = db.execute(sql, params).fetchall()
            if not page:
                return
            after = page[-1][0]
            if left is not None:
                left -= len(page)
            yield [dict(zip(cols, r[1:])) for r in page]
            if len(page) < take:
                return


class CsvSource:
    def __init__(self, path: str, limit: int | None = None):
        self.path, self.limit = path, limit
        try:
            with open(path, encoding="utf-8-sig", newline="") as f:
                self.columns = next(csv.reader(f), [])
        except OSError as e:
            raise SourceError(f"cannot read {path}: {e.strerror}") from None
        except UnicodeDecodeError:
            raise SourceError(f"{path} is not UTF-8 text") from None
        if not self.columns:
            raise SourceError(f"{path} has no header row")

    def count(self) -> int | None:
        return None  # counting would read the file twice

    def batches(self, size: int) -> Iterator[list[dict]]:
        cols, n, limit = self.columns, 0, self.limit
        with open(self.path, encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f)
            next(reader, None)
            batch: list[dict] = []
            try:
                for values in reader:
                    if limit is not None and n >= limit:
                        break
                    n += 1
                    batch.append(dict(zip(cols, values + [""] * (len(cols) - len(values)))))
                    if len(batch) == size:
                        yield batch
                        batch = []
            except (csv.Error, UnicodeDecodeError) as e:
                raise SourceError(f"{self.path}: line {reader.line_num}: {e}") from None
            if batch:
                yield batch


class ParquetSource:
    def __init__(self, path: str, limit: int | None = None):
        try:
            import pyarrow.parquet as pq
        except ImportError:
            raise SourceError("reading Parquet needs pyarrow: pip install pyarrow") from None
        self.path, self.limit = path, limit
        try:
            self.file = pq.ParquetFile(path)
        except (OSError, ValueError) as e:
            raise SourceError(f"cannot read {path} as Parquet: {e}") from None
        self.columns = list(self.file.schema_arrow.names)

    def count(self) -> int | None:
        total = self.file.metadata.num_rows
        return total if self.limit is None else min(total, self.limit)

    def batches(self, size: int) -> Iterator[list[dict]]:
        left = self.limit
        for record_batch in self.file.iter_batches(batch_size=size):
            rows = record_batch.to_pylist()
            if left is not None:
                rows = rows[:left]
                left -= len(rows)
            if rows:
                yield [{k: _text(v) for k, v in row.items()} for row in rows]
            if left is not None and left <= 0:
                return


def _text(value) -> object:
    """Parquet values as a data extension would hold them: None stays empty, the rest as text
    the AMPscript runtime converts on use (numbers keep their invariant spelling)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)


def open_source(backend, *, de: str | None = None, csv_path: str | None = None,
                parquet_path: str | None = None, where=(), limit: int | None = None):
    """The source the options name; BackendError or SourceError when it cannot be read."""
    if csv_path:
        return CsvSource(csv_path, limit)
    if parquet_path:
        return ParquetSource(parquet_path, limit)
    if de is None:
        raise SourceError("no audience: give --de NAME, --csv FILE or --parquet FILE")
    store = getattr(backend, "store", None)
    if store is None:  # a remote tenant (soap): its Retrieve pages are fetched whole, as before
        return RetrievedSource(backend.lookup(de, list(where), limit=limit))
    return DataExtensionSource(store, de, where, limit)


class RetrievedSource:
    """Rows a backend without a local store returned (the soap backend's data extension)."""

    def __init__(self, rows: list[dict]):
        self.rows = rows
        self.columns = list(rows[0]) if rows else []

    def count(self) -> int:
        return len(self.rows)

    def batches(self, size: int) -> Iterator[list[dict]]:
        for i in range(0, len(self.rows), size):
            yield self.rows[i:i + size]

