"""AudienceDefinition build / clone / totalcount / count and AudienceSegmentDefinition Count."""

from __future__ import annotations

import pytest
from cloud_support import obj, prop, retrieve, simple, task_statuses, wait_for_tasks
from perform_support import served


def _setup(b, store):
    r = b.api_create([
        obj("DataExtension", CustomerKey="Audience", Name="Audience", Fields=[
            obj("DataExtensionField", Name="SubscriberKey", IsPrimaryKey="true", IsRequired="true", MaxLength="50"),
            obj("DataExtensionField", Name="FirstName"),
            obj("DataExtensionField", Name="Segment")]),
        obj("AudienceSegmentDefinition", CustomerKey="gold", Name="Gold",
            DataSource=obj("DataExtension", CustomerKey="Subscribers"), DataFilter=simple("Tier", "equals", "gold")),
        obj("AudienceSegmentDefinition", CustomerKey="london", Name="Londoners",
            DataSource=obj("DataExtension", CustomerKey="Subscribers"),
            DataFilter=obj("ComplexFilterPart", LeftOperand=simple("City", "equals", "London"),
                           LogicalOperator="OR", RightOperand=simple("City", "equals", "Boston"))),
        obj("AudienceDefinition", CustomerKey="spring", Name="Spring audience",
            TargetDataExtension=obj("DataExtension", CustomerKey="Audience"),
            Segments=[obj("AudienceSegmentDefinition", CustomerKey="london"),
                      obj("AudienceSegmentDefinition", CustomerKey="gold")]),
    ])
    assert [x.status_code for x in r.results] == ["OK"] * 4, [x.status_message for x in r.results]
    store.insert_row("Audience", [("SubscriberKey", "OLD"), ("FirstName", "Stale")])
    # a source whose second row the target refuses (SubscriberKey longer than its 50 characters)
    store.create("Raw", ["SubscriberKey", "FirstName"], rows=[["R1", "Ok"], ["R" * 60, "Too long"]])


def _perform(backend, action, type_name, **props):
    r = backend.api_perform(action, [obj(type_name, **props)])
    return r.results[0]


def _done(backend, result):
    (status,) = wait_for_tasks(backend, TaskID=result.task["ID"])
    return status


def _rows(backend):
    return [(r["SubscriberKey"], r["FirstName"], r["Segment"]) for r in backend.store.lookup("Audience", ())]


def test_build_materializes_the_segments_into_the_target(backend):
    result = _perform(backend, "build", "AudienceDefinition", CustomerKey="spring")
    assert (result.status_code, result.status_message) == ("OK", "AudienceDefinition performed")
    status = _done(backend, result)
    assert (status["Status"], status["ErrorMsg"], status["Action"], status["CustomerKey"]) == (
        "Complete", "", "build", "spring")
    # Londoners first (Ada, Barbara), then the Gold members not taken yet (Edsger; Ada already is)
    assert _rows(backend) == [("S001", "Ada", "Londoners"), ("S005", "Barbara", "Londoners"),
                              ("S004", "Edsger", "Gold")]
    assert backend.cloud.tasks.get(int(result.task["ID"]))["detail"] == "3 member(s) written to Audience"


def test_counts_are_in_the_result_and_the_task(backend):
    expected = {("count", "AudienceDefinition", "spring"): "3",
                ("totalcount", "AudienceDefinition", "spring"): "5",
                ("Count", "AudienceSegmentDefinition", "gold"): "2",
                ("count", "AudienceSegmentDefinition", "london"): "2"}
    for (action, type_name, key), count in expected.items():
        result = _perform(backend, action, type_name, CustomerKey=key)
        assert (result.status_code, result.status_message) == ("OK", count)
        status = _done(backend, result)
        assert (status["Status"], status["Action"]) == ("Complete", action if action != "count" or
                                                        type_name == "AudienceDefinition" else "Count")
        assert backend.cloud.tasks.get(int(result.task["ID"]))["detail"] == f"{status['Action']}: {count}"
    assert _rows(backend) == [("OLD", "Stale", None)]  # counting writes nothing


def test_clone_copies_under_a_new_key(backend):
    result = _perform(backend, "clone", "AudienceDefinition", CustomerKey="spring")
    assert (result.status_code, result.status_message, result.object.get("CustomerKey")) == (
        "OK", "AudienceDefinition cloned as 'spring-copy'", "spring-copy")
    assert _done(backend, result)["Status"] == "Complete"
    again = _perform(backend, "clone", "AudienceDefinition", CustomerKey="spring")
    assert again.status_message == "AudienceDefinition cloned as 'spring-copy-2'"
    named = _perform(backend, "clone", "AudienceDefinition", CustomerKey="spring",
                     PartnerProperties=[prop("NewCustomerKey", "autumn")])
    assert named.status_message == "AudienceDefinition cloned as 'autumn'"
    wait_for_tasks(backend, ObjectType="AudienceDefinition")
    r = retrieve(backend, "AudienceDefinition", ["CustomerKey", "Name", "Segments"])
    assert [(o.get("CustomerKey"), o.get("Name")) for o in r.results] == [
        ("spring", "Spring audience"), ("spring-copy", "Spring audience (copy)"),
        ("spring-copy-2", "Spring audience (copy)"), ("autumn", "Spring audience (copy)")]
    assert [s.get("CustomerKey") for s in r.results[3].get("Segments")] == ["london", "gold"]
    taken = _perform(backend, "clone", "AudienceDefinition", CustomerKey="spring",
                     PartnerProperties=[prop("NewCustomerKey", "autumn")])
    assert (taken.status_code, taken.status_message) == (
        "Error", "A AudienceDefinition with CustomerKey 'autumn' already exists.")
    # the clone builds like the original
    built = _perform(backend, "build", "AudienceDefinition", CustomerKey="autumn")
    assert _done(backend, built)["Status"] == "Complete" and len(_rows(backend)) == 3


def test_inline_segments(backend):
    backend.api_create([obj("AudienceDefinition", CustomerKey="inline", Name="Inline",
                            TargetDataExtension=obj("DataExtension", Name="Audience"),
                            Segments=[obj("AudienceSegmentDefinition", Name="Platinum",
                                          DataSource=obj("DataExtension", Name="Subscribers"),
                                          DataFilter=simple("Tier", "equals", "Platinum"))])])
    built = _perform(backend, "build", "AudienceDefinition", CustomerKey="inline")
    assert _done(backend, built)["Status"] == "Complete"
    assert _rows(backend) == [("S002", "Grace", "Platinum")]


@pytest.mark.parametrize(
    "change, message",
    [
        ({"Segments": [obj("AudienceSegmentDefinition", CustomerKey="gone")]},
         "The AudienceSegmentDefinition with CustomerKey 'gone' does not exist."),
        ({"TargetDataExtension": obj("DataExtension", CustomerKey="Nowhere")},
         "The target data extension 'Nowhere' does not exist."),
        ({"Segments": [obj("AudienceSegmentDefinition", Name="Bad", DataSource=obj("DataExtension", Name="Subscribers"),
                           DataFilter=simple("Shoe", "equals", "9"))]},
         "Segment 'Bad': Data extension 'Subscribers' has no column 'Shoe'"),
        ({"Segments": [obj("AudienceSegmentDefinition", Name="Raw", DataSource=obj("DataExtension", Name="Raw"))]},
         "Building 'Audience' failed, nothing was written: "),
    ],
)
def test_a_failing_build_ends_in_error_and_leaves_the_target(backend, change, message):
    r = backend.api_update([obj("AudienceDefinition", CustomerKey="spring", **change)])
    assert r.results[0].status_code == "OK"
    status = _done(backend, _perform(backend, "build", "AudienceDefinition", CustomerKey="spring"))
    assert status["Status"] == "Error" and status["ErrorMsg"].startswith(message), status["ErrorMsg"]
    assert _rows(backend) == [("OLD", "Stale", None)]


def test_unknown_definition_unsupported_action_and_a_count_that_cannot_run(backend):
    missing = _perform(backend, "build", "AudienceDefinition", CustomerKey="nope")
    assert (missing.status_code, missing.status_message) == (
        "Error", "Unable to find the AudienceDefinition to perform (CustomerKey 'nope').")
    wrong = _perform(backend, "build", "AudienceSegmentDefinition", CustomerKey="gold")
    assert wrong.status_message == "build is not an action that can be Performed on a AudienceSegmentDefinition."
    backend.api_update([obj("AudienceSegmentDefinition", CustomerKey="gold",
                            DataSource=obj("DataExtension", CustomerKey="Gone"))])
    bad = _perform(backend, "Count", "AudienceSegmentDefinition", CustomerKey="gold")
    assert (bad.status_code, bad.status_message) == (
        "Error", "Segment 'Gold': its data extension 'Gone' does not exist.")
    assert task_statuses(backend, ObjectType="AudienceSegmentDefinition") == []


def test_build_over_the_soap_server(root):
    with served(root) as (soap, account):
        _setup(soap, account.store)
        r = soap.api_perform("build", [obj("AudienceDefinition", CustomerKey="spring")])
        result = r.results[0]
        assert (r.overall_status, result.status_message) == ("OK", "AudienceDefinition performed")
        (status,) = wait_for_tasks(soap, polls=400, TaskID=result.task["ID"])
        assert status["Status"] == "Complete"
        count = soap.api_perform("count", [obj("AudienceDefinition", CustomerKey="spring")]).results[0]
        assert (count.status_code, count.status_message) == ("OK", "3")
        assert [r["SubscriberKey"] for r in soap.lookup("Audience", [])] == ["S001", "S005", "S004"]


def test_a_script_sets_up_a_segment_and_counts_it(backend):
    import ampy

    source = """%%[
set @seg = CreateObject("AudienceSegmentDefinition")
SetObjectProperty(@seg, "CustomerKey", "boston")
SetObjectProperty(@seg, "Name", "Boston")
set @de = CreateObject("DataExtension")
SetObjectProperty(@de, "CustomerKey", "Subscribers")
SetObjectProperty(@seg, "DataSource", @de)
set @f = CreateObject("SimpleFilterPart")
SetObjectProperty(@f, "Property", "City")
SetObjectProperty(@f, "SimpleOperator", "equals")
AddObjectArrayItem(@f, "Value", "Boston")
SetObjectProperty(@seg, "DataFilter", @f)
set @c = InvokeCreate(@seg, @cMsg, @cCode)
set @seg = CreateObject("AudienceSegmentDefinition")
SetObjectProperty(@seg, "CustomerKey", "boston")
set @p = InvokePerform(@seg, "Count", @pMsg)
]%%%%=v(@c)=%% %%=v(@cMsg)=%% / %%=v(@p)=%% %%=v(@pMsg)=%%"""
    assert ampy.render(source, backend=backend) == "OK Created AudienceSegmentDefinition / OK 1"
