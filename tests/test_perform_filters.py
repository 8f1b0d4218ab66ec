"""FilterActivity and GroupDefinition start."""

from __future__ import annotations

import pytest
from cloud_support import obj, retrieve, simple
from perform_support import served, start, task_detail


def _setup(b, store):
    r = b.api_create([
        obj("DataExtension", CustomerKey="GoldOrLondon", Name="GoldOrLondon", Fields=[
            obj("DataExtensionField", Name="SubscriberKey", IsPrimaryKey="true", IsRequired="true", MaxLength="50"),
            obj("DataExtensionField", Name="FirstName", MaxLength="50"),
            obj("DataExtensionField", Name="City", MaxLength="6")]),
        obj("FilterDefinition", CustomerKey="gold-or-london", Name="Gold or London",
            DataSource=obj("DataExtension", CustomerKey="Subscribers"),
            DataFilter=obj("ComplexFilterPart", LeftOperand=simple("Tier", "equals", "Gold"),
                           LogicalOperator="OR", RightOperand=simple("City", "equals", "London"))),
        obj("FilterDefinition", CustomerKey="newsletter-gold", Name="Newsletter gold",
            DataSource=obj("List", ID="1"), DataFilter=simple("Tier", "equals", "Gold")),
        obj("FilterActivity", CustomerKey="gold-fa", Name="Gold filter",
            FilterDefinition=obj("FilterDefinition", CustomerKey="gold-or-london"),
            DestinationObject=obj("DataExtension", CustomerKey="GoldOrLondon")),
        obj("FilterActivity", CustomerKey="list-fa", Name="List filter",
            FilterDefinition=obj("FilterDefinition", Name="Newsletter gold"),
            DestinationObject=obj("DataExtension", CustomerKey="NewsletterGold"), CreateDestination="true"),
        obj("GroupDefinition", CustomerKey="named-people", Name="Named people",
            DataSource=obj("List", ID="1"), DataFilter=simple("FirstName", "isNotNull")),
    ])
    assert [x.status_code for x in r.results] == ["OK"] * 6, [x.status_message for x in r.results]
    store.insert_row("GoldOrLondon", [("SubscriberKey", "OLD"), ("FirstName", "Stale")])


def _start(backend, type_name, key):
    result, status = start(backend, type_name, key)
    return status, task_detail(backend, result)


def _rows(backend, de):
    return [tuple(r.values()) for r in backend.store.lookup(de, ())]


# ---- FilterActivity ------------------------------------------------------------------------------


def test_a_filter_activity_replaces_the_destination_rows(backend):
    status, detail = _start(backend, "FilterActivity", "gold-fa")
    assert (status["Status"], status["ErrorMsg"], status["ObjectType"], status["Action"]) == (
        "Complete", "", "FilterActivity", "start")
    assert detail == "2 row(s) written to GoldOrLondon"
    assert _rows(backend, "GoldOrLondon") == [("S001", "Ada", "London"), ("S004", "Edsger", "Austin")]


def test_a_filter_over_a_list_creates_its_destination(backend):
    assert backend.store.find("NewsletterGold") is None
    status, detail = _start(backend, "FilterActivity", "list-fa")
    assert (status["Status"], detail) == ("Complete", "1 row(s) written to NewsletterGold (created)")
    info = backend.store.find("NewsletterGold")
    assert info.columns == ["SubscriberKey", "EmailAddress", "Status", "FirstName", "Tier"]
    assert _rows(backend, "NewsletterGold") == [("S001", "ada@example.com", "Active", "Ada", "Gold")]
    # a second start overwrites, it does not add
    _start(backend, "FilterActivity", "list-fa")
    assert backend.store.row_count("NewsletterGold") == 1


def test_a_destination_the_rows_do_not_fit_is_left_as_it_was(backend):
    # Grace (Platinum, Arlington) passes the widened filter, and "Arlington" is longer than City's 6
    backend.api_update([obj("FilterDefinition", CustomerKey="gold-or-london",
                            DataFilter=simple("Tier", "IN", "Gold", "Platinum"))])
    status, _ = _start(backend, "FilterActivity", "gold-fa")
    assert status["Status"] == "Error"
    assert status["ErrorMsg"].startswith("Writing the filtered rows into 'GoldOrLondon' failed, nothing was written: ")
    assert "City" in status["ErrorMsg"]
    assert _rows(backend, "GoldOrLondon") == [("OLD", "Stale", None)]


@pytest.mark.parametrize("props, message", [
    ({"FilterDefinition": obj("FilterDefinition", CustomerKey="gone"),
      "DestinationObject": obj("DataExtension", CustomerKey="GoldOrLondon")},
     "The FilterDefinition 'gone' does not exist."),
    ({"FilterDefinition": obj("FilterDefinition", CustomerKey="gold-or-london"),
      "DestinationObject": obj("DataExtension", CustomerKey="Missing")},
     "The destination data extension 'Missing' does not exist (set CreateDestination to create it)."),
])
def test_a_failing_filter_activity(backend, props, message):
    backend.api_create([obj("FilterActivity", CustomerKey="bad", **props)])
    status, _ = _start(backend, "FilterActivity", "bad")
    assert (status["Status"], status["ErrorMsg"]) == ("Error", message)
    assert backend.store.find("Missing") is None
    assert _rows(backend, "GoldOrLondon") == [("OLD", "Stale", None)]


def test_a_filter_on_an_unknown_field_fails(backend):
    backend.api_create([
        obj("FilterDefinition", CustomerKey="odd", Name="Odd",
            DataSource=obj("DataExtension", CustomerKey="Subscribers"),
            DataFilter=simple("Shoe", "equals", "42")),
        obj("FilterActivity", CustomerKey="odd-fa", FilterDefinition=obj("FilterDefinition", CustomerKey="odd"),
            DestinationObject=obj("DataExtension", CustomerKey="Odd"), CreateDestination="true")])
    status, _ = _start(backend, "FilterActivity", "odd-fa")
    assert (status["Status"], status["ErrorMsg"]) == (
        "Error", "FilterDefinition 'Odd': 'Shoe' is not a field of its data source.")
    assert backend.store.find("Odd") is None


# ---- GroupDefinition -------------------------------------------------------------------------------


def _members(backend, list_id):
    return [s.get("SubscriberKey") for s in backend.cloud.objects.all("Subscriber")
            if any(m.get("ID") == list_id and m.get("Status") == "Active" for m in s.get("Lists") or [])]


def test_a_group_definition_materializes_its_members_into_a_group_list(backend):
    status, detail = _start(backend, "GroupDefinition", "named-people")
    assert (status["Status"], status["ErrorMsg"], status["ObjectType"]) == ("Complete", "", "GroupDefinition")
    assert detail == "3 member(s) in group 'Named people' (List ID 4): 3 added, 0 removed"
    groups = retrieve(backend, "List", ["ID", "ListName", "CustomerKey", "ListClassification"],
                      simple("ListClassification", "equals", "Group"))
    assert [(g.get("ID"), g.get("ListName"), g.get("CustomerKey")) for g in groups.results] == [
        ("4", "Named people", "named-people")]
    assert _members(backend, "4") == ["S001", "S002", "S003"]
    members = retrieve(backend, "ListSubscriber", ["ListID", "SubscriberKey", "Status"],
                       simple("ListID", "equals", "4"))
    assert [(m.get("ListID"), m.get("SubscriberKey"), m.get("Status")) for m in members.results] == [
        ("4", "S001", "Active"), ("4", "S002", "Active"), ("4", "S003", "Active")]
    # narrowed: the next start removes who no longer matches and creates no second list
    backend.api_update([obj("GroupDefinition", CustomerKey="named-people", DataFilter=simple("Tier", "isNotNull"))])
    status, detail = _start(backend, "GroupDefinition", "named-people")
    assert detail == "2 member(s) in group 'Named people' (List ID 4): 0 added, 1 removed"
    assert _members(backend, "4") == ["S001", "S002"]
    assert _members(backend, "1") == ["S001", "S002", "S003", "S005"]  # other memberships untouched
    assert len(backend.cloud.objects.all("List")) == 4


def test_a_group_over_every_subscriber_into_a_named_list(backend):
    backend.api_create([obj("GroupDefinition", CustomerKey="all-gold", Name="All gold",
                            DataFilter=simple("Tier", "equals", "Gold"), Group=obj("List", CustomerKey="Suppression"))])
    status, detail = _start(backend, "GroupDefinition", "all-gold")
    assert (status["Status"], detail) == (
        "Complete", "1 member(s) in group 'Suppression' (List ID 3): 1 added, 1 removed")
    assert _members(backend, "3") == ["S001"]


def test_a_failing_group_definition_changes_nothing(backend):
    backend.api_create([obj("GroupDefinition", CustomerKey="odd", Name="Odd", DataFilter=simple("Shoe", "equals", "1")),
                        obj("GroupDefinition", CustomerKey="lost", Name="Lost", Group=obj("List", ID="99"))])
    for key, message in (("odd", "GroupDefinition 'Odd': 'Shoe' is not a subscriber property or attribute."),
                         ("lost", "The Group list the GroupDefinition names does not exist.")):
        status, _ = _start(backend, "GroupDefinition", key)
        assert (status["Status"], status["ErrorMsg"]) == ("Error", message)
    assert len(backend.cloud.objects.all("List")) == 3


# ---- refusals, SOAP, scripts ----------------------------------------------------------------------


def test_unknown_definitions_and_unsupported_actions(backend):
    for type_name in ("FilterActivity", "GroupDefinition"):
        r = backend.api_perform("start", [obj(type_name, CustomerKey="nope")]).results[0]
        assert (r.status_code, r.status_message, r.error_code) == (
            "Error", f"Unable to find the {type_name} to perform (CustomerKey 'nope').", 2)
        r = backend.api_perform("stop", [obj(type_name, CustomerKey="gold-fa")]).results[0]
        assert (r.status_code, r.status_message) == (
            "Error", f"stop is not an action that can be Performed on a {type_name}.")


def test_filter_and_group_over_the_soap_server(root):
    with served(root) as (soap, account):
        _setup(soap, account.store)
        for type_name, key in (("FilterActivity", "gold-fa"), ("GroupDefinition", "named-people")):
            assert start(soap, type_name, key, polls=400)[1]["Status"] == "Complete"
        assert [r["SubscriberKey"] for r in soap.lookup("GoldOrLondon", [])] == ["S001", "S004"]
        groups = retrieve(soap, "List", ["ListName"], simple("ListClassification", "equals", "Group"))
        assert [g.get("ListName") for g in groups.results] == ["Named people"]
        members = retrieve(soap, "ListSubscriber", ["SubscriberKey", "Status"], simple("ListID", "equals", "4"))
        assert [(m.get("SubscriberKey"), m.get("Status")) for m in members.results] == [
            ("S001", "Active"), ("S002", "Active"), ("S003", "Active")]


def test_a_script_creates_and_starts_a_filter_activity(backend):
    import ampy

    source = """%%[
set @fa = CreateObject("FilterActivity")
SetObjectProperty(@fa, "CustomerKey", "scripted")
set @fd = CreateObject("FilterDefinition")
SetObjectProperty(@fd, "CustomerKey", "gold-or-london")
SetObjectProperty(@fa, "FilterDefinition", @fd)
set @de = CreateObject("DataExtension")
SetObjectProperty(@de, "CustomerKey", "Scripted")
SetObjectProperty(@fa, "DestinationObject", @de)
SetObjectProperty(@fa, "CreateDestination", "true")
set @c = InvokeCreate(@fa, @cm, @cc)
set @fa = CreateObject("FilterActivity")
SetObjectProperty(@fa, "CustomerKey", "scripted")
set @p = InvokePerform(@fa, "start", @pm)
]%%%%=v(@c)=%% %%=v(@cm)=%% / %%=v(@p)=%% %%=v(@pm)=%%"""
    out = ampy.Template(source).render(backend=backend)
    assert out == "OK Created FilterActivity / OK FilterActivity performed"
    backend.wait_for_tasks()
    assert [r["SubscriberKey"] for r in backend.store.lookup("Scripted", ())] == ["S001", "S004"]
