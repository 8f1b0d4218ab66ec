"""The Partner API operations of the server: a parsed request → backend verb → response element.

The backend speaks the neutral model (``ApiObject``, ``ApiResponse``/``ApiResult``); this module
turns its answers into the wire's result objects (``CreateResult``, ``PerformResult`` with its
``Task``...) and lets the codec write them in the real order. Calls into the backend are
serialised by one lock: the local cloud keeps a single SQLite connection, and a request must not
interleave its statements with another thread's.

Retrieve paging is the backend's business (the local cloud pages at 2,500 itself); a backend that
answers everything at once still gets paged here, so no response ever carries more than 2,500
objects.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict

from lxml import etree

from ..api.model import ApiObject
from ..backends.base import ApiResponse, ApiResult, Backend
from ..soap import codec

PAGE_SIZE = 2500
_PAGE_TTL = 600.0          # seconds a stashed remainder waits for its ContinueRequest
_MAX_STASHED = 64          # remainders kept at once (oldest dropped first)

_RESULT_TYPES = {"Create": "CreateResult", "Update": "UpdateResult", "Delete": "DeleteResult",
                 "Perform": "PerformResult", "Configure": "ConfigureResult", "Execute": "ExecuteResponse",
                 "Extract": "ExtractResult"}


def _int_text(value: object) -> str:
    return str(int(value)) if isinstance(value, int | float) or str(value).lstrip("-").isdigit() else "0"


def result_object(operation: str, result: object, ordinal: int) -> ApiObject:
    """The wire result of one ``ApiResult`` (objects already in wire form pass through)."""
    if isinstance(result, ApiObject):
        return result
    if not isinstance(result, ApiResult):
        raise TypeError(f"a backend answered {operation} with {type(result).__name__}")
    props: dict[str, object] = {"StatusCode": result.status_code, "StatusMessage": result.status_message}
    if operation != "Execute":
        props["OrdinalID"] = str(ordinal)
    if result.error_code:
        props["ErrorCode"] = _int_text(result.error_code)
    if operation == "Create":
        props["NewID"] = _int_text(result.new_id or 0)
        if result.new_object_id:
            props["NewObjectID"] = result.new_object_id
    if result.object is not None and operation not in ("Execute", "Extract"):
        props["Object"] = result.object
    if operation == "Perform" and result.task:
        task = {k: ("" if v is None else str(v)) for k, v in result.task.items()}
        props["Task"] = ApiObject("TaskResult", task)
    return ApiObject(_RESULT_TYPES[operation], props)


class RetrievePager:
    """Remainders of over-long Retrieve answers, handed out by ContinueRequest (thread-safe)."""

    def __init__(self, page_size: int = PAGE_SIZE, clock=time.monotonic):
        self.page_size = page_size
        self.clock = clock
        self._stash: OrderedDict[str, tuple[float, list]] = OrderedDict()
        self._lock = threading.Lock()

    def page(self, results: list, request_id: str) -> tuple[list, str, str]:
        """(this page, overall status, request id) for a full result list."""
        if len(results) <= self.page_size:
            return results, "OK", request_id
        request_id = str(uuid.uuid4())
        with self._lock:
            self._stash[request_id] = (self.clock() + _PAGE_TTL, results[self.page_size:])
            while len(self._stash) > _MAX_STASHED:
                self._stash.popitem(last=False)
        return results[:self.page_size], "MoreDataAvailable", request_id

    def resume(self, request_id: str) -> tuple[list, str, str] | None:
        """The next page of a stashed answer, or None when this pager holds nothing under the id."""
        with self._lock:
            entry = self._stash.pop(request_id, None)
            for key in [k for k, (deadline, _) in self._stash.items() if deadline < self.clock()]:
                del self._stash[key]
        if entry is None or entry[0] < self.clock():
            return None
        return self.page(entry[1], str(uuid.uuid4()))


class PartnerService:
    """Runs parsed Partner API requests against a backend."""

    def __init__(self, backend: Backend, *, pager: RetrievePager | None = None):
        self.backend = backend
        self.pager = pager or RetrievePager()
        self.lock = threading.RLock()

    def call(self, operation: str, arguments: dict) -> etree._Element:
        """The response element for ``codec.parse_request``'s output. Backend exceptions
        propagate: the HTTP layer turns them into faults."""
        handler = getattr(self, f"_{operation.lower()}")
        return handler(arguments)

    def _write(self, operation: str, response: ApiResponse) -> etree._Element:
        results = [result_object(operation, r, i) for i, r in enumerate(response.results)]
        return codec.build_response(operation, results=results, overall_status=response.overall_status,
                                    overall_status_message=response.overall_status_message,
                                    request_id=response.request_id or None)

    def _create(self, arguments: dict) -> etree._Element:
        with self.lock:
            response = self.backend.api_create(arguments["objects"], arguments["options"])
        return self._write("Create", response)

    def _update(self, arguments: dict) -> etree._Element:
        with self.lock:
            response = self.backend.api_update(arguments["objects"], arguments["options"])
        return self._write("Update", response)

    def _delete(self, arguments: dict) -> etree._Element:
        with self.lock:
            response = self.backend.api_delete(arguments["objects"], arguments["options"])
        return self._write("Delete", response)

    def _perform(self, arguments: dict) -> etree._Element:
        with self.lock:
            response = self.backend.api_perform(arguments["action"], arguments["definitions"],
                                                arguments["options"])
        return self._write("Perform", response)

    def _configure(self, arguments: dict) -> etree._Element:
        with self.lock:
            response = self.backend.api_configure(arguments["action"], arguments["configurations"],
                                                  arguments["options"])
        return self._write("Configure", response)

    def _execute(self, arguments: dict) -> etree._Element:
        with self.lock:
            response = self.backend.api_execute(arguments["requests"])
        return self._write("Execute", response)

    def _extract(self, arguments: dict) -> etree._Element:
        with self.lock:
            response = self.backend.api_extract(arguments["requests"])
        return self._write("Extract", response)

    def _describe(self, arguments: dict) -> etree._Element:
        types = [str(r.get("ObjectType") or "") for r in arguments["requests"]]
        with self.lock:
            response = self.backend.api_describe(types)
        return codec.build_response("Describe", results=response.results,
                                    request_id=response.request_id or None)

    def _retrieve(self, arguments: dict) -> etree._Element:
        request: ApiObject = arguments["request"]
        continued = request.get("ContinueRequest")
        page = self.pager.resume(str(continued)) if continued else None
        if page is None:
            with self.lock:
                response = self.backend.api_retrieve(request)
            request_id = response.request_id or str(uuid.uuid4())
            if response.overall_status == "OK":
                page = self.pager.page(list(response.results), request_id)
            else:
                page = (list(response.results), response.overall_status, request_id)
        results, status, request_id = page
        return codec.build_response("Retrieve", results=results, overall_status=status, request_id=request_id)
