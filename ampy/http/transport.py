"""The one way builtins reach the network: ``Transport.request(method, url, headers, body)``.

The default transport enforces the account's HTTP policy (``[http]`` in ampy.toml) at every hop
of a request, redirects included:

1. parse the URL once (``urls.parse_url``), refusing forms that parsers read differently;
2. the host must be on the allowlist (deny by default);
3. resolve the name once, here, and refuse non-public addresses unless allowlisted
   (``addresses``);
4. connect to exactly the address that was checked — no second lookup — sending the original
   name as ``Host`` and, for https, as the TLS server name the certificate is verified against;
5. read under one deadline per request, the render's total HTTP time and its wall time
   (``deadline``), and stop reading at the size cap.
"""

from __future__ import annotations

import http.client
import ipaddress
import re
import socket
import ssl
import threading
import time
import zlib
from dataclasses import dataclass, field
from urllib.parse import urljoin

from ..limits import DEFAULT_LIMITS
from .addresses import AllowList, IPAddress, Resolver, canonical, forbidden_kind, system_resolve
from .deadline import Deadline, DeadlineSocket, HttpBudget
from .errors import HttpBudgetExceeded, HttpDenied, HttpError, HttpFailed
from .urls import Target, parse_url

MAX_REDIRECTS = 5
_PIECE = 16384
_REDIRECTS = (301, 302, 303, 307, 308)
# Headers the transport writes itself: a script must not contradict the checked host or framing.
_OWN_HEADERS = {"host", "content-length", "transfer-encoding", "connection"}
# Credentials do not follow a redirect to another origin (what browsers and requests do).
_ORIGIN_BOUND = {"authorization", "proxy-authorization", "cookie"}
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")   # what an HTTP header name may be (RFC 9110)

__all__ = ["HttpBudget", "HttpBudgetExceeded", "HttpDenied", "HttpError", "HttpFailed", "HttpPolicy",
           "RequestsTransport", "Response", "SafeTransport", "Transport", "open_socket", "transport_for"]


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
    """Which URLs a render may fetch and how long and how much it may read.

    Allow entries are host names (``api.example.com``), sub-domain wildcards (``*.example.com``,
    not matching ``example.com`` itself), IP addresses (``127.0.0.1``) and networks
    (``10.0.0.0/8``); see ``addresses.AllowList``.
    """

    def __init__(self, allow=(), timeout: float = 10.0, max_bytes: int = 1_000_000):
        self.allow = [a.strip().lower().rstrip(".") for a in allow if a and a.strip()]
        self.allowlist = AllowList(self.allow)
        self.timeout = timeout
        self.max_bytes = max_bytes

    @classmethod
    def from_settings(cls, settings) -> HttpPolicy:
        return cls(settings.http_allow, settings.http_timeout, settings.http_max_bytes)

    def host_allowed(self, host: str) -> bool:
        return self.allowlist.host_allowed(host)

    def check(self, url: str) -> Target:
        """The parsed URL, or HttpDenied unless it is a well-formed http(s) URL to an allowed host."""
        target = parse_url(url)
        if not self.host_allowed(target.host):
            raise HttpDenied(
                f"requests to host '{target.host}' are not allowed; add it to ampy.toml: "
                f'[http] allow = ["{target.host}"]')
        return target

    def permitted_addresses(self, target: Target, addresses: list[IPAddress]) -> list[IPAddress]:
        """The addresses that may be dialled: public ones and allowlisted ones, in the resolver's
        order. Only these are ever connected to (a name answering both ``127.0.0.1`` and ``::1``
        works with one of them allowlisted); HttpDenied when none is left."""
        permitted = [ip for ip in addresses if self.allowlist.address_allowed(ip) or not forbidden_kind(ip)]
        if not permitted:
            ip = addresses[0]
            raise HttpDenied(
                f"requests to host '{target.host}' are not allowed: it resolves to {ip}, {forbidden_kind(ip)}; "
                f'if it is meant to be reached, add the address to ampy.toml: [http] allow = ["{ip}"]')
        return permitted


class Transport:
    """Base class: one outbound HTTP exchange. Subclasses implement ``request``."""

    def request(self, method: str, url: str, headers: list[tuple[str, str]] | None = None,
                body: bytes | None = None) -> Response:
        raise NotImplementedError


def open_socket(ip: str, port: int, timeout: float) -> socket.socket:
    """A TCP connection to exactly this address (no name lookup can happen here)."""
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect((ip, port))
        return sock
    except BaseException:
        sock.close()
        raise


_tls_context: ssl.SSLContext | None = None


def default_tls_context() -> ssl.SSLContext:
    """Certificate-verifying TLS, built once (loading the CA bundle takes milliseconds)."""
    global _tls_context
    if _tls_context is None:
        try:
            import certifi  # requests' CA bundle, the one the HTTP functions always used

            _tls_context = ssl.create_default_context(cafile=certifi.where())
        except ImportError:
            _tls_context = ssl.create_default_context()
    return _tls_context


class SafeTransport(Transport):
    """The default transport: plain ``http.client`` on a socket this class connected itself to
    an address the policy checked.

    ``resolver(host, port)`` turns a name into addresses (default: the system's getaddrinfo);
    ``opener(ip, port, timeout)`` connects a socket (default: ``open_socket``); ``tls_context``
    verifies https servers (default: the system's CA store). Tests pass stubs for the first two.
    """

    def __init__(self, policy: HttpPolicy, resolver: Resolver | None = None, opener=None,
                 tls_context: ssl.SSLContext | None = None):
        self.policy = policy
        self.resolver = resolver or system_resolve
        self.opener = opener or open_socket
        self.tls_context = tls_context

    def request(self, method: str, url: str, headers: list[tuple[str, str]] | None = None,
                body: bytes | None = None, *, budget: HttpBudget | None = None) -> Response:
        """One request, redirects followed by hand (every hop checked again). ``budget`` is the
        render's remaining HTTP time: the request ends when it is used up, whatever the timeout."""
        if budget is None:
            deadline = Deadline(time.monotonic() + self.policy.timeout, "timeout")
        else:
            deadline = budget.deadline(self.policy.timeout)
            if deadline.remaining() <= 0:
                raise HttpBudgetExceeded(budget.message(method, url, deadline.limit))
        headers = list(headers or [])
        for name, value in headers:
            if not _TOKEN.fullmatch(name):
                raise HttpError(f"'{name}' is not a valid HTTP header name")
            if any(c in value for c in "\r\n\0"):
                raise HttpError(f"the value of the header '{name}' contains a line break or a NUL character")
        origin = None
        hops = 0
        while True:
            target = self.policy.check(url)
            if origin is not None and target.origin != origin:
                headers = [(k, v) for k, v in headers if k.lower() not in _ORIGIN_BOUND]
            origin = target.origin
            try:
                response, location = self._exchange(method, target, headers, body, deadline)
            except TimeoutError:
                if budget is not None and deadline.limit != "timeout":
                    raise HttpBudgetExceeded(budget.message(method, url, deadline.limit)) from None
                raise HttpFailed(f"{method} {url} timed out after {self.policy.timeout:g} seconds; "
                                 "a slower server needs a larger [http] timeout in ampy.toml") from None
            if location is None:
                return response
            hops += 1
            if hops > MAX_REDIRECTS:
                raise HttpFailed(f"more than {MAX_REDIRECTS} redirects starting at {url}")
            url = urljoin(url, location)
            if response.status in (301, 302, 303) and method.upper() != "HEAD":
                method, body = "GET", None   # what browsers and .NET do
                headers = [(k, v) for k, v in headers if k.lower() != "content-type"]

    # -- one hop ------------------------------------------------------------------------------

    def _exchange(self, method, target: Target, headers, body, deadline: Deadline):
        """(response, redirect location or None) for one hop."""
        addresses = self._addresses(method, target, deadline)
        sock = self._connect(method, target, self.policy.permitted_addresses(target, addresses), deadline)
        conn = http.client.HTTPConnection(target.host, target.port)
        conn.sock = DeadlineSocket(sock, deadline)
        try:
            try:
                self._send(conn, method, target, headers, body)
                reply = conn.getresponse()
                location = reply.getheader("Location")
                if reply.status in _REDIRECTS and location:
                    return Response(reply.status, reply.getheaders()), location
                return Response(reply.status, reply.getheaders(), self._read_body(reply, target)), None
            except (TimeoutError, HttpError):
                raise
            except http.client.RemoteDisconnected:
                raise HttpFailed(f"{method} {target.url} failed: the server closed the connection without "
                                 "answering") from None
            except http.client.IncompleteRead:
                raise HttpFailed(f"{method} {target.url} failed: the connection closed before the whole "
                                 "answer arrived") from None
            except http.client.HTTPException:
                raise HttpFailed(f"{method} {target.url} failed: the server's answer is not valid HTTP") from None
            except OSError as e:
                raise HttpFailed(f"{method} {target.url} failed: {_reason(e)}") from None
        finally:
            conn.close()
            sock.close()

    def _addresses(self, method, target: Target, deadline: Deadline) -> list[IPAddress]:
        """The addresses to check and dial: the literal, or the resolver's one answer (the name
        is resolved once per hop; nothing resolves it again before connecting)."""
        if target.address is not None:
            return [canonical(target.address)]
        answer: dict = {}

        def ask():
            try:
                answer["ips"] = list(self.resolver(target.host, target.port))
            except Exception as e:  # noqa: BLE001 - reported below, in the user's terms
                answer["error"] = e

        # A lookup has no timeout of its own: run it aside and stop waiting at the deadline.
        worker = threading.Thread(target=ask, daemon=True)
        worker.start()
        worker.join(max(deadline.remaining(), 0))
        if worker.is_alive():
            raise TimeoutError("name lookup")
        if "error" in answer:
            raise HttpFailed(f"{method} {target.url} failed: the host name '{target.host}' could not "
                             "be resolved")
        ips: list[IPAddress] = []
        for text in answer["ips"]:
            try:
                ip = canonical(ipaddress.ip_address(str(text).split("%", 1)[0]))
            except ValueError:
                raise HttpFailed(f"{method} {target.url} failed: the host name '{target.host}' resolved "
                                 f"to '{text}', which is not an IP address") from None
            if ip not in ips:
                ips.append(ip)
        if not ips:
            raise HttpFailed(f"{method} {target.url} failed: the host name '{target.host}' has no address")
        return ips

    def _connect(self, method, target: Target, addresses: list[IPAddress], deadline: Deadline):
        """A socket to the first checked address that answers (TLS set up for https)."""
        last: OSError | None = None
        for ip in addresses:
            remaining = deadline.remaining()
            if remaining <= 0:
                raise TimeoutError("connect")
            try:
                sock = self.opener(str(ip), target.port, remaining)
            except TimeoutError:
                raise
            except OSError as e:
                last = e
                continue
            if target.scheme == "https":
                return self._tls(method, target, sock, deadline)
            return sock
        raise HttpFailed(f"{method} {target.url} failed: {_reason(last)}")

    def _tls(self, method, target: Target, sock, deadline: Deadline):
        context = self.tls_context or default_tls_context()
        try:
            sock.settimeout(max(deadline.remaining(), 0.001))
            # The URL's name, not the dialled address, is the SNI name and what the certificate
            # must match (check_hostname is on in a default context).
            return context.wrap_socket(sock, server_hostname=target.host)
        except ssl.SSLCertVerificationError as e:
            sock.close()
            raise HttpFailed(f"{method} {target.url} failed: the certificate of {target.host} could not "
                             f"be verified ({e.verify_message})") from None
        except ssl.SSLError as e:
            sock.close()
            raise HttpFailed(f"{method} {target.url} failed: the TLS handshake failed ({e.reason})") from None
        except BaseException:
            sock.close()
            raise

    @staticmethod
    def _send(conn, method, target: Target, headers, body) -> None:
        conn.putrequest(method, target.target, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", target.host_header)
        given = {k.lower() for k, _ in headers}
        for name, value in headers:
            if name.lower() not in _OWN_HEADERS:
                conn.putheader(name, _header_bytes(value))
        if "user-agent" not in given:
            conn.putheader("User-Agent", "ampy")
        if "accept" not in given:
            conn.putheader("Accept", "*/*")
        if "accept-encoding" not in given:
            conn.putheader("Accept-Encoding", "gzip, deflate")
        conn.putheader("Connection", "close")
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)

    def _read_body(self, reply, target: Target) -> bytes:
        limit = self.policy.max_bytes
        encoding = (reply.getheader("Content-Encoding") or "").strip().lower()
        # gzip or zlib/deflate, told apart by their headers (wbits 32+15); raw deflate is rare.
        inflater = zlib.decompressobj(47) if encoding in ("gzip", "x-gzip", "deflate") else None
        pieces, size = [], 0
        while True:
            raw = reply.read(_PIECE)
            if not raw and reply.length:
                # http.client returns short reads at a premature end without complaint
                raise http.client.IncompleteRead(b"", reply.length)
            piece = raw
            if inflater is not None:
                try:
                    piece = inflater.decompress(raw, limit + 1 - size) if raw else inflater.flush(limit + 1 - size)
                except zlib.error:
                    raise HttpFailed(f"the {encoding} body from {target.url} is corrupt") from None
            size += len(piece)
            if size > limit:
                raise HttpFailed(f"the response from {target.url} is larger than the limit of {limit} bytes")
            pieces.append(piece)
            if not raw or (inflater is not None and inflater.eof):
                return b"".join(pieces)


# The name this transport had when it was built on requests; embedding code may still use it.
RequestsTransport = SafeTransport


def _header_bytes(value: str) -> bytes:
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8")


def _reason(exc: OSError | None) -> str:
    """A short reason for a connection failure, without the library's nested repr chains."""
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, ConnectionResetError):
        return "connection reset"
    if isinstance(exc, BrokenPipeError | ConnectionAbortedError):
        return "the connection was closed by the server"
    if exc is not None and exc.strerror:
        return exc.strerror.lower()
    return "network error"


class RenderTransport(Transport):
    """What a render's builtins call: the backend's or the default transport, charged against
    the render's total HTTP time."""

    def __init__(self, inner: Transport, budget: HttpBudget):
        self.inner = inner
        self.budget = budget

    def request(self, method: str, url: str, headers: list[tuple[str, str]] | None = None,
                body: bytes | None = None) -> Response:
        limit = self.budget.used_up()
        if limit:
            raise HttpBudgetExceeded(self.budget.message(method, url, limit))
        start = time.monotonic()
        try:
            if isinstance(self.inner, SafeTransport):
                return self.inner.request(method, url, headers, body, budget=self.budget)
            return self.inner.request(method, url, headers, body)
        finally:
            self.budget.spent += time.monotonic() - start


def transport_for(ctx) -> Transport:
    """The transport a render uses: the backend's own when it carries one (an embedding
    application or a test can plug one in as ``backend.http_transport``), else the default
    transport under the render's settings; either way charged against ``[limits]
    http_total_time``. One per render, kept in ``ctx.cache`` with the running total."""
    cached = ctx.cache.get("http.transport")
    if cached is None:
        inner = getattr(ctx.backend, "http_transport", None) or SafeTransport(
            HttpPolicy.from_settings(ctx.settings))
        # The render's own limits (with per-render overrides) when the context carries them.
        limits = getattr(ctx, "limits", None) or getattr(ctx.settings, "limits", None) or DEFAULT_LIMITS
        budget = HttpBudget(limits.http_total_time, wall_end=getattr(ctx, "deadline", None),
                            wall_time=limits.wall_time)
        ctx.cache["http.budget"] = budget
        cached = ctx.cache["http.transport"] = RenderTransport(inner, budget)
    return cached
