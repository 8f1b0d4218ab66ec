"""``--trace``, ``--vars`` and ``--strict``: the debugging options of ``ampy run`` and ``ampy render``."""

from __future__ import annotations

import json
import sys

from ._common import UsageError


def add_debug_options(p) -> None:
    g = p.add_argument_group("debugging")
    g.add_argument("--trace", nargs="?", const="-", metavar="FILE.jsonl",
                   help="print each executed statement, the variables it changed, its builtin calls and "
                        "data lookups to stderr, or as JSON lines to FILE.jsonl (write --trace=FILE.jsonl "
                        "before the template's name)")
    g.add_argument("--vars", action="store_true", help="print the variables at the end of the render to stderr")
    g.add_argument("--strict", action="store_true",
                   help="an attribute the subscriber does not have (or a bare name that is not one) is an "
                        "error instead of an empty string")


class Debugging:
    """Where trace records go for one command; ``render_options()`` is what Template.render takes."""

    def __init__(self, args):
        self.strict = bool(getattr(args, "strict", False))
        self.show_vars = bool(getattr(args, "vars", False))
        self.target = getattr(args, "trace", None)
        self._file = None
        if self.target not in (None, "-"):
            try:
                self._file = open(self.target, "w", encoding="utf-8", newline="\n")
            except OSError as e:
                raise UsageError(f"--trace {self.target}: cannot write the file: {e.strerror}") from None

    def render_options(self) -> dict:
        options: dict = {"strict": True} if self.strict else {}
        if self.target is not None or self.show_vars:
            options["trace"] = self._record
        return options

    def _record(self, record: dict) -> None:
        from ..runtime.trace import format_record, format_variables

        if self._file is not None:
            self._file.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
        elif self.target == "-" and record["event"] == "statement":
            print(format_record(record), file=sys.stderr, flush=True)
        if self.show_vars and record["event"] == "end":
            print(format_variables(record["variables"]), file=sys.stderr, flush=True)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
