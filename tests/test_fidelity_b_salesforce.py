"""Salesforce functions against an org speaking the REST API (a server on 127.0.0.1), configured by
``[salesforce]`` in ampy.toml; the CSV stand-in stays the default and the soap backend never
falls back to it."""

from __future__ import annotations

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

import ampy
from ampy.backends.local import LocalBackend

V = "/services/data/v58.0"
CONTACT_FIELDS = [{"name": "Id", "type": "id"}, {"name": "FirstName", "type": "string"},
                  {"name": "LastName", "type": "string"}, {"name": "Email", "type": "email"},
                  {"name": "NumberOfKids__c", "type": "double"}, {"name": "HasOptedOutOfEmail", "type": "boolean"}]


class Org:
    """What the fake org was asked, and the records it holds."""

    def __init__(self):
        self.requests: list[tuple] = []
        self.tokens = 0
        self.token = ""
        self.records = {"003000000000001AAA": {"Id": "003000000000001AAA", "FirstName": "Ada", "LastName": "Lovelace",
                                               "Email": "ada@example.com", "NumberOfKids__c": 2.0,
                                               "HasOptedOutOfEmail": False}}


def _handler(org: Org):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _reply(self, status, body=None):
            data = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self):
            return self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()

        def _handle(self, method):
            body = self._body()
            url = urlsplit(self.path)
            org.requests.append((method, url.path, parse_qs(url.query), body, self.headers.get("Authorization")))
            if url.path == "/services/oauth2/token":
                form = parse_qs(body)
                if form.get("client_secret") != ["shh"]:
                    return self._reply(400, {"error": "invalid_client",
                                             "error_description": "invalid client credentials"})
                org.tokens += 1
                org.token = f"tok{org.tokens}"
                instance = f"http://127.0.0.1:{self.server.server_port}"
                return self._reply(200, {"access_token": org.token, "instance_url": instance, "token_type": "Bearer"})
            if self.headers.get("Authorization") != f"Bearer {org.token}":
                return self._reply(401, [{"errorCode": "INVALID_SESSION_ID", "message": "Session expired or invalid"}])
            if url.path == f"{V}/sobjects/Contact/describe":
                return self._reply(200, {"name": "Contact", "fields": CONTACT_FIELDS})
            if url.path.endswith("/describe"):
                return self._reply(404, [{"errorCode": "NOT_FOUND",
                                          "message": "The requested resource does not exist"}])
            if method == "POST" and url.path == f"{V}/sobjects/Contact":
                new_id = f"003000000000{len(org.records) + 1:03d}AAA"
                org.records[new_id] = {"Id": new_id, **json.loads(body)}
                return self._reply(201, {"id": new_id, "success": True, "errors": []})
            if method == "PATCH" and url.path.startswith(f"{V}/sobjects/Contact/"):
                rid = url.path.rsplit("/", 1)[1]
                if rid not in org.records:
                    return self._reply(404, [{"errorCode": "NOT_FOUND", "message": "Provided external ID field does "
                                              "not exist or is not accessible: " + rid}])
                org.records[rid].update(json.loads(body))
                return self._reply(204)
            if url.path == f"{V}/query":
                # two pages: the first record, then the rest through nextRecordsUrl
                records = [{"attributes": {"type": "Contact"}, **r} for r in org.records.values()]
                return self._reply(200, {"totalSize": len(records), "done": len(records) < 2, "records": records[:1],
                                         **({"nextRecordsUrl": f"{V}/query/01g-2000"} if len(records) > 1 else {})})
            if url.path == f"{V}/query/01g-2000":
                records = [{"attributes": {"type": "Contact"}, **r} for r in org.records.values()]
                return self._reply(200, {"totalSize": len(records), "done": True, "records": records[1:]})
            return self._reply(404, [{"errorCode": "NOT_FOUND", "message": "no route"}])

        def do_GET(self):
            self._handle("GET")

        def do_POST(self):
            self._handle("POST")

        def do_PATCH(self):
            self._handle("PATCH")

    return Handler


@pytest.fixture
def org():
    state = Org()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}"
    yield state
    server.shutdown()
    server.server_close()


def _workspace(tmp_path, org_url, secret="shh", flow="client_credentials"):
    root = tmp_path / "ws"
    (root / "salesforce").mkdir(parents=True)
    (root / "salesforce" / "Contact.csv").write_text("Id,FirstName\n003000000000009AAA,Local\n", encoding="utf-8")
    extra = 'username = "api@example.com"\npassword = "pw"\n' if flow == "password" else ""
    (root / "ampy.toml").write_text(
        f'[salesforce]\nlogin_url = "{org_url}"\nflow = "{flow}"\nclient_id = "cid"\n'
        f'client_secret = "{secret}"\napi_version = "58.0"\n{extra}', encoding="utf-8")
    return str(root)


def test_create_retrieve_update_reach_the_org(tmp_path, org):
    root = _workspace(tmp_path, org.url)
    backend = LocalBackend.for_workspace(root)
    try:
        new_id = ampy.render("%%=CreateSalesforceObject('Contact', 3, 'firstname', 'Grace', 'LastName', \"O'Hara\", "
                             "'NumberOfKids__c', '3')=%%", backend=backend)
        assert new_id == "003000000000002AAA"
        out = ampy.render("%%[ SET @rows = RetrieveSalesforceObjects('Contact', 'Id,FirstName,NumberOfKids__c,"
                          "HasOptedOutOfEmail', 'LastName', '!=', \"O'Neil\", 'NumberOfKids__c', '>=', '2') "
                          "FOR @i = 1 TO RowCount(@rows) DO SET @r = Row(@rows, @i) ]%%"
                          "%%=Field(@r, 'FirstName')=%%:%%=Field(@r, 'NumberOfKids__c')=%%:"
                          "%%=Field(@r, 'HasOptedOutOfEmail')=%%:%%=IsNull(Field(@r, 'HasOptedOutOfEmail'))=%%;"
                          "%%[ NEXT @i ]%%", backend=backend)
        assert out == "Ada:2:false:False;Grace:3::True;"
        assert ampy.render("%%=UpdateSingleSalesforceObject('Contact', '003000000000001AAA', 'Email', "
                           "'ada@new.example.com', 'HasOptedOutOfEmail', 'true')=%%", backend=backend) == "1"
    finally:
        backend.close()
    token_form = parse_qs(org.requests[0][3])
    assert (org.requests[0][:2], token_form) == (
        ("POST", "/services/oauth2/token"),
        {"grant_type": ["client_credentials"], "client_id": ["cid"], "client_secret": ["shh"]})
    calls = [(m, p, q, b) for m, p, q, b, _ in org.requests[1:]]
    assert calls == [
        ("GET", f"{V}/sobjects/Contact/describe", {}, ""),
        ("POST", f"{V}/sobjects/Contact", {}, json.dumps({"FirstName": "Grace", "LastName": "O'Hara",
                                                            "NumberOfKids__c": 3.0})),
        ("GET", f"{V}/query", {"q": ["SELECT Id, FirstName, NumberOfKids__c, HasOptedOutOfEmail FROM Contact "
                                     "WHERE LastName != 'O\\'Neil' AND NumberOfKids__c >= 2"]}, ""),
        ("GET", f"{V}/query/01g-2000", {}, ""),
        ("PATCH", f"{V}/sobjects/Contact/003000000000001AAA", {},
         json.dumps({"Email": "ada@new.example.com", "HasOptedOutOfEmail": True})),
    ]
    assert {a for *_, a in org.requests[1:]} == {"Bearer tok1"}
    assert org.records["003000000000001AAA"]["Email"] == "ada@new.example.com"
    # the CSV stand-in was not touched
    with open(os.path.join(root, "salesforce", "Contact.csv"), encoding="utf-8") as f:
        assert f.read() == "Id,FirstName\n003000000000009AAA,Local\n"


def test_an_expired_token_is_renewed_once(tmp_path, org):
    root = _workspace(tmp_path, org.url, flow="password")
    backend = LocalBackend.for_workspace(root)
    try:
        script = "%%=RowCount(RetrieveSalesforceObjects('Contact', 'Id', 'FirstName', '=', 'Ada'))=%%"
        assert ampy.render(script, backend=backend) == "1"
        org.token = "revoked"
        assert ampy.render(script, backend=backend) == "1"
    finally:
        backend.close()
    assert org.tokens == 2
    assert parse_qs(org.requests[0][3]) == {"grant_type": ["password"], "client_id": ["cid"], "client_secret": ["shh"],
                                            "username": ["api@example.com"], "password": ["pw"]}


@pytest.mark.parametrize("script, message", [
    ("%%=UpdateSingleSalesforceObject('Contact', '003000000000777AAA', 'Email', 'x@y.z')=%%",
     "UpdateSingleSalesforceObject: Salesforce: NOT_FOUND: Provided external ID field does not exist or is not "
     "accessible: 003000000000777AAA"),
    ("%%=CreateSalesforceObject('Contact', 1, 'Nope', 'x')=%%", "CreateSalesforceObject: Contact has no field 'Nope'"),
    ("%%=CreateSalesforceObject('Widget', 1, 'Name', 'x')=%%",
     "CreateSalesforceObject: Salesforce: NOT_FOUND: The requested resource does not exist"),
    ("%%=RowCount(RetrieveSalesforceObjects('Contact', 'Id', 'NumberOfKids__c', '=', '1 OR Id != null'))=%%",
     "RetrieveSalesforceObjects: Contact.NumberOfKids__c: '1 OR Id != null' is not a double value"),
])
def test_org_errors_are_script_errors(tmp_path, org, script, message):
    backend = LocalBackend.for_workspace(_workspace(tmp_path, org.url))
    try:
        with pytest.raises(ampy.AmpscriptError) as e:
            ampy.render(script, backend=backend)
        assert e.value.message == message
    finally:
        backend.close()


def test_a_failed_login_is_a_script_error(tmp_path, org):
    backend = LocalBackend.for_workspace(_workspace(tmp_path, org.url, secret="wrong"))
    try:
        with pytest.raises(ampy.AmpscriptError) as e:
            ampy.render("%%=CreateSalesforceObject('Contact', 1, 'FirstName', 'x')=%%", backend=backend)
        assert e.value.message == ("CreateSalesforceObject: Salesforce: Salesforce login failed (400): "
                                   "invalid client credentials")
    finally:
        backend.close()


def test_without_the_table_the_csv_stand_in_answers(tmp_path):
    root = tmp_path / "ws"
    (root / "salesforce").mkdir(parents=True)
    (root / "salesforce" / "Contact.csv").write_text("Id,FirstName\n003000000000009AAA,Local\n", encoding="utf-8")
    backend = LocalBackend.for_workspace(str(root))
    try:
        assert ampy.render("%%=Field(Row(RetrieveSalesforceObjects('Contact', 'FirstName', 'Id', '=', "
                           "'003000000000009AAA'), 1), 'FirstName')=%%", backend=backend) == "Local"
    finally:
        backend.close()


def test_the_soap_backend_never_writes_the_csv_stand_in(tmp_path):
    from ampy.backends.soap import SoapBackend
    from ampy.soap.auth import TenantCredentials

    root = tmp_path / "ws"
    (root / "salesforce").mkdir(parents=True)
    csv_path = root / "salesforce" / "Contact.csv"
    csv_path.write_text("Id,FirstName\n", encoding="utf-8")
    soap = SoapBackend.from_credentials(TenantCredentials(username="u", password="p", soap_url="http://127.0.0.1:9"),
                                        workspace=str(root))
    with pytest.raises(ampy.AmpscriptError) as e:
        ampy.render("%%=CreateSalesforceObject('Contact', 1, 'FirstName', 'x')=%%", backend=soap)
    assert e.value.message == ("CreateSalesforceObject: no Salesforce org is connected: with the soap backend, "
                               "configure [salesforce] in ampy.toml (the CSV stand-in serves the local backend only)")
    assert csv_path.read_text(encoding="utf-8") == "Id,FirstName\n"
