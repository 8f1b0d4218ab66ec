"""Small pieces every workbench route shares: responses, security headers, the error page
fragment, CSRF tokens, bounded form reading and path resolution that never leaves its root."""

from __future__ import annotations

import hashlib
import hmac
import html
import io
import os
import pathlib
import secrets
from urllib.parse import parse_qsl, unquote

from ..errors import AmpscriptError

DEFAULT_MAX_BODY = 4 * 1024 * 1024  # bytes, as the Partner API's limit

STATUS_TEXT = {200: "OK", 204: "No Content", 301: "Moved Permanently", 302: "Found", 303: "See Other",
               304: "Not Modified", 400: "Bad Request", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
               413: "Payload Too Large", 415: "Unsupported Media Type", 500: "Internal Server Error"}

# UI pages: nothing from elsewhere, no plugins, no framing by other sites. Rendered emails are
# shown in a sandboxed iframe (srcdoc / a same-origin route), so their scripts never reach the UI.
DEFAULT_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
               "img-src 'self' data: https: http:; frame-src 'self' about:; object-src 'none'; "
               "base-uri 'none'; form-action 'self'")


class BodyTooLarge(Exception):
    """The request body is over the limit (answer 413)."""

    def __init__(self, limit: int):
        super().__init__(f"request body larger than {limit} bytes")
        self.limit = limit


class BadRequest(Exception):
    """A request that cannot be read (bad Content-Length, broken multipart): answer 400."""


def security_headers(*, frame_ancestors: str = "'none'", csp: str | None = None) -> list[tuple[str, str]]:
    """Headers for workbench UI pages: a CSP (``csp`` replaces the default policy), the frame
    ancestors allowed, no MIME sniffing, no referrer leaks."""
    policy = (csp or DEFAULT_CSP).rstrip("; ")
    return [("Content-Security-Policy", f"{policy}; frame-ancestors {frame_ancestors}"),
            ("X-Content-Type-Options", "nosniff"),
            ("X-Frame-Options", "DENY" if frame_ancestors == "'none'" else "SAMEORIGIN"),
            ("Referrer-Policy", "no-referrer")]


def is_loopback_host(host: str) -> bool:
    """True for names and addresses only this machine reaches (localhost, 127.0.0.0/8, ::1)."""
    import ipaddress

    name = host.strip().lower()
    if name.startswith("["):
        name = name[1:name.find("]")] if "]" in name else name[1:]
    name = name.rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def host_of(header: str) -> str:
    """The host part of a Host header (``name:port``, ``[::1]:port``), lower-cased."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[: header.find("]") + 1] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def status_line(status: int) -> str:
    return f"{status} {STATUS_TEXT.get(status, 'Unknown')}"


def respond(start_response, status: int, body: bytes, content_type: str = "text/html; charset=utf-8",
            headers=()) -> list[bytes]:
    """Start the response (Content-Type, Content-Length, extra headers) and return the body."""
    start_response(status_line(status), [("Content-Type", content_type), ("Content-Length", str(len(body))),
                                         *headers])
    return [body]


def html_page(title: str, body_html: str) -> bytes:
    """A complete small HTML page (UTF-8) around an already escaped body."""
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{html.escape(title)}</title>"
            "<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem}"
            ".ampy-error pre{background:#f6f6f6;padding:.75rem;overflow:auto}"
            ".ampy-error .bad{background:#fdd;display:block}"
            ".ampy-error .caret{color:#c00;font-weight:bold}</style>"
            f"</head><body>\n{body_html}\n</body></html>\n").encode()


# ---- errors -----------------------------------------------------------------------------------

CONTEXT_LINES = 3   # source lines shown before and after the failing one
SHOWN_COLUMNS = 160  # characters of each source line shown (a window around the caret)


def _window(line: str, column: int) -> int:
    """Where the shown part of a long failing line starts, so the caret stays inside it."""
    before = max(column - 1, 0)
    if len(line) <= SHOWN_COLUMNS:
        return 0
    return max(0, min(before - SHOWN_COLUMNS // 2, len(line) - SHOWN_COLUMNS))


def _clip(line: str, start: int) -> str:
    shown = line[start:start + SHOWN_COLUMNS]
    return ("..." if start else "") + shown + ("..." if start + SHOWN_COLUMNS < len(line) else "")


def error_html(err: AmpscriptError, source: str | None) -> str:
    """An HTML fragment for a script error: the CLI's text (``file:line:col: message``, the line
    and a caret), then the source lines around the failing one, numbered, that line highlighted.
    Lines longer than SHOWN_COLUMNS show the same window around the caret's column."""
    parts = ['<section class="ampy-error">',
             f'<h2>{html.escape(type(err).__name__)}</h2>',
             f'<pre class="cli">{html.escape(str(err))}</pre>']
    lines = source.splitlines() if source is not None else []
    if err.line > 0 and lines and err.line <= len(lines):
        first = max(err.line - CONTEXT_LINES, 1)
        last = min(err.line + CONTEXT_LINES, len(lines))
        width = len(str(last))
        failing = lines[err.line - 1]
        start = _window(failing, err.column)
        rows = []
        for number in range(first, last + 1):
            text = html.escape(f"{number:>{width}} | {_clip(lines[number - 1], start)}")
            if number == err.line:
                rows.append(f'<span class="bad">{text}</span>')
                before = failing[start:max(err.column - 1, 0)]
                pad = ("   " if start else "") + "".join("\t" if ch == "\t" else " " for ch in before)
                rows.append(f'<span class="caret">{" " * width} | {pad}^</span>')
            else:
                rows.append(text)
        parts.append(f'<pre class="source">{chr(10).join(rows)}</pre>')
    parts.append("</section>")
    return "\n".join(parts)


# ---- CSRF -------------------------------------------------------------------------------------

class Csrf:
    """Tokens for state-changing POSTs: an HMAC of a random nonce under one secret per server, so
    any token the server handed out checks, and nothing made elsewhere does."""

    def __init__(self, secret: bytes | None = None):
        self._secret = secret or secrets.token_bytes(32)

    def _sign(self, nonce: str) -> str:
        return hmac.new(self._secret, nonce.encode("ascii"), hashlib.sha256).hexdigest()

    def token(self) -> str:
        nonce = secrets.token_hex(16)
        return f"{nonce}.{self._sign(nonce)}"

    def check(self, token) -> bool:
        if not isinstance(token, str) or token.count(".") != 1:
            return False
        nonce, mac = token.split(".")
        if not nonce or not nonce.isascii() or not mac.isascii():
            return False
        return hmac.compare_digest(self._sign(nonce), mac)


# ---- paths ------------------------------------------------------------------------------------

def resolve_inside(root, relative: str) -> pathlib.Path | None:
    """The existing file ``relative`` names under ``root``, or None: for ``..`` segments (also
    percent-encoded), absolute paths, backslashes, NUL bytes, and anything whose real path
    (symlinks followed) lies outside the root."""
    text = str(relative)
    for _ in range(3):   # %252e%252e: decode nested escapes, then judge what is left
        decoded = unquote(text)
        if decoded == text:
            break
        text = decoded
    if unquote(text) != text or "\\" in text or "\0" in text:
        return None
    if text.startswith("/") or os.path.isabs(text):
        return None
    segments = [s for s in text.split("/") if s not in ("", ".")]
    if any(s == ".." or ":" in s for s in segments):
        return None
    base = pathlib.Path(os.path.realpath(root))
    candidate = base.joinpath(*segments) if segments else base
    try:
        real = pathlib.Path(os.path.realpath(candidate))
    except (OSError, ValueError):
        return None
    if real != base and base not in real.parents:
        return None
    if not real.is_file():
        return None
    return real


# ---- request bodies ---------------------------------------------------------------------------

def read_body(environ: dict, max_body: int) -> bytes:
    """The request body, refusing anything over ``max_body`` bytes without reading it all (the
    Partner API's reader, with the workbench's errors)."""
    from ..server import wsgi

    try:
        return wsgi.read_body(environ, max_body)
    except wsgi.BodyTooLarge:
        raise BodyTooLarge(max_body) from None
    except wsgi.BadLength as e:
        raise BadRequest(f"invalid Content-Length {e.args[0]!r}") from None


def read_form(environ: dict, max_body: int = DEFAULT_MAX_BODY) -> dict[str, list[str]]:
    """The form fields of a POST (``application/x-www-form-urlencoded`` or ``multipart/form-data``)
    as name -> values in order; uploaded files give their file name. Other bodies give {}.
    Raises BodyTooLarge over ``max_body`` bytes and BadRequest for a body that cannot be parsed."""
    return parse_form(environ, read_body(environ, max_body), max_body)


def parse_form(environ: dict, body: bytes, max_body: int = DEFAULT_MAX_BODY) -> dict[str, list[str]]:
    """``read_form`` of a body already read (a CloudPage keeps the raw body too)."""
    import multipart

    content_type, options = multipart.parse_options_header(environ.get("CONTENT_TYPE") or "")
    content_type = content_type.lower()
    charset = options.get("charset") or "utf-8"
    fields: dict[str, list[str]] = {}
    if content_type == "application/x-www-form-urlencoded":
        try:
            text = body.decode(charset, errors="replace")
        except LookupError:
            raise BadRequest(f"unknown charset {charset!r}") from None
        for name, value in parse_qsl(text, keep_blank_values=True):
            fields.setdefault(name, []).append(value)
    elif content_type == "multipart/form-data":
        boundary = options.get("boundary")
        if not boundary:
            raise BadRequest("multipart body without a boundary")
        try:
            parser = multipart.MultipartParser(io.BytesIO(body), boundary, len(body), charset="utf-8",
                                               strict=True, memory_limit=max_body, disk_limit=max_body,
                                               spool_limit=max_body)
            for part in parser:
                value = part.filename if part.filename is not None else part.value
                fields.setdefault(part.name, []).append(value)
                part.close()
        except multipart.MultipartError as e:
            raise BadRequest(f"broken multipart body: {e}") from None
    return fields
