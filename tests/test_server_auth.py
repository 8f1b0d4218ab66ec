"""Server credentials: hashed users file, token issuing and expiry, the /v2/token endpoint and
the ``ampy serve`` credential commands."""

from __future__ import annotations

import io
import json
import os

import pytest
import requests
from server_support import (
    CLIENT_ID,
    CLIENT_SECRET,
    PASSWORD,
    USER,
    Clock,
    FakeCloud,
    make_auth,
    running_server,
)

from ampy.cli import main
from ampy.server import auth


def test_secrets_are_stored_salted_and_hashed(tmp_path):
    auth.add_user(str(tmp_path), "ann", "pa55word")
    auth.add_client(str(tmp_path), "cid", "csecret", "12345")
    path = tmp_path / ".ampy" / "users.json"
    text = path.read_text()
    assert "pa55word" not in text and "csecret" not in text
    data = json.loads(text)
    assert sorted(data) == ["clients", "users"]
    assert sorted(data["users"]["ann"]) == ["algorithm", "hash", "n", "p", "r", "salt"]
    assert data["users"]["ann"]["algorithm"] == "scrypt"
    assert data["clients"]["cid"]["account_id"] == "12345"
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"

    loaded = auth.ServerAuth.for_workspace(str(tmp_path))
    assert loaded.check_user("ann", "pa55word") is True
    assert loaded.check_user("ann", "pa55word") is True     # the cached path
    assert loaded.check_user("ann", "Pa55word") is False
    assert loaded.check_user("bob", "pa55word") is False
    assert loaded.check_client("cid", "csecret") is True
    assert loaded.check_client("cid", "pa55word") is False


def test_same_secret_gets_different_salts():
    first, second = auth.hash_secret("x"), auth.hash_secret("x")
    assert first["salt"] != second["salt"] and first["hash"] != second["hash"]
    assert auth.verify_secret("x", first) and auth.verify_secret("x", second)
    assert not auth.verify_secret("x", {**first, "algorithm": "md5"})
    assert not auth.verify_secret("x", {"algorithm": "scrypt"})


def test_tokens_expire():
    clock = Clock(50.0)
    server_auth = make_auth(clock, lifetime=100)
    issued = server_auth.issue_token(CLIENT_ID)
    assert issued.expires_at == 150.0
    assert server_auth.token_status(issued.token) == "valid"
    clock.now = 149.9
    assert server_auth.token_status(issued.token) == "valid"
    clock.now = 150.0
    assert server_auth.token_status(issued.token) == "expired"
    assert server_auth.token_status("forged") == "unknown"
    assert server_auth.issue_token(CLIENT_ID).token != issued.token


def test_token_endpoint_issues_expiring_tokens_pointing_back_at_the_server():
    clock = Clock()
    with running_server(FakeCloud(), make_auth(clock, lifetime=600)) as server:
        reply = requests.post(server.url + "/v2/token", timeout=10, json={
            "grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
            "account_id": "100"})
        assert reply.status_code == 200
        data = reply.json()
        assert sorted(data) == ["access_token", "expires_in", "rest_instance_url", "scope",
                                "soap_instance_url", "token_type"]
        assert (data["token_type"], data["expires_in"]) == ("Bearer", 600)
        assert data["soap_instance_url"] == data["rest_instance_url"] == server.url + "/"
        assert server.app.auth.token_status(data["access_token"]) == "valid"
        clock.now += 600
        assert server.app.auth.token_status(data["access_token"]) == "expired"

        form = requests.post(server.url + "/v2/token", timeout=10, data={
            "grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET})
        assert form.status_code == 200 and form.json()["access_token"]


@pytest.mark.parametrize(("payload", "status", "error"), [
    ({"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": "wrong"}, 401,
     "invalid_client"),
    ({"grant_type": "client_credentials", "client_id": "nobody", "client_secret": CLIENT_SECRET}, 401,
     "invalid_client"),
    ({"grant_type": "client_credentials"}, 401, "invalid_client"),
    ({"grant_type": "password", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}, 400,
     "unsupported_grant_type"),
    ([1, 2], 400, "invalid_request"),
])
def test_token_endpoint_refusals(payload, status, error):
    with running_server(FakeCloud()) as server:
        reply = requests.post(server.url + "/v2/token", json=payload, timeout=10)
        assert (reply.status_code, reply.json()["error"]) == (status, error)
        assert requests.get(server.url + "/v2/token", timeout=10).status_code == 405


def test_serve_command_adds_users_and_clients(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{PASSWORD}\n"))
    assert main(["serve", "--workspace", str(tmp_path), "--add-user", USER, "--secret-stdin"]) == 0
    assert capsys.readouterr().out == f"user {USER} added to {tmp_path}/.ampy/users.json\n"
    assert main(["serve", "--workspace", str(tmp_path), "--add-client", "cid", "--account-id", "7"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("client secret (shown once): ")
    secret = out.splitlines()[0].split(": ", 1)[1]
    loaded = auth.ServerAuth.for_workspace(str(tmp_path))
    assert loaded.check_user(USER, PASSWORD) and loaded.check_client("cid", secret)
    assert main(["serve", "--workspace", str(tmp_path / "missing")]) == 2
