"""The workspace: ampy init, definitions seeding, two writer processes, the samples through the CLI."""

from __future__ import annotations

import filecmp
import os
import subprocess
import sys

import pytest
from cloud_support import new_workspace, obj, open_workspace, retrieve, simple

from ampy.cloud.workspace import WorkspaceExists, create_workspace

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STARTER = os.path.join(REPO, "ampy", "cloud", "starter")


def _files(root):
    out = []
    for folder, _, names in os.walk(root):
        if ".ampy" in folder or "outbox" in folder or "__pycache__" in folder:
            continue
        out += [os.path.relpath(os.path.join(folder, n), root) for n in names]
    return sorted(out)


def test_init_creates_the_sample_account_and_refuses_a_full_folder(tmp_path):
    root = new_workspace(tmp_path)
    assert _files(root) == _files(STARTER)
    assert "definitions/account.json" in _files(root) and "dataextensions/Subscribers.schema.json" in _files(
        root
    )
    with pytest.raises(WorkspaceExists):
        create_workspace(root)


def test_the_checked_in_sample_workspace_is_what_init_writes():
    sample = os.path.join(REPO, "samples", "workspace")
    assert _files(sample) == _files(STARTER)
    _, mismatch, errors = filecmp.cmpfiles(sample, STARTER, _files(STARTER), shallow=False)
    assert (mismatch, errors) == ([], [])


def test_cli_init(tmp_path):
    target = str(tmp_path / "acct")
    done = subprocess.run([sys.executable, "-m", "ampy", "init", target], capture_output=True, text=True)
    assert (done.returncode, done.stdout) == (0, "")
    assert os.path.isfile(os.path.join(target, "ampy.toml"))
    again = subprocess.run([sys.executable, "-m", "ampy", "init", target], capture_output=True, text=True)
    assert (again.returncode, again.stderr) == (
        2,
        f"ampy: {target} already exists and is not an empty folder\n",
    )


def test_definitions_are_seeded_once_and_reimported_when_changed(tmp_path):
    root = new_workspace(tmp_path)
    backend = open_workspace(root)
    try:
        assert [o.get("ListName") for o in retrieve(backend, "List", ["ListName"]).results] == [
            "Newsletter",
            "Seed list (test sends)",
            "Suppression",
        ]
        assert len(retrieve(backend, "Subscriber", ["SubscriberKey"]).results) == 5
    finally:
        backend.close()
    path = os.path.join(root, "definitions", "account.json")
    with open(path, encoding="utf-8") as f:
        text = f.read().replace('"ListName": "Newsletter"', '"ListName": "Weekly news"')
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    backend = open_workspace(root)
    try:
        names = [o.get("ListName") for o in retrieve(backend, "List", ["ListName"]).results]
        assert names == ["Weekly news", "Seed list (test sends)", "Suppression"]
        assert len(retrieve(backend, "Subscriber", ["SubscriberKey"]).results) == 5
    finally:
        backend.close()


def test_a_broken_definitions_file_is_a_clear_error(tmp_path):
    root = new_workspace(tmp_path)
    with open(os.path.join(root, "definitions", "zz.json"), "w") as f:
        f.write('[{"Type": "List", "ListName": "x", "Colour": "red"}]')
    backend = open_workspace(root)
    try:
        from ampy.backends.base import BackendError

        with pytest.raises(BackendError) as info:
            backend.api_retrieve(obj("RetrieveRequest", ObjectType="List", Properties=["ListName"]))
        assert (
            str(info.value)
            == "definitions/zz.json: object 1 (List): The property 'Colour' is not a property of List."
        )
    finally:
        backend.close()


WRITER = """
import sys
from ampy.backends.local import LocalBackend
from ampy.api.model import ApiObject
backend = LocalBackend.for_workspace(sys.argv[1])
tag = sys.argv[2]
for i in range(200):
    if i % 2:
        backend.insert_row("Orders", [("OrderID", f"{tag}{i:04d}"), ("SubscriberKey", tag)])
    else:
        r = backend.api_create([ApiObject("DataExtensionObject", {"Name": "Orders", "Properties": [
            ApiObject("APIProperty", {"Name": "OrderID", "Value": f"{tag}{i:04d}"}),
            ApiObject("APIProperty", {"Name": "SubscriberKey", "Value": tag})]})])
        assert r.overall_status == "OK", r.results[0].status_message
backend.close()
"""


def test_two_processes_writing_one_data_extension_lose_nothing(tmp_path):
    root = new_workspace(tmp_path)
    open_workspace(root).close()  # create the store once, as a first `ampy run` would
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, root, tag], cwd=REPO, stderr=subprocess.PIPE)
        for tag in ("1", "2")
    ]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
    backend = open_workspace(root)
    try:
        ids = sorted(r["OrderID"] for r in backend.store.lookup("Orders", ()))
        assert ids == sorted(f"{tag}{i:04d}" for tag in ("1", "2") for i in range(200))
    finally:
        backend.close()


def test_a_csv_imported_by_another_process_meanwhile_is_not_imported_again(tmp_path):
    # Two stores on one file both see the CSV as not yet imported; the one that gets the write
    # lock second must not re-create the table and drop the rows the first one wrote since.
    from ampy.cloud.store import DataStore

    (tmp_path / "T.csv").write_text("Id\n1\n", encoding="utf-8")
    path = str(tmp_path / "store.sqlite")
    first, second = DataStore(path, str(tmp_path)), DataStore(path, str(tmp_path))
    try:
        first.insert_row("T", [("Id", "2")])
        seen = []

        def stale_then_true(key):
            seen.append(key)
            return None if len(seen) == 1 else DataStore._source_stamp(second, key)

        second._source_stamp = stale_then_true
        second._scan_dir()
        second._refresh_from_csv("t", second._csv_files["t"])
        assert seen == ["t", "t"]
        assert [r["Id"] for r in second.lookup("T", ())] == ["1", "2"]
    finally:
        first.close()
        second.close()


def _run(sample, root):
    done = subprocess.run(
        [sys.executable, "-m", "ampy", "run", os.path.join(REPO, "samples", sample), "--workspace", root],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert (done.returncode, done.stderr) == (0, "")
    return done.stdout


def test_sample_perform_campaign(tmp_path):
    root = new_workspace(tmp_path)
    assert _run("perform_campaign.amp", root) == (
        "Overall Perform Status: OK\nStatus Message: Campaign performed\nCompleted: True\nStatus: OK\n"
    )
    assert len(os.listdir(os.path.join(root, "outbox"))) == 3


def test_sample_start_email_send_definition(tmp_path):
    root = new_workspace(tmp_path)
    out = _run("start_email_send_definition.amp", root)
    assert out == (
        "Create Send Definition: OK Created EmailSendDefinition\n"
        "Perform Send Definition Overall result: OK EmailSendDefinition performed\n"
        "Task status: Complete\nTaskID: 1\n"
        'JobID: 1 from "Dynamic from Name", 3 sent\n'
    )


def test_sample_invoke_perform_query(tmp_path):
    root = new_workspace(tmp_path)
    out = _run("invoke_perform_query.amp", root)
    assert out.startswith("rrStatus: OK<br>rrRequestID: ")
    request_id = out.split("rrRequestID: ")[1].split("\n")[0]
    assert len(request_id) == 36 and request_id.count("-") == 4
    assert out.split(request_id)[1] == (
        "\n<br>queryDefinitions: 1\n<br>performStatusCode: OK\n"
        "<br>performStatusMessage: QueryDefinition perform called successfully\n"
    )
    backend = open_workspace(root)
    try:
        backend.wait_for_tasks()
        r = retrieve(
            backend, "AsyncActivityStatus", ["Status"], simple("ObjectType", "equals", "QueryDefinition")
        )
        assert [o.get("Properties")[0].get("Value") for o in r.results] == ["Complete"]
    finally:
        backend.close()


def test_sample_perform_sms_send(tmp_path):
    root = new_workspace(tmp_path)
    assert _run("perform_sms_send.amp", root) == (
        "Create SMS send: OK Created SMSSendActivity\nPerform: OK SMSSendActivity performed\n"
        "Task status: Complete\n"
        "JobID 1: 3 of 3 text messages written to outbox/sms, 1 subscriber without a mobile number\n"
    )
    assert sorted(os.listdir(os.path.join(root, "outbox", "sms"))) == ["1-000001.txt", "1-000002.txt", "1-000003.txt"]
    with open(os.path.join(root, "outbox", "sms", "1-000002.txt"), encoding="utf-8") as f:
        assert f.read() == (
            "To: +14155550102\nFrom: 55555\nSubscriber-Key: S002\nJob-ID: 1\n\n"
            "Hi Grace, your Platinum perks are waiting. Reply STOP to opt out."
        )


def test_sample_perform_filter_activity(tmp_path):
    root = new_workspace(tmp_path)
    expected = (
        "Create filter definition: OK Created FilterDefinition\nCreate filter activity: OK Created FilterActivity\n"
        "Perform: OK FilterActivity performed\nTask status: Complete\n"
        "GoldSubscribers: S001 Ada (Gold) S004 Edsger (Gold) S002 Grace (Platinum)\n"
    )
    assert _run("perform_filter_activity.amp", root) == expected
    assert _run("perform_filter_activity.amp", root) == expected  # runs again: the destination is overwritten


def test_sample_perform_data_extract(tmp_path):
    root = new_workspace(tmp_path)
    assert _run("perform_data_extract.amp", root) == (
        "Create extract: OK Created DataExtractActivity\nCreate transfer: OK Created FileTransferActivity\n"
        "Perform: OK Campaign performed\nCampaign: Complete\nDataExtractActivity: Complete\n"
        "FileTransferActivity: Complete\n"
        "Produced: ftp/Export/subscribers.csv (tab-delimited, with a header line)\n"
    )
    assert os.listdir(os.path.join(root, "safehouse")) == []
    with open(os.path.join(root, "ftp", "Export", "subscribers.csv"), "rb") as f:
        lines = f.read().split(b"\r\n")
    assert lines[:2] == [b"SubscriberKey\tEmailAddress\tFirstName\tLastName\tTier\tCity",
                         b"S001\tada@example.com\tAda\tLovelace\tGold\tLondon"]
    assert (len(lines), lines[-1]) == (7, b"")
