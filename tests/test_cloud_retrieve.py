"""Retrieve: Simple and Complex filters with every operator, Properties, 2,500-row paging."""

from __future__ import annotations

import pytest
from cloud_support import new_workspace, obj, open_workspace, pairs, retrieve, simple

import ampy
from ampy.api.model import ApiObject


@pytest.fixture
def backend(tmp_path):
    b = open_workspace(new_workspace(tmp_path))
    yield b
    b.close()


def _keys(response):
    return [pairs(o)["SubscriberKey"] for o in response.results]


@pytest.mark.parametrize(
    "flt, keys",
    [
        (simple("Tier", "equals", "gold"), ["S001", "S004"]),
        (simple("Tier", "notEquals", "Gold"), ["S002", "S003", "S005"]),
        (simple("SubscriberKey", "greaterThan", "S003"), ["S004", "S005"]),
        (simple("SubscriberKey", "lessThan", "S002"), ["S001"]),
        (simple("SubscriberKey", "greaterThanOrEqual", "S004"), ["S004", "S005"]),
        (simple("SubscriberKey", "lessThanOrEqual", "S002"), ["S001", "S002"]),
        (simple("SubscriberKey", "between", "S002", "S004"), ["S002", "S003", "S004"]),
        (simple("City", "IN", "London", "Boston"), ["S001", "S005"]),
        (simple("FirstName", "like", "%a_a%"), ["S001", "S003", "S005"]),
        (simple("LastName", "beginsWith", "li"), ["S005"]),
        (simple("EmailAddress", "endsWith", "@EXAMPLE.com"), ["S001", "S002", "S003", "S004", "S005"]),
        (simple("City", "contains", "ton"), ["S002", "S005"]),
        (simple("City", "notContains", "ton"), ["S001", "S003", "S004"]),
        (simple("City", "existsInString", "chest"), ["S003"]),
        (simple("City", "notExistsInString", "on"), ["S003", "S004"]),
        (simple("FirstName", "isNull"), []),
        (simple("FirstName", "isNotNull"), ["S001", "S002", "S003", "S004", "S005"]),
    ],
)
def test_simple_operators(backend, flt, keys):
    r = retrieve(backend, "DataExtensionObject[Subscribers]", ["SubscriberKey"], flt)
    assert (r.overall_status, _keys(r)) == ("OK", keys)


def test_numbers_dates_words_and_anniversaries(backend):
    backend.store.create(
        "Events",
        ["Id", "Amount", "Day", "Note"],
        ["Id"],
        rows=[
            ["1", "9", "2020-03-15", "big sale today"],
            ["2", "10.5", "2021-03-15", "salesforce"],
            ["3", "100", "2021-07-01", None],
        ],
    )

    def ids(flt):
        return [pairs(o)["Id"] for o in retrieve(backend, "DataExtensionObject[Events]", ["Id"], flt).results]

    assert ids(simple("Amount", "greaterThan", "9.5")) == ["2", "3"]  # numeric, not text order
    assert ids(
        ApiObject(
            "SimpleFilterPart", {"Property": "Day", "SimpleOperator": "lessThan", "DateValue": ["2021-06-01"]}
        )
    ) == ["1", "2"]
    assert ids(simple("Note", "existsInStringAsAWord", "sale")) == ["1"]
    assert ids(simple("Day", "isAnniversary", "1999-03-15")) == ["1", "2"]
    assert ids(simple("Day", "isNotAnniversary", "1999-03-15")) == ["3"]
    assert ids(simple("Note", "isNull")) == ["3"]


def test_complex_filters_with_additional_operands(backend):
    gold = simple("Tier", "equals", "Gold")
    london = simple("City", "equals", "London")
    both = ApiObject(
        "ComplexFilterPart", {"LeftOperand": gold, "LogicalOperator": "AND", "RightOperand": london}
    )
    r = retrieve(backend, "DataExtensionObject[Subscribers]", ["SubscriberKey"], both)
    assert _keys(r) == ["S001"]
    either = ApiObject(
        "ComplexFilterPart",
        {
            "LeftOperand": london,
            "LogicalOperator": "OR",
            "RightOperand": simple("City", "equals", "Boston"),
            "AdditionalOperands": [simple("Tier", "equals", "Platinum")],
        },
    )
    r = retrieve(backend, "DataExtensionObject[Subscribers]", ["SubscriberKey"], either)
    assert _keys(r) == ["S001", "S002", "S005"]
    nested = ApiObject(
        "ComplexFilterPart",
        {
            "LeftOperand": either,
            "LogicalOperator": "AND",
            "RightOperand": simple("Tier", "notEquals", "Bronze"),
        },
    )
    assert _keys(retrieve(backend, "DataExtensionObject[Subscribers]", ["SubscriberKey"], nested)) == [
        "S001",
        "S002",
    ]


@pytest.mark.parametrize(
    "flt, status",
    [
        (simple("Tier", "sortOf", "Gold"), "Error: Unsupported SimpleOperator 'sortOf'."),
        (simple("Tier", "between", "A"), "Error: The between operator needs 2 value(s)."),
        (
            ApiObject(
                "ComplexFilterPart",
                {
                    "LeftOperand": simple("Tier", "equals", "x"),
                    "LogicalOperator": "XOR",
                    "RightOperand": simple("Tier", "equals", "y"),
                },
            ),
            "Error: Unsupported LogicalOperator 'XOR'.",
        ),
        (simple("Nope", "equals", "x"), "Error: The Filter Property 'Nope' is not a retrievable property."),
    ],
)
def test_bad_filters_give_an_error_status(backend, flt, status):
    r = retrieve(backend, "DataExtensionObject[Subscribers]", ["SubscriberKey"], flt)
    assert (r.overall_status, r.results) == (status, [])


def test_properties_select_and_order_columns(backend):
    r = retrieve(
        backend,
        "DataExtensionObject[Subscribers]",
        ["City", "SubscriberKey"],
        simple("SubscriberKey", "equals", "S002"),
    )
    assert [(p.get("Name"), p.get("Value")) for p in r.results[0].get("Properties")] == [
        ("City", "Arlington"),
        ("SubscriberKey", "S002"),
    ]
    r = retrieve(backend, "DataExtensionObject[Subscribers]", ["Town"])
    assert r.overall_status == (
        "Error: The Request Property(s) Town do not match with the fields of "
        "DataExtensionObject[Subscribers] retrieve"
    )


def test_no_match_is_ok_and_empty(backend):
    r = retrieve(backend, "List", ["ListName"], simple("ListName", "equals", "nothing"))
    assert (r.overall_status, r.results, len(r.request_id)) == ("OK", [], 36)


def test_paging_5001_rows_over_three_pages(backend):
    backend.store.create("Big", ["Id"], ["Id"], rows=[[str(i)] for i in range(5001)])
    first = retrieve(backend, "DataExtensionObject[Big]", ["Id"])
    assert (first.overall_status, len(first.results)) == ("MoreDataAvailable", 2500)
    seen = [pairs(o)["Id"] for o in first.results]
    second = backend.api_retrieve(
        ApiObject(
            "RetrieveRequest", {"ObjectType": "DataExtensionObject[Big]", "ContinueRequest": first.request_id}
        )
    )
    assert (second.overall_status, len(second.results)) == ("MoreDataAvailable", 2500)
    third = backend.api_retrieve(ApiObject("RetrieveRequest", {"ContinueRequest": second.request_id}))
    assert (third.overall_status, len(third.results)) == ("OK", 1)
    seen += [pairs(o)["Id"] for o in second.results + third.results]
    assert seen == [str(i) for i in range(5001)]
    gone = backend.api_retrieve(ApiObject("RetrieveRequest", {"ContinueRequest": third.request_id}))
    assert gone.overall_status.startswith("Error: ContinueRequest")


def test_invoke_retrieve_reports_more_data_available(backend):
    backend.store.create("Big", ["Id"], rows=[[str(i)] for i in range(2501)])
    source = (
        '%%[ set @rr = CreateObject("RetrieveRequest") SetObjectProperty(@rr, "ObjectType", '
        '"DataExtensionObject[Big]") AddObjectArrayItem(@rr, "Properties", "Id") '
        "set @rows = InvokeRetrieve(@rr, @status, @rid) "
        'set @more = CreateObject("RetrieveRequest") SetObjectProperty(@more, "ContinueRequest", @rid) '
        "set @rest = InvokeRetrieve(@more, @status2) ]%%"
        "%%=v(@status)=%% %%=RowCount(@rows)=%% %%=v(@status2)=%% %%=RowCount(@rest)=%%"
    )
    assert ampy.render(source, backend=backend) == "MoreDataAvailable 2500 OK 1"


def test_stored_objects_filter_on_nested_properties(backend):
    r = retrieve(backend, "EmailSendDefinition", ["CustomerKey"], simple("Email.ID", "equals", "1"))
    assert [o.get("CustomerKey") for o in r.results] == ["WelcomeSend", "NewsletterSend"]
    r = retrieve(
        backend,
        "EmailSendDefinition",
        ["CustomerKey", "SenderProfile.FromName"],
        simple("CustomerKey", "equals", "WelcomeSend"),
    )
    assert r.results[0].properties == {
        "CustomerKey": "WelcomeSend",
        "SenderProfile": obj("SenderProfile", FromName="Example News"),
    }
