"""``ampy render FILE --de NAME``: render a template once per row of an audience (a data extension, a
CSV or a Parquet file), with that row as the subscriber's attributes (what a send does, without
sending). Large audiences render in worker processes (``--jobs``) or on a Dask cluster
(``--engine dask``); the output keeps the audience's order whatever the engine."""

from __future__ import annotations

import sys

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
    read_template,
    request_from,
    write_output,
)
from ._trace import Debugging, add_debug_options

HELP = "render a template once per audience row (each row as the subscriber's attributes)"


def configure(p) -> None:
    p.add_argument("file", help="the .amp template (the HTML body), or - to read stdin")
    src = p.add_argument_group("the audience (one of)")
    src.add_argument("--de", metavar="NAME", help="data extension holding the subscribers")
    src.add_argument("--csv", metavar="FILE", help="a CSV file of subscribers (header row = attribute names)")
    src.add_argument("--parquet", metavar="FILE", help="a Parquet file of subscribers (needs pyarrow)")
    p.add_argument("--where", action="append", default=[], metavar="COLUMN=VALUE",
                   help="with --de: only rows whose column equals the value (repeatable, case-insensitive)")
    add_limit_option(p, rows=True)
    p.add_argument("--key", metavar="COLUMN",
                   help="column naming each output file, any case (default: the row number)")
    p.add_argument("--out", metavar="PATH",
                   help="html/eml: write one file per row into this folder (html default: stdout); "
                        "jsonl: the file to write (default: stdout)")
    p.add_argument("--format", choices=("html", "jsonl", "eml"), default="html",
                   help="html: the rendered body; jsonl: one JSON object per row (key, subject, html, text, "
                        "error); eml: complete messages as a send delivers them (needs --out)")
    p.add_argument("--subject", metavar="TEXT", help="the subject line, AMPscript allowed (jsonl, eml)")
    p.add_argument("--text", metavar="FILE", help="the text body template (jsonl, eml)")
    p.add_argument("--from", dest="sender", metavar="'NAME <ADDRESS>'", default="ampy <noreply@example.com>",
                   help="the From of --format eml messages (default: %(default)s)")
    run_group = p.add_argument_group("how it runs")
    run_group.add_argument("--jobs", type=int, metavar="N",
                           help="worker processes (default: one per core; 1 renders in this process)")
    run_group.add_argument("--batch-size", type=int, metavar="N",
                           help="rows per batch sent to a worker (default: 500); an audience of one batch "
                                "renders in this process")
    run_group.add_argument("--engine", choices=("local", "dask"), default="local",
                           help="local processes (default) or a Dask cluster (pip install 'ampy[dask]')")
    run_group.add_argument("--scheduler", metavar="ADDRESS",
                           help="with --engine dask: the scheduler of an existing cluster, e.g. tcp://host:8786 "
                                "(default: start a local cluster of --jobs workers)")
    add_render_options(p, default_context="email")  # a send renders emails
    add_backend_options(p)
    add_debug_options(p)


def run(args) -> int:
    from ..audience.run import AudienceRender, OptionError, RenderFailed

    try:
        plan = _plan(args)
    except UsageError as e:
        return fail_usage(str(e))
    try:
        return AudienceRender(**plan).run()
    except (UsageError, OptionError) as e:
        return fail_usage(str(e))
    except RenderFailed as e:
        print(str(e), file=sys.stderr)
        return 1


def _plan(args) -> dict:
    from email.utils import parseaddr

    from ..audience.engines import BATCH_SIZE, default_jobs

    chosen = [flag for flag, value in (("--de", args.de), ("--csv", args.csv), ("--parquet", args.parquet))
              if value]
    if len(chosen) != 1:
        raise UsageError("give the audience as one of --de NAME, --csv FILE or --parquet FILE"
                         if not chosen else f"give one audience, not {' and '.join(chosen)}")
    if args.where and not args.de:
        raise UsageError("--where filters a data extension (--de)")
    if args.format == "eml" and not args.out:
        raise UsageError("--format eml writes one message per row: give the folder with --out")
    jobs = default_jobs() if args.jobs is None else args.jobs
    if jobs < 1:
        raise UsageError("--jobs must be 1 or more")
    if args.batch_size is not None and args.batch_size < 1:
        raise UsageError("--batch-size must be 1 or more")
    if args.scheduler and args.engine != "dask":
        raise UsageError("--scheduler needs --engine dask")
    sender = parseaddr(args.sender)
    if "@" not in sender[1]:
        raise UsageError(f"--from {args.sender}: no email address")
    debug = Debugging(args)
    if (debug.target is not None or debug.show_vars) and (jobs > 1 or args.engine == "dask"):
        jobs, engine = 1, "local"  # trace records go to this process's stderr or file
    else:
        engine = args.engine
    overrides, row_limit = limit_overrides(args, rows=True)
    return {
        "source": read_template(args.file),
        "name": "<stdin>" if args.file == "-" else args.file,
        "subject": args.subject,
        "text": read_source(args.text) if args.text else None,
        "attributes": attributes_from(args),
        "where": list(parse_pairs(args.where, "--where").items()),
        "request": request_from(args),
        "overrides": overrides,
        "row_limit": row_limit,
        "debug": debug,
        "backend_factory": lambda: backend_from(args),
        "limits_for": limits_for,
        "de": args.de, "csv_path": args.csv, "parquet_path": args.parquet,
        "key": args.key, "out": args.out, "format": args.format, "sender": sender,
        "context": args.context, "jobs": jobs, "engine": engine, "scheduler": args.scheduler,
        "batch_size": args.batch_size or BATCH_SIZE,
        "write": write_output,
    }
