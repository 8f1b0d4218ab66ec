"""Content fidelity: BuildRowsetFromJSON with full JSONPath, content blocks by folder path and by
ID through the content index."""

from __future__ import annotations

import json

import pytest

import ampy
from ampy.backends.local import LocalBackend

SHOP = json.dumps({"items": [
    {"name": "pen", "price": 2.5, "tags": ["office"]},
    {"name": "lamp", "price": 40, "tags": ["home", "office"]},
    {"name": "mug", "price": 9.99, "tags": ["home"]},
], "owner": {"name": "Ann"}})


def rows(path, *columns, source=SHOP):
    cells = "|".join(f"%%=Field(@r, '{c}')=%%" for c in columns)
    src = (f"%%[ SET @rs = BuildRowsetFromJSON(@j, '{path}', 0) FOR @i = 1 TO RowCount(@rs) DO "
           f"SET @r = Row(@rs, @i) ]%%{cells};%%[ NEXT ]%%")
    return ampy.render("%%[ SET @j = '" + source.replace("'", "''") + "' ]%%" + src)


@pytest.mark.parametrize("path, expected", [
    ("$.items[?(@.price < 10)]", "pen|2.5;mug|9.99;"),
    ("$.items[?@.price >= 10]", "lamp|40;"),
    ("$.items[?(@.price < 10 && @.name != \"pen\")]", "mug|9.99;"),
    ("$.items[?(@.name == \"lamp\" || @.name == \"mug\")]", "lamp|40;mug|9.99;"),
    ("$.items[-1:]", "mug|9.99;"),
    ("$.items[0,2]", "pen|2.5;mug|9.99;"),
])
def test_filters_slices_and_unions(path, expected):
    assert rows(path, "name", "price") == expected


def test_filter_then_member_and_descent_in_document_order():
    assert rows("$.items[?(@.price < 10)].name", "Value") == "pen;mug;"
    assert rows("$..name", "Value") == "pen;lamp;mug;Ann;"
    assert rows("$.items[?(@.tags[0] == \"home\")].name", "Value") == "lamp;mug;"


def test_bad_paths():
    with pytest.raises(ampy.AmpscriptError) as e:
        rows("$.items[?(@.price <)]", "Value")
    assert e.value.message.startswith("BuildRowsetFromJSON: the JSONPath '$.items[?(@.price <)]' is not valid: ")
    assert ampy.render("%%=RowCount(BuildRowsetFromJSON('{}', '$.a[?(', 1))=%%") == "0"
