"""Safe XML for BuildRowSetFromXML and TransformXML: no DTDs or entities, no network, no file
access from stylesheets (document(), xsl:include/import and exsl:document are all refused)."""

from __future__ import annotations

from xml.sax.saxutils import escape

from lxml import etree

from ..errors import FunctionError
from ..safexml import declares_dtd, hardened_parser

XSL_NS = "http://www.w3.org/1999/XSL/Transform"


def parse(text: str, what: str = "XML") -> etree._ElementTree:
    """Parse untrusted text; a DOCTYPE is refused (it is how entity attacks start)."""
    if not text.strip():
        raise FunctionError(f"the {what} is empty")
    try:
        # Encoded to UTF-8 and parsed as such, whatever encoding the declaration names. A lone
        # surrogate passes through as invalid UTF-8, so the parser reports it as malformed XML.
        root = etree.fromstring(text.encode("utf-8", "surrogatepass"), hardened_parser(force_utf8=True))
    except etree.XMLSyntaxError as e:
        raise FunctionError(f"the {what} is not well-formed: {e}") from None
    if declares_dtd(root):
        raise FunctionError(f"the {what} contains a DOCTYPE, which is not allowed")
    return root.getroottree()


def inner_xml(element) -> str:
    """The markup inside an element (its text and child elements), like .NET's InnerXml."""
    parts = [escape(element.text or "")]
    for child in element:
        parts.append(etree.tostring(child, encoding="unicode", with_tail=True))
    return "".join(parts)


def xpath_rows(text: str, xpath: str) -> tuple[list[str], list[dict[str, str]]]:
    """Columns and rows for the nodes an XPath selects: ``Value`` (inner text), ``Xml`` (inner
    markup) and one ``<name>_att`` column per attribute seen on any selected element."""
    tree = parse(text)
    if not xpath.strip():
        raise FunctionError("the XPath is empty")
    try:
        found = tree.xpath(xpath)
    except (etree.XPathError, ValueError) as e:  # ValueError: NUL or control characters in the XPath
        raise FunctionError(f"the XPath '{xpath}' is not valid: {e}") from None
    if not isinstance(found, list):        # a number, string or boolean expression
        found = [found]
    columns = ["Value", "Xml"]
    rows: list[dict[str, str]] = []
    for node in found:
        if isinstance(node, etree._Element):
            if not isinstance(node.tag, str):   # comment or processing instruction
                rows.append({"Value": node.text or "", "Xml": etree.tostring(node, encoding="unicode")})
                continue
            row = {"Value": "".join(node.itertext()), "Xml": inner_xml(node)}
            for name, value in node.attrib.items():
                column = etree.QName(name).localname + "_att"
                if column not in columns:
                    columns.append(column)
                row[column] = value
            rows.append(row)
        elif isinstance(node, bool):
            rows.append({"Value": "true" if node else "false", "Xml": ""})
        elif isinstance(node, float):
            from ..runtime.values import format_double

            rows.append({"Value": format_double(node), "Xml": ""})
        else:                                  # a text node or attribute value
            rows.append({"Value": str(node), "Xml": escape(str(node))})
    return columns, rows


def transform(xml_text: str, xsl_text: str) -> str:
    """Apply an XSLT 1.0 stylesheet with every file and network access denied."""
    document = parse(xml_text, "XML")
    stylesheet = parse(xsl_text, "stylesheet")
    # libxslt loads xsl:include/xsl:import through the parser, past the access control: refuse them.
    if stylesheet.xpath("//xsl:include | //xsl:import", namespaces={"xsl": XSL_NS}):
        raise FunctionError("the stylesheet may not use xsl:include or xsl:import")
    try:
        xslt = etree.XSLT(stylesheet, access_control=etree.XSLTAccessControl.DENY_ALL)
    except etree.XSLTParseError as e:
        raise FunctionError(f"the stylesheet is not valid XSLT: {e}") from None
    try:
        result = xslt(document)
    except etree.XSLTApplyError as e:
        raise FunctionError(f"the transformation failed: {e}") from None
    out = str(result)
    # lxml ends xml/html output with a newline of its own; the text method adds none.
    method = stylesheet.xpath("string(/xsl:stylesheet/xsl:output/@method | /xsl:transform/xsl:output/@method)",
                              namespaces={"xsl": XSL_NS})
    if method != "text" and out.endswith("\n"):
        out = out[:-1]
    return out
