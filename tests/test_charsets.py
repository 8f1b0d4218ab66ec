"""Charsets (rule 34) and UTF-16 code-unit helpers (rule 19); byte values worked out by hand."""

from __future__ import annotations

import pytest

from ampy.runtime.charsets import decode_bytes, encode_text, utf16_len, utf16_substring

GRIN = "\U0001F600"  # 😀


@pytest.mark.parametrize("charset, text, hex_bytes", [
    (None, "é", "c3a9"),
    ("", "é", "c3a9"),
    ("UTF-8", "aé€", "61c3a9e282ac"),
    ("utf8", GRIN, "f09f9880"),
    ("UTF-16", "aé€", "6100e900ac20"),
    ("utf-16", GRIN, "3dd800de"),
    ("unicode", "a", "6100"),
    ("UTF-16BE", "aé€", "006100e920ac"),
    ("UTF-16BE", GRIN, "d83dde00"),
    ("UTF-32", "aé€", "61000000e9000000ac200000"),
    ("utf-32", GRIN, "00f60100"),
    ("ASCII", "hello", "68656c6c6f"),
    ("ISO-8859-1", "é", "e9"),
    ("latin1", "ÿ", "ff"),
    ("windows-1252", "€", "80"),
])
def test_encode(charset, text, hex_bytes):
    assert encode_text(text, charset).hex() == hex_bytes


@pytest.mark.parametrize("charset, text, expected", [
    ("ASCII", "héllo", b"h?llo"),
    ("us-ascii", "a€b", b"a?b"),
    ("ascii", "a" + GRIN, b"a??"),  # one ? per UTF-16 code unit, as .NET's fallback does
    ("ISO-8859-1", "é€", b"\xe9?"),
    ("latin1", "中文", b"??"),
    ("windows-1252", "€" + GRIN, b"\x80??"),
])
def test_lossy_charsets_replace_with_question_marks(charset, text, expected):
    assert encode_text(text, charset) == expected


@pytest.mark.parametrize("charset", ["UTF-8", "UTF-16", "UTF-16BE", "UTF-32", "utf8", "Unicode"])
def test_unicode_charsets_round_trip(charset):
    text = "Grüße, 世界 " + GRIN + " \u00a0end"
    assert decode_bytes(encode_text(text, charset), charset) == text


def test_latin1_round_trips_its_own_range():
    text = "".join(chr(c) for c in range(256))
    assert decode_bytes(encode_text(text, "ISO-8859-1"), "iso-8859-1") == text


def test_decode_malformed_input():
    assert decode_bytes(b"a\xffb", "UTF-8") == "a\ufffdb"
    assert decode_bytes(b"a\xffb", None) == "a\ufffdb"
    assert decode_bytes(b"a\xffb", "ASCII") == "a?b"
    assert decode_bytes(b"\xe9", "ISO-8859-1") == "é"
    assert decode_bytes(b"\x80\x81", "windows-1252") == "€\x81"
    assert decode_bytes(b"a\x00b", "UTF-16") == "a\ufffd"  # odd trailing byte


def test_lone_surrogates_encode_as_replacement_character():
    assert encode_text("x\ud83d", "UTF-8") == b"x\xef\xbf\xbd"


@pytest.mark.parametrize("name", ["klingon", "utf-9", "ebcdic"])
def test_unknown_charset(name):
    with pytest.raises(ValueError):
        encode_text("a", name)
    with pytest.raises(ValueError):
        decode_bytes(b"a", name)


@pytest.mark.parametrize("text, length", [
    ("", 0), ("abc", 3), ("é", 1), ("ß", 1), ("中文", 2), (GRIN, 2), ("a" + GRIN + "b", 4),
    ("\U0001F44D\U0001F3FD", 4), ("é" + GRIN * 3, 7),
])
def test_utf16_len(text, length):
    assert utf16_len(text) == length


@pytest.mark.parametrize("text, start, length, expected", [
    ("hello", 1, 3, "ell"),
    ("hello", 0, None, "hello"),
    ("hello", 3, 99, "lo"),
    ("hello", 5, 1, ""),
    ("hello", 9, None, ""),
    ("hello", -3, 2, "he"),
    ("hello", 2, 0, ""),
    ("héllo", 1, 1, "é"),
    ("a" + GRIN + "b", 0, 1, "a"),
    ("a" + GRIN + "b", 1, 2, GRIN),
    ("a" + GRIN + "b", 3, None, "b"),
    ("a" + GRIN + "b", 0, None, "a" + GRIN + "b"),
    ("a" + GRIN + "b", 1, 1, "\ufffd"),  # half a surrogate pair
    ("a" + GRIN + "b", 2, 2, "\ufffdb"),
    (GRIN + GRIN, 2, 2, GRIN),
])
def test_utf16_substring(text, start, length, expected):
    assert utf16_substring(text, start, length) == expected


def test_utf16_substring_keeps_code_unit_lengths():
    text = "x" + GRIN + "y" + GRIN
    pieces = [utf16_substring(text, i, 1) for i in range(utf16_len(text))]
    assert len(pieces) == 6
    assert all(utf16_len(piece) == 1 for piece in pieces)


def test_utf16_substring_negative_length():
    with pytest.raises(ValueError):
        utf16_substring("hello", 0, -1)
