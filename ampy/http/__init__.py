"""Outbound HTTP for the HTTP builtins: one pluggable transport that checks every URL, address and
redirect hop against the account's policy and ends every request at its deadline."""

from .errors import HttpBudgetExceeded, HttpDenied, HttpError, HttpFailed
from .transport import (
    HttpPolicy,
    RequestsTransport,
    Response,
    SafeTransport,
    Transport,
    transport_for,
)

__all__ = ["HttpBudgetExceeded", "HttpDenied", "HttpError", "HttpFailed", "HttpPolicy", "RequestsTransport",
           "Response", "SafeTransport", "Transport", "transport_for"]
