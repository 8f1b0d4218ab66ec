"""The one way builtins reach the network: ``Transport.request(method, url, headers, body)``.

The default transport is built on ``requests`` and enforces the account's HTTP policy
(``[http]`` in ampy.toml): only http/https URLs, only hosts on the allowlist (deny by default),
a timeout, and a cap on the response size (the body is streamed and reading stops at the cap).
Redirects are followed by hand so that every hop is checked against the allowlist.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from ..errors import FunctionError

MAX_REDIRECTS = 5
_CHUNK = 16384


class HttpError(FunctionError):
    """An outbound request could not be made or completed."""


class HttpDenied(HttpError):
    """The account's HTTP policy forbids this URL (scheme or host)."""


class HttpFailed(HttpError):
    """The request failed on the way: connection, timeout, oversized body, too many redirects."""


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)   # in the order received
    body: bytes = b""

    def header(self, name: str) -> str | None:
        low = name.lower()
        for k, v in self.headers:
            if k.lower() == low:
                return v
        return None

    @property
    def text(self) -> str:
        """The body decoded with the Content-Type charset (UTF-8 when none or unknown)."""
        charset = "utf-8"
        for part in (self.header("Content-Type") or "").split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                charset = value.strip().strip('"')
        try:
            return self.body.decode(charset, errors="replace")
        except LookupError:
            return self.body.decode("utf-8", errors="replace")


class HttpPolicy:
    """Which URLs a render may fetch: http/https only, host on the allowlist.

    Allowlist entries are exact host names (``api.example.com``, ``127.0.0.1``) or a wildcard for
    sub-domains (``*.example.com``, which does not match ``example.com`` itself).
    """

    def __init__(self, allow=(), timeout: float = 10.0, max_bytes: int = 1_000_000):
        self.allow = [a.strip().lower().rstrip(".") for a in allow if a and a.strip()]
        self.timeout = timeout
        self.max_bytes = max_bytes

    @classmethod
    def from_settings(cls, settings) -> HttpPolicy:
        return cls(settings.http_allow, settings.http_timeout, settings.http_max_bytes)

    def host_allowed(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        for entry in self.allow:
            if entry.startswith("*."):
                if host.endswith(entry[1:]) and len(host) > len(entry) - 1:
                    return True
            elif host == entry:
                return True
        return False

    def check(self, url: str) -> None:
        """Raise HttpDenied unless ``url`` is an http(s) URL to an allowed host."""
        try:
            parts = urlsplit(url)
            host = parts.hostname or ""
        except ValueError:
            raise HttpDenied(f"'{url}' is not a valid URL") from None
        if parts.scheme.lower() not in ("http", "https"):
            raise HttpDenied(f"only http and https URLs can be requested, not '{url}'")
        if not host:
            raise HttpDenied(f"the URL '{url}' has no host")
        if not self.host_allowed(host):
            raise HttpDenied(
                f"requests to host '{host}' are not allowed; add it to ampy.toml: "
                f'[http] allow = ["{host}"]')


class Transport:
    """Base class: one outbound HTTP exchange. Subclasses implement ``request``."""

    def request(self, method: str, url: str, headers: list[tuple[str, str]] | None = None,
                body: bytes | None = None) -> Response:
        raise NotImplementedError


class RequestsTransport(Transport):
    """The default transport: ``requests`` under an HttpPolicy (allowlist, timeout, size cap)."""

    def __init__(self, policy: HttpPolicy):
        self.policy = policy

    def request(self, method: str, url: str, headers: list[tuple[str, str]] | None = None,
                body: bytes | None = None) -> Response:
        import requests

        deadline = time.monotonic() + self.policy.timeout
        hops = 0
        with requests.Session() as session:
            # No ambient credentials (.netrc) may be sent to hosts a script chose.
            session.trust_env = False
            while True:
                self.policy.check(url)
                response = self._send(session, method, url, headers, body, deadline)
                location = response.header("Location")
                if response.status in (301, 302, 303, 307, 308) and location:
                    hops += 1
                    if hops > MAX_REDIRECTS:
                        raise HttpFailed(f"more than {MAX_REDIRECTS} redirects starting at {url}")
                    url = urljoin(url, location)
                    if response.status in (301, 302, 303) and method.upper() != "HEAD":
                        method, body = "GET", None   # what browsers and .NET do
                        headers = [(k, v) for k, v in (headers or []) if k.lower() != "content-type"]
                    continue
                return response

    def _send(self, session, method, url, headers, body, deadline) -> Response:
        import requests

        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise HttpFailed(f"{method} {url} timed out after {self.policy.timeout:g} seconds")
        try:
            with session.request(method, url, headers=dict(headers or []), data=body, stream=True,
                                 allow_redirects=False, timeout=remaining) as r:
                chunks, size = [], 0
                for chunk in r.raw.stream(_CHUNK, decode_content=True):
                    size += len(chunk)
                    if size > self.policy.max_bytes:
                        raise HttpFailed(f"the response from {url} is larger than the limit of "
                                         f"{self.policy.max_bytes} bytes")
                    if time.monotonic() > deadline:
                        raise HttpFailed(f"{method} {url} timed out after {self.policy.timeout:g} seconds")
                    chunks.append(chunk)
                return Response(r.status_code, list(r.raw.headers.items()), b"".join(chunks))
        except requests.Timeout:
            raise HttpFailed(f"{method} {url} timed out after {self.policy.timeout:g} seconds") from None
        except requests.RequestException as e:
            raise HttpFailed(f"{method} {url} failed: {_reason(e)}") from None


def _reason(exc: Exception) -> str:
    """A short reason for a connection failure, without the library's nested repr chains."""
    text = str(exc)
    for marker in ("Connection refused", "Name or service not known", "No route to host",
                   "Connection reset", "Temporary failure in name resolution"):
        if marker in text:
            return marker.lower()
    return exc.__class__.__name__


def transport_for(ctx) -> Transport:
    """The transport a render uses: the backend's own when it carries one (an embedding
    application or a test can plug one in as ``backend.http_transport``), else the default
    requests transport under the render's settings. One per render, kept in ``ctx.cache``."""
    cached = ctx.cache.get("http.transport")
    if cached is None:
        cached = getattr(ctx.backend, "http_transport", None) or RequestsTransport(
            HttpPolicy.from_settings(ctx.settings))
        ctx.cache["http.transport"] = cached
    return cached
