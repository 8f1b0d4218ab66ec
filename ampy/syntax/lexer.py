"""Mode-aware scanner: AMPscript source -> tokens for the LALR grammar.

Template text, ``%%[ ... ]%%`` blocks, ``%%= ... =%%`` inline expressions, ``%%attr%%`` and
``<script runat="server" language="ampscript">`` tags switch between a text mode and a code mode;
a regular-expression lexer cannot know which mode it is in once control flow spans blocks, so
this small hand-written scanner decides, and the grammar sees block delimiters as separators.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from ..errors import AmpscriptSyntaxError

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

# The same tokens with the whitespace before them, and whole strings and comments: the code of a
# block is read by one finditer while every token is one of these (anything else, such as an
# unterminated string, is left to the general loop, which words the error). The commonest come
# first; of two that can start alike the longer comes first (=%% before =, </script> before <,
# .5 before .).
_CODE_RUN = re.compile(
    r"""
    [ \t\r\n\f\v\u00a0]*
    (?:
      (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<variable>@@?[A-Za-z0-9_]+)
    | (?P<lpar>\()
    | (?P<rpar>\))
    | (?P<comma>,)
    | (?P<string>"[^"]*(?:""[^"]*)*"|'[^']*(?:''[^']*)*')
    | (?P<number>-?(?:\d+(?:\.\d*)?|\.\d+))
    | (?P<dot>\.)
    | (?P<block_close>\]%%)
    | (?P<inline_close>=%%)
    | (?P<script_close>(?i:</script\s*>))
    | (?P<compop>==|!=|<=|>=|<|>)
    | (?P<eq>=)
    | (?P<bracket>\[[^\]\r\n]*\])
    | (?P<comment>/\*(?s:.*?)\*/)
    )
    """,
    re.VERBOSE,
)
_KEYWORD_TYPES = {v: k.upper() for k in KEYWORDS for v in (k, k.upper(), k.title())}

_SIMPLE = {"lpar": "LPAR", "rpar": "RPAR", "comma": "COMMA", "dot": "DOT", "eq": "EQ", "compop": "COMPOP",
           "number": "NUMBER", "variable": "VARIABLE", "bracket": "BRACKET_NAME"}


class Tok:
    """A token: its grammar terminal, its value (text, or what a GTL tag was read into) and where
    it starts (offset, 1-based line and column). Own and small: scanning and parsing a template
    need no Lark; Lark, when it runs (tables not yet cached, a syntax error), takes these as is."""

    __slots__ = ("type", "value", "start_pos", "line", "column")
    end_line = end_column = end_pos = None  # Lark's parser reads them when it makes its end token

    def __init__(self, type: str, value, start_pos: int = 0, line: int = 1, column: int = 1):
        self.type = type
        self.value = value
        self.start_pos = start_pos
        self.line = line
        self.column = column

    def __str__(self) -> str:
        value = self.value
        return value if value.__class__ is str else str(value)

    def __len__(self) -> int:
        return len(str(self))

    def __repr__(self) -> str:
        return f"Tok({self.type!r}, {self.value!r}, {self.line}:{self.column})"


class _Lines:
    """Offset -> (line, column), 1-based, by bisecting line starts (found on first use: only GTL
    tags and errors ask; tokens are positioned as they are scanned)."""

    def __init__(self, source: str):
        self.source = source
        self.starts: list[int] | None = None

    def at(self, pos: int) -> tuple[int, int]:
        if self.starts is None:
            self.starts = [0] + [m.end() for m in re.finditer(r"\n", self.source)]
        i = bisect_right(self.starts, pos) - 1
        return i + 1, pos - self.starts[i] + 1


class _Where:
    """The line of the last position a token was placed at: the next one counts only the newlines
    in between (tokens come in source order; GTL's trimming may look back, then bisect)."""

    __slots__ = ("lines", "source", "seen", "line", "start")

    def __init__(self, source: str, lines: _Lines):
        self.source, self.lines = source, lines
        self.seen, self.line, self.start = 0, 1, 0

    def at(self, pos: int) -> tuple[int, int]:
        seen = self.seen
        if pos < seen:
            return self.lines.at(pos)
        n = self.source.count("\n", seen, pos)
        if n:
            self.line += n
            self.start = self.source.rindex("\n", seen, pos) + 1
        self.seen = pos
        return self.line, pos - self.start + 1


def tokenize(source: str, name: str = "<string>", gtl: bool = True) -> list[Tok]:
    """Split a template into tokens; raise AmpscriptSyntaxError (incomplete when input ends early)."""
    return list(iter_tokens(source, name, gtl=gtl))


def iter_tokens(source: str, name: str = "<string>", recover=None, gtl: bool = True, raw: bool = False):
    """``tokenize`` as it goes: the tokens of each text run or block as soon as it is scanned (the
    parser holds only what it has not reduced yet, not every token of a large template).

    ``recover``, when given, receives each scanning error instead of it being raised, and scanning
    goes on past it (the linter reports every error of a file). ``gtl`` false leaves Guide
    Template Language tags as text. ``raw`` gives each token as a plain tuple (type, value,
    start_pos, line, column), cheaper to make, for ampy.syntax.descent (not with GTL tags)."""
    lines = _Lines(source)
    where = _Where(source, lines)
    # GTL tags can only exist where a GTL opener occurs: other templates scan exactly as before.
    delims = None
    if gtl and ("{{" in source or "%%{" in source):  # (the GTL tag reader loads only for these)
        from ..gtl.scanner import Delimiters, scan_tag

        delims = Delimiters(_OPENER.pattern)
        raw = False  # the GTL tag reader looks at the tokens before a tag
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

    def add(kind: str, value, at: int) -> None:
        line, col = where.at(at)
        toks.append((kind, value, at, line, col) if raw else Tok(kind, value, at, line, col))

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
            pos = _code(source, m.end(), "block_close", add, error, start, toks, where, raw)
        elif opener == "%%=":
            add("INLINE_OPEN", opener, start)
            pos = _code(source, m.end(), "inline_close", add, error, start, toks, where, raw)
        elif opener.startswith("%%"):
            add("ATTR_OUT", opener[2:-2], start)
            pos = m.end()
        else:
            add("BLOCK_OPEN", opener, start)
            pos = _code(source, m.end(), "script_close", add, error, start, toks, where, raw)
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


def _code(source: str, pos: int, closer: str, add, error, opened_at: int, toks: list, where: _Where,
          raw: bool = False) -> int:
    """Scan code until the closer of this mode; return the position after it. ``error`` raises,
    or records and returns (then scanning resumes past the problem). Tokens go straight into
    ``toks``, positioned here (``where`` is brought up to date at the end); ``raw``: as tuples.

    One finditer reads the block while every piece is a token; at anything else (a mistake, a
    block never closed) the block is read again by the general loop, which words the errors."""
    origin, mark = pos, len(toks)
    append = toks.append
    count = source.count
    seen, line, start = where.seen, where.line, where.start
    keyword = _KEYWORD_TYPES.get
    for m in _CODE_RUN.finditer(source, pos):
        begin, end = m.span()
        if begin != pos:  # something none of the tokens matches
            break
        kind = m.lastgroup
        if kind == "comment":
            pos = end
            continue
        text = m.group(kind)
        at = end - len(text)  # after the whitespace
        k = count("\n", seen, at)
        if k:
            line += k
            start = source.rindex("\n", seen, at) + 1
        seen = at
        if kind == "name":
            append((keyword(text) or keyword(text.lower(), "NAME"), text, at, line, at - start + 1))
        elif kind == "string":
            quote = text[0]
            value = text[1:-1]
            if quote in value:  # a doubled quote is an escaped quote
                value = value.replace(quote + quote, quote)
            append(("STRING", value, at, line, at - start + 1))
        elif kind in _CLOSERS:
            if kind != closer:
                break
            append((_CLOSERS[kind][0], text, at, line, at - start + 1))
            where.seen, where.line, where.start = seen, line, start
            if not raw:
                toks[mark:] = [Tok(*t) for t in toks[mark:]]
            return end
        else:
            append((_SIMPLE[kind], text, at, line, at - start + 1))
        pos = end
    del toks[mark:]
    end = _code_general(source, origin, closer, add, error, opened_at, toks, where)
    if raw:  # (the general loop makes Tok objects: it is the path of mistakes)
        toks[mark:] = [t if t.__class__ is tuple else (t.type, t.value, t.start_pos, t.line, t.column)
                       for t in toks[mark:]]
    return end


def _code_general(source: str, pos: int, closer: str, add, error, opened_at: int, toks: list,
                  where: _Where) -> int:
    """``_code`` for a block with something that is not a token in it, character by character."""
    n = len(source)
    match = _CODE.match
    append = toks.append
    count = source.count
    seen, line, start = where.seen, where.line, where.start

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
                where.seen, where.line, where.start = seen, line, start
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
                where.seen, where.line, where.start = seen, line, start
                return never_closed(n, told=True)
            pos = end + 2
            continue
        # the token's line and column: count the newlines since the previous token
        k = count("\n", seen, pos)
        if k:
            line += k
            start = source.rindex("\n", seen, pos) + 1
        seen = pos
        if kind == "name":
            word = m.group(0)
            low = word.lower()
            append(Tok(low.upper() if low in KEYWORDS else "NAME", word, pos, line, pos - start + 1))
            pos = m.end()
            continue
        if kind == "string":
            quote = m.group(0)
            i = m.end()
            parts = []
            while True:
                j = source.find(quote, i)
                if j < 0:
                    error("Unterminated string", pos, incomplete=True)
                    where.seen, where.line, where.start = seen, line, start
                    return never_closed(n, told=True)
                parts.append(source[i:j])
                if source.startswith(quote, j + 1):  # a doubled quote is an escaped quote
                    parts.append(quote)
                    i = j + 2
                    continue
                break
            append(Tok("STRING", "".join(parts) if len(parts) > 1 else parts[0], pos, line, pos - start + 1))
            pos = j + 1
            continue
        if kind in _CLOSERS:
            if kind != closer:
                if kind == "inline_close":  # `@a =%%` is impossible elsewhere; read as `=` then `%%`
                    error("Unexpected '=%%'", pos)
                else:
                    error(f"Unexpected {_CLOSERS[kind][1]!r}", pos)
                pos = m.end()
                continue
            append(Tok(_CLOSERS[kind][0], m.group(0), pos, line, pos - start + 1))
            where.seen, where.line, where.start = seen, line, start
            return m.end()
        append(Tok(_SIMPLE[kind], m.group(0), pos, line, pos - start + 1))
        pos = m.end()
    where.seen, where.line, where.start = seen, line, start
    return never_closed(n)
