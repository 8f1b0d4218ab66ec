"""API objects of the local account: validation, JSON form and persistence in ``ampy_object``.

Objects are kept as JSON of the neutral model (``{"type", "properties"}``, nested the same way).
Each stored object gets the identity a real account gives it: a per-type integer ``ID``, an
``ObjectID`` GUID, a ``CustomerKey`` (a GUID when none is given), Created/ModifiedDate, and an
``InteractionObjectID`` for interaction definitions (campaigns, sends, queries, imports).
"""

from __future__ import annotations

import json
import uuid

from ..api.model import ApiObject
from ..runtime.dates import system_now
from . import types
from .store import DataStore


class ObjectError(Exception):
    """An API call the account refuses; becomes an ``Error`` result with this message and code."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.message = message
        self.code = code


def now_text() -> str:
    """Timestamps as the API writes them (system time, no offset)."""
    return system_now().isoformat(timespec="milliseconds")


# ---- validation ------------------------------------------------------------------------------


def normalise(obj: ApiObject, declared: str | None = None) -> ApiObject:
    """A copy with canonical type and property names, ``...Specified`` flags dropped and nested
    objects checked too. Unknown names raise ObjectError (the real service answers code 8)."""
    type_name = types.canonical_type(obj.type) if obj.type else declared
    if type_name is None:
        raise ObjectError(f"Unknown object type '{obj.type}'.", 8)
    out = ApiObject(type_name)
    for name, value in obj.properties.items():
        info = types.property_info(type_name, name)
        if info is None:
            if types.is_specified_flag(type_name, name):
                continue
            raise ObjectError(f"The property '{name}' is not a property of {type_name}.", 8)
        out.properties[info.name] = _normalise_value(value, info.type_name)
    return out


def _normalise_value(value: object, declared: str | None) -> object:
    if isinstance(value, list):
        return [_normalise_value(v, declared) for v in value]
    if isinstance(value, ApiObject):
        return normalise(value, declared)
    return value


# ---- JSON ------------------------------------------------------------------------------------


def to_jsonable(value: object) -> object:
    if isinstance(value, ApiObject):
        return {"type": value.type, "properties": {k: to_jsonable(v) for k, v in value.properties.items()}}
    if isinstance(value, list):
        return [to_jsonable(v) for v in value]
    return value


def from_jsonable(value: object) -> object:
    if isinstance(value, dict) and "type" in value and "properties" in value:
        return ApiObject(value["type"], {k: from_jsonable(v) for k, v in value["properties"].items()})
    if isinstance(value, list):
        return [from_jsonable(v) for v in value]
    return value


def text(value: object) -> str:
    """A scalar property as text ('' for missing)."""
    if value is None or isinstance(value, (ApiObject, list)):
        return ""
    return value if isinstance(value, str) else str(value)


def as_list(value: object) -> list:
    """An array property's items: a list as it stands, a lone value as a list of one, and a
    missing or empty property as no items."""
    if value is None or value == "":
        return []
    return value if isinstance(value, list) else [value]


def truthy(value: object) -> bool:
    """A boolean property (``true``/``1``/``yes``, any case) as a Python bool."""
    return text(value).strip().lower() in ("true", "1", "yes")


# ---- identity --------------------------------------------------------------------------------

# Properties that identify an existing object in Update/Delete/Perform, in order of preference.
_IDENTITY = {
    "Subscriber": ("SubscriberKey", "ID", "EmailAddress"),
    "List": ("ID", "ObjectID", "CustomerKey", "ListName"),
}
_DEFAULT_IDENTITY = ("ObjectID", "CustomerKey", "ID")


def identity_of(obj: ApiObject) -> list[tuple[str, str]]:
    """The (property, value) pairs of ``obj`` that name an existing object."""
    return [(p, text(obj.get(p))) for p in _IDENTITY.get(obj.type, _DEFAULT_IDENTITY) if text(obj.get(p))]


class ObjectRepository:
    """CRUD over ``ampy_object`` rows. Callers hold ``store.transaction()`` for multi-step work."""

    def __init__(self, store: DataStore):
        self.store = store

    @property
    def db(self):
        return self.store.db

    def all(self, type_name: str) -> list[ApiObject]:
        with self.store.reading():
            rows = self.db.execute(
                "SELECT data FROM ampy_object WHERE type=? ORDER BY api_id", (type_name,)
            ).fetchall()
        return [from_jsonable(json.loads(r[0])) for r in rows]

    def find(self, ref: ApiObject) -> tuple[int, ApiObject] | None:
        """The stored object ``ref`` points at (by its identifying properties), or None."""
        for prop, value in identity_of(ref):
            row = self._find_by(ref.type, prop, value)
            if row is not None:
                return row
        return None

    def _find_by(self, type_name: str, prop: str, value: str) -> tuple[int, ApiObject] | None:
        with self.store.reading():
            if prop == "ID":
                rows = self.db.execute(
                    "SELECT rowid, data FROM ampy_object WHERE type=? AND api_id=?",
                    (type_name, _int_or_none(value)),
                ).fetchall()
            elif prop == "ObjectID":
                rows = self.db.execute(
                    "SELECT rowid, data FROM ampy_object WHERE type=? AND lower(object_id)=?",
                    (type_name, value.lower()),
                ).fetchall()
            elif prop == "CustomerKey":
                rows = self.db.execute(
                    "SELECT rowid, data FROM ampy_object WHERE type=? AND lower(customer_key)=?",
                    (type_name, value.lower()),
                ).fetchall()
            else:
                rows = [
                    (rowid, data)
                    for rowid, data in self.db.execute(
                        "SELECT rowid, data FROM ampy_object WHERE type=?", (type_name,)
                    )
                    if text(from_jsonable(json.loads(data)).get(prop)).lower() == value.lower()
                ]
        if not rows:
            return None
        return rows[0][0], from_jsonable(json.loads(rows[0][1]))

    def extra(self, rowid: int) -> dict:
        with self.store.reading():
            row = self.db.execute("SELECT extra FROM ampy_object WHERE rowid=?", (rowid,)).fetchone()
        return json.loads(row[0]) if row and row[0] else {}

    def insert(
        self,
        obj: ApiObject,
        *,
        extra: dict | None = None,
        source: str | None = None,
        api_id: int | None = None,
    ) -> ApiObject:
        """Store a new object, giving it its identity; a taken CustomerKey is an error."""
        stored = ApiObject(obj.type, dict(obj.properties))
        with self.store.transaction():
            wanted = api_id or _int_or_none(text(obj.get("ID")))
            if wanted is None or self._find_by(obj.type, "ID", str(wanted)) is not None:
                wanted = self.db.execute(
                    "SELECT COALESCE(MAX(api_id), 0) + 1 FROM ampy_object WHERE type=?", (obj.type,)
                ).fetchone()[0]
            key = text(obj.get("CustomerKey"))
            if key and self._find_by(obj.type, "CustomerKey", key) is not None:
                raise ObjectError(f"A {obj.type} with CustomerKey '{key}' already exists.", 2)
            if obj.type in KEYED_TYPES and not key:
                key = str(uuid.uuid4())
            stamp = now_text()
            ids = {"ID": str(wanted), "ObjectID": text(obj.get("ObjectID")) or str(uuid.uuid4())}
            if key:
                ids["CustomerKey"] = key
            ids.update(CreatedDate=stamp, ModifiedDate=stamp)
            if types.is_subtype(obj.type, "InteractionDefinition") and not text(
                obj.get("InteractionObjectID")
            ):
                ids["InteractionObjectID"] = str(uuid.uuid4())
            for name, value in ids.items():
                stored.set(name, value)
            self.db.execute(
                "INSERT INTO ampy_object (type, api_id, object_id, customer_key, data, extra, source)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    obj.type,
                    wanted,
                    ids["ObjectID"],
                    key or None,
                    json.dumps(to_jsonable(stored)),
                    json.dumps(extra) if extra else None,
                    source,
                ),
            )
        return stored

    def insert_many(self, objs: list[ApiObject], *, first_id: int | None = None) -> None:
        """Bulk insert of event-like objects (SentEvent) that need no uniqueness checks."""
        if not objs:
            return
        with self.store.transaction():
            base = (
                first_id
                or self.db.execute(
                    "SELECT COALESCE(MAX(api_id), 0) + 1 FROM ampy_object WHERE type=?", (objs[0].type,)
                ).fetchone()[0]
            )
            rows = []
            for i, obj in enumerate(objs):
                obj.set("ID", str(base + i))
                object_id = str(uuid.uuid4())
                obj.set("ObjectID", object_id)
                rows.append((obj.type, base + i, object_id, json.dumps(to_jsonable(obj))))
            self.db.executemany(
                "INSERT INTO ampy_object (type, api_id, object_id, data) VALUES (?, ?, ?, ?)", rows
            )

    def replace(self, rowid: int, obj: ApiObject, *, extra: dict | None = None) -> ApiObject:
        """Write back a changed object (identity properties are kept from the stored one)."""
        with self.store.transaction():
            key = text(obj.get("CustomerKey"))
            clash = self._find_by(obj.type, "CustomerKey", key) if key else None
            if clash is not None and clash[0] != rowid:
                raise ObjectError(f"A {obj.type} with CustomerKey '{key}' already exists.", 2)
            obj.set("ModifiedDate", now_text())
            params = [key or None, json.dumps(to_jsonable(obj))]
            sql = "UPDATE ampy_object SET customer_key=?, data=?"
            if extra is not None:
                sql += ", extra=?"
                params.append(json.dumps(extra))
            self.db.execute(sql + " WHERE rowid=?", params + [rowid])
        return obj

    def delete(self, rowid: int) -> None:
        with self.store.transaction():
            self.db.execute("DELETE FROM ampy_object WHERE rowid=?", (rowid,))


# Types whose CustomerKey the account fills in with a GUID when the caller gives none; with
# Subscriber and ContentValidation these are also the types a script or client may create.
KEYED_TYPES = frozenset(
    {
        "Email",
        "EmailSendDefinition",
        "TriggeredSendDefinition",
        "Campaign",
        "QueryDefinition",
        "ImportDefinition",
        "DataFolder",
        "List",
        "DataExtractActivity",
        "FilterDefinition",
        "SendClassification",
        "SenderProfile",
        # audiences, SMS and push sends, programs, platform applications, entity operations
        "AudienceDefinition",
        "AudienceSegmentDefinition",
        "SMSSendActivity",
        "MessageSendActivity",
        "ProgramManifestTemplate",
        "PlatformApplication",
        "SystemEntityOperation",
        # extracts, file transfers, file triggers, filter activities, groups
        "ExtractDefinition",
        "FileTransferActivity",
        "FileTrigger",
        "FilterActivity",
        "GroupDefinition",
    }
)


def merge(stored: ApiObject, changes: ApiObject) -> ApiObject:
    """Update semantics: only the properties the caller set change (rule: 'only what was set')."""
    out = ApiObject(stored.type, dict(stored.properties))
    for name, value in changes.properties.items():
        if name in ("ID", "ObjectID", "CreatedDate", "InteractionObjectID") and text(stored.get(name)):
            continue
        out.set(name, value)
    return out


def _int_or_none(value: str) -> int | None:
    """An object ID as a number, or None when it is not one SQLite can store (64-bit integers)."""
    try:
        number = int(str(value).strip())
    except ValueError:
        return None
    return number if -(2**63) <= number < 2**63 else None
