"""Local sends of a large audience render in worker processes: per-recipient errors, SentEvents,
the Send's counts and the outbox stay exactly those of an in-process send."""

from __future__ import annotations

import email
import email.policy
import os

from cloud_support import new_workspace, obj, open_workspace, retrieve, simple, wait_for_tasks

from ampy.audience.sending import parallel_jobs, send_settings
from ampy.settings import Settings

N = 60
HTML = ('%%[ IF Mod(Score, 10) == 3 THEN RaiseError("no threes", true) ENDIF ]%%'
        '<p>Hello %%=v(FirstName)=%%, %%=Lookup("Bonus","Amount","Score",Score)=%% points</p>')


def _send(tmp_path, name, sends):
    root = new_workspace(tmp_path, name)
    backend = open_workspace(root)
    backend.settings = Settings(raw={"sends": sends})
    rows = [[f"K{i:03d}", f"user{i}@example.com", f"Name{i}", str(i)] for i in range(N)]
    backend.store.create("Crowd", ["SubscriberKey", "EmailAddress", "FirstName", "Score"], ["SubscriberKey"],
                         rows=rows, meta={"IsSendable": True, "SendableField": "SubscriberKey"})
    backend.store.create("Bonus", ["Score", "Amount"], ["Score"], rows=[[str(i), str(i * 5)] for i in range(N)])
    backend.api_create([obj("Email", ID="50", Name="Crowd mail", Subject="Hi %%FirstName%%", HTMLBody=HTML,
                            TextBody="Hello %%FirstName%%")])
    backend.api_create([obj("EmailSendDefinition", Name="Crowd", CustomerKey="crowd", Email=obj("Email", ID="50"),
                            SenderProfile=obj("SenderProfile", FromName="Crowd", FromAddress="crowd@example.com"),
                            SendDefinitionList=[obj("SendDefinitionList", CustomObjectID="Crowd")])])
    jobs = parallel_jobs(backend.cloud, N)
    r = backend.api_perform("start", [obj("EmailSendDefinition", CustomerKey="crowd")])
    job = r.results[0].task["ID"]
    (task,) = wait_for_tasks(backend, TaskID=job, polls=20000)
    send = retrieve(backend, "Send", ["Status", "NumberSent", "NumberErrored", "NumberTargeted"],
                    simple("ID", "equals", job)).results[0]
    events = retrieve(backend, "SentEvent", ["SubscriberKey"], simple("SendID", "equals", job)).results
    outbox = []
    for file in sorted(os.listdir(f"{root}/outbox")):
        with open(f"{root}/outbox/{file}", "rb") as f:
            msg = email.message_from_bytes(f.read(), policy=email.policy.default)
        outbox.append((file.split("-", 1)[1], msg["To"], msg["Subject"], msg.get_body(("html",)).get_content(),
                       msg.get_body(("plain",)).get_content()))
    backend.close()
    return jobs, task, send.properties, sorted(e.get("SubscriberKey") for e in events), outbox


def test_a_send_through_two_workers_matches_the_in_process_send(tmp_path, monkeypatch):
    import ampy.audience.sending as sending

    pools = []

    class Recorded(sending.SendWorkers):
        def __init__(self, jobs):
            pools.append(jobs)
            super().__init__(jobs)

    monkeypatch.setattr(sending, "SendWorkers", Recorded)
    jobs, task, send, events, outbox = _send(tmp_path, "parallel", {"jobs": 2, "parallel_from": 10})
    assert jobs == 2 and pools == [2]
    assert (task["Status"], task["ErrorMsg"] if "ErrorMsg" in task else "") == ("Complete", "")
    assert send == {"Status": "Complete", "NumberSent": "54", "NumberErrored": "6", "NumberTargeted": "60"}
    kept = [i for i in range(N) if i % 10 != 3]
    assert events == [f"K{i:03d}" for i in kept]
    assert outbox[0] == ("000001.eml", "user0@example.com", "Hi Name0", "<p>Hello Name0, 0 points</p>\n",
                         "Hello Name0\n")
    assert [o[1] for o in outbox] == [f"user{i}@example.com" for i in kept]  # delivered in audience order
    assert outbox[-1][3] == "<p>Hello Name59, 295 points</p>\n"
    in_process = _send(tmp_path, "serial", {"jobs": 1})
    assert in_process[0] == 1 and pools == [2]
    assert in_process[2:] == (send, events, outbox)


def test_send_settings():
    class Cloud:
        settings = Settings(raw={"sends": {"jobs": 3, "parallel_from": 5000}})

    assert send_settings(Cloud) == (3, 5000)
    Cloud.settings = Settings(raw={"sends": {"jobs": 0, "parallel_from": "x"}})
    assert send_settings(Cloud) == (1, 1000)


SMS = ('%%[ IF FirstName == "Grace" THEN RaiseError("not Grace", true) ENDIF ]%%'
       "Hi %%FirstName%%, %%=v(Tier)=%% perks. Job %%=v(jobid)=%% to %%MOBILE_NUMBER%% from %%SHORT_CODE%%")


def _sms_send(tmp_path, name, sends):
    root = new_workspace(tmp_path, name)
    backend = open_workspace(root)
    backend.settings = Settings(raw={"sends": sends})
    try:
        backend.api_create([obj("SMSSendActivity", CustomerKey="sms", Name="Spring SMS", Message=SMS,
                                ShortCode="55555",
                                SendDefinitionList=[obj("SendDefinitionList", CustomObjectID="TextSubscribers")])])
        r = backend.api_perform("start", [obj("SMSSendActivity", CustomerKey="sms")])
        job = r.results[0].task["ID"]
        (task,) = wait_for_tasks(backend, TaskID=job, polls=20000)
        send = retrieve(backend, "Send", ["Status", "NumberSent", "NumberErrored", "NumberTargeted"],
                        simple("ID", "equals", job)).results[0]
        folder = os.path.join(root, "outbox", "sms")
        outbox = []
        for file in sorted(os.listdir(folder)):
            with open(os.path.join(folder, file), encoding="utf-8", newline="") as f:
                outbox.append(f.read().replace(f"Job {job} ", "Job J ").replace(f"Job-ID: {job}\n", "Job-ID: J\n"))
        return task["Status"], send.properties, outbox, backend.cloud.tasks.get(int(job))["detail"]
    finally:
        backend.close()


def test_an_sms_send_through_two_workers_matches_the_in_process_send(tmp_path, monkeypatch):
    import ampy.audience.sending as sending

    pools = []
    real = sending.render_in_workers
    monkeypatch.setattr(sending, "render_in_workers", lambda spec, items, jobs: pools.append(jobs) or real(
        spec, items, jobs))
    parallel = _sms_send(tmp_path, "parallel", {"jobs": 2, "parallel_from": 2})
    assert pools == [2]
    assert parallel == ("Complete", {"Status": "Complete", "NumberSent": "2", "NumberErrored": "1",
                                     "NumberTargeted": "3"},
                        ["To: +14155550101\nFrom: 55555\nSubscriber-Key: S001\nJob-ID: J\n\n"
                         "Hi Ada, Gold perks. Job J to +14155550101 from 55555",
                         "To: +14155550104\nFrom: 55555\nSubscriber-Key: S004\nJob-ID: J\n\n"
                         "Hi Edsger, Gold perks. Job J to +14155550104 from 55555"],
                        "2 sent, 1 errored (first error: S002: RaiseError: not Grace)")
    assert _sms_send(tmp_path, "serial", {"jobs": 1}) == parallel and pools == [2]
