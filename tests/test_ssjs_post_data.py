"""Platform.Request.GetPostData(): the raw request body, once; later calls and GET requests give "".
On ampy serve the body as sent (JSON included), from the CLI's --form fields URL-encoded."""

from __future__ import annotations

import subprocess
import sys

import pytest
import requests
from server_support import served_workspace

import ampy
from ampy.cloud.workspace import create_workspace
from ampy.runtime.request import RequestContext

PAGE = ('<script runat=server>var R = Platform.Request;\n'
        'var first = R.GetPostData(), second = R.GetPostData();\n'
        'Platform.Response.Write(R.Method + "|" + first + "|" + (second === "") + "|" + R.GetFormField("a"));'
        '</script>')


def test_the_body_given_with_the_request_is_returned_once():
    request = RequestContext(method="POST", body='{"Név": 1}'.encode())
    assert ampy.render(PAGE, request=request) == 'POST|{"Név": 1}|true|null'


def test_form_fields_stand_for_a_missing_body_with_their_names_as_given():
    request = RequestContext(method="POST", form={"A": "x y", "Multi": ["1", "2"]})
    assert request.body == b"A=x+y&Multi=1%2C2"
    assert ampy.render(PAGE, request=request) == "POST|A=x+y&Multi=1%2C2|true|x y"


def test_a_get_request_has_no_post_data():
    request = RequestContext(url="https://x.example.com/p?a=1", body=b"ignored")
    assert ampy.render(PAGE, request=request) == "GET||true|null"


def test_an_unknown_encoding_is_a_catchable_error():
    src = ('<script runat=server>try { Platform.Request.GetPostData("no-such-codec"); } '
           'catch (e) { Platform.Response.Write(e.message); }</script>')
    out = ampy.render(src, request=RequestContext(method="POST", body=b"x"))
    assert out == "GetPostData: unknown encoding 'no-such-codec'"


def test_the_cli_form_options_make_the_body(tmp_path):
    page = tmp_path / "page.amp"
    page.write_text(PAGE, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "ampy", "run", str(page), "--form", "a=1", "--form", "B=two words"],
                          capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip("\n") == "POST|a=1&B=two+words|true|1"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("postdata") / "ws"
    create_workspace(str(root))
    (root / "cloudpages" / "echo.html").write_text(PAGE, encoding="utf-8")
    (root / "cloudpages" / "json.html").write_text(
        '<script runat=server>var o = Platform.Function.ParseJSON(Platform.Request.GetPostData());\n'
        'Platform.Response.Write(o.name + " ordered " + o.items.length + " items");</script>', encoding="utf-8")
    with served_workspace(root) as running:
        yield running


def test_a_json_post_on_ampy_serve(server):
    r = requests.post(server.url + "/json", data='{"name": "Ada", "items": [1, 2, 3]}',
                      headers={"Content-Type": "application/json"}, timeout=30)
    assert (r.status_code, r.text) == (200, "Ada ordered 3 items")
    r = requests.post(server.url + "/echo", data=b'{"a": "\xc3\xa9"}', headers={"Content-Type": "application/json"},
                      timeout=30)
    assert (r.status_code, r.text) == (200, 'POST|{"a": "é"}|true|null')


def test_a_form_post_on_ampy_serve_gives_the_body_as_sent(server):
    body = "b=2&a=1&a=%7E3"
    r = requests.post(server.url + "/echo", data=body,
                      headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=30)
    assert (r.status_code, r.text) == (200, "POST|b=2&a=1&a=%7E3|true|1,~3")


def test_a_get_on_ampy_serve_has_no_post_data(server):
    r = requests.get(server.url + "/echo?a=5", timeout=30)
    assert (r.status_code, r.text) == (200, "GET||true|null")
