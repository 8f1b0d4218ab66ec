"""Local InvokeExtract, InvokeExecute and InvokeConfigure act on the workspace's account."""

from __future__ import annotations

import os

from cloud_support import new_workspace, obj, open_workspace, retrieve, simple

import ampy


def _param(name, value):
    return (f'SET @p = CreateObject("ExtractParameter") SetObjectProperty(@p, "Name", "{name}") '
            f'SetObjectProperty(@p, "Value", "{value}") AddObjectArrayItem(@req, "Parameters", @p) ')


def _extract(backend, extract_id, *params):
    script = ('%%[ SET @req = CreateObject("ExtractRequest") '
              f'SetObjectProperty(@req, "ID", "{extract_id}") ' + "".join(_param(n, v) for n, v in params)
              + 'SET @s = InvokeExtract(@req, @msg, @code) ]%%%%=v(@s)=%%|%%=v(@msg)=%%|%%=v(@code)=%%')
    out = ampy.render(script, backend=backend)
    if hasattr(backend, "wait_for_tasks"):   # the soap backend's tasks run on the server
        backend.wait_for_tasks()
    return out


def test_data_extension_extract_writes_the_file(backend, root):
    out = _extract(backend, "bb94a04d-9632-4623-be47-daabc3f588a6", ("DECustomerKey", "Subscribers"),
                   ("OutputFileName", "subs.txt"), ("ColumnDelimiter", "pipe"))
    assert out == "OK|Extract queued as TaskID 1|0"
    with open(os.path.join(root, "safehouse", "subs.txt"), "rb") as f:
        lines = f.read().split(b"\r\n")
    assert lines[0] == b"SubscriberKey|EmailAddress|FirstName|LastName|Tier|City"
    assert lines[1] == b"S001|ada@example.com|Ada|Lovelace|Gold|London"
    status = retrieve(backend, "AsyncActivityStatus", flt=simple("TaskID", "equals", "1")).results[0]
    props = {p.get("Name"): p.get("Value") for p in status.get("Properties")}
    assert props["Status"] == "Complete"


def test_a_stored_extract_definition_runs_with_request_overrides(backend, root):
    params = [obj("ExtractParameter", Name="DECustomerKey", Value="Subscribers"),
              obj("ExtractParameter", Name="OutputFileName", Value="a.csv")]
    created = backend.api_create([obj("ExtractDefinition", Name="Nightly", CustomerKey="nightly",
                                      Parameters=params)])
    assert created.overall_status == "OK"
    assert _extract(backend, "nightly", ("OutputFileName", "b.csv"), ("HasColumnHeaders", "false")) == \
        "OK|Extract queued as TaskID 1|0"
    assert sorted(os.listdir(os.path.join(root, "safehouse"))) == ["b.csv"]
    with open(os.path.join(root, "safehouse", "b.csv"), encoding="utf-8") as f:
        assert f.readline() == "S001,ada@example.com,Ada,Lovelace,Gold,London\n"


def test_unknown_extract_and_failing_extract(backend, root):
    assert _extract(backend, "nope") == ("Error|'nope' is not the ID of an extract (the Data Extension or "
                                        "Tracking Extract, or an ExtractDefinition/DataExtractActivity of "
                                        "this account).|2")
    assert _extract(backend, "bb94a04d-9632-4623-be47-daabc3f588a6", ("DECustomerKey", "Missing")) == \
        "OK|Extract queued as TaskID 1|0"
    status = retrieve(backend, "AsyncActivityStatus", flt=simple("TaskID", "equals", "1")).results[0]
    props = {p.get("Name"): p.get("Value") for p in status.get("Properties")}
    assert (props["Status"], props["ErrorMsg"]) == (
        "Error", "The data extension 'Missing' (DECustomerKey) does not exist.")
    assert not os.path.exists(os.path.join(root, "safehouse")) or os.listdir(os.path.join(root, "safehouse")) == []


def test_tracking_extract_zip_holds_the_clicks_file(tmp_path):
    import zipfile

    root = new_workspace(tmp_path)
    backend = open_workspace(root)
    try:
        assert _extract(backend, "c7219016-a7f0-4c72-8657-1ec12c28a0db", ("ExtractClicks", "true"),
                        ("OutputFileName", "t.zip")) == "OK|Extract queued as TaskID 1|0"
        with zipfile.ZipFile(os.path.join(root, "safehouse", "t.zip")) as z:
            assert z.namelist() == ["Clicks.csv"]
            assert z.read("Clicks.csv").startswith(b"ClientID,SendID,SubscriberKey,")
    finally:
        backend.close()


def test_invoke_execute_log_unsub_event_unsubscribes(backend):
    out = ampy.render('%%[ SET @r = CreateObject("ExecuteRequest") SetObjectProperty(@r, "Name", "LogUnsubEvent") '
                      'SET @p = CreateObject("APIProperty") SetObjectProperty(@p, "Name", "SubscriberKey") '
                      'SetObjectProperty(@p, "Value", "S002") AddObjectArrayItem(@r, "Parameters", @p) '
                      'SET @rows = InvokeExecute(@r, @status) SET @row = Row(@rows, 1) ]%%'
                      '%%=v(@status)=%%|%%=Field(@row, "StatusCode")=%%|%%=Field(@row, "StatusMessage")=%%',
                      backend=backend)
    assert out == "OK|OK|Event posted"
    sub = retrieve(backend, "Subscriber", ["Status"], simple("SubscriberKey", "equals", "S002")).results[0]
    assert sub.get("Status") == "Unsubscribed"
    (event,) = retrieve(backend, "UnsubEvent", ["SubscriberKey", "EventType"]).results
    assert event.properties == {"SubscriberKey": "S002", "EventType": "Unsubscribe"}


def _configure(backend, action, type_name="PropertyDefinition", name="ShoeSize"):
    return ampy.render(f'%%[ SET @o = CreateObject("{type_name}") SetObjectProperty(@o, "Name", "{name}") '
                       f'SET @s = InvokeConfigure(@o, "{action}", @msg, @code) ]%%'
                       '%%=v(@s)=%%|%%=v(@msg)=%%|%%=v(@code)=%%',
                       backend=backend)


def test_invoke_configure_profile_attributes(backend):
    assert _configure(backend, "create") == "OK|Profile attribute created|0"
    assert _configure(backend, "create", name="shoesize") == \
        "Error|The profile attribute 'shoesize' already exists.|2"
    assert [o.get("Name") for o in backend.cloud.objects.all("PropertyDefinition")] == ["ShoeSize"]
    assert _configure(backend, "update") == "OK|Profile attribute updated|0"
    assert _configure(backend, "delete") == "OK|Profile attribute deleted|0"
    assert _configure(backend, "delete") == "Error|The profile attribute 'ShoeSize' does not exist.|2"
    assert backend.cloud.objects.all("PropertyDefinition") == []
    assert _configure(backend, "frob") == "Error|'frob' is not a Configure action (create, update, delete).|2"
    assert _configure(backend, "create", type_name="DataFolder") == (
        "Error|Configure on a DataFolder is not supported by the local account (it configures "
        "PropertyDefinition profile attributes).|8")


def test_extract_and_configure_over_soap_match_the_local_cloud(tmp_path):
    from server_support import PASSWORD, USER, make_auth

    from ampy.backends.soap import SoapBackend
    from ampy.server.app import RunningServer, build_app
    from ampy.soap.auth import TenantCredentials

    local = open_workspace(new_workspace(tmp_path, "local"))
    served_root = new_workspace(tmp_path, "served")
    app = build_app(served_root, auth=make_auth())
    try:
        with RunningServer(app, "127.0.0.1", 0, threads=2) as server:
            soap = SoapBackend.from_credentials(TenantCredentials(username=USER, password=PASSWORD,
                                                                  soap_url=server.url), workspace=served_root)
            outputs = []
            for backend in (local, soap):
                outputs.append((
                    _extract(backend, "bb94a04d-9632-4623-be47-daabc3f588a6", ("DECustomerKey", "Subscribers"),
                             ("OutputFileName", "s.csv")),
                    _extract(backend, "nope"),
                    _configure(backend, "create"),
                    _configure(backend, "create"),
                ))
            app.backend.wait_for_tasks()
    finally:
        local.close()
        app.backend.close()
    assert outputs[0] == outputs[1]
    assert outputs[0][2:] == ("OK|Profile attribute created|0",
                              "Error|The profile attribute 'ShoeSize' already exists.|2")
    for root in (tmp_path / "local", tmp_path / "served"):
        with open(root / "safehouse" / "s.csv", encoding="utf-8") as f:
            assert f.readline() == "SubscriberKey,EmailAddress,FirstName,LastName,Tier,City\n"
