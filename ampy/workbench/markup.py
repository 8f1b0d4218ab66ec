"""Small HTML builders shared by the workbench's UI pages (everything passed in is escaped here)."""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode

NAV = (("/", "Preview"), ("/_ampy/data", "Data extensions"), ("/_ampy/tasks", "Tasks"),
       ("/_ampy/sends", "Sends"), ("/_ampy/outbox", "Outbox"))


def esc(value: object) -> str:
    return escape("" if value is None else str(value))


def url(path: str, **params: object) -> str:
    """``path`` with the non-empty ``params`` as its query string, escaped for an attribute."""
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return esc(f"{path}?{query}" if query else path)


def link(href_escaped: str, label: object, css: str = "") -> str:
    cls = f' class="{css}"' if css else ""
    return f'<a href="{href_escaped}"{cls}>{esc(label)}</a>'


def table(headers: list[str], rows: list[list[str]], *, css: str = "ampy-table", empty: str = "Nothing yet.") -> str:
    """A table; the cells of ``rows`` are HTML already (escape with ``esc``)."""
    if not rows:
        return f'<p class="ampy-empty">{esc(empty)}</p>'
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def pager(path: str, page: int, pages: int, total: int, **params: object) -> str:
    if pages <= 1:
        return f'<p class="ampy-pager">{total} row{"s" if total != 1 else ""}</p>'
    parts = [f"{total} rows, page {page} of {pages}"]
    if page > 1:
        parts.append(link(url(path, **params, page=page - 1), "‹ previous"))
    if page < pages:
        parts.append(link(url(path, **params, page=page + 1), "next ›"))
    return f'<p class="ampy-pager">{" · ".join(parts)}</p>'


def hidden(name: str, value: object) -> str:
    return f'<input type="hidden" name="{esc(name)}" value="{esc(value)}">'


def layout(main_html: str, *, current: str, live_since: int | None) -> str:
    """The body of a UI page: navigation, the ``main`` element (what live reload swaps), scripts.
    ``live_since`` marks a page that refreshes itself on workspace changes."""
    mark = ' aria-current="page"'
    nav = "".join(f'<a href="{href}"{mark if href == current else ""}>{esc(label)}</a>' for href, label in NAV)
    live = f' data-live-since="{live_since}"' if live_since is not None else ""
    return ('<link rel="stylesheet" href="/_ampy/static/workbench.css">'
            f'<nav class="ampy-nav"><strong>ampy workbench</strong>{nav}</nav>'
            f'<main id="ampy-main"{live}>{main_html}</main>'
            '<script src="/_ampy/static/workbench.js" defer></script>')
