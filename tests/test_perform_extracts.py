"""DataExtractActivity / ExtractDefinition, FileTransferActivity and FileTrigger start."""

from __future__ import annotations

import csv
import io
import os
import shutil
import zipfile

import pytest
from cloud_support import new_workspace, obj, open_workspace, prop, wait_for_tasks
from perform_support import served, start, task_detail

from ampy.cloud.filetriggers import pattern_regex, taken_files


def param(name, value):
    return obj("ExtractParameter", Name=name, Value=value)


def _setup(b, store):
    r = b.api_create([
        obj("DataExtension", CustomerKey="Visits", Name="Visits", Fields=[
            obj("DataExtensionField", Name="Id", FieldType="Number", IsPrimaryKey="true", IsRequired="true"),
            obj("DataExtensionField", Name="Who", FieldType="Text", MaxLength="50"),
            obj("DataExtensionField", Name="Note", FieldType="Text", MaxLength="50"),
            obj("DataExtensionField", Name="SeenAt", FieldType="Date")]),
        obj("DataExtractActivity", CustomerKey="all-visits", Name="All visits",
            Parameters=[param("DECustomerKey", "Visits"), param("OutputFileName", "visits.csv")]),
        obj("ExtractDefinition", CustomerKey="march", Name="March visits", ExtractType="DataExtension",
            Parameters=[param("DECustomerKey", "Visits"), param("OutputFileName", "march.txt"),
                        param("HasColumnHeaders", "false"), param("ColumnDelimiter", "pipe"),
                        param("TextQualified", "true"), param("Encoding", "utf-16"),
                        param("StartDate", "2026-03-01"), param("EndDate", "2026-03-31"),
                        param("_AsyncID", "0")]),
        obj("ExtractDefinition", CustomerKey="tracking", Name="Tracking", ExtractType="Tracking",
            Parameters=[param("OutputFileName", "tracking.zip"), param("ExtractSent", "true"),
                        param("ExtractOpens", "true"), param("ExtractSendJobs", "true")]),
        obj("FileTransferActivity", CustomerKey="to-export", Name="To export", FileSpec="visits.*"),
        obj("FileTrigger", CustomerKey="orders-drop", Name="Orders drop", FileNamingPattern="orders_*.csv",
            ImportDefinition=obj("ImportDefinition", CustomerKey="ImportOrders")),
    ])
    assert [x.status_code for x in r.results] == ["OK"] * 6, [x.status_message for x in r.results]
    for row in (("1", "Ada", "likes, commas", "2/14/2026"), ("2", "Zoë", 'says "hi"', "3/4/2026 10:15 AM"),
                ("3", "Alan", None, "3/31/2026 11:00 PM"), ("4", "Grace", "later", "4/1/2026")):
        store.insert_row("Visits", list(zip(["Id", "Who", "Note", "SeenAt"], row, strict=True)))


def _start(backend, type_name, key):
    result, status = start(backend, type_name, key)
    return status, task_detail(backend, result)


def _read(root, *parts):
    with open(os.path.join(root, *parts), "rb") as f:
        return f.read()


def _files(root, *parts):
    folder = os.path.join(root, *parts)
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


# ---- data extension extract --------------------------------------------------------------------


def test_a_data_extension_extract_writes_every_row_with_headers(backend, root):
    status, detail = _start(backend, "DataExtractActivity", "all-visits")
    assert (status["Status"], status["ErrorMsg"], status["Action"], status["ObjectType"]) == (
        "Complete", "", "start", "DataExtractActivity")
    assert detail == "4 row(s) of Visits written to safehouse/visits.csv"
    assert _read(root, "safehouse", "visits.csv") == (
        "Id,Who,Note,SeenAt\r\n"
        '1,Ada,"likes, commas",2/14/2026 12:00:00 AM\r\n'
        '2,Zoë,"says ""hi""",3/4/2026 10:15:00 AM\r\n'
        "3,Alan,,3/31/2026 11:00:00 PM\r\n"
        "4,Grace,later,4/1/2026 12:00:00 AM\r\n"
    ).encode()


def test_an_extract_definition_takes_a_date_range_delimiter_qualifier_and_encoding(backend, root):
    status, detail = _start(backend, "ExtractDefinition", "march")
    assert status["Status"] == "Complete"
    assert detail == "2 row(s) of Visits written to safehouse/march.txt"
    data = _read(root, "safehouse", "march.txt")
    assert data[:2] == b"\xff\xfe"  # utf-16 with its byte order mark
    assert data.decode("utf-16") == (
        '"2"|"Zoë"|"says ""hi"""|"3/4/2026 10:15:00 AM"\r\n"3"|"Alan"|""|"3/31/2026 11:00:00 PM"\r\n'
    )


def test_a_zipped_extract(backend, root):
    backend.api_create([obj("DataExtractActivity", CustomerKey="zipped", Parameters=[
        param("DECustomerKey", "Visits"), param("OutputFileName", "visits.csv"), param("Zip", "true"),
        param("ColumnDelimiter", "tab"), param("EndDate", "2/28/2026")])])
    status, detail = _start(backend, "DataExtractActivity", "zipped")
    assert (status["Status"], detail) == ("Complete", "1 row(s) of Visits written to safehouse/visits.zip")
    with zipfile.ZipFile(os.path.join(root, "safehouse", "visits.zip")) as archive:
        assert archive.namelist() == ["visits.csv"]
        assert archive.read("visits.csv") == (
            b"Id\tWho\tNote\tSeenAt\r\n1\tAda\tlikes, commas\t2/14/2026 12:00:00 AM\r\n")


@pytest.mark.parametrize("params, message", [
    ([param("DECustomerKey", "Visits"), param("Encoding", "ascii")],
     "A value holds 'ë', which ascii cannot encode; nothing was written."),
    ([param("DECustomerKey", "Nope")], "The data extension 'Nope' (DECustomerKey) does not exist."),
    ([param("DECustomerKey", "Visits"), param("OutputFileName", "../escape.csv")],
     "The OutputFileName '../escape.csv' must be a file name, not a path."),
    ([param("DECustomerKey", "Visits"), param("StartDate", "someday")], "The StartDate 'someday' is not a date."),
    ([param("DECustomerKey", "Visits"), param("Encoding", "klingon")],
     "'klingon' is not an encoding (utf-8, utf-16, ascii, iso-8859-1 ...)."),
])
def test_a_failing_extract_ends_in_error_and_writes_nothing(backend, root, params, message):
    backend.api_create([obj("DataExtractActivity", CustomerKey="bad", Parameters=params)])
    status, _ = _start(backend, "DataExtractActivity", "bad")
    assert (status["Status"], status["ErrorMsg"]) == ("Error", message)
    assert _files(root, "safehouse") == []
    assert not os.path.exists(os.path.join(root, "escape.csv"))


# ---- tracking extract ----------------------------------------------------------------------------


def test_a_tracking_extract_zips_the_chosen_files_with_their_headers(backend, root):
    sent, _ = _start(backend, "EmailSendDefinition", "NewsletterSend")
    assert sent["Status"] == "Complete"
    status, detail = _start(backend, "ExtractDefinition", "tracking")
    assert status["Status"] == "Complete"
    assert detail == "tracking extract written to safehouse/tracking.zip (SendJobs.csv 1, Sent.csv 3, Opens.csv 0)"
    with zipfile.ZipFile(os.path.join(root, "safehouse", "tracking.zip")) as archive:
        assert archive.namelist() == ["SendJobs.csv", "Sent.csv", "Opens.csv"]
        opens = archive.read("Opens.csv")
        sent_lines = archive.read("Sent.csv").decode().split("\r\n")
        jobs = archive.read("SendJobs.csv").decode().split("\r\n")
    assert opens == (b"ClientID,SendID,SubscriberKey,EmailAddress,SubscriberID,ListID,EventDate,EventType,"
                     b"BatchID,TriggeredSendExternalKey\r\n")
    assert [line.split(",")[:6] + line.split(",")[7:] for line in sent_lines[1:-1]] == [
        ["100000001", "1", "S001", "ada@example.com", "1", "", "Sent", "", ""],
        ["100000001", "1", "S002", "grace@example.com", "2", "", "Sent", "", ""],
        ["100000001", "1", "S003", "alan@example.com", "3", "", "Sent", "", ""],
    ]
    assert jobs[0] == ("ClientID,SendID,FromName,FromEmail,SchedTime,SentTime,Subject,EmailName,"
                       "TriggeredSendExternalKey,SendDefinitionExternalKey,JobStatus,PreviewURL,IsMultipart,"
                       "Additional")
    (fields,) = csv.reader(jobs[1:2])
    assert (fields[:4], fields[6:11]) == (["100000001", "1", "Example News", "news@example.com"],
                                          ["Welcome, %%FirstName%%!", "Welcome", "", "NewsletterSend", "Complete"])


# ---- file transfers --------------------------------------------------------------------------------


def test_a_file_transfer_moves_the_extract_to_the_ftp_export_folder(backend, root):
    _start(backend, "DataExtractActivity", "all-visits")
    extracted = _read(root, "safehouse", "visits.csv")
    status, detail = _start(backend, "FileTransferActivity", "to-export")
    assert (status["Status"], detail) == ("Complete", "1 file(s) moved to ftp/Export/: visits.csv")
    assert _files(root, "safehouse") == []
    assert _read(root, "ftp", "Export", "visits.csv") == extracted


def test_zip_and_unzip_transfers(backend, root):
    _start(backend, "DataExtractActivity", "all-visits")
    extracted = _read(root, "safehouse", "visits.csv")
    backend.api_create([
        obj("FileTransferActivity", CustomerKey="zip", FileSpec="VISITS.CSV", DestinationFolder="Import", Zip="true"),
        obj("FileTransferActivity", CustomerKey="unzip", FileSpec="*.zip", SourceFolder="ftp/Import",
            DestinationFolder="Safehouse", Unzip="true"),
    ])
    status, detail = _start(backend, "FileTransferActivity", "zip")
    assert (status["Status"], detail) == ("Complete", "1 file(s) moved to ftp/Import/: visits.zip")
    with zipfile.ZipFile(os.path.join(root, "ftp", "Import", "visits.zip")) as archive:
        assert archive.namelist() == ["visits.csv"]
    status, detail = _start(backend, "FileTransferActivity", "unzip")
    assert (status["Status"], detail) == ("Complete", "1 file(s) moved to safehouse/: visits.csv")
    assert (_files(root, "ftp", "Import"), _read(root, "safehouse", "visits.csv")) == ([], extracted)


@pytest.mark.parametrize("props, message", [
    ({"FileSpec": "../ampy.toml"}, "The FileSpec '../ampy.toml' must be a file name, not a path."),
    ({"FileSpec": "missing.csv"}, "No file matching 'missing.csv' in safehouse/."),
    ({"FileSpec": "*", "DestinationFolder": "/etc"}, "'/etc' is not a file location (Safehouse, Import, Export)."),
    ({"FileSpec": "*", "Unzip": "true"}, "'a.csv' is not a zip archive; it cannot be unzipped."),
])
def test_a_failing_transfer_moves_nothing(backend, root, props, message):
    os.makedirs(os.path.join(root, "safehouse"))
    for name in ("a.csv", "b.zip"):
        with open(os.path.join(root, "safehouse", name), "wb") as f:
            f.write(_zip_bytes({"x.csv": b"x"}) if name.endswith(".zip") else b"a\r\n")
    backend.api_create([obj("FileTransferActivity", CustomerKey="bad", **props)])
    status, _ = _start(backend, "FileTransferActivity", "bad")
    assert (status["Status"], status["ErrorMsg"]) == ("Error", message)
    assert _files(root, "safehouse") == ["a.csv", "b.zip"]
    assert _files(root, "ftp", "Export") == []


def _zip_bytes(members: dict) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


# ---- file triggers ---------------------------------------------------------------------------------


def _drop(root, name, content):
    os.makedirs(os.path.join(root, "ftp", "Import"), exist_ok=True)
    with open(os.path.join(root, "ftp", "Import", name), "w", encoding="utf-8") as f:
        f.write(content)


def test_a_file_trigger_imports_each_new_file_once(backend, root):
    _drop(root, "orders_1.csv", "OrderID,SubscriberKey,Amount,OrderDate\n1,S001,10.50,3/1/2026\n")
    _drop(root, "orders_2.csv", "OrderID,SubscriberKey,Amount,OrderDate\n2,S002,20,3/2/2026\n")
    _drop(root, "other.csv", "OrderID\n9\n")
    status, detail = _start(backend, "FileTrigger", "orders-drop")
    assert (status["Status"], detail) == (
        "Complete", "2 new file(s) for ImportDefinition ImportOrders: orders_1.csv, orders_2.csv")
    children = [s for s in wait_for_tasks(backend, ParentInteractionObjectID=status["InteractionObjectID"])
                if s["ObjectType"] == "ImportDefinition"]
    assert [(c["Status"], c["CustomerKey"]) for c in children] == [("Complete", "ImportOrders")] * 2
    assert [(r["OrderID"], r["Amount"]) for r in backend.store.lookup("Orders", ())] == [("1", "10.50"), ("2", "20.00")]
    trigger = backend.cloud.objects.find(obj("FileTrigger", CustomerKey="orders-drop"))[1]
    assert taken_files(backend.cloud, trigger.get("ObjectID")) == [
        ("orders_1.csv", int(children[0]["TaskID"])), ("orders_2.csv", int(children[1]["TaskID"]))]
    # a second start takes only the file dropped since
    _drop(root, "orders_3.csv", "OrderID,SubscriberKey,Amount,OrderDate\n3,S003,5,3/3/2026\n")
    status, detail = _start(backend, "FileTrigger", "orders-drop")
    assert detail == "1 new file(s) for ImportDefinition ImportOrders: orders_3.csv"
    assert [f for f, _ in taken_files(backend.cloud, trigger.get("ObjectID"))] == [
        "orders_1.csv", "orders_2.csv", "orders_3.csv"]
    status, detail = _start(backend, "FileTrigger", "orders-drop")
    assert (status["Status"], detail) == ("Complete", "no new file")
    assert backend.store.row_count("Orders") == 3


def test_a_failing_import_fails_the_trigger_and_leaves_the_data_extension(backend, root):
    _drop(root, "orders_bad.csv", "OrderID,SubscriberKey,Amount,OrderDate\nnot-a-number,S001,1,3/1/2026\n")
    status, _ = _start(backend, "FileTrigger", "orders-drop")
    assert (status["Status"], status["ErrorMsg"]) == (
        "Error", "1 of 1 import(s) started by the trigger did not complete.")
    (child,) = [s for s in wait_for_tasks(backend, ParentInteractionObjectID=status["InteractionObjectID"])
                if s["ObjectType"] == "ImportDefinition"]
    assert child["Status"] == "Error" and child["ErrorMsg"].startswith("orders_bad.csv: ")
    assert backend.store.row_count("Orders") == 0


def test_file_naming_patterns():
    from datetime import datetime

    today = datetime(2026, 3, 4)
    regex = pattern_regex("Orders_%%Year%%%%Month%%%%Day%%_*.CSV", today)
    assert regex.fullmatch("orders_20260304_a.csv") and not regex.fullmatch("orders_20260305_a.csv")
    assert pattern_regex("a?c.txt", today).fullmatch("abc.txt") and not pattern_regex("a.c", today).fullmatch("abc")


# ---- definitions, refusals, SOAP -----------------------------------------------------------------------


def test_unknown_definitions_and_unsupported_actions(backend):
    for type_name in ("DataExtractActivity", "ExtractDefinition", "FileTransferActivity", "FileTrigger"):
        r = backend.api_perform("start", [obj(type_name, CustomerKey="nope")]).results[0]
        assert (r.status_code, r.status_message) == (
            "Error", f"Unable to find the {type_name} to perform (CustomerKey 'nope').")
        r = backend.api_perform("pause", [obj(type_name, CustomerKey="nope")]).results[0]
        assert (r.status_code, r.status_message) == (
            "Error", f"pause is not an action that can be Performed on a {type_name}.")


def test_definitions_can_be_retrieved_updated_and_deleted(backend):
    from cloud_support import retrieve, simple

    r = backend.api_update([obj("FileTransferActivity", CustomerKey="to-export", DestinationFolder="Import")])
    assert r.results[0].status_code == "OK"
    got = retrieve(backend, "FileTransferActivity", ["CustomerKey", "FileSpec", "DestinationFolder"],
                   simple("CustomerKey", "equals", "to-export"))
    assert [(o.get("FileSpec"), o.get("DestinationFolder")) for o in got.results] == [("visits.*", "Import")]
    assert backend.api_delete([obj("FileTrigger", CustomerKey="orders-drop")]).results[0].status_code == "OK"
    assert retrieve(backend, "FileTrigger", ["CustomerKey"]).results == []


def test_an_extract_then_a_transfer_over_the_soap_server(root):
    with served(root) as (soap, account):
        _setup(soap, account.store)
        for type_name, key in (("DataExtractActivity", "all-visits"), ("FileTransferActivity", "to-export")):
            assert start(soap, type_name, key, polls=400)[1]["Status"] == "Complete"
        assert _read(root, "ftp", "Export", "visits.csv").startswith(b"Id,Who,Note,SeenAt\r\n1,Ada,")
        _drop(root, "orders_9.csv", "OrderID,SubscriberKey,Amount,OrderDate\n9,S001,1,3/1/2026\n")
        assert start(soap, "FileTrigger", "orders-drop", polls=400)[1]["Status"] == "Complete"
        assert [row["OrderID"] for row in soap.lookup("Orders", [])] == ["9"]


def test_definitions_files_declare_them(tmp_path):
    root = new_workspace(tmp_path, "declared")
    shutil.copy(os.path.join(root, "imports", "orders.csv"), os.path.join(root, "imports", "unused.csv"))
    with open(os.path.join(root, "definitions", "extracts.json"), "w", encoding="utf-8") as f:
        f.write('[{"Type": "DataExtractActivity", "CustomerKey": "subs", "Name": "Subscribers extract",'
                ' "Parameters": [{"Name": "DECustomerKey", "Value": "Subscribers"},'
                ' {"Name": "HasColumnHeaders", "Value": "false"}]}]')
    b = open_workspace(root)
    try:
        status, detail = _start(b, "DataExtractActivity", "subs")
        assert (status["Status"], detail) == (
            "Complete", "5 row(s) of Subscribers written to safehouse/Subscribers.csv")
        assert _read(root, "safehouse", "Subscribers.csv").split(b"\r\n")[0] == (
            b"S001,ada@example.com,Ada,Lovelace,Gold,London")
    finally:
        b.close()


def test_partner_properties_carry_parameters_too(backend, root):
    backend.api_create([obj("DataExtractActivity", CustomerKey="pp", PartnerProperties=[
        prop("DECustomerKey", "Visits"), prop("OutputFileName", "pp.csv"), prop("HasColumnHeaders", "0")])])
    status, detail = _start(backend, "DataExtractActivity", "pp")
    assert detail == "4 row(s) of Visits written to safehouse/pp.csv"
    assert _read(root, "safehouse", "pp.csv").startswith(b'1,Ada,"likes, commas",')
