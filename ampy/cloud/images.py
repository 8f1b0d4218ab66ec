"""Content Builder images of a workspace: ``content/images/``.

Every image file there (``.png``, ``.jpg``, ``.jpeg``, ``.gif``, ``.webp``, ``.svg``, ``.bmp``,
``.ico``) is an image whose customer key is its file stem. An optional ``images.json`` in the same
folder describes images further: a JSON list of objects with ``key`` (required), and optionally
``id`` (the numeric asset ID ContentImageByID looks up), ``file`` (default: the file whose stem is
the key), ``title`` (default: the key), ``alt`` and ``url`` (an image hosted elsewhere; then no
file is needed). Keys match ignoring case; IDs match as numbers.

The URL of a local file has the shape of the Marketing Cloud image CDN::

    https://image.s<stack>.sfmc-content.com/lib/<library>/m/1/<file>

``<stack>`` is ``[account] stack`` of ampy.toml (default 1); ``<library>`` is ``fe`` followed by
the first 20 hex digits of SHA-256 of ``ampy-image-library:<member_id>`` — stable for an account,
different between accounts, like the real per-business-unit library hash; ``<file>`` is the file
name, URL-encoded.
"""

from __future__ import annotations

import hashlib
import json
import os
from urllib.parse import quote

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".bmp", ".ico")
INDEX_FILE = "images.json"


class ImageError(ValueError):
    """``images.json`` is not what this module documents."""


def library_hash(member_id: str) -> str:
    digest = hashlib.sha256(f"ampy-image-library:{member_id}".encode()).hexdigest()
    return "fe" + digest[:20]


def image_url(file_name: str, *, member_id: str, stack: object = 1) -> str:
    stack_text = str(stack).strip().lower().removeprefix("s") or "1"
    return (f"https://image.s{stack_text}.sfmc-content.com/lib/{library_hash(member_id)}/m/1/"
            f"{quote(file_name)}")


class ContentImages:
    """The images of one folder, re-read when the folder or its index changes."""

    def __init__(self, folder: str | None, *, member_id: str, stack: object = 1):
        self.folder = folder
        self.member_id = member_id
        self.stack = stack
        self._stamp: object = None
        self._by_key: dict[str, dict] = {}
        self._by_id: dict[int, dict] = {}

    def by_key(self, key: str) -> dict | None:
        self._refresh()
        record = self._by_key.get(str(key).strip().lower())
        return dict(record) if record else None

    def by_id(self, image_id: str) -> dict | None:
        number = _as_int(image_id)
        if number is None:
            return None
        self._refresh()
        record = self._by_id.get(number)
        return dict(record) if record else None

    def _refresh(self) -> None:
        stamp = self._current_stamp()
        if stamp == self._stamp:
            return
        self._by_key, self._by_id = self._load() if stamp is not None else ({}, {})
        self._stamp = stamp

    def _current_stamp(self) -> object:
        if not self.folder:
            return None
        try:
            folder = os.stat(self.folder).st_mtime_ns
        except OSError:
            return None
        try:
            index = os.stat(os.path.join(self.folder, INDEX_FILE)).st_mtime_ns
        except OSError:
            index = None
        return folder, index

    def _load(self) -> tuple[dict[str, dict], dict[int, dict]]:
        files = {}
        for entry in sorted(os.scandir(self.folder), key=lambda e: e.name):
            stem, ext = os.path.splitext(entry.name)
            if entry.is_file() and ext.lower() in IMAGE_EXTENSIONS:
                files.setdefault(stem.lower(), entry.name)
        by_key = {low: self._record(os.path.splitext(name)[0], name, {}) for low, name in files.items()}
        by_id: dict[int, dict] = {}
        for described in self._index():
            key = str(described["key"]).strip()
            name = described.get("file") or files.get(key.lower())
            if name is None and not described.get("url"):
                raise ImageError(f"{INDEX_FILE}: image '{key}' has no file in {self.folder} and no url")
            record = self._record(key, name, described)
            by_key[key.lower()] = record
            if "id" in record:
                by_id[int(record["id"])] = record
        return by_key, by_id

    def _record(self, key: str, file_name: str | None, described: dict) -> dict:
        record = {"key": key, "title": str(described.get("title") or key)}
        if file_name:
            record["file"] = file_name
        record["url"] = str(described.get("url") or image_url(file_name, member_id=self.member_id,
                                                                 stack=self.stack))
        if described.get("alt") is not None:
            record["alt"] = str(described["alt"])
        if described.get("id") is not None:
            record["id"] = str(_as_int(described["id"]))
        return record

    def _index(self) -> list[dict]:
        path = os.path.join(self.folder, INDEX_FILE)
        if not os.path.exists(path):
            return []
        try:
            with open(path, encoding="utf-8-sig") as f:
                data = json.load(f)
        except ValueError as e:
            raise ImageError(f"{path}: invalid JSON: {e}") from None
        if not isinstance(data, list) or not all(isinstance(d, dict) and d.get("key") for d in data):
            raise ImageError(f"{path}: expected a list of objects, each with a key")
        for d in data:
            if d.get("id") is not None and _as_int(d["id"]) is None:
                raise ImageError(f"{path}: image '{d['key']}' has a non-numeric id {d['id']!r}")
        return data


def _as_int(value: object) -> int | None:
    try:
        return int(str(value).strip())
    except ValueError:
        return None
