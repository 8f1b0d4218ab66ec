"""Partner API XML ↔ the neutral ``ApiObject`` model, SOAP envelopes and faults (lxml only).

Objects
    ``object_to_xml`` writes an ``ApiObject`` as a partner-namespace element; ``xml_to_object``
    reads one back. Which arrays are wrapped (``<Fields><Field/></Fields>``) and which are repeated
    elements comes from the shipped WSDL (``ampy.soap.schema``); types the WSDL lacks still load
    and still serialise, with a name-based guess for their wrapper arrays.

Messages
    ``parse_request(body) -> (operation, dict)`` reads any request element; ``build_response``
    writes any response element in the real wire order. ``envelope``/``parse_envelope`` wrap
    and unwrap SOAP 1.1 and 1.2, ``fault`` builds faults with the ``apifault`` detail.

Untrusted input is parsed with a hardened parser: no DTDs, no entities, no network, no huge
trees; any DOCTYPE is refused. Everything a client can get wrong raises ``SoapClientError``.
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from lxml import etree

from ampy.api.model import ApiObject
from ampy.safexml import declares_dtd, hardened_parser
from ampy.soap.schema import FAULT_NS, FUELOAUTH_NS, PARTNER_NS, XSD_NS, PropertyInfo, partner_schema

SOAP11_NS = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_NS = "http://www.w3.org/2003/05/soap-envelope"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
XML_NS = "http://www.w3.org/XML/1998/namespace"
WSSE_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"

# Fault code of a failed login (faultstring "Login failed" or "Token Expired"), in Clark notation.
SECURITY_FAULT_CODE = f"{{{WSSE_NS}}}Security"

_XSI_TYPE = f"{{{XSI_NS}}}type"
_XSI_NIL = f"{{{XSI_NS}}}nil"

# Request element → operation, and operation → response element (names as on the real wire).
REQUEST_ELEMENTS = {
    "CreateRequest": "Create",
    "RetrieveRequestMsg": "Retrieve",
    "UpdateRequest": "Update",
    "DeleteRequest": "Delete",
    "PerformRequestMsg": "Perform",
    "ConfigureRequestMsg": "Configure",
    "ExecuteRequestMsg": "Execute",
    "ExtractRequestMsg": "Extract",
    "DefinitionRequestMsg": "Describe",
}
RESPONSE_ELEMENTS = {
    "Create": "CreateResponse",
    "Retrieve": "RetrieveResponseMsg",
    "Update": "UpdateResponse",
    "Delete": "DeleteResponse",
    "Perform": "PerformResponseMsg",
    "Configure": "ConfigureResponseMsg",
    "Execute": "ExecuteResponseMsg",
    "Extract": "ExtractResponseMsg",
    "Describe": "DefinitionResponseMsg",
}
OPERATIONS = tuple(RESPONSE_ELEMENTS)


class SoapClientError(ValueError):
    """The client sent something that is not an acceptable Partner API SOAP message
    (malformed XML, a DOCTYPE, not an envelope, an unknown request element...).
    A server answers it with a Client fault carrying ``str(error)``."""


def _q(local: str, ns: str = PARTNER_NS) -> str:
    return f"{{{ns}}}{local}"


def _local_name(element: etree._Element) -> str:
    return etree.QName(element).localname


def _elements(element: etree._Element) -> list[etree._Element]:
    """Element children only (comments and processing instructions are not data)."""
    return [child for child in element if isinstance(child.tag, str)]


# =================================================================== ApiObject → XML


def object_to_xml(obj: ApiObject, tag: str, *, with_type: bool = True,
                  schema_order: bool = False) -> etree._Element:
    """``obj`` as the partner-namespace element ``tag``.

    ``with_type`` writes ``xsi:type`` on this element (for slots typed by a base type, such as
    ``Objects`` or ``Definition``); nested objects get ``xsi:type`` only when their type differs
    from the type the WSDL declares for their slot. Wrapper arrays are wrapped, repeated arrays
    repeated, ``...Specified`` properties and None values dropped, booleans written ``true`` /
    ``false``. Properties keep the given order unless ``schema_order`` sorts known ones into
    the WSDL's sequence order (strict readers such as zeep need that; unknown ones follow).
    """
    element = etree.Element(_q(tag), nsmap={None: PARTNER_NS, "xsi": XSI_NS})
    if with_type:
        element.set(_XSI_TYPE, obj.type)
    _write_properties(element, obj, None, schema_order)
    return element


@functools.lru_cache(maxsize=4096)  # asked once per property written or read: large answers repeat a few
def _property_info(type_name: str, slot_type: str | None, name: str) -> PropertyInfo | None:
    """What the WSDL says about ``type_name.name``; for a type the WSDL lacks, what it says
    about the slot's declared type (a subtype still has its base's properties)."""
    schema = partner_schema()
    if schema.is_known_type(type_name) or schema.is_message(type_name):
        return schema.property(type_name, name)
    if slot_type is not None:
        return schema.property(slot_type, name)
    return None


def _ordered_items(obj: ApiObject, slot_type: str | None, schema_order: bool) -> list[tuple[str, object]]:
    items = list(obj.properties.items())
    if not schema_order:
        return items
    rank = _schema_rank(obj.type, slot_type)
    # sorted() is stable: unknown properties keep their given order after the known ones.
    return sorted(items, key=lambda item: rank.get(item[0].lower(), len(rank)))


@functools.lru_cache(maxsize=1024)
def _schema_rank(type_name: str, slot_type: str | None) -> dict[str, int]:
    """Lower-cased property name → its place in the WSDL sequence of the type (or of its slot's
    type, for a type the WSDL lacks)."""
    schema = partner_schema()
    known = type_name if (schema.is_known_type(type_name) or schema.is_message(type_name)) else slot_type
    return {name.lower(): i for i, name in enumerate(schema.property_names(known or ""))}


def _write_properties(element: etree._Element, obj: ApiObject, slot_type: str | None,
                      schema_order: bool) -> None:
    for name, value in _ordered_items(obj, slot_type, schema_order):
        info = _property_info(obj.type, slot_type, name)
        if value is None or (info is None and name.endswith("Specified")):
            continue  # .NET proxies' xxxSpecified flags are not on the wire
        if info is None and isinstance(value, list):
            info = partner_schema().fallback_wrappers.get(name)
        tag = info.name if info is not None else name
        declared = info.type_name if info is not None else None
        item_name = info.item_name if info is not None else None
        if isinstance(value, list) and item_name is not None:
            wrapper = etree.SubElement(element, _q(tag))
            for item in value:
                _write_value(wrapper, item_name, item, declared, schema_order)
        elif isinstance(value, list):
            for item in value:
                _write_value(element, tag, item, declared, schema_order)
        else:
            _write_value(element, tag, value, declared, schema_order)


def _write_value(parent: etree._Element, tag: str, value: object, declared: str | None,
                 schema_order: bool) -> None:
    if value is None:
        return
    child = etree.SubElement(parent, _q(tag))
    if isinstance(value, ApiObject):
        if _needs_xsi_type(value.type, declared, tag):
            child.set(_XSI_TYPE, value.type)
        _write_properties(child, value, declared, schema_order)
    else:
        child.text = _scalar_text(value) or None  # "" → <Tag/>, as the real service writes it


def _needs_xsi_type(value_type: str, declared: str | None, tag: str) -> bool:
    if value_type == declared:
        return False
    if partner_schema().is_known_type(value_type):
        return True  # a subtype in a slot typed by its base, or a slot the WSDL does not know
    # A type the WSDL lacks, named after its element (as read back from a type-less element):
    # it is the element's own type, not something to announce.
    return value_type != tag


def _scalar_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _dt.datetime | _dt.date):
        return value.isoformat()
    return str(value)


# =================================================================== XML → ApiObject


def xml_to_object(element: etree._Element, *, declared_type: str | None = None) -> ApiObject:
    """The ``ApiObject`` an element holds.

    The type is the ``xsi:type``, else ``declared_type`` (the slot's type from the WSDL), else the
    element name. Wrapper arrays become lists of their items, repeated elements lists (a single
    occurrence of a repeated property is still a list), leaves ``str``, ``xsi:nil`` None.
    Unknown types and properties load too: a repeated unknown element becomes a list, an
    unknown element with children an object.
    """
    type_name = _xsi_type_name(element) or declared_type or _local_name(element)
    obj = ApiObject(type_name)
    for child in _elements(element):
        name = _local_name(child)
        info = _property_info(type_name, declared_type, name)
        if info is None:
            _read_unknown(obj, name, child)
        elif info.item_name is not None:
            obj.properties[info.name] = [_read_value(item, info) for item in _elements(child)]
        elif info.repeated:
            obj.properties.setdefault(info.name, []).append(_read_value(child, info))
        else:
            obj.properties[info.name] = _read_value(child, info)
    return obj


def _xsi_type_name(element: etree._Element) -> str | None:
    """The local name of a partner ``xsi:type`` (XSD simple types are not object types)."""
    value = element.get(_XSI_TYPE)
    if not value:
        return None
    prefix, _, local = value.rpartition(":")
    if element.nsmap.get(prefix or None) == XSD_NS:
        return None
    return local


def _is_nil(element: etree._Element) -> bool:
    return element.get(_XSI_NIL) in ("true", "1")


def _read_value(element: etree._Element, info: PropertyInfo) -> object:
    if _is_nil(element):
        return None
    if info.type_name is None and _xsi_type_name(element) is None:
        return element.text or ""
    return xml_to_object(element, declared_type=info.type_name)


def _read_unknown(obj: ApiObject, name: str, element: etree._Element) -> None:
    """A property the WSDL does not describe: guess its shape from the XML itself."""
    children = _elements(element)
    wrapper = partner_schema().fallback_wrappers.get(name)
    if wrapper is not None and all(_local_name(c) == wrapper.item_name for c in children):
        obj.properties[name] = [_read_value(c, wrapper) for c in children]
    elif name in obj.properties:
        previous = obj.properties[name]
        if not isinstance(previous, list):
            obj.properties[name] = previous = [previous]
        previous.append(_read_guess(element))
    else:
        obj.properties[name] = _read_guess(element)


def strip_unknown_xsi_types(root: etree._Element) -> list[str]:
    """Drop ``xsi:type`` attributes naming partner types the shipped WSDL lacks; returns them.

    zeep refuses a document with an unknown ``xsi:type`` even with ``strict=False``; without the
    attribute it reads the element as its slot's declared type and (non-strict) keeps the extra
    children in ``_raw_elements``. Meant for a zeep ingress plugin; ``xml_to_object`` needs none
    of this.
    """
    schema = partner_schema()
    removed = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        value = element.get(_XSI_TYPE)
        prefix, _, local = (value or "").rpartition(":")
        if value and element.nsmap.get(prefix or None) == PARTNER_NS and not schema.is_known_type(local):
            del element.attrib[_XSI_TYPE]
            removed.append(local)
    return removed


def _read_guess(element: etree._Element) -> object:
    if _is_nil(element):
        return None
    if _elements(element) or _xsi_type_name(element) is not None:
        return xml_to_object(element)
    return element.text or ""


# ========================================================================== requests


def parse_request(body: etree._Element) -> tuple[str, dict]:
    """The operation a request element asks for, and its arguments:

    - Create / Update / Delete: ``{"options": ApiObject | None, "objects": [ApiObject]}``
    - Retrieve: ``{"request": ApiObject("RetrieveRequest")}``
    - Perform: ``{"options", "action": str, "definitions": [ApiObject]}``
    - Configure: ``{"options", "action": str, "configurations": [ApiObject]}``
    - Execute / Extract: ``{"requests": [ApiObject]}``
    - Describe: ``{"requests": [ApiObject("ObjectDefinitionRequest")]}``
    """
    qname = etree.QName(body)
    operation = REQUEST_ELEMENTS.get(qname.localname)
    if operation is None or qname.namespace not in (PARTNER_NS, None):
        raise SoapClientError(f"Unknown Partner API request element {{{qname.namespace or ''}}}"
                              f"{qname.localname}")
    message = xml_to_object(body, declared_type=qname.localname)
    return operation, _REQUEST_ARGUMENTS[operation](message)


def _objects_arguments(message: ApiObject) -> dict:
    return {"options": message.get("Options"), "objects": message.get_list("Objects")}


def _retrieve_arguments(message: ApiObject) -> dict:
    request = message.get("RetrieveRequest")
    if not isinstance(request, ApiObject):
        raise SoapClientError("RetrieveRequestMsg has no RetrieveRequest")
    return {"request": request}


def _action_arguments(items: str, key: str):
    def arguments(message: ApiObject) -> dict:
        return {"options": message.get("Options"), "action": message.get("Action") or "",
                key: message.get_list(items)}
    return arguments


_REQUEST_ARGUMENTS = {
    "Create": _objects_arguments,
    "Update": _objects_arguments,
    "Delete": _objects_arguments,
    "Retrieve": _retrieve_arguments,
    "Perform": _action_arguments("Definitions", "definitions"),
    "Configure": _action_arguments("Configurations", "configurations"),
    "Execute": lambda message: {"requests": message.get_list("Requests")},
    "Extract": lambda message: {"requests": message.get_list("Requests")},
    "Describe": lambda message: {"requests": message.get_list("DescribeRequests")},
}


def build_request(operation: str, *, options: ApiObject | None = None, objects: Iterable[ApiObject] = (),
                  request: ApiObject | None = None, action: str | None = None,
                  requests: Iterable[ApiObject] = ()) -> etree._Element:
    """A request element, for raw clients and tests (the inverse of ``parse_request``).

    ``objects`` are the Create/Update/Delete objects, Perform definitions or Configure
    configurations; ``request`` the RetrieveRequest; ``requests`` the Execute/Extract/Describe
    requests. Create/Update/Delete always carry ``Options`` (required, may be empty).
    """
    element_name = {op: el for el, op in REQUEST_ELEMENTS.items()}.get(operation)
    if element_name is None:
        raise ValueError(f"unknown Partner API operation {operation!r}")
    props: dict[str, object] = {}
    if operation in ("Create", "Update", "Delete"):
        props["Options"] = options or ApiObject(f"{operation}Options")
        props["Objects"] = list(objects)
    elif operation == "Retrieve":
        props["RetrieveRequest"] = request
    elif operation in ("Perform", "Configure"):
        props["Options"] = options
        props["Action"] = action or ""
        props["Definitions" if operation == "Perform" else "Configurations"] = list(objects)
    else:
        props["DescribeRequests" if operation == "Describe" else "Requests"] = list(requests)
    return object_to_xml(ApiObject(element_name, props), element_name, with_type=False, schema_order=True)


# ========================================================================= responses


def build_response(operation: str, *, results: Iterable[ApiObject] = (), overall_status: str = "OK",
                   overall_status_message: str = "", request_id: str | None = None) -> etree._Element:
    """The response element of ``operation``, in the real wire shape and order.

    ``results`` are ``CreateResult``/``UpdateResult``/``DeleteResult`` objects, retrieved objects
    (Retrieve), ``PerformResult``/``ConfigureResult`` (wrapped as ``Results/Result``),
    ``ExecuteResponse``, ``ExtractResult`` or ``ObjectDefinition`` (Describe) objects, e.g.
    ``ApiObject("PerformResult", {"StatusCode": "OK", "StatusMessage": "EmailSendDefinition
    performed", "Object": definition, "Task": ApiObject("TaskResult", {"StatusCode": "OK",
    "StatusMessage": "OK", "ID": "12052743", "InteractionObjectID": "..."})})``.
    ``overall_status_message`` is written only where the wire has it (Perform, Configure);
    ``request_id`` defaults to a new GUID.
    """
    element_name = RESPONSE_ELEMENTS.get(operation)
    if element_name is None:
        raise ValueError(f"unknown Partner API operation {operation!r}")
    results = list(results)
    request_id = request_id or str(uuid.uuid4())
    props: dict[str, object]
    if operation == "Describe":
        props = {"ObjectDefinition": results, "RequestID": request_id}
    elif operation in ("Perform", "Configure"):
        props = {"Results": results, "OverallStatus": overall_status,
                 "OverallStatusMessage": overall_status_message, "RequestID": request_id}
    else:
        props = {"Results": results, "RequestID": request_id, "OverallStatus": overall_status}
    return object_to_xml(ApiObject(element_name, props), element_name, with_type=False, schema_order=True)


# A Retrieve answer may be large: ``retrieve_result_bytes`` writes one retrieved object at a time and
# ``retrieve_envelope_parts`` the envelope around them, so a server never holds the answer as one
# tree. Together they give the very bytes ``to_bytes(envelope(build_response("Retrieve", ...)))``
# gives for the same answer.
_RESPONSE_NSMAP = {None: PARTNER_NS, "xsi": XSI_NS}


def _in_scope_declarations() -> bytes:
    """What lxml writes on a ``Results`` element serialised on its own (the namespaces its
    ancestors declare inside a response), to be cut off again."""
    parent = etree.Element(_q("RetrieveResponseMsg"), nsmap=_RESPONSE_NSMAP)
    return etree.tostring(etree.SubElement(parent, _q("Results")), encoding="utf-8")[:-2]


_RESULTS_START = _in_scope_declarations()


def retrieve_result_bytes(obj: ApiObject) -> bytes:
    """One retrieved object as the UTF-8 bytes of its ``<Results>`` element, as written inside a
    ``RetrieveResponseMsg`` (no namespace declarations of its own: the envelope has them)."""
    parent = etree.Element(_q("RetrieveResponseMsg"), nsmap=_RESPONSE_NSMAP)
    info = partner_schema().property("RetrieveResponseMsg", "Results")
    _write_value(parent, "Results", obj, info.type_name if info is not None else None, True)
    data = etree.tostring(parent[0], encoding="utf-8")
    if data.startswith(_RESULTS_START):
        return b"<Results" + data[len(_RESULTS_START):]
    return data  # lxml wrote the declarations otherwise: redundant, but still the same document


def retrieve_envelope_parts(*, overall_status: str, request_id: str, soap12: bool = False,
                            headers: Iterable[etree._Element] = ()) -> tuple[bytes, bytes]:
    """(head, tail) of a Retrieve answer's envelope: the ``retrieve_result_bytes`` of its
    objects go between the two."""
    response = build_response("Retrieve", overall_status=overall_status, request_id=request_id)
    data = to_bytes(envelope(response, soap12=soap12, headers=headers))
    cut = data.rindex(b"</RetrieveResponseMsg>")
    return data[:cut], data[cut:]


def parse_response(body: etree._Element) -> tuple[str, ApiObject]:
    """The operation a response element answers, and the response as an ``ApiObject`` whose
    properties are the response's children (``Results`` always a list)."""
    qname = etree.QName(body)
    by_element = {el: op for op, el in RESPONSE_ELEMENTS.items()}
    operation = by_element.get(qname.localname)
    if operation is None or qname.namespace not in (PARTNER_NS, None):
        raise SoapClientError(f"Unknown Partner API response element {qname.localname}")
    response = xml_to_object(body, declared_type=qname.localname)
    if operation != "Describe" and not isinstance(response.get("Results"), list):
        response.properties["Results"] = response.get_list("Results")
    return operation, response


# ========================================================================= envelopes


def fueloauth_header(token: str) -> etree._Element:
    """``<fueloauth xmlns="http://exacttarget.com">TOKEN</fueloauth>``."""
    element = etree.Element(_q("fueloauth", FUELOAUTH_NS), nsmap={None: FUELOAUTH_NS})
    element.text = token
    return element


def fueloauth_token(headers: Iterable[etree._Element]) -> str | None:
    """The OAuth token of a request's headers; some clients send ``fueloauth`` without a namespace,
    so both spellings count."""
    for header in headers:
        qname = etree.QName(header)
        if qname.localname == "fueloauth" and qname.namespace in (FUELOAUTH_NS, None):
            return (header.text or "").strip()
    return None


def envelope(body_element: etree._Element, *, soap12: bool = False,
             headers: Iterable[etree._Element] = ()) -> etree._Element:
    """A SOAP 1.1 (or 1.2) envelope around ``body_element`` (moved into it, as lxml does)."""
    ns = SOAP12_NS if soap12 else SOAP11_NS
    root = etree.Element(_q("Envelope", ns), nsmap={"soap": ns, "xsi": XSI_NS, "xsd": XSD_NS})
    headers = list(headers)
    if headers:
        header = etree.SubElement(root, _q("Header", ns))
        header.extend(headers)
    etree.SubElement(root, _q("Body", ns)).append(body_element)
    return root


def to_bytes(element: etree._Element) -> bytes:
    """UTF-8 XML with a declaration, as sent on the wire."""
    return etree.tostring(element, xml_declaration=True, encoding="utf-8")


_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)


def parse_xml(data: bytes | str) -> etree._Element:
    """Parse untrusted XML: no DTD (a DOCTYPE is refused outright, which rules out entity bombs
    and external entities), no network, no huge trees. Raises ``SoapClientError``."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    # Dropping NULs makes UTF-16/UTF-32 markup scannable as ASCII too.
    if _DOCTYPE.search(data) or _DOCTYPE.search(data.replace(b"\x00", b"")):
        raise SoapClientError("DOCTYPE declarations are not allowed in SOAP messages")
    try:
        root = etree.fromstring(data, hardened_parser())
    except etree.XMLSyntaxError as exc:
        raise SoapClientError(f"Malformed XML: {exc}") from None
    # Other encodings (EBCDIC...) slip past the byte scan; the parsed document still tells.
    if declares_dtd(root):
        raise SoapClientError("DOCTYPE declarations are not allowed in SOAP messages")
    return root


def parse_envelope(data: bytes | str) -> tuple[str, list[etree._Element], etree._Element]:
    """``(version, headers, body_element)`` of a SOAP message: version ``"1.1"`` or ``"1.2"``,
    the Header's child elements, the Body's first child element (a Fault, for faults)."""
    root = parse_xml(data)
    qname = etree.QName(root)
    versions = {SOAP11_NS: "1.1", SOAP12_NS: "1.2"}
    if qname.localname != "Envelope" or qname.namespace not in versions:
        raise SoapClientError(f"Not a SOAP envelope: root element is {root.tag}")
    ns = qname.namespace
    header = root.find(_q("Header", ns))
    body = root.find(_q("Body", ns))
    if body is None:
        raise SoapClientError("SOAP envelope has no Body")
    content = _elements(body)
    if not content:
        raise SoapClientError("SOAP Body is empty")
    if len(content) > 1:
        # Serving the first and ignoring the rest would half-serve the message.
        names = ", ".join(_local_name(c) for c in content[:5]) + (", ..." if len(content) > 5 else "")
        raise SoapClientError(f"The SOAP Body holds {len(content)} elements ({names}); a message "
                              "carries exactly one operation.")
    headers = _elements(header) if header is not None else []
    return versions[ns], headers, content[0]


# ============================================================================ faults

_SOAP11_CODES = {"client": "Client", "sender": "Client", "server": "Server", "receiver": "Server",
                 "versionmismatch": "VersionMismatch", "mustunderstand": "MustUnderstand"}
_SOAP12_CODES = {"client": "Sender", "sender": "Sender", "server": "Receiver", "receiver": "Receiver",
                 "versionmismatch": "VersionMismatch", "mustunderstand": "MustUnderstand"}


def fault(code: str, string: str, *, detail_code: int | None = None, detail_message: str | None = None,
          soap12: bool = False) -> etree._Element:
    """A complete fault envelope.

    ``code`` is a standard code (``Client``/``Sender``, ``Server``/``Receiver``,
    ``VersionMismatch``, ``MustUnderstand``; SOAP 1.1 and 1.2 spellings both accepted) or a
    qualified code in Clark notation such as ``SECURITY_FAULT_CODE``; under SOAP 1.2 a qualified
    code becomes a Subcode of ``Sender``. With ``detail_code`` or ``detail_message`` the detail
    carries ``<apifault xmlns="urn:fault.partner.exacttarget.com"><Code/><Message/></apifault>``
    (Code defaults to 2, UnexpectedError).
    """
    ns = SOAP12_NS if soap12 else SOAP11_NS
    root = etree.Element(_q("Envelope", ns), nsmap={"soap": ns})
    body = etree.SubElement(root, _q("Body", ns))
    element = etree.SubElement(body, _q("Fault", ns))
    if soap12:
        _fault12(element, code, string)
    else:
        _fault11(element, code, string)
    if detail_code is not None or detail_message is not None:
        detail = etree.SubElement(element, _q("Detail", ns) if soap12 else "detail")
        detail.append(_apifault(2 if detail_code is None else detail_code, detail_message or ""))
    return root


def _qualified_code(parent: etree._Element, tag: str, code: str) -> None:
    """``<tag>q0:Local</tag>`` with q0 bound to the code's namespace on the element itself."""
    qname = etree.QName(code)
    if qname.namespace is None:
        etree.SubElement(parent, tag).text = qname.localname
        return
    etree.SubElement(parent, tag, nsmap={"q0": qname.namespace}).text = f"q0:{qname.localname}"


def _fault11(element: etree._Element, code: str, string: str) -> None:
    standard = _SOAP11_CODES.get(code.lower())
    if standard is not None:
        etree.SubElement(element, "faultcode").text = f"soap:{standard}"
    else:
        _qualified_code(element, "faultcode", code)
    etree.SubElement(element, "faultstring").text = string


def _fault12(element: etree._Element, code: str, string: str) -> None:
    ns = SOAP12_NS
    code_element = etree.SubElement(element, _q("Code", ns))
    standard = _SOAP12_CODES.get(code.lower())
    etree.SubElement(code_element, _q("Value", ns)).text = f"soap:{standard or 'Sender'}"
    if standard is None:
        subcode = etree.SubElement(code_element, _q("Subcode", ns))
        _qualified_code(subcode, _q("Value", ns), code)
    reason = etree.SubElement(element, _q("Reason", ns))
    text = etree.SubElement(reason, _q("Text", ns))
    text.set(f"{{{XML_NS}}}lang", "en")
    text.text = string


def _apifault(code: int, message: str) -> etree._Element:
    element = etree.Element(_q("apifault", FAULT_NS), nsmap={None: FAULT_NS})
    etree.SubElement(element, _q("Code", FAULT_NS)).text = str(code)
    etree.SubElement(element, _q("Message", FAULT_NS)).text = message
    return element


@dataclass(frozen=True)
class FaultInfo:
    """A parsed fault: ``code`` in Clark notation (``{soap-ns}Server``), the fault string, and
    the apifault detail when present."""

    code: str
    string: str
    detail_code: int | None = None
    detail_message: str | None = None


def is_fault(body_element: etree._Element) -> bool:
    return body_element.tag in (_q("Fault", SOAP11_NS), _q("Fault", SOAP12_NS))


def parse_fault(element: etree._Element) -> FaultInfo:
    """Read a SOAP 1.1 or 1.2 ``Fault`` element (the body element ``parse_envelope`` returns)."""
    if element.tag == _q("Fault", SOAP12_NS):
        ns = SOAP12_NS
        value = element.find(f"{{{ns}}}Code/{{{ns}}}Subcode/{{{ns}}}Value")
        if value is None:
            value = element.find(f"{{{ns}}}Code/{{{ns}}}Value")
        string = element.findtext(f"{{{ns}}}Reason/{{{ns}}}Text") or ""
        detail = element.find(f"{{{ns}}}Detail")
    elif element.tag == _q("Fault", SOAP11_NS):
        value = element.find("faultcode")
        string = element.findtext("faultstring") or ""
        detail = element.find("detail")
    else:
        raise SoapClientError(f"Not a SOAP fault: {element.tag}")
    code = _resolve_qname(value) if value is not None else ""
    apifault = detail.find(_q("apifault", FAULT_NS)) if detail is not None else None
    if apifault is None:
        return FaultInfo(code, string)
    detail_code = (apifault.findtext(_q("Code", FAULT_NS)) or "").strip()
    return FaultInfo(code, string, int(detail_code) if detail_code.lstrip("-").isdigit() else None,
                     apifault.findtext(_q("Message", FAULT_NS)))


def _resolve_qname(element: etree._Element) -> str:
    text = (element.text or "").strip()
    prefix, _, local = text.rpartition(":")
    namespace = element.nsmap.get(prefix or None)
    return f"{{{namespace}}}{local}" if namespace else local
