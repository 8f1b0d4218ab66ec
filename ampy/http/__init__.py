"""Outbound HTTP for the HTTP builtins: one pluggable transport behind a host allowlist."""

from .transport import (
    HttpDenied,
    HttpError,
    HttpFailed,
    HttpPolicy,
    RequestsTransport,
    Response,
    Transport,
    transport_for,
)

__all__ = ["HttpDenied", "HttpError", "HttpFailed", "HttpPolicy", "RequestsTransport", "Response",
           "Transport", "transport_for"]
