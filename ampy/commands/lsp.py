"""``ampy lsp``: the AMPscript language server, speaking LSP over stdin/stdout (for editors)."""

from __future__ import annotations

import sys

HELP = "run the AMPscript language server over stdio (diagnostics, completion, hover, definitions)"


def configure(p) -> None:
    p.add_argument("--stdio", action="store_true",
                   help="talk over stdin/stdout (the default and only transport; accepted for editors that pass it)")
    p.add_argument("--workspace", metavar="DIR",
                   help="the workspace for every document (default: the folder holding ampy.toml above each "
                        "document, or the editor's initializationOptions.workspace)")


def run(args) -> int:
    try:
        from ..lsp.server import build_server
    except ImportError as e:  # pygls is a dependency; a broken install says so instead of a traceback
        print(f"ampy lsp: the language server needs pygls ({e})", file=sys.stderr)
        return 2
    server = build_server()
    if args.workspace:
        server.workspace_option = args.workspace
    server.start_io()
    return 0
