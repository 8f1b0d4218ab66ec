"""Find GTL tags in template text, for ampy.syntax.lexer: delimiters (``{{ }}``, ``%%{ }%%``
and those set with ``{{=L R=}}``), ``~`` trimming, comments and raw ``{{.data}}`` sections. Each
tag becomes one token whose value is already read (ampy.gtl.tags); the AMPscript grammar then
nests GTL blocks with AMPscript statements."""

from __future__ import annotations

import re
from dataclasses import replace

from .nodes import Output
from .tags import TagError, classify

_WS = " \t\r\n"
_AFTER_WS = re.compile(r"[ \t\r\n]*")
_SET_DELIMS = re.compile(r"=(\S+) (\S+)=")
# A string argument inside a tag: a quote in argument position, closed on the same line ("" or ''
# doubles the quote, as in AMPscript). An apostrophe inside a word ({{name's}}) is not one.
_TAG_STRING = re.compile(r"""(?<=[(,=\s])(?:"(?:[^"\r\n]|"")*"|'(?:[^'\r\n]|'')*')""")


class Delimiters:
    """The current GTL delimiters of one scan and the opener pattern they make with AMPscript's."""

    __slots__ = ("left", "right", "opener")

    def __init__(self, ampscript_opener: str, left: str = "{{", right: str = "}}"):
        self._set(ampscript_opener, left, right)

    def _set(self, ampscript_opener: str, left: str, right: str) -> None:
        self.left, self.right = left, right
        # %%{ ... }%% is a GTL tag in every mode and found before {{ (spec §1).
        self.opener = re.compile(rf"%%\{{|{re.escape(left)}|{ampscript_opener}", re.IGNORECASE)

    def change(self, ampscript_opener: str, left: str, right: str) -> None:
        self._set(ampscript_opener, left, right)


def scan_tag(source: str, start: int, delims: Delimiters, ampscript_opener: str, toks: list, add, error,
             lines) -> int:
    """Scan the GTL tag opening at ``start``; add its token; return the position after it."""
    percent = source.startswith("%%{", start)
    left, right = ("%%{", "}%%") if percent else (delims.left, delims.right)
    inner = start + len(left)
    if not percent and left == "{{" and source.startswith("{", inner):
        left, right, inner = "{{{", "}}}", inner + 1
        kind = "triple"
    elif source.startswith("!--", inner):
        right = "--" + right
        kind = "comment"
    else:
        kind = "tag"
    end = source.find(right, inner)
    if kind != "comment" and end > 0:
        end = _past_strings(source, inner, end, right)
    if kind == "tag" and source.startswith("=", inner):
        # a set-delimiter tag may hold the closing delimiter itself: {{={{ }}=}} ends at "=}}"
        whole = re.compile(rf"=\S+ \S+={re.escape(right)}").match(source, inner)
        if whole and "(" not in whole.group():  # not a function call {{=Fn("a b=}}")}}
            end = whole.end() - len(right)
    if end < 0:
        error(f"GTL tag {left} is never closed with {right}", start, incomplete=True)
        return len(source)
    text = source[inner:end]
    after = end + len(right)
    markup = source[start:after]
    if text.startswith("~"):
        _trim_before(toks, start)
        text, inner = text[1:], inner + 1
    if text.endswith("~"):
        text = text[:-1]
        after = _AFTER_WS.match(source, after).end()
    if kind == "triple":
        text = "{" + text + "}"
    set_delims = _SET_DELIMS.fullmatch(text)
    if set_delims:
        delims.change(ampscript_opener, set_delims.group(1), set_delims.group(2))
        return after
    if text.startswith("=") and text.rstrip().endswith("=") and len(text.strip()) > 1 and "(" not in text:
        error("Bad set-delimiter tag: write {{=<left> <right>=}} with one space between", start)
        return after
    line, col = lines.at(inner)
    try:
        ttype, payload = classify(text, line, col - (1 if kind == "triple" else 0))
    except TagError as e:
        error(e.message, inner - (1 if kind == "triple" else 0) + e.offset)
        return after
    if ttype == "GTL_DATA":  # configuration JSON, read raw up to {{/data}}
        close = re.compile(rf"{re.escape(delims.left if not percent else '%%{')}~?\s*/\s*data\s*~?"
                           rf"{re.escape(delims.right if not percent else '}%%')}", re.IGNORECASE)
        m = close.search(source, after)
        if m is None:
            error("{{.data}} is never closed with {{/data}}", start, incomplete=True)
            return len(source)
        add("GTL_DATA", source[after:m.start()], start)
        return m.end()
    if ttype == "GTL_TAG" and payload is None:
        return after  # a comment
    if ttype == "GTL_TAG" and payload.__class__ is Output and not payload.raw:
        payload = replace(payload, markup=markup)
    add(ttype, payload, start)
    return after


def _past_strings(source: str, inner: int, end: int, right: str) -> int:
    """The closing delimiter after ``inner`` that is not inside a string argument of the tag."""
    pos = inner
    while True:
        m = _TAG_STRING.search(source, pos)
        if m is None or m.start() >= end:
            return end
        if m.end() > end:  # the first delimiter is inside this string: look past it
            end = source.find(right, m.end())
            if end < 0:
                return -1
        pos = m.end()


def _trim_before(toks: list, start: int) -> None:
    """``{{~``: drop the whitespace right before the tag from the text just scanned."""
    if toks and toks[-1].type == "TEXT" and toks[-1].start_pos + len(toks[-1]) == start:
        t = toks[-1]
        value = str(t).rstrip(_WS)
        if value:
            toks[-1] = t.__class__("TEXT", value, t.start_pos, t.line, t.column)
        else:
            toks.pop()
