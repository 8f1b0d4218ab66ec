"""``ampy functions [NAME]``: list the builtin functions, or show one function's documentation.

Everything printed comes from the builtin registry, which is also the source of the generated
reference page (``reference_markdown``, written to docs/functions.md by scripts/gen_function_docs.py).
"""

from __future__ import annotations

import sys

# One function's documentation is also the language server's hover text, so it lives with the registry.
from ..registry import contexts_text, describe  # noqa: F401

HELP = "list the builtin functions, or show the documentation of one"

# The official reference's category order; categories not listed here follow alphabetically.
CATEGORY_ORDER = ("String", "Math", "Utilities", "Date & Time", "Data Extension", "Content", "Encryption",
                  "HTTP", "Sites", "SOAP API", "Sales & Service Cloud", "Microsoft Dynamics CRM",
                  "SMS/MobileConnect", "Contacts", "Social", "Einstein")
SIGNATURE_COLUMN_MAX = 64   # longer signatures push their category out instead of widening every line


def configure(p) -> None:
    p.add_argument("name", nargs="?", metavar="NAME", help="a function name (any case) to document")
    p.add_argument("--category", metavar="CATEGORY", help="list only this category (any case)")
    p.add_argument("--markdown", action="store_true", help="print the whole reference as Markdown")


def run(args) -> int:
    from ..registry import all_builtins, closest_names, lookup

    if args.markdown:
        sys.stdout.write(reference_markdown())
        return 0
    if args.name:
        b = lookup(args.name.strip())
        if b is None:
            close = closest_names(args.name.strip())
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            print(f"ampy: unknown function '{args.name}'{hint}", file=sys.stderr)
            return 2
        sys.stdout.write(describe(b))
        return 0
    builtins = all_builtins()
    if args.category:
        want = args.category.strip().lower()
        builtins = [b for b in builtins if b.category.lower() == want]
        if not builtins:
            known = ", ".join(sorted({b.category for b in all_builtins()}))
            print(f"ampy: unknown category '{args.category}' (one of: {known})", file=sys.stderr)
            return 2
    sys.stdout.write(listing(builtins))
    return 0


def listing(builtins) -> str:
    """One line per function: name, signature and category in aligned columns."""
    if not builtins:
        return ""
    name_w = max(len(b.name) for b in builtins)
    sig_w = min(max(len(b.signature) for b in builtins), SIGNATURE_COLUMN_MAX)
    lines = [f"{b.name:<{name_w}}  {b.signature:<{sig_w}}  {b.category}" for b in builtins]
    return "\n".join(lines) + "\n"


def _category_key(category: str) -> tuple[int, str]:
    try:
        return CATEGORY_ORDER.index(category), ""
    except ValueError:
        return len(CATEGORY_ORDER), category.lower()


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def reference_markdown() -> str:
    """The function reference page, generated from the registry (docs/functions.md)."""
    from ..registry import ALL_CONTEXTS, all_builtins

    builtins = all_builtins()
    by_category: dict[str, list] = {}
    for b in builtins:
        by_category.setdefault(b.category, []).append(b)
    categories = sorted(by_category, key=_category_key)
    out = ["# AMPscript function reference", "",
           "Generated from ampy's builtin registry by `scripts/gen_function_docs.py`; do not edit by hand.",
           "The same text is available from the command line: `ampy functions` and `ampy functions NAME`.",
           "", f"{len(builtins)} functions in {len(categories)} categories:", ""]
    out += [f"- [{c} ({len(by_category[c])})](#{_anchor(f'{c} ({len(by_category[c])})')})" for c in categories]
    for c in categories:
        out += ["", f"## {c} ({len(by_category[c])})", "",
                "| Function | Arguments | Where | Behaviour | Local cloud / SOAP tenant |", "|---|---|---|---|---|"]
        for b in by_category[c]:
            where = "anywhere" if b.contexts == ALL_CONTEXTS else contexts_text(b)
            out.append(f"| `{_cell(b.signature)}` | {b.arity_text()} | {_cell(where)} | {_cell(b.doc)} "
                       f"| {_cell(backend_text(b))} |")
    return "\n".join(out) + "\n"


def backend_text(b) -> str:
    """What a builtin does with the ``local`` and the ``soap`` backend (its declaration's notes)."""
    local, soap = b.extra.get("local", ""), b.extra.get("soap", "")
    if not local and not soap:
        return "The same on both: computed from its arguments and the render, no stored data."
    if local == soap or not soap:
        return f"Both: {local}"
    return f"Local: {local} SOAP: {soap}"


def _anchor(heading: str) -> str:
    """GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens."""
    return "".join(ch for ch in heading.lower() if ch.isalnum() or ch in " -_").replace(" ", "-")
