"""Perform: the action table of the Partner API and the local work behind each action.

Real local work: Campaign start/stop, EmailSendDefinition start/test/GetMaxCount, QueryDefinition
start, ImportDefinition start, Send pause/resume/cancel, ContentValidation validate (compiles the
email's AMPscript); AudienceDefinition build/clone/totalcount/count and AudienceSegmentDefinition
Count (``audiences``), SMSSendActivity and MessageSendActivity start (``messaging``: SMS and push
messages into the outbox, recorded as sends), ProgramManifestTemplate start (``programs``: a
Campaign from its manifest), PlatformApplication publish/deploy (``platform_apps``) and
SystemEntityOperation start (``entity_operations``: list recount, index rebuild, retention purge);
DataExtractActivity and ExtractDefinition start (``extracts``: data extension and tracking extracts
into ``safehouse/``), FileTransferActivity start (``filetransfers``: safehouse and ftp folders),
FileTrigger start (``filetriggers``: an import per new file in ``ftp/Import``), FilterActivity
start (``filter_activities``) and GroupDefinition start (``groups``: a group list of subscribers).
Actions the service reserves for future use answer an ``Error`` that says so; actions a type
does not have answer the service's own message ``<action> is not an action that can be Performed
on a <type>.`` Nothing is a silent no-op.
"""

from __future__ import annotations

from ..api.model import ApiObject
from ..backends.base import ApiResult, BackendError
from .objects import ObjectError, text
from .tasks import TaskCanceled, TaskFailed, TaskTable, run_task

# Perform actions per type (lower-cased action → canonical spelling), from the service's table.
ACTIONS: dict[str, tuple[str, ...]] = {
    "AudienceDefinition": ("build", "clone", "totalcount", "count"),
    "AudienceSegmentDefinition": ("Count",),
    "Campaign": ("start", "stop", "cancel", "pause"),
    "ContentValidation": ("validate",),
    "DataExtractActivity": ("start",),
    "EmailSendDefinition": ("start", "test", "GetMaxCount", "stop", "pause", "restart"),
    "ExtractDefinition": ("start",),
    "FileTransferActivity": ("start",),
    "FileTrigger": ("start",),
    "FilterActivity": ("start",),
    "GroupDefinition": ("start",),
    "ImportDefinition": ("start",),
    "MessageSendActivity": ("start",),
    "PlatformApplication": ("publish", "deploy"),
    "ProgramManifestTemplate": ("start",),
    "QueryDefinition": ("start",),
    "Send": ("pause", "resume", "cancel"),
    "SMSSendActivity": ("start",),
    "SystemEntityOperation": ("start",),
}
# Listed by the service as reserved for future use: valid names that do nothing there either.
RESERVED = {
    ("Campaign", "cancel"),
    ("Campaign", "pause"),
    ("EmailSendDefinition", "stop"),
    ("EmailSendDefinition", "pause"),
    ("EmailSendDefinition", "restart"),
}
# Activities a Campaign may group, and the work each one's start does.
ACTIVITY_TYPES = (
    "EmailSendDefinition",
    "QueryDefinition",
    "ImportDefinition",
    "SMSSendActivity",
    "MessageSendActivity",
    "DataExtractActivity",
    "ExtractDefinition",
    "FileTransferActivity",
    "FileTrigger",
    "FilterActivity",
    "GroupDefinition",
)
# The start work of extracts, file activities, filters and groups: (module, function).
_FILE_AND_FILTER_WORK = {
    "DataExtractActivity": (".extracts", "run_extract"),
    "ExtractDefinition": (".extracts", "run_extract"),
    "FileTransferActivity": (".filetransfers", "run_file_transfer"),
    "FileTrigger": (".filetriggers", "run_file_trigger"),
    "FilterActivity": (".filter_activities", "run_filter_activity"),
    "GroupDefinition": (".groups", "run_group_definition"),
}


def _work(cloud, type_name: str):
    """The start work of an activity type: ``work(cloud, definition, task_id, overrides)``."""
    if type_name == "EmailSendDefinition":
        from .sends import run_send_definition

        return run_send_definition
    if type_name == "QueryDefinition":
        from .queries import run_query

        return lambda c, d, task_id, overrides: run_query(c, d, task_id)
    if type_name == "ImportDefinition":
        from .imports import run_import

        return lambda c, d, task_id, overrides: run_import(c, d, task_id)
    if type_name in ("SMSSendActivity", "MessageSendActivity"):
        from .messaging import run_message_send

        return lambda c, d, task_id, overrides: run_message_send(c, d, task_id)
    started = _FILE_AND_FILTER_WORK.get(type_name)
    if started is not None:
        module, function = started
        from importlib import import_module

        work = getattr(import_module(module, __package__), function)
        return lambda c, d, task_id, overrides: work(c, d, task_id)
    raise ObjectError(f"{type_name} cannot be started by the local account.", 8)


def perform_one(cloud, action: str, definition: ApiObject) -> ApiResult:
    from .objects import normalise

    definition = normalise(definition)
    type_name = definition.type
    allowed = {a.lower(): a for a in ACTIONS.get(type_name, ())}
    canonical = allowed.get((action or "").strip().lower())
    if canonical is None:
        return ApiResult(
            "Error",
            f"{action} is not an action that can be Performed on a {type_name}.",
            2,
            object=definition,
        )
    if (type_name, canonical) in RESERVED:
        return ApiResult(
            "Error",
            f"{canonical} on a {type_name} is reserved for future use and is not available.",
            2,
            object=definition,
        )
    if type_name == "Send":
        return _perform_send(cloud, canonical, definition)
    if type_name == "ContentValidation":
        return _validate_content(cloud, definition)
    planner = _planner(type_name)
    if planner is not None:
        return _perform_planned(cloud, type_name, canonical, definition, planner)
    if type_name not in ("Campaign",) + ACTIVITY_TYPES:
        return ApiResult(
            "Error", f"{type_name} {canonical} is not supported by the local account.", 8, object=definition
        )
    found = cloud.objects.find(definition)
    if found is None:
        return ApiResult(
            "Error", f"Unable to find the {type_name} to perform ({_ref(definition)}).", 2, object=definition
        )
    rowid, stored = found
    if type_name == "Campaign":
        return _perform_campaign(cloud, canonical, rowid, stored)
    if canonical == "GetMaxCount":
        from .sends import recipient_count

        try:
            count = recipient_count(cloud, stored)
        except TaskFailed as e:
            return ApiResult("Error", str(e), 2, object=stored)
        return ApiResult("OK", str(count), 0, object=stored)
    overrides = _overrides(definition)
    if canonical == "test":
        overrides["test"] = True
    ioid = text(stored.get("InteractionObjectID"))
    task_id = cloud.tasks.add(
        type_name, text(stored.get("CustomerKey")), canonical, ioid=ioid, parent_ioid=ioid
    )
    work = _work(cloud, type_name)
    object_id = text(stored.get("ObjectID"))

    def job(worker) -> None:
        # reloaded inside the task: a definition deleted meanwhile ends the task in Error
        run_task(
            worker.tasks, task_id, lambda: work(worker, _reload(worker, type_name, object_id), task_id, overrides)
        )

    cloud.runner.submit(job)
    message = (
        "QueryDefinition perform called successfully"
        if type_name == "QueryDefinition"
        else f"{type_name} performed"
    )
    return ApiResult(
        "OK",
        message,
        0,
        object=stored,
        task={"StatusCode": "OK", "StatusMessage": "OK", "ID": str(task_id), "InteractionObjectID": ioid},
    )


def _planner(type_name: str):
    """``plan(cloud, action, stored, given) -> (message, work, result object)`` of the types whose actions
    are not activity starts; ``work(worker, current, task_id)`` runs as the task."""
    if type_name in ("AudienceDefinition", "AudienceSegmentDefinition"):
        from .audiences import plan
    elif type_name == "ProgramManifestTemplate":
        from .programs import plan
    elif type_name == "PlatformApplication":
        from .platform_apps import plan
    elif type_name == "SystemEntityOperation":
        from .entity_operations import plan
    else:
        return None
    return plan


def _perform_planned(cloud, type_name: str, action: str, definition: ApiObject, planner) -> ApiResult:
    found = cloud.objects.find(definition)
    if found is None:
        return ApiResult(
            "Error", f"Unable to find the {type_name} to perform ({_ref(definition)}).", 2, object=definition
        )
    stored = found[1]
    message, work, shown = planner(cloud, action, stored, definition)  # ObjectError: refused, no task
    ioid = text(stored.get("InteractionObjectID"))
    task_id = cloud.tasks.add(type_name, text(stored.get("CustomerKey")), action, ioid=ioid, parent_ioid=ioid)
    object_id = text(stored.get("ObjectID"))

    def job(worker) -> None:
        def run() -> None:
            current = _reload(worker, type_name, object_id)
            try:
                work(worker, current, task_id)
            except BackendError as e:  # the store refused (a broken CSV, a locked file): say why
                raise TaskFailed(str(e)) from None

        run_task(worker.tasks, task_id, run)

    cloud.runner.submit(job)
    return ApiResult(
        "OK",
        message,
        0,
        object=shown if shown is not None else stored,
        task={"StatusCode": "OK", "StatusMessage": "OK", "ID": str(task_id), "InteractionObjectID": ioid},
    )


def _reload(worker, type_name: str, object_id: str) -> ApiObject:
    found = worker.objects.find(ApiObject(type_name, {"ObjectID": object_id}))
    if found is None:
        raise TaskFailed(f"The {type_name} was deleted before it ran.")
    return found[1]


def _ref(obj: ApiObject) -> str:
    for prop in ("ObjectID", "CustomerKey", "ID", "Name"):
        if text(obj.get(prop)):
            return f"{prop} '{text(obj.get(prop))}'"
    return "no ObjectID, CustomerKey or ID given"


def _overrides(definition: ApiObject) -> dict:
    """Per-call overrides a Perform may carry (the SenderProfile's FromName/FromAddress)."""
    out = {}
    profile = definition.get("SenderProfile")
    if isinstance(profile, ApiObject):
        for prop in ("FromName", "FromAddress"):
            if text(profile.get(prop)):
                out[prop] = text(profile.get(prop))
    for prop in ("FromName", "FromAddress"):
        if text(definition.get(prop)):
            out[prop] = text(definition.get(prop))
    return out


# ---- Campaign ----------------------------------------------------------------------------------


def campaign_activities(cloud, rowid: int) -> list[dict]:
    return cloud.objects.extra(rowid).get("activities", [])


def _perform_campaign(cloud, action: str, rowid: int, campaign: ApiObject) -> ApiResult:
    ioid = text(campaign.get("InteractionObjectID"))
    key = text(campaign.get("CustomerKey"))
    if action == "stop":
        unfinished = cloud.tasks.unfinished_under(ioid)
        cloud.tasks.cancel(unfinished)
        return ApiResult(
            "OK",
            f"Campaign stopped ({len(unfinished)} unfinished task(s) canceled)",
            0,
            object=campaign,
            task={"StatusCode": "OK", "StatusMessage": "OK", "ID": "", "InteractionObjectID": ioid},
        )
    activities = campaign_activities(cloud, rowid)
    campaign_task = cloud.tasks.add("Campaign", key, action, ioid=ioid, parent_ioid=ioid)
    children = []  # (task id, activity type, key) queued now, so a poller sees every task at once
    for activity in activities:
        child = cloud.tasks.add(activity["type"], activity["key"], "start", ioid=ioid, parent_ioid=ioid)
        children.append((child, activity["type"], activity["key"]))

    def job(worker) -> None:
        tasks: TaskTable = worker.tasks

        def run_children() -> None:
            failed = 0
            for child, kind, child_key in children:
                if tasks.cancelled(campaign_task):
                    raise TaskCanceled()
                ok = run_task(
                    tasks,
                    child,
                    lambda kind=kind, child_key=child_key, child=child: _run_activity(
                        worker, kind, child_key, child
                    ),
                )
                failed += not ok
            if failed:
                raise TaskFailed(f"{failed} of {len(children)} campaign activities did not complete.")

        run_task(tasks, campaign_task, run_children)

    cloud.runner.submit(job)
    return ApiResult(
        "OK",
        "Campaign performed",
        0,
        object=campaign,
        task={
            "StatusCode": "OK",
            "StatusMessage": "OK",
            "ID": str(campaign_task),
            "InteractionObjectID": ioid,
        },
    )


def _run_activity(worker, kind: str, key: str, task_id: int) -> None:
    if kind not in ACTIVITY_TYPES:
        raise TaskFailed(f"{kind} is not an activity a campaign can run.")
    found = worker.objects.find(ApiObject(kind, {"CustomerKey": key}))
    if found is None:
        raise TaskFailed(f"The {kind} with CustomerKey '{key}' does not exist.")
    _work(worker, kind)(worker, found[1], task_id, {})


# ---- Send pause / resume / cancel --------------------------------------------------------------


def _perform_send(cloud, action: str, definition: ApiObject) -> ApiResult:
    if not text(definition.get("ID")):
        # The service ignores the action when no ID is given; say so instead of doing nothing quietly.
        return ApiResult("Error", "A Send is performed by its ID; no ID was given.", 2, object=definition)
    found = cloud.objects.find(ApiObject("Send", {"ID": text(definition.get("ID"))}))
    if found is None:
        return ApiResult(
            "Error", f"Unable to find the Send with ID '{text(definition.get('ID'))}'.", 2, object=definition
        )
    rowid, send = found
    status = text(send.get("Status"))
    if status in ("Complete", "Canceled", "Error"):
        return ApiResult("Error", f"The send is {status.lower()}; it cannot be {action}d.", 2, object=send)
    task_id = int(text(send.get("ID")))
    if action == "cancel":
        cloud.tasks.cancel([task_id])
        send.set("Status", "Canceled")
    elif action == "pause":
        send.set("Status", "Paused")
    else:
        send.set("Status", "Sending")
    cloud.objects.replace(rowid, send)
    return ApiResult("OK", f"Send {action}d", 0, object=send)


# ---- ContentValidation -------------------------------------------------------------------------


def _validate_content(cloud, definition: ApiObject) -> ApiResult:
    from ..errors import AmpscriptError
    from ..template import compile_template

    email_ref = definition.get("Email")
    if not isinstance(email_ref, ApiObject):
        return ApiResult("Error", "A ContentValidation needs an Email.", 2, object=definition)
    found = cloud.objects.find(ApiObject("Email", dict(email_ref.properties)))
    if found is None:
        return ApiResult("Error", f"Unable to find the Email ({_ref(email_ref)}).", 2, object=definition)
    email = found[1]
    for part in ("Subject", "HTMLBody", "TextBody"):
        source = text(email.get(part))
        try:
            tpl = compile_template(source, name=f"{text(email.get('Name'))}:{part}")
            tpl.check_context("email")
        except AmpscriptError as e:
            return ApiResult("Error", f"Validation failed: {e}", 2, object=email)
    return ApiResult("OK", "Validation succeeded", 0, object=email)


__all__ = ["ACTIONS", "TaskTable", "campaign_activities", "perform_one"]
