"""The linter's codes and the checks over a parsed template.

Errors (``AMP0xx``, and AMP105) stop a template from compiling; warnings (``AMP1xx``) compile
but are almost always a mistake. Codes are stable: they are how findings are silenced."""

from __future__ import annotations

import re

from .. import registry
from ..gtl.nodes import variables_read as gtl_variables_read
from ..runtime.strict import SYSTEM_ATTRIBUTES
from ..ssjs.blocks import MAYBE as MAYBE_SSJS
from ..syntax import ast
from .diagnostic import Diagnostic, at

# code -> (short name, one-line why)
RULES: dict[str, tuple[str, str]] = {
    "AMP001": ("syntax error", "the template does not parse, so nothing renders"),
    "AMP002": ("unknown function", "the platform refuses a template calling a function it does not have"),
    "AMP003": ("wrong number of arguments", "the platform refuses the call"),
    "AMP101": ("Output of a variable or literal",
               "Output/OutputLine print what a function returns: Output(@v) prints nothing, use v(@v)"),
    "AMP102": ("attribute not in the sendable data extension",
               "an attribute the subscriber row lacks renders empty (and the send fails)"),
    "AMP103": ("unknown data extension", "a lookup into a data extension the workspace lacks fails at send"),
    "AMP104": ("unknown column", "a column the data extension lacks fails the lookup at send"),
    "AMP105": ("smart quote in code (error)", "typographic quotes are not string quotes: the code does not parse"),
    "AMP106": ("variable read before any SET", "it is empty there: a misspelt name or a missing SET"),
    "AMP107": ("variable set and never read", "dead code, or a read of it is misspelt"),
    "AMP108": ("Row without a RowCount check", "Row fails on a rowset with fewer rows: check RowCount first"),
    "AMP109": ("function not available in this context", "the platform refuses it where this renders"),
    "AMP110": ("server-side JavaScript the platform refuses",
               "a syntax error or ES2015+ syntax (let, =>, classes ...) in SSJS: the page fails"),
}

ERRORS = frozenset({"AMP001", "AMP002", "AMP003", "AMP105", "AMP110"})

# Lookup-family functions: which arguments name columns, given the argument count.
_LOOKUPS = {
    "lookup": lambda n: [1] + list(range(2, n, 2)),
    "lookuprows": lambda n: list(range(1, n, 2)),
    "lookuprowscs": lambda n: list(range(1, n, 2)),
    "lookuporderedrows": lambda n: list(range(3, n, 2)),
    "lookuporderedrowscs": lambda n: list(range(3, n, 2)),
    "insertdata": lambda n: list(range(1, n, 2)),
    "insertde": lambda n: list(range(1, n, 2)),
    "deletedata": lambda n: list(range(1, n, 2)),
    "deletede": lambda n: list(range(1, n, 2)),
    "updatedata": lambda n: list(range(2, n, 2)),
    "updatede": lambda n: list(range(2, n, 2)),
    "upsertdata": lambda n: list(range(2, n, 2)),
    "upsertde": lambda n: list(range(2, n, 2)),
    "claimrow": lambda n: [1] + list(range(2, n, 2)),
    "datasextensionrowcount": lambda n: [],
    "dataextensionrowcount": lambda n: [],
}
_ORDER_CLAUSE = {"lookuporderedrows", "lookuporderedrowscs"}  # argument 2: "Col [ASC|DESC], ..."


class Findings:
    """Collects diagnostics positioned in one source."""

    def __init__(self, source: str):
        self.lines = source.splitlines()
        self.items: list[Diagnostic] = []

    def add(self, code: str, message: str, line: int, column: int, length: int | None = None) -> None:
        severity = "error" if code in ERRORS else "warning"
        self.items.append(at(code, severity, message, self.lines, line, column, length))


def ordered_nodes(tree: ast.Template) -> list:
    """Every node in source order (computed once per lint, both passes walk it)."""
    return sorted(ast.walk(tree.body), key=lambda n: (n.line, n.column))


def check_functions(nodes: list, out: Findings, context: str | None) -> None:
    """Every unknown function and wrong argument count (the compiler stops at the first)."""
    for node in nodes:
        if not isinstance(node, ast.Call):
            continue
        b = registry.lookup(node.name)
        if b is None:
            close = registry.closest_names(node.name)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            out.add("AMP002", f"Unknown function '{node.name}'{hint}", node.line, node.column, len(node.name))
            continue
        n = len(node.args)
        if n < b.min_args or (b.max_args is not None and n > b.max_args):
            out.add("AMP003", f"{b.name} takes {b.arity_text()} argument{'s' if b.max_args != 1 else ''}, got {n}",
                    node.line, node.column, len(node.name))
        elif context and context not in b.contexts:
            out.add("AMP109", f"{b.name} is not available in {context} content "
                    f"(only in {', '.join(sorted(b.contexts))})", node.line, node.column, len(node.name))


def check_tree(tree: ast.Template, nodes: list, out: Findings, *, attributes: dict[str, str] | None,
               data_extensions: dict[str, dict[str, str]] | None) -> None:
    _outputs(nodes, out)
    _variables(tree, nodes, out)
    _rows(nodes, out)
    if attributes is not None:
        _attributes(nodes, out, attributes)
    if data_extensions is not None:
        _lookups(nodes, out, data_extensions)


def _outputs(nodes, out: Findings) -> None:
    for node in nodes:
        if isinstance(node, ast.Call) and node.name.lower() in ("output", "outputline") and node.args:
            arg = node.args[0]
            if isinstance(arg, (ast.Variable, ast.Str, ast.Num, ast.Bool, ast.Attribute)):
                out.add("AMP101", f"{node.name}() of a {_kind(arg)} prints nothing: "
                        f"use {node.name}(v({ast.unparse(arg)})) or %%={ast.unparse(arg)}=%%" if not isinstance(
                            arg, ast.Variable) else f"{node.name}({arg.name}) prints nothing: use "
                        f"{node.name}(v({arg.name})) or %%=v({arg.name})=%%", node.line, node.column, len(node.name))


def _kind(node) -> str:
    return {ast.Str: "string", ast.Num: "number", ast.Bool: "boolean", ast.Attribute: "attribute"}.get(
        type(node), "value")


def _set_position(node: ast.SetVar) -> tuple:
    """A SET takes effect after its expression: SET @a = Add(@a, 1) reads @a before setting it."""
    last = max(((n.line, n.column) for n in ast.walk([node.expr])), default=(node.line, node.column))
    return (last[0], last[1] + 0.5)


_INCLUDES = frozenset({"contentblockbykey", "contentblockbyname", "contentblockbyid", "contentarea",
                       "contentareabyname", "treatascontent", "treatascontentarea"})


def _variables(tree, nodes, out: Findings) -> None:
    including = any(isinstance(n, ast.Call) and n.name.lower() in _INCLUDES for n in nodes)
    # A content block reads what its including template set: files in a content/ folder.
    content_block = "content" in tree.name.replace("\\", "/").lower().split("/")[:-1]
    sets: dict[str, tuple] = {}  # lower name -> first (line, col) it takes a value
    first_set_node: dict[str, object] = {}
    reads: dict[str, list] = {}
    written: set[int] = set()  # Variable nodes in out-parameter positions
    for node in nodes:
        if isinstance(node, ast.SetVar):
            key = node.name.lower()
            pos = _set_position(node)
            if key not in sets or pos < sets[key]:
                sets[key] = pos
                first_set_node[key] = node
        elif isinstance(node, ast.For):
            key = node.var.lower()
            pos = (node.line, node.column)
            if key not in sets or pos < sets[key]:
                sets[key], first_set_node[key] = pos, None  # a loop counter need not be read
        elif isinstance(node, ast.Variable):
            if id(node) in written:
                continue
            reads.setdefault(node.name.lower(), []).append(node)
        elif isinstance(node, ast.Call):
            b = registry.lookup(node.name)
            for i in (b.out_params if b else ()):  # InvokeCreate(@obj, @status, @code) writes them
                if i < len(node.args) and isinstance(node.args[i], ast.Variable):
                    arg = node.args[i]
                    written.add(id(arg))
                    key, pos = arg.name.lower(), (node.line, node.column)
                    if key not in sets or pos < sets[key]:
                        sets[key] = pos
                        first_set_node[key] = None  # out parameters need not be read
    # A variable named inside a string is read there (TreatAsContent, content blocks, %%=v(@x)=%%).
    in_strings = {m.lower() for n in nodes if isinstance(n, ast.Str) for m in re.findall(r"@@?\w+", n.value)}
    in_strings |= gtl_variables_read(nodes)  # {{@x}}, {{.data}}{"target":"@x"}
    for key, found in reads.items():
        if key.startswith("@@"):
            continue  # system variables have values without a SET
        first = found[0]
        if key not in sets and (including or content_block):
            continue  # set by the including template, or by a content block this one includes
        if key not in sets or (first.line, first.column) < sets[key]:
            out.add("AMP106", f"{first.name} is read before any SET: it is empty here",
                    first.line, first.column, len(first.name))
    for key, node in first_set_node.items():
        if node is None or including:
            continue  # (a template that includes content blocks sets variables for them)
        if key not in reads and key not in in_strings and not key.startswith("@@"):
            name = node.name
            line, col, length = _name_position(out.lines, node, name)
            out.add("AMP107", f"{name} is set but never read", line, col, length)


def _name_position(lines, node, name: str):
    """Where the variable's name stands in a SET or FOR statement (the AST keeps the keyword's)."""
    text = lines[node.line - 1] if 0 < node.line <= len(lines) else ""
    i = text.lower().find(name.lower(), node.column - 1)
    return (node.line, i + 1, len(name)) if i >= 0 else (node.line, node.column, 3)


def _rows(nodes, out: Findings) -> None:
    counted: set[str] = set()
    for node in nodes:
        if not isinstance(node, ast.Call) or not node.args or not isinstance(node.args[0], ast.Variable):
            continue
        low, var = node.name.lower(), node.args[0].name.lower()
        if low == "rowcount":
            counted.add(var)
        elif low == "row" and var not in counted:
            out.add("AMP108", f"Row({node.args[0].name}, ...) with no RowCount({node.args[0].name}) check before it: "
                    "Row fails when the rowset has fewer rows", node.line, node.column, len(node.name))


def _attributes(nodes, out: Findings, columns: dict[str, str]) -> None:
    for node in nodes:
        if isinstance(node, ast.Attribute) or isinstance(node, ast.AttrOut):
            low = node.name.lower()
            if (low in columns and low) or low in SYSTEM_ATTRIBUTES or low.startswith(("xt", "_", "@@")):
                continue
            close = _closest(low, columns)
            hint = f" (did you mean {close}?)" if close else ""
            col = node.column + (2 if isinstance(node, ast.AttrOut) and out.lines and
                                 out.lines[node.line - 1][node.column - 1:node.column + 1] == "%%" else 0)
            out.add("AMP102", f"Attribute '{node.name}' is not a column of the sendable data extension{hint}",
                    node.line, col, len(node.name))


def _closest(name: str, names: dict) -> str | None:
    """The closest of the names (lower-cased keys), as spelled (the values)."""
    import difflib

    found = difflib.get_close_matches(name, [k for k in names if k], n=1, cutoff=0.7)
    if not found:
        return None
    spelled = names[found[0]]
    return spelled if isinstance(spelled, str) else spelled.get("", found[0])


def _lookups(nodes, out: Findings, des: dict[str, dict[str, str]]) -> None:
    for node in nodes:
        if not isinstance(node, ast.Call):
            continue
        low = node.name.lower()
        if low not in _LOOKUPS or not node.args or not isinstance(node.args[0], ast.Str):
            continue
        de = node.args[0]
        columns = des.get(de.value.lower())
        if columns is None:
            close = _closest(de.value.lower(), des)
            hint = f" (did you mean {close}?)" if close else ""
            out.add("AMP103", f"Data extension '{de.value}' is not in the workspace{hint}",
                    de.line, de.column, len(de.value) + 2)
            continue
        wanted = [(i, node.args[i]) for i in _LOOKUPS[low](len(node.args)) if i < len(node.args)]
        for _, arg in wanted:
            if isinstance(arg, ast.Str) and (not arg.value or arg.value.lower() not in columns):
                _unknown_column(out, de.value, arg, arg.value, columns)
        if low in _ORDER_CLAUSE and len(node.args) > 2 and isinstance(node.args[2], ast.Str):
            for part in node.args[2].value.split(","):
                col = re.sub(r"\s+(asc|desc)\s*$", "", part.strip(), flags=re.IGNORECASE).strip()
                if col and col.lower() not in columns:  # ("" is the data extension's name, not a column)
                    _unknown_column(out, de.value, node.args[2], col, columns)


def _unknown_column(out: Findings, de: str, arg, column: str, columns) -> None:
    close = _closest(column.lower(), columns)
    hint = f" (did you mean {close}?)" if close else ""
    out.add("AMP104", f"Data extension '{de}' has no column '{column}'{hint}",
            arg.line, arg.column, len(arg.value) + 2)


# Text-level checks: they need no AMPscript parse, so they run on broken templates too.
def check_text(source: str, out: Findings) -> None:
    if MAYBE_SSJS.search(source):
        from ..ssjs.page import script_problems

        for message, line, col in script_problems(source):
            out.add("AMP110", message, line, col)
