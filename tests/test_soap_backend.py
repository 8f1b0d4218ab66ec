"""The ``soap`` backend against ``ampy serve`` on 127.0.0.1: parity with the local cloud, data
extension functions over DataExtensionObject, paging, OAuth tokens, retries, faults, credentials."""

from __future__ import annotations

import glob
import os
import re
import shutil
import threading
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
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

import ampy
from ampy.api.model import ApiObject
from ampy.backends import open_backend
from ampy.backends.base import BackendError
from ampy.backends.local import LocalBackend
from ampy.backends.soap import SoapBackend
from ampy.server.app import RunningServer, build_app
from ampy.soap.auth import CredentialsError, OAuthSession, TenantCredentials, load_credentials
from ampy.soap.client import PartnerClient, SoapTransportError, shared_zeep_client

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLES = os.path.join(ROOT, "samples")
GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


def user_backend(server, **options) -> SoapBackend:
    creds = TenantCredentials(username=USER, password=PASSWORD, soap_url=server.url)
    return SoapBackend.from_credentials(creds, **options)


def oauth_backend(server, clock: Clock | None = None, **client_options) -> SoapBackend:
    creds = TenantCredentials(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, account_id="100",
                              auth_url=server.url)
    http = shared_zeep_client(30.0).transport.session
    login = OAuthSession(creds, http, clock=clock or Clock())
    return SoapBackend(PartnerClient(None, login, timeout=30.0, **client_options))


@pytest.fixture
def workspaces(tmp_path):
    """Two copies of the sample workspace: one used directly, one behind the server."""
    local_dir, served_dir = tmp_path / "local", tmp_path / "served"
    shutil.copytree(os.path.join(SAMPLES, "workspace"), local_dir)
    shutil.copytree(os.path.join(SAMPLES, "workspace"), served_dir)
    local = open_backend("local", workspace=str(local_dir))
    app = build_app(str(served_dir), auth=make_auth())
    with RunningServer(app, "127.0.0.1", 0, threads=4) as server:
        soap = user_backend(server, workspace=str(served_dir))
        yield local, soap, server
    local.close()
    app.backend.close()


def both(local, soap, source: str, name: str = "script.amp") -> tuple[str, str]:
    """The output on each backend, request GUIDs masked (every call mints new ones)."""
    a = ampy.render(source, backend=local, name=name)
    b = ampy.render(source, backend=soap, name=name)
    return GUID.sub("<guid>", a), GUID.sub("<guid>", b)


# -------------------------------------------------------------------------------- parity


API_SAMPLES = sorted(os.path.basename(p) for p in glob.glob(os.path.join(SAMPLES, "*.amp"))
                     if not p.endswith("welcome.amp"))


@pytest.mark.parametrize("sample", API_SAMPLES)
def test_api_samples_give_identical_output(workspaces, sample):
    local, soap, _ = workspaces
    with open(os.path.join(SAMPLES, sample), encoding="utf-8") as f:
        source = f.read()
    on_local, on_soap = both(local, soap, source, sample)
    assert on_soap == on_local
    assert on_local.strip()


def test_welcome_sample_gives_identical_output(tmp_path):
    for name in ("a", "b"):
        shutil.copytree(os.path.join(SAMPLES, "data"), tmp_path / name)
    content = os.path.join(SAMPLES, "content")
    local = LocalBackend(str(tmp_path / "a"), content)
    app = build_app(backend=LocalBackend(str(tmp_path / "b"), content), auth=make_auth())
    with RunningServer(app, "127.0.0.1", 0, threads=2) as server:
        soap = user_backend(server, content_dir=content)
        with open(os.path.join(SAMPLES, "welcome.amp"), encoding="utf-8") as f:
            source = f.read()
        attributes = {"FirstName": "ann", "EmailAddress": "ann@example.com", "MemberID": "1"}
        a = ampy.render(source, backend=local, attributes=attributes)
        b = ampy.render(source, backend=soap, attributes=attributes)
        assert b == a and "Ann" in a
    local.close()
    app.backend.close()


DE_SCRIPT = """%%[
set @rows = LookupRows("Subscribers", "Tier", "GOLD")
output(concat("gold: ", RowCount(@rows), "\\n"))
set @sorted = LookupOrderedRows("Subscribers", 3, "FirstName DESC", "Tier", "gold")
for @i = 1 to RowCount(@sorted) do
  output(concat(Field(Row(@sorted, @i), "FirstName"), "\\n"))
next @i
output(concat("cs: ", RowCount(LookupRowsCS("Subscribers", "Tier", "GOLD")), "\\n"))
output(concat("count: ", DataExtensionRowCount("Subscribers"), "\\n"))
output(concat("update: ", UpdateData("Subscribers", 1, "Tier", "gold", "City", "Paris"), "\\n"))
output(concat("city: ", Lookup("Subscribers", "City", "SubscriberKey", "S004"), "\\n"))
set @n = UpsertData("Subscribers", 1, "SubscriberKey", "S100", "EmailAddress", "n@x.com")
output(concat("upsert: ", @n, "\\n"))
output(concat("upsert: ", UpsertData("Subscribers", 1, "SubscriberKey", "S100", "LastName", "One"), "\\n"))
output(concat("new: ", Lookup("Subscribers", "LastName", "SubscriberKey", "S100"), "\\n"))
set @n = InsertData("Subscribers", "SubscriberKey", "S101", "EmailAddress", "t@x.com")
output(concat("insert: ", @n, "\\n"))
output(concat("delete: ", DeleteData("Subscribers", "Tier", "Silver"), "\\n"))
output(concat("count: ", DataExtensionRowCount("Subscribers"), "\\n"))
]%%"""


def test_data_extension_script_gives_identical_output_and_rows(workspaces):
    local, soap, server = workspaces
    on_local, on_soap = both(local, soap, DE_SCRIPT)
    assert on_soap == on_local
    # AMPscript strings have no escapes: "\\n" stays a backslash and an n.
    assert on_local == ("gold: 2|Edsger|Ada|cs: 0|count: 5|update: 2|city: Paris|upsert: 1|"
                        "upsert: 1|new: One|insert: 1|delete: 1|count: 6|").replace("|", "\\n")
    assert server.app.backend.lookup("Subscribers", []) == local.lookup("Subscribers", [])


API_SCRIPT = """%%[
set @rr = CreateObject("RetrieveRequest")
SetObjectProperty(@rr, "ObjectType", "DataExtension")
AddObjectArrayItem(@rr, "Properties", "CustomerKey")
AddObjectArrayItem(@rr, "Properties", "Name")
set @des = InvokeRetrieve(@rr, @status)
output(concat(@status, " ", RowCount(@des), "\\n"))
for @i = 1 to RowCount(@des) do
  output(concat(Field(Row(@des, @i), "Name"), "\\n"))
next @i
set @bad = CreateObject("RetrieveRequest")
SetObjectProperty(@bad, "ObjectType", "NoSuchType")
AddObjectArrayItem(@bad, "Properties", "Name")
set @none = InvokeRetrieve(@bad, @badStatus)
output(concat("bad: ", @badStatus, "\\n"))
]%%"""


def test_api_script_gives_identical_output(workspaces):
    local, soap, _ = workspaces
    on_local, on_soap = both(local, soap, API_SCRIPT)
    assert on_soap == on_local
    assert on_local.startswith("OK ")


# ------------------------------------------------------------------------- data extensions


def test_lookup_paging_over_5001_rows(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "Big.csv").write_text("Id,Bucket\n" + "".join(f"{i},{i % 3}\n" for i in range(1, 5002)))
    app = build_app(backend=LocalBackend(str(data)), auth=make_auth())
    with RunningServer(app, "127.0.0.1", 0, threads=2) as server:
        soap = user_backend(server)
        assert soap.row_count("Big") == 5001
        rows = soap.lookup("big", [])
        assert len(rows) == 5001
        assert rows[0] == {"Id": "1", "Bucket": "1"} and rows[-1] == {"Id": "5001", "Bucket": "0"}
        assert [r["Id"] for r in soap.lookup("Big", [("Bucket", "0")], limit=3)] == ["3", "6", "9"]
        source = '%%=RowCount(LookupRows("Big", "Bucket", "1"))=%% %%=DataExtensionRowCount("Big")=%%'
        assert ampy.render(source, backend=soap) == "1667 5001"
    app.backend.close()


def test_unknown_data_extension_and_column_are_backend_errors(workspaces):
    local, soap, _ = workspaces
    with pytest.raises(BackendError, match="^Data extension 'Nope' does not exist$"):
        soap.lookup("Nope", [])
    with pytest.raises(BackendError, match="^Data extension 'LoyaltyMembers' has no column 'Shoe'$"):
        soap.lookup("LoyaltyMembers", [("Shoe", "1")])
    with pytest.raises(ampy.AmpscriptRuntimeError) as caught:
        ampy.render('%%=Lookup("Nope", "A", "B", "C")=%%', backend=soap)
    assert "Data extension 'Nope' does not exist" in str(caught.value)


# --------------------------------------------------------------------------------- OAuth


def test_token_is_fetched_once_and_refreshed_before_expiry():
    client_clock = Clock()
    with running_server(FakeCloud(), make_auth(Clock(), lifetime=1080)) as server:
        issued = []
        original = server.app.auth.issue_token
        server.app.auth.issue_token = lambda client_id: issued.append(client_id) or original(client_id)
        soap = oauth_backend(server, client_clock)
        for _ in range(3):
            response = soap.api_retrieve(ApiObject("RetrieveRequest", {"ObjectType": "List"}))
            assert response.overall_status == "OK"
        assert issued == [CLIENT_ID]
        assert soap.client.endpoint == server.url + "/Service.asmx"   # from soap_instance_url
        client_clock.now += 1080 - 270 - 1      # refresh margin: a quarter of the life, at most 5 min
        soap.api_retrieve(ApiObject("RetrieveRequest", {"ObjectType": "List"}))
        assert issued == [CLIENT_ID]
        client_clock.now += 2                   # now within: refreshed before the server says so
        soap.api_retrieve(ApiObject("RetrieveRequest", {"ObjectType": "List"}))
        assert issued == [CLIENT_ID, CLIENT_ID]


def test_token_expired_fault_fetches_a_new_token_and_retries_once():
    server_clock = Clock()
    cloud = FakeCloud()
    with running_server(cloud, make_auth(server_clock, lifetime=1080)) as server:
        soap = oauth_backend(server)     # its clock never moves: it believes the token is fresh
        assert soap.api_retrieve(ApiObject("RetrieveRequest", {"ObjectType": "List"})).overall_status == "OK"
        server_clock.now += 1080
        response = soap.api_perform("start", [ApiObject("Campaign", {"CustomerKey": "3640"})])
        assert response.overall_status == "OK"
        assert response.results[0].task["ID"] == "12052743"
        assert cloud.calls == [("Retrieve", "List"), ("Perform", "start", ["Campaign"])]


def test_refused_client_credentials_are_a_clear_error():
    with running_server(FakeCloud()) as server:
        creds = TenantCredentials(client_id=CLIENT_ID, client_secret="wrong", auth_url=server.url)
        soap = SoapBackend.from_credentials(creds)
        with pytest.raises(CredentialsError, match="^the token endpoint refused the client credentials: "
                                                   "Invalid client ID or secret.$"):
            soap.api_retrieve(ApiObject("RetrieveRequest", {"ObjectType": "List"}))


# ------------------------------------------------------------------------ faults, statuses


def test_faults_become_error_status_for_api_verbs_and_errors_for_logins():
    cloud = FakeCloud()
    with running_server(cloud) as server:
        soap = user_backend(server)
        response = soap.api_create([ApiObject("List", {"Name": "boom"})])
        assert response.overall_status == "Error: the fake cloud exploded"
        response = soap.api_create([ApiObject("List", {"Name": "bad"}), ApiObject("List", {"Name": "ok"})])
        assert response.overall_status == "Error"
        assert [(r.status_code, r.status_message, r.error_code, r.new_id) for r in response.results] == [
            ("Error", "Name is not allowed.", 12, 0), ("OK", "Created Thing", 0, 1)]
        creds = TenantCredentials(username=USER, password="x", soap_url=server.url)
        wrong = SoapBackend.from_credentials(creds)
        with pytest.raises(BackendError, match="^Login failed$"):
            wrong.api_retrieve(ApiObject("RetrieveRequest", {"ObjectType": "List"}))


def test_creates_go_in_batches_of_50():
    cloud = FakeCloud()
    with running_server(cloud) as server:
        soap = user_backend(server)
        response = soap.api_create([ApiObject("List", {"Name": f"l{i}"}) for i in range(120)])
        assert response.overall_status == "OK"
        assert len(response.results) == 120
        assert [len(c[1]) for c in cloud.calls] == [50, 50, 20]


# ---------------------------------------------------------------------------------- retries


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def unavailable():
    """A plain HTTP server answering every POST with 503 and no SOAP body."""
    hits = []

    def app(environ, start_response):
        hits.append(environ.get("HTTP_SOAPACTION"))
        start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
        return [b"down for maintenance"]

    server = make_server("127.0.0.1", 0, app, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", hits
    server.shutdown()
    server.server_close()


def _backend_at(url: str, sleeps: list) -> SoapBackend:
    creds = TenantCredentials(username=USER, password=PASSWORD, soap_url=url)
    return SoapBackend.from_credentials(creds, retries=3, backoff=0.5, sleep=sleeps.append)


def test_retrieve_is_retried_with_backoff_but_create_is_not(unavailable):
    url, hits = unavailable
    sleeps = []
    soap = _backend_at(url, sleeps)
    with pytest.raises(SoapTransportError, match="Retrieve: HTTP 503"):
        soap.api_retrieve(ApiObject("RetrieveRequest", {"ObjectType": "List"}))
    assert hits == ['"Retrieve"'] * 4 and sleeps == [0.5, 1.0, 2.0]
    hits.clear()
    sleeps.clear()
    with pytest.raises(SoapTransportError, match="Create: HTTP 503"):
        soap.api_create([ApiObject("List", {"ListName": "x"})])
    assert hits == ['"Create"'] and sleeps == []


def test_connection_refused_is_retried_for_any_operation():
    import socket

    with socket.socket() as probe:       # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleeps = []
    soap = _backend_at(f"http://127.0.0.1:{port}", sleeps)
    with pytest.raises(SoapTransportError, match="Create call to"):
        soap.api_create([ApiObject("List", {"ListName": "x"})])
    assert sleeps == [0.5, 1.0, 2.0]


def test_zeep_client_is_built_once_with_timeouts():
    client = shared_zeep_client(12.0)
    assert client is shared_zeep_client(12.0)
    assert (client.transport.operation_timeout, client.transport.load_timeout) == (12.0, 10.0)
    assert client.transport.session is shared_zeep_client(12.0).transport.session


# ----------------------------------------------------------------------------- credentials


def test_credentials_from_the_environment():
    env = {"AMPY_CLIENT_ID": "cid", "AMPY_CLIENT_SECRET": "sec", "AMPY_ACCOUNT_ID": "42",
           "AMPY_SUBDOMAIN": "mc123"}
    creds = load_credentials(environ=env)
    assert (creds.client_id, creds.client_secret, creds.account_id) == ("cid", "sec", "42")
    assert creds.token_url == "https://mc123.auth.marketingcloudapis.com/v2/token"
    assert creds.endpoint == "https://mc123.soap.marketingcloudapis.com/Service.asmx"
    legacy = load_credentials(environ={"AMPY_USERNAME": "u", "AMPY_PASSWORD": "p",
                                       "AMPY_SOAP_URL": "http://127.0.0.1:9/"})
    assert (legacy.uses_oauth, legacy.endpoint) == (False, "http://127.0.0.1:9/Service.asmx")
    with pytest.raises(CredentialsError, match="a client id needs a client secret"):
        load_credentials(environ={"AMPY_CLIENT_ID": "cid"})


def test_credentials_file_profiles(tmp_path):
    path = tmp_path / "credentials.toml"
    path.write_text('[profiles.sandbox]\nclient_id = "c"\nclient_secret = "s"\n'
                    'auth_url = "https://a.example/v2/token"\nsoap_url = "https://s.example/"\ntimeout = 5\n'
                    '[default]\nusername = "u"\npassword = "p"\nsubdomain = "x"\n')
    env = {"AMPY_CREDENTIALS": str(path)}
    sandbox = load_credentials("sandbox", environ=env)
    assert (sandbox.token_url, sandbox.endpoint, sandbox.timeout) == (
        "https://a.example/v2/token", "https://s.example/Service.asmx", 5.0)
    assert load_credentials(environ=env).username == "u"
    with pytest.raises(CredentialsError, match="has no profile 'prod'"):
        load_credentials("prod", environ=env)
    with pytest.raises(CredentialsError, match="is inside the workspace"):
        load_credentials("sandbox", workspace=str(tmp_path), environ=env)
    with pytest.raises(CredentialsError, match="^no tenant credentials"):
        load_credentials(environ={"AMPY_CREDENTIALS": str(tmp_path / "missing.toml")})


def test_open_backend_soap_uses_the_profile(tmp_path, monkeypatch):
    path = tmp_path / "credentials.toml"
    path.write_text('[profiles.local]\nusername = "u"\npassword = "p"\nsoap_url = "http://127.0.0.1:9"\n')
    monkeypatch.setenv("AMPY_CREDENTIALS", str(path))
    backend = open_backend("soap", profile="local")
    assert isinstance(backend, SoapBackend)
    assert backend.client.endpoint == "http://127.0.0.1:9/Service.asmx"
