"""Execute: named requests with APIProperty parameters. The local account knows ``LogUnsubEvent``
(unsubscribe a subscriber, from one list when ListID is given, else from every list); any other
name is reported in the result row, not by failing the call (as the service does)."""

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
