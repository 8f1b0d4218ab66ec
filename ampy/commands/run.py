"""``ampy run FILE``: render one template to stdout."""

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
    read_template,
    request_from,
    sms_from,
    write_output,
)
from ._trace import Debugging, add_debug_options

HELP = "render an AMPscript file (or - for stdin) to stdout"


def configure(p) -> None:
    p.add_argument("file", help="the .amp file, or - to read stdin")
    p.add_argument("--watch", action="store_true",
                   help="render again on every save of the file, its content blocks, data CSVs or schemas "
                        "(Ctrl-C stops)")
    p.add_argument("--content-type", choices=("html", "text"), default=None,
                   help="how Guide Template Language escapes {{ }} output: html (escaped) or text "
                        "(as is); default: text for a .txt file, else html")
    add_render_options(p)
    add_limit_option(p)
    add_backend_options(p)
    add_debug_options(p)


def run(args) -> int:
    if getattr(args, "watch", False):
        return _watch(args)
    from ..errors import AmpscriptError
    from ..template import compile_template

    try:
        source = read_template(args.file)
        attrs = attributes_from(args)
        request = request_from(args)
        sms = sms_from(args)
        overrides, _ = limit_overrides(args)
        debug = Debugging(args)
        backend = backend_from(args)
    except UsageError as e:
        return fail_usage(str(e))
    name = "<stdin>" if args.file == "-" else args.file
    limits = limits_for(backend, overrides)
    try:
        tpl = compile_template(source, name=name, limits=limits)
        output = tpl.render(attributes=attrs, backend=backend, context=args.context, request=request,
                             sms=sms, limits=limits, content_type=_content_type(args),
                             **debug.render_options())
    except AmpscriptError as e:
        print(str(e), file=sys.stderr)
        return 1
    finally:
        backend.close()
        debug.close()
    if request.redirect is not None:  # Redirect(): the page answers HTTP 302 and its output is discarded
        print(f"ampy: Redirect to {request.redirect} (HTTP 302; the page output is discarded)", file=sys.stderr)
    write_output(output)
    return 0


def _content_type(args) -> str:
    """A text email part (.txt) is rendered unescaped, as a send renders its text version."""
    if args.content_type:
        return args.content_type
    return "text" if args.file.lower().endswith(".txt") else "html"


def _watch(args) -> int:
    """``--watch``: run once, then again after each burst of saves; Ctrl-C ends with exit code 0."""
    import argparse
    import os

    from ..workbench.live import IGNORED_DIRS, watch_changes

    if args.file == "-":
        return fail_usage("--watch needs a file, not stdin")
    once = argparse.Namespace(**{**vars(args), "watch": False})
    template = os.path.abspath(args.file)
    folders = [os.path.abspath(p) for p in (args.workspace, args.data, args.content) if p]
    ignore = [os.path.join(f, d) for f in folders for d in IGNORED_DIRS]
    # The template's folder is watched (editors save by replacing the file), but only it counts there.
    only = [template, *folders]
    try:
        run(once)
        print(f"ampy: watching {args.file} (Ctrl-C to stop)", file=sys.stderr, flush=True)
        for changed in watch_changes([os.path.dirname(template), *folders], ignore_paths=ignore, only=only):
            names = ", ".join(os.path.relpath(p) for p in changed)
            print(f"ampy: {names} changed, running again", file=sys.stderr, flush=True)
            run(once)
    except KeyboardInterrupt:
        pass
    return 0
