"""GTL sections over related data extension rows (spec §4, lookup step 4) over the soap backend
against ``ampy serve``, compared with the local cloud: the Partner API carries no data
relationships, so the client workspace declares them in ampy.toml's ``[[relationships]]``."""

from __future__ import annotations

import json

import pytest
from server_support import CLIENT_ID, CLIENT_SECRET, make_auth, served_workspace

from ampy.backends import open_backend
from ampy.backends.soap import SoapBackend
from ampy.cloud.workspace import create_workspace
from ampy.errors import AmpscriptRuntimeError
from ampy.soap.auth import TenantCredentials
from ampy.template import Template

ORDERS_CSV = ("OrderID,SubscriberKey,Amount,OrderDate\n1,S001,10.50,2024-01-02\n2,S002,7.00,2024-01-03\n"
              "3,S001,3.25,2024-02-01\n")
RELATIONSHIPS_TOML = """
[[relationships]]
name = "Orders"
from = "Subscribers"
dataExtension = "Orders"
on = { SubscriberKey = "SubscriberKey" }
"""
TEMPLATES = [
    ("{{FirstName}}:{{#Orders}} #{{OrderID}}={{Amount}}{{/Orders}}|{{^Orders}}none{{/Orders}}",
     {"SubscriberKey": "S001", "FirstName": "Ada"}, "Ada: #1=10.50 #3=3.25|"),
    ("[{{#orders}}{{OrderID}}{{/orders}}]{{^Orders}}none{{/Orders}}", {"SubscriberKey": "S003"}, "[]none"),
    ('{{.datasource S type=list}}{{.data}}{"key":"Subscribers","order":"SubscriberKey"}{{/data}}'
     "{{FirstName}}({{#Orders}}{{OrderID}};{{/Orders}}) {{/datasource}}", {},
     "Ada(1;3;) Grace(2;) Alan() Edsger() Barbara() "),
    ('%%[ SET @gold = LookupRows("Subscribers", "Tier", "Gold") ]%%'
     "{{#each @gold}}{{FirstName}}:{{#Orders}}{{Amount}} {{/Orders}};{{/each}}", {}, "Ada:10.50 3.25 ;Edsger:;"),
]


def _add_orders(root, in_schema: bool) -> None:
    """Orders rows; with ``in_schema`` the relationship is declared in Subscribers.schema.json."""
    (root / "dataextensions" / "Orders.csv").write_text(ORDERS_CSV)
    if in_schema:
        path = root / "dataextensions" / "Subscribers.schema.json"
        schema = json.loads(path.read_text())
        schema["relationships"] = [
            {"name": "Orders", "dataExtension": "Orders", "on": {"SubscriberKey": "SubscriberKey"}}]
        path.write_text(json.dumps(schema))


@pytest.fixture
def served(tmp_path):
    """(local backend with the relationship in schema.json, running ``ampy serve``, client folder)."""
    local_dir, served_dir, client = tmp_path / "local", tmp_path / "served", tmp_path / "client"
    for root in (local_dir, served_dir):
        create_workspace(str(root))
        _add_orders(root, in_schema=True)
    client.mkdir()
    (client / "ampy.toml").write_text(RELATIONSHIPS_TOML)
    local = open_backend("local", workspace=str(local_dir))
    try:
        with served_workspace(served_dir, auth=make_auth()) as server:
            yield local, server, client
    finally:
        local.close()


def soap_backend(server, workspace) -> SoapBackend:
    creds = TenantCredentials(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, account_id="100",
                              auth_url=server.url)
    return SoapBackend.from_credentials(creds, workspace=str(workspace) if workspace else None)


def test_sections_over_related_rows_render_the_same_over_soap(served):
    local, server, client = served
    soap = soap_backend(server, client)
    for source, attributes, expected in TEMPLATES:
        on_local = Template(source).render(attributes=attributes, backend=local)
        on_soap = Template(source).render(attributes=attributes, backend=soap)
        assert on_local == expected
        assert on_soap == expected, source


def test_without_a_declaration_soap_knows_no_relationship(served):
    _, server, _ = served
    soap = soap_backend(server, None)
    assert soap.relationships() == []
    out = Template("[{{#Orders}}{{OrderID}}{{/Orders}}]{{^Orders}}none{{/Orders}}").render(
        attributes={"SubscriberKey": "S001"}, backend=soap)
    assert out == "[]none"


def test_the_local_cloud_reads_ampy_toml_relationships_too(tmp_path):
    root = tmp_path / "ws"
    create_workspace(str(root))
    _add_orders(root, in_schema=False)
    with open(root / "ampy.toml", "a", encoding="utf-8") as f:
        f.write(RELATIONSHIPS_TOML)
    backend = open_backend("local", workspace=str(root))
    try:
        assert [r["name"] for r in backend.relationships()] == ["Orders"]
        source, attributes, expected = TEMPLATES[0]
        assert Template(source).render(attributes=attributes, backend=backend) == expected
    finally:
        backend.close()


@pytest.mark.parametrize("toml, message", [
    ("relationships = 3\n", "ampy.toml: relationships must be an array of tables ([[relationships]])"),
    ('[[relationships]]\nname = "Orders"\ndataExtension = "Orders"\n',
     "ampy.toml: [[relationships]] entry 1 needs name, dataExtension and on, like name = \"Orders\", "
     'dataExtension = "Orders", on = { SubscriberKey = "SubscriberKey" }'),
])
def test_a_malformed_declaration_is_a_render_error_at_the_section(served, tmp_path, toml, message):
    _, server, _ = served
    client = tmp_path / "bad"
    client.mkdir()
    (client / "ampy.toml").write_text(toml)
    soap = soap_backend(server, client)
    with pytest.raises(AmpscriptRuntimeError) as e:
        Template("x\n {{#Orders}}{{/Orders}}", "t.html").render(backend=soap)
    assert e.value.message == message
    assert (e.value.line, e.value.column) == (2, 2)


def test_ampy_run_over_soap_prints_what_the_local_cloud_prints(served, tmp_path, monkeypatch, capsys):
    from ampy.cli import main

    local, server, client = served
    source, attributes, expected = TEMPLATES[2]
    page = tmp_path / "page.html"
    page.write_text(source, encoding="utf-8")
    for name in ("AMPY_USERNAME", "AMPY_PASSWORD", "AMPY_SOAP_URL", "AMPY_SUBDOMAIN", "AMPY_SCOPE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AMPY_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("AMPY_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("AMPY_ACCOUNT_ID", "100")
    monkeypatch.setenv("AMPY_AUTH_URL", server.url)
    assert main(["run", str(page), "--backend", "soap", "--workspace", str(client)]) == 0
    assert capsys.readouterr().out.rstrip("\n") == expected
    assert main(["run", str(page), "--workspace", str(local.workspace)]) == 0
    assert capsys.readouterr().out.rstrip("\n") == expected
