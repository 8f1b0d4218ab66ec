"""The Partner API operations of the server: a parsed request → backend verb → response element.

The backend speaks the neutral model (``ApiObject``, ``ApiResponse``/``ApiResult``); this module
turns its answers into the wire's result objects (``CreateResult``, ``PerformResult`` with its
``Task``...) and lets the codec write them in the real order. Calls into the backend are
serialised by one lock, except a Retrieve on a backend that declares ``concurrent_retrieve``
(the local cloud: its store serialises its own statements), so a large read does not hold up
small ones.

Retrieve is held to limits here, whatever the backend: the requested Properties are de-duplicated
(case-insensitively, first spelling kept) and at most ``max_properties`` distinct ones are taken
(more: OverallStatus ``Error: ...``, as the service answers a bad request). Paging is the
backend's business (the local cloud pages at 2,500 itself), but no answer carries more than 2,500
objects nor more than ``max_response`` bytes of them: the rest waits here for a ContinueRequest
(``MoreDataAvailable``), as it would from the service. Objects are serialised one at a time, so an
answer's size is known before it is sent and no tree of the whole answer is ever built.
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass

from lxml import etree

from ..api.model import ApiObject
from ..backends.base import ApiResponse, ApiResult, Backend
from ..cloud.objects import text
from ..cloud.retrieve import distinct_properties
from ..soap import codec

PAGE_SIZE = 2500
DEFAULT_MAX_RESPONSE = 8 * 1024 * 1024   # bytes of retrieved objects in one Retrieve answer
DEFAULT_MAX_PROPERTIES = 500             # distinct Properties one RetrieveRequest may ask for
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
    """Remainders of Retrieve answers cut short by a limit, handed out by ContinueRequest
    (thread-safe). Each remainder remembers how its backend answer ended (status and RequestID),
    so its last page ends the same way: a backend's own MoreDataAvailable survives the cut."""

    def __init__(self, page_size: int = PAGE_SIZE, clock=time.monotonic):
        self.page_size = page_size
        self.clock = clock
        self._stash: OrderedDict[str, tuple[float, list, str, str]] = OrderedDict()
        self._lock = threading.Lock()

    def stash(self, rest: list, final_status: str, final_request_id: str) -> str:
        """Keep ``rest`` for a later ContinueRequest; returns the RequestID to continue with."""
        request_id = str(uuid.uuid4())
        with self._lock:
            self._stash[request_id] = (self.clock() + _PAGE_TTL, rest, final_status, final_request_id)
            while len(self._stash) > _MAX_STASHED:
                self._stash.popitem(last=False)
        return request_id

    def resume(self, request_id: str) -> tuple[list, str, str] | None:
        """(objects, final status, final RequestID) stashed under ``request_id``, or None when
        this pager holds nothing under it (the backend may know it)."""
        with self._lock:
            entry = self._stash.pop(request_id, None)
            now = self.clock()
            for key in [k for k, (deadline, *_) in self._stash.items() if deadline < now]:
                del self._stash[key]
        if entry is None or entry[0] < self.clock():
            return None
        return entry[1], entry[2], entry[3]


@dataclass
class RetrievePage:
    """One Retrieve answer, its objects already serialised one by one (``codec.retrieve_result_bytes``)
    so no tree of the whole answer is ever built."""

    overall_status: str
    request_id: str
    results: list[bytes]

    @property
    def size(self) -> int:
        return sum(len(chunk) for chunk in self.results)


class PartnerService:
    """Runs parsed Partner API requests against a backend."""

    def __init__(self, backend: Backend, *, pager: RetrievePager | None = None,
                 max_response: int = DEFAULT_MAX_RESPONSE, max_properties: int = DEFAULT_MAX_PROPERTIES):
        self.backend = backend
        self.pager = pager or RetrievePager()
        self.max_response = max_response
        self.max_properties = max_properties
        self.lock = threading.RLock()

    def _retrieve_lock(self):
        """The service lock, unless the backend says its Retrieve may run beside other calls
        (``concurrent_retrieve``, as the local cloud's does)."""
        return contextlib.nullcontext() if getattr(self.backend, "concurrent_retrieve", False) else self.lock

    def call(self, operation: str, arguments: dict) -> etree._Element | RetrievePage:
        """The response element for ``codec.parse_request``'s output (a ``RetrievePage`` for
        Retrieve). Backend exceptions propagate: the HTTP layer turns them into faults."""
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

    def _retrieve(self, arguments: dict) -> RetrievePage:
        request: ApiObject = arguments["request"]
        continued = text(request.get("ContinueRequest"))
        stashed = self.pager.resume(continued) if continued else None
        if stashed is not None:
            return self._page(*stashed)
        if request.get("Properties") is not None:
            properties = distinct_properties(request.get_list("Properties"))
            if len(properties) > self.max_properties:
                return RetrievePage(f"Error: The RetrieveRequest asks for {len(properties)} distinct Properties; "
                                    f"at most {self.max_properties} can be retrieved in one request.",
                                    str(uuid.uuid4()), [])
            request.set("Properties", properties)
        with self._retrieve_lock():
            response = self.backend.api_retrieve(request)
        return self._page(list(response.results), response.overall_status, response.request_id or str(uuid.uuid4()))

    def _page(self, results: list, final_status: str, final_request_id: str) -> RetrievePage:
        """As many of ``results`` as fit one answer (at most ``PAGE_SIZE`` objects and
        ``max_response`` bytes of them, never fewer than one); the rest waits in the pager."""
        chunks: list[bytes] = []
        size = 0
        for obj in results[:self.pager.page_size]:
            chunk = codec.retrieve_result_bytes(obj)
            if chunks and size + len(chunk) > self.max_response:
                break
            chunks.append(chunk)
            size += len(chunk)
        if len(chunks) < len(results):
            request_id = self.pager.stash(results[len(chunks):], final_status, final_request_id)
            return RetrievePage("MoreDataAvailable", request_id, chunks)
        return RetrievePage(final_status, final_request_id, chunks)
