"""Server-side JavaScript pages: the page model (one program, AMPscript between blocks), the
Platform namespace, legacy ctrl tags, errors with template positions, and CloudPages on
`ampy serve` (a real server on 127.0.0.1)."""

from __future__ import annotations

import pytest
import requests
from server_support import served_workspace

import ampy
from ampy.cloud.workspace import create_workspace
from ampy.runtime.request import RequestContext

LOAD = 'Platform.Load("core","1.1.5");'


@pytest.fixture()
def data_dir(tmp_path):
    (tmp_path / "CustomerData.csv").write_text(
        "FirstName,LastName,City,Phone\n"
        "Ann,Smith,Austin,+15125550100\n"
        "Carolyn,Baumgartner,Berlin,+493023125123\n"
        "Carolyn,Young,Boston,+16175550111\n", encoding="utf-8")
    (tmp_path / "Members.csv").write_text("FirstName,Tier,Points\nAda,Gold,10\nAlan,Silver,5\nGrace,Gold,7\n",
                                          encoding="utf-8")
    return str(tmp_path)


def render(src, **kw):
    return ampy.render(src, **kw)


def error_of(src, **kw) -> ampy.AmpscriptError:
    with pytest.raises(ampy.AmpscriptError) as info:
        ampy.render(src, name="page.html", **kw)
    return info.value


# ---- spec section 8: the idioms with their exact outputs
def test_spec_idiom_lookup(data_dir):
    src = ('<script runat="server">Platform.Load("core","1.1.5");var n=Platform.Function.Lookup("CustomerData",'
           '"Phone",["FirstName","LastName"],["Carolyn","Baumgartner"]);Write(n);</script>')
    assert render(src, data_dir=data_dir) == "+493023125123"


def test_spec_idiom_variables_shared_with_ampscript():
    src = ('%%[ SET @name = "World" ]%%<script runat="server">Platform.Variable.SetValue("@greet","Hello, "+'
           'Platform.Variable.GetValue("@name"));</script>%%=v(@greet)=%%')
    assert render(src) == "Hello, World"


def test_spec_idiom_treat_as_content():
    src = ('<script runat="server">Platform.Variable.SetValue("@in","hello world");Platform.Response.Write('
           'Platform.Function.TreatAsContent("%%=ProperCase(@in)=%%"));</script>')
    assert render(src) == "Hello World"


def test_spec_idiom_parse_json_and_stringify():
    src = ('<script runat="server">var o=Platform.Function.ParseJSON(\'{"a":[1,2]}\');Platform.Response.Write('
           'o.a.length+" "+Platform.Function.Stringify({k:o.a}));</script>')
    assert render(src) == '2 {"k":[1,2]}'


# ---- section 1: the page model
def test_text_after_a_block_is_copied_verbatim_and_browser_scripts_stay_text():
    src = ('<p>\n<script runat=server>' + LOAD + 'Write("a");</script>\n<script>var x = 1;</script>'
           '<SCRIPT RUNAT=\'Server\' LANGUAGE="ampscript">Output(Concat("b"))</SCRIPT>')
    assert render(src) == "<p>\na\n<script>var x = 1;</script>b"


def test_control_flow_spans_blocks_and_only_the_taken_branch_renders():
    src = ("<ul>\n<script runat=server>\nvar items = ['a', 'b'];\nfor (var i = 0; i < items.length; i++) {\n"
           "  Platform.Variable.SetValue('@item', items[i]);\n</script>\n"
           "<li>%%=v(@item)=%%%%[ FOR @j = 1 TO 2 DO ]%%.%%[ NEXT @j ]%%</li>\n"
           "<script runat=server>}\nif (items.length > 5) {</script>big %%=RaiseError('not run')=%%"
           "<script runat=server>} else {</script>small<script runat=server>}</script>\n</ul>")
    assert render(src) == "<ul>\n\n<li>a..</li>\n\n<li>b..</li>\nsmall\n</ul>"


def test_order_is_top_to_bottom_and_functions_are_visible_in_later_blocks():
    src = ('%%[ SET @a = "1" ]%%<script runat=server>' + LOAD + 'Write(Variable.GetValue("@a") + '
           'String(Variable.GetValue("@b")));function twice(x) { return x + x; }</script>'
           '%%[ SET @b = "2" ]%%<script runat=server>Write("|" + Variable.GetValue("@b") + twice("z"));</script>')
    assert render(src) == "1null|2zz"


def test_try_in_one_block_catches_an_ampscript_error_in_a_later_segment():
    src = ('<script runat=server>' + LOAD + 'try {</script>before%%=RaiseError("boom")=%%'
           '<script runat=server>} catch (e) { Write("|caught: " + e.message + "|" + typeof e.description); }'
           '</script>')
    assert render(src) == "before|caught: RaiseError: boom|string"


def test_execution_context_type_selects_blocks_by_request_method():
    src = ('<script runat=server executioncontexttype=post>' + LOAD + 'Write("post ");</script>'
           '<script runat=server ExecutionContextType="Get" executioncontextname=x>' + LOAD
           + 'Write("get ");</script><script runat=server>' + LOAD + 'Write("any");</script>')
    assert render(src, request=RequestContext(method="POST")) == "post any"
    assert render(src, request=RequestContext(method="GET")) == "get any"
    assert render(src) == "get any"


def test_a_template_without_server_javascript_is_not_split():
    tpl = ampy.compile("<script>var a = `x`;</script>%%=Concat('a','b')=%%")
    assert not hasattr(tpl._compiled, "variant")
    assert tpl.render() == "<script>var a = `x`;</script>ab"


def test_no_state_outlives_a_render():
    tpl = ampy.compile("<script runat=server>" + LOAD + "if (typeof seen == 'undefined') { Write('fresh'); }"
                       "var seen = 1; Object.prototype.polluted = 1;</script>")
    assert tpl.render() == "fresh"
    assert tpl.render() == "fresh"


def test_legacy_ctrl_tags():
    src = ('<script runat=server>var n = 5;</script><ctrl:var name="n"/>|<ctrl:field name="First" '
           'default="friend"/>|<ctrl:eval>n * 2</ctrl:eval>|%%[ SET @amp = "A" ]%%<ctrl:var name="amp" />')
    assert render(src) == "5|friend|10|A"
    assert render('<ctrl:field name="First" default="friend"/>', attributes={"FIRST": "Ann"}) == "Ann"


# ---- section 2: the language level
@pytest.mark.parametrize("code, what, col", [
    ("let a = 1;", "'let' is ES2015", 1),
    ("var x = 1; const a = 1;", "'const' is ES2015", 12),
    ("var f = function () {}; var g = (x) => x;", "an arrow function (=>) is ES2015", 33),
    ("var s = `a`;", "a template literal (`...`) is ES2015", 9),
    ("class A {}", "a class is ES2015", 1),
    ("var o = {}; var {a} = o;", "destructuring is ES2015", 17),
    ("function f(a = 1) {}", "a default parameter value is ES2015", 12),
    ("function f(...a) {}", "a rest parameter (...) is ES2015", 12),
    ("f(...a);", "spread (...) is ES2015", 3),
    ("for (var x of y) {}", "'for...of' is ES2015", 1),
    ("function* g() {}", "a generator (function*) is ES2015", 1),
    ("async function f() {}", "'async' is ES2017", 1),
    ("var v = a?.b;", "optional chaining (?.) is ES2020", 10),
    ("var v = a ?? b;", "nullish coalescing (??) is ES2020", 11),
    ("var v = 10n;", "a BigInt literal is ES2020", 9),
    ("import x from 'y';", "a module declaration (import/export) is ES2015", 1),
    ("var x = 2 ** 3;", "the exponent operator (**) is ES2016", 9),
    ("var r = /a/u;", "a regular expression flag (u, y or s) is ES2015", 9),
    ("var o = {a, b};", "a shorthand property ({a}) is ES2015", 10),
])
def test_es2015_syntax_is_refused_at_its_template_position(code, what, col):
    err = error_of("<p>\n<script runat=server>\n" + code + "\n</script>")
    assert isinstance(err, ampy.AmpscriptSyntaxError)
    assert err.message == f"SSJS: {what} syntax; the platform's engine (ES3/ES5) refuses it"
    assert (err.name, err.line, err.column) == ("page.html", 3, col)
    assert str(err).endswith("\n    " + code + "\n    " + " " * (col - 1) + "^")


def test_the_refusal_counts_columns_from_the_tag_on_the_first_line():
    err = error_of('<p>x</p><script runat="server">var a = 1; let b = 2;</script>')
    assert (err.line, err.column) == (1, 43)


def test_absent_globals_and_methods():
    src = ("<script runat=server>" + LOAD + "Write([typeof JSON, typeof Promise, typeof Map, typeof Symbol, "
           "typeof console, typeof globalThis, typeof setTimeout, typeof [].forEach, typeof [].indexOf, "
           "typeof Array.isArray, typeof Object.keys, typeof ''.trim, typeof Number.isNaN, typeof Math.trunc, "
           "typeof new Date().toISOString, typeof Recipient].join(','));"
           "Write('|' + [typeof [].slice, typeof Object.defineProperty, typeof Object.getPrototypeOf, "
           "typeof eval, typeof ''.split, typeof Math.floor].join(','));</script>")
    assert render(src) == ",".join(["undefined"] * 16) + "|" + ",".join(["function"] * 6)


def test_core_globals_need_the_load():
    err = error_of("<script runat=server>\nWrite('x');</script>")
    assert err.message == "SSJS: uncaught ReferenceError: 'Write' is not defined"
    assert (err.line, err.column) == (2, 1)
    assert render("<script runat=server>Platform.Load('CORE', '1'); Platform.Load('core', '1.1.6'); "
                  "Write(typeof Variable + typeof HTTPHeader + typeof Platform.Load('core'));</script>") \
        == "objectobjectobject"


# ---- section 3: Platform
def test_variable_get_set_keep_types_and_null_for_never_set():
    src = ('%%[ SET @empty = "" SET @num = 5 ]%%<script runat=server>' + LOAD +
           'var V = Platform.Variable;V.SetValue("b", true);V.SetValue("@n", 2.5);V.SetValue("@o", {a: [1]});'
           'Write([V.GetValue("@never") === null, V.GetValue("@EMPTY") === "", typeof V.GetValue("num"), '
           'V.GetValue("@b") === true, V.GetValue("@n"), V.GetValue("@o"), V.SetValue("@x", 1) === undefined]'
           '.join("|"));</script>|%%=v(@b)=%%|%%=Add(@n, 1)=%%')
    assert render(src) == 'true|true|number|true|2.5|{"a":[1]}|false|True|3.5'


def test_recipient_attributes():
    src = ('<script runat=server>' + LOAD + 'Write(Platform.Recipient.GetAttributeValue("first name") + "|" + '
           'Attribute.GetValue("Missing") + "|");</script>')
    assert render(src, attributes={"First Name": "Ann"}) == "Ann||"


def test_write_formats_like_the_platform():
    src = ("<script runat=server>" + LOAD + "Write(true); Write(false); Write(3); Write(1.5); Write(null); "
           "Write('s')</script>")
    assert render(src) == "TrueFalse31.5s"


def test_platform_functions_are_the_ampscript_builtins(data_dir):
    src = ('<script runat=server>' + LOAD + 'var F = Platform.Function;'
           'var rows = F.LookupRows("CustomerData", "FirstName", "Carolyn");'
           'Write(rows.length + " " + rows[1].City + " " + typeof rows[0].Phone + "|");'
           'Write(F.LookupRows("CustomerData", ["FirstName"], ["Nobody"]) + "|");'
           'Write(F.Lookup("CustomerData", "City", "FirstName", "Nobody") + "|");'
           'var sorted = F.LookupOrderedRows("CustomerData", 0, "City DESC", "FirstName", "Carolyn");'
           'Write(sorted[0].City + "|");'
           'Write(F.InsertData("CustomerData", ["FirstName", "LastName", "City"], ["Zed", "Z", "Zurich"]) + "|");'
           'Write(F.UpsertData("CustomerData", ["FirstName"], ["Zed"], ["City"], ["Zagreb"]) + "|");'
           'Write(F.UpdateData("CustomerData", ["FirstName"], ["Nobody"], ["City"], ["X"]) + "|");'
           'Write(F.DeleteData("CustomerData", ["FirstName"], ["Ann"]) + "|");'
           'Write(F.UpsertDE("CustomerData", ["FirstName"], ["Zed"], ["City"], ["Zug"]) + "|");'
           'Write(F.GUID().length + " " + F.IsEmailAddress("a@b.co") + " " + F.Base64Encode("hi") + " "'
           ' + F.UrlEncode("a b") + " " + F.MD5("a"));</script>')
    assert render(src, data_dir=data_dir) == ("2 Boston string|null|null|Boston|1|1|0|1|null|"
                                              "36 true aGk= a b 0cc175b9c0f1b6a831c399e269772661")


def test_platform_function_errors_are_catchable_with_message_and_description():
    src = ('<script runat=server>' + LOAD + 'try { Platform.Function.RaiseError("stop here"); } catch (e) {'
           'Write(e.message + "|" + e.description + "|"); }'
           'try { Platform.Function.Lookup("CustomerData"); } catch (e) { Write(e.message + "|"); }'
           'try { Platform.Function.ParseJSON({}); } catch (e) { Write(e.message); }</script>')
    assert render(src) == ("stop here|stop here|Lookup takes exactly 4 arguments, not 1|"
                           "ParseJSON needs a string, not an object")


def test_parse_json_shapes():
    src = ("<script runat=server>" + LOAD + "var P = Platform.Function.ParseJSON;"
           "Write([P('[1,{\"b\":null}]')[1].b === null, P('5'), P('\"s\"'), P('{bad'), P(''), "
           "Platform.Function.Stringify(null), Stringify({a: 1, b: 'x'})].join('|'));</script>")
    assert render(src) == 'true|5|"s"|||null|{"a":1,"b":"x"}'


def test_now_is_a_date_in_system_time():
    from datetime import UTC, datetime

    src = "<script runat=server>" + LOAD + "var d = Platform.Function.Now(); Write(d.getTime());</script>"
    out = ampy.compile(src).render(now=datetime(2024, 5, 6, 7, 8, 9))    # system time is UTC-6
    assert int(out) == int(datetime(2024, 5, 6, 13, 8, 9, tzinfo=UTC).timestamp() * 1000)


def test_api_objects_pass_through_as_handles():
    src = ('<script runat=server>' + LOAD + 'var F = Platform.Function;var o = F.CreateObject("DataExtensionObject");'
           'F.SetObjectProperty(o, "Name", "Members"); var s = [0, 0];'
           'Write(typeof o + " " + F.InvokeCreate(o, s, null) + " " + s[0] + "|" + s[1]);</script>')
    assert render(src) == "object Error The data extension 'Members' does not exist.|2"


def test_request_members_on_a_page():
    request = RequestContext(url="https://x.example.com/p?Q=a%20b&q2=1&r=1&r=2", method="POST",
                             form={"Field": "v"}, headers={"User-Agent": "UA", "X-Test": "t"},
                             cookies={"sid": "c1"})
    src = ("<script runat=server>" + LOAD + "var R = Platform.Request;"
           "Write([R.GetQueryStringParameter('q'), R.GetQueryStringParameter('R'), "
           "R.GetQueryStringParameter('none'), R.GetFormField('field'), R.GetFormField('q'), "
           "R.GetCookieValue('SID'), R.GetRequestHeader('x-test'), R.Method, R.QueryString, R.HasSSL, "
           "R.UserAgent, R.GetPostData() === R.GetPostData()].join('|'));</script>")
    assert render(src, request=request) == "a b|1,2||v||c1|t|POST|?Q=a%20b&q2=1&r=1&r=2|true|UA|false"
    assert render("<script runat=server>Write(String(Platform.Request.GetQueryStringParameter('q')))"
                  "</script>".replace("Write", "Platform.Response.Write")) == "null"


def test_redirect_discards_the_output_and_a_catch_may_redirect_again():
    request = RequestContext()
    src = ('before<script runat=server>try { Platform.Response.Redirect("https://a.example/1"); }'
           ' catch (e) { Platform.Response.Redirect("https://b.example/2", true); }</script>after')
    assert ampy.compile(src).render(request=request) == ""
    assert request.redirect == "https://b.example/2"
    assert request.ssjs_response.status == 301


def test_response_headers_and_cookies_are_recorded():
    request = RequestContext()
    src = ('<script runat=server>var P = Platform.Response; P.SetResponseHeader("X-One", "1");'
           'P.SetResponseHeader("X-Two", "2"); P.RemoveResponseHeader("x-two"); P.SetCookie("c", "v");'
           'P.ContentType = "application/json"; P.Write(P.ContentType);</script>')
    assert ampy.compile(src).render(request=request) == "application/json"
    assert request.ssjs_response.headers == {"X-One": "1"}
    assert [c["name"] + "=" + c["value"] for c in request.ssjs_response.cookies] == ["c=v"]
    assert render('<script runat=server>Platform.Response.Redirect("https://x"); Platform.Response.Write("ok")'
                  '</script>') == "ok"   # outside a web context: a no-op


# ---- errors: positions in the template, with a caret
def test_uncaught_exception_points_at_the_throw():
    err = error_of('<p>\n<script runat="server">\nvar a = 1;\n  throw new Error("bad");\n</script>')
    assert isinstance(err, ampy.AmpscriptRuntimeError)
    assert str(err) == ('page.html:4:18: SSJS: uncaught Error: bad\n'
                        '      throw new Error("bad");\n'
                        '                     ^')


def test_a_platform_error_points_at_the_call():
    err = error_of('<script runat="server">\n  Platform.Function.Lookup("Nope", "a", "b", "c");</script>')
    assert err.message == "SSJS: uncaught Error: Data extension 'Nope' does not exist"
    assert (err.line, err.column) == (2, 27)


def test_an_ampscript_error_in_a_segment_keeps_its_own_position():
    err = error_of('<script runat=server>var a = 1;</script>\n<p>%%=Add(1, "x")=%%</p>')
    assert isinstance(err, ampy.AmpscriptRuntimeError)
    assert (err.line, err.column) == (2, 7)
    assert err.source_line == '<p>%%=Add(1, "x")=%%</p>'


def test_ampscript_syntax_errors_between_blocks_are_positioned_in_the_file():
    err = error_of('<script runat=server>var a = 1;</script>\n  <p>%%=Concat("a"</p>')
    assert isinstance(err, ampy.AmpscriptSyntaxError)
    assert err.line == 2
    assert err.source_line == '  <p>%%=Concat("a"</p>'


def test_unclosed_block_and_bad_ctrl_tags():
    err = error_of('<p>\n <script runat="server">Write(1)')
    assert (err.message, err.line, err.column) == ('SSJS: <script runat="server"> without </script>', 2, 2)
    assert error_of('<ctrl:var name="a b"/>').message == "SSJS: <ctrl:var> name 'a b' is not a variable name"


def test_a_thrown_value_that_is_not_an_error():
    err = error_of("<script runat=server>\nthrow 'plain';</script>")
    assert err.message == "SSJS: uncaught plain"


# ---- every render path: content blocks, TreatAsContent, sends use Template
def test_content_blocks_and_treat_as_content_run_server_javascript(tmp_path):
    (tmp_path / "block.html").write_text("<script runat=server>" + LOAD + "Write('from block ' + "
                                         "Variable.GetValue('@who'));</script>", encoding="utf-8")
    src = '%%[ SET @who = "me" ]%%%%=ContentBlockByKey("block")=%%|%%=TreatAsContent(@code)=%%'
    code = "'<script runat=server>Platform.Response.Write(1 + 1);</script>'"
    assert render(src.replace("@code", code), content_dir=str(tmp_path)) == "from block me|2"


def test_trace_and_strict_variants_run_the_page():
    events = []
    out = ampy.compile('%%[ SET @a = 1 ]%%<script runat=server>Platform.Response.Write("js")</script>%%=v(@a)=%%') \
        .render(trace=events.append, strict=True)
    assert out == "js1"
    assert any(e.get("line") == 1 for e in events if isinstance(e, dict))


# ---- a CloudPage on ampy serve
@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("ssjs") / "ws"
    create_workspace(str(root))
    pages = root / "cloudpages"
    (pages / "form.html").write_text(
        '<script runat=server>Platform.Load("core", "1.1.1");\n'
        'var q = Request.GetQueryStringParameter("q"), f = Platform.Request.GetFormField("name");\n'
        'Platform.Response.SetResponseHeader("X-Ssjs", "yes");\n'
        'Platform.Response.SetCookie("seen", "1");\n'
        'Write(Request.Method + "|" + q + "|" + f + "|" + Platform.Request.GetCookieValue("sid"));</script>',
        encoding="utf-8")
    (pages / "go.html").write_text(
        'x<script runat=server>var p = Platform.Request.GetQueryStringParameter("p") == "1";\n'
        'Platform.Response.Redirect("https://example.com/next", p);</script>y', encoding="utf-8")
    (pages / "bad.html").write_text('<script runat=server>\nnope();</script>', encoding="utf-8")
    with served_workspace(root) as running:
        yield running


def test_cloudpage_query_form_cookie_and_headers(server):
    r = requests.get(server.url + "/form?q=hi", cookies={"sid": "abc"}, timeout=10)
    assert (r.status_code, r.text) == (200, "GET|hi|null|abc")
    assert r.headers["X-Ssjs"] == "yes"
    assert r.headers["Set-Cookie"] == "seen=1; Path=/"
    r = requests.post(server.url + "/form", data={"name": "Ann"}, timeout=10)
    assert (r.status_code, r.text) == (200, "POST|null|Ann|null")


def test_cloudpage_redirects_302_and_301(server):
    r = requests.get(server.url + "/go", allow_redirects=False, timeout=10)
    assert (r.status_code, r.headers["Location"], r.text) == (302, "https://example.com/next", "")
    r = requests.get(server.url + "/go?p=1", allow_redirects=False, timeout=10)
    assert (r.status_code, r.headers["Location"]) == (301, "https://example.com/next")


def test_cloudpage_script_error_is_a_500_with_the_position(server):
    r = requests.get(server.url + "/bad", timeout=10)
    assert r.status_code == 500
    assert "bad.html:2:1" in r.text and "&#x27;nope&#x27; is not defined" in r.text


# ---- Platform.Function.HTTPGet / HTTPPost through the AMPscript builtins (a real local server)
@pytest.fixture(scope="module")
def web():
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _send(self, status, body: bytes):
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            self._send(200, b"got it") if self.path == "/ok" else self._send(500, b"boom")

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self._send(201, b"posted " + body + b" " + (self.headers.get("X-Key") or "").encode())

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def test_platform_http_functions_use_the_ampscript_transport_and_allowlist(web):
    from ampy.settings import Settings

    src = ('<script runat=server>' + LOAD + 'var F = Platform.Function, resp = [];'
           'Write(F.HTTPGet("URL/ok") + "|");'
           'Write(F.HTTPPost("URL/p", "text/plain", "a=1", ["X-Key"], ["k1"], resp) + " " + resp[0] + "|");'
           'try { F.HTTPGet("URL/fail"); } catch (e) { Write(e.message); }</script>').replace("URL", web)
    out = render(src, settings=Settings(http_allow=["127.0.0.1"]))
    assert out == f"got it|201 posted a=1 k1|GET {web}/fail answered HTTP 500"
    closed = Settings(http_allow=["api.example.com"])
    err = error_of('<script runat=server>\nPlatform.Function.HTTPGet("URL/ok");</script>'.replace("URL", web),
                   settings=closed)
    assert "requests to host '127.0.0.1' are not allowed" in err.message
    assert (err.line, err.column) == (2, 26)


def test_email_context_refuses_what_ampscript_refuses_there():
    src = ('<script runat=server>' + LOAD + 'Write(Platform.Recipient.GetAttributeValue("Tier") + "|");'
           'try { Platform.Function.InsertData("X", ["a"], ["b"]); } catch (e) { Write(e.message); }</script>')
    out = ampy.compile(src).render(attributes={"tier": "Gold"}, context="email")
    assert out.startswith("Gold|InsertData is not allowed in email content")
