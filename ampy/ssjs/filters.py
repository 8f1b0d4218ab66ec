"""Plain script values (what SSJS objects arrive as) <-> the neutral Partner API model.

WSProxy and the Core library hand the backend ``ApiObject``s built from JS objects with WSDL
property names, and give scripts back plain objects: collections as flat arrays
(``Properties: [{Name, Value}]``), scalars as text, as the platform's WSProxy does. Property
names are spelled as the WSDL spells them when the type knows them (scripts do not care about
case); unknown ones travel as given so the backend reports them.
"""

from __future__ import annotations

from datetime import datetime

from ..api.model import ApiObject
from ..errors import FunctionError

_FILTER_TYPES = ("FilterPart", "SimpleFilterPart", "ComplexFilterPart")


def scalar_text(value: object) -> str:
    """A JS scalar as API text: booleans ``true``/``false``, whole numbers without ``.0``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def to_filter(value: object) -> ApiObject:
    """A Core/WSProxy filter object: ``{Property, SimpleOperator, Value}`` (Value a scalar or an
    array; ``DateValue`` for dates) or ``{LeftOperand, LogicalOperator, RightOperand}``."""
    if isinstance(value, ApiObject):
        return value
    if not isinstance(value, dict):
        raise FunctionError("a filter must be an object with Property, SimpleOperator and Value, "
                            "or LeftOperand, LogicalOperator and RightOperand")
    keys = {k.lower(): v for k, v in value.items()}
    if "leftoperand" in keys:
        part = ApiObject("ComplexFilterPart", {
            "LeftOperand": to_filter(keys["leftoperand"]),
            "LogicalOperator": scalar_text(keys.get("logicaloperator") or "AND").upper(),
            "RightOperand": to_filter(keys.get("rightoperand")),
        })
        extra = keys.get("additionaloperands")
        if extra:
            part.set("AdditionalOperands", [to_filter(v) for v in _items(extra)])
        return part
    if "property" not in keys:
        raise FunctionError("a simple filter needs a Property")
    part = ApiObject("SimpleFilterPart", {"Property": scalar_text(keys["property"]),
                                          "SimpleOperator": scalar_text(keys.get("simpleoperator") or "equals")})
    values = _items(keys.get("value"))
    dates = _items(keys.get("datevalue"))
    if values and all(isinstance(v, datetime) for v in values) and not dates:
        dates, values = values, []
    if values:
        part.set("Value", [scalar_text(v) for v in values])
    if dates:
        part.set("DateValue", [scalar_text(v) for v in dates])
    return part


def _items(value: object) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def to_api(type_name: str, value: object) -> ApiObject:
    """A JS object as an ``ApiObject`` of ``type_name``; nested objects take the property's type."""
    from ..cloud import types  # the WSDL type table loads on first use

    if isinstance(value, ApiObject):
        return value
    if not isinstance(value, dict):
        raise FunctionError(f"a {type_name} must be an object, not {_kind(value)}")
    canonical = types.canonical_type(type_name) or type_name
    obj = ApiObject(canonical)
    for key, item in value.items():
        if item is None or types.is_specified_flag(canonical, key):
            continue   # null leaves a property out; IDSpecified and friends never travel
        info = types.property_info(canonical, key)
        name = info.name if info is not None else key
        if info is not None and info.type_name in _FILTER_TYPES:
            obj.set(name, to_filter(item))
            continue
        nested = info.type_name if info is not None and info.type_name else key
        if isinstance(item, list):
            obj.set(name, [_nested(nested, v) for v in item])
        else:
            obj.set(name, _nested(nested, item))
    return obj


def _nested(type_name: str, value: object) -> object:
    return to_api(type_name, value) if isinstance(value, dict) else scalar_text(value)


def _kind(value: object) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    return "a number" if isinstance(value, (int, float)) else type(value).__name__


def from_api(value: object) -> object:
    """An API value as a plain value: objects become dicts in property order, arrays lists,
    scalars text (a NULL stays None)."""
    if isinstance(value, ApiObject):
        return {k: from_api(v) for k, v in value.properties.items()}
    if isinstance(value, list):
        return [from_api(v) for v in value]
    if value is None or isinstance(value, str):
        return value
    return scalar_text(value)
