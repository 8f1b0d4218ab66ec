"""SMSSendActivity and MessageSendActivity start: per-recipient renders into outbox/sms and
outbox/push, recorded as Sends with SentEvents, per-recipient errors, failures, SOAP."""

from __future__ import annotations

import json
import os

import pytest
from cloud_support import obj, open_workspace, retrieve, simple, task_statuses, wait_for_tasks
from perform_support import served, start

import ampy


def _sms(backend, message, key="sms", **props):
    props.setdefault("SendDefinitionList", [obj("SendDefinitionList", CustomObjectID="TextSubscribers")])
    props.setdefault("ShortCode", "55555")
    r = backend.api_create([obj("SMSSendActivity", CustomerKey=key, Name="Spring SMS", Message=message, **props)])
    assert r.results[0].status_code == "OK", r.results[0].status_message


def _outbox(root, channel):
    folder = os.path.join(root, "outbox", channel)
    if not os.path.isdir(folder):
        return {}
    out = {}
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name), encoding="utf-8", newline="") as f:
            out[name] = f.read()
    return out


def _send(backend, job_id):
    r = retrieve(
        backend,
        "Send",
        ["ID", "Status", "EmailName", "FromName", "NumberTargeted", "NumberSent", "NumberErrored",
         "MissingAddresses", "NumberExcluded", "Duplicates", "PartnerProperties"],
        simple("ID", "equals", str(job_id)),
    )
    assert r.overall_status == "OK"
    return r.results


def test_sms_start_renders_each_recipient_into_the_outbox_and_records_a_send(backend, root):
    _sms(backend, "Hi %%FirstName%%, %%=v(Tier)=%% perks await. Job %%=v(jobid)=%% to %%MOBILE_NUMBER%%"
                  " from %%SHORT_CODE%%")
    result, status = start(backend, "SMSSendActivity", "sms")
    job = result.task["ID"]
    assert (status["Status"], status["ErrorMsg"], status["ObjectType"], status["Action"]) == (
        "Complete", "", "SMSSendActivity", "start")
    assert _outbox(root, "sms") == {
        f"{job}-000001.txt": f"To: +14155550101\nFrom: 55555\nSubscriber-Key: S001\nJob-ID: {job}\n\n"
        f"Hi Ada, Gold perks await. Job {job} to +14155550101 from 55555",
        f"{job}-000002.txt": f"To: +14155550102\nFrom: 55555\nSubscriber-Key: S002\nJob-ID: {job}\n\n"
        f"Hi Grace, Platinum perks await. Job {job} to +14155550102 from 55555",
        f"{job}-000003.txt": f"To: +14155550104\nFrom: 55555\nSubscriber-Key: S004\nJob-ID: {job}\n\n"
        f"Hi Edsger, Gold perks await. Job {job} to +14155550104 from 55555",
    }
    (send,) = _send(backend, job)
    assert {k: v for k, v in send.properties.items() if k != "PartnerProperties"} == {
        "ID": job, "Status": "Complete", "EmailName": "Spring SMS", "FromName": "55555",
        "NumberTargeted": "3", "NumberSent": "3", "NumberErrored": "0", "MissingAddresses": "1",
        "NumberExcluded": "0", "Duplicates": "0",
    }
    assert [(p.get("Name"), p.get("Value")) for p in send.get("PartnerProperties")] == [("Channel", "SMS")]
    events = retrieve(backend, "SentEvent", ["SendID", "SubscriberKey"], simple("SendID", "equals", job))
    assert [(e.get("SendID"), e.get("SubscriberKey")) for e in events.results] == [
        (job, "S001"), (job, "S002"), (job, "S004")]
    assert backend.cloud.tasks.get(int(job))["detail"] == "3 sent, 0 errored"


def test_sms_exclusions_and_a_named_number_field(backend, root):
    backend.api_create([obj("DataExtension", CustomerKey="Texts", Name="Texts", Fields=[
        obj("DataExtensionField", Name="SubscriberKey", IsPrimaryKey="true", IsRequired="true"),
        obj("DataExtensionField", Name="Cell")])])
    for key, cell in (("S001", "+100"), ("S003", "+300"), ("S009", "+100"), ("S010", "")):
        backend.store.insert_row("Texts", [("SubscriberKey", key), ("Cell", cell)])
    _sms(backend, "Hello", MobileNumberField="cell", SendDefinitionList=[
        obj("SendDefinitionList", CustomObjectID="Texts"),
        obj("SendDefinitionList", List=obj("List", ID="2"), IsTestObject="true"),  # left out: QA1 not counted
        obj("SendDefinitionList", SendDefinitionListType="ExclusionList", List=obj("List", ID="3"))])
    result, status = start(backend, "SMSSendActivity", "sms")
    assert status["Status"] == "Complete"
    assert [m.split("\n")[0] for m in _outbox(root, "sms").values()] == ["To: +100"]
    (send,) = _send(backend, result.task["ID"])
    assert [send.get(p) for p in ("NumberSent", "NumberExcluded", "Duplicates", "MissingAddresses")] == [
        "1", "1", "1", "1"]


def test_push_start_renders_title_and_message_per_device_from_a_list(backend, root):
    backend.api_create([
        obj("List", ID="7", CustomerKey="App", ListName="App users"),
        obj("Subscriber", SubscriberKey="P1", EmailAddress="p1@example.com",
            Attributes=[obj("Attribute", Name="FirstName", Value="Pat"),
                        obj("Attribute", Name="DeviceID", Value="dev-1")],
            Lists=[obj("SubscriberList", ID="7", Status="Active")]),
        obj("Subscriber", SubscriberKey="P2", EmailAddress="p2@example.com",
            Attributes=[obj("Attribute", Name="FirstName", Value="Sam")],
            Lists=[obj("SubscriberList", ID="7", Status="Active")]),
    ])
    r = backend.api_create([obj(
        "MessageSendActivity", CustomerKey="push", Name="Spring push", ApplicationID="app-42",
        Title="Hey %%=ProperCase(AttributeValue(\"FirstName\"))=%%",
        Message="Your offer is ready, %%FirstName%% (%%_messagecontext%%)",
        SendDefinitionList=[obj("SendDefinitionList", List=obj("List", ID="7"))])])
    assert r.results[0].status_code == "OK"
    result, status = start(backend, "MessageSendActivity", "push")
    job = result.task["ID"]
    assert status["Status"] == "Complete"
    assert _outbox(root, "push") == {
        f"{job}-000001.txt": f"To: dev-1\nApp-ID: app-42\nTitle: Hey Pat\nSubscriber-Key: P1\nJob-ID: {job}\n\n"
        "Your offer is ready, Pat (SEND)"}
    assert _outbox(root, "sms") == {}
    (send,) = _send(backend, job)
    assert [send.get(p) for p in ("NumberTargeted", "NumberSent", "MissingAddresses")] == ["1", "1", "1"]
    assert [(p.get("Name"), p.get("Value")) for p in send.get("PartnerProperties")] == [("Channel", "Push")]


def test_raise_error_skips_the_recipient_and_the_send_goes_on(backend, root):
    _sms(backend, '%%[ if FirstName == "Grace" then RaiseError("no texts for Grace", true) endif ]%%Hi %%FirstName%%')
    result, status = start(backend, "SMSSendActivity", "sms")
    assert (status["Status"], status["ErrorMsg"]) == ("Complete", "")
    assert [m.rsplit("\n", 1)[1] for m in _outbox(root, "sms").values()] == ["Hi Ada", "Hi Edsger"]
    (send,) = _send(backend, result.task["ID"])
    assert [send.get(p) for p in ("Status", "NumberSent", "NumberErrored")] == ["Complete", "2", "1"]
    assert backend.cloud.tasks.get(int(result.task["ID"]))["detail"] == (
        "2 sent, 1 errored (first error: S002: RaiseError: no texts for Grace)")


def test_raise_error_without_skip_stops_the_send(backend, root):
    _sms(backend, '%%[ if FirstName == "Grace" then RaiseError("stop everything") endif ]%%Hi %%FirstName%%')
    result, status = start(backend, "SMSSendActivity", "sms")
    assert (status["Status"], status["ErrorMsg"]) == (
        "Error", "RaiseError stopped the send at S002: RaiseError: stop everything")
    assert [m.rsplit("\n", 1)[1] for m in _outbox(root, "sms").values()] == ["Hi Ada"]
    (send,) = _send(backend, result.task["ID"])
    assert [send.get(p) for p in ("Status", "NumberSent", "NumberErrored")] == ["Error", "1", "1"]


@pytest.mark.parametrize(
    "props, message",
    [
        ({"Message": "Hi %%=Concat(%%"}, "The message does not compile: "),
        ({"Message": ""}, "The SMSSendActivity has no Message."),
        ({"ShortCode": ""}, "The SMSSendActivity has no ShortCode."),
        ({"SendDefinitionList": [obj("SendDefinitionList", CustomObjectID="Nope")]},
         "The sendable data extension 'Nope' does not exist."),
        ({"SendDefinitionList": []}, "The SMSSendActivity has no SendDefinitionList to send to."),
        ({"MobileNumberField": "Cell"}, "The recipients have no field 'Cell' (MobileNumberField)."),
    ],
)
def test_a_failing_send_ends_in_error_and_writes_nothing(backend, root, props, message):
    props = {"Message": "Hi", **props}
    _sms(backend, props.pop("Message"), **props)
    result, status = start(backend, "SMSSendActivity", "sms")
    assert status["Status"] == "Error" and status["ErrorMsg"].startswith(message)
    assert _outbox(root, "sms") == {}
    assert _send(backend, result.task["ID"]) == []


def test_unknown_definition_and_unsupported_action(backend):
    r = backend.api_perform("start", [obj("SMSSendActivity", CustomerKey="nope")])
    assert (r.overall_status, r.results[0].status_message) == (
        "Error", "Unable to find the SMSSendActivity to perform (CustomerKey 'nope').")
    r = backend.api_perform("stop", [obj("MessageSendActivity", CustomerKey="nope")])
    assert r.results[0].status_message == "stop is not an action that can be Performed on a MessageSendActivity."
    assert task_statuses(backend, ObjectType="SMSSendActivity") == []


def test_a_campaign_runs_an_sms_send_and_definitions_files_declare_one(root):
    with open(os.path.join(root, "definitions", "sms.json"), "w", encoding="utf-8") as f:
        json.dump([
            {"Type": "SMSSendActivity", "CustomerKey": "Declared", "Name": "Declared", "ShortCode": "777",
             "Message": "Hi %%FirstName%%",
             "SendDefinitionList": [{"CustomObjectID": "TextSubscribers"}]},
            {"Type": "Campaign", "CustomerKey": "texts", "Name": "Texts",
             "Activities": ["SMSSendActivity:Declared"]},
        ], f)
    backend = open_workspace(root)
    try:
        r = backend.api_perform("start", [obj("Campaign", CustomerKey="texts")])
        ioid = r.results[0].task["InteractionObjectID"]
        rows = wait_for_tasks(backend, ParentInteractionObjectID=ioid)
        assert [(s["ObjectType"], s["Status"]) for s in rows] == [
            ("Campaign", "Complete"), ("SMSSendActivity", "Complete")]
        assert len(_outbox(root, "sms")) == 3
    finally:
        backend.close()


def test_sms_start_over_the_soap_server(root):
    with served(root) as (soap, account):
        r = soap.api_create([obj(
            "SMSSendActivity", CustomerKey="soap-sms", Name="Over SOAP", ShortCode="4242", Message="Yo %%FirstName%%",
            SendDefinitionList=[obj("SendDefinitionList", CustomObjectID="TextSubscribers")])])
        assert (r.overall_status, r.results[0].status_message) == ("OK", "Created SMSSendActivity")
        result, status = start(soap, "SMSSendActivity", "soap-sms", polls=400)
        assert status["Status"] == "Complete"
        (send,) = _send(soap, result.task["ID"])
        assert [send.get(p) for p in ("Status", "NumberSent", "MissingAddresses")] == ["Complete", "3", "1"]
    assert [m.rsplit("\n", 1)[1] for m in _outbox(root, "sms").values()] == ["Yo Ada", "Yo Grace", "Yo Edsger"]


def test_an_activity_deleted_before_its_task_runs_ends_in_error(backend, root):
    import threading

    _sms(backend, "Hi")
    gate, inside = threading.Event(), threading.Event()
    backend.cloud.runner.submit(lambda worker: (inside.set(), gate.wait(10)))
    assert inside.wait(10)
    result = backend.api_perform("start", [obj("SMSSendActivity", CustomerKey="sms")]).results[0]
    backend.api_delete([obj("SMSSendActivity", CustomerKey="sms")])
    gate.set()
    (status,) = wait_for_tasks(backend, TaskID=result.task["ID"])
    assert (status["Status"], status["ErrorMsg"]) == ("Error", "The SMSSendActivity was deleted before it ran.")
    assert _outbox(root, "sms") == {}


def test_a_broken_recipient_file_is_a_clear_task_error(backend, root):
    with open(os.path.join(root, "dataextensions", "Broken.csv"), "w", encoding="utf-8") as f:
        f.write("SubscriberKey,MobileNumber\nS1,+1,extra\n")
    _sms(backend, "Hi", SendDefinitionList=[obj("SendDefinitionList", CustomObjectID="Broken")])
    _, status = start(backend, "SMSSendActivity", "sms")
    assert (status["Status"], status["ErrorMsg"]) == ("Error", "Broken.csv: line 2 has 3 fields, the header has 2")


@pytest.mark.parametrize("preserve, kept", [("false", ["S001", "S004"]), ("true", ["S001", "S002", "S004"])])
def test_a_skipped_recipients_writes_are_rolled_back_unless_preserved(backend, root, preserve, kept):
    with open(os.path.join(root, "dataextensions", "SmsLog.csv"), "w", encoding="utf-8") as f:
        f.write("Key,Note\n")
    _sms(backend, '%%[ InsertDE("SmsLog", "Key", _subscriberkey, "Note", "texted") '
                  f'if FirstName == "Grace" then RaiseError("no texts for Grace", true, 0, 0, {preserve}) endif ]%%'
                  'Hi %%FirstName%%')
    result, status = start(backend, "SMSSendActivity", "sms")
    assert status["Status"] == "Complete"
    out = ampy.render('%%[ SET @r = LookupOrderedRows("SmsLog", 0, "Key asc", "Note", "texted") '
                      'FOR @i = 1 TO RowCount(@r) DO ]%%%%=Field(Row(@r, @i), "Key")=%% %%[ NEXT @i ]%%',
                      backend=backend)
    assert out.split() == kept
