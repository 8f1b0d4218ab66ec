"""HTTP from SSJS (Core HTTP.Get/Post, Script.Util.HttpRequest/HttpGet) against a real HTTP
server on 127.0.0.1, through AMPscript's transport: the allowlist opened for it, and a refused
host giving the allowlist error."""

from __future__ import annotations

import json
from typing import ClassVar

import pytest
from http_support import QuietHandler, serving

from ampy.errors import AmpscriptRuntimeError, FunctionError
from ampy.http.errors import HttpDenied, HttpFailed
from ampy.runtime.context import RenderContext
from ampy.settings import Settings
from ampy.ssjs.bridge import SsjsRender
from ampy.ssjs.httprequest import HttpHost

ALLOW = Settings(http_allow=["127.0.0.1"])


class Handler(QuietHandler):
    hits: ClassVar[dict] = {}
    flaky_left: ClassVar[dict] = {"n": 0}

    def do_GET(self):
        Handler.hits[self.path] = Handler.hits.get(self.path, 0) + 1
        if self.path == "/hello":
            self._send(200, b"Hello, world", extra=[("X-Reply", "yes")])
        elif self.path == "/json":
            self._send(200, b'{"a":[1,2]}', "application/json")
        elif self.path == "/header":
            self._send(200, (self.headers.get("X-Token") or "none").encode())
        elif self.path == "/empty":
            self._send(200, b"")
        elif self.path == "/error":
            self._send(500, b"boom")
        else:
            self._send(404, b"nope")

    def _echo(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path == "/flaky" and Handler.flaky_left["n"] > 0:
            Handler.flaky_left["n"] -= 1
            self._send(503, b"try later")
            return
        echo = {"method": self.command, "path": self.path, "type": self.headers.get("Content-Type"),
                "token": self.headers.get("X-Token"), "body": body.hex()}
        self._send(201 if self.path == "/created" else 200, json.dumps(echo).encode(), "application/json")

    do_POST = do_PUT = do_PATCH = do_DELETE = _echo


@pytest.fixture(scope="module")
def server():
    with serving(Handler) as url:
        yield url


@pytest.fixture
def http():
    return HttpHost(SsjsRender(RenderContext(settings=ALLOW)))


def _spec(url, **props):
    return {"url": url, "method": "GET", "retries": 1, "continueOnError": False, "emptyContentHandling": 0,
            "headers": {}, **props}


def test_core_get(http, server):
    assert http.get(f"{server}/hello") == {"Status": 0, "Content": "Hello, world"}
    assert http.get(f"{server}/header", ["X-Token"], ["t1"]) == {"Status": 0, "Content": "t1"}
    assert http.get(f"{server}/nothing") == {"Status": -1, "Content": "nope"}
    assert http.get(f"{server}/error") == {"Status": -2, "Content": "boom"}


def test_core_post(http, server):
    r = http.post(f"{server}/echo", "application/json", '{"x":1}', ["X-Token"], ["t2"])
    assert r["StatusCode"] == 200
    echo = json.loads(r["Response"][0])
    assert (echo["type"], echo["token"], bytes.fromhex(echo["body"])) == ("application/json", "t2", b'{"x":1}')


def test_http_request_send_shape(http, server):
    r = http.send(_spec(f"{server}/hello"))
    assert r == {"statusCode": 200, "content": "Hello, world", "contentType": "text/plain; charset=utf-8",
                 "headers": {**r["headers"], "X-Reply": "yes", "Content-Length": "12"}, "returnStatus": 0}


def test_post_data_is_encoded_with_the_request_encoding(http, server):
    r = http.send(_spec(f"{server}/echo", method="POST", contentType="text/plain", postData="Grüße"))
    echo = json.loads(r["content"])
    assert (echo["method"], echo["type"]) == ("POST", "text/plain")
    assert bytes.fromhex(echo["body"]) == "Grüße".encode("cp1252")
    r = http.send(_spec(f"{server}/created", method="put", postData="Grüße", encoding="utf-8",
                        headers={"X-Token": "t3"}))
    echo = json.loads(r["content"])
    assert (r["statusCode"], echo["method"], echo["token"]) == (201, "PUT", "t3")
    assert bytes.fromhex(echo["body"]) == "Grüße".encode()


def test_failures_throw_unless_continue_on_error(http, server):
    with pytest.raises(FunctionError, match=r"GET http://127.0.0.1:\d+/error answered HTTP 500"):
        http.send(_spec(f"{server}/error", retries=0))
    r = http.send(_spec(f"{server}/error", retries=0, continueOnError=True))
    assert (r["statusCode"], r["content"], r["returnStatus"]) == (500, "boom", 2)
    dead = "http://127.0.0.1:9/x"   # the discard port: nothing listens there
    with pytest.raises(HttpFailed):
        http.send(_spec(dead, retries=0))
    assert http.send(_spec(dead, retries=0, continueOnError=True))["returnStatus"] == 2


def test_empty_url_and_empty_content(http, server):
    assert http.send(_spec("", continueOnError=True))["returnStatus"] == 1
    with pytest.raises(FunctionError, match="the request's URL is empty"):
        http.send(_spec(""))
    r = http.send(_spec(f"{server}/empty"))
    assert (r["statusCode"], r["content"], r["returnStatus"]) == (200, "", 3)
    with pytest.raises(FunctionError, match="returned an empty body"):
        http.send(_spec(f"{server}/empty", emptyContentHandling=1))


def test_retries_repeat_a_5xx_answer(http, server):
    Handler.flaky_left["n"] = 2
    r = http.send(_spec(f"{server}/flaky", method="POST", postData="x", retries=2))
    assert (r["statusCode"], Handler.flaky_left["n"]) == (200, 0)


def test_http_get_is_cached_for_the_render(server):
    http = HttpHost(SsjsRender(RenderContext(settings=ALLOW)))
    before = Handler.hits.get("/json", 0)
    first = http.send(_spec(f"{server}/json", cached=True))
    again = http.send(_spec(f"{server}/json", cached=True))
    assert first == again and first["content"] == '{"a":[1,2]}'
    assert Handler.hits["/json"] == before + 1
    other = HttpHost(SsjsRender(RenderContext(settings=ALLOW)))   # a new render asks again
    other.send(_spec(f"{server}/json", cached=True))
    assert Handler.hits["/json"] == before + 2


def test_a_refused_host_gives_the_allowlist_error(server):
    closed = HttpHost(SsjsRender(RenderContext(settings=Settings(http_allow=["api.example.com"]))))
    message = ("requests to host '127.0.0.1' are not allowed; add it to ampy.toml: "
               '[http] allow = ["127.0.0.1"]')
    for call in (lambda: closed.get(f"{server}/hello"),
                 lambda: closed.post(f"{server}/echo", "text/plain", "x"),
                 lambda: closed.send(_spec(f"{server}/hello", continueOnError=True))):
        with pytest.raises(HttpDenied) as caught:
            call()
        assert str(caught.value) == message


def test_bad_arguments(http, server):
    with pytest.raises(FunctionError, match="'FETCH' is not an HTTP method"):
        http.send(_spec(f"{server}/hello", method="fetch"))
    with pytest.raises(FunctionError, match="1 header name"):
        http.get(f"{server}/hello", ["A"], [])
    with pytest.raises(FunctionError, match="'klingon' is not a known encoding"):
        http.send(_spec(f"{server}/echo", method="POST", postData="x", encoding="klingon"))


# ---- from SSJS templates -------------------------------------------------------------------------

PAGE = """<script runat="server">
Platform.Load("core", "1.1.5");
var base = Platform.Variable.GetValue("@base");
var r = HTTP.Get(base + "/hello");
Write(r.Status + " " + r.Content + "\\n");
var p = HTTP.Post(base + "/echo", "application/json", '{"x":1}', ["X-Token"], ["t8"]);
var echo = Platform.Function.ParseJSON(String(p.Response[0]));
Write(p.StatusCode + " " + echo.type + " " + echo.token + "\\n");
var req = new Script.Util.HttpRequest(base + "/header");
req.setHeader("X-Token", "t9");
var resp = req.send();
Write(resp.statusCode + " " + String(resp.content) + " " + resp.returnStatus + " "
    + resp.headers["Content-Type"] + "\\n");
var put = new Script.Util.HttpRequest(base + "/echo");
put.method = "PUT";
put.contentType = "text/plain";
put.postData = "hi";
Write(Platform.Function.ParseJSON(String(put.send().content)).method + "\\n");
var o = Platform.Function.ParseJSON(String(new Script.Util.HttpGet(base + "/json").send().content));
Write(o.a.length + "\\n");
var bad = new Script.Util.HttpRequest(base + "/error");
bad.retries = 0;
bad.continueOnError = true;
Write(bad.send().returnStatus + "\\n");
bad.continueOnError = false;
try { bad.send(); } catch (e) { Write(e.message); }
</script>"""


def test_http_from_a_script(server):
    import ampy

    out = ampy.render(f'%%[ SET @base = "{server}" ]%%' + PAGE, settings=ALLOW)
    assert out == (f"0 Hello, world\n200 application/json t8\n200 t9 0 text/plain; charset=utf-8\nPUT\n2\n2\n"
                   f"GET {server}/error answered HTTP 500")


def test_a_refused_host_from_a_script(server):
    import ampy

    closed = Settings(http_allow=["api.example.com"])
    source = (f'<script runat="server">\nPlatform.Load("core", "1");\nvar r = HTTP.Get("{server}/hello");\n</script>')
    with pytest.raises(AmpscriptRuntimeError) as caught:
        ampy.render(source, settings=closed)
    assert (caught.value.line, caught.value.column) == (3, 17)   # the call's opening parenthesis
    assert ("requests to host '127.0.0.1' are not allowed; add it to ampy.toml: "
            '[http] allow = ["127.0.0.1"]') in str(caught.value)
    caught_in_script = ampy.render(
        f'<script runat="server">var q = new Script.Util.HttpRequest("{server}/hello"); q.continueOnError = true;'
        'try { q.send(); } catch (e) { Platform.Response.Write("caught: " + e.message); }</script>', settings=closed)
    assert caught_in_script.startswith("caught: requests to host '127.0.0.1' are not allowed")
