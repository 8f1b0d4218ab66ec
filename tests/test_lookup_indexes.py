"""Data extension reads through SQLite indexes: created on first use for each column set (on the
folded values where AMPscript compares case-insensitively, on the values for the CS variants),
kept with the store, rebuilt with a re-imported CSV; and a CSV checked once per render."""

from __future__ import annotations

import os
import re

import pytest

import ampy
from ampy.api.model import ApiObject
from ampy.backends.local import LocalBackend

COLUMNS = ["Key", "Email", "City", "Claimed", "Who"]
ROWS = [
    ["1", "ann@example.com", "Berlin", None, None],
    ["2", "BO@example.com", "berlin", None, None],
    ["3", "cy@example.com", "Straße", None, None],
    ["4", "dee@example.com", "Paris", None, None],
    ["5", "eve@example.com", None, None, None],
]


@pytest.fixture
def backend(tmp_path):
    b = LocalBackend(None, None, store_path=str(tmp_path / "store.db"))
    b.store.create("People", COLUMNS, ["Key"], rows=[list(r) for r in ROWS])
    yield b
    b.close()


def render(src, backend):
    return ampy.render(src, backend=backend)


def de_selects(backend, action) -> list[str]:
    """The SELECTs on data extension tables that ``action`` runs (with their bound values)."""
    seen: list[str] = []
    backend.store.db.set_trace_callback(seen.append)
    try:
        action()
    finally:
        backend.store.db.set_trace_callback(None)
    return [s for s in seen if s.lstrip().upper().startswith("SELECT") and re.search(r'FROM "de_\d+"', s)]


def plans(backend, statements) -> list[str]:
    return [
        " / ".join(r[3] for r in backend.store.db.execute("EXPLAIN QUERY PLAN " + s))
        for s in statements
    ]


FAMILIES = {
    "Lookup": "%%=Lookup('People', 'Key', 'City', 'PARIS')=%%",
    "LookupRows": "%%=RowCount(LookupRows('People', 'City', 'berlin'))=%%",
    "LookupRowsCS": "%%=RowCount(LookupRowsCS('People', 'City', 'berlin'))=%%",
    "LookupOrderedRows": "%%=RowCount(LookupOrderedRows('People', 5, 'Key DESC', 'City', 'BERLIN'))=%%",
    "LookupOrderedRowsCS": "%%=RowCount(LookupOrderedRowsCS('People', 5, 'Key DESC', 'City', 'Berlin'))=%%",
    "ClaimRow": "%%=Field(ClaimRow('People', 'Claimed', 'Who', 'job-1'), 'Key')=%%",
    "DataExtensionRowCount": "%%=DataExtensionRowCount('People')=%%",
    "Lookup on two columns": "%%=Lookup('People', 'Key', 'City', 'berlin', 'Email', 'bo@example.com')=%%",
    "Lookup of an empty value": "%%=RowCount(LookupRows('People', 'City', ''))=%%",
}
EXPECTED = {
    "Lookup": "4", "LookupRows": "2", "LookupRowsCS": "1", "LookupOrderedRows": "2", "LookupOrderedRowsCS": "1",
    "ClaimRow": "1", "DataExtensionRowCount": "5", "Lookup on two columns": "2", "Lookup of an empty value": "0",
}


@pytest.mark.parametrize("family", list(FAMILIES))
def test_every_lookup_family_reads_through_an_index(backend, family):
    out = []
    statements = de_selects(backend, lambda: out.append(render(FAMILIES[family], backend)))
    assert out == [EXPECTED[family]]
    assert statements, "the render read the data extension"
    for statement, plan in zip(statements, plans(backend, statements), strict=True):
        assert re.search(r"USING (COVERING )?INDEX|USING INTEGER PRIMARY KEY", plan), (statement, plan)


@pytest.mark.parametrize("case_sensitive", [False, True])
def test_a_null_filter_reads_through_the_same_index(backend, case_sensitive):
    found = []
    statements = de_selects(backend, lambda: found.append(
        backend.store.lookup("People", [("city", None)], case_sensitive=case_sensitive)))
    assert [r["Key"] for r in found[0]] == ["5"]
    (plan,) = plans(backend, statements)
    assert "USING INDEX" in plan and ("_cs_" if case_sensitive else "_ci_") in plan
    assert "USE TEMP B-TREE" not in plan  # rows come in the DE's order straight from the index


def test_retrieve_filter_on_a_text_column_reads_through_an_index(backend):
    def retrieve():
        request = ApiObject("RetrieveRequest", {
            "ObjectType": "DataExtensionObject[People]", "Properties": ["Key"],
            "Filter": ApiObject("SimpleFilterPart", {"Property": "City", "SimpleOperator": "equals",
                                                     "Value": ["STRASSE"]})})
        response = backend.api_retrieve(request)
        return [[p.get("Value") for p in o.get("Properties")] for o in response.results]

    found = []
    statements = de_selects(backend, lambda: found.append(retrieve()))
    # The filter compares casefolded text, so 'STRASSE' keeps 'Straße' (a scan kept the same).
    assert found == [[["3"]]]
    (plan,) = plans(backend, statements)
    assert "USING INDEX" in plan and "<expr>=?" in plan


def test_retrieve_number_filter_still_compares_by_value(backend):
    request = ApiObject("RetrieveRequest", {
        "ObjectType": "DataExtensionObject[People]", "Properties": ["Email"],
        "Filter": ApiObject("SimpleFilterPart", {"Property": "Key", "SimpleOperator": "equals", "Value": ["004"]})})
    response = backend.api_retrieve(request)
    assert [[p.get("Value") for p in o.get("Properties")] for o in response.results] == [["dee@example.com"]]


def index_sql(backend) -> list[str]:
    return sorted(r[0] for r in backend.store.db.execute(
        "SELECT sql FROM sqlite_master WHERE type='index' AND tbl_name LIKE 'de_%'"))


def test_case_insensitive_and_case_sensitive_indexes_are_distinct(backend):
    assert render("%%=RowCount(LookupRows('People', 'City', 'BERLIN'))=%%", backend) == "2"
    assert render("%%=RowCount(LookupRowsCS('People', 'City', 'BERLIN'))=%%", backend) == "0"
    assert render("%%=RowCount(LookupRowsCS('People', 'City', 'berlin'))=%%", backend) == "1"
    # Lookup folds with lower(), not casefold(): 'STRASSE' does not find 'Straße' (as before).
    assert render("[%%=Lookup('People', 'Key', 'City', 'STRASSE')=%%]", backend) == "[]"
    assert render("%%=Lookup('People', 'Key', 'City', 'STRAßE')=%%", backend) == "3"
    sql = index_sql(backend)
    table = backend.store.info("People").table
    assert f'CREATE INDEX "{table}_ci_' in "".join(sql)
    assert [s for s in sql if f'ON "{table}" (ampy_fold("City"))' in s]
    assert [s for s in sql if f'ON "{table}" ("City")' in s]
    assert [s for s in sql if "_pk" in s] == [f'CREATE UNIQUE INDEX "{table}_pk" ON "{table}" (ampy_fold("Key"))']


def test_a_primary_key_lookup_uses_the_key_index_without_another(backend):
    assert render("%%=Lookup('People', 'Email', 'key', '2')=%%", backend) == "BO@example.com"
    assert not [s for s in index_sql(backend) if 'ampy_fold("Key")' in s and "_pk" not in s]


def test_indexes_are_kept_with_the_store_and_found_on_reopen(tmp_path, backend):
    assert render("%%=Lookup('People', 'Key', 'Email', 'EVE@example.com')=%%", backend) == "5"
    before = index_sql(backend)
    backend.close()
    again = LocalBackend(None, None, store_path=str(tmp_path / "store.db"))
    try:
        seen: list[str] = []
        again.store.db.set_trace_callback(seen.append)
        assert render("%%=Lookup('People', 'Key', 'Email', 'eve@EXAMPLE.com')=%%", again) == "5"
        again.store.db.set_trace_callback(None)
        assert index_sql(again) == before
        assert not [s for s in seen if "CREATE INDEX" in s.upper()]
    finally:
        again.close()


def test_reloading_a_changed_csv_rebuilds_table_and_indexes(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    csv_path = data / "Cities.csv"
    csv_path.write_text("Id,City\n1,Berlin\n2,Paris\n", encoding="utf-8")
    b = LocalBackend(str(data), None, store_path=str(tmp_path / "store.db"))
    try:
        src = "%%=Lookup('Cities', 'Id', 'City', 'paris')=%%|%%=RowCount(LookupRows('Cities', 'City', 'rome'))=%%"
        assert render(src, b) == "2|0"
        old_table = b.store.info("Cities").table
        csv_path.write_text("Id,City\n7,Rome\n8,Paris\n9,ROME\n", encoding="utf-8")
        os.utime(csv_path, ns=(1, 1))  # a different modification time, whatever the clock's resolution
        assert render(src, b) == "8|2"
        table = b.store.info("Cities").table
        names = [r[0] for r in b.store.db.execute("SELECT name FROM sqlite_master WHERE type='index'")]
        assert [n for n in names if n.startswith(f"{table}_ci_")]
        if table != old_table:
            assert not [n for n in names if n.startswith(f"{old_table}_")]
    finally:
        b.close()


def test_a_csv_is_checked_for_changes_once_per_render(tmp_path, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    (data / "Cities.csv").write_text("Id,City\n1,Berlin\n2,Paris\n3,Rome\n", encoding="utf-8")
    b = LocalBackend(str(data), None, store_path=str(tmp_path / "store.db"))
    src = ("%%=Lookup('Cities', 'Id', 'City', 'Berlin')=%%%%=Lookup('Cities', 'Id', 'City', 'Paris')=%%"
           "%%=Lookup('Cities', 'Id', 'City', 'Rome')=%%%%=RowCount(LookupRows('Cities', 'City', 'Rome'))=%%"
           "%%=DataExtensionRowCount('Cities')=%%")
    try:
        assert render(src, b) == "12313"  # the first render imports the file
        calls: list[str] = []
        real_stat = os.stat

        def counting_stat(path, *args, **kwargs):
            if str(path).endswith("Cities.csv"):
                calls.append(str(path))
            return real_stat(path, *args, **kwargs)

        monkeypatch.setattr(os, "stat", counting_stat)
        assert render(src, b) == "12313"
        assert len(calls) == 1
        assert render(src, b) == "12313"
        assert len(calls) == 2
    finally:
        monkeypatch.undo()
        b.close()


def test_a_change_to_the_csv_shows_in_the_next_render(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    csv_path = data / "Cities.csv"
    csv_path.write_text("Id,City\n1,Berlin\n", encoding="utf-8")
    b = LocalBackend(str(data), None, store_path=str(tmp_path / "store.db"))
    try:
        assert render("%%=DataExtensionRowCount('Cities')=%%", b) == "1"
        csv_path.write_text("Id,City\n1,Berlin\n2,Paris\n", encoding="utf-8")
        os.utime(csv_path, ns=(1, 1))
        assert render("%%=DataExtensionRowCount('Cities')=%%:%%=Lookup('Cities','Id','City','paris')=%%", b) == "2:2"
    finally:
        b.close()


def test_row_count_follows_writes(backend):
    src = "%%=DataExtensionRowCount('People')=%%"
    assert render(src, backend) == "5"
    backend.store.insert_row("People", [("Key", "6"), ("City", "Oslo")])
    assert render(src, backend) == "6"
    backend.store.delete_rows("People", [("City", "oslo")])
    assert render(src, backend) == "5"


def test_claim_row_hands_out_free_rows_in_order_then_none(backend):
    keys = [render(f"%%=Field(ClaimRow('People', 'Claimed', 'Who', 'job-{i}'), 'Key')=%%", backend)
            for i in range(5)]
    assert keys == ["1", "2", "3", "4", "5"]
    # The same claimant gets its own row back; a sixth finds none left.
    assert render("%%=Field(ClaimRow('People', 'Claimed', 'Who', 'job-2'), 'Key')=%%", backend) == "3"
    with pytest.raises(ampy.AmpscriptError):
        render("%%=Field(ClaimRow('People', 'Claimed', 'Who', 'job-9'), 'Key')=%%", backend)
    assert [r["Who"] for r in backend.store.lookup("People", ())] == [f"job-{i}" for i in range(5)]


def test_a_table_replaced_by_another_connection_mid_render_is_read_afresh(tmp_path, backend):
    token = object()  # one render
    assert [r["Key"] for r in backend.store.lookup("People", [("City", "paris")], fresh_token=token)] == ["4"]
    other = LocalBackend(None, None, store_path=str(tmp_path / "store.db"))
    try:
        other.store.drop("People")
        other.store.create("People", ["Key", "Town"], ["Key"], rows=[["9", "Paris"]])
    finally:
        other.close()
    # The cached table is gone (or has other columns): the read finds the new one.
    with pytest.raises(Exception) as info:
        backend.store.lookup("People", [("City", "paris")], fresh_token=token)
    assert "no column 'City'" in str(info.value)
    assert [r["Key"] for r in backend.store.lookup("People", [("Town", "PARIS")], fresh_token=token)] == ["9"]
