"""Wiring: a workspace → backend, credentials and the WSGI app, served by waitress.

waitress is a production-grade pure-Python WSGI server (a thread pool behind an asyncore loop);
``RunningServer`` also lets tests and embedders run it on a background thread and stop it again.
"""

from __future__ import annotations

import threading
from typing import Self

from .auth import DEFAULT_TOKEN_LIFETIME, ServerAuth
from .wsgi import DEFAULT_MAX_BODY, ServerApp


def build_app(workspace: str | None = None, *, backend=None, auth: ServerAuth | None = None,
              token_lifetime: int = DEFAULT_TOKEN_LIFETIME, max_body: int = DEFAULT_MAX_BODY,
              public_url: str | None = None, live_reload: bool = False, local_only: bool = True,
              **limits):
    """The app for a workspace: the workbench (``WorkbenchApp``: Partner API, preview UI and
    CloudPages on one port) over its local cloud and users file. Without a workspace, the
    Partner API app (``ServerApp``) for the given backend/auth. ``limits`` are the Partner API's
    (``max_response``, ``max_properties``: see ``ServerApp``). ``local_only``: the browser pages answer
    only to loopback Host names (the server listens on a loopback address)."""
    if backend is None:
        from ..backends import open_backend

        backend = open_backend("local", workspace=workspace)
    if auth is None:
        auth = ServerAuth.for_workspace(workspace, token_lifetime=token_lifetime) if workspace \
            else ServerAuth(token_lifetime=token_lifetime)
    api = ServerApp(backend, auth, max_body=max_body, public_url=public_url, **limits)
    if workspace is None:
        return api
    from ..workbench.app import WorkbenchApp

    return WorkbenchApp(api, workspace, live_reload=live_reload, local_only=local_only)


class RunningServer:
    """A waitress server on its own thread: ``url``, ``stop()``; usable as a context manager."""

    def __init__(self, app, host: str = "127.0.0.1", port: int = 0, *, threads: int = 8):
        import waitress

        self.app = app
        max_body = getattr(app, "max_body", DEFAULT_MAX_BODY)
        # waitress refuses bodies over its own limit (413) before the app sees them; the app
        # checks again for servers that do not.
        self.server = waitress.create_server(app, host=host, port=port, threads=threads, ident="ampy",
                                             max_request_body_size=max_body,
                                             clear_untrusted_proxy_headers=True)
        self.host = host
        self.port = self.server.effective_port
        self.url = f"http://{host}:{self.port}"
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"ampy-serve-{self.port}", daemon=True)

    def start(self) -> RunningServer:
        self._thread.start()
        return self

    def _loop(self) -> None:
        # waitress's own run() loops until its socket map is empty; this loop also watches a stop
        # flag, so stopping never has to touch waitress's sockets from another thread.
        server = self.server
        try:
            while not self._stopping.is_set() and server._map:
                server.asyncore.loop(timeout=0.05, map=server._map,
                                     use_poll=server.adj.asyncore_use_poll, count=1)
        finally:
            server.task_dispatcher.shutdown()   # workers first: they wake the loop through its trigger
            for dispatcher in list(server._map.values()):
                dispatcher.close()

    def serve_forever(self) -> None:
        """Serve on the calling thread until interrupted."""
        try:
            self._loop()
        except KeyboardInterrupt:
            pass

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(10)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
