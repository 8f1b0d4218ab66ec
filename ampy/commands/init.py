"""``ampy init DIR``: create a local Marketing Cloud workspace with sample data."""

from __future__ import annotations

import sys

HELP = "create a local Marketing Cloud workspace (data extensions, content, definitions) in DIR"


def configure(p) -> None:
    p.add_argument("dir", help="the folder to create (it must not exist or be empty)")


def run(args) -> int:
    from ..cloud.workspace import WorkspaceExists, create_workspace

    try:
        written = create_workspace(args.dir)
    except WorkspaceExists as e:
        print(f"ampy: {e}", file=sys.stderr)
        return 2
    except OSError as e:  # where the command line points (a read-only or missing parent): usage
        print(f"ampy: cannot create {args.dir}: {e.strerror}", file=sys.stderr)
        return 2
    print(f"Created workspace {args.dir} ({len(written)} files). Try:", file=sys.stderr)
    print(f"  ampy run SCRIPT.amp --workspace {args.dir}", file=sys.stderr)
    print(f"  ampy serve --workspace {args.dir}    # email preview and CloudPages in the browser", file=sys.stderr)
    return 0
