"""``ampy check FILE...``: report syntax errors, unknown functions and wrong argument counts."""

from __future__ import annotations

import sys

from ._common import UsageError, read_source

HELP = "check files for syntax errors, unknown functions and wrong argument counts"


def configure(p) -> None:
    p.add_argument("files", nargs="+", metavar="FILE", help=".amp files to check (- for stdin)")


def run(args) -> int:
    from ..errors import AmpscriptError
    from ..template import Template

    failed = False
    for path in args.files:
        try:
            source = read_source(path)
        except UsageError as e:
            print(f"ampy: {e}", file=sys.stderr)
            return 2
        try:
            Template(source, "<stdin>" if path == "-" else path)
        except AmpscriptError as e:
            print(str(e), file=sys.stderr)
            failed = True
    return 1 if failed else 0
