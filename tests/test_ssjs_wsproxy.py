"""Script.Util.WSProxy's Python half on a real local workspace and over SOAP to ``ampy serve``:
the result shapes of the spec (Status, RequestID, HasMoreRows, Results), paging, writes, Perform,
Execute, Describe, ClientID and batch size; API faults in Status, never raised."""

from __future__ import annotations

import os

import pytest
from cloud_support import open_workspace, retrieve, simple
from perform_support import served

from ampy.errors import FunctionError
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
    second = proxy.get_next_batch("DataExtensionObject[Members]", first["RequestID"])
    assert (second["Status"], second["HasMoreRows"], _names(second)) == ("OK", False, ["Grace"])
    assert second["RequestID"] == first["RequestID"]


def test_continue_request_as_a_request_property(proxy):
    first = proxy.retrieve("DataExtensionObject[Members]", ["FirstName"], None, {"BatchSize": 1})
    again = proxy.retrieve("DataExtensionObject[Members]", ["FirstName"], None, None,
                           {"ContinueRequest": first["RequestID"], "QueryAllAccounts": True})
    assert (again["Status"], _names(again)) == ("MoreDataAvailable", ["Alan"])


def test_set_batch_size_is_the_default_page_size(proxy):
    assert proxy.set_batch_size(1) is None
    r = proxy.retrieve("DataExtensionObject[Members]", ["FirstName"])
    assert (r["Status"], _names(r)) == ("MoreDataAvailable", ["Ada"])
    r = proxy.retrieve("DataExtensionObject[Members]", ["FirstName"], None, {"BatchSize": 5})
    assert (r["Status"], len(r["Results"])) == ("OK", 3)
    with pytest.raises(FunctionError, match="the batch size must be from 1 to 2500, not 0"):
        proxy.set_batch_size(0)


def _row(first: str, tier: str) -> dict:
    return {"CustomerKey": "Members", "Properties": [{"Name": "FirstName", "Value": first},
                                                     {"Name": "Tier", "Value": tier}]}


def _tiers(proxy) -> dict:
    r = proxy.retrieve("DataExtensionObject[Members]", ["FirstName", "Tier"])
    return {row["Properties"][0]["Value"]: row["Properties"][1]["Value"] for row in r["Results"]}


def test_create_item_shape_and_stored_row(proxy):
    r = proxy.create_item("DataExtensionObject", _row("Lin", "Bronze"))
    assert r["Status"] == "OK" and len(r["RequestID"]) == 36
    assert r["Results"] == [{
        "StatusCode": "OK", "StatusMessage": "Created DataExtensionObject", "OrdinalID": 0, "ErrorCode": 0,
        "NewID": 0, "NewObjectID": None, "Object": _row("Lin", "Bronze"), "RequestID": None}]
    assert _tiers(proxy)["Lin"] == "Bronze"


def test_create_batch_reports_each_object(proxy):
    r = proxy.create_batch("List", [{"ListName": "Newsletter", "CustomerKey": "news"},
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
    assert proxy.update_item("DataExtensionObject", change)["Results"][0]["StatusCode"] == "OK"
    assert _tiers(proxy)["Alan"] == "Gold"
    missing = {"CustomerKey": "Members", "Keys": [{"Name": "FirstName", "Value": "Kay"}],
               "Properties": [{"Name": "Tier", "Value": "Silver"}]}
    r = proxy.update_item("DataExtensionObject", missing)
    assert (r["Status"], r["Results"][0]["StatusCode"]) == ("Error", "Error")
    assert r["Results"][0]["StatusMessage"] == "No row of data extension 'Members' has those key values."
    upsert = {"SaveOptions": [{"PropertyName": "*", "SaveAction": "UpdateAdd"}]}
    r = proxy.update_batch("DataExtensionObject", [missing], upsert)
    assert (r["Status"], r["Results"][0]["StatusCode"]) == ("OK", "OK")
    assert _tiers(proxy)["Kay"] == "Silver"


def test_delete_item_and_batch(proxy):
    key = {"CustomerKey": "Members", "Keys": [{"Name": "FirstName", "Value": "Ada"}]}
    r = proxy.delete_item("DataExtensionObject", key)
    assert (r["Status"], r["Results"][0]["StatusMessage"]) == ("OK", "Deleted DataExtensionObject")
    r = proxy.delete_batch("DataExtensionObject", [key])
    assert r["Status"] == "Error"
    assert r["Results"][0]["StatusMessage"] == "No row of data extension 'Members' has those key values."
    assert sorted(_tiers(proxy)) == ["Alan", "Grace"]


def test_perform_item_carries_the_task(proxy):
    r = proxy.perform_item("Campaign", {"CustomerKey": "3640"}, "Start")
    assert (r["Status"], r["StatusMessage"]) == ("OK", "")
    (result,) = r["Results"]
    assert (result["StatusCode"], result["StatusMessage"], result["OrdinalID"]) == ("OK", "Campaign performed", 0)
    assert result["Task"]["StatusCode"] == "OK" and result["Task"]["ID"] == "1"
    assert result["Task"]["InteractionObjectID"] == result["Object"]["InteractionObjectID"]
    proxy.render.backend.wait_for_tasks()


def test_perform_batch_of_an_unknown_key_is_an_error_result(proxy):
    r = proxy.perform_batch("Campaign", [{"CustomerKey": "nope"}], "start")
    assert r["Status"] == "Error" and r["Results"][0]["StatusCode"] == "Error"


def test_execute_log_unsub_event(proxy):
    backend = proxy.render.backend
    created = proxy.create_item("Subscriber", {"SubscriberKey": "S9", "EmailAddress": "s9@example.com"})
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
    assert proxy.set_client_id({"ID": 7281698}) is None
    assert proxy.retrieve("DataExtensionObject[Members]", ["FirstName"])["Status"] == "OK"
    assert proxy.reset_client_ids() is None
    proxy.retrieve("DataExtensionObject[Members]", ["FirstName"])
    assert [[c.properties for c in ids] if ids else ids for ids in seen] == [[{"ID": "7281698"}], None]
    with pytest.raises(FunctionError, match="setClientId needs"):
        proxy.set_client_id({"UserID": 1})


def test_bad_arguments_raise_script_errors(proxy):
    with pytest.raises(FunctionError, match="the object type is empty"):
        proxy.retrieve("", ["Name"])
    with pytest.raises(FunctionError, match="columns must be an array"):
        proxy.retrieve("List", "Name")
    with pytest.raises(FunctionError, match="a List must be an object, not a string"):
        proxy.create_item("List", "x")


def test_over_soap_to_ampy_serve(root):
    _with_members(root)
    with served(root) as (soap, _account):
        proxy = WSProxyHost(SsjsRender(RenderContext(backend=soap)))
        r = proxy.retrieve("DataExtensionObject[Members]", ["FirstName"],
                           {"Property": "Tier", "SimpleOperator": "equals", "Value": "Gold"})
        assert (r["Status"], _names(r)) == ("OK", ["Ada", "Grace"])
        first = proxy.retrieve("DataExtensionObject[Members]", ["FirstName"], None, {"BatchSize": 2})
        assert (first["Status"], first["HasMoreRows"], _names(first)) == ("MoreDataAvailable", True, ["Ada", "Alan"])
        rest = proxy.get_next_batch("DataExtensionObject[Members]", first["RequestID"])
        assert (rest["Status"], _names(rest)) == ("OK", ["Grace"])
        created = proxy.create_item("DataExtensionObject", _row("Lin", "Bronze"))
        assert (created["Status"], created["Results"][0]["StatusCode"]) == ("OK", "OK")
        assert _tiers(proxy)["Lin"] == "Bronze"
        performed = proxy.perform_item("Campaign", {"CustomerKey": "3640"}, "start")
        assert performed["Status"] == "OK"
        assert performed["Results"][0]["Task"]["StatusCode"] == "OK"
        assert proxy.retrieve("Nope", ["X"])["Status"] == "Error: Unable to retrieve object of unknown type 'Nope'."
        proxy.set_client_id({"ID": 100, "UserID": 1})
        again = proxy.retrieve("DataExtensionObject[Members]", ["FirstName"], None, None, {"QueryAllAccounts": True})
        assert (again["Status"], len(again["Results"])) == ("OK", 4)
        upsert = {"SaveOptions": [{"PropertyName": "*", "SaveAction": "UpdateAdd"}]}
        row = {"CustomerKey": "Members", "Keys": [{"Name": "FirstName", "Value": "Kay"}],
               "Properties": [{"Name": "Tier", "Value": "Silver"}]}
        assert proxy.update_item("DataExtensionObject", row, upsert)["Status"] == "OK"
        assert _tiers(proxy)["Kay"] == "Silver"
