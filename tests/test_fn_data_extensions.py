"""Data-extension writes, claims, counts and filters (rule 32, "Available where")."""

import json

import pytest

import ampy
from ampy.backends.local import LocalBackend


@pytest.fixture
def backend(tmp_path):
    (tmp_path / "Members.csv").write_text(
        "Id,Email,Tier\n1,ann@example.com,Gold\n2,bo@example.com,Silver\n", encoding="utf-8")
    (tmp_path / "Members.schema.json").write_text(
        json.dumps({"fields": [{"name": "Id", "primaryKey": True}, {"name": "Email"}, {"name": "Tier"},
                               {"name": "Note"}]}), encoding="utf-8")
    (tmp_path / "Coupons.csv").write_text(
        "Code,Claimed,Claimant,Kind\nA1,,,web\nA2,False,,store\nA3,,,web\n", encoding="utf-8")
    b = LocalBackend(str(tmp_path))
    yield b
    b.close()


def run(src, backend, context="page"):
    return ampy.compile(src).render(backend=backend, context=context)


def rows(backend, de="Members"):
    return [tuple(r.values()) for r in backend.lookup(de, [])]


def error(src, backend, context="page"):
    with pytest.raises(ampy.AmpscriptRuntimeError) as info:
        run(src, backend, context)
    return info.value


def test_insert_data_returns_count_and_stores_the_row(backend):
    assert run("%%=InsertData('members', 'ID', 3, 'email', 'cy@example.com', 'Tier', 'Gold')=%%", backend) == "1"
    assert rows(backend) == [("1", "ann@example.com", "Gold", None), ("2", "bo@example.com", "Silver", None),
                             ("3", "cy@example.com", "Gold", None)]


def test_insert_de_prints_nothing_and_works_in_email(backend):
    assert run("[%%=InsertDE('Members', 'Id', 4, 'Email', 'dee@example.com')=%%]", backend, "email") == "[]"
    assert rows(backend)[-1] == ("4", "dee@example.com", None, None)


def test_insert_duplicate_primary_key_aborts(backend):
    err = error("%%[ InsertData('Members', 'Id', '1', 'Email', 'x@example.com') ]%%", backend)
    assert err.message == "InsertData: a row with the same primary key already exists"
    assert (err.line, err.column) == (1, 5)
    err = error("%%[ InsertDE('Members', 'Id', '2') ]%%", backend, "email")
    assert err.message == "InsertDE: a row with the same primary key already exists"
    assert len(rows(backend)) == 2


def test_data_forms_are_refused_in_email(backend):
    for call in ("InsertData('Members', 'Id', 9)", "UpdateData('Members', 1, 'Id', 1, 'Tier', 'X')",
                 "UpsertData('Members', 1, 'Id', 1, 'Tier', 'X')", "DeleteData('Members', 'Id', 1)"):
        err = error(f"%%[ {call} ]%%", backend, "email")
        name = call.split("(")[0]
        assert err.message == (f"{name} is not allowed in email content "
                               "(10005: batch context refused (a send is a batch))")
    assert len(rows(backend)) == 2


def test_update_data_uses_the_search_pair_count(backend):
    src = "%%=UpdateData('Members', 1, 'Tier', 'gold', 'Tier', 'Platinum', 'Note', 'upgraded')=%%"
    assert run(src, backend) == "1"
    assert rows(backend)[0] == ("1", "ann@example.com", "Platinum", "upgraded")
    src = "%%=UpdateData('Members', 2, 'Id', 2, 'Tier', 'Silver', 'Note', 'two keys')=%%"
    assert run(src, backend) == "1"
    assert rows(backend)[1] == ("2", "bo@example.com", "Silver", "two keys")
    assert run("%%=UpdateData('Members', 1, 'Id', 99, 'Note', 'nobody')=%%", backend) == "0"


def test_update_de_returns_empty(backend):
    assert run("[%%=UpdateDE('Members', 1, 'Id', 2, 'Tier', 'Bronze')=%%]", backend, "email") == "[]"
    assert rows(backend)[1][2] == "Bronze"


def test_update_argument_shapes_are_checked(backend):
    err = error("%%=UpdateData('Members', 3, 'Id', 2, 'Tier', 'Bronze')=%%", backend)
    assert err.message == "UpdateData: the search pair count is 3 but only 2 pair(s) follow"
    err = error("%%=UpdateData('Members', 2, 'Id', 2, 'Tier', 'Bronze')=%%", backend)
    assert err.message == "UpdateData: no columns to set follow the search pairs"
    err = error("%%=UpdateData('Members', 0, 'Id', 2, 'Tier', 'Bronze')=%%", backend)
    assert err.message == "UpdateData: the search pair count must be at least 1, not 0"
    err = error("%%=UpdateData('Members', 1, 'Id', 2, 'Tier', 'Bronze', 'Note')=%%", backend)
    assert err.message == "UpdateData: update column/value arguments must come in pairs"
    err = error("%%=UpdateData('Members', 1, 'Id', 2, 'Nope', 'x')=%%", backend)
    assert err.message == "UpdateData: Data extension 'Members' has no column 'Nope'"


def test_upsert_updates_or_inserts(backend):
    assert run("%%=UpsertData('Members', 1, 'Id', 2, 'Tier', 'Gold')=%%", backend) == "1"
    assert run("%%=UpsertData('Members', 1, 'Id', 5, 'Email', 'eve@example.com', 'Tier', 'New')=%%",
               backend) == "1"
    assert run("[%%=UpsertDE('Members', 1, 'Id', 6, 'Tier', 'New')=%%]", backend, "email") == "[]"
    assert rows(backend) == [("1", "ann@example.com", "Gold", None), ("2", "bo@example.com", "Gold", None),
                             ("5", "eve@example.com", "New", None), ("6", None, "New", None)]


def test_delete_returns_count_and_no_match_is_silent(backend):
    assert run("%%=DeleteData('Members', 'Tier', 'SILVER')=%%", backend) == "1"
    assert run("%%=DeleteData('Members', 'Tier', 'Silver')=%%", backend) == "0"
    assert rows(backend) == [("1", "ann@example.com", "Gold", None)]
    assert run("[%%=DeleteDE('Members', 'Id', 1)=%%]", backend, "email") == "[]"
    assert rows(backend) == []


def test_data_extension_row_count(backend):
    assert run("%%=DataExtensionRowCount('members')=%%", backend) == "2"
    assert run("%%[ InsertDE('Members', 'Id', 3) ]%%%%=DataExtensionRowCount('Members')=%%", backend) == "3"
    err = error("%%=DataExtensionRowCount('Nope')=%%", backend)
    assert err.message == "DataExtensionRowCount: Data extension 'Nope' does not exist"
    err = error("%%=DataExtensionRowCount('  ')=%%", backend)
    assert err.message == "DataExtensionRowCount: the data extension name is empty"


def test_claim_row_claims_the_next_free_row_once_per_claimant(backend):
    src = ("%%[ SET @r = ClaimRow('Coupons', 'Claimed', 'Claimant', @who, 'Kind', 'web') ]%%"
           "%%=Field(@r, 'Code')=%%")
    err = error(src, backend)
    assert err.message == "ClaimRow: the claimant value is empty"
    one = "%%[ SET @who = 'ann' ]%%" + src
    two = "%%[ SET @who = 'bo' ]%%" + src
    assert run(one, backend) == "A1"
    assert run(one, backend) == "A1"      # the same claimant gets the row it already holds
    # Extra pairs identify the claimant together with it (Marketing Cloud's own example passes JobID,
    # ListID, BatchID ...): they are written onto the claimed row, not used to pick a free one.
    assert run(two, backend) == "A2"
    assert run("%%=Field(ClaimRow('Coupons', 'Claimed', 'Claimant', 'cy', 'Kind', 'web'), 'Code')=%%",
               backend) == "A3"
    exhausted = ("%%[ SET @r = ClaimRow('Coupons', 'Claimed', 'Claimant', 'dee', 'Kind', 'web') ]%%"
                 "%%=Empty(@r)=%%")
    assert run(exhausted, backend) == "True"
    assert rows(backend, "Coupons") == [("A1", "True", "ann", "web"), ("A2", "True", "bo", "web"),
                                        ("A3", "True", "cy", "web")]
    # The same claimant with other identifying values is another claimant.
    assert run("%%[ SET @r = ClaimRow('Coupons', 'Claimed', 'Claimant', 'ann', 'Kind', 'store') ]%%"
               "%%=Empty(@r)=%%", backend) == "True"


def test_claim_row_value_returns_a_column_or_the_fallback(backend):
    src = "%%=ClaimRowValue('Coupons', 'Code', 'Claimed', 'none left', 'Claimant', 'dee')=%%"
    assert run(src, backend) == "A1"
    assert run("%%=ClaimRowValue('Coupons', 'Code', 'Claimed', 'none left', 'Claimant', 'eve')=%%",
               backend) == "A2"
    assert run("%%=ClaimRowValue('Coupons', 'Code', 'Claimed', 'x', 'Claimant', 'fay')=%%", backend) == "A3"
    assert run("%%=ClaimRowValue('Coupons', 'Code', 'Claimed', 'none left', 'Claimant', 'gus')=%%",
               backend) == "none left"
    err = error("%%=ClaimRowValue('Coupons', 'Nope', 'Claimed', 'x', 'Claimant', 'dee')=%%", backend)
    assert err.message == "ClaimRowValue: data extension 'Coupons' has no column 'Nope'"


def test_execute_filter_without_filter_support_is_a_clear_error():
    from ampy.backends.base import Backend

    bare = Backend()
    err = error("%%[ SET @rs = ExecuteFilter('VIPs') ]%%", bare)
    assert err.message == "ExecuteFilter: the base backend does not support data filters"
    err = error("%%[ SET @rs = ExecuteFilterOrderedRows('VIPs', 0, 'Id') ]%%", bare)
    assert err.message == "ExecuteFilterOrderedRows: the base backend does not support data filters"


def test_execute_filter_unknown_on_the_local_backend_aborts(backend):
    err = error("%%[ SET @rs = ExecuteFilter('VIPs') ]%%", backend)
    # The local backend either lacks data filters or has none with this key.
    assert err.message in ("ExecuteFilter: the local backend does not support data filters",
                           "ExecuteFilter: Data filter 'VIPs' does not exist")
    assert (err.line, err.column) == (1, 15)
    err = error("%%[ SET @rs = ExecuteFilter('VIPs') ]%%", backend, "email")
    assert err.message == "ExecuteFilter is not allowed in email content (10004: non-sendable content only)"


class FilterBackend(LocalBackend):
    """A backend with one data filter, 'Gold', over the Members DE."""

    def __init__(self, data_dir):
        super().__init__(data_dir)
        self.calls = []

    def execute_filter(self, filter_key, *, order_by=(), limit=None):
        self.calls.append((filter_key, list(order_by), limit))
        if filter_key.lower() != "gold":
            return super().execute_filter(filter_key, order_by=order_by, limit=limit)
        return self.lookup("Members", [("Tier", "gold")], order_by=order_by, limit=limit)


def test_execute_filter_through_a_backend_that_has_filters(tmp_path):
    (tmp_path / "Members.csv").write_text(
        "Id,Name,Tier\n1,Ann,Gold\n2,Bo,Silver\n3,Cy,gold\n4,Dee,GOLD\n", encoding="utf-8")
    b = FilterBackend(str(tmp_path))
    src = ("%%[ SET @rs = ExecuteFilter('Gold') FOR @i = 1 TO RowCount(@rs) DO ]%%"
           "%%=Field(Row(@rs, @i), 'Name')=%%,%%[ NEXT ]%%")
    assert run(src, b) == "Ann,Cy,Dee,"
    src = ("%%[ SET @rs = ExecuteFilterOrderedRows('Gold', 2, 'Name DESC') FOR @i = 1 TO RowCount(@rs) DO ]%%"
           "%%=Field(Row(@rs, @i), 'Name')=%%,%%[ NEXT ]%%")
    assert run(src, b) == "Dee,Cy,"
    assert run("%%=RowCount(ExecuteFilterOrderedRows('Gold', 0, 'Id ASC'))=%%", b) == "3"
    assert b.calls == [("Gold", [], None), ("Gold", [("Name", True)], 2), ("Gold", [("Id", False)], None)]
    err = error("%%=RowCount(ExecuteFilter(''))=%%", b)
    assert err.message == "ExecuteFilter: the filter key is empty"
    b.close()


# ---- declared fields: the functions enforce the schema as API writes do --------------------------

TYPED_SCHEMA = {"fields": [
    {"name": "Id", "type": "Number", "primaryKey": True},
    {"name": "Points", "type": "Number", "required": True, "default": "0"},
    {"name": "Name", "type": "Text", "maxLength": 5},
    {"name": "Price", "type": "Decimal", "scale": 2, "maxLength": 5},
    {"name": "Joined", "type": "Date"},
    {"name": "Active", "type": "Boolean", "default": "false"},
    {"name": "Email", "type": "EmailAddress"},
    {"name": "Phone", "type": "Phone"},
    {"name": "Locale", "type": "Locale"},
    {"name": "Code", "type": "Text", "required": True, "default": "none"}]}


@pytest.fixture
def typed(tmp_path):
    """A data extension whose schema declares every field type, with one row from the CSV."""
    (tmp_path / "T.csv").write_text(
        "Id,Points,Name,Price,Joined,Active,Email,Phone,Locale,Code\n"
        "1,007,Ann,1.5,2024-01-15,1,ann@example.com,+1 (555) 010-0000,en-US,A\n", encoding="utf-8")
    (tmp_path / "T.schema.json").write_text(json.dumps(TYPED_SCHEMA), encoding="utf-8")
    (tmp_path / "Plain.csv").write_text("Id,Points\n1,x\n", encoding="utf-8")
    b = LocalBackend(str(tmp_path))
    yield b
    b.close()


CSV_ROW = ("1", "7", "Ann", "1.50", "1/15/2024 12:00:00 AM", "True", "ann@example.com", "+1 (555) 010-0000",
           "en-US", "A")


@pytest.mark.parametrize("call, message", [
    ("InsertData('T', 'Id', '3', 'Points', 'abc')",
     "InsertData: The value 'abc' is not a valid Number for field 'Points' of data extension 'T'."),
    ("InsertDE('T', 'Id', '3', 'Points', '1.5')",
     "InsertDE: The value '1.5' is not a valid Number for field 'Points' of data extension 'T'."),
    ("InsertData('T', 'Id', '3', 'Points', '3000000000')",
     "InsertData: The value '3000000000' is not a valid Number for field 'Points' of data extension 'T' "
     "(outside -2147483648..2147483647)."),
    ("InsertData('T', 'Id', 3, 'Name', 'Alexandra')",
     "InsertData: The value 'Alexandra' for field 'Name' of data extension 'T' is longer than 5 characters."),
    ("InsertData('T', 'Id', 3, 'Price', '1234.5')",
     "InsertData: The value '1234.5' is not a valid Decimal for field 'Price' of data extension 'T' "
     "(more than 3 digits before the decimal point)."),
    ("InsertData('T', 'Id', 3, 'Joined', '2024-02-30')",
     "InsertData: The value '2024-02-30' is not a valid Date for field 'Joined' of data extension 'T'."),
    ("InsertData('T', 'Id', 3, 'Active', 'maybe')",
     "InsertData: The value 'maybe' is not a valid Boolean for field 'Active' of data extension 'T'."),
    ("InsertData('T', 'Id', 3, 'Email', 'ann.example.com')",
     "InsertData: The value 'ann.example.com' is not a valid EmailAddress for field 'Email' of data "
     "extension 'T'."),
    ("InsertData('T', 'Id', 3, 'Phone', 'call me')",
     "InsertData: The value 'call me' is not a valid Phone for field 'Phone' of data extension 'T'."),
    ("InsertData('T', 'Id', 3, 'Locale', 'English!')",
     "InsertData: The value 'English!' is not a valid Locale for field 'Locale' of data extension 'T'."),
    ("InsertData('T', 'Points', 3)", "InsertData: The field 'Id' of data extension 'T' is required."),
    ("InsertData('T', 'Id', 3, 'Points', '')",
     "InsertData: The field 'Points' of data extension 'T' is required; the value is empty."),
    ("UpdateData('T', 1, 'Id', 1, 'Points', 'abc')",
     "UpdateData: The value 'abc' is not a valid Number for field 'Points' of data extension 'T'."),
    ("UpdateDE('T', 1, 'Id', 1, 'Code', '')",
     "UpdateDE: The field 'Code' of data extension 'T' is required; the value is empty."),
    ("UpdateData('T', 1, 'Id', 'one', 'Points', 2)",
     "UpdateData: The value 'one' is not a valid Number for field 'Id' of data extension 'T'."),
    ("UpsertData('T', 1, 'Id', 1, 'Active', 'maybe')",
     "UpsertData: The value 'maybe' is not a valid Boolean for field 'Active' of data extension 'T'."),
    ("UpsertDE('T', 1, 'Id', 9, 'Joined', 'soon')",
     "UpsertDE: The value 'soon' is not a valid Date for field 'Joined' of data extension 'T'."),
])
def test_a_refused_value_is_a_runtime_error_at_the_call_and_nothing_is_written(typed, call, message):
    context = "email" if call.split("(")[0].endswith("DE") else "page"
    err = error(f"%%[\n  {call} ]%%", typed, context)
    assert (err.message, err.line, err.column) == (message, 2, 3)
    assert rows(typed, "T") == [CSV_ROW]


def test_csv_values_load_in_the_stored_form_and_a_refused_cell_stays_as_written(tmp_path):
    (tmp_path / "T.csv").write_text("Id,Points,Name,Price,Joined,Active,Email,Phone,Locale,Code\n"
                                    "x1,1e2,Ann,2,yesterday-ish,no,,,,B\n", encoding="utf-8")
    (tmp_path / "T.schema.json").write_text(json.dumps(TYPED_SCHEMA), encoding="utf-8")
    b = LocalBackend(str(tmp_path))
    try:
        assert rows(b, "T") == [("x1", "100", "Ann", "2.00", "yesterday-ish", "False", None, None, None, "B")]
    finally:
        b.close()


def test_defaults_fill_the_fields_an_insert_leaves_out(typed):
    assert run("%%=InsertData('T', 'Id', '2')=%%", typed) == "1"
    assert rows(typed, "T")[-1] == ("2", "0", None, None, None, "False", None, None, None, "none")
    # Given values win over defaults; an empty non-Text field is NULL, an empty Text stays empty.
    assert run("%%=InsertData('T', 'Id', 3, 'Points', 4, 'Active', 'yes', 'Name', '', 'Price', '')=%%",
               typed) == "1"
    assert rows(typed, "T")[-1] == ("3", "4", "", None, None, "True", None, None, None, "none")


def test_upsert_that_inserts_gets_defaults_and_one_that_updates_does_not(typed):
    assert run("%%=UpsertData('T', 1, 'Id', 1, 'Name', 'Anna')=%%", typed) == "1"
    assert rows(typed, "T")[0][:3] == ("1", "7", "Anna")
    assert run("%%=UpsertDE('T', 1, 'Id', '05', 'Name', 'Eve')=%%", typed, "email") == ""
    assert rows(typed, "T")[-1] == ("5", "0", "Eve", None, None, "False", None, None, None, "none")


def test_values_are_stored_as_marketing_cloud_stores_them(typed):
    src = ("%%=InsertData('T', 'Id', '+0042', 'Points', '1.0E2', 'Price', '3.005',"
           " 'Joined', '2024-03-05 14:07', 'Active', 1, 'Email', 'cy@example.com', 'Phone', '555-0100',"
           " 'Locale', 'fr-CA', 'Code', 'C')=%%")
    assert run(src, typed) == "1"
    expected = ("42", "100", None, "3.01", "3/5/2024 2:07:00 PM", "True", "cy@example.com", "555-0100",
                "fr-CA", "C")
    assert rows(typed, "T")[-1] == expected
    assert run("%%=Lookup('T', 'Joined', 'Id', 42)=%%|%%=Lookup('T', 'Active', 'Id', 42)=%%", typed) == \
        "3/5/2024 2:07:00 PM|True"


def test_the_function_path_stores_exactly_what_the_api_path_stores(typed):
    from ampy.api.model import ApiObject

    values = [("Points", "0012"), ("Price", "-0.004"), ("Joined", "March 5, 2024"), ("Active", "N"),
              ("Code", "Z")]
    args = ", ".join(f"'{c}', '{v}'" for c, v in values)
    assert run(f"%%=InsertData('T', 'Id', 10, {args})=%%", typed) == "1"
    props = [ApiObject("APIProperty", {"Name": c, "Value": v}) for c, v in [("Id", "11"), *values]]
    r = typed.api_create([ApiObject("DataExtensionObject", {"Name": "T", "Properties": props})])
    assert r.overall_status == "OK"
    by_script, by_api = rows(typed, "T")[-2:]
    assert by_script == ("10", "12", None, "0.00", "3/5/2024 12:00:00 AM", "False", None, None, None, "Z")
    assert by_api[1:] == by_script[1:]


def test_updates_convert_their_values_and_find_rows_by_the_stored_form(typed):
    assert run("%%=UpdateData('T', 1, 'Id', '001', 'Active', 'false', 'Price', 9)=%%", typed) == "1"
    assert rows(typed, "T")[0][3:6] == ("9.00", "1/15/2024 12:00:00 AM", "False")
    assert run("%%=Lookup('T', 'Name', 'Joined', '2024-01-15')=%%|%%=Lookup('T', 'Name', 'Points', '7.0')=%%",
               typed) == "Ann|Ann"
    assert run("%%=DeleteData('T', 'Joined', 'Jan 15 2024')=%%", typed) == "1"


def test_upsert_that_would_insert_a_row_missing_a_required_field_writes_nothing(tmp_path):
    (tmp_path / "R.csv").write_text("Id,Name\n1,Ann\n", encoding="utf-8")
    (tmp_path / "R.schema.json").write_text(json.dumps({"fields": [
        {"name": "Id", "type": "Number", "primaryKey": True}, {"name": "Name", "required": True},
        {"name": "Note"}]}), encoding="utf-8")
    b = LocalBackend(str(tmp_path))
    try:
        err = error("%%[ UpsertData('R', 1, 'Id', 2, 'Note', 'x') ]%%", b)
        assert (err.message, err.line, err.column) == (
            "UpsertData: The field 'Name' of data extension 'R' is required.", 1, 5)
        assert rows(b, "R") == [("1", "Ann", None)]
    finally:
        b.close()


def test_claim_row_checks_the_claimant_value_against_its_field(tmp_path):
    (tmp_path / "C.csv").write_text("Code,Claimed,Claimant\nA1,,\n", encoding="utf-8")
    (tmp_path / "C.schema.json").write_text(json.dumps({"fields": [
        {"name": "Code", "primaryKey": True}, {"name": "Claimed", "type": "Boolean"},
        {"name": "Claimant", "type": "Number"}]}), encoding="utf-8")
    b = LocalBackend(str(tmp_path))
    try:
        err = error("%%[ SET @r = ClaimRow('C', 'Claimed', 'Claimant', 'ann') ]%%", b)
        assert (err.message, err.line, err.column) == (
            "ClaimRow: The value 'ann' is not a valid Number for field 'Claimant' of data extension 'C'.",
            1, 14)
        assert rows(b, "C") == [("A1", None, None)]
        assert run("%%=Field(ClaimRow('C', 'Claimed', 'Claimant', '012'), 'Code')=%%", b) == "A1"
        assert rows(b, "C") == [("A1", "True", "12")]
        assert run("%%=Field(ClaimRow('C', 'Claimed', 'Claimant', 12), 'Code')=%%", b) == "A1"
    finally:
        b.close()


def test_a_csv_without_a_schema_takes_any_value_as_text(typed):
    assert run("%%=InsertData('Plain', 'Id', '007', 'Points', 'abc')=%%"
               "%%=UpdateData('Plain', 1, 'Id', '1', 'Points', '')=%%", typed) == "11"
    assert rows(typed, "Plain") == [("1", ""), ("007", "abc")]


def test_a_schema_with_an_unknown_field_type_is_a_clear_error(tmp_path):
    (tmp_path / "Bad.csv").write_text("Id\n1\n", encoding="utf-8")
    (tmp_path / "Bad.schema.json").write_text('{"fields": [{"name": "Id", "type": "Integer"}]}',
                                              encoding="utf-8")
    b = LocalBackend(str(tmp_path))
    try:
        err = error("%%=DataExtensionRowCount('Bad')=%%", b)
        assert err.message == ("DataExtensionRowCount: Bad.schema.json: field 'Id': 'Integer' is not a "
                               "field type (Text, Number, Decimal, Date, Boolean, EmailAddress, Phone, "
                               "Locale)")
    finally:
        b.close()
