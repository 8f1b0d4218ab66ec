"""``ampy serve --workspace DIR``: the workbench on one port: the workspace's local cloud as the
Partner (SOAP) API, token endpoint and campaign REST; the email preview at ``/``; the workspace's
CloudPages (``cloudpages/``) at their paths. It listens on 127.0.0.1 unless ``--host`` says
otherwise (a non-loopback address prints a warning: nothing here asks who is calling).

Credentials live in ``<workspace>/.ampy/users.json`` (hashed): ``--add-user NAME`` adds a SOAP user
(UsernameToken), ``--add-client ID`` an API client for ``/v2/token`` (one per run); both read the
secret from stdin with ``--secret-stdin``, else a client gets a generated secret (printed once) and
a user is prompted for a password on the terminal. Adding a name that exists replaces its secret
(how a secret is rotated) and says so; a client keeps its account id unless ``--account-id`` is given.
"""

from __future__ import annotations

import os
import sys

from ._common import UsageError, fail_usage, open_backend_or_fail

HELP = ("serve a workspace: email preview, CloudPages, and the Partner (SOAP) API, token endpoint and "
        "campaign REST, on one port")


def _port(text: str) -> int:
    """argparse type of --port: a TCP port number (0 lets the system pick a free one)."""
    import argparse

    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (0-65535)")
    return port


def _positive(text: str) -> int:
    import argparse

    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"{number} is not a positive number")
    return number


def configure(p) -> None:
    p.add_argument("--workspace", metavar="DIR", required=True, help="the workspace to serve")
    p.add_argument("--host", default="127.0.0.1",
                   help="interface to listen on (default 127.0.0.1; any other address is reachable from "
                        "other machines and prints a warning)")
    p.add_argument("--port", type=_port, default=8080,
                   help="port to listen on, 0-65535 (default 8080; 0 = any free port)")
    p.add_argument("--threads", type=_positive, default=8, help="worker threads (default 8)")
    p.add_argument("--max-body", type=int, default=None, metavar="BYTES",
                   help="largest accepted request body (default 4 MiB)")
    p.add_argument("--max-response", type=_positive, default=None, metavar="BYTES",
                   help="most bytes of objects in one Retrieve answer; more pages with MoreDataAvailable "
                        "(default 8 MiB)")
    p.add_argument("--max-properties", type=_positive, default=None, metavar="N",
                   help="most distinct Properties one RetrieveRequest may ask for (default 500)")
    p.add_argument("--token-lifetime", type=int, default=None, metavar="SECONDS",
                   help="lifetime of issued access tokens (default 1080)")
    p.add_argument("--public-url", metavar="URL",
                   help="the URL clients reach the server at (default: taken from each request's Host)")
    p.add_argument("--no-reload", dest="live_reload", action="store_false",
                   help="no live reload (by default pages and the preview reload when a workspace file changes)")
    g = p.add_argument_group(
        "credentials (written to <workspace>/.ampy/users.json, then exit)",
        "Add one user or one client per run. An existing name gets the new secret (the old one stops "
        "working) and the message says it was replaced.")
    g.add_argument("--add-user", metavar="NAME",
                   help="add a SOAP user (WS-Security UsernameToken); the password is asked for on the "
                        "terminal unless --secret-stdin")
    g.add_argument("--add-client", metavar="CLIENT_ID",
                   help="add an API client (OAuth2 client credentials); the secret is generated and "
                        "printed once unless --secret-stdin")
    g.add_argument("--account-id", metavar="MID",
                   help="account id (MID) recorded with --add-client (a replaced client keeps its own)")
    g.add_argument("--secret-stdin", action="store_true",
                   help="read the password/secret from the first line of stdin")


def _read_secret(args, what: str) -> str:
    """The new password or client secret; a UsageError when there is none to be had."""
    if args.secret_stdin:
        secret = sys.stdin.readline().rstrip("\r\n")
    elif what == "secret":
        import secrets

        secret = secrets.token_urlsafe(24)
        print(f"client secret (shown once): {secret}")
    else:
        secret = _prompt_password()
    if not secret:
        raise UsageError(f"the {what} is empty")
    return secret


def _prompt_password() -> str:
    # Piped input without --secret-stdin is almost always a password meant for --secret-stdin;
    # getpass would fall back to reading it with a warning, or fail without a terminal.
    if not sys.stdin.isatty():
        raise UsageError("no terminal to read the password from; use --secret-stdin")
    import getpass

    try:
        from termios import error as terminal_error
    except ImportError:  # no termios off POSIX; getpass then reads the console
        terminal_error = EOFError
    try:
        first = getpass.getpass("password: ")
        again = getpass.getpass("again: ")
    except (EOFError, terminal_error):
        raise UsageError("no password given; use --secret-stdin to pipe one") from None
    if first != again:
        raise UsageError("the passwords differ")
    return first


def _add_credential(args) -> int:
    """--add-user / --add-client: write one credential to the users file, say what was done."""
    from ..server import auth

    if args.add_user is not None and args.add_client is not None:
        raise UsageError("--add-user and --add-client cannot be combined; add one per run")
    if not (args.add_user or args.add_client or "").strip():
        raise UsageError("the user name or client id is empty")
    try:
        known = auth.ServerAuth.for_workspace(args.workspace)
    except (OSError, TypeError, ValueError) as e:
        raise UsageError(f"cannot read {auth.users_path(args.workspace)}: {e}") from None
    path = auth.users_path(args.workspace)
    try:
        if args.add_user is not None:
            auth.add_user(args.workspace, args.add_user, _read_secret(args, "password"))
            message = (f"replaced the password of user {args.add_user} in {path}" if args.add_user in known.users
                       else f"user {args.add_user} added to {path}")
        else:
            previous = known.clients.get(args.add_client)
            secret = _read_secret(args, "secret")
            account_id = args.account_id or (previous or {}).get("account_id")
            auth.add_client(args.workspace, args.add_client, secret, account_id)
            message = (f"replaced the secret of API client {args.add_client} in {path}" if previous is not None
                       else f"API client {args.add_client} added to {path}")
    except OSError as e:
        raise UsageError(f"cannot write {path}: {e.strerror}") from None
    print(message)
    return 0


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    from ..workbench.common import is_loopback_host

    return is_loopback_host(host)


def startup_message(url: str, pages: list[str]) -> str:
    """What serving prints first: where the preview, each CloudPage and the APIs are."""
    lines = [f"ampy workbench on {url}/",
             f"  email preview   {url}/"]
    if pages:
        lines += [f"  CloudPage       {url}{page}" for page in pages]
    else:
        lines.append("  CloudPages      none yet (put .amp, .ampscript or .html files under cloudpages/)")
    lines += [f"  Partner API     {url}/Service.asmx  (WSDL {url}/etframework.wsdl)",
              f"  token endpoint  {url}/v2/token"]
    return "\n".join(lines)


def _lifetime(args) -> dict:
    return {"token_lifetime": args.token_lifetime} if args.token_lifetime else {}


def run(args) -> int:
    from ..server.auth import ServerAuth, users_path

    workspace = args.workspace
    if not os.path.isdir(workspace):
        return fail_usage(f"workspace {workspace} is not a folder")
    if args.add_user is not None or args.add_client is not None:
        try:
            return _add_credential(args)
        except UsageError as e:
            return fail_usage(str(e))

    from ..server.app import RunningServer, build_app

    try:
        server_auth = ServerAuth.for_workspace(workspace, **_lifetime(args))
    except (OSError, TypeError, ValueError) as e:
        return fail_usage(f"cannot read {users_path(workspace)}: {e}")
    try:
        backend = open_backend_or_fail("local", workspace=workspace)
    except UsageError as e:
        return fail_usage(str(e))
    options = {"max_body": args.max_body} if args.max_body else {}
    options.update({name: getattr(args, name) for name in ("max_response", "max_properties") if getattr(args, name)})
    app = build_app(workspace, backend=backend, auth=server_auth, public_url=args.public_url,
                    live_reload=args.live_reload, local_only=is_loopback(args.host), **options)
    if not is_loopback(args.host):
        print(f"ampy serve: warning: listening on {args.host}, not on a loopback address: other machines can "
              "reach the preview, the CloudPages (which write to the workspace) and the API", file=sys.stderr)
    try:
        server = RunningServer(app, args.host, args.port, threads=args.threads)
    except OSError as e:
        backend.close()
        return fail_usage(f"cannot listen on {args.host}:{args.port}: {e.strerror}")
    print(startup_message(server.url, app.page_urls()), file=sys.stderr, flush=True)
    if not app.auth.users and not app.auth.clients:
        print("ampy serve: no users or API clients yet; add one with --add-user or --add-client",
              file=sys.stderr)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        app.close()
        app.backend.close()
    return 0
