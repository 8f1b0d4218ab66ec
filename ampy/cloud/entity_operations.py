"""SystemEntityOperation ``start``: a named maintenance operation on an entity of the local account.

``Operation`` names it and ``Entity`` points at what it works on:

- ``RecountList`` (Entity: a List by ID, CustomerKey or ListName): counts the subscribers on the
  list and writes them to the List's PartnerProperties ``SubscriberCount`` (every member) and
  ``ActiveSubscriberCount`` (status Active on the list).
- ``RebuildIndexes`` (Entity: a DataExtension by CustomerKey, Name or ObjectID): rebuilds the data
  extension's table indexes (its primary key's unique index, created when missing); duplicate
  primary keys fail the operation and change nothing.
- ``PurgeExpiredRows`` (Entity: a DataExtension): deletes, in one transaction, the rows whose
  retention date field is more than ``days`` days before now, as ``"retention": {"field":
  "JoinedDate", "days": 90}`` in the DE's schema file says; rows with an empty or unreadable date
  stay. A DE without a retention setting is refused.

Any other name is refused when performed. The task's detail says what was done.
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from ..api.model import ApiObject
from ..backends.base import BackendError
from ..runtime.dates import parse_date, system_now
from .objects import ObjectError, as_list, text
from .store import quote_identifier
from .tasks import TaskFailed

OPERATIONS = ("RecountList", "RebuildIndexes", "PurgeExpiredRows")


def _entity(operation: ApiObject) -> ApiObject:
    entity = operation.get("Entity")
    if not isinstance(entity, ApiObject):
        raise TaskFailed("The SystemEntityOperation has no Entity.")
    return entity


def _data_extension(cloud, operation: ApiObject):
    entity = _entity(operation)
    ref = text(entity.get("CustomerKey")) or text(entity.get("Name")) or text(entity.get("ObjectID"))
    info = cloud.store.find(ref)
    if info is None:
        raise TaskFailed(f"The data extension '{ref}' does not exist.")
    return info


def recount_list(cloud, operation: ApiObject, task_id: int) -> None:
    entity = _entity(operation)
    found = cloud.objects.find(
        ApiObject(
            "List",
            {k: entity.get(k) for k in ("ID", "ObjectID", "CustomerKey", "ListName") if entity.get(k) is not None},
        )
    )
    if found is None:
        raise TaskFailed("The list named by the Entity does not exist.")
    rowid, the_list = found
    list_id = text(the_list.get("ID"))
    total = active = 0
    for sub in cloud.objects.all("Subscriber"):
        for membership in as_list(sub.get("Lists")):
            if isinstance(membership, ApiObject) and text(membership.get("ID")) == list_id:
                total += 1
                active += (text(membership.get("Status")) or "Active") == "Active"
    counts = {"SubscriberCount": str(total), "ActiveSubscriberCount": str(active)}
    kept = [
        p
        for p in as_list(the_list.get("PartnerProperties"))
        if isinstance(p, ApiObject) and text(p.get("Name")) not in counts
    ]
    the_list.set(
        "PartnerProperties", kept + [ApiObject("APIProperty", {"Name": n, "Value": v}) for n, v in counts.items()]
    )
    cloud.objects.replace(rowid, the_list)
    cloud.tasks.set_detail(task_id, f"{text(the_list.get('ListName'))}: {total} subscriber(s), {active} active")


def rebuild_indexes(cloud, operation: ApiObject, task_id: int) -> None:
    info = _data_extension(cloud, operation)
    table = quote_identifier(info.table)
    try:
        with cloud.store.transaction() as db:
            if info.primary_keys:
                keys = ", ".join(f"ampy_fold({quote_identifier(c)})" for c in info.primary_keys)
                db.execute(
                    f"CREATE UNIQUE INDEX IF NOT EXISTS {quote_identifier(info.table + '_pk')} ON {table} ({keys})"
                )
            db.execute(f"REINDEX {table}")
            rows = db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    except sqlite3.IntegrityError:
        raise TaskFailed(
            f"'{info.name}' has rows with the same primary key; its indexes were left as they were."
        ) from None
    cloud.tasks.set_detail(task_id, f"indexes of {info.name} rebuilt ({rows} row(s))")


def purge_expired_rows(cloud, operation: ApiObject, task_id: int) -> None:
    info = _data_extension(cloud, operation)
    retention = info.meta.get("Retention")
    if not isinstance(retention, dict):
        raise TaskFailed(f"'{info.name}' has no retention setting (\"retention\" in its schema).")
    try:
        column = info.column(retention["field"])
    except BackendError as e:
        raise TaskFailed(f"The retention field of '{info.name}': {e}") from None
    cutoff = system_now() - timedelta(days=retention["days"])
    table = quote_identifier(info.table)
    with cloud.store.transaction() as db:
        expired = []
        for rowid, value in db.execute(f"SELECT _rowid, {quote_identifier(column)} FROM {table}"):
            when = parse_date(value) if value else None
            if when is not None and when < cutoff:
                expired.append((rowid,))
        db.executemany(f"DELETE FROM {table} WHERE _rowid = ?", expired)
    cloud.tasks.set_detail(
        task_id, f"{len(expired)} row(s) of {info.name} older than {retention['days']} day(s) purged"
    )


_WORK = {
    "recountlist": recount_list,
    "rebuildindexes": rebuild_indexes,
    "purgeexpiredrows": purge_expired_rows,
}


def plan(cloud, action: str, stored: ApiObject, given: ApiObject):
    """SystemEntityOperation start (see perform._planner); an unknown operation is refused."""
    name = text(stored.get("Operation")).strip()
    work = _WORK.get(name.lower())
    if work is None:
        raise ObjectError(
            f"'{name}' is not a system entity operation of the local account ({', '.join(OPERATIONS)}).", 2
        )
    return "SystemEntityOperation performed", work, None
