"""Which Partner API object types and properties exist: the shipped WSDL, plus the Perform
targets it lacks.

Names are matched case-insensitively and answered in their canonical spelling. ``...Specified``
properties (added by .NET proxies) are recognised so callers can accept and drop them.
"""

from __future__ import annotations

from ..soap.schema import PropertyInfo, partner_schema

# Perform targets from the Perform action table that the shipped WSDL does not describe. They are
# interaction definitions: they take the InteractionDefinition properties, plus a few of their own.
_EXTRA_TYPES: dict[str, tuple[PropertyInfo, ...]] = {
    "ContentValidation": (
        PropertyInfo("ValidationAction", None, "string"),
        PropertyInfo("Email", "Email", None),
        PropertyInfo("Subscribers", "Subscriber", None, repeated=True),
    ),
}
_EXTRA_BY_LOWER = {name.lower(): name for name in _EXTRA_TYPES}


def canonical_type(name: str) -> str | None:
    """The canonical spelling of an object type name, or None when no such type exists."""
    name = (name or "").strip()
    if not name:
        return None
    found = partner_schema().canonical_type(name)
    return found or _EXTRA_BY_LOWER.get(name.lower())


def properties(type_name: str) -> tuple[PropertyInfo, ...]:
    if type_name in _EXTRA_TYPES:
        return partner_schema().properties("InteractionDefinition") + _EXTRA_TYPES[type_name]
    return partner_schema().properties(type_name)


def property_info(type_name: str, prop: str) -> PropertyInfo | None:
    low = prop.lower()
    for info in properties(type_name):
        if info.name.lower() == low:
            return info
    return None


def is_specified_flag(type_name: str, prop: str) -> bool:
    """``IDSpecified`` and friends: .NET proxy booleans that never travel; accepted and dropped."""
    return prop.lower().endswith("specified") and property_info(type_name, prop[:-9]) is not None


def is_subtype(type_name: str, base: str) -> bool:
    if type_name in _EXTRA_TYPES:
        return base in ("InteractionDefinition", "InteractionBaseObject", "APIObject")
    return partner_schema().is_subtype(type_name, base)
