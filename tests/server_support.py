"""Shared pieces of the server and SOAP-backend tests: a small in-memory backend, a controllable
clock, and a server on 127.0.0.1 run by waitress on a background thread."""

from __future__ import annotations

import contextlib
import threading

from ampy.api.model import ApiObject
from ampy.backends.base import ApiResponse, ApiResult, Backend, BackendError
from ampy.server.app import RunningServer, build_app
from ampy.server.auth import ServerAuth, hash_secret

USER, PASSWORD = "apiuser", "s3cret-pass"
CLIENT_ID, CLIENT_SECRET = "client-1", "client-secret-1"

# scrypt is slow on purpose; hash once for the whole test session.
USERS = {USER: hash_secret(PASSWORD)}
CLIENTS = {CLIENT_ID: {**hash_secret(CLIENT_SECRET), "account_id": "100"}}


class Clock:
    def __init__(self, now: float = 1000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def _value(obj: ApiObject, name: str) -> str | None:
    for prop in obj.get("Properties") or []:
        if prop.get("Name") == name:
            return prop.get("Value")
    return None


class FakeCloud(Backend):
    """Just enough of an account: lists, campaigns whose start runs one task
    that completes after two status polls, and a record of every call."""

    name = "fake"

    def __init__(self, things: int = 3):
        self.things = [ApiObject("List", {"ID": str(i), "ListName": f"thing {i}"})
                       for i in range(1, things + 1)]
        self.created: list[ApiObject] = []
        self.calls: list[tuple] = []
        spring = ApiObject("Campaign", {"ID": "3640", "CustomerKey": "3640", "Name": "Spring",
                                        "InteractionObjectID": "ioid-3640"})
        self.campaigns = {"3640": spring}
        self.campaign_state: dict[str, str] = {}
        self.polls = 0
        self.lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0

    @contextlib.contextmanager
    def _track(self, *call):
        with self.lock:
            self.calls.append(call)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            yield
        finally:
            with self.lock:
                self.in_flight -= 1

    def api_create(self, objects, options=None):
        with self._track("Create", [o.type for o in objects]):
            results = []
            for obj in objects:
                if obj.get("Name") == "boom":
                    raise BackendError("the fake cloud exploded")
                if obj.get("Name") == "bad":
                    results.append(ApiResult("Error", "Name is not allowed.", 12, obj))
                    continue
                self.created.append(obj)
                results.append(ApiResult("OK", "Created Thing", 0, obj, new_id=len(self.created),
                                         new_object_id=f"guid-{len(self.created)}"))
            status = "OK" if all(r.status_code == "OK" for r in results) else "Error"
            return ApiResponse(status, "req-create", results)

    def api_retrieve(self, request):
        object_type = request.get("ObjectType")
        with self._track("Retrieve", object_type):
            if object_type == "List":
                return ApiResponse("OK", "req-things", list(self.things))
            if object_type == "Campaign":
                wanted = (request.get("Filter").get("Value") or [None])[0]
                found = [c for cid, c in self.campaigns.items() if cid == wanted]
                return ApiResponse("OK", "req-campaign", found)
            if object_type == "AsyncActivityStatus":
                if "3640" not in self.campaign_state:
                    return ApiResponse("OK", "req-status", [])   # never started: no tasks
                self.polls += 1
                status = "Processing" if self.polls < 3 else "Complete"
                if self.campaign_state.get("3640") == "running-forever":
                    status = "Processing"
                props = [ApiObject("APIProperty", {"Name": "Status", "Value": status}),
                         ApiObject("APIProperty", {"Name": "ParentInteractionObjectID",
                                                   "Value": "ioid-3640"})]
                found = [ApiObject("AsyncActivityStatus", {"Properties": props})]
                return ApiResponse("OK", "req-status", found)
            return ApiResponse(f"Error: Unable to retrieve {object_type}.", "req-error", [])

    def api_perform(self, action, definitions, options=None):
        with self._track("Perform", action, [d.type for d in definitions]):
            results = []
            for definition in definitions:
                cid = str(definition.get("ID") or definition.get("CustomerKey"))
                if definition.type != "Campaign" or cid not in self.campaigns:
                    results.append(ApiResult("Error", f"{definition.type} {cid} not found.", 12))
                elif action not in ("start", "stop", "pause", "resume", "publish"):
                    results.append(ApiResult("Error", f"{action} is not an action that can be Performed on a "
                                                      f"Campaign.", 12))
                else:
                    self.campaign_state[cid] = action
                    task = {"StatusCode": "OK", "StatusMessage": "OK", "ID": "12052743",
                            "InteractionObjectID": "ioid-3640"}
                    results.append(ApiResult("OK", "Campaign performed", 0, self.campaigns[cid], task=task))
            status = "OK" if all(r.status_code == "OK" for r in results) else "Error"
            return ApiResponse(status, "req-perform", results)

    def api_delete(self, objects, options=None):
        with self._track("Delete", [o.type for o in objects]):
            for obj in objects:
                self.campaigns.pop(str(obj.get("ID")), None)
            results = [ApiResult("OK", "Campaign deleted", 0, o) for o in objects]
            return ApiResponse("OK", "req-delete", results)


def make_auth(clock: Clock | None = None, lifetime: int = 1080) -> ServerAuth:
    return ServerAuth(USERS, CLIENTS, token_lifetime=lifetime, clock=clock or Clock())


@contextlib.contextmanager
def running_server(backend, auth: ServerAuth | None = None, **options):
    """A waitress server for ``backend`` on 127.0.0.1 and a free port; stopped on exit."""
    app = build_app(backend=backend, auth=auth or make_auth(), **options)
    with RunningServer(app, "127.0.0.1", 0, threads=4) as server:
        server.app = app
        yield server


@contextlib.contextmanager
def served_workspace(root, *, threads: int = 4, **options):
    """``ampy serve`` of the workspace at ``root`` (build_app options) on 127.0.0.1 and a free port.
    On exit the app closes while the server still runs (its live-reload streams end), then the
    server stops and the account closes."""
    app = build_app(str(root), **options)
    try:
        with RunningServer(app, "127.0.0.1", 0, threads=threads) as server:
            try:
                yield server
            finally:
                app.close()
    finally:
        app.backend.close()
