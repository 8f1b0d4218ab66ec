"""ContentImageByKey/ByID over the soap backend: Content Builder REST assets of ``ampy serve``
(``/asset/v1/content/assets``) reached with the OAuth token, compared with the local cloud."""

from __future__ import annotations

import os
import socket

import pytest
import requests
from server_support import CLIENT_ID, CLIENT_SECRET, PASSWORD, USER, make_auth

import ampy
from ampy.backends import open_backend
from ampy.backends.base import BackendError
from ampy.backends.soap import SoapBackend
from ampy.cloud.workspace import create_workspace
from ampy.server.app import RunningServer, build_app
from ampy.soap.auth import TenantCredentials

LOGO_ID = "1001"   # images.json of the starter workspace
SCRIPTS = [
    '%%=ContentImageByKey("ampy-logo")=%%',
    '%%=ContentImageByKey("AMPY-LOGO")=%%',
    f"%%=ContentImageByID({LOGO_ID})=%%",
    f'%%=ContentImageByID("{LOGO_ID}")=%%',
    '%%=ContentImageByKey("missing", "ampy-logo")=%%',
    f'%%=ContentImageByID(404, {LOGO_ID})=%%',
    f'%%=ContentImageByID(" +{LOGO_ID} ")=%%',
]


@pytest.fixture
def served(tmp_path):
    """(local backend, running server, served workspace) over two copies of the starter workspace."""
    local_dir, served_dir = tmp_path / "local", tmp_path / "served"
    create_workspace(str(local_dir))
    create_workspace(str(served_dir))
    local = open_backend("local", workspace=str(local_dir))
    app = build_app(str(served_dir), auth=make_auth())
    try:
        with RunningServer(app, "127.0.0.1", 0, threads=4) as server:
            yield local, server, served_dir
    finally:
        app.close()
        app.backend.close()
        local.close()


def oauth_backend(server, **options) -> SoapBackend:
    creds = TenantCredentials(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, account_id="100",
                              auth_url=server.url)
    return SoapBackend.from_credentials(creds, **options)


def token(server) -> str:
    reply = requests.post(server.url + "/v2/token", json={
        "grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}, timeout=10)
    assert reply.json()["rest_instance_url"] == server.url + "/"
    return reply.json()["access_token"]


def test_images_render_byte_identical_to_the_local_cloud(served):
    local, server, _ = served
    soap = oauth_backend(server)   # no workspace: images can only come over REST
    for script in SCRIPTS:
        on_local = ampy.render(script, backend=local)
        on_soap = ampy.render(script, backend=soap)
        assert on_soap.encode("utf-8") == on_local.encode("utf-8"), script
        assert f'thid="{LOGO_ID}"' in on_soap and 'alt="The ampy logo: a blue square"' in on_soap


def test_the_cli_renders_the_same_over_soap(served, tmp_path, monkeypatch, capsys):
    from ampy.cli import main

    local, server, _ = served
    script = tmp_path / "logo.amp"
    script.write_text(SCRIPTS[0] + "|" + SCRIPTS[2], encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for name in ("AMPY_USERNAME", "AMPY_PASSWORD", "AMPY_SOAP_URL", "AMPY_SUBDOMAIN", "AMPY_SCOPE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AMPY_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("AMPY_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("AMPY_ACCOUNT_ID", "100")
    monkeypatch.setenv("AMPY_AUTH_URL", server.url)
    assert main(["run", str(script), "--backend", "soap"]) == 0
    out = capsys.readouterr().out
    assert out.rstrip("\n") == ampy.render(script.read_text(encoding="utf-8"), backend=local)


def test_a_missing_image_is_no_image(served):
    local, server, _ = served
    soap = oauth_backend(server)
    assert soap.content_image(key="missing") is None
    assert soap.content_image(key="it's missing") is None
    assert soap.content_image(id="404") is None
    assert soap.content_image(id="not-a-number") is None
    for script in ('%%=ContentImageByKey("missing")=%%', "%%=ContentImageByID(404)=%%"):
        errors = []
        for backend in (local, soap):
            with pytest.raises(ampy.AmpscriptError) as e:
                ampy.render(script, backend=backend)
            errors.append(e.value.message)
        assert errors[0] == errors[1]


def test_rest_routes_need_a_bearer_token(served):
    _, server, _ = served
    by_key = server.url + "/asset/v1/content/assets?$filter=customerKey%20eq%20'ampy-logo'"
    by_id = server.url + f"/asset/v1/content/assets/{LOGO_ID}"
    for url in (by_key, by_id):
        assert requests.get(url, timeout=10).status_code == 401
        assert requests.get(url, headers={"Authorization": "Bearer nope"}, timeout=10).status_code == 401
    headers = {"Authorization": f"Bearer {token(server)}"}
    listing = requests.get(by_key, headers=headers, timeout=10).json()
    assert listing["count"] == 1 and listing["items"][0]["customerKey"] == "ampy-logo"
    asset = requests.get(by_id, headers=headers, timeout=10).json()
    assert asset == listing["items"][0]
    assert asset["id"] == int(LOGO_ID) and asset["assetType"] == {"name": "png"}
    assert asset["fileProperties"]["fileName"] == "ampy-logo.png"
    assert asset["fileProperties"]["publishedURL"].endswith("/ampy-logo.png")
    assert requests.get(server.url + "/asset/v1/content/assets/404", headers=headers, timeout=10).status_code == 404
    none = requests.get(server.url + "/asset/v1/content/assets?$filter=customerKey%20eq%20'x'",
                        headers=headers, timeout=10).json()
    assert none["count"] == 0 and none["items"] == []


def test_http_and_network_failures_are_backend_errors(served):
    _, server, served_dir = served
    soap = oauth_backend(server)
    with open(os.path.join(served_dir, "content", "images", "images.json"), "w", encoding="utf-8") as f:
        f.write("{broken")
    with pytest.raises(BackendError) as e:
        soap.content_image(key="ampy-logo")
    assert "HTTP 500" in str(e.value) and "invalid JSON" in str(e.value)
    with pytest.raises(ampy.AmpscriptError) as e:
        ampy.render('%%=ContentImageByKey("ampy-logo")=%%', backend=soap)
    assert "Traceback" not in e.value.message

    with socket.socket() as s:   # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    soap.client.login.rest_instance_url = f"http://127.0.0.1:{closed}/"   # the token is cached
    with pytest.raises(BackendError) as e:
        soap.content_image(id=LOGO_ID)
    assert str(e.value) == (f"Content Builder request to http://127.0.0.1:{closed}/asset/v1/content/assets/"
                            f"{LOGO_ID} failed: connection refused")


def test_without_a_rest_url_images_come_from_the_workspace(served):
    local, server, served_dir = served
    creds = TenantCredentials(username=USER, password=PASSWORD, soap_url=server.url)
    soap = SoapBackend.from_credentials(creds, workspace=str(served_dir))
    assert ampy.render(SCRIPTS[0], backend=soap) == ampy.render(SCRIPTS[0], backend=local)
