"""Helpers for the local-account tests: a fresh workspace, API shortcuts, bounded task polling.

The ``root`` (a new workspace) and ``backend`` (its account, closed after the test) fixtures serve
every test module (conftest.py); when the module defines ``_setup(backend, store)`` that runs on the
opened workspace before each test."""

from __future__ import annotations

import time

import pytest

from ampy.api.model import ApiObject
from ampy.backends.local import LocalBackend
from ampy.cloud.workspace import create_workspace

TERMINAL = ("Complete", "Error")


def new_workspace(tmp_path, name: str = "ws") -> str:
    root = str(tmp_path / name)
    create_workspace(root)
    return root


def open_workspace(root: str) -> LocalBackend:
    return LocalBackend.for_workspace(root)


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


def obj(type_name: str, **props) -> ApiObject:
    return ApiObject(type_name, dict(props))


def prop(name: str, value: str) -> ApiObject:
    return ApiObject("APIProperty", {"Name": name, "Value": value})


def simple(prop_name: str, operator: str, *values: str) -> ApiObject:
    return ApiObject(
        "SimpleFilterPart", {"Property": prop_name, "SimpleOperator": operator, "Value": list(values)}
    )


def retrieve(backend, object_type: str, properties=(), flt=None):
    request = ApiObject("RetrieveRequest", {"ObjectType": object_type, "Properties": list(properties)})
    if flt is not None:
        request.set("Filter", flt)
    return backend.api_retrieve(request)


def pairs(o: ApiObject) -> dict:
    """Name/value Properties of a DataExtensionObject or AsyncActivityStatus as a dict."""
    return {p.get("Name"): p.get("Value") for p in o.get("Properties") or []}


def task_statuses(backend, **flt) -> list[dict]:
    ((name, value),) = flt.items()
    response = retrieve(backend, "AsyncActivityStatus", flt=simple(name, "equals", str(value)))
    assert response.overall_status == "OK", response.overall_status
    return [pairs(o) for o in response.results]


def wait_for_tasks(backend, *, polls: int = 4000, **flt) -> list[dict]:
    """Poll AsyncActivityStatus (bounded) until every matching task is Complete or Error."""
    for _ in range(polls):
        rows = task_statuses(backend, **flt)
        if rows and all(r["Status"] in TERMINAL for r in rows):
            return rows
        time.sleep(0.005)
    raise AssertionError(f"tasks did not finish: {task_statuses(backend, **flt)}")
