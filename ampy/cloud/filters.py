"""ExecuteFilter: a FilterDefinition (DataSource = a data extension, DataFilter = a filter part)
applied to the DE's rows, by the definition's CustomerKey or Name."""

from __future__ import annotations

from collections.abc import Sequence

from ..api.model import ApiObject
from ..backends.base import BackendError
from .dataext import filtered_rows
from .objects import ObjectError, text
from .retrieve import compile_filter, filter_properties


def execute_filter(
    cloud, key: str, *, order_by: Sequence[tuple[str, bool]] = (), limit: int | None = None
) -> list[dict]:
    found = cloud.objects.find(ApiObject("FilterDefinition", {"CustomerKey": key}))
    if found is None:
        matches = [
            f for f in cloud.objects.all("FilterDefinition") if text(f.get("Name")).lower() == key.lower()
        ]
        if not matches:
            raise BackendError(f"Data filter '{key}' does not exist")
        definition = matches[0]
    else:
        definition = found[1]
    source = definition.get("DataSource")
    ref = ""
    if isinstance(source, ApiObject):
        ref = text(source.get("CustomerKey")) or text(source.get("Name")) or text(source.get("ObjectID"))
    info = cloud.store.find(ref)
    if info is None:
        raise BackendError(f"Data filter '{key}': its data extension '{ref}' does not exist")
    for prop in filter_properties(definition.get("DataFilter")):
        info.column(prop)  # an unknown column is a BackendError naming it
    lowered = {c.lower(): c for c in info.columns}
    try:
        keep = compile_filter(definition.get("DataFilter"), lambda row, p: row.get(lowered.get(p.lower(), p)))
    except ObjectError as e:
        raise BackendError(f"Data filter '{key}': {e.message}") from None
    rows = [r for r in filtered_rows(cloud.store, info, definition.get("DataFilter"), order_by) if keep(r)]
    return rows[:limit] if limit is not None else rows
