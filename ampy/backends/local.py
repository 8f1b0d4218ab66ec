"""The ``local`` backend: the embedded Marketing Cloud (SQLite data extensions, content folder)."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence

from ..cloud.store import DataStore
from .base import Backend, Pairs, Row

_CONTENT_EXTENSIONS = (".amp", ".ampscript", ".html", ".htm", ".txt")


class ContentFolder:
    """Content blocks from a folder: file stem = key, name and id, matched case-insensitively."""

    def __init__(self, path: str | None):
        self.path = path
        self._stamp: object = None
        self._files: dict[str, str] = {}

    def find(self, ref: str) -> str | None:
        if not self.path or not ref:
            return None
        try:
            stamp = os.stat(self.path).st_mtime_ns
        except OSError:
            return None
        if stamp != self._stamp:
            files = {}
            for entry in sorted(os.scandir(self.path), key=lambda e: e.name):
                stem, ext = os.path.splitext(entry.name)
                if entry.is_file() and (ext.lower() in _CONTENT_EXTENSIONS or not ext):
                    files.setdefault(stem.lower(), entry.path)
            self._files, self._stamp = files, stamp
        path = self._files.get(str(ref).strip().lower())
        if path is None:
            return None
        with open(path, encoding="utf-8-sig") as f:
            return f.read()


class LocalBackend(Backend):
    """Data extensions from CSV files through SQLite, content blocks from a folder."""

    name = "local"

    def __init__(self, data_dir: str | None = None, content_dir: str | None = None, *,
                 store_path: str = ":memory:"):
        self.data_dir = data_dir
        self.content_dir = content_dir
        self.store = DataStore(store_path, data_dir)
        self.content = ContentFolder(content_dir)

    # ---- data extensions
    def lookup(self, de: str, filters: Pairs, *, case_sensitive: bool = False,
               order_by: Sequence[tuple[str, bool]] = (), limit: int | None = None) -> list[Row]:
        return self.store.lookup(de, filters, case_sensitive=case_sensitive, order_by=order_by, limit=limit)

    def insert_row(self, de: str, values: Pairs) -> int:
        return self.store.insert_row(de, values)

    def update_rows(self, de: str, keys: Pairs, values: Pairs) -> int:
        return self.store.update_rows(de, keys, values)

    def upsert_row(self, de: str, keys: Pairs, values: Pairs) -> int:
        return self.store.upsert_row(de, keys, values)

    def delete_rows(self, de: str, filters: Pairs) -> int:
        return self.store.delete_rows(de, filters)

    def row_count(self, de: str) -> int:
        return self.store.row_count(de)

    def claim_row(self, de: str, claimed_column: str, claimant_column: str, claimant_value: object,
                  filters: Pairs) -> Row | None:
        return self.store.claim_row(de, claimed_column, claimant_column, claimant_value, filters)

    # ---- content
    def content_block(self, *, key: str | None = None, name: str | None = None,
                      id: str | None = None) -> str | None:
        return self.content.find(key or name or id or "")

    def close(self) -> None:
        self.store.close()


_folder_backends: dict[tuple[str | None, str | None], LocalBackend] = {}
_folder_lock = threading.Lock()


def folder_backend(data_dir, content_dir) -> LocalBackend:
    """A LocalBackend for plain folders, shared per (data_dir, content_dir) in this process so
    repeated ``ampy.render(..., data_dir=...)`` calls import each CSV once."""
    key = (os.path.abspath(data_dir) if data_dir else None, os.path.abspath(content_dir) if content_dir else None)
    with _folder_lock:
        backend = _folder_backends.get(key)
        if backend is None:
            backend = _folder_backends[key] = LocalBackend(key[0], key[1])
        return backend
