"""ProgramManifestTemplate start, PlatformApplication publish/deploy, SystemEntityOperation start."""

from __future__ import annotations

import json
import os
from datetime import timedelta

import pytest
from cloud_support import obj, retrieve, simple, task_statuses, wait_for_tasks
from perform_support import served, task_detail

from ampy.backends.base import BackendError
from ampy.runtime.dates import system_now


def _create(backend, *objects):
    r = backend.api_create(list(objects))
    assert [x.status_code for x in r.results] == ["OK"] * len(objects), [x.status_message for x in r.results]
    return r.results


def _perform(backend, action, type_name, **props):
    return backend.api_perform(action, [obj(type_name, **props)]).results[0]


def _done(backend, result):
    assert result.status_code == "OK", result.status_message
    (status,) = wait_for_tasks(backend, TaskID=result.task["ID"])
    return status


# ---- ProgramManifestTemplate -------------------------------------------------------------------


MANIFEST = {"name": "Spring program", "customerKey": "spring", "description": "made from a manifest",
            "activities": ["QueryDefinition:LoyaltyMembers", "emailsenddefinition:WelcomeSend"]}


def test_program_start_creates_a_campaign_ready_to_perform(backend, root):
    _create(backend, obj("ProgramManifestTemplate", CustomerKey="tpl", Name="Template", Manifest=json.dumps(MANIFEST)))
    result = _perform(backend, "start", "ProgramManifestTemplate", CustomerKey="tpl")
    assert result.status_message == "ProgramManifestTemplate performed"
    assert _done(backend, result)["Status"] == "Complete"
    assert task_detail(backend, result) == "Campaign spring (ID 2) created with 2 activities"
    r = retrieve(backend, "Campaign", ["ID", "CustomerKey", "Name", "Description"],
                 simple("CustomerKey", "equals", "spring"))
    assert [o.properties for o in r.results] == [
        {"ID": "2", "CustomerKey": "spring", "Name": "Spring program", "Description": "made from a manifest"}]
    started = _perform(backend, "start", "Campaign", CustomerKey="spring")
    rows = wait_for_tasks(backend, ParentInteractionObjectID=started.task["InteractionObjectID"])
    assert [(s["ObjectType"], s["CustomerKey"], s["Status"]) for s in rows] == [
        ("Campaign", "spring", "Complete"), ("QueryDefinition", "LoyaltyMembers", "Complete"),
        ("EmailSendDefinition", "WelcomeSend", "Complete")]
    assert len(os.listdir(os.path.join(root, "outbox"))) == 3


@pytest.mark.parametrize(
    "manifest, message",
    [
        ({**MANIFEST, "activities": ["QueryDefinition:Missing"]},
         "'QueryDefinition:Missing': the QueryDefinition with CustomerKey 'Missing' does not exist."),
        ({**MANIFEST, "activities": ["Subscriber:S001"]}, "'Subscriber:S001': 'Subscriber' is not an activity type."),
        ({**MANIFEST, "customerKey": "3640"}, "A Campaign with CustomerKey '3640' already exists."),
    ],
)
def test_a_program_that_cannot_be_made_creates_nothing(backend, manifest, message):
    _create(backend, obj("ProgramManifestTemplate", CustomerKey="tpl", Name="T", Manifest=json.dumps(manifest)))
    status = _done(backend, _perform(backend, "start", "ProgramManifestTemplate", CustomerKey="tpl"))
    assert (status["Status"], status["ErrorMsg"]) == ("Error", message)
    assert [c.get("CustomerKey") for c in retrieve(backend, "Campaign", ["CustomerKey"]).results] == ["3640"]


@pytest.mark.parametrize(
    "manifest, message",
    [
        ("", "The ProgramManifestTemplate has no Manifest."),
        ("{nope", "The Manifest is not valid JSON: Expecting property name enclosed in double quotes:"
                  " line 1 column 2 (char 1)"),
        ("[]", "The Manifest must be a JSON object."),
        ('{"activities": []}', 'The Manifest has no "name".'),
        ('{"name": "x", "activities": "QueryDefinition:a"}',
         'The Manifest\'s "activities" must be a list of "Type:CustomerKey" texts.'),
    ],
)
def test_a_bad_manifest_is_refused_at_once(backend, manifest, message):
    _create(backend, obj("ProgramManifestTemplate", CustomerKey="tpl", Name="T", Manifest=manifest))
    result = _perform(backend, "start", "ProgramManifestTemplate", CustomerKey="tpl")
    assert (result.status_code, result.status_message) == ("Error", message)
    assert task_statuses(backend, ObjectType="ProgramManifestTemplate") == []


# ---- PlatformApplication -----------------------------------------------------------------------


def _app(backend):
    r = retrieve(backend, "PlatformApplication",
                 ["CustomerKey", "Status", "Version", "PublishedVersion", "DeployedVersion"],
                 simple("CustomerKey", "equals", "pkg"))
    (app,) = r.results
    return app.properties


def test_publish_and_deploy_are_versioned_status_changes(backend):
    _create(backend, obj("PlatformApplication", CustomerKey="pkg", Name="Loyalty app"))
    assert _app(backend) == {"CustomerKey": "pkg", "Status": "Installed", "Version": "0", "PublishedVersion": "",
                             "DeployedVersion": ""}
    early = _perform(backend, "deploy", "PlatformApplication", CustomerKey="pkg")
    assert (early.status_code, early.status_message) == (
        "Error", "The application has not been published; publish a version before deploying it.")
    published = _perform(backend, "publish", "PlatformApplication", CustomerKey="pkg")
    assert _done(backend, published)["Status"] == "Complete"
    assert _app(backend) == {"CustomerKey": "pkg", "Status": "Published", "Version": "1", "PublishedVersion": "1",
                             "DeployedVersion": ""}
    deployed = _perform(backend, "deploy", "PlatformApplication", CustomerKey="pkg")
    assert _done(backend, deployed)["Status"] == "Complete" and task_detail(backend, deployed) == "version 1 deployed"
    assert _app(backend) == {"CustomerKey": "pkg", "Status": "Deployed", "Version": "1", "PublishedVersion": "1",
                             "DeployedVersion": "1"}
    _done(backend, _perform(backend, "publish", "PlatformApplication", CustomerKey="pkg"))
    assert _app(backend) == {"CustomerKey": "pkg", "Status": "Published", "Version": "2", "PublishedVersion": "2",
                             "DeployedVersion": "1"}
    (dates,) = retrieve(backend, "PlatformApplication", ["PublishedDate", "DeployedDate"]).results
    assert dates.get("PublishedDate") > dates.get("DeployedDate")


def test_unknown_package_and_unsupported_action(backend):
    missing = _perform(backend, "publish", "PlatformApplication", CustomerKey="nope")
    assert (missing.status_code, missing.status_message) == (
        "Error", "Unable to find the PlatformApplication to perform (CustomerKey 'nope').")
    wrong = _perform(backend, "start", "PlatformApplication", CustomerKey="nope")
    assert wrong.status_message == "start is not an action that can be Performed on a PlatformApplication."
    assert task_statuses(backend, ObjectType="PlatformApplication") == []


def test_an_application_deleted_before_its_task_runs_ends_in_error(backend):
    import threading

    _create(backend, obj("PlatformApplication", CustomerKey="pkg", Name="App"))
    gate, inside = threading.Event(), threading.Event()
    backend.cloud.runner.submit(lambda worker: (inside.set(), gate.wait(10)))
    assert inside.wait(10)
    result = _perform(backend, "publish", "PlatformApplication", CustomerKey="pkg")
    backend.api_delete([obj("PlatformApplication", CustomerKey="pkg")])
    gate.set()
    status = _done(backend, result)
    assert (status["Status"], status["ErrorMsg"]) == ("Error", "The PlatformApplication was deleted before it ran.")


# ---- SystemEntityOperation ---------------------------------------------------------------------


def _operation(backend, key, operation, entity):
    _create(backend, obj("SystemEntityOperation", CustomerKey=key, Name=key, Operation=operation, Entity=entity))
    return _perform(backend, "start", "SystemEntityOperation", CustomerKey=key)


def test_recount_list(backend):
    result = _operation(backend, "recount", "RecountList", obj("List", CustomerKey="Newsletter"))
    assert _done(backend, result)["Status"] == "Complete"
    assert task_detail(backend, result) == "Newsletter: 4 subscriber(s), 4 active"
    (newsletter,) = retrieve(backend, "List", ["ListName", "PartnerProperties"], simple("ID", "equals", "1")).results
    assert [(p.get("Name"), p.get("Value")) for p in newsletter.get("PartnerProperties")] == [
        ("SubscriberCount", "4"), ("ActiveSubscriberCount", "4")]


def test_rebuild_indexes(backend):
    result = _operation(backend, "reindex", "RebuildIndexes", obj("DataExtension", CustomerKey="Subscribers"))
    assert _done(backend, result)["Status"] == "Complete"
    assert task_detail(backend, result) == "indexes of Subscribers rebuilt (5 row(s))"
    assert backend.store.lookup("Subscribers", [("SubscriberKey", "s001")])[0]["FirstName"] == "Ada"


def _retention_de(root, days=30):
    folder = os.path.join(root, "dataextensions")
    now = system_now().replace(microsecond=0)
    with open(os.path.join(folder, "Visits.csv"), "w", encoding="utf-8") as f:
        f.write("VisitID,SeenAt\n")
        for n, age in ((1, 100), (2, 5), (3, None), (4, 31), (5, 29)):  # days old; 3 has no date
            f.write(f"{n},{(now - timedelta(days=age)).isoformat() if age else ''}\n")
    with open(os.path.join(folder, "Visits.schema.json"), "w", encoding="utf-8") as f:
        json.dump({"retention": {"field": "SeenAt", "days": days},
                   "fields": [{"name": "VisitID", "primaryKey": True}, {"name": "SeenAt", "type": "Date"}]}, f)


def test_purge_expired_rows(backend, root):
    _retention_de(root)
    result = _operation(backend, "purge", "PurgeExpiredRows", obj("DataExtension", Name="Visits"))
    assert _done(backend, result)["Status"] == "Complete"
    assert task_detail(backend, result) == "2 row(s) of Visits older than 30 day(s) purged"
    assert [r["VisitID"] for r in backend.store.lookup("Visits", ())] == ["2", "3", "5"]


def test_operation_failures(backend, root):
    unknown = _operation(backend, "odd", "Defragment", obj("DataExtension", Name="Subscribers"))
    assert (unknown.status_code, unknown.status_message) == (
        "Error", "'Defragment' is not a system entity operation of the local account "
        "(RecountList, RebuildIndexes, PurgeExpiredRows).")
    no_retention = _operation(backend, "p1", "PurgeExpiredRows", obj("DataExtension", Name="Subscribers"))
    assert _done(backend, no_retention)["ErrorMsg"] == (
        "'Subscribers' has no retention setting (\"retention\" in its schema).")
    no_de = _operation(backend, "p2", "RebuildIndexes", obj("DataExtension", Name="Gone"))
    assert _done(backend, no_de)["ErrorMsg"] == "The data extension 'Gone' does not exist."
    no_list = _operation(backend, "p3", "RecountList", obj("List", ListName="Gone"))
    assert _done(backend, no_list)["ErrorMsg"] == "The list named by the Entity does not exist."
    missing = _perform(backend, "start", "SystemEntityOperation", CustomerKey="nope")
    assert missing.status_message == "Unable to find the SystemEntityOperation to perform (CustomerKey 'nope')."
    wrong = _perform(backend, "stop", "SystemEntityOperation", CustomerKey="p1")
    assert wrong.status_message == "stop is not an action that can be Performed on a SystemEntityOperation."


def test_a_purge_that_fails_midway_deletes_nothing(backend, root):
    _retention_de(root)
    # SeenAt named in the retention must be a column: point it at one that is not
    with open(os.path.join(root, "dataextensions", "Visits.schema.json"), "w", encoding="utf-8") as f:
        json.dump({"retention": {"field": "Seen", "days": 30}}, f)
    status = _done(backend, _operation(backend, "purge", "PurgeExpiredRows", obj("DataExtension", Name="Visits")))
    assert (status["Status"], status["ErrorMsg"]) == (
        "Error", "The retention field of 'Visits': Data extension 'Visits' has no column 'Seen'")
    assert len(backend.store.lookup("Visits", ())) == 5


def test_a_bad_retention_setting_is_a_clear_schema_error(backend, root):
    _retention_de(root)
    with open(os.path.join(root, "dataextensions", "Visits.schema.json"), "w", encoding="utf-8") as f:
        json.dump({"retention": {"field": "SeenAt", "days": "30"}}, f)
    with pytest.raises(BackendError) as e:
        backend.store.lookup("Visits", ())
    assert str(e.value) == (
        'Visits.schema.json: invalid schema: "retention" must be {"field": <date field>, "days": <n > 0>}')


def test_platform_types_over_the_soap_server(root):
    _retention_de(root)
    with served(root) as (soap, account):
        _create(soap, obj("PlatformApplication", CustomerKey="pkg", Name="App"),
                obj("SystemEntityOperation", CustomerKey="purge", Name="Purge", Operation="PurgeExpiredRows",
                    Entity=obj("DataExtension", CustomerKey="Visits")),
                obj("ProgramManifestTemplate", CustomerKey="tpl", Name="T", Manifest=json.dumps(MANIFEST)))
        for action, type_name, key in (("publish", "PlatformApplication", "pkg"),
                                       ("start", "SystemEntityOperation", "purge"),
                                       ("start", "ProgramManifestTemplate", "tpl")):
            result = soap.api_perform(action, [obj(type_name, CustomerKey=key)]).results[0]
            assert (result.status_code, result.status_message) == ("OK", f"{type_name} performed")
            (status,) = wait_for_tasks(soap, polls=400, TaskID=result.task["ID"])
            assert status["Status"] == "Complete"
        early = soap.api_perform("deploy", [obj("PlatformApplication", CustomerKey="nope")]).results[0]
        assert early.status_message == "Unable to find the PlatformApplication to perform (CustomerKey 'nope')."
        assert _app(soap) == {"CustomerKey": "pkg", "Status": "Published", "Version": "1", "PublishedVersion": "1",
                              "DeployedVersion": ""}
        assert [r["VisitID"] for r in account.store.lookup("Visits", ())] == ["2", "3", "5"]
        assert [c.get("CustomerKey") for c in retrieve(soap, "Campaign", ["CustomerKey"]).results] == ["3640", "spring"]
