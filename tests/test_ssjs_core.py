"""The Core library's Python half on a real local workspace: DataExtension rows and fields
(through the same functions as AMPscript's lookups and writes), DataExtension.Add/Retrieve, and
the other Core objects' Add/Retrieve/Update/Remove/Perform answering "OK"/"Error"."""

from __future__ import annotations

import os

import pytest
from cloud_support import open_workspace, retrieve, simple

from ampy.errors import AmpscriptRuntimeError, FunctionError
from ampy.runtime.context import RenderContext
from ampy.ssjs.bridge import SsjsRender
from ampy.ssjs.core import CoreHost

MEMBERS = "FirstName,Tier\nAda,Gold\nAlan,Silver\nGrace,Gold\n"


@pytest.fixture
def core(root):
    with open(os.path.join(root, "dataextensions", "Members.csv"), "w", encoding="utf-8") as f:
        f.write(MEMBERS)
    backend = open_workspace(root)
    yield CoreHost(SsjsRender(RenderContext(backend=backend)))
    backend.close()


def _fresh(core) -> CoreHost:
    """The same backend in a new render (a render's lookups are cached, as on the platform)."""
    return CoreHost(SsjsRender(RenderContext(backend=core.render.backend)))


def test_init_binds_by_key_or_name(core):
    assert core.data_extension("members") == {"Name": "Members", "CustomerKey": "Members"}
    core.data_extension_add({"Name": "Loyalty Tiers", "CustomerKey": "tiers-key",
                             "Fields": [{"Name": "Tier", "FieldType": "Text", "IsPrimaryKey": True}]})
    assert core.data_extension("tiers-key") == core.data_extension("Loyalty Tiers") == {
        "Name": "Loyalty Tiers", "CustomerKey": "tiers-key"}
    with pytest.raises(FunctionError, match="Data extension 'Nope' does not exist"):
        core.rows_retrieve("Nope")


def test_rows_retrieve_all_and_filtered(core):
    assert core.rows_retrieve("Members") == [{"FirstName": "Ada", "Tier": "Gold"},
                                             {"FirstName": "Alan", "Tier": "Silver"},
                                             {"FirstName": "Grace", "Tier": "Gold"}]
    flt = {"LeftOperand": {"Property": "Tier", "SimpleOperator": "equals", "Value": "Gold"},
           "LogicalOperator": "AND",
           "RightOperand": {"Property": "FirstName", "SimpleOperator": "like", "Value": "G%"}}
    assert core.rows_retrieve("Members", flt) == [{"FirstName": "Grace", "Tier": "Gold"}]
    assert core.rows_retrieve("Members", {"Property": "Tier", "SimpleOperator": "equals", "Value": "X"}) == []


def test_rows_lookup_limit_order_and_no_match(core):
    assert core.rows_lookup("Members", ["Tier"], ["Gold"]) == [{"FirstName": "Ada", "Tier": "Gold"},
                                                                {"FirstName": "Grace", "Tier": "Gold"}]
    assert core.rows_lookup("Members", "Tier", "Gold", 1, "FirstName DESC") == [
        {"FirstName": "Grace", "Tier": "Gold"}]
    assert core.rows_lookup("Members", ["Tier"], ["Platinum"]) is None
    with pytest.raises(FunctionError, match="Rows.Lookup: 2 column"):
        core.rows_lookup("Members", ["Tier", "FirstName"], ["Gold"])


def test_rows_add_update_remove_store_rows(core):
    assert core.rows_add("Members", [{"FirstName": "Lin", "Tier": "Bronze"},
                                     {"FirstName": "Kay", "Tier": "Bronze"}]) == 2
    assert core.rows_add("Members", {"FirstName": "Max", "Tier": "Silver"}) == 1
    assert core.rows_update("Members", {"Tier": "Gold"}, ["Tier"], ["Bronze"]) == 2
    assert core.rows_update("Members", {"Tier": "Gold"}, ["FirstName"], ["Nobody"]) == 0
    assert core.rows_remove("Members", ["FirstName"], ["Alan"]) == 1
    assert core.rows_remove("Members", ["FirstName"], ["Alan"]) == 0
    stored = core.render.backend.lookup("Members", ())
    assert [(r["FirstName"], r["Tier"]) for r in stored] == [
        ("Ada", "Gold"), ("Grace", "Gold"), ("Lin", "Gold"), ("Kay", "Gold"), ("Max", "Silver")]
    with pytest.raises(FunctionError, match="Rows.Add takes an object"):
        core.rows_add("Members", ["x"])


def test_fields_retrieve_and_add(core):
    fields = core.fields_retrieve("Members")
    assert [(f["Name"], f["FieldType"], f["IsPrimaryKey"], f["Ordinal"]) for f in fields] == [
        ("FirstName", "Text", False, 0), ("Tier", "Text", False, 1)]
    assert core.fields_add("Members", {"Name": "Points", "FieldType": "Number"}) == "OK"
    assert core.fields_add("Members", {"Name": "Bad", "FieldType": "Colour"}) == "Error"
    assert [(f["Name"], f["FieldType"]) for f in core.fields_retrieve("Members")][-1] == ("Points", "Number")


def test_data_extension_add_and_retrieve(core):
    handle = core.data_extension_add({"Name": "Visits", "CustomerKey": "visits", "Fields": [
        {"Name": "Id", "FieldType": "Number", "IsPrimaryKey": True},
        {"Name": "Page", "FieldType": "Text", "MaxLength": 50}]})
    assert handle == {"Name": "Visits", "CustomerKey": "visits"}
    assert [(f["Name"], f["IsPrimaryKey"], f["MaxLength"]) for f in core.fields_retrieve("visits")] == [
        ("Id", True, None), ("Page", False, 50)]
    found = core.data_extension_retrieve({"Property": "CustomerKey", "SimpleOperator": "equals",
                                          "Value": "visits"})
    assert [(d["Name"], d["CustomerKey"], d["IsSendable"]) for d in found] == [("Visits", "visits", "false")]
    with pytest.raises(FunctionError, match="A data extension named 'Visits' already exists."):
        core.data_extension_add({"Name": "Visits", "Fields": [{"Name": "X"}]})
    assert core.rows_add("visits", {"Id": 1, "Page": "/home"}) == 1
    assert _fresh(core).rows_lookup("Visits", ["Id"], [1]) == [{"Id": "1", "Page": "/home"}]


def test_objects_add_retrieve_update_remove(core):
    assert core.object_add("List", {"ListName": "News", "CustomerKey": "news"}) == "OK"
    assert core.object_retrieve("List", {"Property": "CustomerKey", "SimpleOperator": "equals",
                                         "Value": "news"}, ["ListName", "Description"]) == [
        {"ListName": "News", "Description": ""}]
    assert core.object_update("List", "news", {"Description": "Weekly"}) == "OK"
    assert core.object_retrieve("List", {"Property": "CustomerKey", "SimpleOperator": "equals",
                                         "Value": "news"}, ["Description"]) == [{"Description": "Weekly"}]
    assert core.object_remove("List", "news") == "OK"
    assert core.object_remove("List", "news") == "Error"
    assert core.object_update("List", "news", {"Description": "x"}) == "Error"


def test_subscriber_upsert_and_unsubscribe(core):
    backend = core.render.backend
    assert core.object_upsert("Subscriber", "S1", {"EmailAddress": "s1@example.com"}) == "OK"
    assert core.object_upsert("Subscriber", "S1", {"EmailAddress": "s1@example.org"}) == "OK"
    found = retrieve(backend, "Subscriber", ["EmailAddress", "Status"], simple("SubscriberKey", "equals", "S1"))
    assert [(o.get("EmailAddress"), o.get("Status")) for o in found.results] == [("s1@example.org", "Active")]
    assert core.subscriber_unsubscribe("S1") == "OK"
    assert core.subscriber_unsubscribe("nobody") == "Error"
    found = retrieve(backend, "Subscriber", ["Status"], simple("SubscriberKey", "equals", "S1"))
    assert found.results[0].get("Status") == "Unsubscribed"


def test_query_definition_perform(core):
    assert core.object_perform("QueryDefinition", "LoyaltyMembers", "start") == "OK"
    assert core.object_perform("QueryDefinition", "nope", "start") == "Error"
    core.render.backend.wait_for_tasks()
    statuses = retrieve(core.render.backend, "AsyncActivityStatus", ["Status"],
                        simple("ObjectType", "equals", "QueryDefinition"))
    assert [o.get("Properties")[0].get("Value") for o in statuses.results] == ["Complete"]


def test_triggered_send(core, root):
    backend = core.render.backend
    email = core.object_retrieve("Email", None, ["ID"])[0]["ID"]
    assert core.object_add("TriggeredSendDefinition", {
        "CustomerKey": "welcome-ts", "Name": "Welcome", "Email": {"ID": email},
        "TriggeredSendStatus": "Active"}) == "OK"
    assert core.triggered_send("welcome-ts", "ts1@example.com", {"FirstName": "Tess"}) == "OK"
    assert core.triggered_send("no-such-ts", "ts1@example.com") == "Error"
    backend.wait_for_tasks()
    outbox = os.path.join(root, "outbox")
    sent = [open(os.path.join(outbox, n), encoding="utf-8").read() for n in os.listdir(outbox)]
    assert len(sent) == 1 and "To: ts1@example.com" in sent[0]
    assert core.object_update("TriggeredSendDefinition", "welcome-ts", {"TriggeredSendStatus": "Inactive"}) == "OK"
    found = core.object_retrieve("TriggeredSendDefinition", {"Property": "CustomerKey",
                                                             "SimpleOperator": "equals", "Value": "welcome-ts"},
                                 ["TriggeredSendStatus"])
    assert found == [{"TriggeredSendStatus": "Inactive"}]


# ---- from SSJS templates -------------------------------------------------------------------------

CORE_PAGE = """<script runat="server">
Platform.Load("core", "1.1.5");
var de = DataExtension.Init("Members");
var gold = de.Rows.Retrieve({Property: "Tier", SimpleOperator: "equals", Value: "Gold"});
Write(gold.length + " " + gold[0].FirstName + " " + gold[1].FirstName + "\\n");
Write(de.Rows.Add([{FirstName: "Lin", Tier: "Bronze"}]) + " ");
Write(de.Rows.Update({Tier: "Gold"}, ["FirstName"], ["Lin"]) + " ");
Write(de.Rows.Remove(["FirstName"], ["Alan"]) + "\\n");
var silver = de.Rows.Lookup(["Tier"], ["Silver"]);
Write(Stringify(de.Rows.Lookup(["Tier"], ["Gold"], 1, "FirstName DESC")) + " " + (silver === null) + "\\n");
var fields = de.Fields.Retrieve();
Write(fields.length + " " + fields[1].Name + " " + fields[1].IsPrimaryKey + "\\n");
try { DataExtension.Init("Nope").Rows.Retrieve(); } catch (e) { Write(e.message + "\\n"); }
var list = List.Init("news");
Write(List.Add({ListName: "News", CustomerKey: "news"}) + " " + list.Update({Description: "Weekly"}) + " "
    + List.Retrieve({Property: "CustomerKey", SimpleOperator: "equals", Value: "news"}, ["Description"])[0].Description
    + " " + list.Remove() + " " + list.Remove());
</script>"""


def test_core_from_a_script(core):
    import ampy

    backend = core.render.backend
    assert ampy.render(CORE_PAGE, backend=backend) == (
        "2 Ada Grace\n1 1 1\n"
        '[{"FirstName":"Lin","Tier":"Gold"}] true\n'
        "2 Tier false\n"
        "Data extension 'Nope' does not exist\n"
        "OK OK Weekly OK Error")
    assert [(r["FirstName"], r["Tier"]) for r in backend.lookup("Members", ())] == [
        ("Ada", "Gold"), ("Grace", "Gold"), ("Lin", "Gold")]


def test_core_objects_need_the_load(core):
    import ampy

    with pytest.raises(AmpscriptRuntimeError) as caught:
        ampy.render('<script runat="server">\nvar de = DataExtension.Init("Members");\n</script>',
                    backend=core.render.backend)
    assert (caught.value.line, caught.value.column) == (2, 10)
    assert "ReferenceError: 'DataExtension' is not defined" in str(caught.value)


def test_query_definition_perform_and_triggered_send_from_a_script(core, root):
    import ampy

    backend = core.render.backend
    out = ampy.render('<script runat="server">Platform.Load("core", "1");'
                      'Write(QueryDefinition.Init("LoyaltyMembers").Perform() + " "'
                      ' + QueryDefinition.Init("nope").Perform() + " "'
                      ' + TriggeredSend.Init("nope").Send("a@example.com"));</script>', backend=backend)
    assert out == "OK Error Error"
    backend.wait_for_tasks()
