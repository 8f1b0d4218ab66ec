"""Builtins of the SOAP API category (rules 36-38): build Partner API objects, invoke the verbs.

One adapter turns script values into the neutral ``ApiObject`` model and results back into
rowsets: a handle *is* an ``ApiObject`` (not printable), scalars travel as text, booleans of
boolean-typed properties as ``true``/``false``; a retrieved object becomes a row whose nested
objects and arrays are nested rowsets (a DataExtensionObject's ``Properties`` is a rowset of
``Name``/``Value`` rows). The whole family is refused in sendable (email) content.
"""

from __future__ import annotations

from ..api.model import ApiObject
from ..errors import FunctionError
from ..registry import NOT_EMAIL, builtin
from ..runtime.rowsets import Row, Rowset
from ..runtime.values import to_text

CAT = "SOAP API"
# What each function does per backend (docs/functions.md); the first three only build objects.
BACKEND_NOTES = {
    "local": "the local cloud's objects and background tasks (Retrieve, Create, Update, Delete, Perform, "
             "Execute LogUnsubEvent, Extract of data extensions and tracking, Configure of PropertyDefinition).",
    "soap": "the same Partner API call sent to the tenant.",
    "pure": frozenset({"CreateObject", "SetObjectProperty", "AddObjectArrayItem"}),
}
EXTENSION_CAT = "SOAP API (ampy extension)"
_ERR = "10004: API object functions are allowed in non-sendable content only"


# ---- the adapter ---------------------------------------------------------------------------------


def _handle(value: object, what: str = "the API object") -> ApiObject:
    if not isinstance(value, ApiObject):
        raise FunctionError(f"{what} is not an API object (use CreateObject)")
    return value


def _property(obj: ApiObject, name: object):
    from ..cloud import types  # the WSDL type table loads on first use, not at start-up

    prop = to_text(name).strip()
    info = types.property_info(obj.type, prop)
    if info is None and not types.is_specified_flag(obj.type, prop):
        raise FunctionError(f"'{prop}' is not a property of the API object type {obj.type}")
    return prop, info


def _script_value(value: object, info) -> object:
    """A script value as an API property value."""
    if isinstance(value, ApiObject):
        return value
    if isinstance(value, (Rowset, Row)):
        raise FunctionError("a rowset cannot be an API property value")
    if info is not None and info.simple_type == "boolean":
        low = to_text(value).strip().lower()
        if low in ("true", "false"):
            return low
        if low in ("1", "0"):
            return "true" if low == "1" else "false"
    return to_text(value)


def _cell(value: object) -> object:
    if isinstance(value, ApiObject):
        return Rowset([to_row(value)])
    if isinstance(value, list):
        return Rowset(to_row(v) if isinstance(v, ApiObject) else Row(["Value"], [_cell(v)]) for v in value)
    return "" if value is None else value


def to_row(obj: ApiObject) -> Row:
    return Row(list(obj.properties), [_cell(v) for v in obj.properties.values()])


def _result_rowset(results) -> Rowset:
    rows = []
    for r in results:
        rows.append(
            Row(["StatusCode", "StatusMessage", "ErrorCode"], [r.status_code, r.status_message, r.error_code])
        )
    return Rowset(rows)


def _first_result(response) -> tuple[str, str, int]:
    """(status code, message, error code) of a one-object call; a call-level error counts too."""
    if response.results:
        r = response.results[0]
        return r.status_code, r.status_message, r.error_code
    if response.overall_status.startswith("Error"):
        message = response.overall_status.partition(":")[2].strip() or response.overall_status
        return "Error", message, 2
    return response.overall_status, response.overall_status_message, 0


def _set(ctx, ref, value: object) -> None:
    if ref is not None:
        ref.set(ctx, value)


def _options(value: object) -> ApiObject | None:
    if value is None or to_text(value) == "" and not isinstance(value, ApiObject):
        return None
    return _handle(value, "the options argument")


# ---- building objects ------------------------------------------------------------------------


@builtin(
    "CreateObject",
    min_args=1,
    max_args=1,
    category=CAT,
    contexts=NOT_EMAIL,
    context_error=_ERR,
    signature="CreateObject(typeName)",
)
def create_object(type_name):
    """A new, empty Partner API object of the named type (an opaque handle)."""
    from ..cloud import types

    name = to_text(type_name).strip()
    canonical = types.canonical_type(name) if "." not in name else None
    if canonical is None:
        raise FunctionError(f"'{name}' is not a Marketing Cloud API object type")
    return ApiObject(canonical)


@builtin(
    "SetObjectProperty",
    min_args=3,
    max_args=3,
    category=CAT,
    contexts=NOT_EMAIL,
    context_error=_ERR,
    signature="SetObjectProperty(apiObject, property, value)",
)
def set_object_property(obj, name, value):
    """Sets a property to a scalar or another object handle; ...Specified flags are accepted and dropped."""
    obj = _handle(obj)
    _prop, info = _property(obj, name)
    if info is None:
        return ""  # IDSpecified & co: .NET proxy flags that never travel
    obj.set(info.name, _script_value(value, info))
    return ""


@builtin(
    "AddObjectArrayItem",
    min_args=3,
    max_args=3,
    category=CAT,
    contexts=NOT_EMAIL,
    context_error=_ERR,
    signature="AddObjectArrayItem(apiObject, arrayProperty, item)",
)
def add_object_array_item(obj, name, item):
    """Appends a scalar or an object handle to an array property; repeated calls accumulate."""
    obj = _handle(obj)
    prop, info = _property(obj, name)
    if info is None or not info.is_array:
        raise FunctionError(f"'{prop}' is not an array property of the API object type {obj.type}")
    obj.append(info.name, _script_value(item, info))
    return ""


# ---- invoking the verbs ----------------------------------------------------------------------


def _write_verb(ctx, verb: str, obj, status_ref, code_ref, options):
    obj = _handle(obj)
    call = getattr(ctx.backend, f"api_{verb}")
    response = call([obj], _options(options))
    status, message, code = _first_result(response)
    _set(ctx, status_ref, message)
    _set(ctx, code_ref, code)
    return status


@builtin(
    "InvokeCreate",
    min_args=3,
    max_args=4,
    category=CAT,
    needs_context=True,
    out_params=(1, 2),
    contexts=NOT_EMAIL,
    context_error=_ERR,
    signature="InvokeCreate(apiObject, @statusMessage, @errorCode, [createOptions])",
)
def invoke_create(ctx, obj, status_ref, code_ref, options=None):
    """Creates the object; returns OK or Error and fills the status message and error code."""
    return _write_verb(ctx, "create", obj, status_ref, code_ref, options)


@builtin(
    "InvokeUpdate",
    min_args=1,
    max_args=4,
    category=CAT,
    needs_context=True,
    out_params=(1, 2),
    contexts=NOT_EMAIL,
    context_error=_ERR,
    signature="InvokeUpdate(apiObject, [@statusMessage], [@errorCode], [updateOptions])",
)
def invoke_update(ctx, obj, status_ref=None, code_ref=None, options=None):
    """Updates the object with the properties that were set; returns OK or Error."""
    return _write_verb(ctx, "update", obj, status_ref, code_ref, options)


@builtin(
    "InvokeDelete",
    min_args=3,
    max_args=4,
    category=CAT,
    needs_context=True,
    out_params=(1, 2),
    contexts=NOT_EMAIL,
    context_error=_ERR,
    signature="InvokeDelete(apiObject, @statusMessage, @errorCode, [deleteOptions])",
)
def invoke_delete(ctx, obj, status_ref, code_ref, options=None):
    """Deletes the object its key identifies; returns OK or Error."""
    return _write_verb(ctx, "delete", obj, status_ref, code_ref, options)


@builtin(
    "InvokePerform",
    min_args=2,
    max_args=3,
    category=CAT,
    needs_context=True,
    out_params=(2,),
    contexts=NOT_EMAIL,
    context_error=_ERR,
    signature="InvokePerform(apiObject, action, [@statusMessage])",
)
def invoke_perform(ctx, obj, action, status_ref=None):
    """Performs an action (start, stop, test ...) on the definition; returns OK or Error."""
    obj = _handle(obj)
    response = ctx.backend.api_perform(to_text(action), [obj])
    status, message, _code = _first_result(response)
    _set(ctx, status_ref, message)
    return status


@builtin(
    "InvokeRetrieve",
    min_args=1,
    max_args=3,
    category=CAT,
    needs_context=True,
    out_params=(1, 2),
    contexts=NOT_EMAIL,
    context_error=_ERR,
    signature="InvokeRetrieve(retrieveRequest, [@statusMessage], [@requestId])",
)
def invoke_retrieve(ctx, request, status_ref=None, request_id_ref=None):
    """The objects a RetrieveRequest selects, as a rowset (nested objects and arrays as rowsets)."""
    request = _handle(request, "the retrieve request")
    if request.type != "RetrieveRequest":
        raise FunctionError(f"InvokeRetrieve needs a RetrieveRequest, not a {request.type}")
    response = ctx.backend.api_retrieve(request)
    _set(ctx, status_ref, response.overall_status)
    _set(ctx, request_id_ref, response.request_id)
    return Rowset(to_row(o) for o in response.results)


@builtin(
    "InvokeExecute",
    min_args=1,
    max_args=3,
    category=CAT,
    needs_context=True,
    out_params=(1, 2),
    contexts=NOT_EMAIL,
    context_error=_ERR,
    signature="InvokeExecute(executeRequest, [@statusMessage], [@requestId])",
)
def invoke_execute(ctx, request, status_ref=None, request_id_ref=None):
    """Runs an ExecuteRequest; returns a rowset of results (StatusCode, StatusMessage, ErrorCode)."""
    request = _handle(request, "the execute request")
    response = ctx.backend.api_execute([request])
    _set(ctx, status_ref, response.overall_status)
    _set(ctx, request_id_ref, response.request_id)
    return _result_rowset(response.results)


@builtin(
    "InvokeConfigure",
    min_args=2,
    max_args=4,
    category=EXTENSION_CAT,
    needs_context=True,
    out_params=(2, 3),
    contexts=NOT_EMAIL,
    context_error=_ERR,
    signature="InvokeConfigure(apiObject, action, [@statusMessage], [@errorCode])",
)
def invoke_configure(ctx, obj, action, status_ref=None, code_ref=None):
    """ampy extension: a Configure call on one object; returns OK or Error."""
    response = ctx.backend.api_configure(to_text(action), [_handle(obj)])
    status, message, code = _first_result(response)
    _set(ctx, status_ref, message)
    _set(ctx, code_ref, code)
    return status


@builtin(
    "InvokeExtract",
    min_args=1,
    max_args=3,
    category=EXTENSION_CAT,
    needs_context=True,
    out_params=(1, 2),
    contexts=NOT_EMAIL,
    context_error=_ERR,
    signature="InvokeExtract(extractRequest, [@statusMessage], [@errorCode])",
)
def invoke_extract(ctx, request, status_ref=None, code_ref=None):
    """ampy extension: an Extract call; returns OK or Error."""
    response = ctx.backend.api_extract([_handle(request, "the extract request")])
    status, message, code = _first_result(response)
    _set(ctx, status_ref, message)
    _set(ctx, code_ref, code)
    return status
