"""The ``ampy`` command line. Sub-commands live in ampy/commands/<name>.py, each exposing
``HELP``, ``configure(parser)`` and ``run(args) -> int``; they import heavy libraries (zeep,
prompt_toolkit) only inside ``run`` so that start-up stays light.

Exit codes: 0 ok, 1 script error, 2 usage error. stdout carries only rendered output.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = ("run", "render", "check", "functions", "repl", "serve", "init", "lsp")


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="ampy",
        description="Run AMPscript (Salesforce Marketing Cloud) locally, against an embedded local "
                    "Marketing Cloud or a real tenant.")
    parser.add_argument("--version", action="version", version=f"ampy {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"ampy.commands.{name}")
        except ModuleNotFoundError as e:
            if e.name == f"ampy.commands.{name}":
                continue  # command not shipped in this build
            raise
        p = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.configure(p)
        p.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args._run(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
