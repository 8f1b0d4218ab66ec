"""The workspace an edited document belongs to: its data extensions, their columns, the
attributes a send would have, and the content block files."""

from __future__ import annotations

import os
import threading

CONTENT_SUFFIXES = (".html", ".htm", ".amp", ".ampscript", ".txt")


def find_workspace(path: str) -> str | None:
    """The nearest folder at or above ``path``'s folder that holds an ``ampy.toml``."""
    folder = os.path.dirname(os.path.abspath(path))
    while True:
        if os.path.isfile(os.path.join(folder, "ampy.toml")):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


class WorkspaceIndex:
    """Names read from one workspace folder, loaded on first use (the local cloud imports its CSVs)."""

    def __init__(self, root: str):
        self.root = root
        self._store = None
        self._loaded = False
        self._lock = threading.Lock()

    def _get_store(self):
        with self._lock:
            if not self._loaded:
                self._loaded = True
                try:
                    from ..backends.local import LocalBackend

                    self._store = LocalBackend.for_workspace(self.root).store
                except Exception:  # noqa: BLE001 - a broken workspace only means no names to offer
                    self._store = None
            return self._store

    def de_names(self) -> list[str]:
        store = self._get_store()
        try:
            return list(store.names()) if store is not None else []
        except Exception:  # noqa: BLE001
            return []

    def columns(self, de: str | None) -> list[str]:
        store = self._get_store()
        if store is None or not de:
            return []
        try:
            return list(store.info(de).columns)
        except Exception:  # noqa: BLE001 - an unknown DE has no columns to offer
            return []

    def attributes(self) -> list[str]:
        """The columns of the sendable data extensions: what a send gives a subscriber."""
        store = self._get_store()
        found: dict[str, str] = {}
        for name in self.de_names():
            try:
                info = store.info(name)
            except Exception:  # noqa: BLE001
                continue
            if info.meta.get("IsSendable"):
                for column in info.columns:
                    found.setdefault(column.lower(), column)
        return sorted(found.values(), key=str.lower)

    def content_file(self, key: str, *, by_name: bool = False) -> str | None:
        """The file under ``content/`` whose stem is the block's key (or, by name, the last part
        of a folder path such as ``Content Builder\\Footer``), any case."""
        if by_name:
            key = key.replace("\\", "/").rsplit("/", 1)[-1]
        want = key.strip().lower()
        folder = os.path.join(self.root, "content")
        for dirpath, _, files in os.walk(folder):
            for f in sorted(files):
                stem, ext = os.path.splitext(f)
                if stem.lower() == want and ext.lower() in CONTENT_SUFFIXES:
                    return os.path.join(dirpath, f)
        return None
