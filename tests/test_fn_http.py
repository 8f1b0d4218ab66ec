"""HTTP builtins against a real HTTP server on 127.0.0.1, and the transport's policy."""

import json
import socket
from typing import ClassVar

import pytest
from http_support import QuietHandler, serving

import ampy
from ampy.http.transport import HttpDenied, HttpPolicy, RequestsTransport, Response, Transport
from ampy.runtime.request import RequestContext
from ampy.settings import Settings


class Handler(QuietHandler):
    flaky_left: ClassVar[dict] = {"n": 0}   # how many more /flaky posts answer 503

    def do_GET(self):
        port = self.server.server_address[1]
        routes = {
            "/hello": lambda: self._send(200, b"Hello, world"),
            "/utf8": lambda: self._send(200, "Grüße €".encode()),
            "/latin1": lambda: self._send(200, "Grüße".encode("latin-1"), "text/plain; charset=ISO-8859-1"),
            "/missing": lambda: self._send(404, b"nope"),
            "/error": lambda: self._send(500, b"boom"),
            "/empty": lambda: self._send(200, b""),
            "/big": lambda: self._send(200, b"x" * 5000),
            "/redirect-in": lambda: self._send(302, b"", extra=[("Location", "/hello")]),
            "/redirect-loop": lambda: self._send(302, b"", extra=[("Location", "/redirect-loop")]),
            "/redirect-out": lambda: self._send(302, b"", extra=[("Location", f"http://localhost:{port}/hello")]),
        }
        routes.get(self.path, lambda: self._send(404, b"unknown"))()

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path == "/fail":
            self._send(400, b"bad request body")
            return
        if self.path == "/flaky" and Handler.flaky_left["n"] > 0:
            Handler.flaky_left["n"] -= 1
            self._send(503, b"try later")
            return
        echo = {"path": self.path, "type": self.headers.get("Content-Type"),
                "token": self.headers.get("X-Token"), "body": body.decode("utf-8")}
        self._send(200, json.dumps(echo, ensure_ascii=False).encode("utf-8"), "application/json",
                   extra=[("X-Reply", "yes"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")])


@pytest.fixture(scope="module")
def server():
    with serving(Handler) as url:
        yield url


ALLOW = Settings(http_allow=["127.0.0.1"])


def run(src, settings=ALLOW, **kw):
    return ampy.compile(src).render(settings=settings, **kw)


def error(src, settings=ALLOW, **kw):
    with pytest.raises(ampy.AmpscriptRuntimeError) as info:
        run(src, settings, **kw)
    return info.value


def test_http_get_returns_the_body(server):
    assert run(f"%%=HTTPGet('{server}/hello')=%%") == "Hello, world"
    assert run(f"%%=HTTPGet('{server}/utf8')=%%") == "Grüße €"
    assert run(f"%%=HTTPGet('{server}/latin1')=%%") == "Grüße"
    src = f"%%[ SET @b = HTTPGet('{server}/hello', 0, 0, @s) ]%%%%=v(@b)=%%|%%=v(@s)=%%"
    assert run(src) == "Hello, world|0"


def test_http_get_follows_redirects_on_allowed_hosts(server):
    assert run(f"%%=HTTPGet('{server}/redirect-in')=%%") == "Hello, world"
    err = error(f"%%=HTTPGet('{server}/redirect-loop')=%%")
    assert err.message == f"HTTPGet: more than 5 redirects starting at {server}/redirect-loop"


def test_a_redirect_to_a_host_outside_the_allowlist_is_refused(server):
    err = error(f"%%=HTTPGet('{server}/redirect-out', 1)=%%")
    assert err.message == ("HTTPGet: requests to host 'localhost' are not allowed; "
                           'add it to ampy.toml: [http] allow = ["localhost"]')


def test_http_get_status_codes_with_continue_on_error(server):
    src = "%%[ SET @b = HTTPGet(@u, true, 0, @s) ]%%[%%=v(@b)=%%]%%=v(@s)=%%"
    assert run("%%[ SET @u = '" + server + "/missing' ]%%" + src) == "[]-1"
    assert run("%%[ SET @u = '" + server + "/error' ]%%" + src) == "[]-2"
    assert run("%%[ SET @u = '" + server + "/empty' ]%%" + src) == "[]-3"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    assert run(f"%%[ SET @u = 'http://127.0.0.1:{closed}/x' ]%%" + src) == "[]-2"


def test_http_get_failures_abort_without_continue_on_error(server):
    err = error(f"%%=HTTPGet('{server}/missing')=%%")
    assert err.message == f"HTTPGet: GET {server}/missing answered HTTP 404"
    err = error(f"%%=HTTPGet('{server}/error', false)=%%")
    assert err.message == f"HTTPGet: GET {server}/error answered HTTP 500"
    err = error(f"%%=HTTPGet('{server}/empty', 0, 1)=%%")
    assert err.message == f"HTTPGet: GET {server}/empty returned an empty body"
    err = error(f"%%=HTTPGet('{server}/empty', 0, 2)=%%")
    assert err.message == f"HTTPGet: GET {server}/empty returned an empty body; subscriber skipped"
    err = error(f"%%=HTTPGet('{server}/empty', 0, 3)=%%")
    assert err.message == "HTTPGet: emptyContentHandling must be 0 (allow), 1 (error) or 2 (skip), not 3"
    err = error("%%=HTTPGet('')=%%")
    assert err.message == "HTTPGet: the URL is empty"


def test_hosts_outside_the_allowlist_are_denied_by_default(server):
    err = error(f"%%=HTTPGet('{server}/hello', 1)=%%", Settings())
    assert err.message == ("HTTPGet: requests to host '127.0.0.1' are not allowed; "
                           'add it to ampy.toml: [http] allow = ["127.0.0.1"]')
    assert (err.line, err.column) == (1, 4)
    err = error("%%=HTTPGet('ftp://127.0.0.1/file')=%%")
    assert err.message == "HTTPGet: only http and https URLs can be requested, not 'ftp://127.0.0.1/file'"
    err = error("%%=HTTPGet('file:///etc/passwd')=%%")
    assert err.message == "HTTPGet: only http and https URLs can be requested, not 'file:///etc/passwd'"


def test_response_size_cap(server):
    small = Settings(http_allow=["127.0.0.1"], http_max_bytes=1000)
    err = error(f"%%=HTTPGet('{server}/big')=%%", small)
    assert err.message == f"HTTPGet: the response from {server}/big is larger than the limit of 1000 bytes"
    assert run(f"%%[ SET @b = HTTPGet('{server}/big', 1, 0, @s) ]%%%%=v(@s)=%%", small) == "-2"
    assert run(f"%%=Length(HTTPGet('{server}/big'))=%%") == "5000"


def test_policy_host_matching():
    policy = HttpPolicy(["api.example.com", "*.example.org", " 127.0.0.1 "])
    assert policy.host_allowed("api.example.com")
    assert policy.host_allowed("API.Example.com.")
    assert not policy.host_allowed("www.example.com")
    assert policy.host_allowed("a.example.org") and policy.host_allowed("a.b.example.org")
    assert not policy.host_allowed("example.org")
    assert not policy.host_allowed("badexample.org")
    assert policy.host_allowed("127.0.0.1")
    with pytest.raises(HttpDenied) as info:
        policy.check("http:///nohost")
    assert str(info.value) == "the URL 'http:///nohost' has no host"


def test_http_post_returns_the_status_and_fills_the_response(server):
    src = (f"%%[ SET @st = HTTPPost('{server}/echo', 'application/json', '{{\"a\":1}}', @resp, "
           "'X-Token', 'abc') ]%%%%=v(@st)=%%|%%=v(@resp)=%%")
    assert run(src) == ('200|{"path": "/echo", "type": "application/json", "token": "abc", '
                        '"body": "{\\"a\\":1}"}')
    err = error(f"%%=HTTPPost('{server}/fail', 'text/plain', 'x', @r)=%%")
    assert err.message == f"HTTPPost: POST {server}/fail answered HTTP 400"
    err = error("%%=HTTPPost('', 'text/plain', 'x')=%%")
    assert err.message == "HTTPPost: the URL is empty"
    err = error(f"%%=HTTPPost('{server}/echo', 'text/plain', 'x', @r, 'X-Token')=%%")
    assert err.message == "HTTPPost: header name/value arguments must come in pairs"


def test_http_post2_response_headers_and_exception_flag(server):
    src = (f"%%[ SET @st = HTTPPost2('{server}/echo', 'text/plain', 'Grüße', true, @resp, @hdrs, "
           "'X-Token', 't1') ]%%%%=v(@st)=%%|%%=v(@resp)=%%|"
           "%%[ FOR @i = 1 TO RowCount(@hdrs) DO SET @h = Row(@hdrs, @i) "
           "IF IndexOf(Field(@h, 'Name'), 'X-') == 1 OR Field(@h, 'Name') == 'Set-Cookie' THEN ]%%"
           "%%=Field(@h, 'Name')=%%=%%=Field(@h, 'Value')=%%;%%[ ENDIF NEXT ]%%")
    assert run(src) == ('200|{"path": "/echo", "type": "text/plain", "token": "t1", "body": "Grüße"}|'
                        "X-Reply=yes;Set-Cookie=a=1;Set-Cookie=b=2;")
    src = (f"%%[ SET @st = HTTPPost2('{server}/fail', 'text/plain', 'x', false, @resp, @hdrs) ]%%"
           "%%=v(@st)=%%|%%=v(@resp)=%%")
    assert run(src) == "400|bad request body"
    err = error(f"%%=HTTPPost2('{server}/fail', 'text/plain', 'x', true, @resp)=%%")
    assert err.message == f"HTTPPost2: POST {server}/fail answered HTTP 400"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    src = (f"%%[ SET @st = HTTPPost2('http://127.0.0.1:{closed}/', 'text/plain', 'x', 0, @resp) ]%%"
           "%%=v(@st)=%%[%%=v(@resp)=%%]")
    assert run(src) == "-1[]"
    err = error(f"%%=HTTPPost2('http://127.0.0.1:{closed}/', 'text/plain', 'x')=%%")
    assert err.message == f"HTTPPost2: POST http://127.0.0.1:{closed}/ failed: connection refused"


def test_http_post_with_retry_retries_server_errors(server):
    Handler.flaky_left["n"] = 2
    src = (f"%%[ SET @st = HTTPPostWithRetry('{server}/flaky', 'text/plain', 'again', 3, false, true, "
           "@resp, @hdrs) ]%%%%=v(@st)=%%|%%=Field(Row(@hdrs, 1), 'Name')=%%")
    assert run(src) == "200|Server"
    assert Handler.flaky_left["n"] == 0
    Handler.flaky_left["n"] = 5
    src = (f"%%[ SET @st = HTTPPostWithRetry('{server}/flaky', 'text/plain', 'x', 1, 0, 0, @resp) ]%%"
           "%%=v(@st)=%%|%%=v(@resp)=%%")
    assert run(src) == "503|try later"
    assert Handler.flaky_left["n"] == 3
    err = error(f"%%=HTTPPostWithRetry('{server}/flaky', 'text/plain', 'x', -1)=%%")
    assert err.message == "HTTPPostWithRetry: the retry count must not be negative, not -1"


class RecordingTransport(Transport):
    def __init__(self):
        self.calls = []

    def request(self, method, url, headers=None, body=None):
        self.calls.append((method, url, headers, body))
        return Response(201, [("Content-Type", "text/plain")], b"created")


def test_a_backend_can_plug_in_its_own_transport():
    from ampy.backends.local import LocalBackend

    backend = LocalBackend()
    backend.http_transport = RecordingTransport()
    out = ampy.compile("%%=HTTPPost('https://api.example.com/x', 'text/csv', 'a,b', @r)=%%|%%=v(@r)=%%").render(
        backend=backend)
    assert out == "201|created"
    assert backend.http_transport.calls == [
        ("POST", "https://api.example.com/x", [("Content-Type", "text/csv")], b"a,b")]


def test_requests_transport_direct(server):
    t = RequestsTransport(HttpPolicy(["127.0.0.1"], timeout=5, max_bytes=100))
    r = t.request("GET", f"{server}/hello")
    assert (r.status, r.body, r.header("content-type")) == (200, b"Hello, world", "text/plain; charset=utf-8")


def test_http_request_header():
    req = RequestContext(headers={"User-Agent": "Mozilla/5.0", "X-Custom": "yes"})
    assert run("%%=HTTPRequestHeader('user-agent')=%%|%%=HTTPRequestHeader('X-CUSTOM')=%%", request=req) == \
        "Mozilla/5.0|yes"
    assert run("[%%=HTTPRequestHeader('Referer')=%%]", request=req) == "[]"
    assert run("[%%=HTTPRequestHeader('Referer')=%%]") == "[]"
    err = error("%%=HTTPRequestHeader('Referer')=%%", context="email")
    assert err.message == ("HTTPRequestHeader is not allowed in email content "
                           "(10004: needs an inbound HTTP request)")


def test_is_chtml_browser():
    assert run("%%=IsCHTMLBrowser('DoCoMo/2.0 N905i(c100;TB;W24H16)')=%%") == "True"
    assert run("%%=IsCHTMLBrowser('KDDI-SA31 UP.Browser/6.2.0.7.3.129 (GUI) MMP/2.0')=%%") == "True"
    assert run("%%=IsCHTMLBrowser('portalmmm/2.0 N410i(c20;TB)')=%%") == "True"
    assert run("%%=IsCHTMLBrowser('Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)')=%%") == "False"
    err = error("%%=IsCHTMLBrowser('')=%%")
    assert err.message == "IsCHTMLBrowser: the user agent is empty"
    err = error("%%=IsCHTMLBrowser('x')=%%", context="email")
    assert err.message == "IsCHTMLBrowser is not allowed in email content (10004: non-sendable content only)"


def test_redirect_to_and_wrap_long_url_return_the_input():
    long_url = "https://example.com/?" + "a" * 1200
    assert run(f"%%=RedirectTo('{long_url}')=%%") == long_url
    assert run(f"%%=WrapLongURL('{long_url}')=%%", context="email") == long_url


@pytest.mark.parametrize("call, expected", [
    ("URLEncode('http://example.com/a b/?q=hello world&x=1')", "http://example.com/a b/?q=hello%20world&x=1"),
    ("URLEncode('https://example.com/path with space')", "https://example.com/path with space"),
    ("URLEncode('hello world')", "hello world"),
    ("URLEncode('hello world', 0, 1)", "hello%20world"),
    ("URLEncode('hello world & co/€', 1)", "hello world & co/€"),
    ("URLEncode('hello world & co/€', 1, 1)", "hello+world+%26+co%2f%e2%82%ac"),
    ("URLEncode('hello world', 'true', 'true')", "hello+world"),
    ("URLEncode('HTTP://example.com/?q=a b/c:d&e=f=g', 1)", "HTTP://example.com/?q=a+b%2fc%3ad&e=f%3dg"),
    ("URLEncode('http://example.com/?n=Ann O''Neil (CEO)', true, false)",
     "http://example.com/?n=Ann+O%27Neil+(CEO)"),
    ("URLEncode('http://example.com/?q=a b', false)", "http://example.com/?q=a%20b"),
])
def test_url_encode(call, expected):
    assert run(f"%%={call}=%%") == expected
