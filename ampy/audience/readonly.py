"""The store as a render worker sees it: its own connection, every write refused.

A worker must not change data while other workers read it (and an audience render is a preview, not a
send): InsertDE, UpsertDE, UpdateDE, DeleteDE, ClaimRow and the API write verbs fail at the call with a
script error naming the rule, and the stored data stays as it was."""

from __future__ import annotations

from ..backends.base import BackendError
from ..backends.local import LocalBackend

_REFUSED = ("rendering an audience reads the data read-only: {what} is refused"
            " (write from `ampy run` or a send instead)")


def _refuse(what: str):
    def refused(self, *args, **kwargs):
        raise BackendError(_REFUSED.format(what=what))

    refused.__name__ = what
    return refused


class ReadOnlyBackend(LocalBackend):
    """A LocalBackend on an existing store file that refuses every write (see the module doc)."""

    insert_row = _refuse("inserting a row")
    update_rows = _refuse("updating rows")
    upsert_row = _refuse("upserting a row")
    delete_rows = _refuse("deleting rows")
    claim_row = _refuse("claiming a row")
    api_create = _refuse("CreateObject/InvokeCreate")
    api_update = _refuse("InvokeUpdate")
    api_delete = _refuse("InvokeDelete")
    api_perform = _refuse("InvokePerform")
    api_configure = _refuse("InvokeConfigure")
    api_execute = _refuse("InvokeExecute")
    api_extract = _refuse("InvokeExtract")


def read_only_view(backend: LocalBackend) -> ReadOnlyBackend:
    """The same backend (same store connection, caches and account) with writes refused: rendering
    in this process follows the same rule as a worker. Sharing ``__dict__`` makes it a view, not a
    copy; closing stays the owner's job."""
    view = object.__new__(ReadOnlyBackend)
    view.__dict__ = backend.__dict__
    return view
