"""Data-extension reads: Lookup, LookupRows(CS), LookupOrderedRows(CS), Row, RowCount, Field,
BuildRowSetFromString (rules 30-31, 33)."""

import pytest

import ampy


@pytest.fixture
def data(tmp_path):
    (tmp_path / "Customers.csv").write_text(
        "Id,Email,Name,City,Score\n"
        "1,ann@example.com,Ann,Berlin,7\n"
        "2,BO@example.com,Bo,berlin,10\n"
        "3,cy@example.com,Cy,Paris,9\n"
        "4,dee@example.com,Dee,Berlin,\n", encoding="utf-8")
    (tmp_path / "Empty.csv").write_text("A,B\n", encoding="utf-8")
    return str(tmp_path)


def r(src, data):
    return ampy.render(src, data_dir=data)


def test_lookup_first_match_case_insensitive_names(data):
    assert r("%%=Lookup('customers', 'NAME', 'city', 'BERLIN')=%%", data) == "Ann"
    assert r("%%=Lookup('Customers', 'Name', 'City', 'berlin', 'Score', 10)=%%", data) == "Bo"
    assert r("[%%=Lookup('Customers', 'Name', 'City', 'Rome')=%%]", data) == "[]"


def test_lookup_rows_in_de_order(data):
    src = ("%%[ SET @rs = LookupRows('Customers', 'City', 'Berlin') FOR @i = 1 TO RowCount(@rs) DO ]%%"
           "%%=Field(Row(@rs, @i), 'Name')=%%;%%[ NEXT ]%%")
    assert r(src, data) == "Ann;Bo;Dee;"


def test_lookup_rows_cs(data):
    assert r("%%=RowCount(LookupRowsCS('Customers', 'City', 'Berlin'))=%%", data) == "2"
    assert r("%%=RowCount(LookupRowsCS('Customers', 'City', 'berlin'))=%%", data) == "1"
    assert r("%%=RowCount(LookupRows('Customers', 'Email', 'bo@EXAMPLE.com'))=%%", data) == "1"


def test_lookup_ordered_rows(data):
    src = ("%%[ SET @rs = LookupOrderedRows('Customers', 2, 'Score DESC, Name ASC', 'City', 'berlin') ]%%"
           "%%=RowCount(@rs)=%%:%%=Field(Row(@rs,1),'Name')=%%,%%=Field(Row(@rs,2),'Name')=%%")
    # Text columns sort as text: '7' > '10'; an empty score sorts first ascending, last descending.
    assert r(src, data) == "2:Ann,Bo"
    src = "%%[ SET @rs = LookupOrderedRows('Customers', 0, 'Name DESC', 'City', 'Berlin') ]%%%%=RowCount(@rs)=%%"
    assert r(src, data) == "3"
    src = "%%=Field(Row(LookupOrderedRowsCS('Customers', 5, 'Id DESC', 'City', 'Berlin'), 1), 'Name')=%%"
    assert r(src, data) == "Dee"


def test_empty_results_and_rowcount(data):
    assert r("%%=RowCount(LookupRows('Customers', 'City', 'Rome'))=%%", data) == "0"
    assert r("%%=RowCount(LookupRows('Empty', 'A', 'x'))=%%", data) == "0"


def test_missing_de_and_column_are_errors(data):
    with pytest.raises(ampy.AmpscriptRuntimeError) as info:
        r("%%=Lookup('Nope', 'A', 'B', 'c')=%%", data)
    assert "Data extension 'Nope' does not exist" in info.value.message
    with pytest.raises(ampy.AmpscriptRuntimeError) as info:
        r("%%=Lookup('Customers', 'Name', 'Town', 'x')=%%", data)
    assert "no column 'Town'" in info.value.message


def test_field_by_name_and_ordinal(data):
    src = "%%[ SET @row = Row(LookupRows('Customers', 'Id', 3), 1) ]%%%%=Field(@row, 'email')=%%|%%=Field(@row, 3)=%%"
    assert r(src, data) == "cy@example.com|Cy"


def test_build_rowset_from_string():
    src = ("%%[ SET @rs = BuildRowSetFromString('red|green|', '|') ]%%%%=RowCount(@rs)=%%:"
           "%%=Field(Row(@rs, 1), 1)=%%,%%=Field(Row(@rs, 2), 'Value')=%%,[%%=Field(Row(@rs, 3), 1)=%%]")
    assert ampy.render(src) == "3:red,green,[]"
    assert ampy.render("%%=RowCount(BuildRowSetFromString('', ','))=%%") == "0"
    assert ampy.render("%%=RowCount(BuildRowSetFromString('a,b', ''))=%%") == "1"


def test_csv_change_is_reimported(data, tmp_path):
    assert r("%%=RowCount(LookupRows('Customers', 'City', 'Paris'))=%%", data) == "1"
    import os
    import time
    path = os.path.join(data, "Customers.csv")
    with open(path, "a", encoding="utf-8") as f:
        f.write("5,eve@example.com,Eve,Paris,3\n")
    os.utime(path, (time.time() + 5, time.time() + 5))
    assert r("%%=RowCount(LookupRows('Customers', 'City', 'Paris'))=%%", data) == "2"


def test_malformed_csv_is_a_clear_error(tmp_path):
    (tmp_path / "Bad.csv").write_text('A,B\n1,"unclosed\n', encoding="utf-8")
    (tmp_path / "Wide.csv").write_text("A,B\n1,2,3\n", encoding="utf-8")
    with pytest.raises(ampy.AmpscriptRuntimeError) as info:
        ampy.render("%%=Lookup('Bad', 'A', 'B', 1)=%%", data_dir=str(tmp_path))
    assert "Bad.csv: malformed CSV" in info.value.message
    with pytest.raises(ampy.AmpscriptRuntimeError) as info:
        ampy.render("%%=Lookup('Wide', 'A', 'B', 1)=%%", data_dir=str(tmp_path))
    assert "line 2 has 3 fields, the header has 2" in info.value.message


def test_rows_read_are_cached_for_the_rest_of_the_render(data):
    src = ("%%=Lookup('Customers', 'City', 'Id', 1)=%%|%%=UpdateData('Customers', 1, 'Id', 1, 'City', 'Oslo')=%%|"
           "%%=Lookup('Customers', 'City', 'Id', 1)=%%|%%=Lookup('Customers', 'City', 'Name', 'Ann')=%%")
    # The second lookup of the same row answers from the render's cache; a new query reads the write.
    assert r(src, data) == "Berlin|1|Berlin|Oslo"
    assert r("%%=Lookup('Customers', 'City', 'Id', 1)=%%", data) == "Oslo"


def test_lookup_ordered_rows_sorts_by_the_declared_field_type(tmp_path):
    # Stored values are text; a Number or Decimal field sorts by value and a Date field by time,
    # not as '9' > '10' and '9/30/2025' > '10/1/2025'. Empty values sort first, as NULL does.
    (tmp_path / "Events.csv").write_text(
        "Id,Grp,Starts,Seats,Price,Label\n"
        "a,x,9/30/2025 8:00:00 AM,9,9.5,b\n"
        "b,x,10/1/2025 8:00:00 AM,10,10.25,A\n"
        "c,x,1/2/2026 8:00:00 AM,100,100,c\n"
        "d,x,,,,\n", encoding="utf-8")
    (tmp_path / "Events.schema.json").write_text(
        '{"fields": [{"name": "Id", "primaryKey": true}, {"name": "Grp"}, {"name": "Starts", "type": "Date"},'
        ' {"name": "Seats", "type": "Number"}, {"name": "Price", "type": "Decimal", "scale": 2},'
        ' {"name": "Label"}]}', encoding="utf-8")

    def order(sort):
        src = (f"%%[ SET @rs = LookupOrderedRows('Events', 0, '{sort}', 'Grp', 'x') FOR @i = 1 TO RowCount(@rs) DO ]%%"
               "%%=Field(Row(@rs, @i), 'Id')=%%%%[ NEXT ]%%")
        return r(src, str(tmp_path))

    assert order("Starts DESC") == "cbad"
    assert order("Starts ASC") == "dabc"
    assert order("Seats DESC") == "cbad"
    assert order("Price ASC") == "dabc"
    assert order("Label ASC") == "dbac"   # text: case-insensitive
