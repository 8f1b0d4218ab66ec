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
    assert run(two, backend) == "A3"      # A2 is not of kind 'web'
    exhausted = ("%%[ SET @r = ClaimRow('Coupons', 'Claimed', 'Claimant', 'cy', 'Kind', 'web') ]%%"
                 "%%=Empty(@r)=%%")
    assert run(exhausted, backend) == "True"
    assert rows(backend, "Coupons") == [("A1", "True", "ann", "web"), ("A2", "False", None, "store"),
                                        ("A3", "True", "bo", "web")]


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
