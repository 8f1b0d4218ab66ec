"""Live reload: watch a workspace with ``watchfiles`` and tell open pages through server-sent events.

``LiveReload`` runs one watcher thread per server (started by the first UI request). Each burst
of saves becomes one numbered change; ``/_ampy/events`` streams them to the browser. A stream
holds a server thread, so it ends after ``STREAM_SECONDS`` (the browser's EventSource reconnects
by itself and names the last change it saw) and at most ``MAX_STREAMS`` run at once, so open
tabs never starve the pages themselves: a new stream ends the oldest one. The oldest is most
likely a page the browser already left (waitress only notices a closed connection when it next
writes to it); a page still open reconnects and is told what it missed. waitress (3.x) hands
each yielded chunk to the socket at once (its ``send_bytes`` threshold is 1 byte), so events reach
the browser as they happen.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterable, Iterator

DEBOUNCE_MS = 800       # the longest a burst of changes is grouped for
QUIET_MS = 100          # a burst ends after this long without a new change
STREAM_SECONDS = 25.0   # one event stream's life; the browser reconnects after it
HEARTBEAT_SECONDS = 10.0
MAX_STREAMS = 4
RETRY_MS = 1000         # how soon the browser reconnects
IGNORED_DIRS = (".ampy", "outbox")  # the store and delivered mail change on their own


def change_filter(ignore_paths: Iterable[str] = ()):
    """watchfiles' default filter (editor swap files, VCS folders ...) plus ampy's own output."""
    import watchfiles

    return watchfiles.DefaultFilter(ignore_dirs=(*watchfiles.DefaultFilter.ignore_dirs, ".ampy"),
                                    ignore_paths=tuple(ignore_paths))


def watch_changes(paths: Iterable[str], *, ignore_paths: Iterable[str] = (), stop_event=None,
                  only: Iterable[str] | None = None) -> Iterator[list[str]]:
    """Yield the sorted paths of each debounced burst of changes under ``paths``. With ``only``,
    changes to other files are ignored (folders watched for one file in them: editors that save
    by renaming replace the file, so the file itself cannot be watched)."""
    import watchfiles

    wanted = {os.path.realpath(p) for p in only} if only is not None else None
    base = change_filter(ignore_paths)

    def accept(change, path: str) -> bool:
        if not base(change, path):
            return False
        if wanted is None:
            return True
        real = os.path.realpath(path)
        return real in wanted or any(real.startswith(w + os.sep) for w in wanted)

    for changes in watchfiles.watch(*paths, watch_filter=accept, debounce=DEBOUNCE_MS, step=QUIET_MS,
                                    stop_event=stop_event, raise_interrupt=True):
        yield sorted({path for _, path in changes})


class LiveReload:
    """Numbered changes of one workspace, and the event stream that announces them."""

    def __init__(self, root: str):
        self.root = os.path.realpath(root)
        self.version = 0
        self.paths: list[str] = []   # workspace-relative paths of the latest change
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._streams: list[_Stream] = []   # open streams, oldest first

    def start(self) -> None:
        """Start watching (once; later calls do nothing)."""
        with self._cond:
            if self._thread is not None or self._stop.is_set():
                return
            self._thread = threading.Thread(target=self._watch, name="ampy-live-reload", daemon=True)
            self._thread.start()

    def _watch(self) -> None:
        ignore = [os.path.join(self.root, d) for d in IGNORED_DIRS]
        try:
            for paths in watch_changes([self.root], ignore_paths=ignore, stop_event=self._stop):
                self.notify([os.path.relpath(p, self.root).replace(os.sep, "/") for p in paths])
        except (OSError, RuntimeError):  # the folder went away; pages simply stop updating
            return

    def notify(self, paths: list[str]) -> int:
        """Record one change and wake every stream; returns its number."""
        with self._cond:
            self.version += 1
            self.paths = paths
            self._cond.notify_all()
            return self.version

    def wait(self, since: int, timeout: float, stream: _Stream | None = None) -> int:
        """The current change number, once it is past ``since``, the watcher or ``stream`` is
        ended, or ``timeout`` seconds have passed."""
        with self._cond:
            self._cond.wait_for(lambda: self.version > since or self._stop.is_set()
                                or (stream is not None and stream.ended), timeout)
            return self.version

    def close(self) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(5)

    # ---- /_ampy/events ---------------------------------------------------------------------------
    def events(self, environ, start_response):
        """The WSGI response of ``/_ampy/events``: ``change`` events (``id`` = change number,
        ``data`` = JSON with the number and the changed paths) and comment heartbeats."""
        self.start()
        since = _since(environ, self.version)
        headers = [("Content-Type", "text/event-stream; charset=utf-8"), ("Cache-Control", "no-store"),
                   ("X-Content-Type-Options", "nosniff")]
        stream = _Stream()
        with self._cond:
            self._streams.append(stream)
            for old in self._streams[:-MAX_STREAMS]:
                old.ended = True
            self._cond.notify_all()
        start_response("200 OK", headers)
        return self._stream(since, stream)

    def _stream(self, since: int, stream: _Stream) -> Iterator[bytes]:
        try:
            yield f"retry: {RETRY_MS}\n: ampy live reload\n\n".encode()
            deadline = time.monotonic() + STREAM_SECONDS
            while not self._stop.is_set() and not stream.ended:
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                version = self.wait(since, min(HEARTBEAT_SECONDS, left), stream)
                if stream.ended:
                    return
                if version > since:
                    since = version
                    data = json.dumps({"version": version, "paths": self.paths})
                    yield f"id: {version}\nevent: change\ndata: {data}\n\n".encode()
                elif not self._stop.is_set():
                    yield b": ping\n\n"
        finally:
            with self._cond:
                self._streams.remove(stream)


class _Stream:
    """One open event stream; ``ended`` is set to make it finish."""

    __slots__ = ("ended",)

    def __init__(self):
        self.ended = False


def _since(environ, current: int) -> int:
    """The change a page last saw: the stream's Last-Event-ID when reconnecting, else the page's
    ``since`` (the number it was rendered at), else now."""
    from urllib.parse import parse_qs

    for value in (environ.get("HTTP_LAST_EVENT_ID", ""),
                  (parse_qs(environ.get("QUERY_STRING", "")).get("since") or [""])[0]):
        if value.strip().isdigit():
            return min(int(value), current)
    return current


def reload_snippet() -> str:
    """A script tag for a served page: reload it when the workspace changes."""
    return '<script src="/_ampy/static/reload.js" defer></script>'
