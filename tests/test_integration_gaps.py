"""Gaps between the local cloud, the server and the functions: NULL versus '' through the SOAP
layer, content images of a workspace, the Salesforce object folder of a workspace."""

from __future__ import annotations

import os
import shutil

import pytest
from server_support import PASSWORD, USER, make_auth

import ampy
from ampy.api.model import ApiObject
from ampy.backends.local import LocalBackend
from ampy.backends.soap import SoapBackend
from ampy.server.app import RunningServer, build_app
from ampy.soap import codec
from ampy.soap.auth import TenantCredentials

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLE = os.path.join(ROOT, "samples", "workspace")


def _copy_sample(target) -> str:
    shutil.copytree(SAMPLE, target, ignore=shutil.ignore_patterns(".ampy", "outbox"))
    return str(target)


# ---- NULL and '' through soap → ampy serve → local ------------------------------------------------

PEOPLE_CSV = "Id,Nick,Score\n1,,\n2,Bo,5\n"
PEOPLE_SCHEMA = ('{"fields": [{"name": "Id", "type": "Number", "primaryKey": true},'
                 ' {"name": "Nick", "type": "Text"}, {"name": "Score", "type": "Number"}]}')

NULL_SCRIPT = """%%[
InsertDE("People", "Id", "3", "Nick", "")
set @nick = Lookup("People", "Nick", "Id", "1")
set @score = Lookup("People", "Score", "Id", "1")
set @blank = Lookup("People", "Nick", "Id", "3")
set @row = Row(LookupRows("People", "Id", "1"), 1)
set @field = Field(@row, "Nick")
UpsertDE("People", 1, "Id", "4", "Nick", @nick)
set @copied = Lookup("People", "Nick", "Id", "4")
]%%nick %%=IsNull(@nick)=%% %%=Empty(@nick)=%%
score %%=IsNull(@score)=%% %%=Empty(@score)=%%
blank %%=IsNull(@blank)=%% %%=Empty(@blank)=%%
field %%=IsNull(@field)=%% %%=Empty(@field)=%%
copied %%=IsNull(@copied)=%% %%=Empty(@copied)=%%
nulls %%=RowCount(LookupRows("People", "Nick", @nick))=%%"""

NULL_OUTPUT = """nick True True
score True True
blank False True
field True True
copied True True
nulls 2"""

PAIRS_SCRIPT = """%%[
set @rr = CreateObject("RetrieveRequest")
SetObjectProperty(@rr, "ObjectType", "DataExtensionObject[People]")
AddObjectArrayItem(@rr, "Properties", "Id")
AddObjectArrayItem(@rr, "Properties", "Nick")
set @rows = InvokeRetrieve(@rr, @status)
for @i = 1 to RowCount(@rows) do
  set @props = Field(Row(@rows, @i), "Properties")
  set @nick = Field(Row(@props, 2), "Value")
]%%%%=Field(Row(@props, 1), "Value")=%%:%%=IsNull(@nick)=%%/%%=Empty(@nick)=%% %%[
next @i
]%%"""


@pytest.fixture
def people(tmp_path):
    """The People data extension on the local cloud, and the same account behind ampy serve."""
    local_dir, served_dir = _copy_sample(tmp_path / "local"), _copy_sample(tmp_path / "served")
    for root in (local_dir, served_dir):
        with open(os.path.join(root, "dataextensions", "People.csv"), "w", encoding="utf-8") as f:
            f.write(PEOPLE_CSV)
        with open(os.path.join(root, "dataextensions", "People.schema.json"), "w", encoding="utf-8") as f:
            f.write(PEOPLE_SCHEMA)
    local = LocalBackend.for_workspace(local_dir)
    app = build_app(served_dir, auth=make_auth())
    with RunningServer(app, "127.0.0.1", 0, threads=2) as server:
        creds = TenantCredentials(username=USER, password=PASSWORD, soap_url=server.url)
        yield local, SoapBackend.from_credentials(creds), app.backend
    local.close()
    app.backend.close()


def test_null_and_empty_are_the_same_on_local_and_through_the_server(people):
    local, soap, served = people
    assert ampy.render(NULL_SCRIPT, backend=local) == NULL_OUTPUT
    assert ampy.render(NULL_SCRIPT, backend=soap) == NULL_OUTPUT
    expected = [{"Id": "1", "Nick": None, "Score": None}, {"Id": "2", "Nick": "Bo", "Score": "5"},
                {"Id": "3", "Nick": "", "Score": None}, {"Id": "4", "Nick": None, "Score": None}]
    assert local.lookup("People", []) == expected
    assert served.lookup("People", []) == expected


def test_retrieved_name_value_pairs_keep_null_apart_from_empty(people):
    local, soap, _ = people
    for backend in (local, soap):
        ampy.render('%%[ InsertDE("People", "Id", "3", "Nick", "") ]%%', backend=backend)
    # An API object's property reads as text in a script (a null Value is empty, not null): what
    # matters here is that the pair is there, with the same value, on both backends.
    assert ampy.render(PAIRS_SCRIPT, backend=local) == "1:False/True 2:False/False 3:False/True "
    assert ampy.render(PAIRS_SCRIPT, backend=soap) == "1:False/True 2:False/False 3:False/True "


def test_on_the_wire_null_has_no_value_element_and_empty_an_empty_one(people):
    _, _, served = people
    served.insert_row("People", [("Id", "3"), ("Nick", "")])
    response = served.api_retrieve(ApiObject("RetrieveRequest", {
        "ObjectType": "DataExtensionObject[People]", "Properties": ["Id", "Nick"]}))
    xml = codec.to_bytes(codec.build_response("Retrieve", results=response.results, request_id="r"))
    properties = xml.split(b"<Results ")[1:]
    assert [p.split(b"</Results>")[0] for p in properties] == [
        b'xsi:type="DataExtensionObject"><Properties><Property><Name>Id</Name><Value>1</Value></Property>'
        b"<Property><Name>Nick</Name></Property></Properties>",
        b'xsi:type="DataExtensionObject"><Properties><Property><Name>Id</Name><Value>2</Value></Property>'
        b"<Property><Name>Nick</Name><Value>Bo</Value></Property></Properties>",
        b'xsi:type="DataExtensionObject"><Properties><Property><Name>Id</Name><Value>3</Value></Property>'
        b"<Property><Name>Nick</Name><Value/></Property></Properties>",
    ]
    _, parsed = codec.parse_response(codec.parse_xml(xml))
    nicks = [r.get("Properties")[1].properties for r in parsed.get("Results")]
    assert nicks == [{"Name": "Nick"}, {"Name": "Nick", "Value": "Bo"}, {"Name": "Nick", "Value": ""}]


# ---- content images of a workspace ------------------------------------------------------------------

LOGO_URL = "https://image.s1.sfmc-content.com/lib/fe3b2f883a9558bc3390ff/m/1/ampy-logo.png"
LOGO_TAG = (f'<img src="{LOGO_URL}" title="ampy logo" alt="The ampy logo: a blue square" border="0" '
            f'thid="1001">')


@pytest.fixture
def workspace(tmp_path):
    root = _copy_sample(tmp_path / "ws")
    backend = LocalBackend.for_workspace(root)
    yield root, backend
    backend.close()


def test_content_image_by_key_and_by_id_from_the_sample_workspace(workspace):
    _, backend = workspace
    assert ampy.render('%%=ContentImageByKey("ampy-logo")=%%', backend=backend) == LOGO_TAG
    assert ampy.render('%%=ContentImageByKey("AMPY-LOGO")=%%', backend=backend) == LOGO_TAG
    assert ampy.render("%%=ContentImageByID(1001)=%%", backend=backend) == LOGO_TAG
    assert ampy.render('%%=ContentImageByID("404", "1001")=%%', backend=backend) == LOGO_TAG
    assert ampy.render('%%=ContentImageByKey("missing", "ampy-logo")=%%', backend=backend) == LOGO_TAG


def test_missing_images_abort(workspace):
    _, backend = workspace
    with pytest.raises(ampy.AmpscriptRuntimeError) as info:
        ampy.render('%%=ContentImageByID(404)=%%', backend=backend)
    assert str(info.value).splitlines()[0] == "<string>:1:4: ContentImageByID: no image with id '404'"


def test_images_without_an_index_entry_and_the_stack_setting(workspace):
    root, _ = workspace
    with open(os.path.join(root, "ampy.toml"), encoding="utf-8") as f:
        settings = f.read().replace('member_id = "100000001"', 'member_id = "7281698"\nstack = 10')
    with open(os.path.join(root, "ampy.toml"), "w", encoding="utf-8") as f:
        f.write(settings)
    shutil.copy(os.path.join(root, "content", "images", "ampy-logo.png"),
                os.path.join(root, "content", "images", "Hero Banner.jpg"))
    backend = LocalBackend.for_workspace(root)
    try:
        assert ampy.render('%%=ContentImageByKey("hero banner")=%%', backend=backend) == (
            '<img src="https://image.s10.sfmc-content.com/lib/fe4dba92fd071d3f68940d/m/1/Hero%20Banner.jpg" '
            'title="Hero Banner" alt="Hero Banner" border="0" thid="">')
    finally:
        backend.close()


def test_a_broken_image_index_is_a_clear_error(workspace):
    root, backend = workspace
    with open(os.path.join(root, "content", "images", "images.json"), "w", encoding="utf-8") as f:
        f.write('[{"key": "ghost", "id": 5}]')
    with pytest.raises(ampy.AmpscriptRuntimeError) as info:
        ampy.render('%%=ContentImageByKey("ghost")=%%', backend=backend)
    folder = os.path.join(root, "content", "images")
    assert info.value.message == f"ContentImageByKey: images.json: image 'ghost' has no file in {folder} and no url"


# ---- the Salesforce org folder of a workspace -------------------------------------------------------

CONTACTS_SCRIPT = """%%[
set @rows = RetrieveSalesforceObjects("Contact", "Id,FirstName,MailingCity", "Email", "!=", "grace@example.com")
for @i = 1 to RowCount(@rows) do
  set @row = Row(@rows, @i)
]%%%%=Field(@row, "Id")=%% %%=Field(@row, "FirstName")=%% %%=Field(@row, "MailingCity")=%%
%%[ next @i ]%%"""

CONTACTS_OUTPUT = "0035e00000Bq1AdAAJ Ada London\n0035e00000Bq1AfAAJ Alan Manchester\n"


def test_for_workspace_names_the_workspace_and_its_salesforce_folder(workspace):
    root, backend = workspace
    assert (backend.workspace, backend.salesforce_dir) == (root, os.path.join(root, "salesforce"))
    assert LocalBackend().salesforce_dir is None


def test_retrieve_salesforce_objects_reads_the_workspace_contacts(workspace):
    _, backend = workspace
    assert ampy.render(CONTACTS_SCRIPT, backend=backend) == CONTACTS_OUTPUT


def test_retrieve_salesforce_objects_through_the_cli_workspace_option(tmp_path):
    import subprocess
    import sys

    root = _copy_sample(tmp_path / "ws")
    script = tmp_path / "contacts.amp"
    script.write_text(CONTACTS_SCRIPT, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "ampy", "run", str(script), "--workspace", root],
                          capture_output=True, text=True, cwd=ROOT)
    assert (done.returncode, done.stdout, done.stderr) == (0, CONTACTS_OUTPUT, "")
