"""Why a request to a tenant failed, in a few words (requests/urllib3 errors nest reprs of
exception classes several levels deep; a user needs "connection refused", not that chain)."""

from __future__ import annotations

import socket
import ssl


def network_reason(exc: BaseException) -> str:
    """A short reason for a failed HTTP request: connection refused, timed out, name not found ..."""
    import requests

    if isinstance(exc, requests.Timeout):
        return "timed out"
    if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                        requests.exceptions.InvalidSchema, requests.exceptions.URLRequired)):
        return "not a valid URL"
    for cause in _causes(exc):
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, ConnectionResetError):
            return "connection reset"
        if isinstance(cause, socket.gaierror):
            return "host name not found"
        if isinstance(cause, (ssl.SSLError, requests.exceptions.SSLError)):
            return "TLS handshake failed"
        if isinstance(cause, TimeoutError | socket.timeout):
            return "timed out"
    if isinstance(exc, requests.ConnectionError):
        return "cannot connect"
    return "network error"


def _causes(exc: BaseException):
    """``exc`` and everything it wraps (cause, context, urllib3's ``reason``, wrapped arguments)."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        e = todo.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        todo.extend(x for x in (e.__cause__, e.__context__, getattr(e, "reason", None), *e.args)
                    if isinstance(x, BaseException))
