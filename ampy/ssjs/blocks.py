"""Splitting a template into server-side JavaScript pieces and everything else.

JavaScript pieces are ``<script runat="server">`` blocks (tag and attribute names in any case,
quotes optional; ``language="ampscript"`` blocks are AMPscript and stay with the text) and the
legacy tags ``<ctrl:var name="x"/>``, ``<ctrl:field name="Attr" default="..."/>`` and
``<ctrl:eval>expression</ctrl:eval>``. Everything between them is a text piece: HTML and AMPscript
for the ordinary compiler.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# A quick test before any splitting: a template without these never has a JavaScript piece.
MAYBE = re.compile(r"runat|<ctrl:", re.IGNORECASE)

_TAG = re.compile(r"<script\b(?P<attrs>[^>]*)>|<ctrl:(?P<ctrl>var|field|eval)\b(?P<cattrs>[^>]*?)(?P<closed>/?)>"
                  r"|%%(?P<amp>[\[=])", re.IGNORECASE)
# Inside AMPscript code a tag is text of a string: skip to the closer, over string literals.
_AMP_CODE = {"[": re.compile(r"\"(?:[^\"]|\"\")*\"|'(?:[^']|'')*'|(?P<end>\]%%)"),
             "=": re.compile(r"\"(?:[^\"]|\"\")*\"|'(?:[^']|'')*'|(?P<end>=%%)")}
_ATTR = re.compile(r"([\w:-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>\"']+))")
_SCRIPT_END = re.compile(r"</script\s*>", re.IGNORECASE)
_EVAL_END = re.compile(r"</ctrl:eval\s*>", re.IGNORECASE)
IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*\Z")


@dataclass(frozen=True)
class Piece:
    kind: str            # "text", "js", "var", "field" or "eval"
    start: int           # offset of the piece in the template
    end: int             # offset just past it
    body: str = ""       # the script, expression or text
    body_start: int = 0  # offset of the body
    attrs: dict = field(default_factory=dict)   # lower-cased attribute names -> values

    @property
    def context_type(self) -> str:
        """``get``, ``post`` or ``""`` (any request) for a script block."""
        return self.attrs.get("executioncontexttype", "").strip().lower()


class SplitError(Exception):
    """A piece that cannot be read (an unclosed block), at an offset."""

    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.message, self.offset = message, offset


def attributes(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for m in _ATTR.finditer(text):
        value = next(v for v in m.group(2, 3, 4) if v is not None)
        out.setdefault(m.group(1).lower(), value)
    return out


def split(source: str) -> list[Piece] | None:
    """The template's pieces in document order, or None when it has no JavaScript piece."""
    if not MAYBE.search(source):
        return None
    pieces: list[Piece] = []
    text_start = pos = 0
    found = False
    while True:
        m = _TAG.search(source, pos)
        if m is None:
            break
        if m.group("amp"):
            pos = _skip_code(source, m.end(), _AMP_CODE[m.group("amp")])
            continue
        kind = (m.group("ctrl") or "").lower()
        if not kind:
            attrs = attributes(m.group("attrs"))
            if attrs.get("runat", "").lower() != "server":
                pos = m.end()       # a browser script: text
                continue
            close = _SCRIPT_END.search(source, m.end())
            if close is None:
                raise SplitError("<script runat=\"server\"> without </script>", m.start())
            if attrs.get("language", "javascript").strip().lower() == "ampscript":
                pos = close.end()   # an AMPscript block: the ordinary compiler reads it with the text
                continue
            piece = Piece("js", m.start(), close.end(), source[m.end():close.start()], m.end(), attrs)
        elif kind == "eval":
            close = _EVAL_END.search(source, m.end())
            if m.group("closed") or close is None:
                raise SplitError("<ctrl:eval> without </ctrl:eval>", m.start())
            piece = Piece("eval", m.start(), close.end(), source[m.end():close.start()], m.end())
        else:
            attrs = attributes(m.group("cattrs"))
            name = attrs.get("name", "")
            if not name.strip():
                raise SplitError(f"<ctrl:{kind}> needs a name attribute", m.start())
            if kind == "var" and not IDENTIFIER.match(name.strip().lstrip("@")):
                raise SplitError(f"<ctrl:var> name {name!r} is not a variable name", m.start())
            piece = Piece(kind, m.start(), m.end(), name.strip(), m.start(), attrs)
        found = True
        if piece.start > text_start:
            pieces.append(Piece("text", text_start, piece.start, source[text_start:piece.start], text_start))
        pieces.append(piece)
        text_start = pos = piece.end
    if not found:
        return None
    if text_start < len(source):
        pieces.append(Piece("text", text_start, len(source), source[text_start:], text_start))
    return pieces


def _skip_code(source: str, pos: int, closer: re.Pattern) -> int:
    """Past the end of an AMPscript block or inline expression (its strings may hold tags)."""
    for m in closer.finditer(source, pos):
        if m.group("end"):
            return m.end()
    return len(source)   # never closed: the AMPscript parser reports it
