"""Read the inside of one GTL tag with ``grammar/gtl.lark`` into nodes (ampy.gtl.nodes)."""

from __future__ import annotations

import re
from functools import lru_cache

from lark import Lark, Transformer
from lark.exceptions import UnexpectedInput

from ..grammars import grammar_text
from . import nodes

BLOCK_HELPERS = frozenset({"if", "unless", "each", "with", "switch"})
DOT_BLOCKS = frozenset({"datasource", "dataobject", "slot", "block", "meta", "default"})


class TagError(Exception):
    """A tag that cannot be read; ``offset`` is relative to the text handed to the reader."""

    def __init__(self, message: str, offset: int = 0):
        super().__init__(message)
        self.message, self.offset = message, offset


class _ToNodes(Transformer):
    """Tree -> nodes; positions are offsets into the tag text until ``_place`` maps them."""

    def __init__(self, line: int, column: int):
        super().__init__()
        self.line, self.column = line, column

    def _at(self, tok):
        """The token's line and column in the source: a tag may span lines."""
        tline = getattr(tok, "line", None)
        if tline is None:
            return self.line, self.column + (getattr(tok, "start_pos", 0) or 0)
        if tline == 1:
            return self.line, self.column + tok.column - 1
        return self.line + tline - 1, tok.column

    def expr_tag(self, c):
        return c[0]

    call_tag = expr_tag

    def attrs_tag(self, c):
        return tuple(c)

    def compare(self, c):
        left, op, right = c
        return nodes.Compare(left.line, left.column, str(op), left, right)

    def string(self, c):
        return nodes.Literal(*self._at(c[0]), str(c[0])[1:-1])

    def number(self, c):
        text = str(c[0])
        value = float(text) if "." in text else int(text)
        return nodes.Literal(*self._at(c[0]), value)

    def true(self, c):
        return nodes.Literal(*self._at(c[0]), True)

    def false(self, c):
        return nodes.Literal(*self._at(c[0]), False)

    def word(self, c):
        return nodes.Literal(*self._at(c[0]), str(c[0]))

    def name(self, c):
        return c[0]

    def bracket(self, c):
        t = c[0]
        return t.__class__(t.type, str(t)[1:-1].replace("]]", "]"), t.start_pos, t.line, t.column)

    def path(self, c):
        ups = [t for t in c if t.type == "UP"]
        parts = tuple(str(t.value) for t in c if t.type != "UP")
        if len(parts) == 1 and parts[0].lower() == "this":
            parts = ()
        elif parts and parts[0].lower() == "this":
            parts = parts[1:]
        return nodes.Path(*self._at(c[0]), len(ups), parts)

    def current(self, c):
        return nodes.Path(*self._at(c[0]), sum(1 for t in c if t.type == "UP"), ())

    def raw(self, c):
        return _Unescaped(c[0])  # &name / {name}: the plain lookup

    def call(self, c):
        name = c[0]
        args = tuple(a.path if isinstance(a, _Unescaped) else
                     nodes.Escaped(a.line, a.column, a) if isinstance(a, nodes.Path) else a
                     for a in c[1:] if a is not None)
        return nodes.FnCall(*self._at(name), str(name), args)

    def attr(self, c):
        return (str(c[0]).lower(), c[1].value)

    def flag(self, c):
        return (str(c[0]).lower(), True)


class _Unescaped:
    __slots__ = ("path",)

    def __init__(self, path):
        self.path = path


@lru_cache(maxsize=1)
def _lark() -> Lark:
    return Lark(grammar_text("gtl.lark"), parser="lalr", start=["expr_tag", "call_tag", "attrs_tag"],
                maybe_placeholders=True)


def read(text: str, start: str, line: int, column: int):
    """Parse ``text`` (a tag's inside, or part of it) from rule ``start``; nodes carry ``line`` and
    ``column`` + their offset in ``text``. Raises TagError at the offset of the problem."""
    try:
        tree = _lark().parse(text, start=start)
    except UnexpectedInput as e:
        pos = getattr(e, "pos_in_stream", None)
        tok = getattr(e, "token", None)
        if tok is not None and getattr(tok, "type", "") == "$END":
            raise TagError("Unexpected end of tag", len(text.rstrip())) from None
        if tok is not None and getattr(tok, "start_pos", None) is not None:
            pos = tok.start_pos
        what = repr(text[pos]) if pos is not None and pos < len(text) else "end of tag"
        raise TagError(f"Unexpected {what} in GTL tag", pos or 0) from None
    return _ToNodes(line, column).transform(tree)


_WORD = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_\-]*)")
_REGION = re.compile(r"\s+region\s*=\s*(\"[^\"]*\"|'[^']*'|\S+)\s*$", re.IGNORECASE)


def classify(text: str, line: int, column: int):
    """One tag's inside (delimiters and ``~`` removed) -> (token type, payload):
    ``GTL_TAG`` (an Output or Partial node, or None for a comment), ``GTL_OPEN`` ((kind, close
    name, expr, attrs)), ``GTL_ELSE`` (("else", None) or ("when", expr)), ``GTL_CLOSE`` (name),
    ``GTL_DATA`` (handled by the scanner). ``column`` is the column of ``text``'s first char."""
    lead = len(text) - len(text.lstrip())
    body = text.strip()
    if not body:
        raise TagError("Empty GTL tag", 0)
    first = body[0]
    if first == "!":
        return "GTL_TAG", None
    if first in "&{":
        inner = body[1:-1] if first == "{" else body[1:]
        where = _locate(text, lead + 1, line, column)
        return "GTL_TAG", nodes.Output(line, column, _expr(inner, *where, lead + 1), True)
    if first == "=":
        where = _locate(text, lead + 1, line, column)
        return "GTL_TAG", nodes.Output(line, column, _sub(body[1:], "call_tag", *where, lead + 1), True)
    if first == ">":
        ident = body[1:].strip()
        name = ident.split()[0] if ident else ""
        if not name or (":" not in name and "" in name.split(".")):
            raise TagError("A partial needs a name, like {{>key:Header}} or {{>Header}}", lead)
        return "GTL_TAG", nodes.Partial(line, column, ident)
    if first == "/":
        name = body[1:].strip()
        if not name:
            raise TagError("A closing tag needs a name, like {{/if}}", lead)
        return "GTL_CLOSE", name
    if first in "#^":
        rest = body[1:]
        skip = 1
        if first == "#" and rest.startswith("="):  # the never-exemplified "block helper" prefix
            rest, skip = rest[1:], 2
        region = _REGION.search(rest)  # an impression region: changes no output
        if region:
            rest = rest[:region.start()]
        m = _WORD.match(rest)
        word = m.group(1).lower() if m else ""
        if first == "#" and word in BLOCK_HELPERS:
            tail = rest[m.end():]
            offset = lead + skip + m.end()
            expr = None
            if word != "switch":
                if not tail.strip():
                    raise TagError(f"{{{{#{word}}}}} needs an expression", lead)
                expr = _sub(tail, "expr_tag", *_locate(text, offset, line, column), offset)
            elif tail.strip():
                raise TagError("{{#switch}} takes no expression; put the tests in {{.when ...}}", offset)
            return "GTL_OPEN", (word, word, expr, ())
        expr = _sub(rest, "expr_tag", *_locate(text, lead + skip, line, column), lead + skip)
        close = rest.strip()
        return "GTL_OPEN", ("section" if first == "#" else "inverted", close, expr, ())
    if first == "." and len(body) > 1 and body[1] not in ". ":
        m = _WORD.match(body, 1)
        word = m.group(1).lower() if m and m.start(1) == 1 else ""
        tail = body[m.end():] if m else ""
        offset = lead + (m.end() if m else 1)
        if word == "else" and not tail.strip():
            return "GTL_ELSE", ("else", None)
        if word == "when":
            if not tail.strip():
                raise TagError("{{.when}} needs an expression", lead)
            return "GTL_ELSE", ("when", _sub(tail, "expr_tag", *_locate(text, offset, line, column), offset))
        if word == "data" and not tail.strip():
            return "GTL_DATA", None
        if word in ("datasource", "dataobject"):
            n = _WORD.match(tail)
            if not n:
                raise TagError(f"{{{{.{word}}}}} needs a name", offset)
            attrs = _sub(tail[n.end():], "attrs_tag", *_locate(text, offset + n.end(), line, column), offset + n.end())
            return "GTL_OPEN", (word, word, nodes.Literal(line, column, n.group(1)), attrs)
        if word in ("slot", "block", "meta", "default"):
            return "GTL_OPEN", (word, word, None, ())
        raise TagError(f"Unknown GTL tag '.{word or body[1:].split()[0]}'", lead)
    if body.lower() == "else":
        return "GTL_ELSE", ("else", None)
    return "GTL_TAG", nodes.Output(line, column, _expr(text, line, column, 0), False)


def _locate(text: str, offset: int, line: int, column: int) -> tuple[int, int]:
    """Line and column of ``text[offset]`` when ``text`` starts at ``line``:``column``."""
    newlines = text.count("\n", 0, offset)
    if not newlines:
        return line, column + offset
    return line + newlines, offset - text.rfind("\n", 0, offset)


def _expr(text, line, col, offset):
    return _sub(text, "expr_tag", line, col, offset)


def _sub(text: str, start: str, line: int, col: int, offset: int):
    try:
        return read(text, start, line, col)
    except TagError as e:
        raise TagError(e.message, offset + e.offset) from None
