"""The one backend protocol every store implements (local SQLite cloud, SOAP tenant, ...).

Data-extension rows travel as plain dicts ``{column: value}`` in the DE's column order; a SQL
NULL is ``None`` (the function layer turns it into ``DB_NULL``). Column and DE names are matched
case-insensitively by the backend. API verbs take and return the neutral ``ApiObject`` model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..api.model import ApiObject
from ..errors import FunctionError

Pairs = Sequence[tuple[str, object]]   # (column, value) pairs, in script order
Row = dict[str, object]


class BackendError(FunctionError):
    """A backend refused or failed an operation; surfaces as a script runtime error at the call."""


class BackendConfigError(BackendError):
    """A backend cannot be opened as configured (a workspace or data folder that is not a folder,
    missing tenant credentials ...): a problem with the options, which the CLI reports as a usage
    error."""


@dataclass
class ApiResult:
    """One per-object result of Create/Update/Delete/Perform/Configure."""
    status_code: str = "OK"                # OK | Error
    status_message: str = ""
    error_code: int = 0
    object: ApiObject | None = None
    new_id: int | None = None
    new_object_id: str | None = None
    task: dict | None = None               # Perform: {"StatusCode","StatusMessage","ID","InteractionObjectID"}


@dataclass
class ApiResponse:
    """A whole API call's answer."""
    overall_status: str = "OK"             # OK | MoreDataAvailable | Error: ... | Has Errors
    request_id: str = ""
    results: list = field(default_factory=list)   # ApiResult (writes) or ApiObject (retrieve)
    overall_status_message: str = ""


class Backend:
    """Base class with every operation; a backend overrides what it supports."""

    name = "base"

    # ---- data extensions -----------------------------------------------------------------
    def lookup(self, de: str, filters: Pairs, *, case_sensitive: bool = False,
               order_by: Sequence[tuple[str, bool]] = (), limit: int | None = None) -> list[Row]:
        """Rows whose columns equal the filter values (all must match), in DE order unless
        ``order_by`` gives (column, descending) pairs; at most ``limit`` rows."""
        raise self._unsupported("reading data extensions")

    def relationships(self) -> list[dict]:
        """Data relationships between data extensions, for GTL sections over related rows: maps
        with ``name`` (the section name), ``from`` and ``dataExtension`` (parent and child DE) and
        ``on`` (parent column -> child column). A backend that knows none returns []."""
        return []

    def insert_row(self, de: str, values: Pairs) -> int:
        raise self._unsupported("inserting rows")

    def update_rows(self, de: str, keys: Pairs, values: Pairs) -> int:
        raise self._unsupported("updating rows")

    def upsert_row(self, de: str, keys: Pairs, values: Pairs) -> int:
        raise self._unsupported("upserting rows")

    def delete_rows(self, de: str, filters: Pairs) -> int:
        raise self._unsupported("deleting rows")

    def row_count(self, de: str) -> int:
        raise self._unsupported("counting rows")

    def claim_row(self, de: str, claimed_column: str, claimant_column: str, claimant_value: object,
                  claimant_pairs: Pairs) -> Row | None:
        """The row the claimant holds, else the next unclaimed one, marked claimed and stamped with
        the claimant and ``claimant_pairs``; None when none is left."""
        raise self._unsupported("claiming rows")

    def execute_filter(self, filter_key: str, *, order_by: Sequence[tuple[str, bool]] = (),
                       limit: int | None = None) -> list[Row]:
        raise self._unsupported("data filters")

    # ---- content ---------------------------------------------------------------------------
    def content_block(self, *, key: str | None = None, name: str | None = None,
                      id: str | None = None) -> str | None:
        """The source of a content block, or None when there is none."""
        return None

    def content_image(self, *, key: str | None = None, id: str | None = None) -> dict | None:
        """A Content Builder image by customer key or numeric ID, or None when there is none:
        ``{"url", "title", "alt", "id", ...}`` (ContentImageByKey/ContentImageByID build the
        ``<img>`` tag from it)."""
        return None

    # ---- Partner API verbs -----------------------------------------------------------------
    def api_create(self, objects: list[ApiObject], options: ApiObject | None = None) -> ApiResponse:
        raise self._unsupported("Create")

    def api_update(self, objects: list[ApiObject], options: ApiObject | None = None) -> ApiResponse:
        raise self._unsupported("Update")

    def api_delete(self, objects: list[ApiObject], options: ApiObject | None = None) -> ApiResponse:
        raise self._unsupported("Delete")

    def api_retrieve(self, request: ApiObject) -> ApiResponse:
        raise self._unsupported("Retrieve")

    def api_perform(self, action: str, definitions: list[ApiObject],
                    options: ApiObject | None = None) -> ApiResponse:
        raise self._unsupported("Perform")

    def api_configure(self, action: str, configurations: list[ApiObject],
                      options: ApiObject | None = None) -> ApiResponse:
        raise self._unsupported("Configure")

    def api_execute(self, requests: list[ApiObject]) -> ApiResponse:
        raise self._unsupported("Execute")

    def api_extract(self, requests: list[ApiObject]) -> ApiResponse:
        raise self._unsupported("Extract")

    def api_describe(self, object_types: list[str]) -> ApiResponse:
        raise self._unsupported("Describe")

    def close(self) -> None:
        """Release connections and stop background work."""

    def _unsupported(self, what: str) -> BackendError:
        return BackendError(f"the {self.name} backend does not support {what}")


def declared_relationships(settings) -> list[dict]:
    """The ``[[relationships]]`` tables of a workspace's ampy.toml (``settings.raw``), in the shape
    of :meth:`Backend.relationships`. The Partner API carries no data relationships, so this is
    how a workspace declares them for every backend; a malformed entry is a BackendError."""
    raw = getattr(settings, "raw", None) or {}
    entries = raw.get("relationships", []) if isinstance(raw, dict) else []
    if not isinstance(entries, list):
        raise BackendError("ampy.toml: relationships must be an array of tables ([[relationships]])")
    found = []
    for n, rel in enumerate(entries, 1):
        on = rel.get("on") if isinstance(rel, dict) else None
        if not (isinstance(rel, dict) and _text(rel.get("name")) and _text(rel.get("dataExtension"))
                and isinstance(on, dict) and on and all(_text(v) for v in on.values())):
            raise BackendError(f"ampy.toml: [[relationships]] entry {n} needs name, dataExtension and on, like "
                               'name = "Orders", dataExtension = "Orders", on = { SubscriberKey = "SubscriberKey" }')
        found.append({"name": rel["name"].strip(), "from": str(rel.get("from") or ""),
                      "dataExtension": rel["dataExtension"].strip(), "on": dict(on)})
    return found


def _text(value) -> bool:
    return isinstance(value, str) and bool(value.strip())
