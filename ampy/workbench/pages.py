"""CloudPages served from a workspace's ``cloudpages/`` folder, as a published page answers.

A file's URL is its path without the extension: ``cloudpages/subscribe/index.amp`` is
``/subscribe``, ``cloudpages/subscribe/thanks.amp`` is ``/subscribe/thanks``. Every page (``.amp``,
``.ampscript`` and ``.html`` alike, as on the platform) is rendered in the ``page`` context
against the workspace's local cloud, so its writes persist. The query string, form post
(urlencoded or multipart), headers and cookies reach the Sites functions; ``Redirect`` answers
302; an encrypted ``qs``/``QS`` link parameter that does not decrypt answers 400; a script error
answers 500 with the error text and the source around it. ``/page.aspx?QS=...`` (MicrositeURL
links) renders the page the token names. Nothing else under the folder is ever served.
"""

from __future__ import annotations

import html
import os
import pathlib
import sys
import traceback
from urllib.parse import quote

from ..errors import AmpscriptError, FunctionError
from ..functions.sites import decode_page_token, page_path
from ..runtime.request import RequestContext, parse_query_string
from ..ssjs.page import http_answer
from ..template import compile_template
from .common import BadRequest, BodyTooLarge, html_page, parse_form, read_body, resolve_inside, respond
from .common import error_html as render_error

PAGES_FOLDER = "cloudpages"
PAGE_EXTENSIONS = (".amp", ".ampscript", ".html")
MICROSITE_PATH = "/page.aspx"
HTML = "text/html; charset=utf-8"


class CloudPages:
    """The WSGI app answering every page path of the workbench."""

    def __init__(self, workspace: str, backend, settings, *, max_body: int, public_url: str | None = None,
                 reload_snippet: str | None = None):
        self.workspace = os.path.realpath(workspace)
        self.root = os.path.join(self.workspace, PAGES_FOLDER)
        self.backend = backend
        self.settings = settings
        self.max_body = max_body
        self.public_url = public_url.rstrip("/") if public_url else None
        self.reload_snippet = reload_snippet

    # ---- finding pages --------------------------------------------------------------------------

    def find(self, url_path: str) -> pathlib.Path | None:
        """The page file a URL path names, or None (also for anything that would leave the folder)."""
        if not url_path.startswith("/") or "\\" in url_path:
            return None
        relative = url_path[1:].rstrip("/")
        if not relative or relative.startswith("/"):
            return None   # "/" is the workbench UI; "//x" would be an absolute path
        stem = relative.rsplit("/", 1)[-1]
        if stem.startswith(".") or os.path.splitext(stem)[1].lower() in PAGE_EXTENSIONS:
            return None   # one URL per page: never the source file's own name
        for candidate in [relative + ext for ext in PAGE_EXTENSIONS] + \
                         [f"{relative}/index{ext}" for ext in PAGE_EXTENSIONS]:
            found = resolve_inside(self.root, candidate)
            if found is not None:
                return found
        return None

    def urls(self) -> list[str]:
        """The URL path of every page in the folder, sorted."""
        found: set[str] = set()
        for folder, dirs, names in os.walk(self.root):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in names:
                stem, ext = os.path.splitext(name)
                if ext.lower() not in PAGE_EXTENSIONS or name.startswith("."):
                    continue
                rel = os.path.relpath(os.path.join(folder, stem), self.root).replace(os.sep, "/")
                if rel.endswith("/index") or rel == "index":
                    rel = rel[: -len("index")].rstrip("/")
                if rel and self.find("/" + rel) is not None:
                    found.add("/" + rel)
        return sorted(found)

    # ---- answering ------------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD", "GET").upper()
        path = environ.get("PATH_INFO") or "/"
        try:
            if method not in ("GET", "HEAD", "POST"):
                return self._page(start_response, 405, "Method not allowed", "<p>Pages answer GET and POST.</p>",
                                  headers=[("Allow", "GET, HEAD, POST")])
            query = parse_query_string(environ.get("QUERY_STRING", ""))
            token = query.get("qs")
            if path.lower() == MICROSITE_PATH:
                file = self._microsite_page(token)
            else:
                file = self.find(path)
                if file is not None and token is not None:
                    self._check_token(token, file)
            if file is None:
                return self._page(start_response, 404, "Not found",
                                  f"<p>No CloudPage at <code>{_escape(path)}</code>.</p>")
            body = read_body(environ, self.max_body) if method == "POST" else None
            form = parse_form(environ, body, self.max_body) if body is not None else {}
            return self._render(environ, start_response, file, method, form, body)
        except _LinkRefused as e:
            return self._page(start_response, 400, "Invalid link", f"<p>{_escape(str(e))}</p>")
        except BodyTooLarge as e:
            return self._page(start_response, 413, "Request too large", f"<p>The {_escape(str(e))}.</p>")
        except BadRequest as e:
            return self._page(start_response, 400, "Bad request", f"<p>{_escape(str(e))}.</p>")

    def _render(self, environ, start_response, file: pathlib.Path, method: str, form: dict, body: bytes | None = None):
        name = os.path.relpath(file, self.workspace).replace(os.sep, "/")
        request = request_from_environ(environ, form, base_url=self.base_url(environ), method=method, body=body)
        source = None
        try:
            with open(file, encoding="utf-8-sig") as f:
                source = f.read()
            output = compile_template(source, name, self.settings.limits).render(backend=self.backend, context="page",
                                                            request=request, settings=self.settings)
        except AmpscriptError as e:
            excerpt_source = source if e.name == name else None
            return respond(start_response, 500, html_page("Script error", render_error(e, excerpt_source)))
        except (OSError, UnicodeDecodeError) as e:
            return self._page(start_response, 500, "Page unreadable", f"<p>{_escape(name)} cannot be read: "
                              f"{_escape(getattr(e, 'strerror', None) or str(e))}</p>")
        except Exception:   # a fault in ampy itself: say so, keep the details in the server log
            traceback.print_exc(file=environ.get("wsgi.errors") or sys.stderr)
            return self._page(start_response, 500, "Internal error",
                              f"<p>ampy failed while rendering {_escape(name)}; the server log has the details.</p>")
        redirect_status, headers, content_type = http_answer(request, HTML)  # set by server-side JavaScript
        if request.redirect is not None:
            location = quote(request.redirect, safe="/:?#[]@!$&'()*+,;=%~")
            return respond(start_response, redirect_status, b"", headers=[("Location", location), *headers])
        if self.reload_snippet:
            output = _inject_before_body_end(output, self.reload_snippet)
        return respond(start_response, 200, output.encode("utf-8"), content_type, headers=headers)

    def base_url(self, environ: dict) -> str:
        if self.public_url:
            return self.public_url
        scheme = environ.get("wsgi.url_scheme", "http")
        host = environ.get("HTTP_HOST")
        if not host:
            host = environ.get("SERVER_NAME", "127.0.0.1")
            port = environ.get("SERVER_PORT", "")
            if port and port != {"http": "80", "https": "443"}.get(scheme):
                host = f"{host}:{port}"
        return f"{scheme}://{host}"

    # ---- link tokens ----------------------------------------------------------------------------

    def _decode(self, token: str) -> tuple[str, pathlib.Path | None]:
        decoded = decode_page_token(self.settings, token)
        if decoded is None:
            raise _LinkRefused("The qs parameter of this link cannot be decrypted: it was altered, cut short, or "
                               "made with another CloudPages key.")
        page_id = decoded[0]
        try:
            target = page_path(self.settings, page_id)
        except FunctionError:
            return page_id, None
        return page_id, self.find("/" + target)

    def _check_token(self, token: str, file: pathlib.Path) -> None:
        page_id, target = self._decode(token)
        if target != file:
            raise _LinkRefused(f"This link was made for page {page_id}, not for this page.")

    def _microsite_page(self, token: str | None) -> pathlib.Path | None:
        if not token:
            raise _LinkRefused("A microsite link needs its QS parameter.")
        page_id, target = self._decode(token)
        if target is None:
            raise _LinkRefused(f"No local page for page ID {page_id} ([cloudpages.pages] in ampy.toml).")
        return target

    def _page(self, start_response, status: int, title: str, body: str, headers=()):
        page = html_page(title, f"<h1>{_escape(title)}</h1>\n{body}")
        return respond(start_response, status, page, HTML, headers)


class _LinkRefused(Exception):
    """A qs token that does not decrypt, or belongs to another page: answer 400."""


def _escape(text: str) -> str:
    return html.escape(text)


def _inject_before_body_end(output: str, snippet: str) -> str:
    at = output.lower().rfind("</body>")
    return output + snippet if at < 0 else output[:at] + snippet + output[at:]


def request_from_environ(environ: dict, form: dict[str, list[str]], *, base_url: str,
                         method: str | None = None, body: bytes | None = None) -> RequestContext:
    """The RequestContext a page render sees for this WSGI request: query string, form fields,
    headers (``HTTP_X_Y`` -> ``x-y``, plus Content-Type/-Length), cookies (values as sent) and
    the full page URL; links made during the render point back at ``base_url``."""
    headers: dict[str, str] = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers[key[5:].replace("_", "-").lower()] = value
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").lower()] = environ[key]
    cookies: dict[str, str] = {}
    for part in environ.get("HTTP_COOKIE", "").split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name.strip():
            cookies.setdefault(name.strip(), value.strip())
    query_string = environ.get("QUERY_STRING", "")
    path = quote(environ.get("PATH_INFO") or "/", safe="/:@!$&'()*+,;=~")
    url = f"{base_url}{path}" + (f"?{query_string}" if query_string else "")
    return RequestContext(url=url, method=(method or environ.get("REQUEST_METHOD", "GET")).upper(),
                          form=form, headers=headers, cookies=cookies, pages_base=base_url, body=body)
