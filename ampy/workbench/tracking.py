"""The routes links in delivered mail and pages lead to: click tracking and social sharing.

``/_ampy/click/<SendID>/<URLID>/<subscriber>``
    records a ClickEvent for that subscriber of that send (``ampy.cloud.clicks``) and
    redirects (302) to the link's target; an unknown link is 404. A HEAD request (link checkers,
    mail scanners) gets the same answer without a click being recorded.
``/_ampy/social/<network>?url=...``
    redirects (302) to the network's share page for ``url`` (``ampy.functions.social``); a
    network that no longer offers sharing is 410 Gone, an unknown one 404.
"""

from __future__ import annotations

from html import escape
from urllib.parse import parse_qsl

from .common import html_page, respond

CLICK_PREFIX = "/_ampy/click/"
SOCIAL_PREFIX = "/_ampy/social/"


def is_tracking_path(path: str) -> bool:
    return path.startswith(CLICK_PREFIX) or path.startswith(SOCIAL_PREFIX)


class Tracking:
    """WSGI handler of the two routes over a workspace's local cloud."""

    def __init__(self, backend):
        self.backend = backend

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD", "GET") not in ("GET", "HEAD"):
            return respond(start_response, 405, html_page("Method not allowed", "<h1>Method not allowed</h1>"),
                           headers=[("Allow", "GET, HEAD")])
        path = environ.get("PATH_INFO") or "/"
        if path.startswith(CLICK_PREFIX):
            return self.click(path[len(CLICK_PREFIX):], start_response,
                              record=environ.get("REQUEST_METHOD", "GET") == "GET")
        return self.social(path[len(SOCIAL_PREFIX):], environ.get("QUERY_STRING") or "", start_response)

    def click(self, tail: str, start_response, *, record: bool = True):
        cloud = getattr(self.backend, "cloud", None)
        target = None
        if cloud is not None:
            from ..cloud.clicks import record_click

            target = record_click(cloud, tail, record=record)
        if target is None:
            return _not_found(start_response, "No tracked link has this address.")
        return _redirect(start_response, target)

    def social(self, network: str, query: str, start_response):
        from ..functions.social import SHARE_URLS, share_url

        name = network.strip("/").lower()
        if name not in SHARE_URLS:
            return _not_found(start_response, f"No social network is called '{escape(name)}'.")
        content = next((v for k, v in parse_qsl(query, keep_blank_values=True) if k.lower() == "url"), "")
        if not content.strip():
            body = html_page("No content URL", "<h1>No content URL</h1><p>The link has no url parameter.</p>")
            return respond(start_response, 400, body)
        target = share_url(name, content.strip())
        if target is None:
            body = html_page("Network retired", f"<h1>Network retired</h1><p>{escape(name)} no longer offers "
                             "sharing.</p>")
            start_response("410 Gone", [("Content-Type", "text/html; charset=utf-8"),
                                        ("Content-Length", str(len(body)))])
            return [body]
        return _redirect(start_response, target)


def _redirect(start_response, target: str):
    body = html_page("Redirect", f'<p><a href="{escape(target)}">{escape(target)}</a></p>')
    return respond(start_response, 302, body, headers=[("Location", target), ("Cache-Control", "no-store")])


def _not_found(start_response, message: str):
    return respond(start_response, 404, html_page("Not found", f"<h1>Not found</h1><p>{message}</p>"))
