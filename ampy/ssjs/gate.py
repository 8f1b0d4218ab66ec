"""The syntax gate: server-side JavaScript may use only what the platform's engine (Jint, ES3 plus a
few ES5 bits) accepts. QuickJS would run ES2015+ happily, so each program is parsed first with
esprima (a parser of ES2017) and refused at the first newer construct; what esprima cannot parse at
all (``?.``, ``??``, BigInt literals, modules) is refused by its own syntax error.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from typing import NamedTuple

# node type -> (what, edition); functions and properties are looked at by their flags below
_NODES = {
    "ArrowFunctionExpression": ("an arrow function (=>)", 2015),
    "TemplateLiteral": ("a template literal (`...`)", 2015),
    "TaggedTemplateExpression": ("a tagged template literal", 2015),
    "ClassDeclaration": ("a class", 2015),
    "ClassExpression": ("a class", 2015),
    "Super": ("'super'", 2015),
    "ObjectPattern": ("destructuring", 2015),
    "ArrayPattern": ("destructuring", 2015),
    "AssignmentPattern": ("a default parameter value", 2015),
    "RestElement": ("a rest parameter (...)", 2015),
    "SpreadElement": ("spread (...)", 2015),
    "ForOfStatement": ("'for...of'", 2015),
    "YieldExpression": ("'yield'", 2015),
    "AwaitExpression": ("'await'", 2017),
    "Import": ("'import'", 2015),
}

# What esprima cannot parse, recognised at its error position to name the construct anyway.
_UNPARSED = [
    (re.compile(r"\?\."), "optional chaining (?.)", 2020),
    (re.compile(r"\?\?"), "nullish coalescing (??)", 2020),
    (re.compile(r"\d+n\b"), "a BigInt literal", 2020),
    (re.compile(r"(?:import|export)\b"), "a module declaration (import/export)", 2015),
]


class Refusal(Exception):
    """A syntax error or a construct beyond ES5 at (script line, column), 1-based."""

    def __init__(self, message: str, line: int, column: int):
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


def _beyond(what: str, edition: int) -> str:
    return f"SSJS: {what} is ES{edition} syntax; the platform's engine (ES3/ES5) refuses it"


class Checked(NamedTuple):
    """What the runner needs to know of a program the gate let through."""

    has_try: bool   # a try statement may have caught running out of memory
    # Each throw statement: (keyword, argument start, argument end) as (line 1-based, column 0-based)
    throws: tuple[tuple[tuple[int, int], tuple[int, int], tuple[int, int]], ...]


_cache: "OrderedDict[str, Refusal | Checked]" = OrderedDict()
_lock = threading.Lock()


def check(code: str) -> Checked:
    """Raise Refusal for a syntax error or the first ES2015+ construct of ``code``; else say
    whether it has a ``try`` statement and where its ``throw`` statements are."""
    found = _cache.get(code)
    if found is None:
        found = _check(code)
        with _lock:
            _cache[code] = found
            if len(_cache) > 256:
                _cache.popitem(last=False)
    if isinstance(found, Refusal):
        raise found
    return found


def _check(code: str) -> Refusal | Checked:
    import esprima

    try:
        tree = esprima.parseScript(code, {"loc": True, "tolerant": False})
    except esprima.Error as e:
        line, column = getattr(e, "lineNumber", 1) or 1, getattr(e, "column", 1) or 1
        index = getattr(e, "index", None)
        text = re.sub(r"^Line \d+: ", "", str(e))
        if isinstance(index, int):
            for pattern, what, edition in _UNPARSED:
                for m in pattern.finditer(code, max(index - 30, 0), index + 10):
                    if m.start() <= index < max(m.end(), m.start() + 1):
                        at = m.start()
                        return Refusal(_beyond(what, edition), code.count("\n", 0, at) + 1,
                                       at - code.rfind("\n", 0, at))
        return Refusal(f"SSJS: syntax error: {text}", line, column)
    return _first_newer(tree)


def _first_newer(tree) -> Refusal | Checked:
    """The first ES2015+ construct, or what the runner needs to know (Checked)."""
    stack = [tree]
    found: list[Refusal] = []
    has_try = False
    throws = []
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(reversed(node))
            continue
        kind = getattr(node, "type", None)
        if kind is None:
            continue
        has_try = has_try or kind == "TryStatement"
        if kind == "ThrowStatement":
            arg = node.argument.loc
            throws.append(((node.loc.start.line, node.loc.start.column), (arg.start.line, arg.start.column),
                           (arg.end.line, arg.end.column)))
        what = _construct(node, kind)
        if what is not None:
            loc = node.loc.start
            found.append(Refusal(_beyond(*what), loc.line, loc.column + 1))
            continue
        for key, value in vars(node).items():
            if key not in ("loc", "range", "type") and (isinstance(value, list) or hasattr(value, "type")):
                stack.append(value)
    if not found:
        return Checked(has_try, tuple(sorted(throws)))
    return min(found, key=lambda r: (r.line, r.column))


def _construct(node, kind: str):
    if kind in _NODES:
        return _NODES[kind]
    if kind == "VariableDeclaration" and node.kind in ("let", "const"):
        return f"'{node.kind}'", 2015
    if kind in ("FunctionDeclaration", "FunctionExpression"):
        if getattr(node, "isAsync", False) or getattr(node, "async", False):
            return "'async'", 2017
        if node.generator:
            return "a generator (function*)", 2015
    if kind == "Property":
        if node.computed:
            return "a computed property name ([...])", 2015
        if node.shorthand:
            return "a shorthand property ({a})", 2015
        if node.method:
            return "a method definition ({f() {}})", 2015
    if kind in ("BinaryExpression", "AssignmentExpression") and node.operator in ("**", "**="):
        return "the exponent operator (**)", 2016
    if kind == "Literal" and isinstance(node.raw, str):
        if node.raw[:2].lower() in ("0b", "0o"):
            return "a binary or octal literal", 2015
        regex = getattr(node, "regex", None)
        if regex is not None and set(getattr(regex, "flags", "") or "") & set("uys"):
            return "a regular expression flag (u, y or s)", 2015
        if node.raw[:1] in "'\"" and "\\u{" in node.raw:
            return "a code point escape (\\u{...})", 2015
    return None
