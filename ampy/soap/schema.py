"""What ampy's shipped Partner API WSDL says about object types, read from the WSDL itself.

The WSDL is the single source of truth: this module parses it once (lazily, cached) and answers
the questions the codec and the AMPscript API functions ask:

- is ``TypeName`` a known object type (``is_known_type``, ``canonical_type``);
- its property names, inherited ones included, in wire order (``property_names``);
- which properties are wrapper arrays and their item element (``wrapper_arrays``: Fields → Field);
- which are repeated elements (``repeated_properties``);
- the base-type chain (``base_chain``: EmailSendDefinition → ... → APIObject).

Type and property names are matched case-insensitively (AMPscript scripts do not care about case);
answers always carry the canonical spelling.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from lxml import etree

PARTNER_NS = "http://exacttarget.com/wsdl/partnerAPI"
FUELOAUTH_NS = "http://exacttarget.com"
FAULT_NS = "urn:fault.partner.exacttarget.com"
XSD_NS = "http://www.w3.org/2001/XMLSchema"

# A real file path (zeep and lxml want one); hatchling ships the WSDL inside the package.
WSDL_PATH: Path = Path(str(resources.files("ampy.soap").joinpath("wsdl").joinpath("partnerapi.wsdl")))

_XS = f"{{{XSD_NS}}}"


@dataclass(frozen=True)
class PropertyInfo:
    """One element of a complex type's sequence.

    ``type_name`` is the partner complex type (of the items, for arrays) or None for an XSD
    simple type, whose local name is then in ``simple_type`` (``string``, ``int``, ``boolean``...).
    ``item_name`` is set for wrapper arrays (``Fields`` holding ``Field`` elements); ``repeated``
    for arrays written as the same element several times.
    """

    name: str
    type_name: str | None
    simple_type: str | None
    repeated: bool = False
    item_name: str | None = None
    required: bool = False

    @property
    def is_wrapper(self) -> bool:
        return self.item_name is not None

    @property
    def is_array(self) -> bool:
        return self.repeated or self.item_name is not None


@dataclass(frozen=True)
class TypeInfo:
    name: str
    base: str | None
    own_properties: tuple[PropertyInfo, ...]


class PartnerSchema:
    """The complex types of the partner namespace, plus the anonymous types of the request and
    response elements (``CreateRequest``, ``PerformResponseMsg``...), keyed by element name.
    Message elements are not object types: ``is_known_type("CreateRequest")`` is False."""

    def __init__(self, types: dict[str, TypeInfo], messages: dict[str, TypeInfo]):
        self._types = types
        self._messages = messages
        self._complex = {**types, **messages}  # names never collide in the WSDL
        self._type_by_lower = {name.lower(): name for name in types}
        self._props: dict[str, tuple[PropertyInfo, ...]] = {}
        self._index: dict[str, dict[str, PropertyInfo]] = {}  # lower-cased property name → info

    # ---------------------------------------------------------------------------- types

    def canonical_type(self, name: str) -> str | None:
        """The WSDL spelling of an object type name, or None if the WSDL lacks the type."""
        return self._type_by_lower.get(name.lower())

    def is_known_type(self, name: str) -> bool:
        return self.canonical_type(name) is not None

    def type_names(self) -> tuple[str, ...]:
        return tuple(self._types)

    def is_message(self, element_name: str) -> bool:
        return element_name in self._messages

    def base_chain(self, name: str) -> tuple[str, ...]:
        """The type itself, then its bases up to the root (``APIObject`` for objects)."""
        chain: list[str] = []
        current = self._resolve(name)
        while current is not None and current not in chain:
            chain.append(current)
            current = self._complex[current].base
        return tuple(chain)

    def is_subtype(self, name: str, base: str) -> bool:
        canonical_base = self._resolve(base)
        return canonical_base is not None and canonical_base in self.base_chain(name)

    # ------------------------------------------------------------------------ properties

    def properties(self, name: str) -> tuple[PropertyInfo, ...]:
        """All properties of a type or message element, inherited ones first (wire order)."""
        canonical = self._resolve(name)
        if canonical is None:
            return ()
        if canonical not in self._props:
            merged: list[PropertyInfo] = []
            for type_name in reversed(self.base_chain(canonical)):
                merged.extend(self._complex[type_name].own_properties)
            self._props[canonical] = tuple(merged)
        return self._props[canonical]

    def property_names(self, name: str) -> tuple[str, ...]:
        return tuple(p.name for p in self.properties(name))

    def property(self, name: str, prop: str) -> PropertyInfo | None:
        """A property of a type (inherited included) by name, ignoring case."""
        canonical = self._resolve(name)
        if canonical is None:
            return None
        index = self._index.get(canonical)
        if index is None:
            index = self._index[canonical] = {p.name.lower(): p for p in self.properties(canonical)}
        return index.get(prop.lower())

    def wrapper_arrays(self, name: str) -> dict[str, str]:
        """Wrapper-array properties of a type mapped to their item element: ``{"Fields": "Field"}``."""
        return {p.name: p.item_name for p in self.properties(name) if p.item_name is not None}

    def repeated_properties(self, name: str) -> frozenset[str]:
        return frozenset(p.name for p in self.properties(name) if p.repeated)

    @functools.cached_property
    def fallback_wrappers(self) -> dict[str, PropertyInfo]:
        """Wrapper arrays for types the WSDL lacks (the real service returns some): a property
        name that is a wrapper array in some object type, always with the same item element and
        item type (``Properties`` → ``Property`` of ``APIProperty``). Ambiguous names are left out."""
        found: dict[str, PropertyInfo | None] = {}
        for type_info in self._types.values():
            for info in type_info.own_properties:
                if info.item_name is None:
                    continue
                seen = found.setdefault(info.name, info)
                if seen is not None and (seen.item_name, seen.type_name) != (info.item_name, info.type_name):
                    found[info.name] = None  # ambiguous: never guess
        return {name: info for name, info in found.items() if info is not None}

    def _resolve(self, name: str) -> str | None:
        if name in self._complex:
            return name
        return self._type_by_lower.get(name.lower())


# ------------------------------------------------------------------------------ loading


def _local(qname: str, nsmap: dict[str | None, str]) -> tuple[str, str]:
    """Resolve a prefixed QName attribute value to (namespace, local name)."""
    prefix, _, local = qname.rpartition(":")
    return nsmap.get(prefix or None, ""), local


def _is_many(element: etree._Element) -> bool:
    return element.get("maxOccurs", "1") not in ("0", "1")


def _element_info(element: etree._Element) -> PropertyInfo:
    name = element.get("name")
    required = element.get("minOccurs", "1") != "0"
    if element.get("type") is None:
        return _wrapper_info(element, name, required)
    ns, local = _local(element.get("type"), element.nsmap)
    if ns == XSD_NS:
        return PropertyInfo(name, None, local, repeated=_is_many(element), required=required)
    return PropertyInfo(name, local, None, repeated=_is_many(element), required=required)


def _wrapper_info(element: etree._Element, name: str, required: bool) -> PropertyInfo:
    """An inline anonymous type holding exactly one repeated element is a wrapper array."""
    items = element.findall(f"{_XS}complexType/{_XS}sequence/{_XS}element")
    if len(items) != 1 or not _is_many(items[0]) or items[0].get("type") is None:
        raise ValueError(f"unsupported inline element {name!r} in the Partner API WSDL")
    item = _element_info(items[0])
    return PropertyInfo(name, item.type_name, item.simple_type, item_name=item.name, required=required)


def _complex_type_info(name: str, complex_type: etree._Element) -> TypeInfo:
    base = None
    sequence = complex_type.find(f"{_XS}sequence")
    extension = complex_type.find(f"{_XS}complexContent/{_XS}extension")
    if extension is not None:
        base = _local(extension.get("base"), extension.nsmap)[1]
        sequence = extension.find(f"{_XS}sequence")
    elements = [] if sequence is None else sequence.findall(f"{_XS}element")
    return TypeInfo(name, base, tuple(_element_info(e) for e in elements))


def load_schema(path: Path = WSDL_PATH) -> PartnerSchema:
    """Parse a WSDL file into a ``PartnerSchema`` (``partner_schema()`` caches the shipped one)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.parse(str(path), parser).getroot()
    types: dict[str, TypeInfo] = {}
    messages: dict[str, TypeInfo] = {}
    for schema in root.iter(f"{_XS}schema"):
        if schema.get("targetNamespace") != PARTNER_NS:
            continue
        for node in schema.findall(f"{_XS}complexType"):
            types[node.get("name")] = _complex_type_info(node.get("name"), node)
        for node in schema.findall(f"{_XS}element"):
            anonymous = node.find(f"{_XS}complexType")
            if anonymous is not None:
                messages[node.get("name")] = _complex_type_info(node.get("name"), anonymous)
    return PartnerSchema(types, messages)


@functools.cache
def partner_schema() -> PartnerSchema:
    """The schema of the shipped WSDL, parsed on first use."""
    return load_schema()


# Module-level shortcuts for the common questions.


def is_known_type(name: str) -> bool:
    return partner_schema().is_known_type(name)


def canonical_type(name: str) -> str | None:
    return partner_schema().canonical_type(name)


def property_names(type_name: str) -> tuple[str, ...]:
    return partner_schema().property_names(type_name)


def wrapper_arrays(type_name: str) -> dict[str, str]:
    return partner_schema().wrapper_arrays(type_name)


def repeated_properties(type_name: str) -> frozenset[str]:
    return partner_schema().repeated_properties(type_name)


def base_chain(type_name: str) -> tuple[str, ...]:
    return partner_schema().base_chain(type_name)
