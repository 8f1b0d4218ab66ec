"""HTTP functions cannot be turned against the host: URL forms that parsers read differently,
names that resolve to internal addresses, DNS rebinding, redirects into private ranges, trickled
answers and the render's total HTTP time. Real HTTP(S) servers on 127.0.0.1; names are resolved
by a stub, and every connection is checked so that nothing leaves 127.0.0.1."""

import datetime
import gzip
import ipaddress
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

import ampy
from ampy.backends.local import LocalBackend
from ampy.http.addresses import AllowList, forbidden_kind
from ampy.http.deadline import HttpBudget
from ampy.http.errors import HttpBudgetExceeded, HttpDenied, HttpFailed
from ampy.http.transport import HttpPolicy, RenderTransport, SafeTransport, open_socket
from ampy.http.urls import parse_url
from ampy.limits import Limits
from ampy.settings import Settings, load_settings

PUBLIC = "93.184.216.34"   # stands for a public server; connections to it are routed to 127.0.0.1


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _send(self, status, body=b"", extra=()):
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _trickle(self, data: bytes, gap: float) -> None:
        # One byte at a time until the client hangs up (bounded: the data is short).
        try:
            for i in range(len(data)):
                self.wfile.write(data[i:i + 1])
                self.wfile.flush()
                time.sleep(gap)
        except OSError:
            pass

    def do_GET(self):
        self.server.seen.append(self.path)
        path, _, query = self.path.partition("?")
        if path == "/hello":
            self._send(200, b"Hello, world")
        elif path == "/secret":
            self._send(200, b"internal secret")
        elif path == "/host":
            self._send(200, self.headers.get("Host", "").encode())
        elif path == "/auth":
            self._send(200, f"auth={self.headers.get('Authorization')} cookie={self.headers.get('Cookie')}".encode())
        elif path == "/gzip":
            body = gzip.compress(b"z" * int(parse_qs(query)["n"][0]))
            self._send(200, body, extra=[("Content-Encoding", "gzip")])
        elif path == "/redirect":
            self._send(302, extra=[("Location", parse_qs(query)["to"][0])])
        elif path == "/trickle-body":
            self.send_response(200)
            self.send_header("Content-Length", "40")
            self.end_headers()
            self._trickle(b"x" * 40, 0.3)
        elif path == "/trickle-headers":
            self._trickle(b"HTTP/1.1 200 OK\r\nX-Slow: " + b"y" * 40 + b"\r\n\r\n", 0.3)
        else:
            self._send(404, b"unknown")

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.do_GET()


def start(server):
    server.seen = []
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return thread


def stop(server, thread):
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = start(httpd)
    yield httpd
    stop(httpd, thread)


@pytest.fixture(autouse=True)
def fresh(server):
    server.seen.clear()


class Net:
    """A stub resolver and a connection opener that reach only the local test server."""

    def __init__(self, port, names=None):
        self.port = port
        self.names = {k: list(v) for k, v in (names or {}).items()}   # name -> answers, one per lookup
        self.lookups = []
        self.dialled = []

    def resolve(self, host, port):
        self.lookups.append(host)
        answers = self.names.get(host)
        if not answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        return answer if isinstance(answer, list) else [answer]

    def open(self, ip, port, timeout):
        self.dialled.append((ip, port))
        if ip not in ("127.0.0.1", "::1", PUBLIC):
            raise AssertionError(f"the test tried to connect to {ip}")
        return open_socket("127.0.0.1", self.port, timeout)


def render(src, allow, net=None, **settings):
    backend = LocalBackend()
    policy = Settings(http_allow=allow, **settings)
    if net is not None:
        backend.http_transport = SafeTransport(HttpPolicy.from_settings(policy), resolver=net.resolve,
                                               opener=net.open)
    return ampy.compile(src).render(backend=backend, settings=policy)


def refused(src, allow, net=None, **settings):
    with pytest.raises(ampy.AmpscriptRuntimeError) as info:
        render(src, allow, net, **settings)
    return info.value.message


def port_of(server):
    return server.server_address[1]


# -- URL forms two parsers read differently --------------------------------------------------------

@pytest.mark.parametrize("url, message", [
    ("http://127.0.0.1:{port}\\@allowed.test/../x",
     "the URL 'http://127.0.0.1:{port}\\@allowed.test/../x' contains a backslash; write '/' (or %5C inside the path)"),
    ("http://allowed.test\\.evil.test/",
     "the URL 'http://allowed.test\\.evil.test/' contains a backslash; write '/' (or %5C inside the path)"),
    ("http://allowed.test/a\\b", "the URL 'http://allowed.test/a\\b' contains a backslash; write '/' (or %5C inside "
                                 "the path)"),
    ("http://allowed.test@127.0.0.1:{port}/secret",
     "the URL 'http://allowed.test@127.0.0.1:{port}/secret' carries a user name or password (user@host); send "
     "credentials in a header instead"),
    ("http://user:pw@allowed.test/",
     "the URL 'http://user:pw@allowed.test/' carries a user name or password (user@host); send credentials in a "
     "header instead"),
    ("http://allowed%2etest/", "the host of the URL 'http://allowed%2etest/' is percent-encoded; write it out"),
    ("http://%31%32%37.0.0.1/", "the host of the URL 'http://%31%32%37.0.0.1/' is percent-encoded; write it out"),
    ("http://[fe80::1%25eth0]/", "the host of the URL 'http://[fe80::1%25eth0]/' is percent-encoded; write it out"),
    ("http://allowed.test\r\nX-Evil: 1/",
     "the URL 'http://allowed.test\\x0d\\x0aX-Evil: 1/' contains a control character (a line break, tab ...)"),
    ("http://allowed.test/\x00", "the URL 'http://allowed.test/\\x00' contains a control character (a line break, "
                                 "tab ...)"),
    ("http://allowed .test/", "the host of the URL 'http://allowed .test/' contains a space"),
    ("http://2130706433/", "the host '2130706433' in the URL 'http://2130706433/' is not a valid IPv4 address; write "
                           "it as four decimal numbers (127.0.0.1), not in hex, octal or as one number"),
    ("http://0x7f.1/", "the host '0x7f.1' in the URL 'http://0x7f.1/' is not a valid IPv4 address; write it as four "
                       "decimal numbers (127.0.0.1), not in hex, octal or as one number"),
    ("http://0177.0.0.1/", "the host '0177.0.0.1' in the URL 'http://0177.0.0.1/' is not a valid IPv4 address; write "
                           "it as four decimal numbers (127.0.0.1), not in hex, octal or as one number"),
    ("http://127.1/", "the host '127.1' in the URL 'http://127.1/' is not a valid IPv4 address; write it as four "
                      "decimal numbers (127.0.0.1), not in hex, octal or as one number"),
    ("http://allowed.test:0/", "the port '0' in the URL 'http://allowed.test:0/' is not a number from 1 to 65535"),
    ("http://allowed.test:65536/",
     "the port '65536' in the URL 'http://allowed.test:65536/' is not a number from 1 to 65535"),
    ("http://allowed.test:+80/",
     "the port '+80' in the URL 'http://allowed.test:+80/' is not a number from 1 to 65535"),
    ("http://allowed.test:8o/", "the port '8o' in the URL 'http://allowed.test:8o/' is not a number from 1 to 65535"),
    ("http://allowed.test:/", "the port '' in the URL 'http://allowed.test:/' is not a number from 1 to 65535"),
    ("http://[::1/", "the URL 'http://[::1/' has an unclosed '[' in its host"),
    ("http://[127.0.0.1]/", "'[127.0.0.1]' in the URL 'http://[127.0.0.1]/' is not an IPv6 address"),
    ("http://allowed_.test-/",
     "the host 'allowed_.test-' in the URL 'http://allowed_.test-/' is not a valid host name"),
    ("http:/allowed.test/", "the URL 'http:/allowed.test/' has no host (it must start with http://)"),
    ("http://:80/", "the URL 'http://:80/' has no host"),
    ("gopher://allowed.test/", "only http and https URLs can be requested, not 'gopher://allowed.test/'"),
    ("file:///etc/passwd", "only http and https URLs can be requested, not 'file:///etc/passwd'"),
])
def test_urls_parsers_disagree_on_are_refused(server, url, message):
    net = Net(port_of(server), {"allowed.test": [PUBLIC]})
    url, message = url.format(port=port_of(server)), message.format(port=port_of(server))
    src = "%%[ SET @u = HTTPGet(@url, 1, 0, @s) ]%%"
    with pytest.raises(ampy.AmpscriptRuntimeError) as info:
        backend = LocalBackend()
        backend.http_transport = SafeTransport(HttpPolicy(["allowed.test", "*.allowed.test"]), resolver=net.resolve,
                                               opener=net.open)
        ampy.compile("%%[ SET @url = AttributeValue('url') ]%%" + src).render(backend=backend,
                                                                           attributes={"url": url})
    assert info.value.message == "HTTPGet: " + message
    assert (net.lookups, net.dialled, server.seen) == ([], [], [])


@pytest.mark.parametrize("host", ["169.254.169.254", "[::ffff:127.0.0.1]", "[::1]", "127.0.0.1", "10.0.0.1",
                                  "[::ffff:169.254.169.254]"])
def test_address_literals_need_the_address_on_the_allowlist(server, host):
    shown = str(ipaddress.ip_address(host.strip("[]")))
    message = refused(f"%%=HTTPGet('http://{host}:{port_of(server)}/secret', 1)=%%", ["allowed.test"])
    assert message == (f"HTTPGet: requests to host '{shown}' are not allowed; add it to ampy.toml: "
                       f'[http] allow = ["{shown}"]')
    assert server.seen == []


def test_url_parts_reach_the_wire_as_parsed():
    t = parse_url("HTTPS://Bücher.Example:8443/a b/ü?q=a b&r=%2F#frag")
    assert (t.scheme, t.host, t.port, t.target, t.address) == (
        "https", "xn--bcher-kva.example", 8443, "/a%20b/%C3%BC?q=a%20b&r=%2F", None)
    assert t.host_header == "xn--bcher-kva.example:8443"
    t = parse_url("http://[::FFFF:127.0.0.1]?x")
    assert (t.host, t.port, t.target, str(t.address), t.host_header) == (
        "::ffff:7f00:1", 80, "/?x", "::ffff:7f00:1", "[::ffff:7f00:1]")
    assert parse_url("https://example.com.:443").host_header == "example.com"


# -- names resolving to internal addresses -------------------------------------------------------

@pytest.mark.parametrize("answer, kind", [
    ("127.0.0.1", "a loopback address"),
    ("127.8.9.10", "a loopback address"),
    ("169.254.169.254", "a link-local address"),
    ("10.1.2.3", "a private address"),
    ("192.168.0.10", "a private address"),
    ("172.16.5.5", "a private address"),
    ("100.64.0.1", "a shared (carrier-grade NAT) address"),
    ("0.0.0.0", "an unspecified address"),
    ("224.0.0.1", "a multicast address"),
    ("240.0.0.1", "a reserved address"),
    ("::1", "a loopback address"),
    ("::", "an unspecified address"),
    ("fe80::1", "a link-local address"),
    ("fc00::1", "a private address"),
    ("ff02::1", "a multicast address"),
    ("::ffff:127.0.0.1", "a loopback address"),
    ("2002:7f00:1::", "a 6to4 form of a loopback address (127.0.0.1)"),
    ("2002:a9fe:a9fe::1", "a 6to4 form of a link-local address (169.254.169.254)"),
    ("64:ff9b::a9fe:a9fe", "a NAT64 form of a link-local address (169.254.169.254)"),
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", "a Teredo form of a loopback address (127.0.0.1)"),
])
def test_an_allowlisted_name_resolving_to_an_internal_address_is_refused(server, answer, kind):
    net = Net(port_of(server), {"allowed.test": [answer]})
    shown = str(ipaddress.ip_address(answer)) if answer != "::ffff:127.0.0.1" else "127.0.0.1"
    message = refused(f"%%=HTTPGet('http://allowed.test:{port_of(server)}/secret', 1)=%%", ["allowed.test"], net)
    assert message == (f"HTTPGet: requests to host 'allowed.test' are not allowed: it resolves to {shown}, {kind}; "
                       f'if it is meant to be reached, add the address to ampy.toml: [http] allow = ["{shown}"]')
    assert (net.lookups, net.dialled, server.seen) == (["allowed.test"], [], [])


def test_only_the_permitted_addresses_of_a_name_are_dialled(server):
    port = port_of(server)
    net = Net(port, {"allowed.test": [["10.0.0.7", PUBLIC, "::1"]], "inside.test": [["10.0.0.7", "::1"]]})
    assert render(f"%%=HTTPGet('http://allowed.test:{port}/hello')=%%", ["allowed.test"], net) == "Hello, world"
    assert net.dialled == [(PUBLIC, port)]
    message = refused(f"%%=HTTPGet('http://inside.test:{port}/hello')=%%", ["inside.test"], net)
    assert message == ("HTTPGet: requests to host 'inside.test' are not allowed: it resolves to 10.0.0.7, a private "
                       'address; if it is meant to be reached, add the address to ampy.toml: [http] allow = '
                       '["10.0.0.7"]')
    # With one of them allowlisted, that one is dialled and the other never.
    both = Net(port, {"inside.test": [["127.0.0.1", "::1"]]})
    assert render(f"%%=HTTPGet('http://inside.test:{port}/hello')=%%", ["inside.test", "::1"], both) == "Hello, world"
    assert (net.dialled, both.dialled) == ([(PUBLIC, port)], [("::1", port)])


def test_public_addresses_are_public():
    assert [forbidden_kind(ipaddress.ip_address(a)) for a in (PUBLIC, "8.8.8.8", "2606:4700::1111",
                                                              "::ffff:8.8.8.8", "2002:808:808::1")] == [None] * 5


def test_an_allowlisted_name_on_an_allowlisted_address_works_and_keeps_its_host_header(server):
    port = port_of(server)
    net = Net(port, {"allowed.test": ["127.0.0.1"]})
    src = f"%%=HTTPGet('http://Allowed.Test:{port}/host')=%%"
    assert render(src, ["allowed.test", "127.0.0.1"], net) == f"allowed.test:{port}"
    assert render(src, ["allowed.test", "127.0.0.0/8"], net) == f"allowed.test:{port}"
    assert net.dialled == [("127.0.0.1", port)] * 2


def test_an_allowlisted_exact_address_works_end_to_end(server):
    port = port_of(server)
    src = f"%%[ SET @b = HTTPGet('http://127.0.0.1:{port}/hello', 0, 0, @s) ]%%%%=v(@b)=%%|%%=v(@s)=%%"
    assert render(src, ["127.0.0.1"]) == "Hello, world|0"
    assert render(src, ["127.0.0.0/8"]) == "Hello, world|0"
    assert render(f"%%=HTTPGet('http://[::ffff:127.0.0.1]:{port}/host')=%%", ["127.0.0.1"]) == \
        f"[::ffff:7f00:1]:{port}"
    assert server.seen == ["/hello", "/hello", "/host"]


def test_allow_entries_in_ampy_toml(tmp_path):
    toml = tmp_path / "ampy.toml"
    toml.write_text('[http]\nallow = ["api.example.com", "*.example.org", "127.0.0.1", "10.0.0.0/8", "::1", '
                    '"[fd00::]", "fd00::/8"]\n', encoding="utf-8")
    allow = AllowList(load_settings(str(toml)).http_allow)
    assert (allow.names, allow.suffixes) == ({"api.example.com"}, [".example.org"])
    assert [str(n) for n in allow.networks] == ["127.0.0.1/32", "10.0.0.0/8", "::1/128", "fd00::/128", "fd00::/8"]
    assert allow.host_allowed("10.9.8.7") and allow.host_allowed("::1") and not allow.host_allowed("11.0.0.1")
    assert allow.address_allowed(ipaddress.ip_address("::ffff:10.1.1.1"))
    toml.write_text('[http]\nallow = ["10.0.0.1/8"]\n', encoding="utf-8")
    with pytest.raises(ValueError) as info:
        load_settings(str(toml))
    assert str(info.value) == (f"{toml}: [http] allow: '10.0.0.1/8' is not a valid address or network "
                               "(10.0.0.1/8 has host bits set)")
    toml.write_text('[http]\nallow = ["api.example.com/v1"]\n', encoding="utf-8")
    with pytest.raises(ValueError) as info:
        load_settings(str(toml))
    assert str(info.value) == f"{toml}: [http] allow: 'api.example.com/v1' is not a host name, an address or a network"


# -- DNS rebinding -----------------------------------------------------------------------------

def test_dns_rebinding_connects_only_to_the_checked_address(server):
    port = port_of(server)
    # The first lookup says "public", every later one says 127.0.0.1.
    net = Net(port, {"rebind.test": [PUBLIC, "127.0.0.1"]})
    src = f"%%=HTTPGet('http://rebind.test:{port}/hello')=%%"
    assert render(src, ["rebind.test"], net) == "Hello, world"
    # One lookup for the request, and the connection went to the address that lookup gave.
    assert (net.lookups, net.dialled) == (["rebind.test"], [(PUBLIC, port)])
    message = refused(src, ["rebind.test"], net)
    assert message.startswith("HTTPGet: requests to host 'rebind.test' are not allowed: it resolves to 127.0.0.1, "
                              "a loopback address;")
    assert (net.lookups, net.dialled, server.seen) == (["rebind.test"] * 2, [(PUBLIC, port)], ["/hello"])


# -- redirects -----------------------------------------------------------------------------------

def _redirect(to):
    from ampy.functions.http import encode_all

    return f"/redirect?to={encode_all(to)}"


@pytest.mark.parametrize("to, message", [
    ("http://127.0.0.1:{port}/secret",
     "requests to host '127.0.0.1' are not allowed; add it to ampy.toml: [http] allow = [\"127.0.0.1\"]"),
    ("http://169.254.169.254/latest/meta-data/",
     "requests to host '169.254.169.254' are not allowed; add it to ampy.toml: [http] allow = [\"169.254.169.254\"]"),
    ("http://[::ffff:7f00:1]:{port}/secret",
     "requests to host '::ffff:7f00:1' are not allowed; add it to ampy.toml: [http] allow = [\"::ffff:7f00:1\"]"),
    ("http://internal.allowed.test:{port}/secret",
     "requests to host 'internal.allowed.test' are not allowed: it resolves to 10.0.0.5, a private address; if it "
     "is meant to be reached, add the address to ampy.toml: [http] allow = [\"10.0.0.5\"]"),
    ("http://127.0.0.1:{port}\\@allowed.test/secret",
     "the URL 'http://127.0.0.1:{port}\\@allowed.test/secret' contains a backslash; write '/' (or %5C inside the "
     "path)"),
    ("http://allowed.test@127.0.0.1:{port}/secret",
     "the URL 'http://allowed.test@127.0.0.1:{port}/secret' carries a user name or password (user@host); send "
     "credentials in a header instead"),
])
def test_a_redirect_into_internal_addresses_is_refused_at_the_hop(server, to, message):
    port = port_of(server)
    to, message = to.format(port=port), message.format(port=port)
    net = Net(port, {"allowed.test": [PUBLIC], "internal.allowed.test": ["10.0.0.5"]})
    src = f"%%=HTTPGet('http://allowed.test:{port}{_redirect(to)}', 1)=%%"
    assert refused(src, ["allowed.test", "*.allowed.test"], net) == "HTTPGet: " + message
    assert net.dialled == [(PUBLIC, port)]
    assert [p.split("?")[0] for p in server.seen] == ["/redirect"]


def test_a_redirect_between_checked_hosts_is_followed(server):
    port = port_of(server)
    net = Net(port, {"allowed.test": [PUBLIC], "other.allowed.test": [PUBLIC]})
    src = f"%%=HTTPGet('http://allowed.test:{port}{_redirect(f'http://other.allowed.test:{port}/host')}')=%%"
    assert render(src, ["allowed.test", "*.allowed.test"], net) == f"other.allowed.test:{port}"
    assert net.lookups == ["allowed.test", "other.allowed.test"]


def test_credentials_do_not_follow_a_redirect_to_another_origin(server):
    port = port_of(server)
    net = Net(port, {"allowed.test": [PUBLIC], "other.allowed.test": [PUBLIC]})
    transport = SafeTransport(HttpPolicy(["allowed.test", "*.allowed.test"]), resolver=net.resolve,
                              opener=net.open)
    secret = [("Authorization", "Bearer s3cret"), ("Cookie", "sid=1")]
    same = transport.request("GET", f"http://allowed.test:{port}{_redirect('/auth')}", secret)
    assert same.body == b"auth=Bearer s3cret cookie=sid=1"
    other = transport.request("GET", f"http://allowed.test:{port}{_redirect(f'http://other.allowed.test:{port}/auth')}",
                              secret)
    assert other.body == b"auth=None cookie=None"


def test_bad_header_names_are_refused_before_connecting(server):
    port = port_of(server)
    message = refused(f"%%=HTTPPost('http://127.0.0.1:{port}/hello', 'text/plain', 'x', @r, 'X Token', 'a')=%%",
                      ["127.0.0.1"])
    assert message == "HTTPPost: 'X Token' is not a valid HTTP header name"
    assert server.seen == []


def test_compressed_bodies_are_inflated_under_the_size_cap(server):
    port = port_of(server)
    transport = SafeTransport(HttpPolicy(["127.0.0.1"], max_bytes=1000))
    assert transport.request("GET", f"http://127.0.0.1:{port}/gzip?n=1000").body == b"z" * 1000
    with pytest.raises(HttpFailed) as info:
        transport.request("GET", f"http://127.0.0.1:{port}/gzip?n=5000000")
    assert str(info.value) == (f"the response from http://127.0.0.1:{port}/gzip?n=5000000 is larger than the limit "
                               "of 1000 bytes")


def serve_raw(replies):
    """A bare TCP server answering each connection with the next canned reply (bytes, or a list of
    parts sent apart); it stops after the last one."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(10)

    def run():
        with listener:
            for reply in replies:
                conn, _ = listener.accept()
                with conn:
                    conn.recv(65536)
                    for part in reply if isinstance(reply, list) else [reply]:
                        conn.sendall(part)
                        time.sleep(0.02)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return listener.getsockname()[1], thread


def test_broken_answers_fail_plainly():
    packed = gzip.compress(b"hello " * 100)
    port, thread = serve_raw([
        b"",
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
        b"not http\r\n\r\n",
        [b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n" + packed[:4], packed[4:11], packed[11:]],
    ])
    transport = SafeTransport(HttpPolicy(["127.0.0.1"], timeout=5))
    url = f"http://127.0.0.1:{port}/"
    outcomes = []
    for _ in range(4):
        with pytest.raises(HttpFailed) as info:
            transport.request("GET", url)
        outcomes.append(str(info.value))
    assert outcomes == [f"GET {url} failed: the server closed the connection without answering",
                        f"GET {url} failed: the connection closed before the whole answer arrived",
                        f"GET {url} failed: the connection closed before the whole answer arrived",
                        f"GET {url} failed: the server's answer is not valid HTTP"]
    assert transport.request("GET", url).body == b"hello " * 100
    thread.join()


# -- deadlines -----------------------------------------------------------------------------------

def test_a_trickled_body_stops_at_the_request_deadline(server):
    port = port_of(server)
    src = f"%%=HTTPGet('http://127.0.0.1:{port}/trickle-body')=%%"
    message = refused(src, ["127.0.0.1"], http_timeout=1)
    assert message == (f"HTTPGet: GET http://127.0.0.1:{port}/trickle-body timed out after 1 seconds; a slower "
                       "server needs a larger [http] timeout in ampy.toml")
    src = f"%%[ SET @b = HTTPGet('http://127.0.0.1:{port}/trickle-body', 1, 0, @s) ]%%[%%=v(@b)=%%]%%=v(@s)=%%"
    assert render(src, ["127.0.0.1"], http_timeout=0.5) == "[]-2"


def test_trickled_headers_stop_at_the_request_deadline(server):
    port = port_of(server)
    message = refused(f"%%=HTTPPost('http://127.0.0.1:{port}/trickle-headers', 'text/plain', 'x')=%%",
                      ["127.0.0.1"], http_timeout=0.8)
    assert message == (f"HTTPPost: POST http://127.0.0.1:{port}/trickle-headers timed out after 0.8 seconds; a "
                       "slower server needs a larger [http] timeout in ampy.toml")


def test_the_render_budget_stops_a_request_and_is_not_swallowed(server):
    port = port_of(server)
    src = (f"%%[ SET @a = HTTPGet('http://127.0.0.1:{port}/hello') ]%%"
           f"%%[ SET @b = HTTPGet('http://127.0.0.1:{port}/trickle-body', 1, 0, @s) ]%%never")
    message = refused(src, ["127.0.0.1"], http_timeout=30, limits=Limits(http_total_time=0.8))
    assert message == (f"HTTPGet: GET http://127.0.0.1:{port}/trickle-body stopped: this render used up its 0.8 "
                       "seconds of outbound HTTP time (limit http_total_time; raise it in ampy.toml [limits] "
                       "http_total_time or --limit http_total_time=N)")


def test_the_render_api_limits_override_reaches_the_http_budget(server):
    port = port_of(server)
    src = f"%%=HTTPGet('http://127.0.0.1:{port}/trickle-body', 1)=%%"
    with pytest.raises(ampy.AmpscriptRuntimeError) as info:
        ampy.compile(src).render(settings=Settings(http_allow=["127.0.0.1"], http_timeout=30),
                                 limits=Limits(http_total_time=0.5))
    assert info.value.message == (f"HTTPGet: GET http://127.0.0.1:{port}/trickle-body stopped: this render used up "
                                  "its 0.5 seconds of outbound HTTP time (limit http_total_time; raise it in "
                                  "ampy.toml [limits] http_total_time or --limit http_total_time=N)")


def test_a_used_up_budget_refuses_before_connecting(server):
    port = port_of(server)
    budget = HttpBudget(2.0)
    transport = RenderTransport(SafeTransport(HttpPolicy(["127.0.0.1"])), budget)
    assert transport.request("GET", f"http://127.0.0.1:{port}/hello").body == b"Hello, world"
    assert 0 < budget.spent < 2.0
    budget.spent = 2.0
    with pytest.raises(HttpBudgetExceeded) as info:
        transport.request("POST", f"http://127.0.0.1:{port}/hello", [], b"x")
    assert str(info.value) == (f"POST http://127.0.0.1:{port}/hello stopped: this render used up its 2 seconds of "
                               "outbound HTTP time (limit http_total_time; raise it in ampy.toml [limits] "
                               "http_total_time or --limit http_total_time=N)")
    assert server.seen == ["/hello"]


def test_the_render_wall_time_also_ends_a_request(server):
    port = port_of(server)
    budget = HttpBudget(60.0, wall_end=time.monotonic() + 0.6, wall_time=5)
    transport = RenderTransport(SafeTransport(HttpPolicy(["127.0.0.1"], timeout=30)), budget)
    with pytest.raises(HttpBudgetExceeded) as info:
        transport.request("GET", f"http://127.0.0.1:{port}/trickle-body")
    assert str(info.value) == (f"GET http://127.0.0.1:{port}/trickle-body stopped: the render ran longer than 5 "
                               "seconds (limit wall_time; raise it in ampy.toml [limits] wall_time or --limit "
                               "wall_time=N)")
    with pytest.raises(HttpBudgetExceeded):
        transport.request("GET", f"http://127.0.0.1:{port}/hello")
    assert server.seen == ["/trickle-body"]


def test_an_unresolvable_name_fails_like_a_connection(server):
    net = Net(port_of(server))
    src = "%%[ SET @b = HTTPGet('http://nowhere.test/', 1, 0, @s) ]%%%%=v(@s)=%%"
    assert render(src, ["nowhere.test"], net) == "-2"
    with pytest.raises(HttpFailed) as info:
        SafeTransport(HttpPolicy(["nowhere.test"]), resolver=net.resolve).request("GET", "http://nowhere.test/")
    assert str(info.value) == "GET http://nowhere.test/ failed: the host name 'nowhere.test' could not be resolved"


def test_policy_check_returns_the_parsed_target():
    target = HttpPolicy(["api.example.com"]).check("https://API.example.com/v1?a=1")
    assert (target.host, target.port, target.target) == ("api.example.com", 443, "/v1?a=1")
    with pytest.raises(HttpDenied):
        HttpPolicy(["api.example.com"]).check("https://api.example.com.evil.test/")


# -- https: the checked address is dialled, the name is verified --------------------------------

@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "secure.test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("secure.test")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert_file, key_file)
    sni = []
    server_context.sni_callback = lambda sock, server_name, ctx: sni.append(server_name)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.socket = server_context.wrap_socket(httpd.socket, server_side=True)
    thread = start(httpd)
    client_context = ssl.create_default_context(cafile=str(cert_file))
    yield httpd, client_context, sni
    stop(httpd, thread)


def test_https_dials_the_checked_address_and_verifies_the_url_name(tls_server):
    httpd, client_context, sni = tls_server
    port = port_of(httpd)
    net = Net(port, {"secure.test": ["127.0.0.1"]})
    transport = SafeTransport(HttpPolicy(["secure.test", "127.0.0.1"]), resolver=net.resolve, opener=net.open,
                              tls_context=client_context)
    reply = transport.request("GET", f"https://secure.test:{port}/host")
    assert (reply.status, reply.body) == (200, f"secure.test:{port}".encode())
    assert (net.dialled, sni) == ([("127.0.0.1", port)], ["secure.test"])
    # The same server by address: the certificate is not for 127.0.0.1, so the request fails.
    with pytest.raises(HttpFailed) as info:
        transport.request("GET", f"https://127.0.0.1:{port}/host")
    assert str(info.value) == (f"GET https://127.0.0.1:{port}/host failed: the certificate of 127.0.0.1 could not "
                               "be verified (IP address mismatch, certificate is not valid for '127.0.0.1'.)")
