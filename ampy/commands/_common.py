"""Options shared by the commands that render: input, attributes, backend, context, request."""

from __future__ import annotations

import argparse
import json
import sys


class UsageError(Exception):
    """Bad command-line input: reported on stderr, exit code 2."""


def add_backend_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("where data comes from")
    g.add_argument("--workspace", metavar="DIR", help="a local Marketing Cloud workspace (see `ampy init`)")
    g.add_argument("--data", metavar="DIR", help="folder of CSV data extensions (one DE per file)")
    g.add_argument("--content", metavar="DIR", help="folder of content blocks (file stem = key/name/id)")
    g.add_argument("--backend", choices=("local", "soap"), default="local",
                   help="local (embedded cloud, default) or soap (a real tenant)")
    g.add_argument("--profile", metavar="NAME", help="tenant profile for --backend soap")


def add_render_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("render")
    g.add_argument("--attr", action="append", default=[], metavar="NAME=VALUE",
                   help="a subscriber attribute (repeatable)")
    g.add_argument("--attributes", metavar="FILE.json", help="subscriber attributes as a JSON object")
    g.add_argument("--context", choices=("page", "email", "sms"), default="page",
                   help="render context: page (CloudPage, default), email or sms")
    r = p.add_argument_group("CloudPage request (Sites functions)")
    r.add_argument("--query", action="append", default=[], metavar="NAME=VALUE", help="query-string parameter")
    r.add_argument("--form", action="append", default=[], metavar="NAME=VALUE", help="form (POST) parameter")
    r.add_argument("--header", action="append", default=[], metavar="NAME=VALUE", help="request header")
    r.add_argument("--url", metavar="URL", help="the page URL")


def parse_pairs(items: list[str], what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        if "=" not in item:
            raise UsageError(f"{what} must look like NAME=VALUE, got {item!r}")
        k, v = item.split("=", 1)
        out[k.strip()] = v
    return out


def attributes_from(args) -> dict[str, object]:
    attrs: dict[str, object] = {}
    if getattr(args, "attributes", None):
        try:
            with open(args.attributes, encoding="utf-8") as f:
                data = json.load(f)
        except OSError as e:
            raise UsageError(f"cannot read {args.attributes}: {e.strerror}") from None
        except ValueError as e:
            raise UsageError(f"{args.attributes} is not valid JSON: {e}") from None
        if not isinstance(data, dict):
            raise UsageError(f"{args.attributes} must hold a JSON object of attribute names to values")
        attrs.update({str(k): ("" if v is None else v if isinstance(v, str) else json.dumps(v)
                               if isinstance(v, (list, dict)) else v) for k, v in data.items()})
    attrs.update(parse_pairs(getattr(args, "attr", []), "--attr"))
    return attrs


def request_from(args):
    from ..runtime.request import RequestContext

    kw = {}
    if getattr(args, "url", None):
        kw["url"] = args.url
    form = parse_pairs(getattr(args, "form", []), "--form")
    return RequestContext(query=parse_pairs(getattr(args, "query", []), "--query"), form=form,
                          headers=parse_pairs(getattr(args, "header", []), "--header"),
                          method="POST" if form else "GET", **kw)


def backend_from(args):
    from ..backends import open_backend

    return open_backend(args.backend, workspace=args.workspace, data_dir=args.data, content_dir=args.content,
                        profile=getattr(args, "profile", None))


def read_source(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    try:
        with open(path, encoding="utf-8-sig") as f:
            return f.read()
    except OSError as e:
        raise UsageError(f"cannot read {path}: {e.strerror}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path} is not UTF-8 text") from None


def fail_usage(message: str) -> int:
    print(f"ampy: {message}", file=sys.stderr)
    return 2
