"""The local account: the Partner API verbs over the store (Create, Retrieve, Update, Delete,
Perform, Execute, Configure, Extract, Describe), answering with the service's statuses.

Object kinds:
- DataExtension / DataExtensionField / DataExtensionObject live in the DE tables (``dataext``);
- AsyncActivityStatus comes from the task table (``tasks``), read-only;
- everything else the account keeps (Subscriber, List, Email, send/query/import definitions,
  Campaign, DataFolder, Send, SentEvent ...) is a stored object (``objects``).
"""

from __future__ import annotations

import os

from ..api.model import ApiObject
from ..backends.base import ApiResponse, ApiResult, BackendError
from . import types
from .dataext import DataExtensions, deo_target, filtered_rows
from .objects import KEYED_TYPES, ObjectError, ObjectRepository, as_list, identity_of, merge, normalise, now_text, text
from .retrieve import (
    Pager,
    compile_filter,
    default_getter,
    distinct_properties,
    filter_properties,
    project,
    project_pairs,
    property_value,
    rows_as_pairs,
)
from .tasks import STATUS_PROPERTIES, TaskRunner, TaskTable

MAX_OBJECTS_PER_CALL = 50

# Stored object types a script or client may create; SentEvent and Send are written by sends only.
CREATABLE = KEYED_TYPES | {"Subscriber", "ContentValidation"}
READ_ONLY = frozenset({"Send", "SentEvent", "OpenEvent", "ClickEvent", "BounceEvent", "UnsubEvent"})
_REQUIRED = {
    "Subscriber": ("EmailAddress",),
    "List": ("ListName",),
    "Email": ("Name",),
    "QueryDefinition": ("Name", "QueryText"),
    "ImportDefinition": ("Name",),
    "Campaign": ("Name",),
    "DataFolder": ("Name",),
}
_SUBSCRIBER_STATUSES = ("Active", "Bounced", "Held", "Unsubscribed", "Deleted")


class LocalCloud:
    """One account over one store. ``backend`` is the LocalBackend it belongs to (renders use it)."""

    def __init__(self, backend, *, workspace: str | None = None, worker_factory=None):
        self.backend = backend
        self.store = backend.store
        self.workspace = workspace
        self.objects = ObjectRepository(self.store)
        self.des = DataExtensions(self.store)
        self.tasks = TaskTable(self.store)
        self.pager = Pager()
        self.runner = TaskRunner(worker_factory or (lambda: self))
        self.outbox: list = []  # delivered messages when there is neither SMTP nor a workspace

    @property
    def settings(self):
        return self.backend.settings

    @property
    def outbox_dir(self) -> str | None:
        return os.path.join(self.workspace, "outbox") if self.workspace else None

    def close(self) -> None:
        self.runner.close()

    def close_worker(self) -> None:
        """Called by the task runner on the account it ran jobs against: a separate connection is
        closed, the owner's own in-memory account is left alone."""
        if self.backend.store_path != ":memory:":
            self.backend.close()

    # ---- Create / Update / Delete --------------------------------------------------------------
    def create(self, objects: list[ApiObject], options: ApiObject | None = None) -> ApiResponse:
        return self._each(objects, self._create_one)

    def update(self, objects: list[ApiObject], options: ApiObject | None = None) -> ApiResponse:
        upsert = _save_action(options) in ("updateadd", "addonly")
        return self._each(objects, lambda o: self._update_one(o, upsert))

    def delete(self, objects: list[ApiObject], options: ApiObject | None = None) -> ApiResponse:
        return self._each(objects, self._delete_one)

    def _each(self, objects: list[ApiObject], one) -> ApiResponse:
        response = ApiResponse(request_id=_request_id())
        if len(objects) > MAX_OBJECTS_PER_CALL:
            response.overall_status = (
                f"Error: The number of objects in the request ({len(objects)}) exceeds "
                f"the limit of {MAX_OBJECTS_PER_CALL}."
            )
            return response
        for obj in objects:
            try:
                response.results.append(one(normalise(obj)))
            except ObjectError as e:
                response.results.append(ApiResult("Error", e.message, e.code, object=obj))
            except BackendError as e:
                response.results.append(ApiResult("Error", str(e), 2, object=obj))
        failed = sum(r.status_code != "OK" for r in response.results)
        if failed:
            response.overall_status = "Error" if failed == len(response.results) else "Has Errors"
        return response

    def _create_one(self, obj: ApiObject) -> ApiResult:
        if obj.type == "DataExtension":
            created = self.des.create(obj, now_text())
            return ApiResult("OK", "Created DataExtension", 0, created, None, text(created.get("ObjectID")))
        if obj.type == "DataExtensionObject":
            self.des.insert_object(obj)
            return ApiResult("OK", "Created DataExtensionObject", 0, obj)
        if obj.type == "TriggeredSend":
            from .sends import queue_triggered_send

            task_id = queue_triggered_send(self, obj)
            return ApiResult("OK", "Created TriggeredSend", 0, obj, task_id)
        if obj.type not in CREATABLE:
            raise ObjectError(f"{obj.type} does not support the Create method.", 8)
        self._check_required(obj)
        if obj.type == "Subscriber":
            self._prepare_subscriber(obj)
        if obj.type == "PlatformApplication":
            from .platform_apps import initial_state

            initial_state(obj)
        extra = _activities_of(obj)
        stored = self.objects.insert(obj, extra=extra)
        return ApiResult(
            "OK", f"Created {obj.type}", 0, stored, int(text(stored.get("ID"))), text(stored.get("ObjectID"))
        )

    def _check_required(self, obj: ApiObject) -> None:
        for prop in _REQUIRED.get(obj.type, ()):
            if not text(obj.get(prop)).strip():
                raise ObjectError(f"{obj.type}.{prop} is required.", 310007)

    def _prepare_subscriber(self, obj: ApiObject, stored: ApiObject | None = None) -> None:
        email = text(
            obj.get("EmailAddress")
            if obj.get("EmailAddress") is not None
            else (stored.get("EmailAddress") if stored else "")
        )
        if email and "@" not in email:
            raise ObjectError(f"The subscriber's EmailAddress '{email}' is not a valid email address.", 12002)
        if stored is None:
            if not text(obj.get("SubscriberKey")):
                obj.set("SubscriberKey", email)
            if not text(obj.get("Status")):
                obj.set("Status", "Active")
            if self.objects.find(ApiObject("Subscriber", {"SubscriberKey": text(obj.get("SubscriberKey"))})):
                raise ObjectError("The subscriber already exists.", 12014)
        status = text(obj.get("Status"))
        if status and status not in _SUBSCRIBER_STATUSES:
            raise ObjectError(
                f"'{status}' is not a subscriber status ({', '.join(_SUBSCRIBER_STATUSES)}).", 12001
            )
        lists = obj.get("Lists")
        for item in lists if isinstance(lists, list) else [lists] if lists else []:
            if not isinstance(item, ApiObject) or self.find_list(item) is None:
                raise ObjectError(
                    f"The list {text(item.get('ID')) if isinstance(item, ApiObject) else item} "
                    "does not exist.",
                    12003,
                )

    def find_list(self, ref: ApiObject) -> ApiObject | None:
        probe = ApiObject(
            "List",
            {k: ref.get(k) for k in ("ID", "ObjectID", "CustomerKey", "ListName") if ref.get(k) is not None},
        )
        found = self.objects.find(probe)
        return found[1] if found else None

    def _update_one(self, obj: ApiObject, upsert: bool) -> ApiResult:
        if obj.type == "DataExtension":
            return ApiResult("OK", "Updated DataExtension", 0, self.des.update(obj, now_text()))
        if obj.type == "DataExtensionObject":
            self.des.update_object(obj, upsert=upsert)
            return ApiResult("OK", "Updated DataExtensionObject", 0, obj)
        if obj.type not in CREATABLE:
            raise ObjectError(f"{obj.type} does not support the Update method.", 8)
        found = self.objects.find(obj)
        if found is None:
            if upsert:
                return self._create_one(obj)
            raise ObjectError(f"No {obj.type} has {_identity_text(obj)}.", 2)
        rowid, stored = found
        if obj.type == "Subscriber":
            self._prepare_subscriber(obj, stored)
            obj = _merge_subscriber(stored, obj)
        activities = _activities_of(obj)
        updated = self.objects.replace(rowid, merge(stored, obj), extra=activities)
        return ApiResult(
            "OK",
            f"Updated {obj.type}",
            0,
            updated,
            int(text(updated.get("ID")) or 0),
            text(updated.get("ObjectID")),
        )

    def _delete_one(self, obj: ApiObject) -> ApiResult:
        if obj.type == "DataExtension":
            self.des.delete(obj)
            return ApiResult("OK", "Deleted DataExtension", 0, obj)
        if obj.type == "DataExtensionObject":
            self.des.delete_object(obj)
            return ApiResult("OK", "Deleted DataExtensionObject", 0, obj)
        if obj.type not in CREATABLE:
            raise ObjectError(f"{obj.type} does not support the Delete method.", 8)
        found = self.objects.find(obj)
        if found is None:
            raise ObjectError(f"No {obj.type} has {_identity_text(obj)}.", 2)
        self.objects.delete(found[0])
        return ApiResult("OK", f"Deleted {obj.type}", 0, found[1])

    # ---- Retrieve ------------------------------------------------------------------------------
    def retrieve(self, request: ApiObject) -> ApiResponse:
        try:
            continue_id = text(request.get("ContinueRequest"))
            if continue_id:
                request_id, page, more = self.pager.next(continue_id)
            else:
                results = self._retrieve_all(request)
                batch = _int(text(_options_value(request, "BatchSize")))
                request_id, page, more = self.pager.first(results, batch)
        except ObjectError as e:
            return ApiResponse(overall_status=f"Error: {e.message}", request_id=_request_id())
        except BackendError as e:
            return ApiResponse(overall_status=f"Error: {e}", request_id=_request_id())
        return ApiResponse(
            overall_status="MoreDataAvailable" if more else "OK", request_id=request_id, results=page
        )

    def _retrieve_all(self, request: ApiObject) -> list[ApiObject]:
        object_type = text(request.get("ObjectType")).strip()
        if not object_type:
            raise ObjectError("The RetrieveRequest has no ObjectType.")
        wanted = distinct_properties(as_list(request.get("Properties")))
        filt = request.get("Filter")
        target = deo_target(object_type)
        if target is not None or object_type.lower() == "dataextensionobject":
            if target is None:
                raise ObjectError("Retrieve DataExtensionObject rows as DataExtensionObject[<name or key>].")
            info = self.des.resolve(target)
            return self._retrieve_pairs(
                filtered_rows(self.store, info, filt), info.columns, wanted, filt,
                f"DataExtensionObject[{info.name}]", strict_nulls=True, rows=True,
            )
        canonical = types.canonical_type(object_type)
        if canonical is None:
            raise ObjectError(f"Unable to retrieve object of unknown type '{object_type}'.")
        if canonical == "AsyncActivityStatus":
            return self._retrieve_pairs(
                self.tasks.status_objects(), list(STATUS_PROPERTIES), wanted, filt, canonical
            )
        if canonical == "DataExtension":
            pool = self.des.all_objects()
        elif canonical == "DataExtensionField":
            pool = self.des.all_fields()
        elif canonical == "ListSubscriber":
            from .groups import list_subscribers

            pool = list_subscribers(self)
        elif canonical in CREATABLE or canonical in READ_ONLY:
            pool = self.objects.all(canonical)
        else:
            raise ObjectError(f"{canonical} does not support the Retrieve method.")
        bad = [p for p in wanted if types.property_info(canonical, p.split(".")[0]) is None]
        if bad:
            raise ObjectError(
                f"The Request Property(s) {', '.join(bad)} do not match with the fields of "
                f"{canonical} retrieve"
            )
        for prop in filter_properties(filt):
            if types.property_info(canonical, prop.split(".")[0]) is None:
                raise ObjectError(f"The Filter Property '{prop}' is not a retrievable property.")
        keep = compile_filter(filt, default_getter)
        return [project(o, wanted) for o in pool if keep(o)]

    @staticmethod
    def _retrieve_pairs(
        pool: list, names: list[str], wanted: list[str], filt, what: str, *, strict_nulls=False, rows=False
    ):
        """Retrieve over objects whose data are name/value Properties (task statuses) or, with
        ``rows``, over DE rows (dicts by column) that become such objects: only the rows kept and the
        columns wanted are built, so a narrow Retrieve of a wide data extension stays cheap."""
        lowered = {n.lower(): n for n in names}
        bad = [p for p in wanted if p.lower() not in lowered]
        if bad:
            raise ObjectError(
                f"The Request Property(s) {', '.join(bad)} do not match with the fields of {what} retrieve"
            )
        for prop in filter_properties(filt):
            if prop.lower() not in lowered:
                raise ObjectError(f"The Filter Property '{prop}' is not a retrievable property.")
        # None (a NULL DE cell) stays None: the wire omits its <Value>, '' is <Value/>.
        columns = [lowered[w.lower()] for w in wanted]
        if rows:
            keep = compile_filter(filt, lambda row, p: row.get(lowered[p.lower()]), strict_nulls=strict_nulls)
            return rows_as_pairs((row for row in pool if keep(row)), columns or names)
        keep = compile_filter(filt, lambda o, p: property_value(o, p), strict_nulls=strict_nulls)
        return [project_pairs(obj, columns) if columns else obj for obj in pool if keep(obj)]

    # ---- Perform / Execute / Configure / Extract / Describe -----------------------------------
    def perform(
        self, action: str, definitions: list[ApiObject], options: ApiObject | None = None
    ) -> ApiResponse:
        from .perform import perform_one

        response = ApiResponse(request_id=_request_id())
        for definition in definitions:
            try:
                response.results.append(perform_one(self, action, definition))
            except ObjectError as e:
                response.results.append(ApiResult("Error", e.message, e.code, object=definition))
        failed = sum(r.status_code != "OK" for r in response.results)
        if failed:
            response.overall_status = "Error" if failed == len(response.results) else "Has Errors"
        return response

    def execute(self, requests: list[ApiObject]) -> ApiResponse:
        from .execute import execute_one

        response = ApiResponse(request_id=_request_id())
        for request in requests:
            response.results.append(execute_one(self, request))
        if any(r.status_code != "OK" for r in response.results):
            response.overall_status = "Error"
        return response

    def configure(self, action: str, configurations: list[ApiObject], options=None) -> ApiResponse:
        from .execute import configure_one

        return _verb_response([configure_one(self, action, c) for c in configurations])

    def extract(self, requests: list[ApiObject]) -> ApiResponse:
        from .execute import extract_one

        return _verb_response([extract_one(self, r) for r in requests])

    def describe(self, object_types: list[str]) -> ApiResponse:
        response = ApiResponse(request_id=_request_id())
        for name in object_types:
            canonical = types.canonical_type(name)
            if canonical is None:
                response.overall_status = f"Error: Unknown object type '{name}'."
                response.results = []
                return response
            props = [
                ApiObject(
                    "PropertyDefinition",
                    {
                        "Name": p.name,
                        "DataType": p.type_name or p.simple_type or "string",
                        "IsRetrievable": "true",
                        "IsUpdatable": "true",
                        "IsCreatable": "true",
                        "IsRequired": "true" if p.required else "false",
                    },
                )
                for p in types.properties(canonical)
            ]
            response.results.append(
                ApiObject(
                    "ObjectDefinition",
                    {
                        "ObjectType": canonical,
                        "IsCreatable": _yes(canonical in CREATABLE),
                        "IsUpdatable": _yes(canonical in CREATABLE),
                        "IsRetrievable": "true",
                        "Properties": props,
                    },
                )
            )
        return response


def _yes(flag: bool) -> str:
    return "true" if flag else "false"


def _int(value: str) -> int | None:
    try:
        return int(value)
    except ValueError:
        return None


def _options_value(request: ApiObject, name: str) -> object:
    options = request.get("Options")
    return options.get(name) if isinstance(options, ApiObject) else None


def _save_action(options: ApiObject | None) -> str:
    """The first SaveOption's SaveAction (``UpdateAdd`` turns an Update into an upsert)."""
    if not isinstance(options, ApiObject):
        return ""
    for item in as_list(options.get("SaveOptions")):
        if isinstance(item, ApiObject) and text(item.get("SaveAction")):
            return text(item.get("SaveAction")).lower()
    return ""


def _identity_text(obj: ApiObject) -> str:
    found = identity_of(obj)
    return (
        f"{found[0][0]} '{found[0][1]}'" if found else "no identifying property (ObjectID, CustomerKey or ID)"
    )


def _merge_subscriber(stored: ApiObject, changes: ApiObject) -> ApiObject:
    """Subscriber attributes and list memberships merge by name/ID instead of being replaced."""
    out = ApiObject("Subscriber", dict(changes.properties))
    for prop, key in (("Attributes", "Name"), ("Lists", "ID")):
        new = as_list(changes.get(prop))
        if not new:
            continue
        merged = {text(a.get(key)).lower(): a for a in as_list(stored.get(prop)) if isinstance(a, ApiObject)}
        for a in new:
            if isinstance(a, ApiObject):
                merged[text(a.get(key)).lower()] = a
        out.set(prop, list(merged.values()))
    return out


def _activities_of(obj: ApiObject) -> dict | None:
    """A Campaign's grouped activities, given as PartnerProperties ``Activity`` = ``Type:CustomerKey``."""
    if obj.type != "Campaign":
        return None
    activities = []
    for p in as_list(obj.get("PartnerProperties")):
        if isinstance(p, ApiObject) and text(p.get("Name")).lower() == "activity":
            kind, _, key = text(p.get("Value")).partition(":")
            activities.append({"type": kind.strip(), "key": key.strip()})
    return {"activities": activities} if activities else None


def _verb_response(results: list) -> ApiResponse:
    """Configure/Extract: OK when every result is, else Error."""
    status = "OK" if all(r.status_code == "OK" for r in results) else "Error"
    return ApiResponse(request_id=_request_id(), overall_status=status, results=results)


def _request_id() -> str:
    import uuid

    return str(uuid.uuid4())
