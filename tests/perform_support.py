"""Helpers for the Perform tests: the ``root`` and ``backend`` fixtures of a new workspace, and a
workspace served by ``ampy serve`` on 127.0.0.1 with a SOAP backend (zeep) talking to it.

A test module takes the fixtures with ``pytest_plugins = ("perform_support",)``;
when it defines ``_setup(backend, store)`` that runs on the opened workspace before each test."""

from __future__ import annotations

import contextlib

import pytest
from cloud_support import new_workspace, open_workspace
from server_support import PASSWORD, USER, make_auth

from ampy.backends.soap import SoapBackend
from ampy.server.app import RunningServer, build_app
from ampy.soap.auth import TenantCredentials


@pytest.fixture
def root(tmp_path):
    return new_workspace(tmp_path)


@pytest.fixture
def backend(root, request):
    b = open_workspace(root)
    setup = getattr(request.module, "_setup", None)
    if setup is not None:
        setup(b, b.store)
    yield b
    b.close()


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
