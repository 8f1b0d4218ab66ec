"""The soap backend's ClaimRow, ExecuteFilter and ContentImage against ``ampy serve``, compared with
the local cloud; plus a plain zeep client asking the served API what the backend asks."""

from __future__ import annotations

import os
import shutil

import pytest
import zeep
from server_support import PASSWORD, USER, make_auth
from zeep.wsse.username import UsernameToken

import ampy
from ampy.api.model import ApiObject
from ampy.backends import open_backend
from ampy.backends.soap import SoapBackend
from ampy.server.app import RunningServer, build_app
from ampy.soap.auth import TenantCredentials

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLES = os.path.join(ROOT, "samples")

COUPONS_SCHEMA = """{
  "customerKey": "Coupons",
  "fields": [
    {"name": "Code", "type": "Text", "maxLength": 20, "primaryKey": true},
    {"name": "IsClaimed", "type": "Boolean"},
    {"name": "SubscriberKey", "type": "Text", "maxLength": 50},
    {"name": "JobID", "type": "Text", "maxLength": 20}
  ]
}
"""
COUPONS = "Code,IsClaimed,SubscriberKey,JobID\r\nA1,true,S009,1\r\nB2,,,\r\nC3,false,,\r\n"

FILTER = ApiObject("FilterDefinition", {
    "Name": "Gold or Platinum", "CustomerKey": "GoldPlus",
    "DataSource": ApiObject("DataExtension", {"CustomerKey": "Subscribers"}),
    "DataFilter": ApiObject("ComplexFilterPart", {
        "LeftOperand": ApiObject("SimpleFilterPart", {"Property": "Tier", "SimpleOperator": "equals",
                                                      "Value": ["Gold"]}),
        "LogicalOperator": "OR",
        "RightOperand": ApiObject("SimpleFilterPart", {"Property": "Tier", "SimpleOperator": "equals",
                                                       "Value": ["Platinum"]})})})


def _workspace(path) -> str:
    shutil.copytree(os.path.join(SAMPLES, "workspace"), path)
    with open(os.path.join(path, "dataextensions", "Coupons.schema.json"), "w", encoding="utf-8") as f:
        f.write(COUPONS_SCHEMA)
    with open(os.path.join(path, "dataextensions", "Coupons.csv"), "w", encoding="utf-8", newline="") as f:
        f.write(COUPONS)
    return str(path)


@pytest.fixture
def pair(tmp_path):
    local = open_backend("local", workspace=_workspace(tmp_path / "local"))
    served_dir = _workspace(tmp_path / "served")
    app = build_app(served_dir, auth=make_auth())
    with RunningServer(app, "127.0.0.1", 0, threads=4) as server:
        creds = TenantCredentials(username=USER, password=PASSWORD, soap_url=server.url)
        soap = SoapBackend.from_credentials(creds, workspace=served_dir)
        for backend in (local, soap):
            assert backend.api_create([FILTER]).overall_status == "OK"
        yield local, soap, server, app.backend
    local.close()
    app.backend.close()


def _both(local, soap, source, **options):
    return ampy.render(source, backend=local, **options), ampy.render(source, backend=soap, **options)


CLAIM = """%%[
SET @row = ClaimRow("Coupons", "IsClaimed", "SubscriberKey", @key, "JobID", "7")
IF Empty(@row) THEN ]%%none%%[ ELSE ]%%%%=Field(@row, "Code")=%%/%%=Field(@row, "JobID")=%%%%[ ENDIF ]%%
|%%=ClaimRowValue("Coupons", "Code", "IsClaimed", "none", "SubscriberKey", @key)=%%"""


def test_claim_row_matches_the_local_cloud(pair):
    local, soap, _, served = pair
    outputs = []
    for key in ("S001", "S001", "S002", "S003", "S009"):
        script = f'%%[ SET @key = "{key}" ]%%' + CLAIM
        outputs.append(_both(local, soap, script))
    assert outputs == [("B2/7\n|B2",) * 2, ("B2/7\n|B2",) * 2, ("C3/7\n|C3",) * 2, ("none\n|none",) * 2,
                       ("none\n|A1",) * 2]
    rows = served.lookup("Coupons", ())
    assert rows == local.lookup("Coupons", ())
    assert [(r["Code"], r["IsClaimed"], r["SubscriberKey"], r["JobID"]) for r in rows] == [
        ("A1", "True", "S009", "1"), ("B2", "True", "S001", "7"), ("C3", "True", "S002", "7")]


EXECUTE = """%%[
SET @rows = ExecuteFilter("GoldPlus")
FOR @i = 1 TO RowCount(@rows) DO ]%%%%=Field(Row(@rows, @i), "SubscriberKey")=%%,%%[ NEXT @i ]%%
|%%[ SET @rows = ExecuteFilterOrderedRows("Gold or Platinum", 2, "FirstName DESC")
FOR @i = 1 TO RowCount(@rows) DO ]%%%%=Field(Row(@rows, @i), "FirstName")=%%,%%[ NEXT @i ]%%"""


def test_execute_filter_matches_the_local_cloud(pair):
    local, soap, _, _ = pair
    on_local, on_soap = _both(local, soap, EXECUTE)
    assert on_soap == on_local == "S001,S002,S004,\n|Grace,Edsger,"
    with pytest.raises(ampy.AmpscriptError) as e:
        ampy.render('%%=RowCount(ExecuteFilter("Nope"))=%%', backend=soap)
    assert e.value.message == "ExecuteFilter: Data filter 'Nope' does not exist"


def test_content_images_match_the_local_cloud(pair):
    local, soap, _, _ = pair
    script = ("%%=ContentImageByKey('ampy-logo')=%%|%%=ContentImageByID(1001)=%%|"
              "%%=ContentImageByKey('nope', 'ampy-logo')=%%")
    on_local, on_soap = _both(local, soap, script)
    assert on_soap == on_local
    assert on_local.count('alt="The ampy logo: a blue square"') == 3
    errors = []
    for backend in (local, soap):
        with pytest.raises(ampy.AmpscriptError) as e:
            ampy.render("%%=ContentImageByID(9)=%%", backend=backend)
        errors.append(e.value.message)
    assert errors[0] == errors[1]


def test_a_zeep_client_reads_the_filter_definition_the_backend_uses(pair):
    _, _, server, _ = pair
    client = zeep.Client(server.url + "/etframework.wsdl", wsse=UsernameToken(USER, PASSWORD))
    part = client.get_type("{http://exacttarget.com/wsdl/partnerAPI}SimpleFilterPart")
    reply = client.service.Retrieve(RetrieveRequest={
        "ObjectType": "FilterDefinition", "Properties": ["CustomerKey", "Name", "DataSource", "DataFilter"],
        "Filter": part(Property="CustomerKey", SimpleOperator="equals", Value=["GoldPlus"])})
    assert reply.OverallStatus == "OK"
    (definition,) = reply.Results
    assert (definition.Name, definition.DataSource.CustomerKey, definition.DataFilter.LogicalOperator) == (
        "Gold or Platinum", "Subscribers", "OR")
