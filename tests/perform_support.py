"""Helpers for the Perform tests: a start that must be accepted and its task's end, and a workspace
served by ``ampy serve`` on 127.0.0.1 with a SOAP backend (zeep) talking to it."""

from __future__ import annotations

import contextlib

from cloud_support import obj, wait_for_tasks
from server_support import PASSWORD, USER, make_auth

from ampy.backends.soap import SoapBackend
from ampy.server.app import RunningServer, build_app
from ampy.soap.auth import TenantCredentials


def start(backend, type_name: str, key: str, *, polls: int = 4000):
    """``(result, final task status)`` of starting the ``type_name`` with CustomerKey ``key``; the
    Perform itself must have been accepted."""
    r = backend.api_perform("start", [obj(type_name, CustomerKey=key)])
    result = r.results[0]
    assert (r.overall_status, result.status_code, result.status_message) == (
        "OK", "OK", f"{type_name} performed"), result.status_message
    (status,) = wait_for_tasks(backend, polls=polls, TaskID=result.task["ID"])
    return result, status


def task_detail(backend, result) -> str:
    """What the Perform's task says it did (its detail: rows, files, counts)."""
    return backend.cloud.tasks.get(int(result.task["ID"]))["detail"]


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
