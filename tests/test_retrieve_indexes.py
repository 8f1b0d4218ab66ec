"""Retrieve filters of data extension rows read through SQLite indexes created on first use: on
casefolded text, on numbers and on dates, for equals, notEquals, the ranges, between, IN, like,
beginsWith, isNull and AND/OR of them; the rows found are exactly a scan's."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ampy.api.model import ApiObject
from ampy.backends.local import LocalBackend
from ampy.cloud.filter_sql import date_key, number_key
from ampy.cloud.retrieve import compile_filter

COLUMNS = ["Key", "Name", "Amount", "Joined", "Note"]
ROWS = [
    ["1", "Ann", "10", "2024-01-05", "x"],
    ["2", "bo", "9", "2023-12-31 23:00", None],
    ["3", "Straße", "10.0", "1/2/2024", ""],
    ["4", "Bob", "100", "2024-02-29T10:00:00", "ı dotless"],
    ["5", "ANN", "-3.5", "", "Illinois"],
    ["6", "carl", "", None, "10:30"],
    ["7", "Dee", "abc", "not a date", "2024-01-05"],
    ["8", "ann", "1e1", "March 4, 2024", "10"],
]
TYPED = {"amount": {"FieldType": "Decimal", "Scale": "2"}, "joined": {"FieldType": "Date"}}


@pytest.fixture
def backend(tmp_path):
    b = LocalBackend(None, None, store_path=str(tmp_path / "store.db"))
    b.store.create("People", COLUMNS, ["Key"], rows=[list(r) for r in ROWS])
    typed = [[r[0], r[1], r[2] if r[2] not in ("abc", "1e1") else "", r[3] if r[3] not in ("not a date",) else "",
              r[4]] for r in ROWS]
    b.store.create("Typed", COLUMNS, ["Key"], rows=typed, meta={"Fields": TYPED})
    yield b
    b.close()


def part(prop, op, *values, dates=False):
    key = "DateValue" if dates else "Value"
    return ApiObject("SimpleFilterPart", {"Property": prop, "SimpleOperator": op, key: list(values)})


def both(op, left, right, *more):
    props = {"LogicalOperator": op, "LeftOperand": left, "RightOperand": right}
    if more:
        props["AdditionalOperands"] = list(more)
    return ApiObject("ComplexFilterPart", props)


def retrieve(backend, filt, de="People") -> tuple[list[str], list[str]]:
    """(keys found, the SELECTs on the DE table run to find them)."""
    seen: list[str] = []
    request = ApiObject("RetrieveRequest", {"ObjectType": f"DataExtensionObject[{de}]", "Properties": ["Key"],
                                            "Filter": filt})
    backend.store.db.set_trace_callback(seen.append)
    try:
        response = backend.api_retrieve(request)
    finally:
        backend.store.db.set_trace_callback(None)
    assert response.overall_status == "OK", response.overall_status
    selects = [s for s in seen if s.lstrip().upper().startswith("SELECT") and re.search(r'FROM "de_\d+"', s)]
    return [o.get("Properties")[0].get("Value") for o in response.results], selects


def scanned(backend, filt, de="People") -> list[str]:
    """What a scan keeps: the filter applied to every row."""
    rows = backend.store.lookup(de, ())
    keep = compile_filter(filt, lambda row, p: row.get(p), strict_nulls=True)
    return [r["Key"] for r in rows if keep(r)]


def plan(backend, select: str) -> str:
    return " / ".join(r[3] for r in backend.store.db.execute("EXPLAIN QUERY PLAN " + select))


def assert_indexed(backend, selects):
    (select,) = selects
    p = plan(backend, select)
    assert "USING INDEX" in p and not re.search(r"SCAN de_\d+(?! USING)", p), p
    return p


CASES = [
    (part("Name", "equals", "ANN"), ["1", "5", "8"], ["_cf_"]),
    (part("Name", "equals", "STRASSE"), ["3"], ["_cf_"]),
    (part("Name", "notEquals", "ann"), ["2", "3", "4", "6", "7"], ["_cf_"]),
    (part("Amount", "equals", "10"), ["1", "3", "8"], ["_num_", "_cf_"]),
    (part("Amount", "greaterThan", "9"), ["1", "3", "4", "7", "8"], ["_num_"]),
    (part("Amount", "lessThan", "10"), ["2", "5"], ["_num_"]),
    (part("Amount", "greaterThanOrEqual", "10"), ["1", "3", "4", "7", "8"], ["_num_"]),
    (part("Amount", "lessThanOrEqual", "9"), ["2", "5"], ["_num_"]),
    (part("Amount", "between", "-4", "9.5"), ["2", "5"], ["_num_"]),
    (part("Amount", "IN", "100", "abc", "-3.5"), ["4", "5", "7"], ["_num_", "_cf_"]),
    (part("Joined", "greaterThan", "2024-01-01"), ["1", "3", "4", "7", "8"], ["_date_", "_cf_"]),
    (part("Joined", "lessThan", "2024-01-02"), ["2"], ["_date_"]),
    (part("Joined", "equals", "2024-02-29 10:00"), ["4"], ["_date_"]),
    (part("Joined", "between", "2024-01-01", "2024-01-31"), ["1", "3"], ["_date_"]),
    (part("Joined", "equals", "2024-01-02", dates=True), ["3"], ["_date_"]),
    (part("Name", "like", "an%"), ["1", "5", "8"], ["_cf_"]),
    (part("Name", "like", "b_b"), ["4"], ["_cf_"]),
    (part("Name", "beginsWith", "STR"), ["3"], ["_cf_"]),
    (part("Note", "isNull"), ["2"], ["_cf_"]),
    (both("AND", part("Name", "equals", "ann"), part("Amount", "greaterThan", "5")), ["1", "8"], ["_cf_"]),
    (both("OR", part("Name", "equals", "bo"), part("Name", "like", "d%"), part("Amount", "equals", "100")),
     ["2", "4", "7"], ["_cf_", "_num_"]),
    (both("AND", part("Name", "like", "%n%"), part("Key", "IN", "1", "5")), ["1", "5"], ["_num_"]),
]


@pytest.mark.parametrize(("filt", "keys", "indexes"), CASES)
def test_a_retrieve_filter_reads_through_indexes_and_finds_exactly_a_scans_rows(backend, filt, keys, indexes):
    found, selects = retrieve(backend, filt)
    assert found == keys == scanned(backend, filt)
    p = assert_indexed(backend, selects)
    for kind in indexes:
        assert kind in p


@pytest.mark.parametrize(("filt", "keys"), [
    (part("Amount", "greaterThan", "9.99"), ["1", "3", "4"]),
    (part("Amount", "equals", "10.00"), ["1", "3"]),
    (part("Joined", "lessThanOrEqual", "2024-01-05"), ["1", "2", "3"]),
    (both("AND", part("Joined", "greaterThan", "2023-12-31"), part("Amount", "lessThan", "50")), ["1", "2", "3"]),
])
def test_typed_number_and_date_fields_compare_by_value_through_indexes(backend, filt, keys):
    found, selects = retrieve(backend, filt, "Typed")
    assert found == keys == scanned(backend, filt, "Typed")
    assert_indexed(backend, selects)


def test_filters_no_index_answers_still_find_exactly_a_scans_rows(backend):
    for filt in (part("Name", "contains", "n"), part("Amount", "notEquals", "10"),
                 part("Name", "like", "%nn"), part("Note", "like", "i%"),
                 both("OR", part("Name", "equals", "ann"), part("Name", "endsWith", "l"))):
        found, _ = retrieve(backend, filt)
        assert found == scanned(backend, filt)
    # in an AND the indexed operand still narrows the rows
    filt = both("AND", part("Name", "contains", "n"), part("Amount", "equals", "10"))
    found, selects = retrieve(backend, filt)
    assert found == ["1", "8"] == scanned(backend, filt)
    assert "_num_" in assert_indexed(backend, selects)


def test_long_in_lists_and_many_operands_stay_exact(backend):
    values = [str(i) for i in range(5, 2005)] + ["ANN", "2024-01-05"]
    found, selects = retrieve(backend, part("Amount", "IN", *values))
    assert found == ["1", "2", "3", "4", "8"] == scanned(backend, part("Amount", "IN", *values))
    found, selects = retrieve(backend, part("Name", "IN", *values))
    assert found == ["1", "5", "8"] and "_cf_" in assert_indexed(backend, selects)
    many = both("OR", *[part("Name", "equals", f"n{i}") for i in range(300)], part("Name", "equals", "dee"))
    assert retrieve(backend, many)[0] == ["7"] == scanned(backend, many)
    narrowed = both("AND", part("Name", "equals", "dee"), *[part("Key", "lessThan", str(i)) for i in range(8, 308)])
    assert retrieve(backend, narrowed)[0] == ["7"] == scanned(backend, narrowed)
    deep = part("Name", "equals", "dee")
    for i in range(200):
        deep = both("AND" if i % 2 else "OR", deep, part("Key", "notEquals", "x"))
    assert retrieve(backend, deep)[0] == [str(i) for i in range(1, 9)] == scanned(backend, deep)


def test_indexes_are_created_once_and_kept_with_the_store(tmp_path, backend):
    retrieve(backend, part("Amount", "greaterThan", "9"))
    retrieve(backend, part("Amount", "lessThan", "3"))
    names = sorted(r[0] for r in backend.store.db.execute(
        "SELECT sql FROM sqlite_master WHERE type='index' AND sql LIKE '%ampy_number%'"))
    assert len(names) == 1 and 'ampy_number("Amount")' in names[0]
    reopened = LocalBackend(None, None, store_path=str(tmp_path / "store.db"))
    try:
        found, selects = retrieve(reopened, part("Amount", "lessThan", "3"))
        assert found == ["5"]
        assert "_num_" in assert_indexed(reopened, selects)
        reopened.store.insert_row("People", [("Key", "9"), ("Amount", "2")])  # the index follows writes
        assert retrieve(reopened, part("Amount", "lessThan", "3"))[0] == ["5", "9"]
    finally:
        reopened.close()


def test_index_keys():
    assert number_key("1e1") == 10.0 and number_key(" 7 ") == 7.0 and number_key("abc") is None
    assert number_key(None) is None and number_key("") is None
    assert date_key("2024-02-29 10:00") == "2024-02-29T10:00:00.000000"
    assert date_key("1/2/2024") == "2024-01-02T00:00:00.000000"
    assert date_key("10:30") == "?"  # a time alone takes today's date: no fixed key
    assert date_key("nope") is None and date_key(None) is None


VALUES = st.sampled_from(["", "0", "1", "2", "9", "10", "10.0", "-1", "1e1", "abc", "ABC", "Straße", "strasse",
                          "a_c", "2024-01-05", "2024-1-5", "1/5/2024", "2023-12-31 23:59", "12:00", "ı", "I",
                          "İ", "zz", "a%"])
OPS = st.sampled_from(["equals", "notEquals", "greaterThan", "lessThan", "greaterThanOrEqual", "lessThanOrEqual",
                       "between", "IN", "like", "beginsWith", "isNull", "isNotNull"])


@st.composite
def filters(draw, depth=0):
    if depth < 2 and draw(st.booleans()):
        operands = draw(st.lists(filters(depth=depth + 1), min_size=2, max_size=3))
        return both(draw(st.sampled_from(["AND", "OR"])), *operands)
    op = draw(OPS)
    count = {"between": 2, "IN": 3, "isNull": 0, "isNotNull": 0}.get(op, 1)
    values = [draw(VALUES) for _ in range(count)]
    if op == "like":
        values = [draw(st.sampled_from(["a%", "%c", "s_r%", "I%", "1%", "%", "2024%"]))]
    return part(draw(st.sampled_from(["Name", "Note"])), op, *values, dates=draw(st.booleans()) and count > 0)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(VALUES, st.one_of(st.none(), VALUES)), min_size=1, max_size=12), filt=filters())
def test_any_filter_finds_exactly_a_scans_rows(tmp_path_factory, rows, filt):
    b = LocalBackend(None, None, store_path=str(tmp_path_factory.mktemp("p") / "store.db"))
    try:
        b.store.create("People", ["Key", "Name", "Note"], ["Key"],
                       rows=[[str(i), name, note] for i, (name, note) in enumerate(rows)])
        assert retrieve(b, filt)[0] == scanned(b, filt)
    finally:
        b.close()
