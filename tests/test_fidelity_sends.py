"""Send-time content functions in real local sends: AttachFile files in the delivered message
(outbox .eml and a real SMTP server), TreatAsContentArea across the job, RaiseError's
preserveDataExt and error codes, impression regions."""

from __future__ import annotations

import email
import email.policy
import http.server
import json
import os
import threading

import pytest
from cloud_support import new_workspace, obj, open_workspace, wait_for_tasks

from ampy.cloud import impressions
from ampy.settings import Settings

PDF = b"%PDF-1.4\n% ampy test\n" + bytes(range(256)) + b"\n%%EOF\n"


class _Files(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the http.server hook
        if self.path == "/docs/terms.pdf":
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.send_header("Content-Length", str(len(PDF)))
            self.end_headers()
            self.wfile.write(PDF)
        else:
            self.send_error(404)

    def log_message(self, *args):
        pass


@pytest.fixture
def files_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Files)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def ws(tmp_path):
    root = new_workspace(tmp_path)
    backend = open_workspace(root)
    backend.settings = Settings(http_allow=["127.0.0.1"])
    backend.store.create("People", ["SubscriberKey", "EmailAddress", "Name", "Tier"], ["SubscriberKey"],
                         rows=[["K1", "ann@example.com", "Ann", "Gold"], ["K2", "bo@example.com", "Bo", "Silver"]],
                         meta={"IsSendable": True, "SendableField": "SubscriberKey"})
    backend.store.create("Log", ["SubscriberKey", "Note"], [])
    try:
        yield root, backend
    finally:
        backend.close()


def send(backend, html, *, text=None):
    backend.api_create([obj("Email", ID="80", Name="Fidelity", Subject="Hi %%Name%%", HTMLBody=html,
                            **({"TextBody": text} if text else {}))])
    backend.api_create([obj("EmailSendDefinition", Name="Fidelity", CustomerKey="fidelity",
                            Email=obj("Email", ID="80"),
                            SendDefinitionList=[obj("SendDefinitionList", CustomObjectID="People")])])
    job = backend.api_perform("start", [obj("EmailSendDefinition", CustomerKey="fidelity")]).results[0].task["ID"]
    (task,) = wait_for_tasks(backend, TaskID=job)
    return job, task


def outbox(root):
    out = {}
    for name in sorted(os.listdir(f"{root}/outbox")):
        with open(f"{root}/outbox/{name}", "rb") as f:
            msg = email.message_from_bytes(f.read(), policy=email.policy.default)
        out[msg["To"]] = msg
    return out


def attachments(msg):
    return [(a.get_filename(), a.get_content_type(), a.get_content()) for a in msg.iter_attachments()]


# ---- AttachFile --------------------------------------------------------------------------------

def test_http_attachment_is_in_the_outbox_message(ws, files_server):
    root, backend = ws
    _, task = send(backend, f"<p>Terms for %%Name%%</p>%%[ AttachFile('http', '{files_server}/docs/terms.pdf') ]%%",
                   text="Terms for %%Name%%")
    assert task["Status"] == "Complete"
    msgs = outbox(root)
    msg = msgs["ann@example.com"]
    assert msg.get_content_type() == "multipart/mixed"
    assert msg.get_body(("plain",)).get_content() == "Terms for Ann\n"
    assert msg.get_body(("html",)).get_content() == "<p>Terms for Ann</p>\n"
    assert attachments(msg) == [("terms.pdf", "application/pdf", PDF)]
    assert attachments(msgs["bo@example.com"]) == [("terms.pdf", "application/pdf", PDF)]


def test_attachments_reach_a_real_smtp_server(ws, smtp):
    root, backend = ws
    handler, port = smtp
    backend.settings = Settings(http_allow=["127.0.0.1"], smtp={"host": "127.0.0.1", "port": port})
    content = os.path.join(root, "content")
    os.makedirs(os.path.join(content, "Docs"))
    with open(os.path.join(content, "Docs", "Guide.PDF"), "wb") as f:
        f.write(PDF)
    with open(os.path.join(content, "index.json"), "w", encoding="utf-8") as f:
        json.dump([{"id": 555, "key": "guide", "file": "docs/guide.pdf"}], f)
    os.makedirs(os.path.join(root, "ftp", "Export"))
    with open(os.path.join(root, "ftp", "Export", "report.csv"), "wb") as f:
        f.write(b"a,b\r\n1,2\r\n")
    html = ("%%[ IF Tier == 'Gold' THEN AttachFile('contentbuilder', 555, 'Guide for %%Name%%.pdf') "
            "ELSE AttachFile('ContentBuilder', 'Docs\\Guide.pdf') ENDIF "
            "AttachFile('ftp', 'Export/report.csv') ]%%<p>Hi</p>")
    _, task = send(backend, html)
    assert task["Status"] == "Complete"
    got = {rcpts[0]: email.message_from_bytes(content, policy=email.policy.default)
           for rcpts, content in handler.messages}
    assert attachments(got["ann@example.com"]) == [("Guide for %%Name%%.pdf", "application/pdf", PDF),
                                                   ("report.csv", "text/csv", "a,b\r\n1,2\r\n")]
    assert attachments(got["bo@example.com"]) == [("Guide.PDF", "application/pdf", PDF),
                                                  ("report.csv", "text/csv", "a,b\r\n1,2\r\n")]


def test_an_attachment_that_cannot_be_fetched_skips_the_subscriber(ws, files_server):
    root, backend = ws
    html = ("%%[ IF Name == 'Ann' THEN AttachFile('http', '" + files_server + "/missing.pdf') ELSE "
            "AttachFile('http', 'http://files.example.com/a.pdf') ENDIF ]%%ok")
    job, task = send(backend, html)
    assert task["Status"] == "Complete"
    assert not os.path.exists(f"{root}/outbox") or os.listdir(f"{root}/outbox") == []
    detail = backend.cloud.tasks.get(int(job))["detail"]
    assert detail == (f"0 sent, 2 errored (first error: K1: AttachFile: the attachment at {files_server}/missing.pdf "
                      "answered HTTP 404)")


def test_a_missing_ftp_file_skips_the_subscriber(ws):
    root, backend = ws
    html = "%%[ AttachFile('ftp', 'nothing.csv') ]%%"
    job, task = send(backend, html)
    detail = backend.cloud.tasks.get(int(job))["detail"]
    assert detail == ("0 sent, 2 errored (first error: K1: AttachFile: no file 'nothing.csv' in the workspace's "
                      "ftp folder)")


# ---- TreatAsContentArea, RaiseError, impression regions ---------------------------------------

def test_treat_as_content_area_first_wins_across_the_send(ws):
    root, backend = ws
    html = "%%=TreatAsContentArea('offer', Concat('Offer for ', Name, ' / %%=v(Tier)=%%'))=%%"
    _, task = send(backend, html)
    assert task["Status"] == "Complete"
    msgs = outbox(root)
    # Ann registered the area first; Bo's render gets her content, its personalisation still runs.
    assert msgs["ann@example.com"].get_content() == "Offer for Ann / Gold\n"
    assert msgs["bo@example.com"].get_content() == "Offer for Ann / Silver\n"


def _log(backend):
    return sorted((r["SubscriberKey"], r["Note"]) for r in backend.store.lookup("Log", ()))


def test_raise_error_rolls_back_the_skipped_subscribers_writes(ws):
    root, backend = ws
    html = ("%%[ InsertDE('Log', 'SubscriberKey', _subscriberkey, 'Note', 'before') "
            "IF Name == 'Bo' THEN RaiseError('no Bo', true, '42', '7') ENDIF ]%%sent")
    job, task = send(backend, html)
    assert task["Status"] == "Complete"
    assert list(outbox(root)) == ["ann@example.com"]
    assert _log(backend) == [("K1", "before")]   # Bo's row was rolled back


def test_raise_error_with_preserve_data_keeps_the_writes(ws):
    root, backend = ws
    html = ("%%[ InsertDE('Log', 'SubscriberKey', _subscriberkey, 'Note', 'kept') "
            "IF Name == 'Bo' THEN RaiseError('no Bo', true, '', '', true) ENDIF ]%%sent")
    _, task = send(backend, html)
    assert task["Status"] == "Complete"
    assert _log(backend) == [("K1", "kept"), ("K2", "kept")]


def test_raise_error_stopping_the_job_reports_its_codes(ws):
    root, backend = ws
    html = ("%%[ InsertDE('Log', 'SubscriberKey', _subscriberkey, 'Note', 'x') "
            "RaiseError('stop', false, '180008', '3') ]%%")
    _, task = send(backend, html)
    assert task["Status"] == "Error"
    assert task["ErrorMsg"] == ("RaiseError stopped the send at K1: RaiseError: stop "
                                "(error code 180008, error number 3)")
    assert _log(backend) == []


def test_impression_regions_set_the_name_and_are_recorded(ws):
    root, backend = ws
    html = ("[%%_ImpressionRegionName%%]%%=BeginImpressionRegion('Hero')=%%<h1>%%=v(_ImpressionRegionName)=%%</h1>"
            "%%[ IF Tier == 'Gold' THEN BeginImpressionRegion('GoldOffer') ]%%<p>%%_ImpressionRegionName%%</p>"
            "%%[ EndImpressionRegion() ENDIF ]%%%%=EndImpressionRegion()=%%[%%_ImpressionRegionName%%]")
    job, task = send(backend, html)
    assert task["Status"] == "Complete"
    msgs = outbox(root)
    assert msgs["ann@example.com"].get_content() == "[]<h1>Hero</h1><p>GoldOffer</p>[]\n"
    assert msgs["bo@example.com"].get_content() == "[]<h1>Hero</h1>[]\n"
    assert impressions.for_send(backend.store, int(job)) == [("K1", "Hero"), ("K1", "GoldOffer"), ("K2", "Hero")]


def test_worker_process_renders_attach_roll_back_and_record_alike(ws):
    root, backend = ws
    backend.settings = Settings(raw={"sends": {"jobs": 2, "parallel_from": 2}})
    os.makedirs(os.path.join(root, "ftp", "Export"))
    with open(os.path.join(root, "ftp", "Export", "report.csv"), "wb") as f:
        f.write(b"a,b\r\n")
    html = ("%%[ InsertDE('Log', 'SubscriberKey', _subscriberkey, 'Note', 'w') "
            "IF Name == 'Bo' THEN RaiseError('no Bo', true) ENDIF AttachFile('ftp', 'export/REPORT.csv') ]%%"
            "%%=BeginImpressionRegion('Main')=%%%%_ImpressionRegionName%%")
    job, task = send(backend, html)
    assert task["Status"] == "Complete"
    msgs = outbox(root)
    assert list(msgs) == ["ann@example.com"]
    assert msgs["ann@example.com"].get_body(("html",)).get_content() == "Main\n"
    assert attachments(msgs["ann@example.com"]) == [("report.csv", "text/csv", "a,b\r\n")]
    assert _log(backend) == [("K1", "w")]
    assert impressions.for_send(backend.store, int(job)) == [("K1", "Main")]


def test_gtl_escapes_html_only_in_the_html_body(ws):
    root, backend = ws
    _, task = send(backend, '%%[ SET @t = "Tom & Jerry" ]%%<p>{{@t}}</p>',
                   text='%%[ SET @t = "Tom & Jerry" ]%%Text: {{@t}}')
    assert task["Status"] == "Complete"
    msg = outbox(root)["ann@example.com"]
    assert msg.get_body(("html",)).get_content() == "<p>Tom &amp; Jerry</p>\n"
    assert msg.get_body(("plain",)).get_content() == "Text: Tom & Jerry\n"
