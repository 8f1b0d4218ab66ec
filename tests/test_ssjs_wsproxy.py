"""Script.Util.WSProxy's Python half on a real local workspace and over SOAP to ``ampy serve``:
the result shapes of the spec (Status, RequestID, HasMoreRows, Results), paging, writes, Perform,
Execute, Describe, ClientID and batch size; API faults in Status, never raised."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from cloud_support import open_workspace, retrieve, simple
from perform_support import served

import ampy
from ampy.errors import AmpscriptRuntimeError, FunctionError
from ampy.runtime.context import RenderContext
from ampy.ssjs.bridge import SsjsRender
from ampy.ssjs.wsproxy import WSProxyHost

MEMBERS = "FirstName,Tier\nAda,Gold\nAlan,Silver\nGrace,Gold\n"


def _with_members(root: str) -> None:
    with open(os.path.join(root, "dataextensions", "Members.csv"), "w", encoding="utf-8") as f:
        f.write(MEMBERS)


@pytest.fixture
def proxy(root):
    _with_members(root)
    backend = open_workspace(root)
    yield WSProxyHost(SsjsRender(RenderContext(backend=backend)))
    backend.close()


def _names(result) -> list[str]:
    return [r["Properties"][0]["Value"] for r in result["Results"]]


def test_retrieve_rows_with_a_simple_filter(proxy):
    r = proxy.retrieve("DataExtensionObject[Members]", ["FirstName"],
                       {"Property": "Tier", "SimpleOperator": "equals", "Value": "Gold"})
    assert r["Status"] == "OK" and r["HasMoreRows"] is False
    assert len(r["RequestID"]) == 36
    assert r["Results"] == [{"Properties": [{"Name": "FirstName", "Value": "Ada"}]},
                            {"Properties": [{"Name": "FirstName", "Value": "Grace"}]}]


def test_retrieve_with_a_complex_filter_and_in(proxy):
    flt = {"LeftOperand": {"Property": "Tier", "SimpleOperator": "equals", "Value": "Silver"},
           "LogicalOperator": "OR",
           "RightOperand": {"Property": "FirstName", "SimpleOperator": "IN", "Value": ["Grace", "Nobody"]}}
    assert _names(proxy.retrieve("DataExtensionObject[Members]", ["FirstName"], flt)) == ["Alan", "Grace"]


def test_retrieve_objects_gives_requested_properties(proxy):
    r = proxy.retrieve("DataExtension", ["Name", "CustomerKey"],
                       {"Property": "Name", "SimpleOperator": "equals", "Value": "Members"})
    assert r["Results"] == [{"Name": "Members", "CustomerKey": "Members"}]


def test_nothing_matches_is_an_empty_array(proxy):
    r = proxy.retrieve("DataExtensionObject[Members]", ["FirstName"],
                       {"Property": "Tier", "SimpleOperator": "equals", "Value": "Platinum"})
    assert (r["Status"], r["Results"]) == ("OK", [])


def test_a_rejected_retrieve_has_the_error_in_status_and_null_results(proxy):
    r = proxy.retrieve("NoSuchThing", ["Name"])
    assert r["Status"] == "Error: Unable to retrieve object of unknown type 'NoSuchThing'."
    assert r["Results"] is None and r["HasMoreRows"] is False


def test_paging_with_batch_size_and_get_next_batch(proxy):
    first = proxy.retrieve("DataExtensionObject[Members]", ["FirstName"], None, {"BatchSize": 2})
    assert (first["Status"], first["HasMoreRows"], _names(first)) == ("MoreDataAvailable", True, ["Ada", "Alan"])
    second = proxy.getNextBatch("DataExtensionObject[Members]", first["RequestID"])
    assert (second["Status"], second["HasMoreRows"], _names(second)) == ("OK", False, ["Grace"])
    assert second["RequestID"] == first["RequestID"]


def test_continue_request_as_a_request_property(proxy):
    first = proxy.retrieve("DataExtensionObject[Members]", ["FirstName"], None, {"BatchSize": 1})
    again = proxy.retrieve("DataExtensionObject[Members]", ["FirstName"], None, None,
                           {"ContinueRequest": first["RequestID"], "QueryAllAccounts": True})
    assert (again["Status"], _names(again)) == ("MoreDataAvailable", ["Alan"])


def test_set_batch_size_is_the_default_page_size(proxy):
    assert proxy.setBatchSize(1) is None
    r = proxy.retrieve("DataExtensionObject[Members]", ["FirstName"])
    assert (r["Status"], _names(r)) == ("MoreDataAvailable", ["Ada"])
    r = proxy.retrieve("DataExtensionObject[Members]", ["FirstName"], None, {"BatchSize": 5})
    assert (r["Status"], len(r["Results"])) == ("OK", 3)
    with pytest.raises(FunctionError, match="the batch size must be from 1 to 2500, not 0"):
        proxy.setBatchSize(0)


def _row(first: str, tier: str) -> dict:
    return {"CustomerKey": "Members", "Properties": [{"Name": "FirstName", "Value": first},
                                                     {"Name": "Tier", "Value": tier}]}


def _tiers(proxy) -> dict:
    r = proxy.retrieve("DataExtensionObject[Members]", ["FirstName", "Tier"])
    return {row["Properties"][0]["Value"]: row["Properties"][1]["Value"] for row in r["Results"]}


def test_create_item_shape_and_stored_row(proxy):
    r = proxy.createItem("DataExtensionObject", _row("Lin", "Bronze"))
    assert r["Status"] == "OK" and len(r["RequestID"]) == 36
    assert r["Results"] == [{
        "StatusCode": "OK", "StatusMessage": "Created DataExtensionObject", "OrdinalID": 0, "ErrorCode": 0,
        "NewID": 0, "NewObjectID": None, "Object": _row("Lin", "Bronze"), "RequestID": None}]
    assert _tiers(proxy)["Lin"] == "Bronze"


def test_create_batch_reports_each_object(proxy):
    r = proxy.createBatch("List", [{"ListName": "Newsletter", "CustomerKey": "news"},
                                    {"ListName": "Offers", "CustomerKey": "offers"}])
    assert r["Status"] == "OK"
    assert [(x["StatusCode"], x["OrdinalID"], x["NewID"] > 0, len(x["NewObjectID"])) for x in r["Results"]] == [
        ("OK", 0, True, 36), ("OK", 1, True, 36)]
    found = proxy.retrieve("List", ["ListName"], {"Property": "CustomerKey", "SimpleOperator": "IN",
                                                  "Value": ["news", "offers"]})
    assert [x["ListName"] for x in found["Results"]] == ["Newsletter", "Offers"]


def test_update_item_with_keys_and_update_add_upserts(proxy):
    change = {"CustomerKey": "Members", "Keys": [{"Name": "FirstName", "Value": "Alan"}],
              "Properties": [{"Name": "Tier", "Value": "Gold"}]}
    assert proxy.updateItem("DataExtensionObject", change)["Results"][0]["StatusCode"] == "OK"
    assert _tiers(proxy)["Alan"] == "Gold"
    missing = {"CustomerKey": "Members", "Keys": [{"Name": "FirstName", "Value": "Kay"}],
               "Properties": [{"Name": "Tier", "Value": "Silver"}]}
    r = proxy.updateItem("DataExtensionObject", missing)
    assert (r["Status"], r["Results"][0]["StatusCode"]) == ("Error", "Error")
    assert r["Results"][0]["StatusMessage"] == "No row of data extension 'Members' has those key values."
    upsert = {"SaveOptions": [{"PropertyName": "*", "SaveAction": "UpdateAdd"}]}
    r = proxy.updateBatch("DataExtensionObject", [missing], upsert)
    assert (r["Status"], r["Results"][0]["StatusCode"]) == ("OK", "OK")
    assert _tiers(proxy)["Kay"] == "Silver"


def test_delete_item_and_batch(proxy):
    key = {"CustomerKey": "Members", "Keys": [{"Name": "FirstName", "Value": "Ada"}]}
    r = proxy.deleteItem("DataExtensionObject", key)
    assert (r["Status"], r["Results"][0]["StatusMessage"]) == ("OK", "Deleted DataExtensionObject")
    r = proxy.deleteBatch("DataExtensionObject", [key])
    assert r["Status"] == "Error"
    assert r["Results"][0]["StatusMessage"] == "No row of data extension 'Members' has those key values."
    assert sorted(_tiers(proxy)) == ["Alan", "Grace"]


def test_perform_item_carries_the_task(proxy):
    r = proxy.performItem("Campaign", {"CustomerKey": "3640"}, "Start")
    assert (r["Status"], r["StatusMessage"]) == ("OK", "")
    (result,) = r["Results"]
    assert (result["StatusCode"], result["StatusMessage"], result["OrdinalID"]) == ("OK", "Campaign performed", 0)
    assert result["Task"]["StatusCode"] == "OK" and result["Task"]["ID"] == "1"
    assert result["Task"]["InteractionObjectID"] == result["Object"]["InteractionObjectID"]
    proxy.render.backend.wait_for_tasks()


def test_perform_batch_of_an_unknown_key_is_an_error_result(proxy):
    r = proxy.performBatch("Campaign", [{"CustomerKey": "nope"}], "start")
    assert r["Status"] == "Error" and r["Results"][0]["StatusCode"] == "Error"


def test_execute_log_unsub_event(proxy):
    backend = proxy.render.backend
    created = proxy.createItem("Subscriber", {"SubscriberKey": "S9", "EmailAddress": "s9@example.com"})
    assert created["Status"] == "OK"
    r = proxy.execute([{"Name": "SubscriberKey", "Value": "S9"}], "LogUnsubEvent")
    assert (r["Status"], r["Results"][0]["StatusCode"]) == ("OK", "OK")
    status = retrieve(backend, "Subscriber", ["Status"], simple("SubscriberKey", "equals", "S9"))
    assert status.results[0].get("Status") == "Unsubscribed"
    bad = proxy.execute([], "NoSuchRequest")
    assert bad["Results"][0]["StatusMessage"] == "'NoSuchRequest' is not a valid Execute request name."


def test_describe(proxy):
    r = proxy.describe(["Email"])
    assert set(r) == {"RequestID", "Results"}
    (definition,) = r["Results"]
    assert definition["ObjectType"] == "Email"
    assert {"Name": "Subject", "DataType": "string"}.items() <= next(
        p for p in definition["Properties"] if p["Name"] == "Subject").items()
    assert proxy.describe("Nope")["Status"] == "Error: Unknown object type 'Nope'."


def test_client_ids_travel_with_calls(proxy):
    seen = []
    backend = proxy.render.backend
    real = backend.api_retrieve

    def spy(request):
        seen.append(request.get("ClientIDs"))
        return real(request)

    backend.api_retrieve = spy
    assert proxy.setClientId({"ID": 7281698}) is None
    assert proxy.retrieve("DataExtensionObject[Members]", ["FirstName"])["Status"] == "OK"
    assert proxy.resetClientIds() is None
    proxy.retrieve("DataExtensionObject[Members]", ["FirstName"])
    assert [[c.properties for c in ids] if ids else ids for ids in seen] == [[{"ID": "7281698"}], None]
    with pytest.raises(FunctionError, match="setClientId needs"):
        proxy.setClientId({"UserID": 1})


def test_bad_arguments_raise_script_errors(proxy):
    with pytest.raises(FunctionError, match="the object type is empty"):
        proxy.retrieve("", ["Name"])
    with pytest.raises(FunctionError, match="columns must be an array"):
        proxy.retrieve("List", "Name")
    with pytest.raises(FunctionError, match="a List must be an object, not a string"):
        proxy.createItem("List", "x")


def test_over_soap_to_ampy_serve(root):
    _with_members(root)
    with served(root) as (soap, _account):
        proxy = WSProxyHost(SsjsRender(RenderContext(backend=soap)))
        r = proxy.retrieve("DataExtensionObject[Members]", ["FirstName"],
                           {"Property": "Tier", "SimpleOperator": "equals", "Value": "Gold"})
        assert (r["Status"], _names(r)) == ("OK", ["Ada", "Grace"])
        first = proxy.retrieve("DataExtensionObject[Members]", ["FirstName"], None, {"BatchSize": 2})
        assert (first["Status"], first["HasMoreRows"], _names(first)) == ("MoreDataAvailable", True, ["Ada", "Alan"])
        rest = proxy.getNextBatch("DataExtensionObject[Members]", first["RequestID"])
        assert (rest["Status"], _names(rest)) == ("OK", ["Grace"])
        created = proxy.createItem("DataExtensionObject", _row("Lin", "Bronze"))
        assert (created["Status"], created["Results"][0]["StatusCode"]) == ("OK", "OK")
        assert _tiers(proxy)["Lin"] == "Bronze"
        performed = proxy.performItem("Campaign", {"CustomerKey": "3640"}, "start")
        assert performed["Status"] == "OK"
        assert performed["Results"][0]["Task"]["StatusCode"] == "OK"
        assert proxy.retrieve("Nope", ["X"])["Status"] == "Error: Unable to retrieve object of unknown type 'Nope'."
        proxy.setClientId({"ID": 100, "UserID": 1})
        again = proxy.retrieve("DataExtensionObject[Members]", ["FirstName"], None, None, {"QueryAllAccounts": True})
        assert (again["Status"], len(again["Results"])) == ("OK", 4)
        upsert = {"SaveOptions": [{"PropertyName": "*", "SaveAction": "UpdateAdd"}]}
        row = {"CustomerKey": "Members", "Keys": [{"Name": "FirstName", "Value": "Kay"}],
               "Properties": [{"Name": "Tier", "Value": "Silver"}]}
        assert proxy.updateItem("DataExtensionObject", row, upsert)["Status"] == "OK"
        assert _tiers(proxy)["Kay"] == "Silver"


# ---- from SSJS templates -------------------------------------------------------------------------

def _render(source: str, backend) -> str:
    return ampy.render(source, backend=backend)


def test_spec_example(root):
    _with_members(root)
    backend = open_workspace(root)
    try:
        out = _render('<script runat="server">var p=new Script.Util.WSProxy();var r=p.retrieve('
                      '"DataExtensionObject[Members]",["FirstName"],{Property:"Tier",SimpleOperator:"equals",'
                      'Value:"Gold"});Platform.Response.Write(r.Status+" "+r.Results.length+" "+'
                      'r.Results[0].Properties[0].Value);</script>', backend)
        assert out == "OK 2 Ada"
    finally:
        backend.close()


PAGING = """<script runat="server">
var p = new Script.Util.WSProxy(), names = [], pages = 0;
p.setBatchSize(2);
var r = p.retrieve("DataExtensionObject[Members]", ["FirstName"]);
while (true) {
    pages++;
    for (var i = 0; i < r.Results.length; i++) names.push(r.Results[i].Properties[0].Value);
    if (!r.HasMoreRows) break;
    r = p.getNextBatch("DataExtensionObject[Members]", r.RequestID);
}
Platform.Load("core", "1.1.5");
Write(pages + " " + names.join(",") + " " + r.Status);
var bad = p.retrieve("Nope", ["X"]);
Write(" | " + bad.Status + " " + (bad.Results === null));
try { p.retrieve("", []); } catch (e) { Write(" | " + e.message); }
</script>"""


def test_paging_and_faults_from_a_script(root):
    _with_members(root)
    backend = open_workspace(root)
    try:
        assert _render(PAGING, backend) == (
            "2 Ada,Alan,Grace OK | Error: Unable to retrieve object of unknown type 'Nope'. true"
            " | the object type is empty")
    finally:
        backend.close()


def test_a_wrong_argument_count_is_a_positioned_script_error(backend):
    with pytest.raises(AmpscriptRuntimeError) as caught:
        _render('<script runat="server">\nvar p = new Script.Util.WSProxy();\np.resetClientIds(1);\n</script>',
                backend)
    assert caught.value.line == 3
    assert "resetClientIds takes exactly 1 argument, not 2" not in str(caught.value)
    assert "takes" in str(caught.value)


SAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "samples")


def _sample(name: str) -> str:
    with open(os.path.join(SAMPLES, name), encoding="utf-8") as f:
        return f.read()


def _run_sample(name: str, root: str) -> str:
    done = subprocess.run([sys.executable, "-m", "ampy", "run", os.path.join(SAMPLES, name), "--workspace", root],
                          capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stderr) == (0, "")
    return done.stdout


def test_sample_perform_campaign(root):
    assert _run_sample("perform_campaign_ssjs.amp", root) == (
        "Overall Perform Status: OK\nStatus Message: Campaign performed\nCompleted: True\nStatus: OK\n")
    assert len(os.listdir(os.path.join(root, "outbox"))) == 3


def test_sample_start_email_send_definition(root):
    assert _run_sample("start_email_send_definition_ssjs.amp", root) == (
        "Create Send Definition: OK Created EmailSendDefinition\n"
        "Perform Send Definition Overall result: OK EmailSendDefinition performed\n"
        "Task status: Complete\nTaskID: 1\n"
        'JobID: 1 from "Dynamic from Name", 3 sent\n')


def _invoke_perform_query_output(out: str) -> str:
    assert out.startswith("rrStatus: OK<br>rrRequestID: ")
    request_id = out.split("rrRequestID: ")[1].split("\n")[0]
    assert len(request_id) == 36 and request_id.count("-") == 4
    return out.split(request_id)[1]


def test_sample_invoke_perform_query(root):
    out = _run_sample("invoke_perform_query_ssjs.amp", root)
    assert _invoke_perform_query_output(out) == (
        "\n<br>queryDefinitions: 1\n<br>performStatusCode: OK\n"
        "<br>performStatusMessage: QueryDefinition perform called successfully\n")
    backend = open_workspace(root)
    try:
        backend.wait_for_tasks()
        r = retrieve(backend, "AsyncActivityStatus", ["Status"], simple("ObjectType", "equals", "QueryDefinition"))
        assert [o.get("Properties")[0].get("Value") for o in r.results] == ["Complete"]
    finally:
        backend.close()


def test_samples_against_ampy_serve_over_soap(root):
    with served(root) as (soap, account):
        assert _render(_sample("start_email_send_definition_ssjs.amp"), soap) == (
            "Create Send Definition: OK Created EmailSendDefinition\n"
            "Perform Send Definition Overall result: OK EmailSendDefinition performed\n"
            "Task status: Complete\nTaskID: 1\n"
            'JobID: 1 from "Dynamic from Name", 3 sent\n')
        assert _render(_sample("perform_campaign_ssjs.amp"), soap) == (
            "Overall Perform Status: OK\nStatus Message: Campaign performed\nCompleted: True\nStatus: OK\n")
        out = _render(_sample("invoke_perform_query_ssjs.amp"), soap)
        assert _invoke_perform_query_output(out) == (
            "\n<br>queryDefinitions: 1\n<br>performStatusCode: OK\n"
            "<br>performStatusMessage: QueryDefinition perform called successfully\n")
        account.wait_for_tasks()
