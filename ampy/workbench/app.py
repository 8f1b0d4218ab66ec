"""One WSGI app on one port for ``ampy serve --workspace DIR``.

Routes
    ``/Service.asmx``, ``/etframework.wsdl``, ``/v2/token``, ``/api/v1/...``
                          the Partner API, token endpoint and campaign REST (``ampy.server.wsgi``)
    ``/_ampy/click/...``, ``/_ampy/social/...``
                          tracked links of local sends and social sharing links (``tracking.py``)
    ``/`` and ``/_ampy/...``
                          the workbench UI: email preview, views of the local cloud (``ui.py``)
    anything else         a CloudPage from the workspace's ``cloudpages/`` folder, else 404 (``pages.py``)
"""

from __future__ import annotations

import sys
import traceback
from html import escape as html_escape

from .common import Csrf, host_of, html_page, is_loopback_host, respond
from .pages import CloudPages
from .tracking import Tracking, is_tracking_path
from .ui import WorkbenchUI

API_PATHS = frozenset({"/service.asmx", "/etframework.wsdl", "/v2/token"})
API_PREFIXES = ("/api/v1/", "/asset/v1/")
UI_PREFIX = "/_ampy/"


class WorkbenchApp:
    """The WSGI callable: ``api`` is the Partner API app (``ServerApp``) of the same workspace."""

    def __init__(self, api, workspace: str, *, live_reload: bool = False, local_only: bool = True):
        self.api = api
        # A server on a loopback address answers its browser pages only to loopback Host names:
        # a web page elsewhere whose DNS name is re-pointed at 127.0.0.1 (DNS rebinding) must not
        # read the preview or post to the CloudPages. --public-url names one more accepted host.
        self.local_only = local_only
        self.extra_hosts = {host_of(api.public_url.split("://", 1)[-1].split("/", 1)[0])} if api.public_url else set()
        self.workspace = workspace
        self.backend = api.backend
        self.auth = api.auth
        self.max_body = api.max_body
        self.settings = getattr(self.backend, "settings", None)
        if self.settings is None:
            from ..settings import Settings

            self.settings = Settings()
        self.csrf = Csrf()
        self.ui = WorkbenchUI(workspace, self.backend, self.settings, csrf=self.csrf, live=live_reload,
                              max_body=self.max_body)
        snippet = None
        if live_reload:
            from .live import reload_snippet

            snippet = reload_snippet()
        self.tracking = Tracking(self.backend)
        self.pages = CloudPages(workspace, self.backend, self.settings, max_body=self.max_body,
                                public_url=api.public_url, reload_snippet=snippet)

    def route(self, path: str) -> str:
        """Which part answers a path: ``"api"``, ``"tracking"``, ``"ui"`` or ``"pages"``."""
        lowered = path.lower()
        if lowered in API_PATHS or lowered.startswith(API_PREFIXES):
            return "api"
        if is_tracking_path(path):
            return "tracking"
        if path == "/" or path == UI_PREFIX.rstrip("/") or path.startswith(UI_PREFIX):
            return "ui"
        return "pages"

    def __call__(self, environ, start_response):
        part = self.route(environ.get("PATH_INFO") or "/")
        if part == "api":
            return self.api(environ, start_response)
        # Links in delivered mail are answered under any Host name (ampy.toml's public_url may name
        # one --public-url does not): they only record a click and redirect to a stored target.
        if self.local_only and part != "tracking" and not self.host_accepted(environ):
            host = html_escape(environ.get("HTTP_HOST") or "")
            body = html_page("Host not served", f"<h1>Host not served</h1><p>This workbench listens on a loopback "
                             f"address and answers only to localhost names, not to <code>{host}</code>. Open it "
                             "through http://127.0.0.1 or http://localhost, or name the host with "
                             "<code>--public-url</code>.</p>")
            return respond(start_response, 403, body)
        try:
            return {"ui": self.ui, "tracking": self.tracking}.get(part, self.pages)(environ, start_response)
        except Exception:   # never a traceback to the browser; the server log keeps it
            traceback.print_exc(file=environ.get("wsgi.errors") or sys.stderr)
            body = html_page("Internal error", "<h1>Internal error</h1><p>The server log has the details.</p>")
            start_response("500 Internal Server Error", [("Content-Type", "text/html; charset=utf-8"),
                                                         ("Content-Length", str(len(body)))], sys.exc_info())
            return [body]

    def host_accepted(self, environ) -> bool:
        host = host_of(environ.get("HTTP_HOST") or environ.get("SERVER_NAME") or "")
        return is_loopback_host(host) or host in self.extra_hosts

    def close(self) -> None:
        """Stop the workspace watcher of live reload (the backend is the caller's to close)."""
        self.ui.close()

    def page_urls(self) -> list[str]:
        """URL paths of the workspace's CloudPages (for the startup message and the UI)."""
        return self.pages.urls()
