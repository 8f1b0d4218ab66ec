"""Character sets and UTF-16 string measures, the .NET way (rules 19 and 34).

AMPscript strings are .NET strings: sequences of UTF-16 code units. Python strings are sequences of
code points, so anything outside the Basic Multilingual Plane (an emoji) is one Python character
but two AMPscript ones. The helpers here count and cut in code units.

Cutting through a surrogate pair: .NET would produce a lone surrogate, which a UTF-8 page or email
shows as U+FFFD. A lone surrogate cannot be written out as UTF-8 from Python, so each half that is
cut off becomes U+FFFD directly. This keeps code-unit arithmetic exact (each half still has length 1).
"""

from __future__ import annotations

import codecs

# AMPscript/.NET charset names (lower case) -> (Python codec, replaces unencodable with "?").
_CHARSETS: dict[str, tuple[str, bool]] = {
    "utf-8": ("utf-8", False),
    "utf8": ("utf-8", False),
    "utf-16": ("utf-16-le", False),  # .NET Encoding.Unicode: little-endian, no BOM
    "utf16": ("utf-16-le", False),
    "utf-16le": ("utf-16-le", False),
    "unicode": ("utf-16-le", False),
    "utf-16be": ("utf-16-be", False),
    "unicodefffe": ("utf-16-be", False),  # .NET's name for big-endian UTF-16
    "utf-32": ("utf-32-le", False),
    "utf32": ("utf-32-le", False),
    "utf-32le": ("utf-32-le", False),
    "utf-32be": ("utf-32-be", False),
    "ascii": ("ascii", True),
    "us-ascii": ("ascii", True),
    "iso-8859-1": ("latin-1", True),
    "iso8859-1": ("latin-1", True),
    "iso_8859-1": ("latin-1", True),
    "latin1": ("latin-1", True),
    "latin-1": ("latin-1", True),
    "windows-1252": ("cp1252", True),
    "cp1252": ("cp1252", True),
}


def _codec(charset: str | None) -> tuple[str, bool]:
    if not charset:
        return "utf-8", False
    found = _CHARSETS.get(charset.strip().lower())
    if found is None:
        raise ValueError(f"Unknown character set '{charset}'")
    return found


def _question_marks(error: UnicodeError) -> tuple[str, int]:
    """Encoding fallback like .NET's replacement fallback: one ``?`` per UTF-16 code unit, so an
    emoji (a surrogate pair in .NET) becomes ``??``."""
    assert isinstance(error, UnicodeEncodeError)
    bad = error.object[error.start:error.end]
    return "?" * utf16_len(bad), error.end


def _dotnet_decode_fallback(error: UnicodeError) -> tuple[str, int]:
    """Decoding fallback: .NET's ASCII decoder gives ``?`` for bytes above 127; its Windows-1252
    decoder maps the five undefined bytes to the C1 control characters of the same value."""
    assert isinstance(error, UnicodeDecodeError)
    if error.encoding == "ascii":
        return "?" * (error.end - error.start), error.end
    return "".join(chr(b) for b in error.object[error.start:error.end]), error.end


codecs.register_error("ampy.dotnet-encode", _question_marks)
codecs.register_error("ampy.dotnet-decode", _dotnet_decode_fallback)


def encode_text(text: str, charset: str | None) -> bytes:
    """The bytes of ``text`` in an AMPscript charset (UTF-8 when none is given).

    ASCII, ISO-8859-1 and Windows-1252 silently turn characters they cannot hold into ``?``.
    Unknown charset names raise ``ValueError``.
    """
    codec, lossy = _codec(charset)
    if lossy:
        return text.encode(codec, "ampy.dotnet-encode")
    try:
        return text.encode(codec)
    except UnicodeEncodeError:
        # Only lone surrogates get here; .NET's Unicode encoders write U+FFFD for them.
        return _fix_lone_surrogates(text).encode(codec)


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Text from bytes in an AMPscript charset (UTF-8 when none is given); malformed input becomes
    U+FFFD (``?`` for ASCII), as .NET decoders do. Unknown charset names raise ``ValueError``."""
    codec, _ = _codec(charset)
    if codec in ("ascii", "cp1252"):
        return data.decode(codec, "ampy.dotnet-decode")
    return data.decode(codec, "replace")


def _fix_lone_surrogates(text: str) -> str:
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def utf16_len(s: str) -> int:
    """Length in UTF-16 code units: characters above U+FFFF count twice."""
    if s.isascii() or max(s) <= "\uffff":
        return len(s)
    return len(s) + sum(1 for c in s if c > "\uffff")


def utf16_substring(s: str, start0: int, length: int | None = None) -> str:
    """``length`` code units from the 0-based code-unit offset ``start0`` (to the end when None).

    A start below 0 counts as 0, a start past the end gives ``""``, a length past the end is capped;
    a negative length is a ``ValueError``. A surrogate pair cut in half leaves U+FFFD for that half.
    """
    if length is not None and length < 0:
        raise ValueError("length cannot be negative")
    start0 = max(start0, 0)
    end = None if length is None else start0 + length
    if s.isascii() or max(s, default="") <= "\uffff":
        return s[start0:end]
    data = s.encode("utf-16-le", "surrogatepass")
    piece = data[2 * start0:] if end is None else data[2 * start0:2 * end]
    return piece.decode("utf-16-le", "replace")
