"""The shared hardened parser: entities are never expanded and a DOCTYPE is detected."""

import threading

from lxml import etree

from ampy.safexml import declares_dtd, hardened_parser

BOMB = b'<!DOCTYPE r [<!ENTITY a "aaaa">]><r>&a;</r>'


def test_entities_stay_unexpanded_and_the_doctype_is_reported():
    root = etree.fromstring(BOMB, hardened_parser())
    assert "aaaa" not in etree.tostring(root, encoding="unicode")
    assert declares_dtd(root) is True
    assert declares_dtd(etree.fromstring(b"<r>x</r>", hardened_parser())) is False


def test_force_utf8_ignores_the_declared_encoding():
    data = '<?xml version="1.0" encoding="iso-8859-1"?><r>é</r>'.encode()
    assert etree.fromstring(data, hardened_parser(force_utf8=True)).text == "é"
    assert etree.fromstring(data, hardened_parser()).text == "Ã©"


def test_one_parser_per_thread():
    other = []
    thread = threading.Thread(target=lambda: other.append(hardened_parser()))
    thread.start()
    thread.join()
    assert hardened_parser() is hardened_parser()
    assert other[0] is not hardened_parser()
