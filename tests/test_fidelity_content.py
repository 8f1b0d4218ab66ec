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


# ---- content blocks by folder path and by ID ------------------------------------------------

@pytest.fixture
def content(tmp_path):
    root = tmp_path / "content"
    (root / "Emails" / "Footers").mkdir(parents=True)
    (root / "Other").mkdir()
    (root / "footer.html").write_text("top footer", encoding="utf-8")
    (root / "Emails" / "Footers" / "footer.html").write_text("email footer %%=v(@who)=%%", encoding="utf-8")
    (root / "Other" / "footer.amp").write_text("other footer", encoding="utf-8")
    (root / "Emails" / "header.html").write_text("header", encoding="utf-8")
    (root / "99.html").write_text("file named 99", encoding="utf-8")
    (root / "index.json").write_text(json.dumps([
        {"id": 1001, "key": "legal-footer", "file": "Emails/Footers/footer.html"},
        {"id": "1002", "file": "Other/footer"},
        {"id": 99, "file": "Emails/header.html"},
    ]), encoding="utf-8")
    return LocalBackend(content_dir=str(root))


def render(src, backend):
    return ampy.render("%%[ SET @who = 'Ann' ]%%" + src, backend=backend)


def test_content_block_by_name_follows_the_folder_path(content):
    assert render("%%=ContentBlockByName('Emails\\Footers\\footer')=%%|%%=ContentBlockByName('other/FOOTER')=%%"
                  "|%%=ContentBlockByName('footer')=%%", content) == "email footer Ann|other footer|top footer"
    assert render("%%=ContentBlockByName('Content Builder\\emails\\footers\\Footer')=%%"
                  "|%%=ContentAreaByName('My Contents\\Other\\footer')=%%", content) == "email footer Ann|other footer"
    with pytest.raises(ampy.AmpscriptError) as e:
        render("%%=ContentBlockByName('Emails\\footer')=%%", content)   # not in that folder
    assert e.value.message == "ContentBlockByName: no content block with name 'Emails\\footer'"
    with pytest.raises(ampy.AmpscriptError) as e:
        render("%%=ContentBlockByName('..\\content\\footer')=%%", content)
    assert e.value.message == "ContentBlockByName: no content block with name '..\\content\\footer'"


def test_content_block_by_id_through_the_index(content):
    assert render("%%=ContentBlockByID(1001)=%%|%%=ContentBlockByID('1002')=%%|%%=ContentArea(99)=%%", content) == \
        "email footer Ann|other footer|header"   # the index wins over a file named 99
    assert render("%%=ContentBlockByKey('legal-footer')=%%|%%=ContentBlockByKey('FOOTER')=%%", content) == \
        "email footer Ann|top footer"
    assert render("%%=ContentBlockByID(5, '', 0, 'none', @s)=%%:%%=v(@s)=%%", content) == "none:-1"


def test_content_block_by_id_falls_back_to_a_file_named_after_it(tmp_path):
    (tmp_path / "42.html").write_text("forty-two", encoding="utf-8")
    assert render("%%=ContentBlockByID(42)=%%", LocalBackend(content_dir=str(tmp_path))) == "forty-two"


def test_a_broken_index_is_a_clear_error(tmp_path):
    (tmp_path / "index.json").write_text('[{"id": 1, "file": "missing.html"}]', encoding="utf-8")
    with pytest.raises(ampy.AmpscriptError) as e:
        render("%%=ContentBlockByID(1)=%%", LocalBackend(content_dir=str(tmp_path)))
    assert e.value.message == "ContentBlockByID: index.json: the file 'missing.html' is not in the content folder"
    (tmp_path / "index.json").write_text('{"id": 1}', encoding="utf-8")
    with pytest.raises(ampy.AmpscriptError) as e:
        render("%%=ContentBlockByID(1)=%%", LocalBackend(content_dir=str(tmp_path)))
    assert e.value.message == ("ContentBlockByID: index.json of the content folder must be a list of objects, "
                               "each with a file")
