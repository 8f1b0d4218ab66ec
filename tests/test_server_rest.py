"""The Volt MX campaign REST API of ``ampy serve`` (seed 003): each action, each status code."""

from __future__ import annotations

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
    ("pause", "pause", "Campaign paused successfully."),
    ("resume", "resume", "Campaign resumed successfully."),
    ("terminate", "stop", "Campaign terminated successfully."),
    ("publish", "publish", "Campaign published successfully."),
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
        assert call(server, "/api/v1/campaigns/3640/pause", headers)[0] == 200
        clock.now += 31
        assert call(server, "/api/v1/campaigns/3640/resume", headers)[2] == {
            "id": "3640", "message": "Unauthorized request"}


def test_refused_action_is_400_with_the_backends_message(server, cloud):
    from ampy.backends.base import ApiResponse, ApiResult

    message = "pause is not an action that can be Performed on a Campaign."
    cloud.api_perform = lambda action, definitions, options=None: ApiResponse(
        "Error", "r", [ApiResult("Error", message, 12)])
    status, _, payload = call(server, "/api/v1/campaigns/3640/pause", bearer(server))
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


def test_actions_against_the_local_cloud(tmp_path):
    import os
    import shutil

    from ampy.server.app import RunningServer, build_app

    root = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "samples", "workspace")
    shutil.copytree(root, tmp_path / "ws")
    app = build_app(str(tmp_path / "ws"), auth=make_auth())
    with RunningServer(app, "127.0.0.1", 0, threads=2) as server:
        headers = bearer(server)
        codes = [(action, call(server, f"/api/v1/campaigns/1/{action}", headers)[0])
                 for action in ("start", "pause", "terminate", "delete", "start")]
        # The Partner API's Campaign has only start and stop: pause is refused by the cloud (400).
        assert codes == [("start", 200), ("pause", 400), ("terminate", 200), ("delete", 200), ("start", 400)]
    app.backend.close()
