"""What the language server knows about a document, free of any protocol library: completions,
hover text, signature help, definitions and symbols, all in Python string offsets.

Documents being edited rarely parse, so everything here reads the text with the REPL's tolerant
scanner (ampy.repl.completion) or plain patterns, never with the real parser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .. import registry
from ..repl.completion import (
    _CODE_CLOSE,
    _CODE_OPEN,
    _SCRIPT_CLOSE,
    DE_FUNCTIONS,
    AmpscriptCompleter,
    scan_code,
)
from .workspace import WorkspaceIndex

# LSP CompletionItemKind / SymbolKind numbers (the protocol's, so this module needs no LSP library).
KIND_FUNCTION, KIND_VARIABLE, KIND_FIELD, KIND_KEYWORD, KIND_CLASS = 3, 6, 5, 14, 7
SYMBOL_NAMESPACE, SYMBOL_VARIABLE = 3, 13

_WORD = re.compile(r"[A-Za-z_@][\w@]*")
_SET = re.compile(r"\b(SET|VAR)\s+(@\w+)", re.IGNORECASE)
_VAR_LIST = re.compile(r"\bVAR\s+(@\w+(?:\s*,\s*@\w+)*)", re.IGNORECASE)
_VARIABLE = re.compile(r"@\w+")
_CONTENT_CALL = re.compile(r"""\b(ContentBlockByKey|ContentBlockByName|ContentBlockByID|ContentArea|ContentAreaByName)
                               \s*\(\s*(["'])((?:(?!\2).)*)\2""", re.IGNORECASE | re.VERBOSE)


@dataclass
class Item:
    """One completion: ``insert`` is an LSP snippet when ``snippet``."""

    label: str
    kind: int
    detail: str = ""
    insert: str | None = None
    snippet: bool = False
    replace_from: int | None = None   # the offset the inserted text starts at (default: the word's start)


@dataclass
class Signature:
    label: str
    parameters: list[str]
    active: int
    doc: str = ""


@dataclass
class Symbol:
    name: str
    kind: int
    start: int
    end: int
    detail: str = ""
    children: list["Symbol"] = field(default_factory=list)


def code_blocks(text: str):
    """(opener start, code start, code end, closer end) of each AMPscript block; an unclosed one
    runs to the end of the text."""
    pos = 0
    while True:
        m = _CODE_OPEN.search(text, pos)
        if m is None:
            return
        closer = _CODE_CLOSE.get(m.group(0), _SCRIPT_CLOSE)
        c = closer.search(text, m.end())
        if c is None:
            yield m.start(), m.end(), len(text), len(text)
            return
        yield m.start(), m.end(), c.start(), c.end()
        pos = c.end()


def code_before(text: str, offset: int) -> str | None:
    """The code from the start of the block holding ``offset`` up to it, or None in template text."""
    for start, code_start, code_end, _ in code_blocks(text):
        if start > offset:
            break
        if code_start <= offset <= code_end:
            return text[code_start:offset]
    return None


# ---- signatures as snippets

def parameters(b: registry.Builtin) -> list[str]:
    """The parameter names of a builtin's signature (``Lookup(de, returnColumn, ...)``)."""
    sig = b.signature
    inner = sig[sig.find("(") + 1:sig.rfind(")")] if "(" in sig else ""
    names = []
    for part in inner.split(","):
        part = part.strip().strip("[]. ").strip()
        if part:
            names.append(part)
    return names


def snippet(b: registry.Builtin) -> str:
    """``Name(${1:first}, ${2:second})`` with the required parameters as placeholders."""
    params = parameters(b)[:b.min_args]
    if not params:
        return f"{b.name}($0)" if b.max_args != 0 else f"{b.name}()"
    return f"{b.name}(" + ", ".join(f"${{{i}:{p}}}" for i, p in enumerate(params, 1)) + ")"


class Analyzer:
    """Answers for documents of one workspace (which may be None: then no data extensions)."""

    def __init__(self, workspace: WorkspaceIndex | None = None):
        self.workspace = workspace

    # ---- completion
    def complete(self, text: str, offset: int) -> list[Item]:
        code = code_before(text, offset)
        if code is None:
            return self._template_attributes(text, offset)
        state = scan_code(code)
        if state.in_comment:
            return []
        if state.in_string is not None:
            return self._in_string(state, offset)
        return self._code(state, text, offset)

    def _code(self, state, text: str, offset: int) -> list[Item]:
        prefix = state.prefix
        low = prefix.lower()
        start = offset - len(prefix)
        items: list[Item] = []
        if prefix.startswith("@"):
            for name in self.variables(text):
                if name.lower().startswith(low) and name.lower() != low:
                    items.append(Item(name, KIND_VARIABLE, "variable", replace_from=start))
            return items
        if state.prev == "keyword" and state.prev_word in ("set", "var", "next"):
            for name in self.variables(text):
                items.append(Item(name, KIND_VARIABLE, "variable", replace_from=start))
            return items
        keywords, expression = AmpscriptCompleter._position(state)
        if expression and state.calls and state.calls[-1].name in DE_FUNCTIONS:
            names, meta = self._de_choices(state.calls[-1])
            for name in names:
                if name.lower().startswith(low):
                    items.append(Item(name, KIND_FIELD if state.calls[-1].arg else KIND_CLASS, meta,
                                      insert='"' + name.replace('"', '""') + '"', replace_from=start))
        for word in keywords:
            if word.lower().startswith(low):
                items.append(Item(word, KIND_KEYWORD, "keyword", replace_from=start))
        if expression is None:
            return items
        for b in registry.all_builtins():
            if b.name.lower().startswith(low):
                items.append(Item(b.name, KIND_FUNCTION, b.signature, insert=snippet(b), snippet=True,
                                  replace_from=start))
        if expression:
            for name in self.attributes():
                if name.lower().startswith(low) and re.fullmatch(r"[A-Za-z_]\w*", name):
                    items.append(Item(name, KIND_FIELD, "attribute", replace_from=start))
        return items

    def _in_string(self, state, offset: int) -> list[Item]:
        if not state.calls or state.calls[-1].name not in DE_FUNCTIONS:
            return []
        prefix = state.in_string or ""
        names, meta = self._de_choices(state.calls[-1])
        kind = KIND_FIELD if state.calls[-1].arg else KIND_CLASS
        return [Item(n, kind, meta, replace_from=offset - len(prefix)) for n in names
                if n.lower().startswith(prefix.lower())]

    def _template_attributes(self, text: str, offset: int) -> list[Item]:
        m = re.search(r"%%([A-Za-z_][\w\-]*)?$", text[max(0, offset - 200):offset])
        if not m:
            return []
        prefix = m.group(1) or ""
        return [Item(n, KIND_FIELD, "attribute", insert=n + "%%", replace_from=offset - len(prefix))
                for n in self.attributes() if n.lower().startswith(prefix.lower())]

    def _de_choices(self, call) -> tuple[list[str], str]:
        if self.workspace is None:
            return [], ""
        if call.arg == 0:
            return self.workspace.de_names(), "data extension"
        return self.workspace.columns(call.de), f"column of {call.de}"

    def attributes(self) -> list[str]:
        return self.workspace.attributes() if self.workspace is not None else []

    @staticmethod
    def variables(text: str) -> list[str]:
        """Every @variable of the document (AMPscript variables are global to the render), as first written."""
        seen: dict[str, str] = {}
        for m in _VARIABLE.finditer(text):
            seen.setdefault(m.group(0).lower(), m.group(0))
        return sorted(seen.values(), key=str.lower)

    # ---- hover and signature help
    @staticmethod
    def word_at(text: str, offset: int) -> tuple[str, int, int] | None:
        start = offset
        while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_@"):
            start -= 1
        m = _WORD.match(text, start)
        if m is None or m.end() < offset:
            return None
        return m.group(0), m.start(), m.end()

    def hover(self, text: str, offset: int) -> tuple[str, int, int] | None:
        """(markdown, start, end) for the function name under the cursor."""
        word = self.word_at(text, offset)
        if word is None or code_before(text, offset) is None:
            return None
        name, start, end = word
        b = registry.lookup(name) if not name.startswith("@") else None
        if b is None:
            return None
        return "```\n" + registry.describe(b).rstrip("\n") + "\n```", start, end

    def signature(self, text: str, offset: int) -> Signature | None:
        code = code_before(text, offset)
        if code is None:
            return None
        state = scan_code(code)
        if not state.calls:
            return None
        call = state.calls[-1]
        b = registry.lookup(call.name)
        if b is None:
            return None
        params = parameters(b)
        active = min(call.arg, len(params) - 1) if params else 0
        first = b.doc.splitlines()[0] if b.doc else ""
        return Signature(b.signature, params, active, first)

    # ---- definitions
    def definition(self, text: str, offset: int) -> tuple[str, int] | tuple[None, int] | None:
        """(path, 0) of a content block's file, or (None, offset) of a variable's first SET."""
        for m in _CONTENT_CALL.finditer(text):
            if m.start() <= offset <= m.end():
                if self.workspace is None:
                    return None
                path = self.workspace.content_file(m.group(3), by_name=m.group(1).lower().endswith("name"))
                return (path, 0) if path else None
        word = self.word_at(text, offset)
        if word is None or not word[0].startswith("@"):
            return None
        key = word[0].lower()
        for m in _SET.finditer(text):
            if m.group(1).lower() == "set" and m.group(2).lower() == key:
                return None, m.start(2)
        for m in _VAR_LIST.finditer(text):
            for v in _VARIABLE.finditer(m.group(1)):
                if v.group(0).lower() == key:
                    return None, m.start(1) + v.start()
        return None

    # ---- symbols
    def symbols(self, text: str) -> list[Symbol]:
        """Each block, with the variables first set in it as children."""
        out: list[Symbol] = []
        seen: set[str] = set()
        for start, code_start, code_end, end in code_blocks(text):
            opener = text[start:code_start]
            label = "%%[ ]%%" if opener == "%%[" else "%%= =%%" if opener == "%%=" else "<script>"
            line = text.count("\n", 0, start) + 1
            block = Symbol(f"{label} line {line}", SYMBOL_NAMESPACE, start, end)
            for m in _SET.finditer(text, code_start, code_end):
                key = m.group(2).lower()
                if key not in seen:
                    seen.add(key)
                    block.children.append(Symbol(m.group(2), SYMBOL_VARIABLE, m.start(), m.end(), m.group(1).upper()))
            out.append(block)
        return out

