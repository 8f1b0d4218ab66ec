"""CloudPages served by `ampy serve --workspace`: a real waitress server on a free 127.0.0.1 port,
the starter workspace's sample pages plus a few test pages, requests as the client."""

from __future__ import annotations

import http.client
import io
import os
import subprocess
import sys
import threading

import pytest
import requests
from server_support import served_workspace

from ampy.cloud.workspace import create_workspace
from ampy.commands.serve import is_loopback, startup_message
from ampy.errors import AmpscriptRuntimeError
from ampy.server.app import build_app
from ampy.server.wsgi import ServerApp
from ampy.workbench.app import WorkbenchApp
from ampy.workbench.common import (
    BodyTooLarge,
    Csrf,
    error_html,
    read_form,
    resolve_inside,
    security_headers,
)

MAX_BODY = 64 * 1024

ECHO_PAGE = ('%%=QueryParameter("q")=%%|%%=RequestParameter("field")=%%|%%=RequestParameter("session")=%%|'
             '%%=HTTPRequestHeader("X-Test")=%%|%%=HTTPRequestHeader("user-agent")=%%|'
             '%%=RequestParameter("PAGEURL")=%%')

BROKEN_PAGE = """<html><body>
%%[ SET @a = 1 ]%%
<p>%%=Add(@a, "x")=%%</p>
</body></html>
"""

LINKS_PAGE = ('<a href="%%=MicrositeURL(102, "email", "m@example.com")=%%">m</a>'
              '<a href="%%=CloudPagesURL(102, "email", "c@example.com")=%%">c</a>')


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("wb") / "ws"
    create_workspace(str(root))
    pages = root / "cloudpages"
    (pages / "echo.amp").write_text(ECHO_PAGE, encoding="utf-8")
    (pages / "broken.amp").write_text(BROKEN_PAGE, encoding="utf-8")
    (pages / "unparsable.html").write_text("<p>%%=Concat('a'</p>\n", encoding="utf-8")
    (pages / "links.ampscript").write_text(LINKS_PAGE, encoding="utf-8")
    (pages / "away.amp").write_text('before%%[ Redirect(RedirectTo("https://example.com/x?a=1")) ]%%after',
                                    encoding="utf-8")
    (pages / "plain.html").write_text("<p>%%=Uppercase('html pages render too')=%%</p>", encoding="utf-8")
    (pages / "spin.amp").write_text(
        "%%[ FOR @i = 1 TO 2000000000 DO SET @x = Concat(@i, 'x') NEXT @i ]%%done", encoding="utf-8")
    # Things outside cloudpages/ that must never be served.
    (root / "secret.amp").write_text("TOP SECRET", encoding="utf-8")
    os.symlink(root / "secret.amp", pages / "leak.amp")
    os.symlink(root / "content", pages / "linked")
    with open(root / "ampy.toml", "a", encoding="utf-8") as f:
        # Only the wall time stops the runaway page: its loop count is within the iteration limits.
        f.write("\n[limits]\nwall_time = 1.0\nloop_iterations = 2000000000\ntotal_iterations = 2000000000\n")
    return root


@pytest.fixture(scope="module")
def server(workspace):
    with served_workspace(workspace, max_body=MAX_BODY) as running:
        yield running


def _subscriber(server, key):
    return server.app.backend.lookup("Subscribers", [("SubscriberKey", key)])


def _raw_get(server, raw_path: str) -> tuple[int, bytes]:
    """GET a path exactly as written (no client-side normalisation of dots or escapes)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.putrequest("GET", raw_path, skip_accept_encoding=True)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


# ---- routing ------------------------------------------------------------------------------------

def test_a_workspace_app_is_the_workbench_and_the_api_keeps_its_routes(server):
    assert isinstance(server.app, WorkbenchApp) and isinstance(server.app.api, ServerApp)
    wsdl = requests.get(server.url + "/etframework.wsdl", timeout=30)
    assert wsdl.status_code == 200 and f'location="{server.url}/Service.asmx"' in wsdl.text
    soap_get = requests.get(server.url + "/Service.asmx", timeout=30)
    assert (soap_get.status_code, soap_get.text) == (405, "Use POST for SOAP requests.\n")
    token = requests.post(server.url + "/v2/token", json={"grant_type": "client_credentials"}, timeout=30)
    assert token.status_code == 401
    assert requests.get(server.url + "/", timeout=30).status_code == 200
    missing = requests.get(server.url + "/no/such/page", timeout=30)
    assert missing.status_code == 404 and "<code>/no/such/page</code>" in missing.text


def test_without_a_workspace_build_app_is_the_partner_api_alone():
    from server_support import FakeCloud, make_auth

    assert type(build_app(backend=FakeCloud(), auth=make_auth())) is ServerApp


def test_page_urls_list_every_page(server):
    assert server.app.page_urls() == ["/away", "/broken", "/echo", "/links", "/plain", "/spin",
                                      "/subscribe", "/subscribe/thanks", "/unparsable"]


# ---- rendering and the request ------------------------------------------------------------------

def test_get_renders_the_page_not_its_source(server):
    r = requests.get(server.url + "/subscribe", timeout=30)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert '<form method="post">' in r.text and "%%[" not in r.text and "UpsertData" not in r.text


def test_html_pages_are_rendered_as_ampscript(server):
    r = requests.get(server.url + "/plain", timeout=30)
    assert (r.status_code, r.text) == (200, "<p>HTML PAGES RENDER TOO</p>")


def test_query_form_cookies_and_headers_reach_the_functions(server):
    r = requests.post(server.url + "/echo?q=a%20b&Q=2", data={"field": "f1"}, timeout=30,
                      headers={"X-Test": "hdr", "User-Agent": "ua/1", "Cookie": "session=s-1; other=o"})
    assert r.status_code == 200
    assert r.text == f"a b,2|f1|s-1|hdr|ua/1|{server.url}/echo?q=a%20b&Q=2"


def test_repeated_form_fields_read_comma_joined_as_on_the_platform(server):
    r = requests.post(server.url + "/echo", data=[("field", "x"), ("field", "y")], headers={"User-Agent": "u"},
                      timeout=30)
    assert r.text == f"|x,y|||u|{server.url}/echo"


def test_urlencoded_form_post_stores_the_row_and_redirects_to_the_thanks_page(server):
    r = requests.post(server.url + "/subscribe", timeout=30, allow_redirects=False,
                      data={"submitted": "1", "email": "nia@example.com", "first_name": "Nia"})
    assert r.status_code == 302 and r.content == b""
    location = r.headers["Location"]
    assert location.startswith(server.url + "/subscribe/thanks?qs=")
    assert "nia" not in location   # the address travels encrypted
    [row] = _subscriber(server, "nia@example.com")
    assert (row["EmailAddress"], row["FirstName"]) == ("nia@example.com", "Nia")
    thanks = requests.get(location, timeout=30)
    assert thanks.status_code == 200
    assert "<h1>Thank you, Nia!</h1>\n<p>nia@example.com is subscribed.</p>" in thanks.text


def test_multipart_form_post_stores_the_row(server):
    files = {"submitted": (None, "1"), "email": (None, "mo@example.com"), "first_name": (None, "Mo"),
             "attachment": ("note.txt", b"ignored", "text/plain")}
    r = requests.post(server.url + "/subscribe", files=files, timeout=30, allow_redirects=False)
    assert r.request.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert r.status_code == 302
    [row] = _subscriber(server, "mo@example.com")
    assert row["FirstName"] == "Mo"


def test_an_invalid_address_stays_on_the_form_and_writes_nothing(server):
    r = requests.post(server.url + "/subscribe", data={"submitted": "1", "email": "not-an-address"}, timeout=30)
    assert r.status_code == 200
    assert '<p class="error">Please enter a valid email address.</p>' in r.text
    assert _subscriber(server, "not-an-address") == []


def test_redirect_answers_302_with_the_location_and_no_output(server):
    r = requests.get(server.url + "/away", timeout=30, allow_redirects=False)
    assert (r.status_code, r.headers["Location"], r.content) == (302, "https://example.com/x?a=1", b"")


def test_cloudpagesurl_and_micrositeurl_links_point_at_this_server_and_round_trip(server):
    page = requests.get(server.url + "/links", timeout=30).text
    micro = page.split('href="')[1].split('"')[0]
    cloud = page.split('href="')[2].split('"')[0]
    assert micro.startswith(server.url + "/page.aspx?QS=") and cloud.startswith(server.url + "/subscribe/thanks?qs=")
    assert "<p>m@example.com is subscribed.</p>" in requests.get(micro, timeout=30).text
    assert "<p>c@example.com is subscribed.</p>" in requests.get(cloud, timeout=30).text


def test_a_tampered_qs_is_refused_with_a_clear_page(server):
    page = requests.get(server.url + "/links", timeout=30).text
    link = page.split('href="')[2].split('"')[0]
    token = link.split("qs=")[1]
    tampered = link.replace(token, token[:40] + ("A" if token[40] != "A" else "B") + token[41:])
    r = requests.get(tampered, timeout=30)
    assert r.status_code == 400
    assert "<h1>Invalid link</h1>\n<p>The qs parameter of this link cannot be decrypted: it was altered, cut " \
           "short, or made with another CloudPages key.</p>" in r.text
    other_page = requests.get(server.url + "/subscribe?qs=" + token, timeout=30)
    assert other_page.status_code == 400 and "This link was made for page 102, not for this page." in other_page.text
    micro = requests.get(server.url + "/page.aspx", timeout=30)
    assert micro.status_code == 400 and "A microsite link needs its QS parameter." in micro.text


# ---- errors -------------------------------------------------------------------------------------

def test_a_script_error_answers_500_with_position_source_and_caret(server):
    r = requests.get(server.url + "/broken", timeout=30)
    assert r.status_code == 500 and r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "cloudpages/broken.amp:3:7: " in r.text
    assert "<pre class=\"source\">1 | &lt;html&gt;&lt;body&gt;\n2 | %%[ SET @a = 1 ]%%\n" \
           "<span class=\"bad\">3 | &lt;p&gt;%%=Add(@a, &quot;x&quot;)=%%&lt;/p&gt;</span>\n" \
           "<span class=\"caret\">  |       ^</span>\n4 | &lt;/body&gt;&lt;/html&gt;</pre>" in r.text
    assert "Traceback" not in r.text


def test_a_syntax_error_answers_500_too(server):
    r = requests.get(server.url + "/unparsable", timeout=30)
    assert r.status_code == 500
    assert "cloudpages/unparsable.html:1:" in r.text and "<span class=\"caret\">" in r.text
    assert "Traceback" not in r.text


def test_a_page_that_loops_forever_answers_500_while_others_are_served(server):
    result = {}

    def spin():
        result["spin"] = requests.get(server.url + "/spin", timeout=60)

    worker = threading.Thread(target=spin)
    worker.start()
    served = []
    while worker.is_alive() and len(served) < 200:
        served.append(requests.get(server.url + "/plain", timeout=30).status_code)
    worker.join(60)
    assert served and set(served) == {200}
    r = result["spin"]
    assert r.status_code == 500 and "wall_time" in r.text and "cloudpages/spin.amp:1:" in r.text
    assert "Traceback" not in r.text


def test_an_oversized_body_answers_413(server):
    r = requests.post(server.url + "/subscribe", data={"email": "x" * (MAX_BODY + 1)}, timeout=30)
    assert r.status_code == 413


def test_the_page_app_refuses_an_oversized_body_itself(server):
    body = b"email=" + b"x" * MAX_BODY
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/subscribe", "QUERY_STRING": "", "wsgi.input": io.BytesIO(body),
               "CONTENT_LENGTH": str(len(body)), "CONTENT_TYPE": "application/x-www-form-urlencoded",
               "HTTP_HOST": "127.0.0.1", "wsgi.url_scheme": "http"}
    seen = []
    out = b"".join(server.app(environ, lambda status, headers: seen.append(status)))
    assert seen == ["413 Payload Too Large"]
    assert f"request body larger than {MAX_BODY} bytes".encode() in out


def test_other_methods_answer_405(server):
    r = requests.delete(server.url + "/subscribe", timeout=30)
    assert (r.status_code, r.headers["Allow"]) == (405, "GET, HEAD, POST")


# ---- never outside cloudpages/ ------------------------------------------------------------------

@pytest.mark.parametrize("raw_path", [
    "/../ampy.toml", "/../secret", "/%2e%2e/secret", "/%2E%2E/ampy.toml", "/subscribe/..%2f..%2fsecret",
    "/subscribe/%2e%2e/%2e%2e/secret", "/%252e%252e/secret", "//etc/passwd", "/%2fetc%2fpasswd",
    "/subscribe\\..\\..\\secret", "/subscribe%5c..%5c..%5csecret", "/leak", "/linked/welcome_email",
    "/linked/email_footer", "/subscribe/index.amp", "/subscribe/thanks.amp", "/echo.amp",
    "/.ampy/store", "/etc/passwd"])
def test_paths_that_leave_the_folder_or_name_a_source_file_answer_404(server, raw_path):
    status, body = _raw_get(server, raw_path)
    assert status == 404, raw_path
    assert b"TOP SECRET" not in body and b"%%[" not in body


def test_resolve_inside_refuses_every_escape(tmp_path):
    root = tmp_path / "root"
    (root / "a").mkdir(parents=True)
    (root / "a" / "page.amp").write_text("x")
    (tmp_path / "outside.amp").write_text("y")
    os.symlink(tmp_path / "outside.amp", root / "out.amp")
    os.symlink(root / "a" / "page.amp", root / "in.amp")
    assert resolve_inside(root, "a/page.amp") == root / "a" / "page.amp"
    assert resolve_inside(root, "in.amp") == root / "a" / "page.amp"   # a link that stays inside is fine
    for bad in ("../outside.amp", "%2e%2e/outside.amp", "%252E%252E/outside.amp", "a/../../outside.amp",
                str(tmp_path / "outside.amp"), "/a/page.amp", "a\\page.amp", "out.amp", "a", "", "missing.amp",
                "a/page.amp\0", "c:/x"):
        assert resolve_inside(root, bad) is None, bad


# ---- shared pieces ------------------------------------------------------------------------------

def test_error_html_shows_the_cli_text_and_the_numbered_source():
    err = AmpscriptRuntimeError("Bad <thing>", name="p.amp", line=2, column=4, source_line="\tab c")
    assert error_html(err, "one\n\tab c\nthree") == (
        '<section class="ampy-error">\n<h2>AmpscriptRuntimeError</h2>\n'
        '<pre class="cli">p.amp:2:4: Bad &lt;thing&gt;\n    \tab c\n    \t  ^</pre>\n'
        '<pre class="source">1 | one\n<span class="bad">2 | \tab c</span>\n'
        '<span class="caret">  | \t  ^</span>\n3 | three</pre>\n</section>')
    assert error_html(AmpscriptRuntimeError("no position"), None) == (
        '<section class="ampy-error">\n<h2>AmpscriptRuntimeError</h2>\n'
        '<pre class="cli">&lt;string&gt;:0:0: no position</pre>\n</section>')


def test_csrf_tokens_check_only_for_the_server_that_made_them():
    csrf, other = Csrf(), Csrf()
    token = csrf.token()
    assert csrf.check(token) and csrf.token() != token
    assert not other.check(token)
    for bad in (None, "", token + "0", token.replace(".", ""), "é.é", f"{token}.x"):
        assert not csrf.check(bad)


def test_security_headers():
    assert dict(security_headers())["X-Content-Type-Options"] == "nosniff"
    assert dict(security_headers())["Content-Security-Policy"].endswith("; frame-ancestors 'none'")
    custom = dict(security_headers(frame_ancestors="'self'", csp="default-src 'none';"))
    assert custom["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'self'"
    assert custom["X-Frame-Options"] == "SAMEORIGIN"


def test_read_form_reads_both_encodings_and_bounds_the_body():
    def environ(body: bytes, content_type: str) -> dict:
        return {"wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body)), "CONTENT_TYPE": content_type}

    assert read_form(environ(b"a=1&b=x+y&a=%C3%A9", "application/x-www-form-urlencoded")) == \
        {"a": ["1", "é"], "b": ["x y"]}
    body = (b'--XX\r\nContent-Disposition: form-data; name="a"\r\n\r\n\xc3\xa9\r\n'
            b'--XX\r\nContent-Disposition: form-data; name="f"; filename="t.txt"\r\n\r\nhello\r\n--XX--\r\n')
    assert read_form(environ(body, "multipart/form-data; boundary=XX")) == {"a": ["é"], "f": ["t.txt"]}
    assert read_form(environ(b"{}", "application/json")) == {}
    with pytest.raises(BodyTooLarge):
        read_form(environ(b"a=123456", "application/x-www-form-urlencoded"), max_body=5)


# ---- the command --------------------------------------------------------------------------------

def test_loopback_hosts():
    assert all(is_loopback(h) for h in ("127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "192.0.2.1", "::", "example.com"))


def test_startup_message_lists_preview_pages_and_api():
    assert startup_message("http://127.0.0.1:8080", ["/subscribe", "/subscribe/thanks"]) == (
        "ampy workbench on http://127.0.0.1:8080/\n"
        "  email preview   http://127.0.0.1:8080/\n"
        "  CloudPage       http://127.0.0.1:8080/subscribe\n"
        "  CloudPage       http://127.0.0.1:8080/subscribe/thanks\n"
        "  Partner API     http://127.0.0.1:8080/Service.asmx  (WSDL http://127.0.0.1:8080/etframework.wsdl)\n"
        "  token endpoint  http://127.0.0.1:8080/v2/token")


def _env():
    return {**os.environ, "PYTHONUNBUFFERED": "1"}


def test_a_non_loopback_host_prints_a_warning(tmp_path):
    root = tmp_path / "ws"
    create_workspace(str(root))
    # 192.0.2.1 (TEST-NET-1) is no address of this machine: the warning comes first, then binding fails.
    done = subprocess.run([sys.executable, "-m", "ampy", "serve", "--workspace", str(root), "--host", "192.0.2.1",
                           "--port", "0", "--no-reload"], capture_output=True, text=True, timeout=120, env=_env())
    assert done.returncode == 2
    assert done.stderr.startswith("ampy serve: warning: listening on 192.0.2.1, not on a loopback address: other "
                                  "machines can reach the preview, the CloudPages (which write to the workspace) "
                                  "and the API\n")


def test_serve_prints_the_urls_and_serves_the_sample_page(tmp_path):
    root = tmp_path / "ws"
    create_workspace(str(root))
    proc = subprocess.Popen([sys.executable, "-m", "ampy", "serve", "--workspace", str(root), "--port", "0",
                             "--no-reload"], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=_env())
    try:
        lines = [proc.stderr.readline() for _ in range(6)]
        url = lines[0].removeprefix("ampy workbench on ").strip().rstrip("/")
        assert url.startswith("http://127.0.0.1:")
        assert lines == [f"ampy workbench on {url}/\n", f"  email preview   {url}/\n",
                         f"  CloudPage       {url}/subscribe\n", f"  CloudPage       {url}/subscribe/thanks\n",
                         f"  Partner API     {url}/Service.asmx  (WSDL {url}/etframework.wsdl)\n",
                         f"  token endpoint  {url}/v2/token\n"]
        r = requests.get(url + "/subscribe", timeout=30)
        assert r.status_code == 200 and "<h1>Subscribe to our newsletter</h1>" in r.text
    finally:
        proc.terminate()
        proc.wait(30)
        proc.stderr.close()


def test_live_reload_adds_its_script_before_the_end_of_body(workspace):
    from ampy.workbench.live import reload_snippet

    with served_workspace(workspace, threads=2, live_reload=True) as running:
        page = requests.get(running.url + "/subscribe", timeout=30).text
        bare = requests.get(running.url + "/plain", timeout=30).text
    assert page.endswith(f"</form>\n{reload_snippet()}</body>\n</html>\n")
    assert bare == "<p>HTML PAGES RENDER TOO</p>" + reload_snippet()   # no </body>: appended


def test_error_html_shows_a_window_of_a_huge_line_around_the_caret():
    line = "a" * 1000 + "X" + "b" * 1000
    err = AmpscriptRuntimeError("bad", name="p.amp", line=2, column=1001, source_line=line)
    fragment = error_html(err, "short\n" + line)
    [shown] = [row for row in fragment.splitlines() if row.startswith('<span class="bad">')]
    assert shown == '<span class="bad">2 | ...' + "a" * 80 + "X" + "b" * 79 + "...</span>"
    assert '<span class="caret">  | ' + " " * 83 + "^</span>" in fragment
    assert "1 | ...\n" in fragment   # the short line, seen through the same window
