"""The Python half of the Core library (``Platform.Load("core", ...)``): DataExtension and the
other Core objects as thin wrappers over the backend.

Rows.Lookup/Add/Update/Remove call the same builtins as AMPscript's LookupOrderedRows, InsertData,
UpdateData and DeleteData (one implementation; only the argument shapes are converted here), so
they see the same per-render read cache and field rules. Rows.Retrieve, whose filters are the
API's simple and complex filters, is a Retrieve of ``DataExtensionObject[<key>]`` on the backend;
the other objects' Init/Add/Retrieve and instance methods are its Create, Retrieve, Update,
Delete and Perform. Instance methods answer ``"OK"`` or ``"Error"`` rather than throw, as on
the platform; a missing data extension or a bad argument is a script error.
"""

from __future__ import annotations

from ..api.model import ApiObject
from ..backends.base import BackendError
from ..errors import FunctionError
from ..registry import lookup as builtin_named
from ..runtime.rowsets import Rowset
from ..runtime.values import DB_NULL
from .bridge import register_host
from .filters import from_api, scalar_text, to_api, to_filter

MAX_RETRIEVE_ROWS = 2500   # Rows.Retrieve answers one page
FIELD_PROPERTIES = ("Name", "FieldType", "IsPrimaryKey", "MaxLength", "Ordinal", "DefaultValue", "ObjectID")
# The property an object's Init(key) names; CustomerKey unless listed.
_KEY_PROPERTY = {"Subscriber": "SubscriberKey"}


@register_host("core")
class CoreHost:
    def __init__(self, render):
        self.render = render
        self._des: dict[str, dict] = {}

    @property
    def _backend(self):
        return self.render.backend

    def _builtin(self, name: str, *args):
        return builtin_named(name).func(self.render.context, *args)

    # ---- DataExtension -------------------------------------------------------------------------
    def data_extension(self, ref) -> dict:
        """``{Name, CustomerKey}`` of the data extension a CustomerKey or a Name names (the key
        first: the runtime binds Init by CustomerKey)."""
        ref = scalar_text(ref if ref is not None else "").strip()
        if not ref:
            raise FunctionError("DataExtension.Init needs a data extension's CustomerKey or Name")
        found = self._des.get(ref.lower())
        if found is not None:
            return found
        flt = {"LeftOperand": {"Property": "CustomerKey", "SimpleOperator": "equals", "Value": ref},
               "LogicalOperator": "OR",
               "RightOperand": {"Property": "Name", "SimpleOperator": "equals", "Value": ref}}
        candidates = self._retrieve("DataExtension", ["Name", "CustomerKey"], flt)
        by_key = [d for d in candidates if (d.get("CustomerKey") or "").lower() == ref.lower()]
        if not candidates:
            raise FunctionError(f"Data extension '{ref}' does not exist")
        de = (by_key or candidates)[0]
        found = self._des[ref.lower()] = {"Name": de.get("Name") or "", "CustomerKey": de.get("CustomerKey") or ""}
        return found

    def rows_retrieve(self, ref, filter=None):  # noqa: A002
        """Rows as objects whose values are all strings (NULL reads as ''), at most 2500."""
        de = self.data_extension(ref)
        columns = [f["Name"] for f in self.fields_retrieve(ref)]
        request = ApiObject("RetrieveRequest", {"ObjectType": f"DataExtensionObject[{de['CustomerKey']}]",
                                                "Properties": columns,
                                                "Options": ApiObject("RetrieveOptions",
                                                                     {"BatchSize": str(MAX_RETRIEVE_ROWS)})})
        if filter:
            request.set("Filter", to_filter(filter))
        response = self._call(self._backend.api_retrieve, request)
        if not response.overall_status.startswith(("OK", "MoreDataAvailable")):
            raise FunctionError(response.overall_status.partition(":")[2].strip() or response.overall_status)
        rows = []
        for obj in response.results:
            pairs = obj.get("Properties") or []
            rows.append({p.get("Name"): scalar_text(p.get("Value")) if p.get("Value") is not None else ""
                         for p in pairs})
        return rows

    def rows_lookup(self, ref, columns, values, limit=None, order_by=None):
        """Typed rows matching every column = value (AND), or None when none match."""
        where = _pairs(columns, values, "Rows.Lookup")
        if not where:
            raise FunctionError("Rows.Lookup needs at least one column and value")
        count = _int(limit) if limit else 0
        if count is None:
            raise FunctionError("Rows.Lookup: the row limit must be a number")
        sort = scalar_text(order_by) if order_by else ""
        rows = self._builtin("LookupOrderedRows", self.data_extension(ref)["Name"], count, sort,
                             *[x for pair in where for x in pair])
        return _rows(rows) or None

    def rows_add(self, ref, rows) -> int:
        name = self.data_extension(ref)["Name"]
        items = rows if isinstance(rows, list) else [rows]
        added = 0
        for row in items:
            if not isinstance(row, dict) or not row:
                raise FunctionError("Rows.Add takes an object of column values or an array of them")
            added += self._builtin("InsertData", name, *[x for k, v in row.items() for x in (k, _cell(v))])
        return added

    def rows_update(self, ref, values, columns, where_values) -> int:
        if not isinstance(values, dict) or not values:
            raise FunctionError("Rows.Update needs an object of the column values to set")
        where = _pairs(columns, where_values, "Rows.Update")
        if not where:
            raise FunctionError("Rows.Update needs at least one column and value to find the rows")
        return self._builtin("UpdateData", self.data_extension(ref)["Name"], len(where),
                             *[x for pair in where for x in pair],
                             *[x for k, v in values.items() for x in (k, _cell(v))])

    def rows_remove(self, ref, columns, values) -> int:
        where = _pairs(columns, values, "Rows.Remove")
        if not where:
            raise FunctionError("Rows.Remove needs at least one column and value")
        return self._builtin("DeleteData", self.data_extension(ref)["Name"], *[x for pair in where for x in pair])

    def fields_retrieve(self, ref) -> list[dict]:
        de = self.data_extension(ref)
        found = self._retrieve("DataExtensionField", list(FIELD_PROPERTIES),
                               {"Property": "DataExtension.CustomerKey", "SimpleOperator": "equals",
                                "Value": de["CustomerKey"]})
        out = []
        for f in found:
            out.append({"Name": f.get("Name"), "FieldType": f.get("FieldType") or "Text",
                        "IsPrimaryKey": (f.get("IsPrimaryKey") or "").lower() == "true",
                        "MaxLength": _int(f.get("MaxLength")), "Ordinal": _int(f.get("Ordinal")),
                        "DefaultValue": f.get("DefaultValue") or "", "ObjectID": f.get("ObjectID") or ""})
        out.sort(key=lambda f: f["Ordinal"] if f["Ordinal"] is not None else 0)
        return out

    def fields_add(self, ref, definition) -> str:
        de = self.data_extension(ref)
        fields = definition if isinstance(definition, list) else [definition]
        return self._status(self._backend.api_update,
                            [to_api("DataExtension", {"CustomerKey": de["CustomerKey"], "Fields": fields})])

    def data_extension_add(self, definition) -> dict:
        """Creates the data extension and answers its ``{Name, CustomerKey}`` (the new handle)."""
        if not isinstance(definition, dict):
            raise FunctionError("DataExtension.Add takes an object: {Name, CustomerKey, Fields: [...]}")
        response = self._call(self._backend.api_create, [to_api("DataExtension", definition)])
        message = _failure(response)
        if message:
            raise FunctionError(message)
        ref = scalar_text(definition.get("CustomerKey") or definition.get("Name") or "")
        self._des.pop(ref.lower(), None)
        return self.data_extension(ref)

    def data_extension_retrieve(self, filter=None) -> list[dict]:  # noqa: A002
        return self._retrieve("DataExtension", ["Name", "CustomerKey", "Description", "IsSendable",
                                                "IsTestable", "ObjectID"], filter)

    # ---- the other Core objects --------------------------------------------------------------------
    def object_add(self, object_type, definition) -> str:
        return self._status(self._backend.api_create, [to_api(_type(object_type), _object(definition))])

    def object_retrieve(self, object_type, filter=None, properties=None) -> list[dict]:  # noqa: A002
        return self._retrieve(_type(object_type), [scalar_text(p) for p in properties or []], filter)

    def object_update(self, object_type, key, values) -> str:
        return self._status(self._backend.api_update, [self._keyed(object_type, key, values)])

    def object_upsert(self, object_type, key, values) -> str:
        options = ApiObject("UpdateOptions", {"SaveOptions": [
            ApiObject("SaveOption", {"PropertyName": "*", "SaveAction": "UpdateAdd"})]})
        return self._status(self._backend.api_update, [self._keyed(object_type, key, values)], options)

    def object_remove(self, object_type, key) -> str:
        return self._status(self._backend.api_delete, [self._keyed(object_type, key, None)])

    def object_perform(self, object_type, key, action, values=None) -> str:
        definition = self._keyed(object_type, key, values)
        return self._status(lambda objs: self._backend.api_perform(scalar_text(action).lower(), objs),
                            [definition])

    def subscriber_unsubscribe(self, key) -> str:
        request = ApiObject("ExecuteRequest", {"Name": "LogUnsubEvent", "Parameters": [
            ApiObject("APIProperty", {"Name": "SubscriberKey", "Value": scalar_text(key)})]})
        return self._status(self._backend.api_execute, [request])

    def triggered_send(self, key, subscriber, attributes=None) -> str:
        """TriggeredSend.Init(key).Send(emailOrSubscriber[, attributes]): one TriggeredSend Create."""
        if isinstance(subscriber, dict):
            sub = dict(subscriber)
        else:
            address = scalar_text(subscriber or "").strip()
            if not address:
                raise FunctionError("TriggeredSend.Send needs an email address or a subscriber object")
            sub = {"EmailAddress": address, "SubscriberKey": address}
        if attributes:
            sub["Attributes"] = [{"Name": k, "Value": _cell(v)} for k, v in _object(attributes).items()]
        send = to_api("TriggeredSend", {"TriggeredSendDefinition": {"CustomerKey": scalar_text(key)},
                                        "Subscribers": [sub]})
        return self._status(self._backend.api_create, [send])

    # ---- plumbing ------------------------------------------------------------------------------------
    def _keyed(self, object_type, key, values) -> ApiObject:
        type_name = _type(object_type)
        props = {_KEY_PROPERTY.get(type_name, "CustomerKey"): scalar_text(key)}
        props.update(_object(values or {}))
        return to_api(type_name, props)

    def _retrieve(self, object_type: str, properties: list[str], filter) -> list[dict]:  # noqa: A002
        request = ApiObject("RetrieveRequest", {"ObjectType": object_type, "Properties": properties})
        if filter:
            request.set("Filter", to_filter(filter))
        out = []
        while True:
            response = self._call(self._backend.api_retrieve, request)
            status = response.overall_status
            if not status.startswith(("OK", "MoreDataAvailable")):
                raise FunctionError(status.partition(":")[2].strip() or status)
            out.extend(from_api(o) for o in response.results)
            if not status.startswith("MoreDataAvailable"):
                return out
            request = ApiObject("RetrieveRequest", {"ObjectType": object_type,
                                                    "ContinueRequest": response.request_id})

    def _status(self, call, objects: list, *options) -> str:
        try:
            response = call(objects, *options)
        except BackendError:
            return "Error"
        return "Error" if _failure(response) else "OK"

    @staticmethod
    def _call(call, *args):
        try:
            return call(*args)
        except BackendError as e:
            raise FunctionError(str(e)) from None


def _failure(response) -> str:
    """The first error text of a write's answer, '' when it succeeded."""
    for result in response.results:
        code = getattr(result, "status_code", "OK")
        if code != "OK":
            return getattr(result, "status_message", "") or code
    status = response.overall_status
    return "" if status == "OK" else (status.partition(":")[2].strip() or status)


def _pairs(columns, values, what: str) -> list[tuple[str, object]]:
    cols = columns if isinstance(columns, list) else [columns]
    vals = values if isinstance(values, list) else [values]
    if len(cols) != len(vals):
        raise FunctionError(f"{what}: {len(cols)} column(s) but {len(vals)} value(s)")
    return [(scalar_text(c), _cell(v)) for c, v in zip(cols, vals)]


def _cell(value: object) -> object:
    return "" if value is None else value


def _rows(rowset: Rowset) -> list[dict]:
    return [{k: (None if v is DB_NULL else v) for k, v in row.as_dict().items()} for row in rowset.rows]


def _int(value) -> int | None:
    if isinstance(value, (dict, list)):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _type(value) -> str:
    name = scalar_text(value if value is not None else "").strip()
    if not name:
        raise FunctionError("the object type is empty")
    return name


def _object(value) -> dict:
    if not isinstance(value, dict):
        raise FunctionError("an object of property values is needed")
    return value
