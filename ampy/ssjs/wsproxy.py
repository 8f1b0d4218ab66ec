"""``Script.Util.WSProxy``: one Partner API call per method on the render's backend.

The backend is the one AMPscript's Invoke* functions use (the local cloud, a tenant over SOAP,
``ampy serve``), so there is no second Retrieve/Create/Perform here: only the conversion of plain
script objects to the API model and of the answers to the platform's result shapes
(``{Status, RequestID, Results, ...}``). API faults never throw: their text is the Status.

``setBatchSize(n)`` is not documented by the platform; here it is the page size of every later
``retrieve`` that gives no ``BatchSize`` of its own. ``setClientId`` sends the ClientID
(``{ID, UserID}``) with every later call: as ``ClientIDs`` of a Retrieve and as ``Client`` of the
options of the other verbs.
"""

from __future__ import annotations

from ..api.model import ApiObject
from ..backends.base import ApiResponse, ApiResult, BackendError
from ..errors import FunctionError
from .bridge import register_host
from .filters import from_api, scalar_text, to_api, to_filter

MAX_BATCH = 2500   # the largest RetrieveOptions.BatchSize the service accepts


@register_host("wsproxy")
class WSProxyHost:
    """The Python half of one render's WSProxy objects (they share it: ClientID and batch size
    are per proxy on the platform, which a script rarely tells apart). Methods carry the
    platform's names: an argument-count error names the method the script called."""

    def __init__(self, render):
        self.render = render
        self.batch_size: int | None = None
        self.client: dict | None = None

    # ---- Retrieve ----------------------------------------------------------------------------
    def retrieve(self, object_type, columns=None, filter=None, options=None, props=None):  # noqa: A002
        request = ApiObject("RetrieveRequest", {"ObjectType": _type_name(object_type),
                                                "Properties": [scalar_text(c) for c in _list(columns, "columns")]})
        if filter:
            request.set("Filter", to_filter(filter))
        if props:
            for name, value in to_api("RetrieveRequest", _object(props, "request properties")).properties.items():
                request.set(name, value)
        opts = to_api("RetrieveOptions", _object(options or {}, "retrieve options"))
        if opts.get("BatchSize") is None and self.batch_size:
            opts.set("BatchSize", str(self.batch_size))
        if opts.properties:
            request.set("Options", opts)
        if self.client and request.get("ClientIDs") is None:
            request.set("ClientIDs", [to_api("ClientID", self.client)])
        return self._retrieve(request)

    def getNextBatch(self, object_type, request_id):
        request = ApiObject("RetrieveRequest", {"ObjectType": _type_name(object_type),
                                                "ContinueRequest": scalar_text(request_id or "")})
        return self._retrieve(request)

    def _retrieve(self, request: ApiObject) -> dict:
        try:
            response = self.render.backend.api_retrieve(request)
        except BackendError as e:
            response = ApiResponse(overall_status=f"Error: {e}")
        status = response.overall_status
        rejected = not status.startswith(("OK", "MoreDataAvailable"))
        return {"Status": status, "RequestID": response.request_id or None,
                "HasMoreRows": status.startswith("MoreDataAvailable"),
                "Results": None if rejected else [from_api(o) for o in response.results]}

    # ---- Create / Update / Delete --------------------------------------------------------------
    def createItem(self, object_type, obj, options=None):
        return self._write("Create", object_type, [obj], options)

    def createBatch(self, object_type, objects, options=None):
        return self._write("Create", object_type, _list(objects, "objects"), options)

    def updateItem(self, object_type, obj, options=None):
        return self._write("Update", object_type, [obj], options)

    def updateBatch(self, object_type, objects, options=None):
        return self._write("Update", object_type, _list(objects, "objects"), options)

    def deleteItem(self, object_type, obj, options=None):
        return self._write("Delete", object_type, [obj], options)

    def deleteBatch(self, object_type, objects, options=None):
        return self._write("Delete", object_type, _list(objects, "objects"), options)

    def _write(self, verb: str, object_type, objects: list, options) -> dict:
        type_name = _type_name(object_type)
        sent = [to_api(type_name, o) for o in objects]
        opts = self._options(f"{verb}Options", options)
        call = getattr(self.render.backend, f"api_{verb.lower()}")
        try:
            response = call(sent, opts)
        except BackendError as e:
            return _failed(e)
        return {"Status": response.overall_status, "RequestID": response.request_id or None,
                "Results": _results(response, sent, new_object_id=verb == "Create")}

    # ---- Perform / Execute / Describe ----------------------------------------------------------
    def performItem(self, object_type, obj, action, options=None):
        return self._perform(object_type, [obj], action, options)

    def performBatch(self, object_type, objects, action, options=None):
        return self._perform(object_type, _list(objects, "objects"), action, options)

    def _perform(self, object_type, objects: list, action, options) -> dict:
        type_name = _type_name(object_type)
        sent = [to_api(type_name, o) for o in objects]
        verb = scalar_text(action or "").strip()
        if not verb:
            raise FunctionError("performItem needs an action such as \"start\"")
        try:
            response = self.render.backend.api_perform(verb.lower(), sent, self._options("PerformOptions", options))
        except BackendError as e:
            return {**_failed(e), "StatusMessage": str(e)}
        return {"Status": response.overall_status, "RequestID": response.request_id or None,
                "StatusMessage": response.overall_status_message or "",
                "Results": _results(response, sent, new_object_id=False, task=True)}

    def execute(self, params, request_name):
        name = scalar_text(request_name or "").strip()
        if not name:
            raise FunctionError("execute needs a request name such as \"LogUnsubEvent\"")
        request = ApiObject("ExecuteRequest", {"Name": name, "Parameters": [
            to_api("APIProperty", _object(p, "an execute parameter")) for p in _list(params, "parameters")]})
        if self.client:
            request.set("Client", to_api("ClientID", self.client))
        try:
            response = self.render.backend.api_execute([request])
        except BackendError as e:
            return _failed(e)
        return {"Status": response.overall_status, "RequestID": response.request_id or None,
                "Results": _results(response, [request], new_object_id=False, echo=False)}

    def describe(self, object_types):
        names = [scalar_text(t) for t in (object_types if isinstance(object_types, list) else [object_types])]
        try:
            response = self.render.backend.api_describe(names)
        except BackendError as e:
            return _failed(e)
        answer = {"RequestID": response.request_id or None,
                  "Results": [from_api(o) for o in response.results]}
        if not response.overall_status.startswith("OK"):
            answer = {"Status": response.overall_status, **answer, "Results": None}
        return answer

    # ---- per-proxy settings ----------------------------------------------------------------------
    def setClientId(self, client):
        client = _object(client, "the client ID")
        if not any(k.lower() == "id" for k in client):
            raise FunctionError("setClientId needs an object with the business unit's ID: {ID: mid}")
        self.client = client
        return None

    def resetClientIds(self):
        self.client = None
        return None

    def setBatchSize(self, size):
        try:
            n = int(scalar_text(size))
        except ValueError:
            raise FunctionError(f"the batch size must be a number from 1 to {MAX_BATCH}") from None
        if not 1 <= n <= MAX_BATCH:
            raise FunctionError(f"the batch size must be from 1 to {MAX_BATCH}, not {n}")
        self.batch_size = n
        return None

    def _options(self, type_name: str, options) -> ApiObject | None:
        opts = to_api(type_name, _object(options or {}, "the options"))
        if self.client and opts.get("Client") is None:
            opts.set("Client", to_api("ClientID", self.client))
        return opts if opts.properties else None


def _type_name(value) -> str:
    name = scalar_text(value if value is not None else "").strip()
    if not name:
        raise FunctionError("the object type is empty")
    return name


def _list(value, what: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise FunctionError(f"{what} must be an array")
    return value


def _object(value, what: str) -> dict:
    if isinstance(value, ApiObject):
        return from_api(value)
    if not isinstance(value, dict):
        raise FunctionError(f"{what} must be an object")
    return value


def _failed(error: Exception) -> dict:
    """A call that never got an answer (a fault, an unreachable tenant): the Status says why."""
    return {"Status": f"Error: {error}", "RequestID": None, "Results": None}


def _results(response: ApiResponse, sent: list[ApiObject], *, new_object_id: bool, task: bool = False,
             echo: bool = True) -> list[dict]:
    out = []
    for i, result in enumerate(response.results):
        if not isinstance(result, ApiResult):
            out.append(from_api(result))
            continue
        item: dict = {"StatusCode": result.status_code, "StatusMessage": result.status_message,
                      "OrdinalID": i, "ErrorCode": result.error_code}
        if echo:
            item["NewID"] = result.new_id or 0
            if new_object_id:
                item["NewObjectID"] = result.new_object_id
            shown = result.object if result.object is not None else (sent[i] if i < len(sent) else None)
            item["Object"] = from_api(shown)
        if task:
            item["Task"] = {k: from_api(v) for k, v in (result.task or {}).items()}
        item["RequestID"] = None
        out.append(item)
    return out
