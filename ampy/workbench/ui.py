"""The workbench UI: the email preview at ``/`` and the local-cloud views under ``/_ampy/``."""

from __future__ import annotations

import html
import json
import os


class WorkbenchUI:
    """WSGI app for ``/`` and ``/_ampy/*`` of ``ampy serve --workspace DIR``."""

    def __init__(self, workspace: str, backend, settings, *, csrf):
        self.workspace = os.path.realpath(workspace)
        self.backend = backend
        self.settings = settings
        self.csrf = csrf

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO", "/") != "/":
            start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"Not found"]
        items = "".join(f"<li>{html.escape(name)}</li>" for name in self._email_names())
        body = f"<!doctype html><title>ampy workbench</title><h1>ampy workbench</h1><ul>{items}</ul>"
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [body.encode("utf-8")]

    def _email_names(self) -> list[str]:
        names: list[str] = []
        folder = os.path.join(self.workspace, "definitions")
        if os.path.isdir(folder):
            for entry in sorted(os.listdir(folder)):
                if not entry.endswith(".json"):
                    continue
                try:
                    with open(os.path.join(folder, entry), encoding="utf-8-sig") as f:
                        items = json.load(f)
                except (OSError, ValueError):
                    continue
                names += [str(i.get("Name") or i.get("CustomerKey")) for i in items
                          if isinstance(i, dict) and i.get("Type") == "Email"]
        return names
