"""DataExtension, DataExtensionField and DataExtensionObject as API objects over the DE tables.

A DataExtension *is* its table: creating one creates the table, its Fields become columns (with
FieldType/MaxLength/IsRequired/IsPrimaryKey kept as metadata, enforced by the store on every row
write, see ``fields.py``), deleting one drops it. DataExtensionObject rows are addressed as
``DataExtensionObject[<name or key>]`` in a Retrieve, or by the object's ``Name``/``CustomerKey``
in Create/Update/Delete.
"""

from __future__ import annotations

import re

from ..api.model import ApiObject
from ..backends.base import BackendError
from ..runtime.values import parse_number
from .fields import FIELD_TYPES, FieldValueError, canonical_field_type, truthy
from .objects import ObjectError, as_list, text
from .store import DataExtensionInfo, DataStore

_DEO_TYPE = re.compile(r"^\s*DataExtensionObject\s*\[(.*)\]\s*$", re.IGNORECASE)


def deo_target(object_type: str) -> str | None:
    """``DataExtensionObject[Name]`` → ``Name`` (None when the type has no brackets)."""
    m = _DEO_TYPE.match(object_type or "")
    return m.group(1).strip() if m else None


def filtered_rows(store: DataStore, info: DataExtensionInfo, filt, order_by=()) -> list[dict]:
    """The rows of a DE a Retrieve (or filter) ``filt`` may keep, in the DE's order or ``order_by``:
    those the filter's SQL over indexed expressions lets through (``filter_sql``), or every row
    when it cannot narrow them. The caller still applies the whole filter, so the result is
    exactly what a scan would keep."""
    from .filter_sql import condition

    narrowed = condition(filt, info)
    if narrowed is not None:
        return store.filter_candidates(info.name, narrowed, order_by)
    return store.lookup(info.name, (), order_by=order_by)


def _truthy(value: object) -> bool:
    # objects.truthy plus "y": the spellings a Boolean field accepts.
    return truthy(text(value))


class DataExtensions:
    def __init__(self, store: DataStore):
        self.store = store

    # ---- lookup ------------------------------------------------------------------------------
    def resolve(self, ref: str) -> DataExtensionInfo:
        info = self.store.find(ref)
        if info is None:
            raise ObjectError(f"The data extension '{ref}' does not exist.", 2)
        return info

    def resolve_object(self, obj: ApiObject) -> DataExtensionInfo:
        """The DE a DataExtension/DataExtensionObject reference names (ObjectID, CustomerKey, Name)."""
        for prop in ("CustomerKey", "Name", "ObjectID"):
            ref = text(obj.get(prop))
            if ref:
                return self.resolve(ref)
        raise ObjectError(f"The {obj.type} names no data extension (set Name or CustomerKey).", 2)

    # ---- DataExtension -----------------------------------------------------------------------
    def as_object(self, info: DataExtensionInfo) -> ApiObject:
        meta = info.meta
        obj = ApiObject(
            "DataExtension",
            {
                "ObjectID": meta.get("ObjectID", ""),
                "CustomerKey": info.customer_key,
                "Name": info.name,
                "Description": meta.get("Description", ""),
                "IsSendable": "true" if meta.get("IsSendable") else "false",
                "IsTestable": "true" if meta.get("IsTestable") else "false",
                "CreatedDate": meta.get("CreatedDate", ""),
                "ModifiedDate": meta.get("ModifiedDate", ""),
            },
        )
        if meta.get("SendableField"):
            obj.set(
                "SendableDataExtensionField", ApiObject("DataExtensionField", {"Name": meta["SendableField"]})
            )
            obj.set(
                "SendableSubscriberField",
                ApiObject("Attribute", {"Name": meta.get("SendableSubscriberField", "Subscriber Key")}),
            )
        return obj

    def fields(self, info: DataExtensionInfo) -> list[ApiObject]:
        out = []
        field_meta = info.meta.get("Fields", {})
        for ordinal, column in enumerate(info.columns):
            m = field_meta.get(column.lower(), {})
            out.append(
                ApiObject(
                    "DataExtensionField",
                    {
                        "ObjectID": f"{info.meta.get('ObjectID', '')}:{ordinal}",
                        "CustomerKey": f"[{info.customer_key}].[{column}]",
                        "Name": column,
                        "FieldType": m.get("FieldType") or "Text",
                        "MaxLength": text(m.get("MaxLength")),
                        "IsPrimaryKey": "true" if column in info.primary_keys else "false",
                        "IsRequired": "true"
                        if m.get("IsRequired") or column in info.primary_keys
                        else "false",
                        "DefaultValue": text(m.get("DefaultValue")),
                        "Ordinal": str(ordinal),
                        "Scale": text(m.get("Scale")),
                        "DataExtension": ApiObject("DataExtension", {"CustomerKey": info.customer_key}),
                    },
                )
            )
        return out

    def all_objects(self) -> list[ApiObject]:
        return [self.as_object(i) for i in self.store.all_infos()]

    def all_fields(self) -> list[ApiObject]:
        return [f for i in self.store.all_infos() for f in self.fields(i)]

    def create(self, obj: ApiObject, now: str) -> ApiObject:
        name = text(obj.get("Name")).strip()
        if not name:
            raise ObjectError("A DataExtension needs a Name.", 310007)
        if self.store.find(name) is not None:
            raise ObjectError(f"A data extension named '{name}' already exists.", 310007)
        columns, keys, field_meta = [], [], {}
        for f in as_list(obj.get("Fields")):
            if not isinstance(f, ApiObject) or not text(f.get("Name")).strip():
                raise ObjectError("Every DataExtensionField needs a Name.", 310007)
            column = text(f.get("Name")).strip()
            field_meta[column.lower()] = self._field_meta(f, column)
            columns.append(column)
            if _truthy(f.get("IsPrimaryKey")):
                keys.append(column)
        if not columns:
            raise ObjectError("A DataExtension needs at least one field.", 310007)
        sendable = obj.get("SendableDataExtensionField")
        meta = {
            "Description": text(obj.get("Description")),
            "IsSendable": _truthy(obj.get("IsSendable")),
            "IsTestable": _truthy(obj.get("IsTestable")),
            "Fields": field_meta,
            "CreatedDate": now,
            "ModifiedDate": now,
        }
        if meta["IsSendable"]:
            field_name = text(sendable.get("Name")) if isinstance(sendable, ApiObject) else ""
            if field_name.lower() not in {c.lower() for c in columns}:
                raise ObjectError(
                    "A sendable DataExtension needs a SendableDataExtensionField that is one of its fields.",
                    310007,
                )
            meta["SendableField"] = field_name
            subscriber_field = obj.get("SendableSubscriberField")
            meta["SendableSubscriberField"] = (
                text(subscriber_field.get("Name")) if isinstance(subscriber_field, ApiObject) else ""
            ) or "Subscriber Key"
        if text(obj.get("ObjectID")):
            meta["ObjectID"] = text(obj.get("ObjectID"))
        try:
            info = self.store.create(
                name, columns, keys, customer_key=text(obj.get("CustomerKey")) or None, meta=meta
            )
        except BackendError as e:
            raise ObjectError(str(e), 310007) from None
        return self.as_object(info)

    @staticmethod
    def _field_meta(f: ApiObject, column: str) -> dict:
        raw_type = text(f.get("FieldType")) or "Text"
        field_type = canonical_field_type(raw_type)
        if field_type is None:
            raise ObjectError(
                f"Field '{column}': '{raw_type}' is not a FieldType ({', '.join(FIELD_TYPES)}).", 310007
            )
        max_length = text(f.get("MaxLength"))
        if max_length and parse_number(max_length) is None:
            raise ObjectError(f"Field '{column}': MaxLength '{max_length}' is not a number.", 310007)
        return {
            "FieldType": field_type,
            "MaxLength": int(parse_number(max_length)) if max_length else None,
            "IsRequired": _truthy(f.get("IsRequired")) or _truthy(f.get("IsPrimaryKey")),
            "DefaultValue": text(f.get("DefaultValue")) or None,
            "Scale": text(f.get("Scale")) or None,
        }

    def update(self, obj: ApiObject, now: str) -> ApiObject:
        info = self.resolve_object(obj)
        meta = dict(info.meta)
        meta["Fields"] = dict(meta.get("Fields", {}))
        new_columns = []
        for f in as_list(obj.get("Fields")):
            if not isinstance(f, ApiObject) or not text(f.get("Name")).strip():
                raise ObjectError("Every DataExtensionField needs a Name.", 310007)
            column = text(f.get("Name")).strip()
            if _truthy(f.get("IsPrimaryKey")) and column.lower() not in {c.lower() for c in info.columns}:
                raise ObjectError(
                    f"Field '{column}': a primary key cannot be added to an existing data extension.", 310007
                )
            meta["Fields"][column.lower()] = self._field_meta(f, column)
            if column.lower() not in {c.lower() for c in info.columns}:
                new_columns.append(column)
        if obj.get("Description") is not None:
            meta["Description"] = text(obj.get("Description"))
        meta["ModifiedDate"] = now
        new_name = text(obj.get("Name")).strip() if text(obj.get("CustomerKey")) else ""
        try:
            info = self.store.update_meta(
                info.name, new_name=new_name or None, meta=meta, add_columns=new_columns
            )
        except BackendError as e:
            raise ObjectError(str(e), 310007) from None
        return self.as_object(info)

    def delete(self, obj: ApiObject) -> None:
        info = self.resolve_object(obj)
        self.store.drop(info.name)

    # ---- DataExtensionObject -----------------------------------------------------------------
    def rows(self, info: DataExtensionInfo) -> list[ApiObject]:
        out = []
        for row in self.store.lookup(info.name, ()):
            # A NULL cell keeps Value None: on the wire that is a Property without a <Value>
            # element (as the service sends it), distinct from '' (<Value/>).
            props = [ApiObject("APIProperty", {"Name": k, "Value": v}) for k, v in row.items()]
            out.append(ApiObject("DataExtensionObject", {"Properties": props}))
        return out

    def _pairs(self, obj: ApiObject, info: DataExtensionInfo, prop: str) -> list[tuple[str, object]]:
        out = []
        for p in as_list(obj.get(prop)):
            if not isinstance(p, ApiObject):
                raise ObjectError(f"{prop} must hold APIProperty items with Name and Value.", 2)
            name = text(p.get("Name"))
            try:
                column = info.column(name)
            except BackendError:
                raise ObjectError(
                    f"The data extension '{info.name}' has no field '{name}'.", 310007
                ) from None
            out.append((column, p.get("Value")))
        return out

    def insert_object(self, obj: ApiObject) -> None:
        info = self.resolve_object(obj)
        pairs = self._merge(self._pairs(obj, info, "Keys"), self._pairs(obj, info, "Properties"))
        try:
            self.store.insert_row(info.name, pairs)
        except FieldValueError as e:
            raise ObjectError(str(e), 310007) from None
        except BackendError as e:
            raise ObjectError(
                f"Violation of the primary key of data extension '{info.name}': {e}.", 2
            ) from None

    @staticmethod
    def _merge(first: list, second: list) -> list:
        seen = {c.lower() for c, _ in first}
        return first + [(c, v) for c, v in second if c.lower() not in seen]

    def _keys_and_values(self, obj: ApiObject, info: DataExtensionInfo):
        keys = self._pairs(obj, info, "Keys")
        values = self._pairs(obj, info, "Properties")
        if not keys:
            pk = {k.lower() for k in info.primary_keys}
            keys = [(c, v) for c, v in values if c.lower() in pk]
            values = [(c, v) for c, v in values if c.lower() not in pk]
        return keys, values

    def update_object(self, obj: ApiObject, *, upsert: bool) -> None:
        info = self.resolve_object(obj)
        keys, values = self._keys_and_values(obj, info)
        if not keys:
            raise ObjectError(
                f"Updating rows of '{info.name}' needs its primary key values (Keys or the "
                "primary key fields in Properties).",
                310007,
            )
        try:
            with self.store.transaction():
                n = self.store.update_rows(info.name, keys, values)
                if n == 0:
                    if not upsert:
                        raise ObjectError(
                            f"No row of data extension '{info.name}' has those key values.", 310007
                        )
                    self.store.insert_row(info.name, keys + values)
        except FieldValueError as e:
            raise ObjectError(str(e), 310007) from None

    def delete_object(self, obj: ApiObject) -> int:
        info = self.resolve_object(obj)
        keys, _ = self._keys_and_values(obj, info)
        if not keys:
            raise ObjectError(f"Deleting rows of '{info.name}' needs Keys.", 310007)
        n = self.store.delete_rows(info.name, keys)
        if n == 0:
            raise ObjectError(f"No row of data extension '{info.name}' has those key values.", 310007)
        return n
