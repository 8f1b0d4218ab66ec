"""The Volt MX campaign REST API of ``ampy serve`` (seed 003): each action, each status code."""

from __future__ import annotations

import contextlib
import threading
import types

import pytest
import requests
from server_support import CLIENT_ID, CLIENT_SECRET, Clock, FakeCloud, make_auth, running_server

JSON = {"Content-Type": "application/json;charset=UTF-8"}


@pytest.fixture
def cloud():
    return FakeCloud()


@pytest.fixture
def server(cloud):
    with running_server(cloud) as running:
        yield running


def bearer(server) -> dict:
    reply = requests.post(server.url + "/v2/token", timeout=10, json={
        "grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET})
    return {**JSON, "Authorization": f"Bearer {reply.json()['access_token']}"}


def call(server, path: str, headers: dict, data: bytes = b"") -> tuple[int, str, dict]:
    reply = requests.post(server.url + path, headers=headers, data=data, timeout=10)
    return reply.status_code, reply.headers["Content-Type"], reply.json()


@pytest.mark.parametrize(("action", "perform", "message"), [
    ("start", "start", "Campaign execution intiated successfully. "),
    ("terminate", "stop", "Campaign terminated successfully."),
])
def test_actions_perform_the_campaign(server, cloud, action, perform, message):
    status, content_type, payload = call(server, f"/api/v1/campaigns/3640/{action}", bearer(server), b"{}")
    assert (status, content_type, payload) == (200, "application/json;charset=UTF-8",
                                               {"id": "3640", "message": message})
    assert cloud.calls == [("Retrieve", "Campaign"), ("Perform", perform, ["Campaign"])]
    assert cloud.campaign_state == {"3640": perform}


def test_response_body_is_the_documented_json(server):
    reply = requests.post(server.url + "/api/v1/campaigns/3640/start", headers=bearer(server), timeout=10)
    assert reply.text == '{\n  "id": "3640",\n  "message": "Campaign execution intiated successfully. "\n}'


def test_delete_a_campaign_that_is_not_running(server, cloud):
    assert call(server, "/api/v1/campaigns/3640/delete", bearer(server)) == (
        200, "application/json;charset=UTF-8", {"id": "3640", "message": "Campaign deleted successfully."})
    assert cloud.campaigns == {}
    assert call(server, "/api/v1/campaigns/3640/start", bearer(server))[0] == 400


def test_a_running_campaign_cannot_be_deleted(server, cloud):
    cloud.campaign_state["3640"] = "running-forever"
    status, _, payload = call(server, "/api/v1/campaigns/3640/delete", bearer(server))
    assert (status, payload) == (400, {"id": "3640",
                                       "message": "Campaign with id 3640 is running and cannot be deleted."})
    assert "3640" in cloud.campaigns
    assert [c[0] for c in cloud.calls] == ["Retrieve", "Retrieve"]


def test_unknown_campaign_is_400(server, cloud):
    status, _, payload = call(server, "/api/v1/campaigns/99/start", bearer(server))
    assert (status, payload) == (400, {"id": "99", "message": "Campaign with id 99 does not exist."})
    assert cloud.calls == [("Retrieve", "Campaign")]


@pytest.mark.parametrize(("path", "data"), [
    ("/api/v1/campaigns/abc/start", b""),
    ("/api/v1/campaigns/3640/launch", b""),
    ("/api/v1/campaigns/99999999999999999999/start", b""),
    ("/api/v1/campaigns/3640/start", b"{not json"),
])
def test_invalid_requests_are_400(server, cloud, path, data):
    status, _, payload = call(server, path, bearer(server), data)
    assert status == 400
    assert payload["message"] == "Invalid request format"
    assert cloud.calls == []


def test_unauthenticated_requests_are_401(server, cloud):
    for headers in (JSON, {**JSON, "Authorization": "Bearer nope"}, {**JSON, "Authorization": "Basic eDp5"}):
        assert call(server, "/api/v1/campaigns/3640/start", headers) == (
            401, "application/json;charset=UTF-8", {"id": "3640", "message": "Unauthorized request"})
    assert cloud.calls == []


def test_expired_token_is_401(cloud):
    clock = Clock()
    with running_server(cloud, make_auth(clock, lifetime=30)) as server:
        headers = bearer(server)
        assert call(server, "/api/v1/campaigns/3640/start", headers)[0] == 200
        clock.now += 31
        assert call(server, "/api/v1/campaigns/3640/terminate", headers)[2] == {
            "id": "3640", "message": "Unauthorized request"}


def test_refused_action_is_400_with_the_backends_message(server, cloud):
    from ampy.backends.base import ApiResponse, ApiResult

    message = "Unable to find the Campaign to perform (ID '3640')."
    cloud.api_perform = lambda action, definitions, options=None: ApiResponse(
        "Error", "r", [ApiResult("Error", message, 12)])
    status, _, payload = call(server, "/api/v1/campaigns/3640/start", bearer(server))
    assert (status, payload) == (400, {"id": "3640", "message": message})


def test_backend_failure_is_500(server, cloud, capsys):
    def broken(request):
        raise RuntimeError("disk on fire")

    cloud.api_retrieve = broken
    status, _, payload = call(server, "/api/v1/campaigns/3640/start", bearer(server))
    assert (status, payload) == (500, {"id": "3640", "message": "Server failure to process request"})
    assert "disk on fire" in capsys.readouterr().err


def test_only_post_is_allowed(server):
    reply = requests.get(server.url + "/api/v1/campaigns/3640/start", timeout=10)
    assert (reply.status_code, reply.headers["Allow"]) == (405, "POST")



# ---- against the real local cloud ----------------------------------------------------------------

CROWD = 120  # recipients of the crowd send: more than one batch between the send's pause checks


def _crowd_workspace(tmp_path) -> str:
    """The sample account plus a campaign whose only activity sends to a 120-row data extension."""
    from cloud_support import new_workspace

    root = new_workspace(tmp_path)
    rows = "".join(f"C{i:03d},c{i:03d}@example.com,Crowd{i},Gold\n" for i in range(1, CROWD + 1))
    with open(f"{root}/dataextensions/Crowd.csv", "w", encoding="utf-8") as f:
        f.write("SubscriberKey,EmailAddress,FirstName,Tier\n" + rows)
    with open(f"{root}/definitions/crowd.json", "w", encoding="utf-8") as f:
        f.write('[{"Type": "EmailSendDefinition", "CustomerKey": "CrowdSend", "Name": "Crowd send",'
                ' "Email": {"ID": 1}, "SendDefinitionList": [{"SendDefinitionListType": "SourceList",'
                ' "CustomObjectID": "Crowd"}]},'
                ' {"Type": "Campaign", "CustomerKey": "crowd", "Name": "Crowd",'
                ' "Activities": ["EmailSendDefinition:CrowdSend"]}]')
    return root


@contextlib.contextmanager
def _local_server(root):
    from ampy.server.app import RunningServer, build_app

    app = build_app(root, auth=make_auth())
    try:
        with RunningServer(app, "127.0.0.1", 0, threads=2) as server:
            server.app = app
            yield server
    finally:
        app.backend.close()


def _campaign_id(backend, key: str) -> str:
    from cloud_support import retrieve, simple

    (campaign,) = retrieve(backend, "Campaign", ["ID"], simple("CustomerKey", "equals", key)).results
    return campaign.get("ID")


def _send_status(backend) -> tuple[str, str]:
    from cloud_support import retrieve

    (send,) = retrieve(backend, "Send", ["ID", "Status"]).results
    return send.get("ID"), send.get("Status")


class _SendProbe:
    """Holds the send at its first message and reports when it waits while paused."""

    def __init__(self, monkeypatch):
        import time

        from ampy.cloud import sends

        self.gate, self.inside, self.waiting = threading.Event(), threading.Event(), threading.Event()
        self.delivered = 0
        deliver = sends.Delivery.deliver

        def held_deliver(delivery, message):
            if self.delivered == 0:
                self.inside.set()
                self.gate.wait(10)
            self.delivered += 1
            return deliver(delivery, message)

        def note_wait(seconds):
            self.waiting.set()   # sends.py sleeps only while its Send is paused
            time.sleep(seconds)

        monkeypatch.setattr(sends.Delivery, "deliver", held_deliver)
        monkeypatch.setattr(sends, "time", types.SimpleNamespace(sleep=note_wait))


def test_pause_and_resume_act_on_the_campaigns_running_send(tmp_path, monkeypatch):
    from cloud_support import wait_for_tasks

    probe = _SendProbe(monkeypatch)
    with _local_server(_crowd_workspace(tmp_path)) as server:
        backend = server.app.backend
        cid = _campaign_id(backend, "crowd")
        headers = bearer(server)
        assert call(server, f"/api/v1/campaigns/{cid}/start", headers)[0] == 200
        assert probe.inside.wait(10)
        job_id, status = _send_status(backend)
        assert status == "Sending"
        assert call(server, f"/api/v1/campaigns/{cid}/pause", headers) == (
            200, "application/json;charset=UTF-8", {"id": cid, "message": "Campaign paused successfully."})
        assert _send_status(backend) == (job_id, "Paused")
        status, _, payload = call(server, f"/api/v1/campaigns/{cid}/pause", headers)
        assert (status, payload) == (400, {"id": cid, "message": f"Campaign with id {cid} has no running "
                                                                 "send to pause."})
        probe.gate.set()
        assert probe.waiting.wait(10)   # the job reached its first pause check and is waiting
        assert probe.delivered == 50
        statuses = {r["TaskID"]: r["Status"] for r in _statuses(backend)}
        assert statuses[job_id] == "Processing"
        assert call(server, f"/api/v1/campaigns/{cid}/resume", headers)[1:] == (
            "application/json;charset=UTF-8", {"id": cid, "message": "Campaign resumed successfully."})
        rows = wait_for_tasks(backend, ParentInteractionObjectID=_ioid(backend, cid))
        assert [r["Status"] for r in rows] == ["Complete", "Complete"]
        assert _send_status(backend) == (job_id, "Complete")
        assert probe.delivered == CROWD
        status, _, payload = call(server, f"/api/v1/campaigns/{cid}/resume", headers)
        assert (status, payload) == (400, {"id": cid, "message": f"Campaign with id {cid} is not running."})


def test_resume_with_nothing_paused_is_400(tmp_path, monkeypatch):
    from cloud_support import wait_for_tasks

    probe = _SendProbe(monkeypatch)
    with _local_server(_crowd_workspace(tmp_path)) as server:
        backend = server.app.backend
        cid = _campaign_id(backend, "crowd")
        headers = bearer(server)
        assert call(server, f"/api/v1/campaigns/{cid}/start", headers)[0] == 200
        assert probe.inside.wait(10)
        status, _, payload = call(server, f"/api/v1/campaigns/{cid}/resume", headers)
        assert (status, payload) == (400, {"id": cid, "message": f"Campaign with id {cid} has no paused "
                                                                 "send to resume."})
        probe.gate.set()
        wait_for_tasks(backend, ParentInteractionObjectID=_ioid(backend, cid))
        assert _send_status(backend)[1] == "Complete"


def test_pause_with_nothing_running_is_400(tmp_path):
    with _local_server(_crowd_workspace(tmp_path)) as server:
        cid = _campaign_id(server.app.backend, "crowd")
        for action in ("pause", "resume"):
            status, _, payload = call(server, f"/api/v1/campaigns/{cid}/{action}", bearer(server))
            assert (status, payload) == (400, {"id": cid, "message": f"Campaign with id {cid} is not running."})


def test_the_soap_side_keeps_campaign_pause_reserved(tmp_path):
    from cloud_support import obj

    with _local_server(_crowd_workspace(tmp_path)) as server:
        backend = server.app.backend
        response = backend.api_perform("pause", [obj("Campaign", ID=_campaign_id(backend, "crowd"))])
        assert [(r.status_code, r.status_message) for r in response.results] == [
            ("Error", "pause on a Campaign is reserved for future use and is not available.")]


def test_publish_records_the_campaign_as_published(tmp_path):
    from cloud_support import retrieve, simple

    with _local_server(_crowd_workspace(tmp_path)) as server:
        backend = server.app.backend
        cid = _campaign_id(backend, "crowd")

        def state():
            (campaign,) = retrieve(backend, "Campaign", ["ID", "ObjectState"], simple("ID", "equals", cid)).results
            return campaign.get("ObjectState")

        assert state() in (None, "")
        for _ in range(2):   # publishing again is harmless
            assert call(server, f"/api/v1/campaigns/{cid}/publish", bearer(server)) == (
                200, "application/json;charset=UTF-8", {"id": cid, "message": "Campaign published successfully."})
            assert state() == "Published"
        assert call(server, f"/api/v1/campaigns/{cid}/start", bearer(server))[0] == 200


def test_actions_against_the_sample_workspace(tmp_path):
    import os
    import shutil

    root = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "samples", "workspace")
    shutil.copytree(root, tmp_path / "ws", ignore=shutil.ignore_patterns(".ampy", "outbox"))
    with _local_server(str(tmp_path / "ws")) as server:
        headers = bearer(server)
        server.app.backend.wait_for_tasks()
        codes = [(action, call(server, f"/api/v1/campaigns/1/{action}", headers)[0])
                 for action in ("publish", "start", "terminate", "delete", "start")]
        assert codes == [("publish", 200), ("start", 200), ("terminate", 200), ("delete", 200), ("start", 400)]


def test_a_running_local_campaign_cannot_be_deleted(tmp_path, monkeypatch):
    from cloud_support import wait_for_tasks

    probe = _SendProbe(monkeypatch)
    with _local_server(_crowd_workspace(tmp_path)) as server:
        backend = server.app.backend
        cid = _campaign_id(backend, "crowd")
        headers = bearer(server)
        assert call(server, f"/api/v1/campaigns/{cid}/start", headers)[0] == 200
        assert probe.inside.wait(10)
        status, _, payload = call(server, f"/api/v1/campaigns/{cid}/delete", headers)
        assert (status, payload) == (400, {"id": cid, "message": f"Campaign with id {cid} is running and "
                                                                 "cannot be deleted."})
        probe.gate.set()
        wait_for_tasks(backend, ParentInteractionObjectID=_ioid(backend, cid))
        assert call(server, f"/api/v1/campaigns/{cid}/delete", headers)[0] == 200


def _ioid(backend, cid: str) -> str:
    from cloud_support import retrieve, simple

    (campaign,) = retrieve(backend, "Campaign", ["InteractionObjectID"], simple("ID", "equals", cid)).results
    return campaign.get("InteractionObjectID")


def _statuses(backend) -> list[dict]:
    from cloud_support import pairs, retrieve

    return [pairs(o) for o in retrieve(backend, "AsyncActivityStatus").results]
