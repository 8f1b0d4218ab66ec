"""Helpers for the Perform tests of audiences, messaging and the platform: a workspace served by
``ampy serve`` on 127.0.0.1 with a SOAP backend (zeep) talking to it."""

from __future__ import annotations

import contextlib

from server_support import PASSWORD, USER, make_auth

from ampy.backends.soap import SoapBackend
from ampy.server.app import RunningServer, build_app
from ampy.soap.auth import TenantCredentials


@contextlib.contextmanager
def served(root: str):
    """``(soap backend, served account)`` for the workspace at ``root``; stopped on exit."""
    app = build_app(root, auth=make_auth())
    try:
        with RunningServer(app, "127.0.0.1", 0, threads=2) as server:
            creds = TenantCredentials(username=USER, password=PASSWORD, soap_url=server.url)
            yield SoapBackend.from_credentials(creds, workspace=root), app.backend
    finally:
        app.backend.close()
