"""``ampy repl``: the interactive AMPscript REPL (or, with piped input, a line-by-line runner)."""

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
    request_from,
    sms_from,
)

HELP = "interactive AMPscript session (reads entries from stdin when it is not a terminal)"


def configure(p) -> None:
    add_render_options(p)
    add_limit_option(p)
    add_backend_options(p)


def _workspace_label(args) -> str | None:
    if args.workspace:
        return args.workspace
    parts = [p for p in (args.data, args.content) if p]
    return ", ".join(parts) or None


def run(args) -> int:
    from ..repl.session import ReplSession, run_script

    try:
        attrs = attributes_from(args)
        request = request_from(args)
        sms = sms_from(args)
        overrides, _ = limit_overrides(args)
        backend = backend_from(args)
    except UsageError as e:
        return fail_usage(str(e))
    settings = None
    if overrides:  # the workspace's settings, with these limits
        from dataclasses import replace

        from ..settings import Settings

        settings = replace(getattr(backend, "settings", None) or Settings(), limits=limits_for(backend, overrides))
    session = ReplSession(backend, kind=args.context, attributes=attrs, request=request, sms=sms,
                          backend_name=args.backend, workspace=_workspace_label(args), owns_backend=True,
                          settings=settings)
    try:
        if not sys.stdin.isatty():
            return run_script(session, sys.stdin.read(), sys.stdout, sys.stderr)
        from ..repl.app import ReplApp  # prompt_toolkit only for a terminal

        return ReplApp(session).run()
    finally:
        session.close()
