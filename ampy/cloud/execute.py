"""Execute, Extract and Configure as the local account answers them (``InvokeExecute``,
``InvokeExtract``, ``InvokeConfigure`` and the SOAP verbs).

Execute: named requests with APIProperty parameters. The local account knows ``LogUnsubEvent``
(unsubscribe a subscriber, from one list when ListID is given, else from every list); any other
name is reported in the result row, not by failing the call (as the service does).

Extract: the request's ``ID`` names the extract: the platform's Data Extension Extract
(``bb94a04d-9632-4623-be47-daabc3f588a6``) or Tracking Extract
(``c7219016-a7f0-4c72-8657-1ec12c28a0db``) ID, or a stored ``ExtractDefinition`` /
``DataExtractActivity`` (ObjectID, CustomerKey or Name), whose parameters the request's
``Parameters`` override. It runs as a background task (AsyncActivityStatus, ``TaskID`` in the
status message) writing under the workspace's ``safehouse/`` exactly as ``ampy.cloud.extracts``
documents; any other ID is refused.

Configure: ``create``/``update``/``delete`` of ``PropertyDefinition`` (profile attributes, by
Name) are kept as stored objects; configuring any other type is refused with a clear message.
"""

from __future__ import annotations

from ..api.model import ApiObject
from ..backends.base import ApiResult
from .objects import now_text, text


def _params(request: ApiObject) -> dict[str, str]:
    items = request.get("Parameters")
    items = items if isinstance(items, list) else [items] if items else []
    return {text(p.get("Name")).lower(): text(p.get("Value")) for p in items if isinstance(p, ApiObject)}


def execute_one(cloud, request: ApiObject) -> ApiResult:
    name = text(request.get("Name"))
    if name.lower() == "logunsubevent":
        return _log_unsub(cloud, _params(request))
    return ApiResult("Error", f"'{name}' is not a valid Execute request name.", 2)


def _log_unsub(cloud, params: dict[str, str]) -> ApiResult:
    key = params.get("subscriberkey") or params.get("emailaddress", "")
    if not key:
        return ApiResult("Error", "LogUnsubEvent needs a SubscriberKey or an EmailAddress.", 2)
    found = cloud.objects.find(ApiObject("Subscriber", {"SubscriberKey": key}))
    if found is None and params.get("emailaddress"):
        found = cloud.objects.find(ApiObject("Subscriber", {"EmailAddress": params["emailaddress"]}))
    if found is None:
        return ApiResult("Error", f"The subscriber '{key}' does not exist.", 2)
    rowid, sub = found
    list_id = params.get("listid", "")
    lists = sub.get("Lists")
    lists = lists if isinstance(lists, list) else [lists] if lists else []
    with cloud.store.transaction():
        if list_id:
            for membership in lists:
                if isinstance(membership, ApiObject) and text(membership.get("ID")) == list_id:
                    membership.set("Status", "Unsubscribed")
        else:
            sub.set("Status", "Unsubscribed")
            sub.set("UnsubscribedDate", now_text())
        cloud.objects.replace(rowid, sub)
        cloud.objects.insert_many(
            [
                ApiObject(
                    "UnsubEvent",
                    {
                        "SubscriberKey": text(sub.get("SubscriberKey")),
                        "EventDate": now_text(),
                        "EventType": "Unsubscribe",
                        "SendID": params.get("jobid", ""),
                    },
                )
            ]
        )
    return ApiResult("OK", "Event posted", 0)


# ---- Extract ------------------------------------------------------------------------------------

DATA_EXTENSION_EXTRACT_ID = "bb94a04d-9632-4623-be47-daabc3f588a6"
TRACKING_EXTRACT_ID = "c7219016-a7f0-4c72-8657-1ec12c28a0db"
_BUILT_IN_EXTRACTS = {DATA_EXTENSION_EXTRACT_ID: "DataExtension", TRACKING_EXTRACT_ID: "Tracking"}


def _stored_extract(cloud, ref: str) -> ApiObject | None:
    for type_name in ("ExtractDefinition", "DataExtractActivity"):
        for prop in ("ObjectID", "CustomerKey", "Name"):
            found = cloud.objects.find(ApiObject(type_name, {prop: ref}))
            if found is not None:
                return found[1]
    return None


def extract_one(cloud, request: ApiObject) -> ApiResult:
    from .extracts import run_extract
    from .tasks import run_task

    ref = text(request.get("ID")).strip()
    if not ref:
        return ApiResult("Error", "An ExtractRequest needs the ID of the extract to run.", 2, object=request)
    given = request.get("Parameters")
    given = given.get("Parameter") if isinstance(given, ApiObject) else given
    given = [p for p in (given if isinstance(given, list) else [given] if given else []) if isinstance(p, ApiObject)]
    kind = _BUILT_IN_EXTRACTS.get(ref.lower())
    if kind is not None:
        definition = ApiObject("ExtractDefinition", {"ExtractType": kind, "Parameters": given})
    else:
        stored = _stored_extract(cloud, ref)
        if stored is None:
            return ApiResult("Error", f"'{ref}' is not the ID of an extract (the Data Extension or Tracking "
                             "Extract, or an ExtractDefinition/DataExtractActivity of this account).", 2,
                             object=request)
        definition = ApiObject(stored.type, dict(stored.properties))
        params = definition.get("Parameters")
        params = params if isinstance(params, list) else [params] if params else []
        definition.set("Parameters", list(params) + given)   # later names win (extracts.parameters)
    task_id = cloud.tasks.add("ExtractRequest", ref, "Extract", ioid="", parent_ioid="")

    def job(worker) -> None:
        run_task(worker.tasks, task_id, lambda: run_extract(worker, definition, task_id))

    cloud.runner.submit(job)
    return ApiResult("OK", f"Extract queued as TaskID {task_id}", 0, object=request,
                     task={"StatusCode": "OK", "StatusMessage": "OK", "ID": str(task_id), "InteractionObjectID": ""})


# ---- Configure ----------------------------------------------------------------------------------

CONFIGURE_ACTIONS = ("create", "update", "delete")


def configure_one(cloud, action: str, obj: ApiObject) -> ApiResult:
    verb = (action or "").strip().lower()
    if obj.type != "PropertyDefinition":
        return ApiResult("Error", f"Configure on a {obj.type} is not supported by the local account "
                         "(it configures PropertyDefinition profile attributes).", 8, object=obj)
    if verb not in CONFIGURE_ACTIONS:
        return ApiResult("Error", f"'{action}' is not a Configure action (create, update, delete).", 2, object=obj)
    name = text(obj.get("Name")).strip()
    if not name:
        return ApiResult("Error", "A PropertyDefinition needs a Name.", 2, object=obj)
    with cloud.store.transaction():
        found = next(((rowid, o) for rowid, o in _property_definitions(cloud)
                      if text(o.get("Name")).strip().lower() == name.lower()), None)
        if verb == "create":
            if found is not None:
                return ApiResult("Error", f"The profile attribute '{name}' already exists.", 2, object=obj)
            stored = cloud.objects.insert(ApiObject("PropertyDefinition", dict(obj.properties)))
            return ApiResult("OK", "Profile attribute created", 0, object=stored)
        if found is None:
            return ApiResult("Error", f"The profile attribute '{name}' does not exist.", 2, object=obj)
        rowid, current = found
        if verb == "delete":
            cloud.objects.delete(rowid)
            return ApiResult("OK", "Profile attribute deleted", 0, object=current)
        for prop, value in obj.properties.items():
            current.set(prop, value)
        return ApiResult("OK", "Profile attribute updated", 0, object=cloud.objects.replace(rowid, current))


def _property_definitions(cloud) -> list[tuple[int, ApiObject]]:
    found = (cloud.objects.find(ApiObject("PropertyDefinition", {"ObjectID": text(o.get("ObjectID"))}))
             for o in cloud.objects.all("PropertyDefinition"))
    return [f for f in found if f is not None]
