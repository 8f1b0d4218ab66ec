"""FilterActivity start: its FilterDefinition's rows into its destination data extension.

The ``FilterDefinition`` (by CustomerKey, ObjectID, ID or Name) names a ``DataSource`` (a data
extension by CustomerKey, Name or ObjectID, or a ``List``) and a ``DataFilter`` (SimpleFilterPart /
ComplexFilterPart with the operators of Retrieve; none keeps every row). A list's rows are its
active members: ``SubscriberKey``, ``EmailAddress``, ``Status`` and their attributes.

``DestinationObject`` names the data extension that receives the rows; its rows are replaced.
When it does not exist and ``CreateDestination`` is true it is created with the source's fields
(for a data extension source: the same fields, types and primary key). Destination fields take the
source field of the same name (ignoring case). The whole write is one transaction: a row the
destination refuses fails the task and leaves the destination (and whether it exists) as it was.
"""

from __future__ import annotations

from ..api.model import ApiObject
from ..backends.base import BackendError
from .fields import FieldValueError
from .objects import ObjectError, as_list, text, truthy
from .retrieve import compile_filter, filter_properties
from .tasks import TaskFailed


def find_filter_definition(cloud, ref: object) -> ApiObject:
    if not isinstance(ref, ApiObject):
        raise TaskFailed("The FilterActivity names no FilterDefinition.")
    found = cloud.objects.find(ApiObject("FilterDefinition", dict(ref.properties)))
    if found is not None:
        return found[1]
    name = text(ref.get("Name")).lower()
    for candidate in cloud.objects.all("FilterDefinition") if name else ():
        if text(candidate.get("Name")).lower() == name:
            return candidate
    label = text(ref.get("CustomerKey")) or text(ref.get("Name")) or text(ref.get("ObjectID")) or text(ref.get("ID"))
    raise TaskFailed(f"The FilterDefinition '{label}' does not exist.")


def de_ref(value: object) -> str:
    if isinstance(value, ApiObject):
        return text(value.get("CustomerKey")) or text(value.get("Name")) or text(value.get("ObjectID"))
    return text(value)


def _is_list(ref: object) -> bool:
    return isinstance(ref, ApiObject) and (ref.type == "List" or bool(text(ref.get("ListName"))))


def list_rows(cloud, ref: ApiObject) -> tuple[list[str], list[dict]]:
    """The active members of a list as rows: SubscriberKey, EmailAddress, Status, attributes."""
    found = cloud.find_list(ref)
    if found is None:
        raise TaskFailed(f"The list '{text(ref.get('ListName')) or text(ref.get('ID'))}' does not exist.")
    list_id = text(found.get("ID"))
    return subscriber_rows(
        sub for sub in cloud.objects.all("Subscriber")
        if any(
            isinstance(m, ApiObject)
            and text(m.get("ID")) == list_id
            and (text(m.get("Status")) or "Active") == "Active"
            for m in as_list(sub.get("Lists"))
        )
    )


def subscriber_rows(subscribers) -> tuple[list[str], list[dict]]:
    """Subscribers as rows: SubscriberKey, EmailAddress, Status, then each attribute under the
    first column of its name (ignoring case)."""
    columns = ["SubscriberKey", "EmailAddress", "Status"]
    rows = []
    for sub in subscribers:
        row = {
            "SubscriberKey": text(sub.get("SubscriberKey")),
            "EmailAddress": text(sub.get("EmailAddress")),
            "Status": text(sub.get("Status")) or "Active",
        }
        for attr in as_list(sub.get("Attributes")):
            if isinstance(attr, ApiObject) and text(attr.get("Name")):
                attr_name = text(attr.get("Name"))
                if attr_name.lower() not in (c.lower() for c in columns):
                    columns.append(attr_name)
                row.setdefault(next(c for c in columns if c.lower() == attr_name.lower()), text(attr.get("Value")))
        rows.append(row)
    return columns, rows


def filtered_rows(cloud, definition: ApiObject):
    """(source DE info or None, columns, kept rows) of a FilterDefinition."""
    source = definition.get("DataSource")
    label = text(definition.get("Name")) or text(definition.get("CustomerKey"))
    if _is_list(source):
        info = None
        columns, rows = list_rows(cloud, source)
    else:
        ref = de_ref(source)
        info = cloud.store.find(ref) if ref else None
        if info is None:
            raise TaskFailed(f"FilterDefinition '{label}': its data extension '{ref}' does not exist.")
        columns, rows = list(info.columns), cloud.store.lookup(info.name, ())
    kept = kept_rows(columns, rows, definition.get("DataFilter"), f"FilterDefinition '{label}'",
                     "is not a field of its data source")
    return info, columns, kept


def kept_rows(columns: list[str], rows: list[dict], filt: object, label: str, not_a_column: str) -> list[dict]:
    """The rows a DataFilter keeps, its properties matched to ``columns`` ignoring case; a property
    that is no column fails the task with ``"<label>: '<prop>' <not_a_column>."``."""
    lowered = {c.lower(): c for c in columns}
    for prop in filter_properties(filt):
        if prop.lower() not in lowered:
            raise TaskFailed(f"{label}: '{prop}' {not_a_column}.")
    try:
        keep = compile_filter(filt, lambda row, p: row.get(lowered.get(p.lower(), p)))
    except ObjectError as e:
        raise TaskFailed(f"{label}: {e.message}") from None
    return [r for r in rows if keep(r)]


def run_filter_activity(cloud, activity: ApiObject, task_id: int) -> None:
    definition = find_filter_definition(cloud, activity.get("FilterDefinition"))
    source_info, columns, rows = filtered_rows(cloud, definition)
    ref = de_ref(activity.get("DestinationObject"))
    if not ref:
        raise TaskFailed("The FilterActivity names no DestinationObject data extension.")
    store = cloud.store
    created = False
    try:
        with store.transaction():
            target = store.find(ref)
            if target is None:
                if not truthy(activity.get("CreateDestination")):
                    raise TaskFailed(
                        f"The destination data extension '{ref}' does not exist"
                        " (set CreateDestination to create it)."
                    )
                target = _create_destination(store, ref, columns, source_info)
                created = True
            lowered = {c.lower(): c for c in columns}
            mapped = [(t, lowered[t.lower()]) for t in target.columns if t.lower() in lowered]
            if not mapped:
                raise TaskFailed(f"The destination '{target.name}' shares no field with the filter's source.")
            store.delete_rows(target.name, ())
            for row in rows:
                store.insert_row(target.name, [(t, row.get(s)) for t, s in mapped])
    except (BackendError, FieldValueError) as e:
        raise TaskFailed(f"Writing the filtered rows into '{ref}' failed, nothing was written: {e}") from None
    made = " (created)" if created else ""
    cloud.tasks.set_detail(task_id, f"{len(rows)} row(s) written to {target.name}{made}")


def _create_destination(store, name: str, columns: list[str], source_info):
    if source_info is None:
        return store.create(name, columns, customer_key=name)
    meta = {k: v for k, v in source_info.meta.items() if k in ("Fields",)}
    return store.create(
        name, list(source_info.columns), list(source_info.primary_keys), customer_key=name, meta=meta
    )
