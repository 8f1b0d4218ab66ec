"""The workbench's browser pages answer only to loopback Host names when it listens on loopback,
so a web page whose DNS name is re-pointed at 127.0.0.1 (DNS rebinding) cannot read the preview
or post to the CloudPages. The Partner API keeps its own authentication and is not affected."""

from __future__ import annotations

import pytest
import requests

from ampy.cloud.workspace import create_workspace
from ampy.server.app import RunningServer, build_app
from ampy.workbench.common import host_of, is_loopback_host


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("hosts") / "ws"
    create_workspace(str(root))
    return str(root)


def _serve(workspace, **options):
    return RunningServer(build_app(workspace, **options)).start()


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "127.9.9.9", "[::1]", "app.localhost"])
def test_loopback_names_are_answered(workspace, host):
    server = _serve(workspace)
    try:
        r = requests.get(server.url + "/", headers={"Host": f"{host}:{server.port}"}, timeout=10)
        assert r.status_code == 200
        assert "ampy workbench" in r.text
    finally:
        server.stop()
        server.app.backend.close()


@pytest.mark.parametrize("path", ["/", "/_ampy/des", "/subscribe"])
def test_a_rebound_name_is_refused_on_pages_and_ui(workspace, path):
    server = _serve(workspace)
    try:
        r = requests.get(server.url + path, headers={"Host": f"attacker.example:{server.port}"}, timeout=10)
        assert r.status_code == 403
        assert "answers only to localhost names, not to <code>attacker.example:" in r.text
        post = requests.post(server.url + "/subscribe", data={"email": "x@example.com"},
                             headers={"Host": "attacker.example"}, timeout=10)
        assert post.status_code == 403
    finally:
        server.stop()
        server.app.backend.close()


def test_the_partner_api_is_not_host_checked(workspace):
    server = _serve(workspace)
    try:
        r = requests.get(server.url + "/etframework.wsdl", headers={"Host": "api.example"}, timeout=10)
        assert r.status_code == 200
        assert b"definitions" in r.content
    finally:
        server.stop()
        server.app.backend.close()


def test_public_url_host_and_non_loopback_servers_are_answered(workspace):
    server = _serve(workspace, public_url="http://wb.example.test:8080")
    try:
        ok = requests.get(server.url + "/", headers={"Host": "wb.example.test:8080"}, timeout=10)
        assert ok.status_code == 200
        other = requests.get(server.url + "/", headers={"Host": "other.example.test"}, timeout=10)
        assert other.status_code == 403
    finally:
        server.stop()
        server.app.backend.close()
    open_server = _serve(workspace, local_only=False)
    try:
        r = requests.get(open_server.url + "/", headers={"Host": "anything.example"}, timeout=10)
        assert r.status_code == 200
    finally:
        open_server.stop()
        open_server.app.backend.close()


def test_host_helpers():
    assert host_of("Example.com:8080") == "example.com"
    assert host_of("[::1]:80") == "[::1]"
    assert host_of("localhost") == "localhost"
    assert is_loopback_host("[::1]") and is_loopback_host("127.0.0.2") and is_loopback_host("LOCALHOST.")
    assert not is_loopback_host("10.0.0.1") and not is_loopback_host("localhost.example.com")
