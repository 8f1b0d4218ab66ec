"""Where content blocks live in a content folder: folder paths, and IDs through ``index.json``.

- ``ContentBlockByKey("x")`` is the file whose stem is ``x`` at the top of the folder, or the
  ``file`` an index entry with that ``key`` names.
- ``ContentBlockByName("Folder\\Sub\\Block")`` is ``<content>/Folder/Sub/Block.<ext>``: each
  segment matched ignoring case, ``\\`` or ``/`` between them. A first segment ``Content Builder``
  or ``My Contents`` (the root folder Marketing Cloud shows) is the content folder itself unless a
  folder of that name exists. A name without a folder is a block at the top.
- ``ContentBlockByID(123)`` (and ``ContentArea``) look the ID up in ``<content>/index.json``: a JSON
  list of objects with ``id`` (a number) and ``file`` (a path under the content folder, ``/``
  between folders), optionally ``key``. A number the index does not list falls back to a file
  named after it (``<content>/123.html``), the form older workspaces use.
- ``AttachFile("contentbuilder", ref)`` attaches the file an index entry names (by ``id`` or
  ``key``; any kind of file), or the file at the path ``ref`` under the content folder.

The index is read again when it changes.
"""

from __future__ import annotations

import json
import os

INDEX_FILE = "index.json"
CONTENT_EXTENSIONS = (".amp", ".ampscript", ".html", ".htm", ".txt")
_ROOT_FOLDERS = ("content builder", "my contents")


class ContentIndexError(ValueError):
    """``index.json`` is not what this module documents."""


def split_path(path: str) -> list[str]:
    return [p.strip() for p in path.replace("\\", "/").split("/") if p.strip()]


def _entry(folder: str, name: str, want_file: bool) -> str | None:
    """The entry of ``folder`` whose name (files: whose stem) matches ``name`` ignoring case."""
    wanted = name.lower()
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return None
    for entry in entries:
        if want_file:
            stem, ext = os.path.splitext(entry.name)
            if (entry.is_file() and stem.lower() == wanted
                    and (ext.lower() in CONTENT_EXTENSIONS or not ext)):
                return entry.path
        elif entry.is_dir() and entry.name.lower() == wanted:
            return entry.path
    return None


def resolve_file(root: str, path: str) -> str | None:
    """Any file (an attachment: a PDF, an image) at ``Folder/Sub/name.ext`` under ``root``, each
    segment matched ignoring case; None when there is none or the path leaves ``root``."""
    parts = split_path(path)
    if not parts or any(p in (".", "..") for p in parts):
        return None
    folder = root
    for part in parts[:-1]:
        folder = _entry(folder, part, False)
        if folder is None:
            return None
    wanted = parts[-1].lower()
    try:
        return next((e.path for e in sorted(os.scandir(folder), key=lambda e: e.name)
                     if e.is_file() and e.name.lower() == wanted), None)
    except OSError:
        return None


def resolve_path(root: str, path: str) -> str | None:
    """The file a ``Folder\\Sub\\Block`` path names under ``root``, or None."""
    parts = split_path(path)
    if not parts:
        return None
    if len(parts) > 1 and parts[0].lower() in _ROOT_FOLDERS and _entry(root, parts[0], False) is None:
        parts = parts[1:]
    folder = root
    for part in parts[:-1]:
        if part in (".", ".."):
            return None
        folder = _entry(folder, part, False)
        if folder is None:
            return None
    return _entry(folder, parts[-1], True)


class ContentIndex:
    """``<content>/index.json``: block IDs and keys to files."""

    def __init__(self, root: str | None):
        self.root = root
        self._stamp: object = None
        self._by_id: dict[int, str] = {}
        self._by_key: dict[str, str] = {}

    def file_for_id(self, ref: str) -> str | None:
        number = _as_int(ref)
        if number is None:
            return None
        self._refresh()
        return self._by_id.get(number)

    def file_for_key(self, ref: str) -> str | None:
        self._refresh()
        return self._by_key.get(ref.strip().lower())

    def _refresh(self) -> None:
        path = os.path.join(self.root, INDEX_FILE) if self.root else None
        try:
            stamp = os.stat(path).st_mtime_ns if path else None
        except OSError:
            stamp = None
        if stamp == self._stamp:
            return
        self._by_id, self._by_key = self._load(path) if stamp is not None else ({}, {})
        self._stamp = stamp

    def _load(self, path: str) -> tuple[dict[int, str], dict[str, str]]:
        try:
            with open(path, encoding="utf-8-sig") as f:
                data = json.load(f)
        except (OSError, ValueError) as e:
            raise ContentIndexError(f"{INDEX_FILE} of the content folder is not valid JSON: {e}") from None
        if not isinstance(data, list) or not all(isinstance(d, dict) and d.get("file") for d in data):
            raise ContentIndexError(f"{INDEX_FILE} of the content folder must be a list of objects, "
                                    "each with a file")
        by_id, by_key = {}, {}
        for d in data:
            file = resolve_file(self.root, str(d["file"])) or resolve_path(self.root, str(d["file"]))
            if file is None:
                raise ContentIndexError(f"{INDEX_FILE}: the file '{d['file']}' is not in the content folder")
            if d.get("id") is not None:
                number = _as_int(d["id"])
                if number is None:
                    raise ContentIndexError(f"{INDEX_FILE}: '{d['file']}' has a non-numeric id {d['id']!r}")
                by_id[number] = file
            if d.get("key"):
                by_key[str(d["key"]).strip().lower()] = file
        return by_id, by_key


def _as_int(value: object) -> int | None:
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def attachment_file(root: str | None, ref: str) -> str | None:
    """The file ``AttachFile("contentbuilder", ref)`` attaches: an index entry by ID or key, else
    the path under the content folder."""
    if not root or not ref.strip():
        return None
    index = ContentIndex(root)
    return index.file_for_id(ref) or index.file_for_key(ref) or resolve_file(root, ref)
