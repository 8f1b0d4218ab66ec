"""Completion for the REPL: keywords valid at the cursor, functions (with signatures), live
@variables, attribute names, data-extension names and their columns inside lookup calls, and
meta commands.

The text before the cursor is scanned with a small tolerant tokenizer (the real scanner rejects
half-typed input, which is exactly what completion sees).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from prompt_toolkit.completion import Completer, Completion, PathCompleter
from prompt_toolkit.document import Document

from .. import registry
from ..syntax.lexer import KEYWORDS
from .session import META, META_COMMANDS, SSJS, TEMPLATE, input_mode

# Functions whose first argument is a data extension name and whose later arguments are mostly
# its column names.
DE_FUNCTIONS = frozenset(n.lower() for n in (
    "Lookup", "LookupRows", "LookupRowsCS", "LookupOrderedRows", "LookupOrderedRowsCS", "InsertData",
    "InsertDE", "UpdateData", "UpdateDE", "UpsertData", "UpsertDE", "DeleteData", "DeleteDE",
    "DataExtensionRowCount", "ClaimRow", "ClaimRowValue"))

STATEMENT_KEYWORDS = ("VAR", "SET", "IF", "FOR")
EXPRESSION_KEYWORDS = ("NOT", "TRUE", "FALSE")

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<comment>/\*)
  | (?P<quote>["'])
  | (?P<number>-?(?:\d+(?:\.\d*)?|\.\d+))
  | (?P<variable>@@?\w*)
  | (?P<name>[A-Za-z_]\w*)
  | (?P<bracket>\[[^\]\n]*\]?)
  | (?P<op>==|!=|<=|>=|<|>|=)
  | (?P<lpar>\()
  | (?P<rpar>\))
  | (?P<comma>,)
  | (?P<other>.)
""", re.VERBOSE | re.DOTALL)


# Template-level openers and closers (to find out whether the cursor is inside code).
_CODE_OPEN = re.compile(
    r"%%\[|%%=|<script\b(?=[^>]*\brunat\s*=\s*[\"']?server\b)(?=[^>]*\blanguage\s*=\s*[\"']?ampscript\b)[^>]*>",
    re.IGNORECASE)
_CODE_CLOSE = {"%%[": re.compile(r"\]%%"), "%%=": re.compile(r"=%%")}
_SCRIPT_CLOSE = re.compile(r"</script\s*>", re.IGNORECASE)


@dataclass
class _Call:
    name: str
    arg: int = 0
    de: str | None = None   # the first argument, when it is a string literal


@dataclass
class CodeState:
    """Where the cursor is in a piece of code."""

    prefix: str = ""                 # the word being typed (an @variable, a name)
    prev: str | None = None          # kind of the last token before the prefix
    prev_word: str = ""              # its text, lower-cased, when it is a word
    blocks: list[str] = field(default_factory=list)   # open IF / FOR, innermost last
    head: str | None = None          # "if" (before THEN), "for" (before TO/DOWNTO), "for-to" (before DO)
    calls: list[_Call] = field(default_factory=list)   # open calls, innermost last
    in_string: str | None = None     # the text typed so far inside an unterminated string
    in_comment: bool = False


def scan_code(code: str) -> CodeState:
    """Walk ``code`` (the code before the cursor) and describe the cursor position."""
    state = CodeState()
    pos, n = 0, len(code)
    last_kind, last_word = None, ""
    while pos < n:
        m = _TOKEN.match(code, pos)
        kind = m.lastgroup
        text = m.group(0)
        if kind == "ws":
            pos = m.end()
            continue
        if kind == "comment":
            end = code.find("*/", m.end())
            if end < 0:
                state.in_comment = True
                return state
            pos = end + 2
            continue
        if kind == "quote":
            value, end = _read_string(code, m.end(), text)
            if end < 0:
                state.in_string = value
                state.prev, state.prev_word = last_kind, last_word
                return state
            _after_value(state, "string", value)
            last_kind, last_word = "string", ""
            pos = end
            continue
        pos = m.end()
        word = text.lower() if kind == "name" else ""
        if kind == "name" and word in KEYWORDS:
            kind = "keyword"
        if pos == n and kind in ("name", "variable", "keyword"):
            state.prefix = text   # the word under the cursor: not part of the context
            break
        _step(state, kind, word, code, pos)
        last_kind, last_word = kind, word
    state.prev, state.prev_word = last_kind, last_word
    return state


def _read_string(code: str, start: int, quote: str) -> tuple[str, int]:
    """(content, end) of a string literal; end is -1 when it is still open."""
    parts, i = [], start
    while True:
        j = code.find(quote, i)
        if j < 0:
            parts.append(code[i:])
            return "".join(parts), -1
        parts.append(code[i:j])
        if code.startswith(quote, j + 1):
            parts.append(quote)
            i = j + 2
            continue
        return "".join(parts), j + 1


def _after_value(state: CodeState, kind: str, value: str) -> None:
    if kind == "string" and state.calls and state.calls[-1].arg == 0:
        state.calls[-1].de = value


def _step(state: CodeState, kind: str, word: str, code: str, pos: int) -> None:
    if kind == "keyword":
        if word in ("if", "elseif"):
            if word == "if":
                state.blocks.append("if")
            state.head = "if"
        elif word == "then" and state.head == "if":
            state.head = None
        elif word == "endif":
            _close(state.blocks, "if")
        elif word == "for":
            state.blocks.append("for")
            state.head = "for"
        elif word in ("to", "downto") and state.head == "for":
            state.head = "for-to"
        elif word == "do" and state.head == "for-to":
            state.head = None
        elif word == "next":
            _close(state.blocks, "for")
    elif kind == "name" and code[pos:].lstrip().startswith("("):
        state.calls.append(_Call(word))
    elif kind == "comma" and state.calls:
        state.calls[-1].arg += 1
    elif kind == "rpar" and state.calls:
        state.calls.pop()


def _close(blocks: list[str], what: str) -> None:
    if what in blocks:
        del blocks[len(blocks) - 1 - blocks[::-1].index(what):]


def code_before_cursor(text: str) -> str | None:
    """The code the cursor is in (from its block's start), or None when it is in template text."""
    if input_mode(text) != TEMPLATE:
        return text
    start = None
    pos = 0
    while True:
        m = _CODE_OPEN.search(text, pos)
        if m is None:
            break
        opener = m.group(0)
        closer = _CODE_CLOSE.get(opener, _SCRIPT_CLOSE)
        c = closer.search(text, m.end())
        if c is None:
            start = m.end()
            break
        pos = c.end()
    return None if start is None else text[start:]


def _case_like(prefix: str, word: str) -> str:
    """Keywords follow the case the user started typing in."""
    return word.lower() if prefix and prefix[0].islower() else word


class AmpscriptCompleter(Completer):
    """prompt_toolkit completer over a ReplSession (for live variables, attributes and DEs)."""

    def __init__(self, session):
        self.session = session
        self._paths = PathCompleter(expanduser=True)

    def get_completions(self, document: Document, complete_event):
        before = document.text_before_cursor
        if getattr(self.session, "ssjs", False) and input_mode(document.text, True) == SSJS:
            return   # JavaScript: no AMPscript completions
        if input_mode(document.text) == META:
            yield from self._meta(before, complete_event)
            return
        code = code_before_cursor(before)
        if code is None:
            yield from self._template_attribute(before)
            return
        state = scan_code(code)
        if state.in_comment:
            return
        if state.in_string is not None:
            yield from self._in_string(state)
            return
        if not state.prefix and not complete_event.completion_requested:
            return   # while typing, only complete a word that has begun
        yield from self._code(state)

    # ---- code ----------------------------------------------------------------------------
    def _code(self, state: CodeState):
        prefix = state.prefix
        low = prefix.lower()
        if prefix.startswith("@"):
            for name in self.session.variables():
                if name.lower().startswith(low) and name.lower() != low:
                    yield Completion(name, -len(prefix), display_meta="variable")
            return
        if state.prev in ("keyword",) and state.prev_word in ("set", "var", "next"):
            return   # a variable must follow
        keywords, expression = self._position(state)
        if expression and state.calls and state.calls[-1].name in DE_FUNCTIONS:
            yield from self._quoted_de_arguments(state, prefix)
        for word in keywords:
            if word.lower().startswith(low):
                yield Completion(_case_like(prefix, word), -len(prefix), display_meta="keyword")
        if expression is None:
            return   # after a value inside an IF/FOR head or a call: only keywords fit
        for b in registry.all_builtins():
            if b.name.lower().startswith(low):
                yield Completion(b.name, -len(prefix), display=b.name, display_meta=b.signature)
        if expression:
            for name in self.session.attributes():
                if name.lower().startswith(low) and re.fullmatch(r"[A-Za-z_]\w*", name):
                    yield Completion(name, -len(prefix), display_meta="attribute")

    @staticmethod
    def _position(state: CodeState) -> tuple[list[str], bool | None]:
        """The keywords valid at the cursor, and what else fits: True = an expression (functions,
        attributes), False = a statement (function calls), None = nothing but the keywords."""
        prev, word = state.prev, state.prev_word
        ends_value = prev in ("string", "number", "variable", "name", "bracket", "rpar") or (
            prev == "keyword" and word in ("true", "false"))
        if prev in ("op", "lpar", "comma") or (prev == "keyword" and word in (
                "if", "elseif", "and", "or", "not", "to", "downto")):
            return list(EXPRESSION_KEYWORDS), True
        if state.head == "if":
            return ["THEN", "AND", "OR"], None
        if state.head == "for":
            return ["TO", "DOWNTO"], None
        if state.head == "for-to":
            return ["DO"], None
        if state.calls:
            return ["AND", "OR"], None
        words = list(STATEMENT_KEYWORDS)
        if "if" in state.blocks:
            words += ["ELSEIF", "ELSE", "ENDIF"] if state.blocks[-1] == "if" else ["ENDIF"]
        if "for" in state.blocks:
            words.append("NEXT")
        if ends_value:
            words += ["AND", "OR"]
        return words, False

    # ---- data extensions -----------------------------------------------------------------
    def _store(self):
        return getattr(self.session.backend, "store", None)

    def _de_names(self) -> list[str]:
        store = self._store()
        if store is None:
            return []
        try:
            return list(store.names())
        except Exception:  # noqa: BLE001 - completion must never break the prompt
            return []

    def _columns(self, de: str | None) -> list[str]:
        store = self._store()
        if store is None or not de:
            return []
        try:
            return list(store.info(de).columns)
        except Exception:  # noqa: BLE001 - an unknown DE simply has no columns to offer
            return []

    def _de_argument_choices(self, call: _Call) -> tuple[list[str], str]:
        """DE names for the first argument of a DE function, the DE's columns for the others."""
        if call.arg == 0:
            return self._de_names(), "data extension"
        return self._columns(call.de), f"column of {call.de}"

    def _quoted_de_arguments(self, state: CodeState, prefix: str):
        names, meta = self._de_argument_choices(state.calls[-1])
        for name in names:
            if name.lower().startswith(prefix.lower()):
                yield Completion('"' + name.replace('"', '""') + '"', -len(prefix), display=name,
                                 display_meta=meta)

    def _in_string(self, state: CodeState):
        if not state.calls or state.calls[-1].name not in DE_FUNCTIONS:
            return
        prefix = state.in_string or ""
        names, meta = self._de_argument_choices(state.calls[-1])
        for name in names:
            if name.lower().startswith(prefix.lower()):
                yield Completion(name, -len(prefix), display_meta=meta)

    # ---- template text and meta commands -------------------------------------------------
    def _template_attribute(self, before: str):
        m = re.search(r"%%([A-Za-z_][\w\-]*)$", before)
        if not m:
            return
        prefix = m.group(1)
        for name in self.session.attributes():
            if name.lower().startswith(prefix.lower()) and re.fullmatch(r"[A-Za-z_][\w\-]*", name):
                yield Completion(name + "%%", -len(prefix), display=name, display_meta="attribute")

    def _meta(self, before: str, complete_event):
        stripped = before.lstrip()
        if " " not in stripped:
            for name, (_, usage, doc) in META_COMMANDS.items():
                if (":" + name).startswith(stripped):
                    yield Completion(":" + name, -len(stripped), display=usage, display_meta=doc)
            return
        command, _, arg = stripped.partition(" ")
        command = command[1:].lower()
        arg = arg.lstrip()
        choices: list[tuple[str, str]] = []
        if command in ("doc", "functions"):
            choices = [(b.name, b.signature) for b in registry.all_builtins()]
        elif command == "context":
            choices = [(k, "render context") for k in ("page", "email", "sms")]
        elif command == "backend" and " " not in arg:
            choices = [("local", "embedded local cloud"), ("soap", "a real tenant")]
        elif command in ("load", "render", "attrs"):
            yield from self._paths.get_completions(Document(arg, len(arg)), complete_event)
            return
        for name, meta in choices:
            if name.lower().startswith(arg.lower()):
                yield Completion(name, -len(arg), display_meta=meta)
