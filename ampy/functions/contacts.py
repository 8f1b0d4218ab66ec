"""Contacts builtin (1): UpsertContact, MobileConnect contacts matched by mobile number.

ampy keeps the contacts in a data extension named ``_MobileContacts`` (primary key
``MobileNumber``; columns in ``CONTACT_COLUMNS``), so scripts and tools can read them back with
Lookup or the DE folder. A backend without that DE gets it created when it can create data
extensions (the local cloud); a DE the user made with fewer columns limits what can be written.
"""

from __future__ import annotations

from ..backends.base import BackendError
from ..errors import FunctionError
from ..registry import builtin
from ..runtime.values import to_text
from ._args import pairs

CAT = "Contacts"
BACKEND_NOTES = {  # docs/functions.md
    "local": "upserts into the workspace's _MobileContacts data extension (created on first use).",
    "soap": "upserts into the tenant's _MobileContacts data extension through DataExtensionObject calls.",
}
CONTACTS_DE = "_MobileContacts"
KEY_COLUMN = "MobileNumber"
# The writable MobileConnect contact attributes (the catalogue's _Name system strings without the
# underscore); the script may write them with or without it.
WRITABLE = ("FirstName", "LastName", "City", "State", "ZipCode", "CountryCode", "Locale", "Status",
            "Priority", "Source", "SourceObjectID", "CarrierID", "UTCOffset", "IsHonorDST")
CONTACT_COLUMNS = (KEY_COLUMN, *WRITABLE, "CreatedDate", "ModifiedDate")
OK, FAILED = 0, 1
_BY_LOWER = {c.lower(): c for c in WRITABLE}


def _ensure_contacts_de(backend) -> None:
    try:
        backend.row_count(CONTACTS_DE)
        return
    except BackendError:
        pass
    store = getattr(backend, "store", None)
    if store is None or not hasattr(store, "create"):
        raise FunctionError(f"the {getattr(backend, 'name', '')} backend has no {CONTACTS_DE} data extension "
                            "to keep mobile contacts in")
    store.create(CONTACTS_DE, list(CONTACT_COLUMNS), [KEY_COLUMN])


def _phone(value) -> str | None:
    text = to_text(value).strip()
    return text if text.isdigit() and text.isascii() else None


@builtin("UpsertContact", min_args=5, max_args=None, category=CAT, needs_context=True,
         signature="UpsertContact(channel, matchAttribute, phone, attr1, value1, [attrN, valueN]...)")
def upsert_contact(ctx, channel, match_attribute, phone, *attributes):
    """Creates or updates a mobile contact matched by phone; 0 on success, 1 on a bad channel,
    attribute or phone (nothing written)."""
    if to_text(channel).strip().lower() != "mobile" or to_text(match_attribute).strip().lower() != "phone":
        return FAILED
    number = _phone(phone)
    if number is None or len(attributes) % 2:
        return FAILED
    values = []
    for name, value in pairs(attributes, "attribute/value"):
        column = _BY_LOWER.get(name.strip().lower().removeprefix("_"))
        if column is None:
            return FAILED
        values.append((column, to_text(value)))
    backend = ctx.backend
    _ensure_contacts_de(backend)
    stamp = ctx.now.strftime("%Y-%m-%d %H:%M:%S")
    try:
        exists = bool(backend.lookup(CONTACTS_DE, [(KEY_COLUMN, number)], limit=1))
        values.append(("ModifiedDate", stamp))
        if not exists:
            values.append(("CreatedDate", stamp))
        backend.upsert_row(CONTACTS_DE, [(KEY_COLUMN, number)], values)
    except BackendError:
        return FAILED   # e.g. a user-made _MobileContacts without that column
    return OK
