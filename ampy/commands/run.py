"""``ampy run FILE``: render one template to stdout."""

from __future__ import annotations

import sys

from ._common import (
    UsageError,
    add_backend_options,
    add_render_options,
    attributes_from,
    backend_from,
    fail_usage,
    read_source,
    request_from,
    sms_from,
)

HELP = "render an AMPscript file (or - for stdin) to stdout"


def configure(p) -> None:
    p.add_argument("file", help="the .amp file, or - to read stdin")
    add_render_options(p)
    add_backend_options(p)


def run(args) -> int:
    from ..errors import AmpscriptError
    from ..template import compile_template

    try:
        source = read_source(args.file)
        attrs = attributes_from(args)
        request = request_from(args)
        sms = sms_from(args)
        backend = backend_from(args)
    except UsageError as e:
        return fail_usage(str(e))
    name = "<stdin>" if args.file == "-" else args.file
    try:
        tpl = compile_template(source, name=name)
        output = tpl.render(attributes=attrs, backend=backend, context=args.context, request=request,
                             sms=sms)
    except AmpscriptError as e:
        print(str(e), file=sys.stderr)
        return 1
    finally:
        backend.close()
    if request.redirect is not None:  # Redirect(): the page answers HTTP 302 and its output is discarded
        print(f"ampy: Redirect to {request.redirect} (HTTP 302; the page output is discarded)", file=sys.stderr)
    sys.stdout.write(output)
    sys.stdout.flush()
    return 0
