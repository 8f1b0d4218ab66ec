"""The workbench UI over HTTP: a real waitress server on a free 127.0.0.1 port serving a starter
workspace plus test emails, driven with requests (and http.client for raw paths)."""

from __future__ import annotations

import email
import email.policy
import html
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

import pytest
import requests
from server_support import served_workspace
from smtp_support import smtp_server

from ampy.cloud.workspace import create_workspace
from ampy.workbench import live
from ampy.workbench.textversion import html_to_text

PROMO = ('%%[ set @name = ProperCase(AttributeValue("FirstName")) ]%%<html><head><title>Offer</title>'
         "<style>p { color: red }</style></head><body>\n"
         "<h1>Hello %%=v(@name)=%%</h1>\n"
         "<p>Your tier is <b>%%Tier%%</b> &amp; you live in %%City%%.</p>\n"
         '<p><a href="https://example.com/offer?k=%%=v(_subscriberkey)=%%">See the offer</a></p>\n'
         "</body></html>\n")

BANNED = """<p>Hi %%FirstName%%</p>
%%[
InsertData("Orders", "OrderID", "X1")
]%%
<p>after</p>
"""

DEFINITIONS = [
    {"Type": "Email", "ID": 7, "CustomerKey": "Promo", "Name": "Promo",
     "Subject": "%%=Uppercase(AttributeValue(\"FirstName\"))=%%, your offer",
     "PreHeader": "Only for %%Tier%% members", "HTMLBody": {"$file": "content/promo.html"}},
]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("ui") / "ws"
    create_workspace(str(root))
    (root / "content" / "promo.html").write_text(PROMO, encoding="utf-8")
    (root / "content" / "banned.html").write_text(BANNED, encoding="utf-8")
    (root / "content" / "live.html").write_text("<p>version one</p>", encoding="utf-8")
    (root / "definitions" / "promo.json").write_text(json.dumps(DEFINITIONS), encoding="utf-8")
    (root / "dataextensions" / "Big.csv").write_text(
        "Id,Name\n" + "".join(f"{n},name-{n}\n" for n in range(1, 46)), encoding="utf-8")
    (root / "content" / "outer.html").write_text('<p>before</p>\n%%=ContentBlockByKey("Inner")=%%\n',
                                                 encoding="utf-8")
    (root / "content" / "inner.html").write_text("<p>inner</p>\n%%=Add(1, 'x')=%%\n", encoding="utf-8")
    (root / "content" / "spin.html").write_text(
        "<p>start</p>\n%%[ FOR @i = 1 TO 2000000000 DO SET @x = @i NEXT @i ]%%done\n", encoding="utf-8")
    (root / "secret.txt").write_text("TOP SECRET", encoding="utf-8")
    os.symlink(root / "secret.txt", root / "content" / "leak.html")
    with open(root / "ampy.toml", "a", encoding="utf-8") as f:
        f.write("\n[limits]\nloop_iterations = 1000\n")
    return root


@pytest.fixture(scope="module")
def server(workspace):
    with served_workspace(workspace, threads=6, live_reload=True) as running:
        yield running


def _get(server, path, **kw):
    return requests.get(server.url + path, timeout=30, **kw)


def _csrf(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def _by_id(page: str, element_id: str) -> str:
    """The escaped inner HTML of the element with this id (no nesting of the same tag)."""
    m = re.search(rf'<(\w+) id="{element_id}"[^>]*>(.*?)</\1>', page, re.S)
    return m.group(2)


def _raw_get(server, path: str) -> tuple[int, bytes]:
    """GET a path exactly as written (requests would normalise the dots away)."""
    conn = http.client.HTTPConnection(server.host, server.port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _frame_html(server, page: str) -> str:
    src = re.search(r'<iframe id="ampy-html" sandbox="" src="([^"]+)"', page).group(1)
    r = _get(server, html.unescape(src))
    assert r.status_code == 200
    return r.text


# ---- the preview ---------------------------------------------------------------------------------


def test_preview_renders_subject_preheader_html_and_text_for_a_subscriber(server):
    r = _get(server, "/", params={"item": "email:Promo", "de": "Subscribers", "row": "2"})
    assert r.status_code == 200
    page = r.text
    assert _by_id(page, "ampy-subject") == "GRACE, your offer"
    assert _by_id(page, "ampy-preheader") == "Only for Platinum members"
    assert "Rendered in the email context for <strong>S002 (Subscribers)</strong>" in page
    assert _frame_html(server, page) == (
        "<html><head><title>Offer</title><style>p { color: red }</style></head><body>\n"
        "<h1>Hello Grace</h1>\n"
        "<p>Your tier is <b>Platinum</b> &amp; you live in Arlington.</p>\n"
        '<p><a href="https://example.com/offer?k=S002">See the offer</a></p>\n'
        "</body></html>\n")
    assert html.unescape(_by_id(page, "ampy-text")) == (
        "Hello Grace\n\nYour tier is Platinum & you live in Arlington.\n\n"
        "See the offer (https://example.com/offer?k=S002)")
    assert "generated from the HTML (the email has no text part)" in page


def test_preview_with_typed_attributes(server):
    r = _get(server, "/", params={"item": "content:promo.html", "mode": "typed",
                                  "attrs": "FirstName=zoë\nTier=Gold\nCity=Oslo\n_subscriberkey=Z9"})
    assert r.status_code == 200
    assert "for <strong>typed attributes</strong>" in r.text
    assert html.unescape(_by_id(r.text, "ampy-text")) == (
        "Hello Zoë\n\nYour tier is Gold & you live in Oslo.\n\nSee the offer (https://example.com/offer?k=Z9)")


def test_typed_attributes_that_do_not_parse_are_a_clear_400(server):
    r = _get(server, "/", params={"item": "content:promo.html", "mode": "typed", "attrs": "FirstName=Ada\nnonsense"})
    assert r.status_code == 400
    assert "Attribute line 2 must look like Name=Value: &#x27;nonsense&#x27;" in r.text
    assert "Traceback" not in r.text


def test_send_definition_preview_uses_its_subject_and_sendable_audience(server):
    r = _get(server, "/", params={"item": "send:WelcomeSend"})
    assert r.status_code == 200
    # EmailSendDefinition's EmailSubject wins over the email's Subject; the first row of its DE.
    assert _by_id(r.text, "ampy-subject") == "Welcome, Ada!"
    assert "for <strong>S001 (Subscribers)</strong>" in r.text
    assert html.unescape(_by_id(r.text, "ampy-text")) == "Welcome, Ada! Your tier: Gold."
    assert "the email&#x27;s text part" in r.text


def test_email_context_ban_shows_the_error_in_place_of_the_render(server, workspace):
    before = server.app.backend.row_count("Orders")
    r = _get(server, "/", params={"item": "content:banned.html", "de": "Subscribers", "row": "1"})
    assert r.status_code == 200
    assert 'id="ampy-html"' not in r.text
    cli = html.unescape(re.search(r'<pre class="cli">(.*?)</pre>', r.text, re.S).group(1))
    assert cli == ("content/banned.html:3:1: InsertData is not allowed in email content "
                   "(10005: batch context refused (a send is a batch))\n"
                   '    InsertData("Orders", "OrderID", "X1")\n'
                   "    ^")
    excerpt = html.unescape(re.search(r'<pre class="source">(.*?)</pre>', r.text, re.S).group(1))
    assert '<span class="bad">3 | InsertData("Orders", "OrderID", "X1")</span>' in excerpt
    assert server.app.backend.row_count("Orders") == before
    # The whole source, numbered, the failing line marked.
    link = html.unescape(re.search(r'<a href="(/_ampy/source[^"]+)">View the whole source', r.text).group(1))
    assert link == "/_ampy/source?file=content%2Fbanned.html&line=3"
    source = _get(server, link)
    assert source.status_code == 200
    assert ('<span id="L3" class="ampy-bad"><span class="ampy-lineno">3</span> '
            "InsertData(&quot;Orders&quot;, &quot;OrderID&quot;, &quot;X1&quot;)</span>") in source.text
    assert '<span id="L2"><span class="ampy-lineno">2</span> %%[</span>' in source.text


def test_an_error_inside_a_content_block_shows_the_block_source(server):
    r = _get(server, "/", params={"item": "content:outer.html", "mode": "typed", "attrs": "x=1"})
    cli = html.unescape(re.search(r'<pre class="cli">(.*?)</pre>', r.text, re.S).group(1))
    assert cli.splitlines()[0].startswith("content block Inner:2:4: ")
    excerpt = html.unescape(re.search(r'<pre class="source">(.*?)</pre>', r.text, re.S).group(1))
    assert excerpt.splitlines()[:2] == ["1 | <p>inner</p>", "<span class=\"bad\">2 | %%=Add(1, 'x')=%%</span>"]
    assert '<a href="/_ampy/source?file=content%2Finner.html&amp;line=2">View the whole source</a>' in r.text


def test_a_runaway_template_is_stopped_by_the_render_limits(server):
    r = _get(server, "/", params={"item": "content:spin.html", "mode": "typed", "attrs": "x=1"})
    assert r.status_code == 200
    cli = html.unescape(re.search(r'<pre class="cli">(.*?)</pre>', r.text, re.S).group(1))
    assert cli.splitlines()[0] == (
        "content/spin.html:2:5: The FOR loop would run 2000000000 iterations, more than 1000 (limit "
        "loop_iterations; raise it in ampy.toml [limits] loop_iterations or --limit loop_iterations=N)")
    assert _get(server, "/_ampy/tasks").status_code == 200   # and the server goes on


def test_ui_pages_and_the_rendered_email_carry_their_security_headers(server):
    page = _get(server, "/", params={"item": "content:promo.html"})
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and csp.endswith("frame-ancestors 'none'")
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert '<iframe id="ampy-html" sandbox="" src="/_ampy/render/' in page.text
    frame = _get(server, re.search(r'src="(/_ampy/render/[^"]+)"', page.text).group(1))
    assert frame.headers["Content-Security-Policy"] == (
        "default-src 'none'; img-src * data: blob:; style-src * 'unsafe-inline'; font-src * data:; "
        "media-src *; sandbox; frame-ancestors 'self'")
    assert frame.headers["X-Content-Type-Options"] == "nosniff"
    assert _get(server, "/_ampy/render/unknown-token").text.startswith("<p>This preview has expired")


# ---- test sends and the outbox ---------------------------------------------------------------------


def test_send_test_delivers_through_the_send_path_and_the_outbox_shows_it(server, workspace):
    page = _get(server, "/", params={"item": "email:Promo", "de": "Subscribers", "row": "2"}).text
    form = {"csrf": _csrf(page), "item": "email:Promo", "de": "Subscribers", "row": "2", "to": "qa@example.com"}
    r = requests.post(server.url + "/_ampy/send", data=form, timeout=30)
    assert r.status_code == 200
    sent = html.unescape(re.sub(r"<[^>]+>", "", _by_id(r.text, "ampy-sent")))
    task_id = re.search(r"task (\d+), Complete", sent).group(1)
    name = f"{task_id}-000001.eml"
    assert sent == (f"Promo for S002 (Subscribers) to qa@example.com: task {task_id}, Complete. "
                    f"Delivered to outbox/{name}.")
    with open(workspace / "outbox" / name, "rb") as f:
        message = email.message_from_binary_file(f, policy=email.policy.default)
    assert message["To"] == "qa@example.com"
    assert message["From"] == "ampy <noreply@example.com>"
    assert message["Subject"] == "GRACE, your offer"
    assert "<h1>Hello Grace</h1>" in message.get_content()

    view = _get(server, "/_ampy/outbox", params={"file": name})
    assert view.status_code == 200
    assert "<tr><td>To</td><td>qa@example.com</td></tr>" in view.text
    assert "<tr><td>Subject</td><td>GRACE, your offer</td></tr>" in view.text
    assert "<h3>Part 0: text/html</h3>" in view.text
    part = _get(server, html.unescape(re.search(r'src="(/_ampy/outbox/part[^"]+)"', view.text).group(1)))
    assert part.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "sandbox" in part.headers["Content-Security-Policy"]
    assert "<h1>Hello Grace</h1>" in part.text
    listing = _get(server, "/_ampy/outbox").text
    assert f'<a href="/_ampy/outbox?file={name}">{name}</a>' in listing

    sends = _get(server, "/_ampy/sends").text
    row = re.search(rf"<tr><td>{task_id}</td>(.*?)</tr>", sends).group(1)
    cells = re.findall(r"<td>(.*?)</td>", row)
    # EmailName, Subject, Status, SendDate, NumberTargeted, NumberSent, NumberDelivered, NumberErrored
    assert cells[:3] == ["Promo", "%%=Uppercase(AttributeValue(&quot;FirstName&quot;))=%%, your offer", "Complete"]
    assert cells[4:8] == ["1", "1", "1", "0"]
    tasks = _get(server, "/_ampy/tasks").text
    assert re.search(rf"<tr><td>{task_id}</td><td>Email</td><td>Promo</td><td>test</td><td>Complete</td><td></td>",
                     tasks)
    # the last column says what the task produced
    assert re.search(rf"<tr><td>{task_id}</td>.*?<td>1 sent, 0 errored</td></tr>", tasks)


def test_send_test_goes_to_the_configured_smtp_server(tmp_path):
    with smtp_server() as (collector, port):
        root = tmp_path / "ws"
        create_workspace(str(root))
        (root / "content" / "promo.html").write_text(PROMO, encoding="utf-8")
        with open(root / "ampy.toml", "a", encoding="utf-8") as f:
            f.write(f'\n[smtp]\nhost = "127.0.0.1"\nport = {port}\n')
        with served_workspace(root, threads=2) as running:
            page = _get(running, "/", params={"item": "send:WelcomeSend", "de": "Subscribers", "row": "3"}).text
            r = requests.post(running.url + "/_ampy/send", timeout=30, data={
                "csrf": _csrf(page), "item": "send:WelcomeSend", "de": "Subscribers", "row": "3",
                "to": "qa@example.com"})
    sent = html.unescape(re.sub(r"<[^>]+>", "", _by_id(r.text, "ampy-sent")))
    assert re.fullmatch(rf"Welcome send for S003 \(Subscribers\) to qa@example.com: task \d+, Complete\. "
                        rf"Delivered to SMTP 127\.0\.0\.1:{port}\.", sent)
    assert not (root / "outbox").exists() or not list((root / "outbox").iterdir())
    [(recipients, content)] = collector.messages
    assert recipients == ["qa@example.com"]
    message = email.message_from_bytes(content, policy=email.policy.default)
    assert message["Subject"] == "Welcome, Alan!"
    assert message["From"] == "Example News <news@example.com>"
    assert message.get_body(("plain",)).get_content() == "Welcome, Alan! Your tier: Silver.\r\n"  # as on the wire


def test_send_test_to_a_bad_address_is_refused_before_sending(server, workspace):
    page = _get(server, "/", params={"item": "email:Promo"}).text
    before = sorted(os.listdir(workspace / "outbox")) if (workspace / "outbox").exists() else []
    r = requests.post(server.url + "/_ampy/send", timeout=30,
                      data={"csrf": _csrf(page), "item": "email:Promo", "to": "not-an-address"})
    assert r.status_code == 400
    assert "&#x27;not-an-address&#x27; is not an email address." in r.text
    after = sorted(os.listdir(workspace / "outbox")) if (workspace / "outbox").exists() else []
    assert after == before


def test_state_changing_posts_need_the_csrf_token(server, workspace):
    page = _get(server, "/").text
    good = _csrf(page)
    outbox = workspace / "outbox"
    outbox.mkdir(exist_ok=True)
    (outbox / "keep-me.eml").write_bytes(b"To: a@example.com\r\nSubject: kept\r\n\r\nbody\r\n")
    rows = server.app.backend.row_count("Big")
    forged = good.split(".")[0] + "." + "0" * 64
    for token in (None, "", forged, "nonsense"):
        data = {"row": "1", "de": "Big", "item": "email:Promo", "to": "qa@example.com"}
        if token is not None:
            data["csrf"] = token
        for path in ("/_ampy/outbox/clear", "/_ampy/data/delete", "/_ampy/send"):
            r = requests.post(server.url + path, data=data, timeout=30, allow_redirects=False)
            assert r.status_code == 403, (path, token)
            assert "security token is missing or not from this server" in r.text
    assert (outbox / "keep-me.eml").exists()
    assert server.app.backend.row_count("Big") == rows
    # GET never changes anything.
    assert _get(server, "/_ampy/outbox/clear").status_code == 405
    # With the page's token, clearing works and says how many went.
    r = requests.post(server.url + "/_ampy/outbox/clear", data={"csrf": good}, timeout=30, allow_redirects=False)
    assert r.status_code == 303
    assert r.headers["Location"].startswith("/_ampy/outbox?cleared=")
    assert not list(outbox.glob("*.eml"))
    assert "The outbox is empty." in _get(server, r.headers["Location"]).text


def test_an_oversized_post_is_refused_with_413(server, workspace):
    before = sorted(os.listdir(workspace / "outbox")) if (workspace / "outbox").exists() else []
    r = requests.post(server.url + "/_ampy/send", data={"attrs": "x" * (5 * 1024 * 1024)}, timeout=60)
    assert r.status_code == 413
    after = sorted(os.listdir(workspace / "outbox")) if (workspace / "outbox").exists() else []
    assert after == before


# ---- data extension views ------------------------------------------------------------------------


def _row_ids(page: str) -> list[str]:
    return re.findall(r"<tr><td>(\d+)</td><td>name-\d+</td>", page)


def test_data_extension_view_pages_and_searches(server):
    listing = _get(server, "/_ampy/data").text
    assert re.search(r'<a href="/_ampy/data\?de=Big">Big</a></td><td>Big</td><td>\d+</td>', listing)
    first = _get(server, "/_ampy/data", params={"de": "Big"}).text
    assert "<tr><td>Id</td><td>Text</td>" in first      # schema: no schema file, Text fields
    assert _row_ids(first)[:3] == ["1", "2", "3"] and len(_row_ids(first)) == 20
    assert re.search(r"\d+ rows, page 1 of 3", first)
    third = _get(server, "/_ampy/data", params={"de": "Big", "page": "3"}).text
    assert _row_ids(third) == ["41", "42", "43", "44", "45"]
    found = _get(server, "/_ampy/data", params={"de": "Big", "q": "NAME-4"}).text
    assert _row_ids(found) == ["4", "40", "41", "42", "43", "44", "45"]
    assert "7 rows" in found
    none = _get(server, "/_ampy/data", params={"de": "Big", "q": "zzz"}).text
    assert "No rows match." in none
    assert _get(server, "/_ampy/data", params={"de": "Nope"}).status_code == 404


def test_delete_a_row_with_the_token(server):
    page = _get(server, "/_ampy/data", params={"de": "Big", "q": "name-45"}).text
    assert _row_ids(page) == ["45"]
    rowid = re.search(r'name="row" value="(\d+)"', page).group(1)
    r = requests.post(server.url + "/_ampy/data/delete", timeout=30, allow_redirects=False,
                      data={"csrf": _csrf(page), "de": "Big", "row": rowid})
    assert r.status_code == 303
    after = _get(server, r.headers["Location"]).text
    assert "Deleted 1 row(s)." in after
    assert server.app.backend.lookup("Big", [("Id", "45")]) == []
    assert server.app.backend.lookup("Big", [("Id", "44")]) == [{"Id": "44", "Name": "name-44"}]


# ---- bad paths -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [
    "/_ampy/source?file=../ampy.toml",
    "/_ampy/source?file=content/../../ampy.toml",
    "/_ampy/source?file=%2e%2e/secret.txt",
    "/_ampy/source?file=%252e%252e%252fsecret.txt",
    "/_ampy/source?file=/etc/passwd",
    "/_ampy/source?file=secret.txt",
    "/_ampy/source?file=definitions/promo.json",
    "/_ampy/source?file=content/leak.html",
    "/?item=content:../secret.txt",
    "/?item=content:leak.html",
    "/_ampy/outbox?file=../secret.txt",
    "/_ampy/outbox?file=..%2f..%2fsecret.txt",
    "/_ampy/outbox/part?file=../../secret.txt&n=0",
    "/_ampy/static/../ui.py",
    "/_ampy/static/%2e%2e/ui.py",
    "/_ampy/static/..%2f..%2f..%2fsecret.txt",
    "/_ampy/nothing-here",
])
def test_the_ui_never_serves_a_file_outside_its_folders(server, path):
    status, body = _raw_get(server, path)
    assert status == 404
    assert b"TOP SECRET" not in body and b"member_id" not in body and b"import " not in body


def test_static_files_are_served_with_their_types(server):
    js = _get(server, "/_ampy/static/workbench.js")
    assert js.status_code == 200
    assert js.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert js.headers["X-Content-Type-Options"] == "nosniff"
    assert "EventSource" in js.text
    assert _get(server, "/_ampy/static/workbench.css").headers["Content-Type"] == "text/css; charset=utf-8"


# ---- live reload ---------------------------------------------------------------------------------


def test_a_saved_file_is_announced_on_the_event_stream(server, workspace, monkeypatch):
    # A stream that never ends by itself: a buffering server would hold the event back for good.
    monkeypatch.setattr(live, "STREAM_SECONDS", 3600.0)
    page = _get(server, "/", params={"item": "content:live.html", "mode": "typed", "attrs": "x=1"}).text
    assert "version one" in _frame_html(server, page)
    since = re.search(r'data-live-since="(\d+)"', page).group(1)
    with requests.get(server.url + "/_ampy/events", params={"since": since}, stream=True, timeout=30) as events:
        assert events.headers["Content-Type"] == "text/event-stream; charset=utf-8"
        lines = events.iter_lines(decode_unicode=True)
        assert next(lines) == "retry: 1000"

        def save():
            time.sleep(0.3)
            (workspace / "content" / "live.html").write_text("<p>version two</p>", encoding="utf-8")

        threading.Thread(target=save).start()
        received = []
        for line in lines:
            received.append(line)
            if line.startswith("data:"):
                break
    change = [line for line in received if not line.startswith(":") and line]
    assert change[1] == "event: change"
    data = json.loads(change[2][len("data: "):])
    assert data["paths"] == ["content/live.html"]
    assert change[0] == f"id: {data['version']}"
    # The page (or its main element, as the script asks for it) renders the new version.
    fragment = _get(server, "/", params={"item": "content:live.html", "mode": "typed", "attrs": "x=1"},
                    headers={"X-Ampy-Fragment": "1"}).text
    assert fragment.startswith('<div class="ampy-preview">')
    assert "version two" in _frame_html(server, fragment)


def test_events_since_an_older_change_arrive_at_once(server):
    with requests.get(server.url + "/_ampy/events", params={"since": "0"}, stream=True, timeout=30) as events:
        lines = events.iter_lines(decode_unicode=True)
        if server.app.ui.live.version == 0:
            server.app.ui.live.notify(["content/x.html"])
        seen = []
        for line in lines:
            seen.append(line)
            if line == "event: change":
                break
    assert seen[-1] == "event: change"


def test_a_new_event_stream_ends_the_oldest_beyond_the_cap(server, monkeypatch):
    monkeypatch.setattr(live, "STREAM_SECONDS", 3600.0)
    streams, lines = [], []
    try:
        for _ in range(live.MAX_STREAMS + 1):
            streams.append(requests.get(server.url + "/_ampy/events", stream=True, timeout=30))
            lines.append(streams[-1].iter_lines(decode_unicode=True))
            assert next(lines[-1]) == "retry: 1000"
        # The oldest stream was told to end: its response finishes (the browser would reconnect).
        assert list(lines[0]) == [": ampy live reload", ""]
        assert len(server.app.ui.live._streams) <= live.MAX_STREAMS
        assert _get(server, "/_ampy/tasks").status_code == 200
    finally:
        for s in streams:
            s.close()
        server.app.ui.live.notify([])  # wakes the streams; each ends at its next write to a closed socket


def test_html_to_text():
    assert html_to_text(
        "<html><head><title>T</title><style>p{}</style></head><body>"
        "<div>One <b>two</b>\n   three</div><p>Para&nbsp;graph &lt;x&gt;</p>"
        '<p><a href="https://e.com/?a=1&amp;b=2">Link</a>, <a href="https://e.com/">https://e.com/</a>, '
        '<a href="mailto:x@e.com">x@e.com</a>, <a href="#top">top</a>, '
        '<a href="https://e.com/i"><img alt="Logo"></a></p>'
        "<table><tr><td>A</td><td>B</td></tr><tr><td>C</td></tr></table>"
        "line<br>break<br><br>gap<ul><li>first</li><li>second</li></ul><script>alert(1)</script>"
        "<pre>  kept\n  as is</pre>end</body></html>") == (
        "One two three\n\nPara graph <x>\n\n"
        "Link (https://e.com/?a=1&b=2), https://e.com/, x@e.com, top, Logo (https://e.com/i)\n\n"
        "A B\nC\n\nline\nbreak\n\ngap\n\nfirst\nsecond\n\nkept\nas is\n\nend")


# ---- ampy run --watch ----------------------------------------------------------------------------


def test_run_watch_renders_again_on_each_save_and_exits_0_on_ctrl_c(tmp_path):
    template = tmp_path / "t.amp"
    template.write_text("%%=Uppercase('one')=%%\n", encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "ampy", "run", str(template), "--watch"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        assert proc.stdout.readline() == "ONE\n"
        assert proc.stderr.readline() == f"ampy: watching {template} (Ctrl-C to stop)\n"
        time.sleep(0.5)  # the watcher starts right after saying so
        template.write_text("%%=Uppercase('two')=%%\n", encoding="utf-8")
        assert proc.stdout.readline() == "TWO\n"
        template.write_text("%%=Concatt('x')=%%\n", encoding="utf-8")
        assert proc.stderr.readline() == "ampy: t.amp changed, running again\n"
        assert proc.stderr.readline() == "ampy: t.amp changed, running again\n"
        line = proc.stderr.readline()
        assert line == f"{template}:1:4: Unknown function 'Concatt' (did you mean Concat?)\n"
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
