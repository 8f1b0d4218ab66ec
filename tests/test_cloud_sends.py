"""Email sends: 1,000 personalised messages to a real local SMTP server, outbox files, errors."""

from __future__ import annotations

import email
import email.policy

from cloud_support import new_workspace, obj, open_workspace, retrieve, simple, wait_for_tasks
from smtp_support import free_port

from ampy.settings import Settings


def _thousand(backend):
    rows = [[f"K{i:04d}", f"user{i}@example.com", f"Name{i}", str(i)] for i in range(1000)]
    backend.store.create(
        "Crowd",
        ["SubscriberKey", "EmailAddress", "FirstName", "Score"],
        ["SubscriberKey"],
        rows=rows,
        meta={"IsSendable": True, "SendableField": "SubscriberKey"},
    )
    backend.api_create(
        [
            obj(
                "Email",
                ID="50",
                Name="Crowd mail",
                Subject="Hi %%FirstName%%",
                HTMLBody="<p>%%[ if @x == 1 then ]%%never%%[ endif ]%%Hello %%=v(FirstName)=%%, "
                "score %%=Add(Score, 1)=%%</p>",
            )
        ]
    )
    backend.api_create(
        [
            obj(
                "EmailSendDefinition",
                Name="Crowd",
                CustomerKey="crowd",
                Email=obj("Email", ID="50"),
                SenderProfile=obj("SenderProfile", FromName="Crowd", FromAddress="crowd@example.com"),
                SendDefinitionList=[obj("SendDefinitionList", CustomObjectID="Crowd")],
            )
        ]
    )


def test_a_thousand_subscribers_reach_a_real_smtp_server(tmp_path, smtp):
    handler, port = smtp
    backend = open_workspace(new_workspace(tmp_path))
    backend.settings = Settings(smtp={"host": "127.0.0.1", "port": port})
    try:
        _thousand(backend)
        r = backend.api_perform(
            "start",
            [
                obj(
                    "EmailSendDefinition",
                    CustomerKey="crowd",
                    SenderProfile=obj("SenderProfile", FromName="Override"),
                )
            ],
        )
        job = r.results[0].task["ID"]
        (task,) = wait_for_tasks(backend, TaskID=job, polls=20000)
        assert task["Status"] == "Complete"
        assert len(handler.messages) == 1000
        by_rcpt = {}
        for rcpts, content in handler.messages:
            by_rcpt[rcpts[0]] = email.message_from_bytes(content, policy=email.policy.default)
        msg = by_rcpt["user417@example.com"]
        assert (msg["Subject"], msg["From"]) == ("Hi Name417", "Override <crowd@example.com>")
        assert msg.get_content() == "<p>Hello Name417, score 418</p>\r\n"  # CRLF on the SMTP wire
        send = retrieve(
            backend, "Send", ["ID", "NumberSent", "NumberTargeted", "FromName"], simple("ID", "equals", job)
        ).results[0]
        assert send.properties == {
            "ID": job,
            "NumberSent": "1000",
            "NumberTargeted": "1000",
            "FromName": "Override",
        }
        events = retrieve(backend, "SentEvent", ["SubscriberKey"], simple("SendID", "equals", job)).results
        assert sorted(e.get("SubscriberKey") for e in events) == [f"K{i:04d}" for i in range(1000)]
    finally:
        backend.close()


def test_a_failing_render_skips_the_subscriber(backend, root):
    backend.api_update(
        [
            obj(
                "Email",
                ID="1",
                HTMLBody='%%[ if AttributeValue("Tier") == "Gold" then '
                'RaiseError("no gold", true) endif ]%%Hi %%FirstName%%',
            )
        ]
    )
    r = backend.api_perform("start", [obj("EmailSendDefinition", CustomerKey="WelcomeSend")])
    job = r.results[0].task["ID"]
    (task,) = wait_for_tasks(backend, TaskID=job)
    assert task["Status"] == "Complete"
    send = retrieve(
        backend,
        "Send",
        ["NumberSent", "NumberErrored", "NumberExcluded", "ExistingUnsubscribes"],
        simple("ID", "equals", job),
    ).results[0]
    assert send.properties == {
        "NumberSent": "1",
        "NumberErrored": "2",
        "NumberExcluded": "1",
        "ExistingUnsubscribes": "1",
    }
    import os

    (name,) = os.listdir(f"{root}/outbox")
    with open(f"{root}/outbox/{name}", "rb") as f:
        msg = email.message_from_bytes(f.read(), policy=email.policy.default)
    assert (msg["To"], msg.get_body(("html",)).get_content()) == ("grace@example.com", "Hi Grace\n")


def test_raise_error_without_skip_stops_the_whole_send(backend, root):
    backend.api_update([obj("Email", ID="1", HTMLBody='%%[ RaiseError("stop everything") ]%%Hi')])
    r = backend.api_perform("start", [obj("EmailSendDefinition", CustomerKey="WelcomeSend")])
    job = r.results[0].task["ID"]
    (task,) = wait_for_tasks(backend, TaskID=job)
    assert task["Status"] == "Error"
    assert task["ErrorMsg"].startswith("RaiseError stopped the send at ")
    assert task["ErrorMsg"].endswith(": RaiseError: stop everything")
    send = retrieve(backend, "Send", ["Status", "NumberSent", "NumberErrored"],
                    simple("ID", "equals", job)).results[0]
    assert send.properties == {"Status": "Error", "NumberSent": "0", "NumberErrored": "1"}
    import os

    assert not os.path.exists(f"{root}/outbox") or os.listdir(f"{root}/outbox") == []


def test_list_sends_skip_unsubscribed_and_dedupe(tmp_path):
    backend = open_workspace(new_workspace(tmp_path))
    try:
        backend.api_create(
            [
                obj(
                    "Subscriber",
                    SubscriberKey="S009",
                    EmailAddress="ada@example.com",
                    Lists=[obj("SubscriberList", ID="1")],
                )
            ]
        )
        backend.api_update(
            [obj("EmailSendDefinition", CustomerKey="NewsletterSend", DeduplicateByEmail="true")]
        )
        r = backend.api_perform("GetMaxCount", [obj("EmailSendDefinition", CustomerKey="NewsletterSend")])
        assert r.results[0].status_message == "3"
    finally:
        backend.close()


def test_unreachable_smtp_fails_the_task(tmp_path):
    port = free_port()
    backend = open_workspace(new_workspace(tmp_path))
    backend.settings = Settings(smtp={"host": "127.0.0.1", "port": port, "timeout": 2})
    try:
        r = backend.api_perform("start", [obj("EmailSendDefinition", CustomerKey="NewsletterSend")])
        (task,) = wait_for_tasks(backend, TaskID=r.results[0].task["ID"])
        assert task["Status"] == "Error" and task["ErrorMsg"].startswith("Cannot reach the SMTP server:")
    finally:
        backend.close()


def test_triggered_send_renders_for_each_subscriber(backend, root):
    backend.api_create(
        [
            obj(
                "TriggeredSendDefinition",
                Name="Receipt",
                CustomerKey="receipt",
                Email=obj("Email", ID="1"),
                TriggeredSendStatus="Active",
            )
        ]
    )
    sub = obj(
        "Subscriber",
        EmailAddress="t@example.com",
        SubscriberKey="T1",
        Attributes=[obj("Attribute", Name="FirstName", Value="Tess")],
    )
    r = backend.api_create(
        [
            obj(
                "TriggeredSend",
                TriggeredSendDefinition=obj("TriggeredSendDefinition", CustomerKey="receipt"),
                Subscribers=[sub],
            )
        ]
    )
    assert (r.results[0].status_code, r.results[0].status_message) == ("OK", "Created TriggeredSend")
    (task,) = wait_for_tasks(backend, TaskID=r.results[0].new_id)
    assert task["Status"] == "Complete"
    import os

    (name,) = os.listdir(f"{root}/outbox")
    with open(f"{root}/outbox/{name}", "rb") as f:
        msg = email.message_from_bytes(f.read(), policy=email.policy.default)
    assert msg["Subject"] == "Welcome, Tess!"


def _outbox_messages(root):
    import os

    out = []
    for name in sorted(os.listdir(f"{root}/outbox")):
        with open(f"{root}/outbox/{name}", "rb") as f:
            raw = f.read()
        out.append((raw, email.message_from_bytes(raw, policy=email.policy.default)))
    return out


def test_non_ascii_subjects_and_bodies_arrive_decoded_with_their_encodings(backend, root):
    rows = [["K1", "ann@example.com", "Jürgen", "短い"], ["K2", "bo@example.com", "Zoë", "長い" * 60]]
    backend.store.create("Intl", ["SubscriberKey", "EmailAddress", "FirstName", "Note"], ["SubscriberKey"],
                         rows=rows, meta={"IsSendable": True, "SendableField": "SubscriberKey"})
    backend.api_create([obj("Email", ID="70", Name="Intl", Subject="Grüße, %%FirstName%% — ✓",
                            HTMLBody="<p>" + "x" * 90 + " %%=v(FirstName)=%%</p>",
                            TextBody="Hallo %%FirstName%%: %%Note%%")])
    backend.api_create([obj("EmailSendDefinition", Name="Intl", CustomerKey="intl", Email=obj("Email", ID="70"),
                            SenderProfile=obj("SenderProfile", FromName="Bücher Ö", FromAddress="news@example.com"),
                            SendDefinitionList=[obj("SendDefinitionList", CustomObjectID="Intl")])])
    job = backend.api_perform("start", [obj("EmailSendDefinition", CustomerKey="intl")]).results[0].task["ID"]
    (task,) = wait_for_tasks(backend, TaskID=job)
    assert task["Status"] == "Complete"
    (raw1, first), (raw2, second) = _outbox_messages(root)
    assert raw1.split(b"\n\n", 1)[0].isascii() and raw2.split(b"\n\n", 1)[0].isascii()  # RFC 2047 headers
    assert (first["From"], first["To"], first["Subject"]) == ("Bücher Ö <news@example.com>", "ann@example.com",
                                                              "Grüße, Jürgen — ✓")
    assert second["Subject"] == "Grüße, Zoë — ✓"
    for msg, name, note, text_cte in ((first, "Jürgen", "短い", "8bit"), (second, "Zoë", "長い" * 60, "base64")):
        assert msg.get_content_type() == "multipart/alternative"
        plain, html = msg.get_body(("plain",)), msg.get_body(("html",))
        assert (plain.get_content_charset(), plain["Content-Transfer-Encoding"]) == ("utf-8", text_cte)
        assert plain.get_content() == f"Hallo {name}: {note}\n"
        assert (html.get_content_charset(), html["Content-Transfer-Encoding"]) == ("utf-8", "quoted-printable")
        assert html.get_content() == "<p>" + "x" * 90 + f" {name}</p>\n"


def test_outbox_files_are_written_in_batches_and_a_failed_write_fails_the_job(tmp_path):
    import os

    import pytest

    from ampy.cloud.sends import BuiltMessage, Delivery
    from ampy.cloud.tasks import TaskFailed

    class Cloud:
        settings = None
        outbox_dir = str(tmp_path / "outbox")

    delivery = Delivery(Cloud, 9)
    os.makedirs(tmp_path / "outbox" / "9-000070.eml")  # a folder where the 70th message goes
    for i in range(1, 101):
        assert delivery.deliver(BuiltMessage(f"Subject: {i}\n\nbody\n".encode(), "a@example.com", "b@example.com"))
    with pytest.raises(TaskFailed) as failed:
        delivery.close()
    assert str(failed.value).startswith("Cannot write to the outbox: ")
    assert "9-000070.eml" in str(failed.value)
    files = sorted(os.listdir(tmp_path / "outbox"))
    assert len(files) == 100 and files[0] == "9-000001.eml" and files[-1] == "9-000100.eml"
    with open(tmp_path / "outbox" / "9-000100.eml", "rb") as f:
        assert f.read() == b"Subject: 100\n\nbody\n"
