"""Options shared by the commands that render: input, attributes, backend, context, request."""

from __future__ import annotations

import argparse
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


def add_render_options(p: argparse.ArgumentParser, *, default_context: str = "page") -> None:
    """The render options; ``default_context`` is the command's own default (render: email)."""
    g = p.add_argument_group("render")
    g.add_argument("--attr", action="append", default=[], metavar="NAME=VALUE",
                   help="a subscriber attribute (repeatable)")
    g.add_argument("--attributes", metavar="FILE.json", help="subscriber attributes as a JSON object")
    g.add_argument("--context", choices=("page", "email", "sms"), default=default_context,
                   help=f"render context: page (CloudPage), email or sms (default: {default_context})")
    r = p.add_argument_group("CloudPage request (Sites functions)")
    r.add_argument("--query", action="append", default=[], metavar="NAME=VALUE", help="query-string parameter")
    r.add_argument("--form", action="append", default=[], metavar="NAME=VALUE", help="form (POST) parameter")
    r.add_argument("--header", action="append", default=[], metavar="NAME=VALUE", help="request header")
    r.add_argument("--url", metavar="URL", help="the page URL")
    r.add_argument("--cookie", action="append", default=[], metavar="NAME=VALUE", help="request cookie")
    r.add_argument("--auth", action="append", default=[], metavar="NAME=VALUE",
                   help="an Authenticated* value, e.g. MemberID=123 or EmployeeUserName=a@b.c")
    r.add_argument("--smart-capture", action="store_true",
                   help="the page is a Smart Capture form post (IsNullDefault returns its default)")
    s = p.add_argument_group("MobileConnect message (SMS functions, with --context sms)")
    s.add_argument("--sms-text", metavar="TEXT",
                   help="the inbound message text (MSG(0)); its first word is the keyword, unless an "
                        "open conversation with this number and code routes it to its next keyword")
    s.add_argument("--mobile-number", metavar="NUMBER", default="", help="the sender's mobile number")
    s.add_argument("--short-code", metavar="CODE", default="", help="the code the message was sent to")
    s.add_argument("--mms-url", action="append", default=[], metavar="URL", help="an MMS attachment URL (repeatable)")


def add_limit_option(p: argparse.ArgumentParser, *, rows: bool = False) -> None:
    """``--limit NAME=VALUE`` (repeatable): a render limit for this run, over ampy.toml's [limits].
    ``ampy render`` also keeps its older form ``--limit N``: at most N rows."""
    from ..limits import Limits

    what = "a render limit for this run, over ampy.toml [limits] (repeatable; " \
           f"names: {', '.join(Limits.names())})"
    p.add_argument("--limit", action="append", default=[], metavar="N|NAME=VALUE" if rows else "NAME=VALUE",
                   help=f"at most N rows, or {what}" if rows else what)


def limit_overrides(args, *, rows: bool = False) -> tuple[dict[str, int | float], int | None]:
    """The ``--limit NAME=VALUE`` values, checked (a bad one is a UsageError), and for ``rows`` the
    row count of a bare ``--limit N``."""
    from ..limits import parse_limit

    overrides: dict[str, int | float] = {}
    row_limit = None
    for item in getattr(args, "limit", None) or []:
        if rows and "=" not in item and item.strip().isdigit():
            row_limit = int(item)
            continue
        if "=" not in item:
            raise UsageError(f"--limit must look like NAME=VALUE, got {item!r}")
        name, value = (part.strip() for part in item.split("=", 1))
        try:
            overrides[name] = parse_limit(name, value)
        except ValueError as e:
            raise UsageError(f"--limit {e}") from None
    return overrides, row_limit


def limits_for(backend, overrides: dict):
    """The limits of this run: the backend's settings ([limits] of ampy.toml) with the overrides."""
    from ..limits import DEFAULT_LIMITS

    base = getattr(getattr(backend, "settings", None), "limits", None) or DEFAULT_LIMITS
    return base.with_overrides(**overrides)


def parse_pairs(items: list[str], what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        if "=" not in item:
            raise UsageError(f"{what} must look like NAME=VALUE, got {item!r}")
        k, v = item.split("=", 1)
        out[k.strip()] = v
    return out


def attributes_from(args) -> dict[str, object]:
    from ..attributes import AttributesFileError, load_attributes

    attrs: dict[str, object] = {}
    if getattr(args, "attributes", None):
        try:
            attrs.update(load_attributes(args.attributes))
        except AttributesFileError as e:
            raise UsageError(str(e)) from None
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
                          cookies=parse_pairs(getattr(args, "cookie", []), "--cookie"),
                          authenticated=parse_pairs(getattr(args, "auth", []), "--auth"),
                          smart_capture=bool(getattr(args, "smart_capture", False)),
                          method="POST" if form else "GET", **kw)


def sms_from(args):
    """The inbound MobileConnect message given by --sms-text/--mobile-number/--short-code/--mms-url,
    or None when none of them is used."""
    text = getattr(args, "sms_text", None)
    urls = list(getattr(args, "mms_url", []) or [])
    number = getattr(args, "mobile_number", "") or ""
    code = getattr(args, "short_code", "") or ""
    if text is None and not urls and not number and not code:
        return None
    from ..runtime.sms import SmsMessage

    return SmsMessage(text=text or "", mobile_number=number, short_code=code, mms_urls=urls)


def backend_from(args):
    """The backend the options name; a backend that cannot be opened is a UsageError."""
    return open_backend_or_fail(args.backend, workspace=args.workspace, data_dir=args.data,
                                content_dir=args.content, profile=getattr(args, "profile", None))


def open_backend_or_fail(kind: str, **options):
    """``open_backend`` with every way of failing to open (no tenant credentials, an unknown profile,
    a workspace that is not a folder, a broken ampy.toml or store) turned into a UsageError: these are
    problems with what the command line points at, not with a script."""
    import sqlite3

    from ..backends import open_backend
    from ..backends.base import BackendError

    try:
        return open_backend(kind, **options)
    except BackendError as e:  # CredentialsError included
        raise UsageError(str(e)) from None
    except OSError as e:
        if e.filename:
            raise UsageError(f"cannot open {e.filename}: {e.strerror}") from None
        raise UsageError(f"cannot open the {kind} backend: {e}") from None
    except sqlite3.Error as e:
        raise UsageError(f"cannot open the workspace store: {e}") from None


def read_source(path: str) -> str:
    """The template text of a file or ``-`` (stdin): the same bytes are read the same way from
    both, and bytes that are not text are refused with their offset, never replaced."""
    from ..textfiles import NotText, decode_text, read_text_file

    try:
        if path == "-":
            stdin = getattr(sys.stdin, "buffer", None)
            raw = stdin.read() if stdin is not None else sys.stdin.read().encode("utf-8", "surrogateescape")
            text = decode_text(raw, "<stdin>")
        else:
            text = read_text_file(path, path)
    except OSError as e:
        raise UsageError(f"cannot read {path}: {e.strerror}") from None
    except NotText as e:
        raise UsageError(str(e)) from None
    # Newlines as text mode reads them (a template's \r\n became \n before), for both sources.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_template(path: str) -> str:
    """:func:`read_source`, except that a ``.json`` file holding an exported Content Builder asset
    (an object with ``content`` or ``views``) is flattened into its template text first."""
    text = read_source(path)
    if not path.lower().endswith(".json"):
        return text
    import json

    from ..errors import FunctionError
    from ..gtl.assets import flatten_asset

    try:
        asset = json.loads(text)
    except ValueError:
        return text
    if not isinstance(asset, dict) or not ("content" in asset or "views" in asset):
        return text
    try:
        return flatten_asset(asset)
    except FunctionError as e:
        raise UsageError(f"{path}: {e}") from None


def write_output(text: str) -> None:
    """Rendered text to stdout as UTF-8, whatever the terminal's encoding (lone surrogates as U+FFFD)."""
    from ..textfiles import encodable

    text = encodable(text)
    out = getattr(sys.stdout, "buffer", None)
    if out is None:  # a replaced stdout (tests, embedding) takes text
        sys.stdout.write(text)
        return
    sys.stdout.flush()
    out.write(text.encode("utf-8"))
    out.flush()


def fail_usage(message: str) -> int:
    print(f"ampy: {message}", file=sys.stderr)
    return 2
