"""Perform: the action table, asynchronous tasks and their statuses, campaigns, queries, imports."""

from __future__ import annotations

import threading

import pytest
from cloud_support import obj, open_workspace, pairs, retrieve, task_statuses, wait_for_tasks

from ampy.cloud.perform import ACTIONS


def _perform(backend, action, type_name, **props):
    r = backend.api_perform(action, [obj(type_name, **props)])
    return r, r.results[0]


def _rows(backend, de):
    return backend.store.lookup(de, ())


def test_query_start_returns_a_task_and_runs_in_the_background(backend):
    r, result = _perform(backend, "start", "QueryDefinition", CustomerKey="LoyaltyMembers")
    assert (r.overall_status, result.status_code, result.status_message) == (
        "OK",
        "OK",
        "QueryDefinition perform called successfully",
    )
    assert (result.task["StatusCode"], len(result.task["InteractionObjectID"])) == ("OK", 36)
    (status,) = wait_for_tasks(backend, TaskID=result.task["ID"])
    assert (status["Status"], status["ErrorMsg"], status["ObjectType"], status["Action"]) == (
        "Complete",
        "",
        "QueryDefinition",
        "start",
    )
    assert status["StartTime"] <= status["EndTime"] == status["CompletedDate"]
    assert [r["SubscriberKey"] for r in _rows(backend, "LoyaltyMembers")] == ["S001", "S002", "S004"]


def test_task_moves_from_queued_to_processing_to_complete(backend):
    gate, inside = threading.Event(), threading.Event()
    cloud = backend.cloud

    def hold(worker):
        inside.set()
        gate.wait(10)

    cloud.runner.submit(hold)  # occupy the runner so the next task stays queued
    assert inside.wait(10)
    _, result = _perform(backend, "start", "QueryDefinition", CustomerKey="LoyaltyMembers")
    (queued,) = task_statuses(backend, TaskID=result.task["ID"])
    assert (queued["Status"], queued["StartTime"], queued["EndTime"]) == ("Queued", "", "")
    gate.set()
    (done,) = wait_for_tasks(backend, TaskID=result.task["ID"])
    assert done["Status"] == "Complete" and done["StartTime"] and done["EndTime"]


def test_run_task_records_processing_and_error(backend):
    from ampy.cloud.tasks import TaskFailed, run_task

    tasks = backend.cloud.tasks
    task_id = tasks.add("QueryDefinition", "k", "start", ioid="io", parent_ioid="io")
    seen = []

    def work():
        seen.append(tasks.status(task_id))
        raise TaskFailed("boom")

    assert run_task(tasks, task_id, work) is False
    row = tasks.get(task_id)
    assert (seen, row["status"], row["error_msg"]) == (["Processing"], "Error", "boom")


def test_query_update_types(backend):
    r = backend.api_create(
        [
            obj(
                "QueryDefinition",
                Name="Append",
                CustomerKey="append",
                TargetUpdateType="Append",
                QueryText="SELECT TOP 1 SubscriberKey, EmailAddress FROM Subscribers ORDER BY "
                "SubscriberKey DESC",
                DataExtensionTarget=obj("InteractionBaseObject", CustomerKey="LoyaltyMembers"),
            )
        ]
    )
    assert r.results[0].status_code == "OK"
    _, first = _perform(backend, "start", "QueryDefinition", CustomerKey="LoyaltyMembers")
    wait_for_tasks(backend, TaskID=first.task["ID"])
    _, appended = _perform(backend, "start", "QueryDefinition", CustomerKey="append")
    assert wait_for_tasks(backend, TaskID=appended.task["ID"])[0]["Status"] == "Complete"
    assert [r["SubscriberKey"] for r in _rows(backend, "LoyaltyMembers")] == ["S001", "S002", "S004", "S005"]
    # Append again: duplicate primary key fails the task and changes nothing
    _, again = _perform(backend, "start", "QueryDefinition", CustomerKey="append")
    (status,) = wait_for_tasks(backend, TaskID=again.task["ID"])
    assert (status["Status"], status["ErrorMsg"]) == (
        "Error",
        "Violation of the primary key of 'LoyaltyMembers': the query returned a duplicate key.",
    )
    assert len(_rows(backend, "LoyaltyMembers")) == 4
    backend.api_update(
        [
            obj(
                "QueryDefinition",
                CustomerKey="append",
                TargetUpdateType="Update",
                QueryText="SELECT SubscriberKey, 'changed' AS FirstName FROM Subscribers "
                "WHERE SubscriberKey IN ('S001', 'S003')",
            )
        ]
    )
    _, updated = _perform(backend, "start", "QueryDefinition", CustomerKey="append")
    assert wait_for_tasks(backend, TaskID=updated.task["ID"])[0]["Status"] == "Complete"
    rows = {r["SubscriberKey"]: r["FirstName"] for r in _rows(backend, "LoyaltyMembers")}
    assert rows == {"S001": "changed", "S002": "Grace", "S004": "Edsger", "S005": None, "S003": "changed"}


@pytest.mark.parametrize(
    "query, message",
    [
        ("DELETE FROM Subscribers", "The QueryText must be one SELECT statement."),
        (
            "SELECT 1 AS Nope",
            "The query column 'Nope' is not a field of the target data extension 'LoyaltyMembers'.",
        ),
        ("SELECT * FROM Missing", "The query failed: no such table: Missing"),
        ("SELECT 1; DROP TABLE x", "The QueryText must be one SELECT statement."),
        (
            "SELECT SubscriberKey, 'no address' AS EmailAddress FROM Subscribers",
            "The query returned a row that 'LoyaltyMembers' does not accept: The value 'no address' is not "
            "a valid EmailAddress for field 'EmailAddress' of data extension 'LoyaltyMembers'.",
        ),
    ],
)
def test_bad_queries_fail_the_task_and_leave_the_target(backend, query, message):
    backend.api_update([obj("QueryDefinition", CustomerKey="LoyaltyMembers", QueryText=query)])
    _, result = _perform(backend, "start", "QueryDefinition", CustomerKey="LoyaltyMembers")
    (status,) = wait_for_tasks(backend, TaskID=result.task["ID"])
    assert (status["Status"], status["ErrorMsg"]) == ("Error", message)
    assert _rows(backend, "LoyaltyMembers") == []
    assert backend.store.row_count("Subscribers") == 5


def test_import_start_loads_the_file(backend):
    _, result = _perform(backend, "start", "ImportDefinition", CustomerKey="ImportOrders")
    assert result.status_message == "ImportDefinition performed"
    assert wait_for_tasks(backend, TaskID=result.task["ID"])[0]["Status"] == "Complete"
    assert [(r["OrderID"], r["Amount"]) for r in _rows(backend, "Orders")] == [
        ("1001", "19.99"),
        ("1002", "250.00"),
        ("1003", "5.50"),
        ("1004", "99.00"),
    ]


def test_import_field_maps_and_update_types(backend, root):
    with open(f"{root}/imports/more.txt", "w") as f:
        f.write("id|amount|who\n1001|1.00|S001\n2000|2.00|S002\n")
    maps = [
        obj("FieldMap", SourceName="id", DestinationName="OrderID"),
        obj("FieldMap", SourceOrdinal="2", DestinationName="Amount"),
        obj("FieldMap", SourceName="who", DestinationName="SubscriberKey"),
    ]
    backend.store.insert_row("Orders", [("OrderID", "1001"), ("Amount", "5")])
    for update_type, expected in [
        ("UpdateButDoNotAdd", [("1001", "1.00")]),
        ("AddAndDoNotUpdate", [("1001", "1.00"), ("2000", "2.00")]),
    ]:
        backend.api_create(
            [
                obj(
                    "ImportDefinition",
                    Name=update_type,
                    CustomerKey=update_type,
                    DestinationObject=obj("DataExtension", CustomerKey="Orders"),
                    FileSpec="more.txt",
                    Delimiter="|",
                    FieldMappingType="ManualMap",
                    FieldMaps=maps,
                    UpdateType=update_type,
                )
            ]
        )
        _, result = _perform(backend, "start", "ImportDefinition", CustomerKey=update_type)
        assert wait_for_tasks(backend, TaskID=result.task["ID"])[0]["Status"] == "Complete"
        assert [(r["OrderID"], r["Amount"]) for r in _rows(backend, "Orders")] == expected


@pytest.mark.parametrize(
    "content, allow, status, message, rows",
    [
        (
            'OrderID,Amount\n1,"unclosed\n',
            "false",
            "Error",
            "bad.csv: malformed file at line 2: unexpected end of data",
            0,
        ),
        (
            "OrderID,Amount\n1,2\nx,3\n",
            "false",
            "Error",
            "bad.csv: The value 'x' is not a valid Number for field 'OrderID' of data extension 'Orders'.",
            0,
        ),
        ("OrderID,Amount\n1,2\nx,3\n", "true", "Complete", "", 1),
        (
            "OrderID,Colour\n1,red\n",
            "false",
            "Error",
            "'Colour' is not a field of data extension 'Orders'.",
            0,
        ),
    ],
)
def test_bad_import_files(backend, root, content, allow, status, message, rows):
    with open(f"{root}/imports/bad.csv", "w") as f:
        f.write(content)
    backend.api_update(
        [obj("ImportDefinition", CustomerKey="ImportOrders", FileSpec="bad.csv", AllowErrors=allow)]
    )
    _, result = _perform(backend, "start", "ImportDefinition", CustomerKey="ImportOrders")
    (task,) = wait_for_tasks(backend, TaskID=result.task["ID"])
    assert (task["Status"], task["ErrorMsg"]) == (status, message)
    assert backend.store.row_count("Orders") == rows


def test_import_stores_dates_in_the_stored_form_and_skips_rows_missing_a_required_field(backend, root):
    backend.api_update([obj("DataExtension", CustomerKey="Orders",
                            Fields=[obj("DataExtensionField", Name="SubscriberKey", FieldType="Text",
                                        IsRequired="true")])])
    with open(f"{root}/imports/more.csv", "w") as f:
        f.write("OrderID,SubscriberKey,OrderDate\n1,S001,2024-03-01\n2,,2024-03-02\n3,S003,March 3 2024\n")
    backend.api_update(
        [obj("ImportDefinition", CustomerKey="ImportOrders", FileSpec="more.csv", AllowErrors="true")]
    )
    _, result = _perform(backend, "start", "ImportDefinition", CustomerKey="ImportOrders")
    (task,) = wait_for_tasks(backend, TaskID=result.task["ID"])
    assert task["Status"] == "Complete"
    assert [(r["OrderID"], r["OrderDate"]) for r in _rows(backend, "Orders")] == [
        ("1", "3/1/2024 12:00:00 AM"),
        ("3", "3/3/2024 12:00:00 AM"),
    ]


def test_import_of_a_missing_file_or_destination(backend):
    backend.api_update([obj("ImportDefinition", CustomerKey="ImportOrders", FileSpec="../../etc/passwd")])
    _, result = _perform(backend, "start", "ImportDefinition", CustomerKey="ImportOrders")
    assert (
        wait_for_tasks(backend, TaskID=result.task["ID"])[0]["ErrorMsg"]
        == "The FileSpec '../../etc/passwd' points outside the workspace."
    )
    backend.api_update(
        [
            obj(
                "ImportDefinition",
                CustomerKey="ImportOrders",
                FileSpec="orders.csv",
                DestinationObject=obj("DataExtension", CustomerKey="Gone"),
            )
        ]
    )
    _, result = _perform(backend, "start", "ImportDefinition", CustomerKey="ImportOrders")
    assert (
        wait_for_tasks(backend, TaskID=result.task["ID"])[0]["ErrorMsg"]
        == "The destination data extension 'Gone' does not exist."
    )


def test_campaign_start_runs_its_activities_as_child_tasks(backend, root):
    r = retrieve(backend, "Campaign", ["InteractionObjectID"])
    ioid = r.results[0].get("InteractionObjectID")
    _, result = _perform(backend, "start", "Campaign", CustomerKey="3640")
    assert (result.status_message, result.task["InteractionObjectID"]) == ("Campaign performed", ioid)
    rows = wait_for_tasks(backend, ParentInteractionObjectID=ioid)
    assert [(t["ObjectType"], t["CustomerKey"], t["Status"]) for t in rows] == [
        ("Campaign", "3640", "Complete"),
        ("ImportDefinition", "ImportOrders", "Complete"),
        ("QueryDefinition", "LoyaltyMembers", "Complete"),
        ("EmailSendDefinition", "WelcomeSend", "Complete"),
    ]
    assert backend.store.row_count("Orders") == 4 and backend.store.row_count("LoyaltyMembers") == 3
    import os

    assert len(os.listdir(f"{root}/outbox")) == 3


def test_campaign_stop_cancels_what_has_not_finished(backend):
    gate, inside = threading.Event(), threading.Event()
    backend.cloud.runner.submit(lambda worker: (inside.set(), gate.wait(10)))
    assert inside.wait(10)
    _, started = _perform(backend, "start", "Campaign", CustomerKey="3640")
    _, stopped = _perform(backend, "stop", "Campaign", CustomerKey="3640")
    assert stopped.status_message == "Campaign stopped (4 unfinished task(s) canceled)"
    gate.set()
    rows = wait_for_tasks(backend, ParentInteractionObjectID=started.task["InteractionObjectID"])
    assert [(t["Status"], t["ErrorMsg"]) for t in rows] == [("Error", "Canceled")] * 4
    assert backend.store.row_count("Orders") == 0


def test_a_failing_activity_makes_the_campaign_end_in_error(backend):
    backend.api_update([obj("QueryDefinition", CustomerKey="LoyaltyMembers", QueryText="SELECT nope FROM x")])
    _, result = _perform(backend, "start", "Campaign", CustomerKey="3640")
    rows = wait_for_tasks(backend, ParentInteractionObjectID=result.task["InteractionObjectID"])
    assert [t["Status"] for t in rows] == ["Error", "Complete", "Error", "Complete"]
    assert rows[0]["ErrorMsg"] == "1 of 3 campaign activities did not complete."


def test_get_max_count_and_test_sends(backend, root):
    _, count = _perform(backend, "GetMaxCount", "EmailSendDefinition", CustomerKey="WelcomeSend")
    assert (count.status_code, count.status_message, count.task) == ("OK", "3", None)
    _, test = _perform(backend, "test", "EmailSendDefinition", CustomerKey="WelcomeSend")
    assert wait_for_tasks(backend, TaskID=test.task["ID"])[0]["Status"] == "Complete"
    import os

    files = os.listdir(f"{root}/outbox")
    with open(f"{root}/outbox/{files[0]}", encoding="utf-8") as f:
        assert "To: qa@example.com" in f.read()


def test_send_pause_resume_and_cancel_of_finished_sends(backend):
    _, started = _perform(backend, "start", "EmailSendDefinition", CustomerKey="NewsletterSend")
    wait_for_tasks(backend, TaskID=started.task["ID"])
    send = retrieve(backend, "Send", ["ID", "Status", "NumberSent"]).results[0]
    assert (send.get("ID"), send.get("Status"), send.get("NumberSent")) == (
        started.task["ID"],
        "Complete",
        "3",
    )
    for action in ("pause", "resume", "cancel"):
        _, result = _perform(backend, action, "Send", ID=started.task["ID"])
        assert (result.status_code, result.status_message) == (
            "Error",
            f"The send is complete; it cannot be {action}d.",
        )
    _, result = _perform(backend, "cancel", "Send")
    assert result.status_message == "A Send is performed by its ID; no ID was given."


def test_content_validation(backend):
    _, ok = _perform(backend, "validate", "ContentValidation", Email=obj("Email", ID="1"))
    assert (ok.status_code, ok.status_message) == ("OK", "Validation succeeded")
    backend.api_create([obj("Email", ID="7", Name="Broken", HTMLBody="%%[ if 1 == 1 then ]%%")])
    _, bad = _perform(backend, "validate", "ContentValidation", Email=obj("Email", ID="7"))
    assert bad.status_code == "Error" and bad.status_message.startswith(
        "Validation failed: Broken:HTMLBody:1:"
    )


@pytest.mark.parametrize(
    "type_name, action",
    [
        (t, a)
        for t, actions in ACTIONS.items()
        for a in actions
        if t
        in (
            "DataExtractActivity",
            "ExtractDefinition",
            "FileTransferActivity",
            "FileTrigger",
            "FilterActivity",
            "GroupDefinition",
        )
    ],
)
def test_extract_file_filter_and_group_actions_look_for_their_definition(backend, type_name, action):
    # no longer refused as unsupported: the local account runs them (tests/test_perform_*.py)
    _, result = _perform(backend, action, type_name, CustomerKey="x")
    assert (result.status_code, result.status_message, result.error_code) == (
        "Error",
        f"Unable to find the {type_name} to perform (CustomerKey 'x').",
        2,
    )


@pytest.mark.parametrize(
    "type_name, action",
    [
        ("Campaign", "cancel"),
        ("Campaign", "pause"),
        ("EmailSendDefinition", "stop"),
        ("EmailSendDefinition", "pause"),
        ("EmailSendDefinition", "restart"),
    ],
)
def test_reserved_actions(backend, type_name, action):
    _, result = _perform(backend, action, type_name, CustomerKey="3640")
    assert (result.status_code, result.status_message) == (
        "Error",
        f"{action} on a {type_name} is reserved for future use and is not available.",
    )


@pytest.mark.parametrize(
    "type_name, action",
    [("QueryDefinition", "stop"), ("Campaign", "validate"), ("List", "start"), ("ImportDefinition", "test")],
)
def test_wrong_actions_get_the_service_message(backend, type_name, action):
    r, result = _perform(backend, action, type_name, CustomerKey="x")
    assert (r.overall_status, result.status_code, result.status_message) == (
        "Error",
        "Error",
        f"{action} is not an action that can be Performed on a {type_name}.",
    )


def test_performing_a_missing_definition(backend):
    _, result = _perform(backend, "start", "QueryDefinition", CustomerKey="nope")
    assert (result.status_code, result.status_message) == (
        "Error",
        "Unable to find the QueryDefinition to perform (CustomerKey 'nope').",
    )
    assert task_statuses(backend, ObjectType="QueryDefinition") == []


def test_async_activity_status_properties_are_selectable(backend):
    _, result = _perform(backend, "start", "QueryDefinition", CustomerKey="LoyaltyMembers")
    wait_for_tasks(backend, TaskID=result.task["ID"])
    from ampy.api.model import ApiObject

    r = backend.api_retrieve(
        ApiObject(
            "RetrieveRequest",
            {
                "ObjectType": "AsyncActivityStatus",
                "Properties": ["Status", "TaskID"],
                "Filter": obj(
                    "SimpleFilterPart", Property="TaskID", SimpleOperator="equals", Value=[result.task["ID"]]
                ),
            },
        )
    )
    assert [pairs(o) for o in r.results] == [{"Status": "Complete", "TaskID": result.task["ID"]}]


def test_query_compares_number_and_decimal_fields_as_numbers(root):
    # Stored as text, '420' > 1000 would be true in SQLite; a Number field must compare as a number.
    des = f"{root}/dataextensions"
    with open(f"{des}/Scores.csv", "w", encoding="utf-8") as f:
        f.write("Name,Points,Ratio\nann,420,9.5\nbob,12840,10.25\ncy,1001,100\ndee,,\n")
    with open(f"{des}/Scores.schema.json", "w", encoding="utf-8") as f:
        f.write('{"fields": [{"name": "Name", "primaryKey": true}, {"name": "Points", "type": "Number"},'
                ' {"name": "Ratio", "type": "Decimal", "scale": 2}]}')
    with open(f"{des}/Top.csv", "w", encoding="utf-8") as f:
        f.write("Name,Points,Ratio\n")
    backend = open_workspace(root)
    try:
        backend.api_create([obj("QueryDefinition", Name="Top", CustomerKey="top", TargetUpdateType="Overwrite",
                                QueryText="SELECT Name, Points, Ratio FROM Scores WHERE Points > 1000 "
                                          "OR Ratio > 10 ORDER BY Ratio DESC",
                                DataExtensionTarget=obj("InteractionBaseObject", CustomerKey="Top"))])
        _, result = _perform(backend, "start", "QueryDefinition", CustomerKey="top")
        assert wait_for_tasks(backend, TaskID=result.task["ID"])[0]["Status"] == "Complete"
        assert _rows(backend, "Top") == [{"Name": "cy", "Points": "1001", "Ratio": "100"},
                                         {"Name": "bob", "Points": "12840", "Ratio": "10.25"}]
    finally:
        backend.close()


def test_query_compares_date_fields_as_dates(root):
    # Stored as M/d/yyyy text, '9/30/2025' > '10/1/2025' as text; a Date field compares as a date.
    des = f"{root}/dataextensions"
    with open(f"{des}/Visits.csv", "w", encoding="utf-8") as f:
        f.write("Name,Seen\nann,9/30/2025\nbob,10/1/2025 8:00 PM\ncy,1/2/2026\ndee,\n")
    with open(f"{des}/Visits.schema.json", "w", encoding="utf-8") as f:
        f.write('{"fields": [{"name": "Name", "primaryKey": true}, {"name": "Seen", "type": "Date"}]}')
    with open(f"{des}/Recent.csv", "w", encoding="utf-8") as f:
        f.write("Name,Seen\n")
    with open(f"{des}/Recent.schema.json", "w", encoding="utf-8") as f:
        f.write('{"fields": [{"name": "Name", "primaryKey": true}, {"name": "Seen", "type": "Date"}]}')
    backend = open_workspace(root)
    try:
        backend.api_create([obj("QueryDefinition", Name="Recent", CustomerKey="recent", TargetUpdateType="Overwrite",
                                QueryText="SELECT Name, Seen FROM Visits WHERE Seen > '2025-10-01' "
                                          "AND Seen < GETDATE() ORDER BY Seen DESC",
                                DataExtensionTarget=obj("InteractionBaseObject", CustomerKey="Recent"))])
        _, result = _perform(backend, "start", "QueryDefinition", CustomerKey="recent")
        assert wait_for_tasks(backend, TaskID=result.task["ID"])[0]["Status"] == "Complete"
        assert _rows(backend, "Recent") == [{"Name": "cy", "Seen": "1/2/2026 12:00:00 AM"},
                                            {"Name": "bob", "Seen": "10/1/2025 8:00:00 PM"}]
    finally:
        backend.close()
