"""Click tracking of local sends through ``ampy serve``.

As the platform tracks the links of an HTML email, every ``<a href="http(s)://...">`` in a
delivered HTML body is rewritten to ``<public_url>/_ampy/click/<SendID>/<URLID>/<subscriber>``;
links built with ``RedirectTo``/``WrapLongURL`` are anchors like any other by then, so they are
tracked the same way. ``mailto:``, ``tel:``, fragment and relative links are left alone, and so
is an anchor with ``data-ampy-track="false"`` (ampy's own opt-out, removed on delivery). The text
part is not rewritten. ``public_url`` is ``[server] public_url`` in ampy.toml (default
``http://127.0.0.1:8080``).

A send's links get URLIDs 1, 2, ... in order of first appearance (table ``ampy_tracked_link``,
created on first use). A click on the served route is stored as a ``ClickEvent`` (SendID,
SubscriberKey, EventDate, EventType "Click", URLID, URL), retrievable through Retrieve.
"""

from __future__ import annotations

import base64
import re
from html import escape, unescape

from ..api.model import ApiObject
from ..settings import public_url
from .objects import now_text

CLICK_PREFIX = "/_ampy/click/"
TABLE = "ampy_tracked_link"
_CREATE = (f"CREATE TABLE IF NOT EXISTS {TABLE} (send_id INTEGER NOT NULL, url_id INTEGER NOT NULL,"
           " url TEXT NOT NULL, alias TEXT, PRIMARY KEY (send_id, url_id))")
# An opening <a ...> tag and, inside it, its href attribute (quoted either way).
_ANCHOR = re.compile(r"<a\b[^>]*>", re.IGNORECASE)
_HREF = re.compile(r"""(\bhref\s*=\s*)(["'])(.*?)\2""", re.IGNORECASE | re.DOTALL)
_ALIAS = re.compile(r"""\balias\s*=\s*(["'])(.*?)\1""", re.IGNORECASE | re.DOTALL)
_OPT_OUT = re.compile(r"""\s*\bdata-ampy-track\s*=\s*(["'])false\1""", re.IGNORECASE)
_TRACKABLE = re.compile(r"^https?://", re.IGNORECASE)


def _ensure(store) -> None:
    if not getattr(store, "_tracked_links_ready", False):
        with store.transaction() as db:
            db.execute(_CREATE)
        store._tracked_links_ready = True


def _subscriber_token(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode("utf-8")).decode("ascii").rstrip("=")


def _subscriber_from(token: str) -> str | None:
    try:
        return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None


class LinkTracker:
    """Rewrites the links of one send's HTML bodies; URLIDs are shared by all its subscribers."""

    def __init__(self, cloud, send_id: int):
        self.cloud = cloud
        self.send_id = send_id
        self.base = public_url(cloud.settings)
        self._ids: dict[str, int] = {}

    def rewrite(self, rendered: dict, subscriber_key: str) -> dict:
        """The rendered parts with the HTML body's links pointing at the click route."""
        html = rendered.get("HTMLBody")
        if not html or "<" not in html:
            return rendered
        token = _subscriber_token(subscriber_key)

        def anchor(m: re.Match) -> str:
            tag = m.group(0)
            if _OPT_OUT.search(tag):
                return _OPT_OUT.sub("", tag)
            href = _HREF.search(tag)
            if href is None:
                return tag
            url = unescape(href.group(3)).strip()
            if not _TRACKABLE.match(url) or url.startswith(self.base + CLICK_PREFIX):
                return tag
            alias = _ALIAS.search(tag)
            url_id = self._url_id(url, unescape(alias.group(2)) if alias else None)
            tracked = f"{self.base}{CLICK_PREFIX}{self.send_id}/{url_id}/{token}"
            return tag[:href.start(3)] + escape(tracked) + tag[href.end(3):]

        return {**rendered, "HTMLBody": _ANCHOR.sub(anchor, html)}

    def _url_id(self, url: str, alias: str | None) -> int:
        url_id = self._ids.get(url)
        if url_id is None:
            store = self.cloud.store
            _ensure(store)
            url_id = len(self._ids) + 1
            with store.transaction() as db:
                db.execute(f"INSERT OR REPLACE INTO {TABLE} (send_id, url_id, url, alias) VALUES (?, ?, ?, ?)",
                           (self.send_id, url_id, url, alias))
            self._ids[url] = url_id
        return url_id


def record_click(cloud, path_tail: str, *, record: bool = True) -> str | None:
    """Store the click named by ``<SendID>/<URLID>/<subscriber token>`` (unless ``record`` is
    false) and return the link's target; None when the path names no tracked link."""
    parts = path_tail.strip("/").split("/")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    subscriber = _subscriber_from(parts[2])
    if subscriber is None:
        return None
    store = cloud.store
    _ensure(store)
    with store._lock:
        row = store.db.execute(f"SELECT url FROM {TABLE} WHERE send_id = ? AND url_id = ?",
                               (int(parts[0]), int(parts[1]))).fetchone()
    if row is None or not record:
        return row[0] if row else None
    cloud.objects.insert_many([ApiObject("ClickEvent", {
        "SendID": parts[0], "SubscriberKey": subscriber, "EventDate": now_text(), "EventType": "Click",
        "URLID": parts[1], "URL": row[0]})])
    return row[0]
