"""Mode-aware scanner: AMPscript source -> tokens for the LALR grammar.

Template text, ``%%[ ... ]%%`` blocks, ``%%= ... =%%`` inline expressions, ``%%attr%%`` and
``<script runat="server" language="ampscript">`` tags switch between a text mode and a code mode;
a regular-expression lexer cannot know which mode it is in once control flow spans blocks, so
this small hand-written scanner decides, and the grammar sees block delimiters as separators.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from lark import Token

from ..errors import AmpscriptSyntaxError
from ..gtl.scanner import Delimiters, scan_tag

KEYWORDS = frozenset(
    "var set if then elseif else endif for to downto do next and or not true false".split())

# Where template text stops: a block, an inline expression, an attribute or a script tag.
# A personalization string may hold spaces (%%First Name%%): a letter or _ first, then letters,
# digits, _, - and single spaces, no space at either end, at most 100 characters (the longest
# attribute name Marketing Cloud accepts); anything else between %% pairs (`100%% off %%`) is text.
_OPENER = re.compile(
    r"%%\[|%%=|%%(?=[^%]{1,100}%%)[A-Za-z_][A-Za-z0-9_\-]*(?: [A-Za-z0-9_\-]+)*%%"
    r"|%%(?:MSG|MMS_CONTENT_URL)\(\d+\)(?:\.[A-Za-z]+(?:\(\d+\))?)?%%"
    r"|<script\b(?=[^>]*\brunat\s*=\s*[\"']?server\b)(?=[^>]*\blanguage\s*=\s*[\"']?ampscript\b)[^>]*>",
    re.IGNORECASE,
)
# %%[First Name]%% prints an attribute (rule 3): a block holding only a bracket-free name.
_BRACKET_ATTR = re.compile(r"%%\[([A-Za-z_][A-Za-z0-9_\- ]*)\]%%")
_SCRIPT_CLOSE = re.compile(r"</script\s*>", re.IGNORECASE)

_CODE = re.compile(
    r"""
    (?P<ws>[ \t\r\n\f\v\u00a0]+)
  | (?P<comment>/\*)
  | (?P<block_close>\]%%)
  | (?P<inline_close>=%%)
  | (?P<script_close></script\s*>)
  | (?P<string>["'])
  | (?P<number>-?(?:\d+(?:\.\d*)?|\.\d+))
  | (?P<dot>\.)
  | (?P<variable>@@?[A-Za-z0-9_]+)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<bracket>\[[^\]\r\n]*\])
  | (?P<compop>==|!=|<=|>=|<|>)
  | (?P<eq>=)
  | (?P<lpar>\()
  | (?P<rpar>\))
  | (?P<comma>,)
    """,
    re.VERBOSE | re.IGNORECASE,
)

_SIMPLE = {"lpar": "LPAR", "rpar": "RPAR", "comma": "COMMA", "dot": "DOT", "eq": "EQ", "compop": "COMPOP",
           "number": "NUMBER", "variable": "VARIABLE", "bracket": "BRACKET_NAME"}


Tok = Token  # tokens are Lark tokens (str subclasses with type, start_pos, line, column)


class _Lines:
    """Offset -> (line, column), 1-based, by bisecting line starts."""

    def __init__(self, source: str):
        self.starts = [0] + [m.end() for m in re.finditer(r"\n", source)]

    def at(self, pos: int) -> tuple[int, int]:
        i = bisect_right(self.starts, pos) - 1
        return i + 1, pos - self.starts[i] + 1


def tokenize(source: str, name: str = "<string>", gtl: bool = True) -> list[Tok]:
    """Split a template into tokens; raise AmpscriptSyntaxError (incomplete when input ends early)."""
    return list(iter_tokens(source, name, gtl=gtl))


def iter_tokens(source: str, name: str = "<string>", recover=None, gtl: bool = True):
    """``tokenize`` as it goes: the tokens of each text run or block as soon as it is scanned (the
    parser holds only what it has not reduced yet, not every token of a large template).

    ``recover``, when given, receives each scanning error instead of it being raised, and scanning
    goes on past it (the linter reports every error of a file). ``gtl`` false leaves Guide
    Template Language tags as text."""
    lines = _Lines(source)
    # GTL tags can only exist where a GTL opener occurs: other templates scan exactly as before.
    delims = Delimiters(_OPENER.pattern) if gtl and ("{{" in source or "%%{" in source) else None
    toks: list[Tok] = []
    n = len(source)
    pos = 0

    def error(msg: str, at: int, incomplete: bool = False) -> None:
        line, col = lines.at(at)
        err = AmpscriptSyntaxError(msg, incomplete=incomplete)
        err.locate(name, source, line, col)
        if recover is None:
            raise err
        recover(err)

    def add(kind: str, value: str, at: int) -> None:
        line, col = lines.at(at)
        toks.append(Token(kind, value, at, line, col))

    while pos < n:
        if toks:  # what the previous round scanned
            yield from toks
            toks.clear()
        m = (delims.opener if delims is not None else _OPENER).search(source, pos)
        start = m.start() if m else n
        if start > pos:
            add("TEXT", source[pos:start], pos)
        if not m:
            break
        opener = m.group(0)
        if delims is not None and (opener == "%%{" or opener == delims.left):
            pos = scan_tag(source, start, delims, _OPENER.pattern, toks, add, error, lines)
            continue
        if opener == "%%[":
            b = _BRACKET_ATTR.match(source, start)
            if b and b.group(1).strip().lower() not in KEYWORDS and b.group(1) == b.group(1).strip():
                add("ATTR_OUT", b.group(1), start)
                pos = b.end()
                continue
            add("BLOCK_OPEN", opener, start)
            pos = _code(source, m.end(), "block_close", add, error, start)
        elif opener == "%%=":
            add("INLINE_OPEN", opener, start)
            pos = _code(source, m.end(), "inline_close", add, error, start)
        elif opener.startswith("%%"):
            add("ATTR_OUT", opener[2:-2], start)
            pos = m.end()
        else:
            add("BLOCK_OPEN", opener, start)
            pos = _code(source, m.end(), "script_close", add, error, start)
    yield from toks


_CLOSERS = {"block_close": ("BLOCK_CLOSE", "]%%"), "inline_close": ("INLINE_CLOSE", "=%%"),
            "script_close": ("BLOCK_CLOSE", "</script>")}


_ARITHMETIC = {"+": "Add", "-": "Subtract", "*": "Multiply", "/": "Divide", "%": "Mod"}
_OPERAND = re.compile(r"\s*(@?@?[A-Za-z0-9_.]+|\"[^\"\r\n]*\"|'[^'\r\n]*')")
_LEFT_OPERAND = re.compile(r"(@?@?[A-Za-z0-9_.]+|\"[^\"\r\n]*\"|'[^'\r\n]*')\s*\Z")
_WHAT_CLOSES = {"block_close": "']%%'", "inline_close": "'=%%'", "script_close": "'</script>'"}


_CLOSER_AHEAD = {"block_close": re.compile(r"\]%%"), "inline_close": re.compile(r"=%%"),
                 "script_close": _SCRIPT_CLOSE}


def _next_opener(source: str, pos: int) -> int:
    m = _OPENER.search(source, pos)
    return m.start() if m else len(source)


def _code(source: str, pos: int, closer: str, add, error, opened_at: int) -> int:
    """Scan code until the closer of this mode; return the position after it. ``error`` raises,
    or records and returns (then scanning resumes past the problem)."""
    n = len(source)
    match = _CODE.match

    def never_closed(at: int, told: bool = False) -> int:
        if not told:  # an unterminated string or comment has been reported already
            error(f"Missing {_WHAT_CLOSES[closer]}: the block opened here is never closed", opened_at,
                  incomplete=at >= n)
        add(_CLOSERS[closer][0], "", at)  # recovering: the parser sees the block end where it stopped
        return at

    if not _CLOSER_AHEAD[closer].search(source, pos):  # never closed: say so at the opener, not at
        return never_closed(_next_opener(source, pos))  # whatever template text follows it
    while pos < n:
        m = match(source, pos)
        if m is None:
            ch = source[pos]
            if source.startswith("%%", pos) or (ch == "<" and source.startswith("<script", pos)):
                return never_closed(pos)  # another block starts: this one was left open
            if ch in "\u201c\u201d\u2018\u2019":
                error(f"Smart quote {ch!r} in code: AMPscript strings take straight quotes \" or '", pos)
            elif ch in _ARITHMETIC:
                right = _OPERAND.match(source, pos + 1)
                left = _LEFT_OPERAND.search(source, max(pos - 200, 0), pos)  # only on this error path
                use = f"{_ARITHMETIC[ch]}({left.group(1) if left else 'a'}, {right.group(1) if right else 'b'})"
                error(f"AMPscript has no arithmetic operators: use {use}", pos)
            else:
                error(f"Unexpected character {ch!r}", pos)
            pos += 1
            continue
        kind = m.lastgroup
        if kind == "ws":
            pos = m.end()
            continue
        if kind == "comment":
            end = source.find("*/", m.end())
            if end < 0:
                error("Unterminated comment", pos, incomplete=True)
                return never_closed(n, told=True)
            pos = end + 2
            continue
        if kind in _CLOSERS:
            if kind != closer:
                if kind == "inline_close":  # `@a =%%` is impossible elsewhere; read as `=` then `%%`
                    error("Unexpected '=%%'", pos)
                else:
                    error(f"Unexpected {_CLOSERS[kind][1]!r}", pos)
                pos = m.end()
                continue
            add(_CLOSERS[kind][0], m.group(0), pos)
            return m.end()
        if kind == "string":
            quote = m.group(0)
            i = m.end()
            parts = []
            while True:
                j = source.find(quote, i)
                if j < 0:
                    error("Unterminated string", pos, incomplete=True)
                    return never_closed(n, told=True)
                parts.append(source[i:j])
                if source.startswith(quote, j + 1):  # a doubled quote is an escaped quote
                    parts.append(quote)
                    i = j + 2
                    continue
                break
            add("STRING", "".join(parts), pos)
            pos = j + 1
            continue
        if kind == "name":
            word = m.group(0)
            low = word.lower()
            add(low.upper() if low in KEYWORDS else "NAME", word, pos)
            pos = m.end()
            continue
        add(_SIMPLE[kind], m.group(0), pos)
        pos = m.end()
    return never_closed(n)
