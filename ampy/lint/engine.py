"""``lint_source``: every finding of one template, sorted by position."""

from __future__ import annotations

import os

from ..errors import AmpscriptError
from ..syntax.parser import parse_all
from . import rules, silence
from .diagnostic import Diagnostic
from .workspace_schema import data_extensions, is_email_content

MAX_SYNTAX_ERRORS = 50


def lint_source(source: str, name: str = "<string>", *, workspace: str | None = None,
                context: str | None = None, de: str | None = None) -> list[Diagnostic]:
    """Lint one template. ``workspace`` enables the data extension checks (and makes files under
    its ``content/`` email content); ``context`` (page, email or sms) enables the availability
    check; ``de`` names the sendable data extension whose columns attributes must be."""
    out = rules.Findings(source)
    tree, errors = parse_all(source, name, limit=MAX_SYNTAX_ERRORS)
    for e in errors:
        code = "AMP105" if e.message.startswith("Smart quote") else "AMP001"
        out.add(code, e.message, max(e.line, 1), max(e.column, 1))
    des = data_extensions(workspace) if workspace else None
    if context is None and workspace and name not in ("<string>", "<stdin>", "-") and \
            is_email_content(workspace, name):
        context = "email"
    nodes = rules.ordered_nodes(tree) if tree is not None else []
    if tree is not None:
        rules.check_functions(nodes, out, context)  # also in what parsed of a broken template
    if tree is not None and not errors:
        if not out.items:
            _compile(tree, out)
        attributes = None
        if de is not None and des is not None:
            attributes = des.get(de.lower())
            if attributes is None:
                out.add("AMP103", f"Data extension '{de}' (--de) is not in the workspace", 1, 1, 1)
        rules.check_tree(tree, nodes, out, attributes=attributes, data_extensions=des)
    rules.check_text(source, out)
    found = silence.apply(source, out.items)
    return sorted(set(found), key=lambda d: (d.line, d.column, d.code, d.message))


def _compile(tree, out: rules.Findings) -> None:
    """What only the compiler finds (nesting limits and the like)."""
    from ..compiler import compile_ast

    try:
        compile_ast(tree)
    except AmpscriptError as e:
        out.add("AMP001", e.message, max(e.line, 1), max(e.column, 1))


def lint_path(path: str, **options) -> list[Diagnostic]:
    """Lint a file (``os.fsdecode``-able path); decoding errors surface as OSError/UnicodeError."""
    with open(path, encoding="utf-8-sig") as f:
        source = f.read()
    return lint_source(source, os.fspath(path), **options)
