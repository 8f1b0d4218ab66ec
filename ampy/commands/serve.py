"""``ampy serve --workspace DIR``: serve a workspace's local cloud as the Partner (SOAP) API.

Credentials live in ``<workspace>/.ampy/users.json`` (hashed): ``--add-user NAME`` adds a SOAP user
(UsernameToken), ``--add-client ID`` an API client for ``/v2/token``; both read the secret from
stdin with ``--secret-stdin``, else a client gets a generated secret (printed once) and a user is
prompted for a password.
"""

from __future__ import annotations

import os
import sys

from ._common import fail_usage

HELP = "serve a workspace as the Marketing Cloud Partner (SOAP) API, token endpoint and campaign REST"


def configure(p) -> None:
    p.add_argument("--workspace", metavar="DIR", required=True, help="the workspace to serve")
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080,
                   help="port to listen on (default 8080; 0 = any free port)")
    p.add_argument("--threads", type=int, default=8, help="worker threads (default 8)")
    p.add_argument("--max-body", type=int, default=None, metavar="BYTES",
                   help="largest accepted request body (default 4 MiB)")
    p.add_argument("--token-lifetime", type=int, default=None, metavar="SECONDS",
                   help="lifetime of issued access tokens (default 1080)")
    p.add_argument("--public-url", metavar="URL",
                   help="the URL clients reach the server at (default: taken from each request's Host)")
    g = p.add_argument_group("credentials (written to <workspace>/.ampy/users.json, then exit)")
    g.add_argument("--add-user", metavar="NAME", help="add a SOAP user (WS-Security UsernameToken)")
    g.add_argument("--add-client", metavar="CLIENT_ID", help="add an API client (OAuth2 client credentials)")
    g.add_argument("--account-id", metavar="MID", help="account id (MID) recorded with --add-client")
    g.add_argument("--secret-stdin", action="store_true", help="read the password/secret from stdin")


def _read_secret(args, what: str) -> str | None:
    if args.secret_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if what == "secret":
        import secrets

        secret = secrets.token_urlsafe(24)
        print(f"client secret (shown once): {secret}")
        return secret
    import getpass

    first = getpass.getpass("password: ")
    if first != getpass.getpass("again: "):
        return None
    return first


def run(args) -> int:
    from ..server import auth

    workspace = args.workspace
    if not os.path.isdir(workspace):
        return fail_usage(f"workspace {workspace} is not a folder")
    if args.add_user or args.add_client:
        secret = _read_secret(args, "password" if args.add_user else "secret")
        if not secret:
            return fail_usage("the passwords differ" if secret is None else "the secret is empty")
        if args.add_user:
            auth.add_user(workspace, args.add_user, secret)
            print(f"user {args.add_user} added to {auth.users_path(workspace)}")
        else:
            auth.add_client(workspace, args.add_client, secret, args.account_id)
            print(f"API client {args.add_client} added to {auth.users_path(workspace)}")
        return 0

    from ..server.app import RunningServer, build_app

    options = {}
    if args.max_body:
        options["max_body"] = args.max_body
    if args.token_lifetime:
        options["token_lifetime"] = args.token_lifetime
    app = build_app(workspace, public_url=args.public_url, **options)
    if not app.auth.users and not app.auth.clients:
        print("ampy serve: no users or API clients yet; add one with --add-user or --add-client",
              file=sys.stderr)
    try:
        server = RunningServer(app, args.host, args.port, threads=args.threads)
    except OSError as e:
        return fail_usage(f"cannot listen on {args.host}:{args.port}: {e.strerror}")
    print(f"Partner API on {server.url}/Service.asmx  (WSDL {server.url}/etframework.wsdl)", file=sys.stderr)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        app.backend.close()
    return 0
