"""Audiences: AudienceDefinition build / clone / totalcount / count, AudienceSegmentDefinition Count.

A segment is a filter over a source data extension: ``DataSource`` names the DE (CustomerKey,
Name or ObjectID), ``DataFilter`` is a SimpleFilterPart or ComplexFilterPart with the operators of
Retrieve (no filter: every row). An AudienceDefinition lists its ``Segments`` in priority order,
each a stored AudienceSegmentDefinition (by CustomerKey, ObjectID or ID) or one written inline,
and names its ``TargetDataExtension``.

- ``build`` replaces the target's rows with the audience's members in one transaction: each
  segment's rows in order, a member already taken by an earlier segment skipped (members are the
  same when the target's primary key matches, else the same SubscriberKey, else the same row).
  Target columns take the source column of the same name (ignoring case); a target column named
  ``Segment`` takes the segment's Name. A refused row fails the task and leaves the target as it was.
- ``count`` is the number of members (what build would write); ``totalcount`` the rows of the
  segments' source data extensions before any filter; a segment's ``Count`` the rows its filter
  keeps. Each is the result's StatusMessage and the task's detail.
- ``clone`` copies the definition under a new CustomerKey (the Perform's PartnerProperty
  ``NewCustomerKey``, else ``<key>-copy``, ``<key>-copy-2`` ...), named in the result.
"""

from __future__ import annotations

from ..api.model import ApiObject
from ..backends.base import BackendError
from .filter_activities import de_ref
from .objects import ObjectError, as_list, text
from .retrieve import compile_filter, filter_properties
from .tasks import TaskFailed


def _segment(cloud, ref: ApiObject) -> ApiObject:
    if ref.get("DataSource") is not None:
        return ref
    found = cloud.objects.find(ApiObject("AudienceSegmentDefinition", dict(ref.properties)))
    if found is None:
        raise TaskFailed(f"The AudienceSegmentDefinition {_describe(ref)} does not exist.")
    return found[1]


def _describe(ref: ApiObject) -> str:
    for prop in ("CustomerKey", "ObjectID", "ID", "Name"):
        if text(ref.get(prop)):
            return f"with {prop} '{text(ref.get(prop))}'"
    return "(no CustomerKey)"


def segment_source(cloud, segment: ApiObject):
    ref = de_ref(segment.get("DataSource"))
    info = cloud.store.find(ref)
    if info is None:
        name = text(segment.get("Name")) or text(segment.get("CustomerKey"))
        raise TaskFailed(f"Segment '{name}': its data extension '{ref}' does not exist.")
    return info


def segment_rows(cloud, segment: ApiObject) -> list[dict]:
    """The rows of the segment's source DE its filter keeps, in the DE's order."""
    info = segment_source(cloud, segment)
    name = text(segment.get("Name")) or text(segment.get("CustomerKey"))
    try:
        for prop in filter_properties(segment.get("DataFilter")):
            info.column(prop)
        lowered = {c.lower(): c for c in info.columns}
        keep = compile_filter(segment.get("DataFilter"), lambda row, p: row.get(lowered.get(p.lower(), p)))
    except (ObjectError, BackendError) as e:
        raise TaskFailed(f"Segment '{name}': {getattr(e, 'message', e)}") from None
    return [r for r in cloud.store.lookup(info.name, ()) if keep(r)]


def _segments(cloud, audience: ApiObject) -> list[ApiObject]:
    refs = [s for s in as_list(audience.get("Segments")) if isinstance(s, ApiObject)]
    if not refs:
        raise TaskFailed("The AudienceDefinition has no Segments.")
    return [_segment(cloud, r) for r in refs]


def _target(cloud, audience: ApiObject):
    ref = de_ref(audience.get("TargetDataExtension"))
    if not ref:
        return None
    info = cloud.store.find(ref)
    if info is None:
        raise TaskFailed(f"The target data extension '{ref}' does not exist.")
    return info


def members(cloud, audience: ApiObject, target=None) -> list[tuple[ApiObject, dict]]:
    """(segment, row) of every member, earlier segments first, each member once."""
    seen: set = set()
    out = []
    for segment in _segments(cloud, audience):
        for row in segment_rows(cloud, segment):
            identity = _identity(row, target)
            if identity in seen:
                continue
            seen.add(identity)
            out.append((segment, row))
    return out


def _identity(row: dict, target) -> tuple:
    lowered = {k.lower(): v for k, v in row.items()}
    if target is not None and target.primary_keys:
        return tuple(_fold(lowered.get(k.lower())) for k in target.primary_keys)
    if "subscriberkey" in lowered:
        return (_fold(lowered["subscriberkey"]),)
    return tuple(sorted((k, _fold(v)) for k, v in lowered.items()))


def _fold(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def build(cloud, audience: ApiObject, task_id: int) -> None:
    target = _target(cloud, audience)
    if target is None:
        raise TaskFailed("The AudienceDefinition has no TargetDataExtension to build into.")
    found = members(cloud, audience, target)
    try:
        with cloud.store.transaction():
            cloud.store.delete_rows(target.name, ())
            for segment, row in found:
                lowered = {k.lower(): v for k, v in row.items()}
                pairs = []
                for column in target.columns:
                    if column.lower() == "segment":
                        pairs.append((column, text(segment.get("Name")) or text(segment.get("CustomerKey"))))
                    elif column.lower() in lowered:
                        pairs.append((column, lowered[column.lower()]))
                cloud.store.insert_row(target.name, pairs)
    except BackendError as e:
        raise TaskFailed(f"Building '{target.name}' failed, nothing was written: {e}") from None
    cloud.tasks.set_detail(task_id, f"{len(found)} member(s) written to {target.name}")


def total_count(cloud, audience: ApiObject) -> int:
    sources = {}
    for segment in _segments(cloud, audience):
        info = segment_source(cloud, segment)
        sources[info.name.lower()] = info.name
    return sum(cloud.store.row_count(name) for name in sources.values())


def _counter(action: str):
    if action == "count":
        return lambda cloud, d: len(members(cloud, d, _target(cloud, d)))
    if action == "totalcount":
        return total_count
    return lambda cloud, d: len(segment_rows(cloud, d))  # a segment's Count


def _clone_key(cloud, stored: ApiObject, given: ApiObject) -> str:
    for p in as_list(given.get("PartnerProperties")):
        if isinstance(p, ApiObject) and text(p.get("Name")).lower() == "newcustomerkey":
            key = text(p.get("Value")).strip()
            if not key:
                raise ObjectError("NewCustomerKey is empty.", 2)
            if cloud.objects.find(ApiObject(stored.type, {"CustomerKey": key})) is not None:
                raise ObjectError(f"A {stored.type} with CustomerKey '{key}' already exists.", 2)
            return key
    base = f"{text(stored.get('CustomerKey'))}-copy"
    key, n = base, 1
    while cloud.objects.find(ApiObject(stored.type, {"CustomerKey": key})) is not None:
        n += 1
        key = f"{base}-{n}"
    return key


def _clone(key: str):
    def work(worker, current: ApiObject, task_id: int) -> None:
        copy = ApiObject(current.type)
        for name, value in current.properties.items():
            if name not in ("ID", "ObjectID", "CustomerKey", "InteractionObjectID", "CreatedDate", "ModifiedDate"):
                copy.set(name, value)
        copy.set("CustomerKey", key)
        copy.set("Name", f"{text(current.get('Name')) or text(current.get('CustomerKey'))} (copy)")
        try:
            stored = worker.objects.insert(copy)
        except ObjectError as e:
            raise TaskFailed(e.message) from None
        worker.tasks.set_detail(task_id, f"cloned as {key} (ID {text(stored.get('ID'))})")

    return work


def plan(cloud, action: str, stored: ApiObject, given: ApiObject):
    """Perform of an AudienceDefinition or AudienceSegmentDefinition (see perform._planner)."""
    if action == "build":
        return "AudienceDefinition performed", lambda w, current, task_id: build(w, current, task_id), None
    if action == "clone":
        key = _clone_key(cloud, stored, given)
        shown = ApiObject(stored.type, {"CustomerKey": key, "Name": f"{text(stored.get('Name'))} (copy)"})
        return f"AudienceDefinition cloned as '{key}'", _clone(key), shown
    counter = _counter(action)
    try:
        count = counter(cloud, stored)
    except (TaskFailed, BackendError) as e:
        raise ObjectError(str(e), 2) from None

    def work(worker, current: ApiObject, task_id: int) -> None:
        worker.tasks.set_detail(task_id, f"{action}: {counter(worker, current)}")

    return str(count), work, None
