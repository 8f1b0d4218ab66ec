"""GroupDefinition start: the subscribers matching its criteria become the members of a group.

The candidates are the subscribers of the account, or the active members of the list its
``DataSource`` names; ``DataFilter`` (SimpleFilterPart / ComplexFilterPart, the operators of
Retrieve) keeps those whose ``SubscriberKey``, ``EmailAddress``, ``Status`` or attributes match
(no filter: every candidate).

The group is a List of the account (``ListClassification`` ``Group``), retrievable like any list:
the one ``Group`` names (ID, CustomerKey or ListName), else the list with the definition's
CustomerKey, created on first start with the definition's Name. Each start replaces the members:
matching subscribers get an active membership, everyone else loses theirs, in one transaction.
Memberships of lists and groups are retrievable as ``ListSubscriber`` objects (ListID,
SubscriberKey, Status).
"""

from __future__ import annotations

from ..api.model import ApiObject
from ..backends.base import BackendError
from .filter_activities import kept_rows, list_rows, subscriber_rows
from .objects import ObjectError, as_list, text
from .tasks import TaskFailed


def _candidates(cloud, definition: ApiObject) -> tuple[list[str], list[dict]]:
    source = definition.get("DataSource")
    if isinstance(source, ApiObject) and (
        source.type == "List" or any(text(source.get(p)) for p in ("ID", "ListName", "CustomerKey"))
    ):
        return list_rows(cloud, source)
    return subscriber_rows(cloud.objects.all("Subscriber"))


def members(cloud, definition: ApiObject) -> list[str]:
    """SubscriberKeys of the subscribers the definition selects, in the account's order."""
    columns, rows = _candidates(cloud, definition)
    label = text(definition.get("Name")) or text(definition.get("CustomerKey"))
    kept = kept_rows(columns, rows, definition.get("DataFilter"), f"GroupDefinition '{label}'",
                     "is not a subscriber property or attribute")
    return [r["SubscriberKey"] for r in kept]


def _group_list(cloud, definition: ApiObject) -> tuple[ApiObject, bool]:
    ref = definition.get("Group")
    if isinstance(ref, ApiObject) and any(text(ref.get(p)) for p in ("ID", "CustomerKey", "ListName", "ObjectID")):
        found = cloud.find_list(ref)
        if found is None:
            raise TaskFailed("The Group list the GroupDefinition names does not exist.")
        return found, False
    key = text(definition.get("CustomerKey"))
    found = cloud.find_list(ApiObject("List", {"CustomerKey": key}))
    if found is not None:
        return found, False
    group = ApiObject(
        "List",
        {
            "ListName": text(definition.get("Name")) or key,
            "CustomerKey": key,
            "Type": "Private",
            "ListClassification": "Group",
            "Description": f"Group built by the GroupDefinition '{key}'",
        },
    )
    return group, True


def run_group_definition(cloud, definition: ApiObject, task_id: int) -> None:
    wanted = {k.lower() for k in members(cloud, definition)}
    try:
        with cloud.store.transaction():
            group, new = _group_list(cloud, definition)
            if new:
                group = cloud.objects.insert(group)
            group_id = text(group.get("ID"))
            added = removed = 0
            for sub in cloud.objects.all("Subscriber"):
                key = text(sub.get("SubscriberKey"))
                lists = as_list(sub.get("Lists"))
                mine = [m for m in lists if isinstance(m, ApiObject) and text(m.get("ID")) == group_id]
                if key.lower() in wanted:
                    if mine and all((text(m.get("Status")) or "Active") == "Active" for m in mine):
                        continue
                    added += not mine
                    kept = [m for m in lists if not any(m is x for x in mine)]
                    kept.append(ApiObject("SubscriberList", {"ID": group_id, "Status": "Active"}))
                elif mine:
                    removed += 1
                    kept = [m for m in lists if not any(m is x for x in mine)]
                else:
                    continue
                rowid = cloud.objects.find(ApiObject("Subscriber", {"ID": text(sub.get("ID"))}))[0]
                sub.set("Lists", kept)
                cloud.objects.replace(rowid, sub)
    except (BackendError, ObjectError) as e:
        message = getattr(e, "message", None) or str(e)
        raise TaskFailed(f"Building the group failed, nothing was changed: {message}") from None
    cloud.tasks.set_detail(
        task_id,
        f"{len(wanted)} member(s) in group '{text(group.get('ListName'))}' (List ID {group_id}):"
        f" {added} added, {removed} removed",
    )


def list_subscribers(cloud) -> list[ApiObject]:
    """Every membership of a list or group as a ListSubscriber, by subscriber then list."""
    out = []
    for sub in cloud.objects.all("Subscriber"):
        for membership in as_list(sub.get("Lists")):
            if isinstance(membership, ApiObject) and text(membership.get("ID")):
                out.append(
                    ApiObject(
                        "ListSubscriber",
                        {
                            "ListID": text(membership.get("ID")),
                            "SubscriberKey": text(sub.get("SubscriberKey")),
                            "Status": text(membership.get("Status")) or "Active",
                        },
                    )
                )
    return out
