"""Bytes of a user's file (template, content block, CSV) as text, or a clear refusal.

One rule everywhere a file or stdin is read: a byte-order mark decides (UTF-8, UTF-16, UTF-32, as
Windows tools write them); without one the bytes must be UTF-8. NUL bytes without a mark are
UTF-16/32 nobody labelled, refused rather than guessed at.
"""

from __future__ import annotations

import codecs

# UTF-32 first: the UTF-32 LE mark starts with the UTF-16 LE one.
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_LABELS = {"utf-32": "UTF-32", "utf-8-sig": "UTF-8", "utf-16": "UTF-16"}


class NotText(ValueError):
    """The bytes are not text in an encoding ampy reads; the message names the file and the byte."""


def decode_text(raw: bytes, what: str, *, fallback: str | None = None) -> str:
    """``raw`` decoded by its byte-order mark, else as UTF-8 (else ``fallback``, e.g. cp1252 for
    CSVs that Excel saved). ``what`` names the file in the error (``"welcome.amp"``)."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                return _no_nul(raw.decode(encoding), what)
            except UnicodeDecodeError as e:
                raise NotText(f"{what} is not valid {_LABELS[encoding]} text (byte {e.start})") from None
    nul = raw.find(b"\0")
    if nul >= 0:
        raise NotText(f"{what} has a NUL byte at byte {nul}: UTF-16 or UTF-32 without a byte-order mark?"
                      " Save it as UTF-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        if fallback is not None:
            return raw.decode(fallback, errors="replace")
        raise NotText(f"{what} is not UTF-8 text (invalid byte 0x{raw[e.start]:02x} at byte {e.start})") from None


def read_text_file(path: str, what: str, *, fallback: str | None = None) -> str:
    """The file at ``path`` read by ``decode_text``; raises OSError when it cannot be read and
    NotText when it is not text, for the caller to word as its own error."""
    with open(path, "rb") as f:
        raw = f.read()
    return decode_text(raw, what, fallback=fallback)


def _no_nul(text: str, what: str) -> str:
    if "\0" in text:
        raise NotText(f"{what} contains a NUL character (character {text.index(chr(0))})")
    return text


def encodable(text: str) -> str:
    """``text`` with any lone UTF-16 surrogate (``Char``-free ways exist: JSON's ``\\ud800``) made
    U+FFFD, as .NET's UTF-8 encoder writes it, so the text can always be written out."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
