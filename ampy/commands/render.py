"""``ampy render FILE --de NAME``: render a template once per row of a data extension, with
that row as the subscriber's attributes (what a send does, without sending)."""

from __future__ import annotations

import os
import re
import sys

from ..textfiles import encodable
from ._common import (
    UsageError,
    add_backend_options,
    add_limit_option,
    add_render_options,
    attributes_from,
    backend_from,
    fail_usage,
    limit_overrides,
    limits_for,
    parse_pairs,
    read_source,
    request_from,
    write_output,
)
from ._trace import Debugging, add_debug_options

HELP = "render a template once per data-extension row (each row as the subscriber's attributes)"

_UNSAFE = re.compile(r"[^A-Za-z0-9._@-]+")


def configure(p) -> None:
    p.add_argument("file", help="the .amp template, or - to read stdin")
    p.add_argument("--de", required=True, metavar="NAME", help="data extension holding the subscribers")
    p.add_argument("--where", action="append", default=[], metavar="COLUMN=VALUE",
                   help="only rows whose column equals the value (repeatable, case-insensitive)")
    add_limit_option(p, rows=True)
    p.add_argument("--key", metavar="COLUMN",
                   help="column naming each output file, any case (default: the row number)")
    p.add_argument("--out", metavar="DIR", help="write one file per row into DIR (default: stdout)")
    add_render_options(p, default_context="email")  # a send renders emails
    add_backend_options(p)
    add_debug_options(p)


def _key_column(wanted: str | None, rows: list[dict]) -> str | None:
    """The row column ``--key`` names, matched case-insensitively as Marketing Cloud matches field
    names; a column the data extension does not have is a UsageError listing those it has."""
    if not wanted or not rows:
        return None
    columns = list(rows[0])
    for column in columns:
        if column.casefold() == wanted.casefold():
            return column
    raise UsageError(f"--key {wanted}: no such column; the columns are {', '.join(columns)}")


def run(args) -> int:
    from ..backends.base import BackendError
    from ..errors import AmpscriptError
    from ..runtime.system_attributes import subscriber_attributes
    from ..template import compile_template

    try:
        source = read_source(args.file)
        shared = attributes_from(args)
        where = list(parse_pairs(args.where, "--where").items())
        request = request_from(args)
        overrides, row_limit = limit_overrides(args, rows=True)
        debug = Debugging(args)
        backend = backend_from(args)
    except UsageError as e:
        return fail_usage(str(e))
    name = "<stdin>" if args.file == "-" else args.file
    limits = limits_for(backend, overrides)
    failed = 0
    try:
        try:
            tpl = compile_template(source, name=name, limits=limits)
            rows = backend.lookup(args.de, where, limit=row_limit)
        except AmpscriptError as e:
            print(str(e), file=sys.stderr)
            return 1
        except BackendError as e:  # a missing DE or unreadable CSV
            print(f"ampy: {e}", file=sys.stderr)
            return 1
        try:
            key = _key_column(args.key, rows)
        except UsageError as e:
            return fail_usage(str(e))
        if args.out:
            if os.path.exists(args.out) and not os.path.isdir(args.out):
                return fail_usage(f"--out {args.out} is a file; give a folder for the rendered files")
            try:
                os.makedirs(args.out, exist_ok=True)
            except OSError as e:
                return fail_usage(f"--out {args.out}: cannot create the folder: {e.strerror}")
        written: set[str] = set()
        for n, row in enumerate(rows, start=1):
            attrs = dict(shared)
            attrs.update(subscriber_attributes(row))
            label = str(row.get(key) or n) if key else str(n)
            try:
                output = tpl.render(attributes=attrs, backend=backend, context=args.context, request=request,
                                    limits=limits, **debug.render_options())
            except AmpscriptError as e:
                failed += 1
                print(f"row {n} ({label}): {e}", file=sys.stderr)
                continue
            if args.out:
                stem = _UNSAFE.sub("_", label)
                if stem in written:  # two rows share a key value: keep both files
                    stem = f"{stem}-{n}"
                written.add(stem)
                path = os.path.join(args.out, f"{stem}.html")
                try:
                    with open(path, "w", encoding="utf-8", newline="") as f:
                        f.write(encodable(output))
                except OSError as e:
                    return fail_usage(f"cannot write {path}: {e.strerror}")
            else:
                write_output(output if output.endswith("\n") else output + "\n")
        print(f"rendered {len(rows) - failed} of {len(rows)} row(s)" + (f", {failed} failed" if failed else ""),
              file=sys.stderr)
    finally:
        backend.close()
        debug.close()
    return 1 if failed else 0
