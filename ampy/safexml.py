"""The one hardened lxml parser for untrusted XML: SOAP messages (``ampy.soap.codec``) and the
XML builtins (``ampy.functions._xml``). No DTD is loaded or validated, no entity is expanded,
nothing is fetched from the network and huge trees are refused. Callers still refuse any
DOCTYPE (``declares_dtd``) and word their own errors."""

from __future__ import annotations

import threading

from lxml import etree

_parsers = threading.local()


def hardened_parser(*, force_utf8: bool = False) -> etree.XMLParser:
    """This thread's parser (lxml parser objects must not be shared between threads).

    ``force_utf8`` reads the bytes as UTF-8 whatever the XML declaration names: for text that
    was a Python string and has been encoded to UTF-8 by the caller."""
    key = "utf8" if force_utf8 else "declared"
    parser = getattr(_parsers, key, None)
    if parser is None:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                                 huge_tree=False, encoding="utf-8" if force_utf8 else None)
        setattr(_parsers, key, parser)
    return parser


def declares_dtd(root: etree._Element) -> bool:
    """True when the parsed document has a DOCTYPE (how entity attacks start)."""
    docinfo = root.getroottree().docinfo
    return bool(docinfo.doctype) or docinfo.internalDTD is not None
