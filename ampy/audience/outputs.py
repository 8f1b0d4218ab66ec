"""Where rendered rows go, in audience order: stdout, a folder of ``.html`` files named by the key,
JSON lines (one object per row: key, subject, html, text, error) or a folder of complete ``.eml``
messages built by the same code a send uses."""

from __future__ import annotations

import json
import os
import re

from ..textfiles import encodable
from .worker import RowResult

_UNSAFE = re.compile(r"[^A-Za-z0-9._@-]+")


class OutputError(Exception):
    """An output cannot be written (the message names the path)."""


class _Folder:
    """Unique file stems from row keys: two rows sharing a key keep both files (``key-n``)."""

    suffix = ".html"

    def __init__(self, path: str):
        if os.path.exists(path) and not os.path.isdir(path):
            raise OutputError(f"--out {path} is a file; give a folder for the rendered files")
        try:
            os.makedirs(path, exist_ok=True)
        except OSError as e:
            raise OutputError(f"--out {path}: cannot create the folder: {e.strerror}") from None
        self.path = path
        self.written: set[str] = set()

    def _path(self, result: RowResult) -> str:
        stem = _UNSAFE.sub("_", result.key)
        if stem in self.written:
            stem = f"{stem}-{result.n}"
        self.written.add(stem)
        return os.path.join(self.path, stem + self.suffix)

    def _write(self, path: str, data: bytes) -> None:
        try:
            with open(path, "wb") as f:
                f.write(data)
        except OSError as e:
            raise OutputError(f"cannot write {path}: {e.strerror}") from None

    def close(self) -> None:
        pass


class HtmlFolder(_Folder):
    def write(self, result: RowResult) -> None:
        if result.error is None:
            self._write(self._path(result), encodable(result.html or "").encode("utf-8"))


class EmlFolder(_Folder):
    """Each row as the message a send would deliver (From given, To = the row's email column)."""

    suffix = ".eml"

    def __init__(self, path: str, from_name: str = "ampy", from_address: str = "noreply@example.com"):
        from ..cloud.mime import MessageWriter

        super().__init__(path)
        self.writer = MessageWriter(from_name, from_address)

    def write(self, result: RowResult) -> None:
        if result.error is not None:
            return
        parts = {"Subject": result.subject or "", "HTMLBody": result.html}
        if result.text is not None:
            parts["TextBody"] = result.text
        self._write(self._path(result), self.writer.build(parts, result.to))


class TextStream:
    """Each rendered row through ``write`` (text), ending with a newline: today's stdout output."""

    def __init__(self, write):
        self.emit = write

    def write(self, result: RowResult) -> None:
        if result.error is None:
            out = result.html or ""
            self.emit(out if out.endswith("\n") else out + "\n")

    def close(self) -> None:
        pass


class JsonLines:
    """One JSON object per row, errors included, to a file or through ``write`` (stdout)."""

    def __init__(self, path: str | None = None, write=None):
        self.path, self.stream, self.emit = path, None, write
        if path:
            try:
                self.stream = open(path, "w", encoding="utf-8", newline="\n")
            except OSError as e:
                raise OutputError(f"cannot write {path}: {e.strerror}") from None
            self.emit = self.stream.write

    def write(self, result: RowResult) -> None:
        line = {"key": result.key, "subject": result.subject, "html": result.html, "text": result.text,
                "error": result.error}
        self.emit(json.dumps(line, ensure_ascii=False) + "\n")

    def close(self) -> None:
        if self.stream is not None:
            self.stream.close()
