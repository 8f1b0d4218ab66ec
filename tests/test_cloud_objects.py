"""The local account's API objects: every type and verb, validation, bad input, store unchanged."""

from __future__ import annotations

import pytest
from cloud_support import new_workspace, obj, open_workspace, pairs, prop, retrieve, simple

import ampy
from ampy.api.model import ApiObject
from ampy.errors import AmpscriptRuntimeError


@pytest.fixture
def backend(tmp_path):
    b = open_workspace(new_workspace(tmp_path))
    yield b
    b.close()


def _field(name, field_type="Text", **kw):
    return obj("DataExtensionField", Name=name, FieldType=field_type, **kw)


def _people(backend):
    de = obj(
        "DataExtension",
        Name="People",
        CustomerKey="people_key",
        Fields=[
            _field("Id", "Number", IsPrimaryKey="true", IsRequired="true"),
            _field("Name", MaxLength="10"),
        ],
    )
    r = backend.api_create([de])
    assert (r.overall_status, r.results[0].status_code, r.results[0].status_message) == (
        "OK",
        "OK",
        "Created DataExtension",
    )
    return r


def test_data_extension_create_makes_a_table_with_typed_fields(backend):
    _people(backend)
    assert backend.store.info("people").columns == ["Id", "Name"]
    r = retrieve(
        backend,
        "DataExtension",
        ["CustomerKey", "Name", "IsSendable"],
        simple("CustomerKey", "equals", "PEOPLE_KEY"),
    )
    assert [o.properties for o in r.results] == [
        {"CustomerKey": "people_key", "Name": "People", "IsSendable": "false"}
    ]
    r = retrieve(
        backend,
        "DataExtensionField",
        ["Name", "FieldType", "IsPrimaryKey", "MaxLength"],
        simple("DataExtension.CustomerKey", "equals", "people_key"),
    )
    assert [o.properties for o in r.results] == [
        {"Name": "Id", "FieldType": "Number", "IsPrimaryKey": "true", "MaxLength": ""},
        {"Name": "Name", "FieldType": "Text", "IsPrimaryKey": "false", "MaxLength": "10"},
    ]


def test_data_extension_update_adds_a_field_and_delete_drops_the_table(backend):
    _people(backend)
    r = backend.api_update([obj("DataExtension", CustomerKey="people_key", Fields=[_field("City")])])
    assert r.results[0].status_message == "Updated DataExtension"
    assert backend.store.info("People").columns == ["Id", "Name", "City"]
    r = backend.api_delete([obj("DataExtension", CustomerKey="people_key")])
    assert (r.overall_status, r.results[0].status_message) == ("OK", "Deleted DataExtension")
    assert backend.store.find("People") is None


def test_data_extension_object_create_update_upsert_delete(backend):
    _people(backend)
    row = obj("DataExtensionObject", Name="People", Properties=[prop("Id", "1"), prop("Name", "Ada")])
    assert backend.api_create([row]).results[0].status_message == "Created DataExtensionObject"
    # by CustomerKey too, with Keys
    upd = obj(
        "DataExtensionObject",
        CustomerKey="people_key",
        Keys=[prop("Id", "1")],
        Properties=[prop("Name", "Ada L.")],
    )
    assert backend.api_update([upd]).results[0].status_code == "OK"
    missing = obj(
        "DataExtensionObject", Name="People", Keys=[prop("Id", "2")], Properties=[prop("Name", "Bob")]
    )
    r = backend.api_update([missing])
    assert (r.results[0].status_code, r.results[0].status_message) == (
        "Error",
        "No row of data extension 'People' has those key values.",
    )
    options = obj("UpdateOptions", SaveOptions=[obj("SaveOption", PropertyName="*", SaveAction="UpdateAdd")])
    assert backend.api_update([missing], options).results[0].status_code == "OK"
    r = retrieve(backend, "DataExtensionObject[People]", ["Id", "Name"])
    assert [pairs(o) for o in r.results] == [{"Id": "1", "Name": "Ada L."}, {"Id": "2", "Name": "Bob"}]
    r = backend.api_delete([obj("DataExtensionObject", Name="People", Keys=[prop("Id", "1")])])
    assert r.results[0].status_message == "Deleted DataExtensionObject"
    assert backend.store.lookup("People", ()) == [{"Id": "2", "Name": "Bob"}]


@pytest.mark.parametrize(
    "properties, message",
    [
        (
            [prop("Id", "x"), prop("Name", "A")],
            "The value 'x' is not a valid Number for field 'Id' of data extension 'People'.",
        ),
        (
            [prop("Id", "3"), prop("Name", "A" * 11)],
            "The value 'AAAAAAAAAAA' for field 'Name' of data extension 'People' is longer than "
            "10 characters.",
        ),
        ([prop("Name", "A")], "The field 'Id' of data extension 'People' is required."),
        ([prop("Id", "3"), prop("Nope", "A")], "The data extension 'People' has no field 'Nope'."),
    ],
)
def test_bad_rows_are_refused_and_the_table_is_unchanged(backend, properties, message):
    _people(backend)
    r = backend.api_create([obj("DataExtensionObject", Name="People", Properties=properties)])
    assert (
        r.overall_status,
        r.results[0].status_code,
        r.results[0].status_message,
        r.results[0].error_code,
    ) == ("Error", "Error", message, 310007)
    assert backend.store.lookup("People", ()) == []


def _typed(backend):
    de = obj(
        "DataExtension",
        Name="Typed",
        Fields=[
            _field("Id", "Number", IsPrimaryKey="true"),
            _field("Active", "Boolean", DefaultValue="False"),
            _field("Joined", "Date"),
            _field("Price", "Decimal", Scale="2", MaxLength="6"),
            _field("Code", IsRequired="true", DefaultValue="none"),
        ],
    )
    assert backend.api_create([de]).overall_status == "OK"


def test_api_writes_store_the_canonical_forms_and_the_defaults(backend):
    _typed(backend)
    row = obj(
        "DataExtensionObject",
        Name="Typed",
        Properties=[prop("Id", "007"), prop("Active", "y"), prop("Joined", "2024-03-05T14:07:00"),
                    prop("Price", "2.5")],
    )
    assert backend.api_create([row]).overall_status == "OK"
    assert backend.api_create([obj("DataExtensionObject", Name="Typed", Properties=[prop("Id", "8")])]) \
        .overall_status == "OK"
    assert backend.store.lookup("Typed", ()) == [
        {"Id": "7", "Active": "True", "Joined": "3/5/2024 2:07:00 PM", "Price": "2.50", "Code": "none"},
        {"Id": "8", "Active": "False", "Joined": None, "Price": None, "Code": "none"},
    ]
    # An update finds the row by the stored form of its key and converts what it sets.
    upd = obj("DataExtensionObject", Name="Typed", Keys=[prop("Id", "7.0")], Properties=[prop("Active", "0")])
    assert backend.api_update([upd]).overall_status == "OK"
    assert backend.store.lookup("Typed", [("Id", 7)])[0]["Active"] == "False"


@pytest.mark.parametrize(
    "keys, properties, message",
    [
        ([prop("Id", "7")], [prop("Code", "")], "The field 'Code' of data extension 'Typed' is required; "
         "the value is empty."),
        ([prop("Id", "7")], [prop("Price", "12345.6")], "The value '12345.6' is not a valid Decimal for field "
         "'Price' of data extension 'Typed' (more than 4 digits before the decimal point)."),
        ([prop("Id", "x")], [prop("Active", "true")], "The value 'x' is not a valid Number for field 'Id' of "
         "data extension 'Typed'."),
    ],
)
def test_api_updates_and_upserts_refuse_bad_values_and_change_nothing(backend, keys, properties, message):
    _typed(backend)
    backend.api_create([obj("DataExtensionObject", Name="Typed", Properties=[prop("Id", "7")])])
    before = backend.store.lookup("Typed", ())
    upsert = obj("UpdateOptions", SaveOptions=[obj("SaveOption", PropertyName="*", SaveAction="UpdateAdd")])
    for options in (None, upsert):
        r = backend.api_update([obj("DataExtensionObject", Name="Typed", Keys=keys, Properties=properties)],
                               options)
        assert (r.results[0].status_code, r.results[0].status_message, r.results[0].error_code) == (
            "Error", message, 310007)
    assert backend.store.lookup("Typed", ()) == before


def test_duplicate_primary_key_is_an_error_status(backend):
    _people(backend)
    row = obj("DataExtensionObject", Name="People", Properties=[prop("Id", "1")])
    backend.api_create([row])
    r = backend.api_create([row])
    assert r.results[0].status_code == "Error"
    assert r.results[0].status_message.startswith("Violation of the primary key of data extension 'People'")
    assert backend.store.row_count("People") == 1


def test_missing_data_extension_is_an_error_status(backend):
    r = backend.api_create([obj("DataExtensionObject", Name="Nope", Properties=[prop("A", "1")])])
    assert (r.results[0].status_code, r.results[0].status_message) == (
        "Error",
        "The data extension 'Nope' does not exist.",
    )
    r = retrieve(backend, "DataExtensionObject[Nope]", ["A"])
    assert (r.overall_status, r.results) == ("Error: The data extension 'Nope' does not exist.", [])


@pytest.mark.parametrize(
    "type_name, props, key",
    [
        ("List", {"ListName": "VIP"}, "ListName"),
        ("Email", {"Name": "Promo", "Subject": "Hi", "HTMLBody": "<p>Hi</p>"}, "Subject"),
        ("EmailSendDefinition", {"Name": "Promo send", "CustomerKey": "promo", "Email": {"ID": "1"}}, "Name"),
        (
            "TriggeredSendDefinition",
            {"Name": "Receipt", "CustomerKey": "receipt", "Email": {"ID": "1"}},
            "Name",
        ),
        ("Campaign", {"Name": "Spring", "CustomerKey": "spring"}, "Name"),
        ("QueryDefinition", {"Name": "Q", "CustomerKey": "q", "QueryText": "SELECT 1"}, "QueryText"),
        ("ImportDefinition", {"Name": "I", "CustomerKey": "i", "FileSpec": "x.csv"}, "FileSpec"),
        ("DataFolder", {"Name": "Folder", "ContentType": "dataextension"}, "ContentType"),
    ],
)
def test_stored_types_create_retrieve_update_delete(backend, type_name, props, key):
    made = ApiObject(
        type_name, {k: (ApiObject("Email", v) if isinstance(v, dict) else v) for k, v in props.items()}
    )
    r = backend.api_create([made])
    assert (r.results[0].status_code, r.results[0].status_message) == ("OK", f"Created {type_name}")
    object_id = r.results[0].new_object_id
    assert r.results[0].new_id >= 1 and len(object_id) == 36
    r = retrieve(backend, type_name, ["ObjectID", key], simple("ObjectID", "equals", object_id))
    assert [o.properties for o in r.results] == [
        {"ObjectID": object_id, key: props[key] if key != "Email" else ""}
    ]
    r = backend.api_update([obj(type_name, ObjectID=object_id, **{key: "changed"})])
    assert (r.results[0].status_code, r.results[0].status_message) == ("OK", f"Updated {type_name}")
    r = retrieve(backend, type_name, [key], simple("ObjectID", "equals", object_id))
    assert r.results[0].get(key) == "changed"
    r = backend.api_delete([obj(type_name, ObjectID=object_id)])
    assert (r.results[0].status_code, r.results[0].status_message) == ("OK", f"Deleted {type_name}")
    assert retrieve(backend, type_name, ["ObjectID"], simple("ObjectID", "equals", object_id)).results == []


def test_interaction_definitions_get_an_interaction_object_id(backend):
    r = backend.api_create([obj("QueryDefinition", Name="Q", QueryText="SELECT 1")])
    stored = r.results[0].object
    assert len(stored.get("InteractionObjectID")) == 36 and len(stored.get("CustomerKey")) == 36


def test_subscribers_lists_and_attributes(backend):
    sub = obj(
        "Subscriber",
        EmailAddress="new@example.com",
        Attributes=[obj("Attribute", Name="FirstName", Value="New")],
        Lists=[obj("SubscriberList", ID="1")],
    )
    r = backend.api_create([sub])
    assert (r.results[0].status_code, r.results[0].status_message) == ("OK", "Created Subscriber")
    r = backend.api_create([sub])
    assert (r.results[0].status_code, r.results[0].status_message, r.results[0].error_code) == (
        "Error",
        "The subscriber already exists.",
        12014,
    )
    r = backend.api_update(
        [
            obj(
                "Subscriber",
                SubscriberKey="new@example.com",
                Status="Unsubscribed",
                Attributes=[obj("Attribute", Name="Tier", Value="Gold")],
            )
        ]
    )
    assert r.results[0].status_code == "OK"
    r = retrieve(
        backend,
        "Subscriber",
        ["SubscriberKey", "Status", "Attributes"],
        simple("EmailAddress", "equals", "new@example.com"),
    )
    found = r.results[0]
    assert (found.get("SubscriberKey"), found.get("Status")) == ("new@example.com", "Unsubscribed")
    assert [(a.get("Name"), a.get("Value")) for a in found.get("Attributes")] == [
        ("FirstName", "New"),
        ("Tier", "Gold"),
    ]
    r = backend.api_create(
        [obj("Subscriber", EmailAddress="x@example.com", Lists=[obj("SubscriberList", ID="99")])]
    )
    assert (r.results[0].status_code, r.results[0].status_message) == ("Error", "The list 99 does not exist.")
    r = backend.api_create([obj("Subscriber", EmailAddress="not-an-address")])
    assert (
        r.results[0].status_message
        == "The subscriber's EmailAddress 'not-an-address' is not a valid email address."
    )


def test_unknown_types_and_properties_are_refused(backend):
    r = backend.api_create([obj("Nonsense", Name="x")])
    assert (r.overall_status, r.results[0].status_message, r.results[0].error_code) == (
        "Error",
        "Unknown object type 'Nonsense'.",
        8,
    )
    r = backend.api_create([obj("List", ListName="x", Colour="red")])
    assert r.results[0].status_message == "The property 'Colour' is not a property of List."
    r = retrieve(backend, "List", ["ListName", "Colour"])
    assert (
        r.overall_status
        == "Error: The Request Property(s) Colour do not match with the fields of List retrieve"
    )
    r = retrieve(backend, "List", ["ListName"], simple("Colour", "equals", "red"))
    assert r.overall_status == "Error: The Filter Property 'Colour' is not a retrievable property."
    r = retrieve(backend, "Nonsense", ["Name"])
    assert r.overall_status == "Error: Unable to retrieve object of unknown type 'Nonsense'."
    r = backend.api_create([obj("SentEvent", SubscriberKey="x")])
    assert r.results[0].status_message == "SentEvent does not support the Create method."
    assert retrieve(backend, "List", ["ListName"]).results[-1].get("ListName") == "Suppression"


def test_specified_flags_are_dropped(backend):
    r = backend.api_create([obj("List", ListName="Flags", IDSpecified="true")])
    assert r.results[0].status_code == "OK"
    assert "IDSpecified" not in r.results[0].object.properties


def test_more_than_fifty_objects_is_refused(backend):
    r = backend.api_create([obj("List", ListName=f"L{i}") for i in range(51)])
    assert (r.overall_status, r.results) == (
        "Error: The number of objects in the request (51) exceeds the limit of 50.",
        [],
    )


def test_describe_and_execute(backend):
    r = backend.api_describe(["List"])
    assert r.results[0].get("ObjectType") == "List"
    assert "ListName" in [p.get("Name") for p in r.results[0].get("Properties")]
    r = backend.api_execute(
        [obj("ExecuteRequest", Name="LogUnsubEvent", Parameters=[prop("SubscriberKey", "S001")])]
    )
    assert (r.overall_status, r.results[0].status_message) == ("OK", "Event posted")
    assert (
        retrieve(backend, "Subscriber", ["Status"], simple("SubscriberKey", "equals", "S001"))
        .results[0]
        .get("Status")
        == "Unsubscribed"
    )
    r = backend.api_execute([obj("ExecuteRequest", Name="Frobnicate")])
    assert (r.overall_status, r.results[0].status_message) == (
        "Error",
        "'Frobnicate' is not a valid Execute request name.",
    )
    r = backend.api_configure("create", [obj("List", ListName="x")])
    assert r.results[0].status_message == ("Configure on a List is not supported by the local account "
                                           "(it configures PropertyDefinition profile attributes).")
    r = backend.api_extract([obj("ExtractRequest")])
    assert r.results[0].status_code == "Error"


def test_execute_filter_applies_a_filter_definition(backend):
    r = backend.api_create(
        [
            obj(
                "FilterDefinition",
                Name="Gold",
                CustomerKey="gold",
                DataSource=obj("DataExtension", CustomerKey="Subscribers"),
                DataFilter=simple("Tier", "equals", "gold"),
            )
        ]
    )
    assert r.results[0].status_code == "OK"
    out = ampy.render(
        '%%[ set @r = ExecuteFilter("gold") ]%%%%=RowCount(@r)=%% %%=Field(Row(@r, 2), "FirstName")=%%',
        backend=backend,
    )
    assert out == "2 Edsger"


# ---- through AMPscript -----------------------------------------------------------------------

SCRIPT = """%%[
set @de = CreateObject("DataExtension")
SetObjectProperty(@de, "Name", "Notes")
set @f = CreateObject("DataExtensionField")
SetObjectProperty(@f, "Name", "Key")
SetObjectProperty(@f, "IsPrimaryKey", "true")
SetObjectProperty(@f, "IsPrimaryKeySpecified", "true")
AddObjectArrayItem(@de, "Fields", @f)
set @f = CreateObject("DataExtensionField")
SetObjectProperty(@f, "Name", "Text")
AddObjectArrayItem(@de, "Fields", @f)
set @s = InvokeCreate(@de, @msg, @code)
]%%1 %%=v(@s)=%% %%=v(@msg)=%% %%=v(@code)=%%
%%[
set @row = CreateObject("DataExtensionObject")
SetObjectProperty(@row, "Name", "Notes")
set @p = CreateObject("APIProperty")
SetObjectProperty(@p, "Name", "Key")
SetObjectProperty(@p, "Value", "k1")
AddObjectArrayItem(@row, "Properties", @p)
set @s = InvokeCreate(@row, @msg, @code)
]%%2 %%=v(@s)=%% %%=v(@msg)=%%
%%[ set @s = InvokeCreate(@row, @msg, @code) ]%%3 %%=v(@s)=%% %%=v(@code)=%%
%%[
set @p = CreateObject("APIProperty")
SetObjectProperty(@p, "Name", "Text")
SetObjectProperty(@p, "Value", "hello")
AddObjectArrayItem(@row, "Properties", @p)
set @s = InvokeUpdate(@row, @msg)
]%%4 %%=v(@s)=%% %%=v(@msg)=%%
%%[
set @rr = CreateObject("RetrieveRequest")
SetObjectProperty(@rr, "ObjectType", "DataExtensionObject[Notes]")
AddObjectArrayItem(@rr, "Properties", "Key")
AddObjectArrayItem(@rr, "Properties", "Text")
set @rows = InvokeRetrieve(@rr, @st, @rid)
set @props = Field(Row(@rows, 1), "Properties")
]%%5 %%=v(@st)=%% %%=RowCount(@rows)=%% %%=Field(Row(@props, 2), "Name")=%%=%%=Field(Row(@props, 2),
 "Value")=%%
%%[ set @s = InvokeDelete(@row, @msg, @code) ]%%6 %%=v(@s)=%% %%=v(@msg)=%%
%%[ set @rows = InvokeRetrieve(@rr, @st) ]%%7 %%=v(@st)=%% %%=RowCount(@rows)=%%
"""


def test_the_api_functions_round_trip_through_a_script(backend):
    assert ampy.render(SCRIPT, backend=backend) == (
        "1 OK Created DataExtension 0\n"
        "2 OK Created DataExtensionObject\n"
        "3 Error 2\n"
        "4 OK Updated DataExtensionObject\n"
        "5 OK 1 Text=hello\n"
        "6 OK Deleted DataExtensionObject\n"
        "7 OK 0\n"
    )


def test_retrieved_nested_objects_become_rowsets(backend):
    source = """%%[
set @rr = CreateObject("RetrieveRequest")
SetObjectProperty(@rr, "ObjectType", "EmailSendDefinition")
AddObjectArrayItem(@rr, "Properties", "CustomerKey")
AddObjectArrayItem(@rr, "Properties", "SenderProfile")
AddObjectArrayItem(@rr, "Properties", "SendDefinitionList")
set @f = CreateObject("SimpleFilterPart")
SetObjectProperty(@f, "Property", "CustomerKey")
SetObjectProperty(@f, "SimpleOperator", "equals")
AddObjectArrayItem(@f, "Value", "WelcomeSend")
SetObjectProperty(@rr, "Filter", @f)
set @rows = InvokeRetrieve(@rr)
set @row = Row(@rows, 1)
set @profile = Row(Field(@row, "SenderProfile"), 1)
set @lists = Field(@row, "SendDefinitionList")
]%%%%=Field(@row, "CustomerKey")=%% %%=Field(@profile, "FromAddress")=%% %%=RowCount(@lists)=%% %%=Field(
Row(@lists, 3), "SendDefinitionListType")=%%"""
    assert ampy.render(source, backend=backend) == "WelcomeSend news@example.com 3 ExclusionList"


@pytest.mark.parametrize(
    "source, message",
    [
        (
            '%%[ set @o = CreateObject("Nonsense") ]%%',
            "CreateObject: 'Nonsense' is not a Marketing Cloud API object type",
        ),
        (
            '%%[ set @o = CreateObject("PerformRequest") ]%%',
            "CreateObject: 'PerformRequest' is not a Marketing Cloud API object type",
        ),
        (
            '%%[ set @o = CreateObject("Subscriber.Attributes") ]%%',
            "CreateObject: 'Subscriber.Attributes' is not a Marketing Cloud API object type",
        ),
        (
            '%%[ set @o = CreateObject("List") SetObjectProperty(@o, "Colour", "red") ]%%',
            "SetObjectProperty: 'Colour' is not a property of the API object type List",
        ),
        (
            '%%[ set @o = CreateObject("List") AddObjectArrayItem(@o, "ListName", "x") ]%%',
            "AddObjectArrayItem: 'ListName' is not an array property of the API object type List",
        ),
        (
            '%%[ SetObjectProperty("text", "Name", "x") ]%%',
            "SetObjectProperty: the API object is not an API object (use CreateObject)",
        ),
    ],
)
def test_script_errors_for_bad_objects(backend, source, message):
    with pytest.raises(AmpscriptRuntimeError) as info:
        ampy.render(source, backend=backend)
    assert info.value.message == message


def test_the_family_is_refused_in_email_content(backend):
    with pytest.raises(AmpscriptRuntimeError) as info:
        ampy.render('%%[ set @o = CreateObject("List") ]%%', backend=backend, context="email")
    assert info.value.message == (
        "CreateObject is not allowed in email content (10004: API object functions are "
        "allowed in non-sendable content only)"
    )
