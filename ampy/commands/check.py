"""``ampy check PATH...``: lint templates (syntax errors, unknown functions, argument counts and
coded warnings); see README "Checking templates"."""

from __future__ import annotations

import os
import sys

from ._common import UsageError, read_source

HELP = "lint templates: every syntax error, unknown functions, argument counts and warnings (AMPxxx codes)"
EXTENSIONS = (".amp", ".ampscript", ".html", ".txt")


def configure(p) -> None:
    p.add_argument("files", nargs="+", metavar="PATH",
                   help=f"files or directories (walked for {', '.join(EXTENSIONS)}); - reads stdin")
    p.add_argument("--workspace", metavar="DIR",
                   help="check data extension and column names against this workspace "
                        "(files under its content/ are email content)")
    p.add_argument("--de", metavar="NAME",
                   help="the sendable data extension: attributes must be its columns "
                        "(needs --workspace, or run inside one)")
    p.add_argument("--context", choices=("page", "email", "sms"),
                   help="warn about functions not available where the template renders")
    p.add_argument("--format", choices=("text", "json", "sarif"), default="text",
                   help="text on stderr (default), or JSON / SARIF 2.1.0 on stdout")
    p.add_argument("--strict", action="store_true", help="warnings fail the check too (exit 1)")


def _paths(args_files: list[str]) -> list[str]:
    """The files to check: named files as given, directories walked in a stable order."""
    found: list[str] = []
    for path in args_files:
        if path == "-" or os.path.isfile(path):
            found.append(path)
        elif os.path.isdir(path):
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found.extend(os.path.normpath(os.path.join(root, f)) for f in sorted(files)
                             if f.lower().endswith(EXTENSIONS) and not f.startswith("."))
        else:
            raise UsageError(f"cannot read {path}: No such file or directory")
    return found


def _workspace(args) -> str | None:
    if args.workspace:
        if not os.path.isdir(args.workspace):
            raise UsageError(f"--workspace {args.workspace}: no such directory")
        return args.workspace
    if args.de:
        if os.path.isdir("dataextensions"):
            return "."
        raise UsageError("--de needs --workspace DIR (or run inside a workspace)")
    return None


def run(args) -> int:
    from .. import __version__
    from ..lint import lint_source, report

    try:
        workspace = _workspace(args)
        paths = _paths(args.files)
        results = []
        for path in paths:
            source = read_source(path)
            name = "<stdin>" if path == "-" else path
            found = lint_source(source, name, workspace=workspace, context=args.context, de=args.de)
            results.append((name, source, found))
    except UsageError as e:
        print(f"ampy: {e}", file=sys.stderr)
        return 2
    if args.format == "json":
        sys.stdout.write(report.as_json(results))
    elif args.format == "sarif":
        sys.stdout.write(report.sarif(results, __version__))
    else:
        sys.stderr.write(report.text(results))
    severities = {d.severity for _, _, found in results for d in found}
    return 1 if "error" in severities or (args.strict and severities) else 0
