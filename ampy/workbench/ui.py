"""The workbench UI: the email preview at ``/`` and everything under ``/_ampy/`` (views of the local
cloud, template sources, test sends, static files, live-reload events).

Pages are rendered here on the server; ``static/workbench.js`` only swaps in a fresh copy of the
page's ``main`` element when the workspace changes, and toggles the preview width. Rendered emails
are never part of a UI page: a sandboxed iframe loads them from ``/_ampy/render/<token>``, which
answers with its own policy (no scripts, no forms, no same-origin access).
"""

from __future__ import annotations

import mimetypes
import os
from importlib import resources
from urllib.parse import parse_qs

from ..backends.base import BackendError
from ..errors import AmpscriptError
from . import common
from .live import LiveReload
from .markup import esc, hidden, layout, link, pager, url
from .preview import (
    PART_ORDER,
    BadInput,
    Catalogue,
    Item,
    PreviewError,
    RenderedPages,
    data_extension_names,
    default_data_extension,
    parse_attributes,
    render_item,
    row_by_id,
    row_page,
    send_test,
    subscriber_from_row,
)
from .views import CloudViews, NotFound

# The rendered email's own document: its inline styles and remote images load, nothing runs, and
# the `sandbox` directive keeps it in an opaque origin even when opened outside the iframe.
EMAIL_CSP = ("default-src 'none'; img-src * data: blob:; style-src * 'unsafe-inline'; font-src * data:; "
             "media-src *; sandbox")
PART_TITLES = {"subject": "Subject", "preheader": "Preheader", "html": "HTML", "text": "Text"}
SOURCE_FOLDERS = ("content", "cloudpages")   # template files the source view may show
FRAGMENT_HEADER = "HTTP_X_AMPY_FRAGMENT"


class WorkbenchUI:
    """WSGI app for ``/`` and ``/_ampy/*`` of ``ampy serve --workspace DIR``."""

    def __init__(self, workspace: str, backend, settings, *, csrf, live: bool = True,
                 max_body: int = common.DEFAULT_MAX_BODY):
        self.workspace = os.path.realpath(workspace)
        self.backend = backend
        self.settings = settings
        self.csrf = csrf
        self.max_body = max_body
        self.catalogue = Catalogue(self.workspace, backend)
        self.views = CloudViews(self.workspace, backend, csrf)
        self.pages = RenderedPages()
        self.live = LiveReload(self.workspace) if live else None
        self.static_dir = str(resources.files("ampy.workbench").joinpath("static"))

    def close(self) -> None:
        """Stop watching the workspace (open event streams end)."""
        if self.live is not None:
            self.live.close()

    # ---- routing ---------------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO") or "/"
        method = environ.get("REQUEST_METHOD", "GET").upper()
        if self.live is not None:
            self.live.start()  # watching begins with the first page, before its event stream connects
            # The change this page is rendered at, taken before rendering: a save made meanwhile is
            # then still announced to the page.
            environ["ampy.live_since"] = self.live.version
        params = {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True).items()}
        try:
            if path == "/_ampy/events" and self.live is not None:
                return self.live.events(environ, start_response)
            if path.startswith("/_ampy/static/"):
                return self._static(start_response, path[len("/_ampy/static/"):])
            if path.startswith("/_ampy/render/"):
                return self._rendered(start_response, path[len("/_ampy/render/"):])
            post = {"/_ampy/send": self._send, "/_ampy/data/delete": self._delete_row,
                    "/_ampy/outbox/clear": self._clear_outbox}.get(path)
            if post is not None:
                if method != "POST":
                    return self._page(start_response, 405, "Method not allowed",
                                      "<h1>Method not allowed</h1><p>This address only takes a form POST.</p>",
                                      headers=[("Allow", "POST")])
                return post(environ, start_response)
            get = {"/": self._preview, "/_ampy/source": self._source, "/_ampy/data": self._data,
                   "/_ampy/tasks": self._tasks, "/_ampy/sends": self._sends, "/_ampy/outbox": self._outbox,
                   "/_ampy/outbox/part": self._outbox_part}.get(path)
            if get is None:
                raise NotFound(f"There is no page at {path}.")
            if method not in ("GET", "HEAD"):
                return self._page(start_response, 405, "Method not allowed", "<h1>Method not allowed</h1>",
                                  headers=[("Allow", "GET, HEAD")])
            return get(environ, start_response, params)
        except BadInput as e:
            return self._page(start_response, 400, "Bad input", f'<h1>Bad input</h1><p class="ampy-notice">'
                              f"{esc(e)}</p>", environ=environ)
        except (NotFound, PreviewError) as e:
            # A page that is gone (an email removed) comes back by itself once it is there again.
            return self._page(start_response, 404, "Not found", f'<h1>Not found</h1><p class="ampy-notice">'
                              f"{esc(e)}</p>", environ=environ)
        except common.BodyTooLarge as e:
            return self._page(start_response, 413, "Too large", f"<h1>Request too large</h1><p>{esc(e)}</p>")
        except common.BadRequest as e:
            return self._page(start_response, 400, "Bad request", f"<h1>Bad request</h1><p>{esc(e)}</p>")
        except BackendError as e:
            return self._page(start_response, 500, "Local cloud error",
                              f'<h1>The local cloud cannot answer</h1><p class="ampy-notice">{esc(e)}</p>')

    def _page(self, start_response, status: int, title: str, main_html: str, *, environ=None, current="",
              headers=()):
        """A UI page (or, when the live-reload script asks, just its ``main`` content). With the
        request's ``environ``, a page got by GET refreshes itself on workspace changes."""
        live_since = None
        if environ is not None and environ.get("REQUEST_METHOD", "GET").upper() in ("GET", "HEAD"):
            live_since = environ.get("ampy.live_since")
        extra = [*common.security_headers(), ("Cache-Control", "no-store"), *headers]
        if environ is not None and environ.get(FRAGMENT_HEADER):
            return common.respond(start_response, status, main_html.encode("utf-8"), headers=extra)
        body = common.html_page(f"{title} · ampy workbench", layout(main_html, current=current,
                                                                     live_since=live_since))
        return common.respond(start_response, status, body, headers=extra)

    # ---- static files and rendered emails -------------------------------------------------------
    def _static(self, start_response, name: str):
        path = common.resolve_inside(self.static_dir, name)
        if path is None:
            raise NotFound(f"There is no file {name}.")
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind.endswith("javascript"):
            kind += "; charset=utf-8"
        return common.respond(start_response, 200, path.read_bytes(), kind,
                              headers=[("X-Content-Type-Options", "nosniff"), ("Cache-Control", "no-cache")])

    def _rendered(self, start_response, token: str):
        html = self.pages.get(token)
        if html is None:
            html = "<p>This preview has expired; the workbench page shows the current one.</p>"
        headers = [*common.security_headers(frame_ancestors="'self'", csp=EMAIL_CSP), ("Cache-Control", "no-store")]
        return common.respond(start_response, 200, html.encode("utf-8"), headers=headers)

    # ---- the preview -----------------------------------------------------------------------------
    def _subscriber(self, params: dict, item: Item | None):
        """(attributes, description, de, row page or None, selected row id) for the request."""
        typed = params.get("attrs", "")
        if params.get("mode") == "typed" or typed.strip():
            return parse_attributes(typed), "typed attributes", None, None, None
        names = {n.lower(): n for n in data_extension_names(self.backend)}
        de = params.get("de") or default_data_extension(self.backend, item)
        if not de:
            return {}, "no subscriber (the workspace has no data extensions)", None, None, None
        if de.lower() not in names:
            raise PreviewError(f"There is no data extension '{de}'.")
        de = names[de.lower()]
        page_number = int(params["page"]) if params.get("page", "").isdigit() else 1
        found = row_page(self.backend, de, search=params.get("q", ""), page=page_number)
        rowid = int(params["row"]) if params.get("row", "").isdigit() else (found.rows[0][0] if found.rows else None)
        row = row_by_id(self.backend, de, rowid) if rowid is not None else None
        if row is None:
            return {}, f"no subscriber (no row of {de} selected)", de, found, None
        attrs = subscriber_from_row(row)
        who = attrs.get("_subscriberkey") or attrs.get("emailaddr") or f"row {rowid}"
        return attrs, f"{who} ({de})", de, found, rowid

    def _preview(self, environ, start_response, params):
        item_id = params.get("item") or self.catalogue.default_id()
        item = self.catalogue.item(item_id) if item_id else None
        attrs, who, de, found, rowid = self._subscriber(params, item)
        picker = self._item_picker(item_id, params)
        chooser = self._subscriber_chooser(item_id, params, de, found, rowid)
        if item is None:
            result = ("<p>The workspace has no emails, send definitions or content templates yet. Add an"
                      " <code>.html</code> file under <code>content/</code>.</p>")
        else:
            result = self._result(item, attrs, who, params, de, rowid)
        main = (f'<div class="ampy-preview"><aside class="ampy-side">{picker}{chooser}</aside>'
                f'<section class="ampy-result">{result}</section></div>')
        return self._page(start_response, 200, item.title if item else "Preview", main, environ=environ,
                          current="/")

    def _item_picker(self, current: str | None, params: dict) -> str:
        keep = {k: params.get(k) for k in ("de", "row", "q", "page", "attrs", "mode")}
        groups = []
        for title, items in self.catalogue.listing():
            entries = "".join(
                f"<li>{link(url('/', item=i, **keep), label, 'ampy-current' if i == current else '')}</li>"
                for i, label in items)
            groups.append(f"<h3>{esc(title)}</h3><ul class=\"ampy-items\">{entries}</ul>")
        return "<h2>Preview</h2>" + "".join(groups)

    def _subscriber_chooser(self, item_id, params, de, found, rowid) -> str:
        options = "".join(f'<option value="{esc(n)}"{" selected" if n == de else ""}>{esc(n)}</option>'
                          for n in data_extension_names(self.backend))
        html = ['<h2>Subscriber</h2><form method="get" action="/" class="ampy-search">', hidden("item", item_id),
                f'<label>Data extension <select name="de">{options}</select></label>',
                f'<input type="search" name="q" value="{esc(params.get("q", ""))}" placeholder="search rows">',
                '<button type="submit">Show</button></form>']
        if found is not None:
            rows = []
            for rid, values in found.rows:
                href = url("/", item=item_id, de=de, q=params.get("q"), page=found.page, row=rid)
                label = " · ".join(v for v in values[:3] if v) or f"row {rid}"
                css = "ampy-current" if rid == rowid else ""
                rows.append(f"<li>{link(href, label, css)}</li>")
            html.append(f'<ul class="ampy-subscribers">{"".join(rows)}</ul>' if rows
                        else '<p class="ampy-empty">No rows match.</p>')
            html.append(pager("/", found.page, found.pages, found.total, item=item_id, de=de, q=params.get("q")))
        typed = params.get("attrs", "")
        html.append(f'<details{" open" if params.get("mode") == "typed" else ""}><summary>Or type attributes'
                    f'</summary><form method="get" action="/">{hidden("item", item_id)}{hidden("mode", "typed")}'
                    f'<textarea name="attrs" rows="5" placeholder="FirstName=Ada&#10;EmailAddress=ada@example.com">'
                    f'{esc(typed)}</textarea><button type="submit">Preview with these</button></form></details>')
        return "".join(html)

    def _result(self, item: Item, attrs: dict, who: str, params: dict, de, rowid) -> str:
        rendered = render_item(item, attrs, self.backend, self.settings)
        out = [f'<h1>{esc(item.title)} <small>{esc(item.kind)}</small></h1>',
               f'<p class="ampy-who">Rendered in the email context for <strong>{esc(who)}</strong></p>',
               '<dl class="ampy-headers">']
        for part in ("subject", "preheader"):
            if part in rendered.errors:
                value = self._error(item, part, rendered.errors[part])
            elif part in rendered.outputs:
                value = esc(rendered.outputs[part])
            else:
                value = '<span class="ampy-empty">(none)</span>'
            out.append(f'<dt>{PART_TITLES[part]}</dt><dd id="ampy-{part}">{value}</dd>')
        out.append('</dl><div class="ampy-parts"><div class="ampy-part"><h2>HTML</h2>')
        if "html" in rendered.errors:
            out.append(self._error(item, "html", rendered.errors["html"]))
        elif "html" in rendered.outputs:
            token = self.pages.put(rendered.outputs["html"])
            out.append('<p class="ampy-widths"><button type="button" data-width="desktop" aria-pressed="true">'
                       'Desktop</button><button type="button" data-width="mobile" aria-pressed="false">Mobile'
                       '</button></p>'
                       f'<iframe id="ampy-html" sandbox="" src="/_ampy/render/{esc(token)}"'
                       ' class="ampy-frame ampy-desktop" title="The rendered HTML"></iframe>')
        else:
            out.append('<p class="ampy-empty">This email has no HTML part.</p>')
        out.append('</div><div class="ampy-part"><h2>Text</h2>')
        if "text" in rendered.errors:
            out.append(self._error(item, "text", rendered.errors["text"]))
        elif "text" in rendered.outputs:
            note = "generated from the HTML (the email has no text part)" if rendered.text_generated \
                else "the email's text part"
            out.append(f'<p class="ampy-note">{esc(note)}</p><pre id="ampy-text" class="ampy-text">'
                       f'{esc(rendered.outputs["text"])}</pre>')
        else:
            out.append('<p class="ampy-empty">No text version.</p>')
        out.append("</div></div>")
        sources = [link(self._source_url(item, part), f"{PART_TITLES[part]} source") for part in PART_ORDER
                   if part in item.parts]
        out.append(f'<p class="ampy-sources">{" · ".join(sources)}</p>')
        to = attrs.get("emailaddr") or attrs.get("EmailAddress") or ""
        out.append('<h2>Send test</h2><form method="post" action="/_ampy/send" class="ampy-send">'
                   f'{hidden("csrf", self.csrf.token())}{hidden("item", item.id)}'
                   f'{hidden("de", de or "")}{hidden("row", rowid if rowid is not None else "")}'
                   f'{hidden("attrs", params.get("attrs", ""))}{hidden("mode", params.get("mode", ""))}'
                   f'<label>To <input type="email" name="to" value="{esc(to)}" required></label>'
                   '<button type="submit">Send test</button></form>')
        return "".join(out)

    def _source_url(self, item: Item, part: str, line: int | None = None) -> str:
        source = item.parts[part]
        if source.file and source.file.split("/", 1)[0] in SOURCE_FOLDERS:
            return url("/_ampy/source", file=source.file, line=line)
        return url("/_ampy/source", item=item.id, part=part, line=line)

    def _error(self, item: Item, part: str, err: AmpscriptError) -> str:
        """The error in place of the part: the CLI's text, the source around the line, a link to the
        whole source with that line marked."""
        own = item.parts[part]
        source, href = None, None
        if err.name == own.name:
            source, href = own.source, self._source_url(item, part, err.line or None)
        elif err.name.startswith("content block "):
            found = self._content_file(err.name[len("content block "):])
            if found is not None:
                source = common.resolve_inside(self.workspace, found).read_text(encoding="utf-8-sig")
                href = url("/_ampy/source", file=found, line=err.line or None)
        more = f'<p>{link(href, "View the whole source")}</p>' if href else ""
        return f'<div class="ampy-failed">{common.error_html(err, source)}{more}</div>'

    def _content_file(self, key: str) -> str | None:
        key = key.strip().lower()
        for name in self.catalogue.content_files():
            if os.path.splitext(name)[0].lower() == key:
                return f"content/{name}"
        return None

    def _source(self, environ, start_response, params):
        line = int(params["line"]) if params.get("line", "").isdigit() else 0
        if params.get("file"):
            relative = params["file"]
            path = common.resolve_inside(self.workspace, relative)
            inside = path is not None and any(
                path.is_relative_to(os.path.join(self.workspace, folder)) for folder in SOURCE_FOLDERS)
            if not inside:
                raise NotFound(f"There is no template {relative}.")
            try:
                source, title = path.read_text(encoding="utf-8-sig"), relative
            except UnicodeDecodeError:
                raise NotFound(f"{relative} is not a UTF-8 text file.") from None
        else:
            item = self.catalogue.item(params.get("item", ""))
            part = params.get("part", "")
            if part not in item.parts:
                raise NotFound(f"{item.title} has no {part or 'such'} part.")
            source, title = item.parts[part].source, item.parts[part].name
        lines = source.splitlines() or [""]
        width = len(str(len(lines)))
        rows = []
        for number, text_line in enumerate(lines, start=1):
            css = ' class="ampy-bad"' if number == line else ""
            rows.append(f'<span id="L{number}"{css}><span class="ampy-lineno">{number:>{width}}</span> '
                        f"{esc(text_line)}</span>")
        main = f'<h1>{esc(title)}</h1><pre class="ampy-source">{chr(10).join(rows)}</pre>'
        return self._page(start_response, 200, title, main, environ=environ)

    # ---- actions (POST, CSRF-checked) -------------------------------------------------------------
    def _form(self, environ) -> dict[str, str] | None:
        """The POSTed fields (last value of each), or None when the CSRF token does not check."""
        fields = {k: v[-1] for k, v in common.read_form(environ, self.max_body).items() if v}
        return fields if self.csrf.check(fields.get("csrf")) else None

    def _refused(self, start_response):
        return self._page(start_response, 403, "Refused",
                          "<h1>Refused</h1><p>The form's security token is missing or not from this server."
                          " Reload the page and try again.</p>")

    def _send(self, environ, start_response):
        form = self._form(environ)
        if form is None:
            return self._refused(start_response)
        item = self.catalogue.item(form.get("item", ""))
        attrs, who, *_ = self._subscriber(form, item)
        outcome = send_test(self.backend, item, attrs, form.get("to", "").strip())
        where = esc(outcome.where)
        if outcome.outbox_file:
            where = link(url("/_ampy/outbox", file=outcome.outbox_file), outcome.where)
        ok = outcome.status == "Complete" and (outcome.outbox_file or "SMTP" in outcome.where)
        back = url("/", item=item.id, **{k: form.get(k) for k in ("de", "row", "attrs", "mode")})
        main = (f"<h1>Test send {'delivered' if ok else 'not delivered'}</h1>"
                f'<p id="ampy-sent">{esc(item.title)} for {esc(who)} to {esc(form.get("to", ""))}: task'
                f" {outcome.task_id}, {esc(outcome.status)}. Delivered to {where}.</p>"
                + (f'<p class="ampy-notice">{esc(outcome.detail)}</p>' if outcome.detail else "")
                + f"<p>{link(back, 'Back to the preview')}"
                f" · {link('/_ampy/sends', 'Sends')} · {link('/_ampy/tasks', 'Tasks')}</p>")
        return self._page(start_response, 200, "Test send", main)

    def _delete_row(self, environ, start_response):
        form = self._form(environ)
        if form is None:
            return self._refused(start_response)
        de = form.get("de", "")
        removed = self.views.delete_row(de, form.get("row", ""))
        location = url("/_ampy/data", de=de, deleted=removed).replace("&amp;", "&")
        start_response("303 See Other", [("Location", location), ("Content-Length", "0"),
                                         *common.security_headers()])
        return [b""]

    def _clear_outbox(self, environ, start_response):
        form = self._form(environ)
        if form is None:
            return self._refused(start_response)
        removed = self.views.clear_outbox()
        start_response("303 See Other", [("Location", f"/_ampy/outbox?cleared={removed}"), ("Content-Length", "0"),
                                         *common.security_headers()])
        return [b""]

    # ---- views of the local cloud ----------------------------------------------------------------
    def _data(self, environ, start_response, params):
        if not params.get("de"):
            return self._page(start_response, 200, "Data extensions", self.views.data_extensions(),
                              environ=environ, current="/_ampy/data")
        page = int(params["page"]) if params.get("page", "").isdigit() else 1
        note = f"Deleted {params['deleted']} row(s)." if params.get("deleted", "").isdigit() else ""
        main = self.views.data_extension(params["de"], params.get("q", ""), page, note)
        return self._page(start_response, 200, params["de"], main, environ=environ, current="/_ampy/data")

    def _tasks(self, environ, start_response, params):
        return self._page(start_response, 200, "Tasks", self.views.tasks(), environ=environ, current="/_ampy/tasks")

    def _sends(self, environ, start_response, params):
        return self._page(start_response, 200, "Sends", self.views.sends(), environ=environ, current="/_ampy/sends")

    def _outbox(self, environ, start_response, params):
        if params.get("file"):
            main = self.views.outbox_message(params["file"])
            return self._page(start_response, 200, params["file"], main, environ=environ, current="/_ampy/outbox")
        note = f"Removed {params['cleared']} message(s)." if params.get("cleared", "").isdigit() else ""
        return self._page(start_response, 200, "Outbox", self.views.outbox(note), environ=environ,
                          current="/_ampy/outbox")

    def _outbox_part(self, environ, start_response, params):
        part = self.views.outbox_part(params.get("file", ""), params.get("n", ""))
        headers = [*common.security_headers(frame_ancestors="'self'", csp=EMAIL_CSP), ("Cache-Control", "no-store")]
        return common.respond(start_response, 200, part.body, part.content_type, headers=headers)

