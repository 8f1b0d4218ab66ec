"""What an outbound request can fail with. All are FunctionErrors, so a builtin's call site turns
them into an AmpscriptRuntimeError pointing at the call."""

from __future__ import annotations

from ..errors import FunctionError


class HttpError(FunctionError):
    """An outbound request could not be made or completed."""


class HttpDenied(HttpError):
    """The account's HTTP policy forbids this URL (its form, scheme, host or address)."""


class HttpFailed(HttpError):
    """The request failed on the way: connection, timeout, oversized body, too many redirects."""


class HttpBudgetExceeded(HttpError):
    """The render used up its total outbound HTTP time. Not an HttpFailed: continueOnError and
    retries must not swallow a render limit."""
