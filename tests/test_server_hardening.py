"""``ampy serve`` under abuse: repeated and too many Retrieve properties, answers over the size
limit (paged, streamed, byte-identical), Bodies with two operations, non-SOAP content types, and
credentials changed by another process while the server runs."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest
import requests
from server_support import PASSWORD, USER, FakeCloud, running_server

from ampy.api.model import ApiObject
from ampy.backends.base import ApiResponse
from ampy.backends.local import LocalBackend
from ampy.cloud.workspace import create_workspace
from ampy.server import auth
from ampy.server.app import RunningServer, build_app
from ampy.server.wsgi import ServerApp
from ampy.soap import codec
from ampy.soap.auth import username_token_header

SOAP11 = "{http://schemas.xmlsoap.org/soap/envelope/}"
SOAP12 = "{http://www.w3.org/2003/05/soap-envelope}"


def user_header():
    return username_token_header(USER, PASSWORD)


def retrieve_envelope(object_type: str, properties: list[str], continue_request: str | None = None,
                      headers=None, soap12: bool = False) -> bytes:
    props: dict[str, object] = {"ObjectType": object_type, "Properties": properties}
    if continue_request:
        props["ContinueRequest"] = continue_request
    body = codec.build_request("Retrieve", request=ApiObject("RetrieveRequest", props))
    return codec.to_bytes(codec.envelope(body, soap12=soap12, headers=[user_header()] if headers is None else headers))


def post(server, data: bytes, content_type: str | None = "text/xml; charset=utf-8",
         action: str | None = "Retrieve") -> requests.Response:
    headers = {}
    if content_type is not None:
        headers["Content-Type"] = content_type
    if action is not None:
        headers["SOAPAction"] = f'"{action}"'
    # requests sets no Content-Type for bytes, so None really sends none
    return requests.post(server.url + "/Service.asmx", data=data, headers=headers, timeout=30)


def answer(reply: requests.Response) -> ApiObject:
    assert reply.status_code == 200, reply.text
    _, response = codec.parse_response(codec.parse_envelope(reply.content)[2])
    return response


def fault_of(reply: requests.Response) -> codec.FaultInfo:
    _, _, element = codec.parse_envelope(reply.content)
    assert codec.is_fault(element)
    return codec.parse_fault(element)


class RecordingCloud(FakeCloud):
    """FakeCloud that keeps every RetrieveRequest's Properties as the backend received them."""

    def __init__(self, things: int = 3):
        super().__init__(things)
        self.requested: list[list[str]] = []

    def api_retrieve(self, request):
        self.requested.append(list(request.get_list("Properties")))
        return super().api_retrieve(request)


class PagingCloud(FakeCloud):
    """A backend paging by itself: 5 objects with MoreDataAvailable under "backend-1", then 5 more."""

    def api_retrieve(self, request):
        with self._track("Retrieve", request.get("ContinueRequest")):
            if request.get("ContinueRequest") == "backend-1":
                return ApiResponse("OK", "backend-1", [_thing(i) for i in range(6, 11)])
            return ApiResponse("MoreDataAvailable", "backend-1", [_thing(i) for i in range(1, 6)])


def _thing(i: int) -> ApiObject:
    return ApiObject("List", {"ID": f"{i:04d}", "ListName": f"thing {i:04d}"})


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = str(tmp_path_factory.mktemp("hardening") / "ws")
    create_workspace(root)
    return root


# ---------------------------------------------------------------------------- Properties


def test_repeated_properties_come_back_once_each_from_the_local_cloud(workspace):
    backend = LocalBackend.for_workspace(workspace)
    try:
        with running_server(backend) as server:
            wanted = ["SubscriberKey"] * 400 + ["subscriberkey", "EmailAddress", "EMAILADDRESS"] * 50
            reply = post(server, retrieve_envelope("DataExtensionObject[Subscribers]", wanted))
            response = answer(reply)
    finally:
        backend.close()
    assert response.get("OverallStatus") == "OK"
    results = response.get("Results")
    assert len(results) == 5
    assert {tuple(p.get("Name") for p in r.get("Properties")) for r in results} == {("SubscriberKey", "EmailAddress")}
    assert [r.get("Properties")[0].get("Value") for r in results] == ["S001", "S002", "S003", "S004", "S005"]
    assert len(reply.content) < 3000  # 400 copies of each value would be far more


def test_the_local_cloud_itself_takes_each_property_once(workspace):
    """Scripts reach the same Retrieve without the server (InvokeRetrieve): it de-duplicates too."""
    backend = LocalBackend.for_workspace(workspace)
    try:
        request = ApiObject("RetrieveRequest", {"ObjectType": "DataExtensionObject[Subscribers]",
                                                "Properties": ["emailaddress", "EmailAddress", "SubscriberKey",
                                                               "EMAILADDRESS"] * 200})
        response = backend.api_retrieve(request)
    finally:
        backend.close()
    assert response.overall_status == "OK"
    assert [[(p.get("Name"), p.get("Value")) for p in r.get("Properties")] for r in response.results][:2] == [
        [("EmailAddress", "ada@example.com"), ("SubscriberKey", "S001")],
        [("EmailAddress", "grace@example.com"), ("SubscriberKey", "S002")]]


def test_a_local_retrieve_does_not_queue_behind_other_calls(workspace):
    """The local cloud's store serialises its own statements, so a Retrieve need not wait for the
    lock that keeps other calls (and other backends' Retrieves) one at a time."""
    backend = LocalBackend.for_workspace(workspace)
    try:
        with running_server(backend) as server, server.app.partner.lock:  # as if a Create were running
            response = answer(post(server, retrieve_envelope("DataExtensionObject[Subscribers]", ["SubscriberKey"])))
    finally:
        backend.close()
    assert len(response.get("Results")) == 5


def test_the_backend_receives_distinct_properties_first_spelling_kept():
    cloud = RecordingCloud()
    with running_server(cloud) as server:
        response = answer(post(server, retrieve_envelope("List", ["ListName", "ID", "listname", "id", "", "Id"] * 100)))
    assert response.get("OverallStatus") == "OK"
    assert cloud.requested == [["ListName", "ID"]]


def test_too_many_distinct_properties_is_an_error_answer_without_a_backend_call():
    cloud = RecordingCloud()
    with running_server(cloud, max_properties=500) as server:
        response = answer(post(server, retrieve_envelope("List", [f"P{i}" for i in range(501)])))
        assert response.get("OverallStatus") == ("Error: The RetrieveRequest asks for 501 distinct Properties; "
                                                  "at most 500 can be retrieved in one request.")
        assert response.get("Results") == []
        assert cloud.requested == []
        # 500 distinct names, however often repeated, are within the limit
        response = answer(post(server, retrieve_envelope("List", [f"P{i}" for i in range(500)] * 3)))
        assert response.get("OverallStatus") == "OK"
        assert cloud.requested == [[f"P{i}" for i in range(500)]]


def test_ampy_serve_takes_both_limits_from_its_command_line(tmp_path):
    root = str(tmp_path / "ws")
    create_workspace(root)
    auth.add_user(root, USER, PASSWORD)
    server = subprocess.Popen([sys.executable, "-m", "ampy", "serve", "--workspace", root, "--port", "0",
                               "--no-reload", "--max-response", "300", "--max-properties", "2"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        url = None
        for line in server.stderr:  # ends when the server exits, so no endless wait
            if "Partner API" in line:
                url = line.split()[2].removesuffix("/Service.asmx")
                break
        assert url is not None, "ampy serve printed no address"
        served = SimpleNamespace(url=url)
        wanted = ["SubscriberKey", "EmailAddress", "subscriberkey"]
        pages = []
        continue_request = None
        for _ in range(10):
            response = answer(post(served, retrieve_envelope("DataExtensionObject[Subscribers]", wanted,
                                                             continue_request)))
            pages.append((response.get("OverallStatus"), len(response.get("Results"))))
            if response.get("OverallStatus") != "MoreDataAvailable":
                break
            continue_request = response.get("RequestID")
        assert pages == [("MoreDataAvailable", 1)] * 4 + [("OK", 1)]
        refused = answer(post(served, retrieve_envelope("DataExtensionObject[Subscribers]", wanted + ["City"])))
        assert refused.get("OverallStatus") == ("Error: The RetrieveRequest asks for 3 distinct Properties; "
                                                "at most 2 can be retrieved in one request.")
    finally:
        server.terminate()
        server.wait(30)
        server.stderr.close()


# ------------------------------------------------------------------------- response size


def read_all(server, properties=("ID", "ListName")) -> tuple[list[str], list[str], list[int]]:
    """(IDs, statuses, body sizes) of a Retrieve followed through its ContinueRequests."""
    ids, statuses, sizes, continue_request = [], [], [], None
    for _ in range(50):
        reply = post(server, retrieve_envelope("List", list(properties), continue_request))
        assert reply.headers["Content-Length"] == str(len(reply.content))
        response = answer(reply)
        ids += [r.get("ID") for r in response.get("Results")]
        statuses.append(response.get("OverallStatus"))
        sizes.append(len(reply.content))
        if response.get("OverallStatus") != "MoreDataAvailable":
            return ids, statuses, sizes
        continue_request = response.get("RequestID")
    raise AssertionError("the Retrieve never ended")


def test_an_answer_over_max_response_pages_with_more_data_available():
    cloud = FakeCloud()
    cloud.things = [_thing(i) for i in range(1, 31)]
    one = len(codec.retrieve_result_bytes(_thing(1)))
    assert {len(codec.retrieve_result_bytes(t)) for t in cloud.things} == {one}
    with running_server(cloud, max_response=10 * one + one // 2) as server:
        ids, statuses, sizes = read_all(server)
    assert ids == [f"{i:04d}" for i in range(1, 31)]
    assert statuses == ["MoreDataAvailable", "MoreDataAvailable", "OK"]
    assert max(sizes) < 10 * one + 1024  # the objects plus an envelope
    assert cloud.calls == [("Retrieve", "List")]  # the rest came from the server's stash


def test_a_single_object_larger_than_the_limit_still_goes_alone():
    cloud = FakeCloud()
    cloud.things = [_thing(1), ApiObject("List", {"ID": "0002", "ListName": "x" * 5000}), _thing(3)]
    with running_server(cloud, max_response=1000) as server:
        ids, statuses, _ = read_all(server)
    assert ids == ["0001", "0002", "0003"]
    assert statuses == ["MoreDataAvailable", "MoreDataAvailable", "OK"]


def test_a_backends_own_paging_survives_the_size_cut():
    cloud = PagingCloud()
    one = len(codec.retrieve_result_bytes(_thing(1)))
    request_ids = []
    with running_server(cloud, max_response=2 * one) as server:
        ids, statuses, continue_request = [], [], None
        for _ in range(20):
            response = answer(post(server, retrieve_envelope("List", ["ID"], continue_request)))
            ids += [r.get("ID") for r in response.get("Results")]
            statuses.append(response.get("OverallStatus"))
            request_ids.append(response.get("RequestID"))
            if response.get("OverallStatus") != "MoreDataAvailable":
                break
            continue_request = response.get("RequestID")
    assert ids == [f"{i:04d}" for i in range(1, 11)]
    assert statuses == ["MoreDataAvailable"] * 5 + ["OK"]
    # the page ending the backend's first answer hands on the backend's own RequestID
    assert request_ids[2] == "backend-1" and request_ids[5] == "backend-1"
    assert cloud.calls == [("Retrieve", None), ("Retrieve", "backend-1")]


def call_wsgi(app, body: bytes, content_type: str = "text/xml; charset=utf-8", action: str = "Retrieve"):
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/Service.asmx", "CONTENT_TYPE": content_type,
               "CONTENT_LENGTH": str(len(body)), "HTTP_SOAPACTION": f'"{action}"', "wsgi.input": io.BytesIO(body),
               "wsgi.errors": io.StringIO(), "SERVER_NAME": "localhost", "SERVER_PORT": "80",
               "wsgi.url_scheme": "http"}
    started = {}

    def start_response(status, headers):
        started["status"], started["headers"] = status, dict(headers)

    pieces = list(app(environ, start_response))
    return started["status"], started["headers"], pieces


@pytest.mark.parametrize("soap12", [False, True])
def test_a_large_answer_is_streamed_in_pieces_with_the_bytes_of_the_whole_tree(soap12):
    from server_support import make_auth

    cloud = FakeCloud()
    cloud.things = [ApiObject("List", {"ID": str(i), "ListName": f"thing {i} é <&>" + "x" * 200})
                    for i in range(1, 2001)]
    app = ServerApp(cloud, make_auth())
    media = "application/soap+xml; charset=utf-8" if soap12 else "text/xml; charset=utf-8"
    status, headers, pieces = call_wsgi(app, retrieve_envelope("List", [], soap12=soap12), media)
    body = b"".join(pieces)
    assert status == "200 OK"
    assert headers["Content-Type"] == media
    assert headers["Content-Length"] == str(len(body))
    assert len(pieces) == len(body) // (256 * 1024) + 1 and len(pieces) > 1
    _, response = codec.parse_response(codec.parse_envelope(body)[2])
    assert response.get("OverallStatus") == "OK" and len(response.get("Results")) == 2000
    whole = codec.build_response("Retrieve", results=cloud.things, overall_status="OK",
                                 request_id=response.get("RequestID"))
    assert body == codec.to_bytes(codec.envelope(whole, soap12=soap12))


# ------------------------------------------------------------------------ message shape


def test_a_body_with_two_operations_is_a_client_fault_and_nothing_runs():
    cloud = RecordingCloud()
    create = codec.build_request("Create", objects=[ApiObject("List", {"ListName": "sneaky"})])
    retrieve = codec.build_request("Retrieve", request=ApiObject("RetrieveRequest", {"ObjectType": "List"}))
    document = codec.envelope(retrieve, headers=[user_header()])
    document.find(SOAP11 + "Body").append(create)
    with running_server(cloud) as server:
        reply = post(server, codec.to_bytes(document))
    assert reply.status_code == 500
    info = fault_of(reply)
    assert info.code == SOAP11 + "Client"
    assert info.string == ("The SOAP Body holds 2 elements (RetrieveRequestMsg, CreateRequest); a message "
                           "carries exactly one operation.")
    assert cloud.calls == [] and cloud.created == []


@pytest.mark.parametrize("content_type", ["application/json", "text/plain; charset=utf-8", None,
                                          "application/x-www-form-urlencoded"])
def test_a_non_soap_content_type_is_415_with_a_soap11_fault(content_type):
    cloud = RecordingCloud()
    with running_server(cloud) as server:
        reply = post(server, retrieve_envelope("List", ["ID"]), content_type)
    assert reply.status_code == 415
    assert reply.headers["Content-Type"] == "text/xml; charset=utf-8"
    info = fault_of(reply)
    assert info.code == SOAP11 + "Client"
    assert info.string == (f"Cannot process the message because the content type '{content_type or ''}' was "
                           "not the expected type 'text/xml; charset=utf-8'.")
    assert cloud.calls == []


def test_a_soap12_envelope_with_a_wrong_content_type_gets_a_soap12_fault():
    with running_server(RecordingCloud()) as server:
        reply = post(server, retrieve_envelope("List", ["ID"], soap12=True), "application/json", action=None)
        json_body = post(server, b'{"ObjectType": "List"}', "application/json")
    assert reply.status_code == 415
    assert reply.headers["Content-Type"] == "application/soap+xml; charset=utf-8"
    info = fault_of(reply)
    assert info.code == SOAP12 + "Sender"
    assert info.string == ("Cannot process the message because the content type 'application/json' was not the "
                           "expected type 'application/soap+xml; charset=utf-8'.")
    assert (json_body.status_code, fault_of(json_body).code) == (415, SOAP11 + "Client")


def test_soap_media_types_are_matched_without_regard_to_case():
    with running_server(FakeCloud()) as server:
        response = answer(post(server, retrieve_envelope("List", ["ID"]), "Text/XML; Charset=UTF-8"))
    assert response.get("OverallStatus") == "OK" and len(response.get("Results")) == 3


# ------------------------------------------------------------------ credentials at run time


@pytest.fixture
def served_workspace(tmp_path):
    """A workspace with client "rotating" (secret "first-secret") served by a real server."""
    root = str(tmp_path)
    auth.add_client(root, "rotating", "first-secret", "100")
    app = build_app(backend=FakeCloud(), auth=auth.ServerAuth.for_workspace(root))
    with RunningServer(app, "127.0.0.1", 0, threads=4) as server:
        yield root, server


def token(server, client_id: str, secret: str) -> requests.Response:
    return requests.post(server.url + "/v2/token", timeout=30, json={
        "grant_type": "client_credentials", "client_id": client_id, "client_secret": secret})


def ampy_serve(*args: str, secret: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ampy", "serve", *args, "--secret-stdin"], input=secret + "\n",
                          capture_output=True, text=True, timeout=120, check=False)


def test_rotating_a_secret_from_another_process_reaches_the_running_server(served_workspace):
    root, server = served_workspace
    before = token(server, "rotating", "first-secret")
    assert before.status_code == 200
    issued = before.json()["access_token"]

    done = ampy_serve("--workspace", root, "--add-client", "rotating", secret="second-secret")
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"replaced the secret of API client rotating in {auth.users_path(root)}\n"

    refused = token(server, "rotating", "first-secret")
    assert (refused.status_code, refused.json()["error"]) == (401, "invalid_client")
    assert token(server, "rotating", "second-secret").status_code == 200
    # a token issued before the rotation stays valid until it expires, as on the platform
    data = retrieve_envelope("List", ["ID"], headers=[codec.fueloauth_header(issued)])
    assert answer(post(server, data)).get("OverallStatus") == "OK"


def test_a_user_added_from_another_process_can_call_at_once(served_workspace):
    root, server = served_workspace
    data = retrieve_envelope("List", ["ID"], headers=[username_token_header("newcomer", "pass-word-1")])
    assert fault_of(post(server, data)).string == "Login failed"
    done = ampy_serve("--workspace", root, "--add-user", "newcomer", secret="pass-word-1")
    assert done.returncode == 0, done.stderr
    assert answer(post(server, data)).get("OverallStatus") == "OK"


@pytest.mark.parametrize("damage", ['{"users": {}, "clients": {"rotating": ', "[1, 2]", '{"clients": 5}',
                                    "\x00\xff not json"])
def test_a_corrupt_users_file_keeps_the_previous_credentials(served_workspace, caplog, damage):
    root, server = served_workspace
    path = auth.users_path(root)
    with open(path, "w", encoding="utf-8") as f:  # written in place, as a careless editor would
        f.write(damage)
    with caplog.at_level(logging.WARNING, logger="ampy.server"):
        assert token(server, "rotating", "first-secret").status_code == 200
        assert token(server, "rotating", "first-secret").status_code == 200
    warnings = [r.getMessage() for r in caplog.records if r.name == "ampy.server"]
    assert len(warnings) == 1  # once per version of the file, not once per request
    assert warnings[0].startswith(f"ampy serve: {path} cannot be read (")
    assert warnings[0].endswith("); the previous credentials stay in force")
    # a good file again takes effect (the writer itself refuses to build on a corrupt file)
    with pytest.raises((TypeError, ValueError)):
        auth.add_client(root, "rotating", "third-secret", "100")
    os.remove(path)
    auth.add_client(root, "rotating", "third-secret", "100")
    assert token(server, "rotating", "first-secret").status_code == 401
    assert token(server, "rotating", "third-secret").status_code == 200


def test_the_writer_swaps_in_a_whole_owner_only_file(tmp_path):
    root = str(tmp_path)
    auth.add_client(root, "a", "secret-a")
    path = auth.users_path(root)
    first = os.stat(path)
    auth.add_client(root, "b", "secret-b")
    second = os.stat(path)
    assert first.st_ino != second.st_ino  # replaced, not rewritten in place
    assert second.st_mode & 0o777 == 0o600
    assert sorted(os.listdir(os.path.dirname(path))) == ["users.json"]  # no temporary left behind
    with open(path, encoding="utf-8") as f:
        assert sorted(json.load(f)["clients"]) == ["a", "b"]


def test_credentials_given_in_code_do_not_follow_any_file(tmp_path):
    fixed = auth.ServerAuth(clients={"c": auth.hash_secret("s")})
    fixed.refresh()
    assert fixed.path is None and fixed.check_client("c", "s")
