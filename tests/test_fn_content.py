"""Content builtins: JSON/XML rowsets, XSLT, option lists, content areas and images, barcodes,
attachments, impression regions, Web Analytics Tracking, TreatAsContentArea."""

import pytest

import ampy
from ampy.backends.local import LocalBackend
from ampy.settings import Settings


def run(src, **kw):
    return ampy.compile(src).render(**kw)


def error(src, **kw):
    with pytest.raises(ampy.AmpscriptRuntimeError) as info:
        run(src, **kw)
    return info.value


def each_row(rowset_expr, *columns):
    """A loop printing the named columns of every row, ';'-terminated."""
    cells = "|".join(f"%%=Field(@r, '{c}')=%%" for c in columns)
    return (f"%%[ SET @rs = {rowset_expr} FOR @i = 1 TO RowCount(@rs) DO SET @r = Row(@rs, @i) ]%%"
            f"{cells};%%[ NEXT ]%%")


JSON = ('{"store": {"name": "Main", "items": [{"sku": "A1", "price": 100.0, "tags": ["x"], "meta": {"a": 1}},'
        ' {"sku": "B2", "price": 2.5, "active": true, "note": null}], "codes": [7, 8.10, "nine"]},'
        ' "sku": "top"}')


# ---- BuildRowsetFromJSON --------------------------------------------------------------------

def test_json_array_of_objects_gives_a_row_per_object_with_its_own_keys():
    src = "%%[ SET @j = '" + JSON + "' ]%%" + each_row("BuildRowsetFromJSON(@j, '$.store.items[*]', 0)",
                                                       "SKU", "price", "tags", "meta")
    err = error(src)   # the second object has no 'tags' key, so its row has no such column
    assert err.message == "Field: the row has no column 'tags'"
    assert run("%%=RowCount(BuildRowsetFromJSON('" + JSON + "', '$.store.items[*]', 0))=%%") == "2"


def test_json_rows_columns_and_ordinals():
    src = "%%[ SET @j = '" + JSON + "' ]%%" + each_row("BuildRowsetFromJSON(@j, '$.store.items[*]', 0)",
                                                       "SKU", "price", "tags", "meta")
    src_b = src.replace("Field(@r, 'meta')", "Field(@r, 'meta', 0)").replace("Field(@r, 'tags')",
                                                                              "Field(@r, 'tags', 0)")
    assert run(src_b) == "A1|100||;B2|2.5||;"
    src = ("%%[ SET @j = '" + JSON + "' SET @r = Row(BuildRowsetFromJSON(@j, '$.store.items', 0), 2) ]%%"
           "%%=Field(@r, 1)=%%,%%=Field(@r, 2)=%%,%%=Field(@r, 3)=%%,[%%=Field(@r, 'NOTE')=%%]")
    assert run(src) == "B2,2.5,True,[]"


def test_json_scalars_give_a_value_column():
    src = "%%[ SET @j = '" + JSON + "' ]%%" + each_row("BuildRowsetFromJSON(@j, '$.store.codes[*]', 0)",
                                                       "Value")
    assert run(src) == "7;8.1;nine;"
    src = "%%[ SET @j = '" + JSON + "' ]%%" + each_row("BuildRowsetFromJSON(@j, \"$['store']['name']\", 0)", 1)
    assert run(src) == "Main;"
    src = "%%[ SET @j = '" + JSON + "' ]%%" + each_row("BuildRowsetFromJSON(@j, '$.store.codes[-1]', 0)",
                                                       "Value")
    assert run(src) == "nine;"


def test_json_recursive_descent_in_document_order():
    src = "%%[ SET @j = '" + JSON + "' ]%%" + each_row("BuildRowsetFromJSON(@j, '$..sku', 0)", "Value")
    assert run(src) == "A1;B2;top;"
    src = "%%[ SET @j = '[1, 2, 3, 4]' ]%%" + each_row("BuildRowsetFromJSON(@j, '$[1:3]', 0)", "Value")
    assert run(src) == "2;3;"
    src = "%%[ SET @j = '[10, 20]' ]%%" + each_row("BuildRowsetFromJSON(@j, '$', 0)", "Value")
    assert run(src) == "10;20;"


def test_json_no_match_is_an_empty_rowset():
    assert run("%%=RowCount(BuildRowsetFromJSON('{\"a\": 1}', '$.b[*]', 0))=%%") == "0"


def test_json_bad_input_with_the_flag_set_gives_an_empty_rowset():
    assert run("%%=RowCount(BuildRowsetFromJSON('{not json', '$.a', 1))=%%") == "0"
    assert run("%%=RowCount(BuildRowsetFromJSON('{\"a\": 1}', 'a.b', 'true'))=%%") == "0"
    assert run("%%=RowCount(BuildRowsetFromJSON('', '$', true))=%%") == "0"


def test_json_bad_input_without_the_flag_aborts():
    err = error("%%=RowCount(BuildRowsetFromJSON('{not json', '$.a', 0))=%%")
    assert err.message.startswith("BuildRowsetFromJSON: the JSON is not valid: Expecting property name")
    assert (err.line, err.column) == (1, 13)
    err = error("%%=RowCount(BuildRowsetFromJSON('{}', 'a', false))=%%")
    assert err.message == "BuildRowsetFromJSON: the JSONPath 'a' must start with '$'"
    err = error("%%=RowCount(BuildRowsetFromJSON('{}', '$.a[', 0))=%%")
    assert err.message == "BuildRowsetFromJSON: the JSONPath '$.a[' is not valid: unexpected end of query"


# ---- BuildRowSetFromXML ---------------------------------------------------------------------

XML = ('<?xml version="1.0" encoding="ISO-8859-1"?><Players><Player id="1" pos="GK">Ann <b>Lee</b> &amp; é'
       '</Player><Player id="2" team="Blue">Bo</Player></Players>')


def test_xml_rows_have_value_xml_and_attribute_columns():
    src = "%%[ SET @x = '" + XML + "' ]%%" + each_row("BuildRowSetFromXML(@x, '//Player', 0)",
                                                      "Value", "Xml", "id_att", "pos_att", "team_att")
    assert run(src) == "Ann Lee & é|Ann <b>Lee</b> &amp; é|1|GK|;Bo|Bo|2||Blue;"


def test_xml_attribute_and_text_selections():
    src = "%%[ SET @x = '" + XML + "' ]%%" + each_row("BuildRowSetFromXML(@x, '/Players/Player/@id', 0)", "Value")
    assert run(src) == "1;2;"
    src = "%%[ SET @x = '" + XML + "' ]%%" + each_row("BuildRowSetFromXML(@x, 'count(//Player)', 0)", "Value")
    assert run(src) == "2;"
    assert run("%%=RowCount(BuildRowSetFromXML('<a/>', '//b', 0))=%%") == "0"


def test_xml_bad_input_and_the_inverted_flag():
    assert run("%%=RowCount(BuildRowSetFromXML('<a>', '//a', 1))=%%") == "0"
    assert run("%%=RowCount(BuildRowSetFromXML('<a/>', '//[', true))=%%") == "0"
    err = error("%%=RowCount(BuildRowSetFromXML('<a>', '//a', 0))=%%")
    assert err.message.startswith("BuildRowSetFromXML: the XML is not well-formed: ")
    err = error("%%=RowCount(BuildRowSetFromXML('<a/>', '//[', 0))=%%")
    assert err.message.startswith("BuildRowSetFromXML: the XPath '//[' is not valid: ")


def test_xml_refuses_doctypes_and_entities():
    bomb = ('<!DOCTYPE a [<!ENTITY e "x"><!ENTITY f "&e;&e;&e;">]><a>&f;</a>')
    err = error("%%=RowCount(BuildRowSetFromXML('" + bomb + "', '/a', 0))=%%")
    assert err.message == "BuildRowSetFromXML: the XML contains a DOCTYPE, which is not allowed"
    xxe = '<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>'
    assert run("%%=RowCount(BuildRowSetFromXML('" + xxe + "', '/a', 1))=%%") == "0"


# ---- TransformXML ---------------------------------------------------------------------------

XSL = ('<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">{out}'
       '<xsl:template match="/"><ul><xsl:for-each select="//Player"><li><xsl:value-of select="@id"/>'
       '</li></xsl:for-each></ul></xsl:template></xsl:stylesheet>')


def test_transform_xml():
    src = "%%[ SET @x = '" + XML + "' SET @s = '" + XSL.format(out="") + "' ]%%%%=TransformXML(@x, @s)=%%"
    assert run(src) == '<?xml version="1.0"?>\n<ul><li>1</li><li>2</li></ul>'
    omit = '<xsl:output omit-xml-declaration="yes"/>'
    src = "%%[ SET @x = '" + XML + "' SET @s = '" + XSL.format(out=omit) + "' ]%%[%%=TransformXML(@x, @s)=%%]"
    assert run(src) == "[<ul><li>1</li><li>2</li></ul>]"
    text = '<xsl:output method="text"/>'
    src = "%%[ SET @x = '" + XML + "' SET @s = '" + XSL.format(out=text) + "' ]%%[%%=TransformXML(@x, @s)=%%]"
    assert run(src) == "[12]"


def test_transform_xml_errors():
    err = error("%%=TransformXML('<a>', '" + XSL.format(out="") + "')=%%")
    assert err.message.startswith("TransformXML: the XML is not well-formed: ")
    err = error("%%=TransformXML('<a/>', '')=%%")
    assert err.message == "TransformXML: the stylesheet is empty"
    err = error("%%=TransformXML('<a/>', '<notxsl/>')=%%")
    assert err.message.startswith("TransformXML: the stylesheet is not valid XSLT: ")


def test_transform_xml_has_no_file_or_network_access(tmp_path):
    secret = tmp_path / "secret.xml"
    secret.write_text("<s>top secret</s>", encoding="utf-8")
    uri = secret.as_uri()
    reader = ('<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">'
              f'<xsl:template match="/"><xsl:copy-of select="document(&quot;{uri}&quot;)"/></xsl:template>'
              '</xsl:stylesheet>')
    err = error("%%=TransformXML('<a/>', '" + reader + "')=%%")
    assert err.message == f"TransformXML: the transformation failed: xsltLoadDocument: read rights for {uri} denied"
    err = error("%%=TransformXML('<a/>', '" + reader.replace(uri, "http://127.0.0.1:9/x") + "')=%%")
    assert err.message == ("TransformXML: the transformation failed: xsltLoadDocument: read rights for "
                           "http://127.0.0.1:9/x denied")
    include = ('<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">'
               f'<xsl:include href="{uri}"/></xsl:stylesheet>')
    err = error("%%=TransformXML('<a/>', '" + include + "')=%%")
    assert err.message == "TransformXML: the stylesheet may not use xsl:include or xsl:import"
    writer = ('<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform" '
              'xmlns:exsl="http://exslt.org/common" extension-element-prefixes="exsl"><xsl:template match="/">'
              f'<exsl:document href="{tmp_path / "out.txt"}" method="text">x</exsl:document></xsl:template>'
              '</xsl:stylesheet>')
    err = error("%%=TransformXML('<a/>', '" + writer + "')=%%")
    assert err.message == (f"TransformXML: the transformation failed: xsltDocumentElem: write rights for "
                           f"{tmp_path / 'out.txt'} denied")
    assert not (tmp_path / "out.txt").exists()


# ---- BuildOptionList ------------------------------------------------------------------------

def test_build_option_list():
    assert run("%%=BuildOptionList('b', 'a', 'Apple', 'b', 'Banana & Co')=%%") == (
        '<option value="a">Apple</option><option value="b" selected="selected">Banana &amp; Co</option>')
    assert run("%%=BuildOptionList(2, 1, 'One', '2', 'Two')=%%") == (
        '<option value="1">One</option><option value="2" selected="selected">Two</option>')
    assert run("%%=BuildOptionList('z', 'a', 'A', '\"q\"', 'Q')=%%") == (
        '<option value="a">A</option><option value="&quot;q&quot;">Q</option>')
    err = error("%%=BuildOptionList('a', 'a', 'A', 'b')=%%")
    assert err.message == "BuildOptionList: value/text arguments must come in pairs"


# ---- content areas and images ---------------------------------------------------------------

@pytest.fixture
def content(tmp_path):
    (tmp_path / "shared").mkdir()   # "my contents\shared\footer": the root folder, then shared/
    (tmp_path / "shared" / "footer.html").write_text("Footer for %%=v(@who)=%%", encoding="utf-8")
    (tmp_path / "42.amp").write_text("%%[ SET @seen = 'yes' ]%%Area 42", encoding="utf-8")
    return LocalBackend(content_dir=str(tmp_path))


def test_content_area_and_by_name(content):
    assert run("%%[ SET @who = 'Ann' ]%%%%=ContentAreaByName('my contents\\shared\\footer')=%%",
               backend=content) == "Footer for Ann"
    assert run("%%=ContentArea(42)=%%|%%=v(@seen)=%%", backend=content) == "Area 42|yes"
    src = "%%=ContentArea('7', '', 0, 'Fallback %%=v(@x)=%%', @st)=%%|%%=v(@st)=%%"
    assert run(src, backend=content) == "Fallback %%=v(@x)=%%|-1"
    err = error("%%=ContentAreaByName('nope')=%%", backend=content)
    assert err.message == "ContentAreaByName: no content block with name 'nope'"


IMAGES = {"logo": {"url": "https://img.example.com/logo.png", "title": "Logo", "alt": "Our \"logo\"",
                   "id": "101"},
          "101": {"url": "https://img.example.com/logo.png", "title": "Logo", "id": "101"},
          "hero": {"url": "https://img.example.com/hero.jpg", "title": "Hero", "id": "202"}}


class ImageBackend(LocalBackend):
    """Serves the images above: keys are names, IDs are digits."""

    def content_image(self, *, key=None, id=None):
        ref = (key or id or "").lower()
        record = IMAGES.get(ref)
        if record is None or (id and not ref.isdigit()) or (key and ref.isdigit()):
            return None
        return record


def test_content_images():
    b = ImageBackend()
    assert run("%%=ContentImageByKey('LOGO')=%%", backend=b) == (
        '<img src="https://img.example.com/logo.png" title="Logo" alt="Our &quot;logo&quot;" border="0" '
        'thid="101">')
    assert run("%%=ContentImageByID(101)=%%", backend=b) == (
        '<img src="https://img.example.com/logo.png" title="Logo" alt="Logo" border="0" thid="101">')
    assert run("%%=ContentImageByKey('missing', 'hero')=%%", backend=b) == (
        '<img src="https://img.example.com/hero.jpg" title="Hero" alt="Hero" border="0" thid="202">')
    err = error("%%=ContentImageByKey('missing')=%%", backend=b)
    assert err.message == "ContentImageByKey: no image with key 'missing'"
    err = error("%%=ContentImageByID(5, 6)=%%", backend=b)
    assert err.message == "ContentImageByID: no image with id '5' or '6'"
    err = error("%%=ContentImageByID('')=%%", backend=b)
    assert err.message == "ContentImageByID: the image id is empty"


def test_portfolio_functions_are_dead():
    err = error("%%=Image('logo')=%%")
    assert err.message == ("Image: Portfolio was retired in April 2023; Image can no longer be used "
                           "(use ContentImageByKey or ContentImageByID)")
    err = error("%%[ IF 1 == 1 THEN SET @x = GetPortfolioItem('k') ENDIF ]%%")
    assert err.message == ("GetPortfolioItem: Portfolio was retired in April 2023; GetPortfolioItem can no "
                           "longer be used (use ContentBlockByKey)")


# ---- BarcodeURL -----------------------------------------------------------------------------

def test_barcode_url():
    assert run("%%=BarcodeURL('12345', 'Code128Auto', 300, 80)=%%") == (
        "https://view.exacttarget.com/barcode/?type=code128auto&barcode=12345&width=300&height=80")
    assert run("%%=BarcodeURL('A B&C', 'datamatrix', '150', 150, 1, true, 'Scan me', 90, 1)=%%") == (
        "https://view.exacttarget.com/barcode/?type=datamatrix&barcode=A+B%26C&width=150&height=150"
        "&checksum=1&showtext=1&alttext=Scan+me&rotate=90&transparent=1")


def test_barcode_url_validation():
    err = error("%%=BarcodeURL('', 'ean13', 100, 50)=%%")
    assert err.message == "BarcodeURL: the barcode value is empty"
    err = error("%%=BarcodeURL('1', 'qr', 100, 50)=%%")
    assert err.message == ("BarcodeURL: 'qr' is not a barcode type; use one of codabar, code11, code128auto, "
                           "code128a, code128b, code128c, code39, code39ext, code93, code93ext, datamatrix, "
                           "ean13, ean8, industr25, interl25, msi, pdf417, upca, upce")
    err = error("%%=BarcodeURL('1', 'ean8', 100, 50, 0, 0, '', 45)=%%")
    assert err.message == "BarcodeURL: the rotation must be 0, 90, 180 or 270, not 45"
    err = error("%%=BarcodeURL('1', 'ean8', 0, 50)=%%")
    assert err.message == "BarcodeURL: the barcode width and height must be positive, not 0 x 50"


# ---- AttachFile -----------------------------------------------------------------------------

def _send_job():
    """The job a local send renders under, as ampy.cloud.sends makes it for each recipient."""
    from datetime import datetime

    from ampy.cloud.sends import SendJob

    return SendJob(1, datetime(2026, 3, 4), "1", "mail", attachments=[], impressions=[])


# Attachments in delivered messages: tests/test_fidelity_sends.py.
def test_attach_file_errors():
    err = error("%%=AttachFile('http', 'https://x.example.com/a.pdf')=%%")
    assert err.message == "AttachFile: AttachFile only works in an email send, not in page content"
    err = error("%%=AttachFile('http', 'https://x.example.com/a.pdf')=%%", context="email")
    assert err.message == "AttachFile: AttachFile needs a running send to attach the file to"
    err = error("%%=AttachFile('sftp', 'x')=%%", context="email", send=_send_job())
    assert err.message == "AttachFile: the source type must be http, ftp or contentbuilder, not 'sftp'"


# ---- impression regions, WAT, TreatAsContentArea -------------------------------------------

def test_impression_regions_print_nothing():
    src = ("a%%=BeginImpressionRegion('Hero')=%%b%%[ BeginImpressionRegion('Inner') ]%%c"
           "%%=EndImpressionRegion()=%%d%%[ EndImpressionRegion(true) EndImpressionRegion() ]%%e")
    assert run(src) == "abcde"
    err = error("%%[ SET @n = 'Hero' BeginImpressionRegion(@n) ]%%")
    assert err.message == "BeginImpressionRegion: the region name must be a literal string, not a variable"


def test_impression_region_stack():
    from ampy.runtime.context import RenderContext

    ctx = RenderContext(backend=LocalBackend())
    ampy.compile("%%[ BeginImpressionRegion('A') BeginImpressionRegion('B') BeginImpressionRegion('C') "
                 "EndImpressionRegion() ]%%").run(ctx)
    assert ctx.cache["content.impression_regions"] == ["A", "B"]
    ampy.compile("%%[ EndImpressionRegion(1) ]%%").run(ctx)
    assert ctx.cache["content.impression_regions"] == []


WAT_SETTINGS = Settings(raw={"wat": {"Campaign": "utm_source=email&utm_campaign=%%=WATP(1)=%%"
                                                 "&utm_content=%%=WATP(2)=%%[%%=WATP(3)=%%]"}})


def test_wat_fills_the_parameter_set():
    assert run("%%=WAT('campaign', 'spring sale', 'hero')=%%", settings=WAT_SETTINGS) == (
        "utm_source=email&utm_campaign=spring sale&utm_content=hero[]")
    err = error("%%=WAT('other', 'x')=%%", settings=WAT_SETTINGS)
    assert err.message == ("WAT: no Web Analytics Tracking parameter set 'other'; define it in ampy.toml: "
                           '[wat] other = "..."')
    err = error("%%=WATP(1)=%%")
    assert err.message == "WATP: WATP can only be used inside a Web Analytics Tracking parameter set"


def test_treat_as_content_area():
    src = "%%[ SET @n = 'Ann' ]%%%%=TreatAsContentArea('greeting', 'Hi %%=v(@n)=%%')=%%"
    assert run(src) == "Hi Ann"
    assert run("%%=TreatAsContentArea('plain', 'no code')=%%") == "no code"

    send = _send_job()
    tpl = "%%=TreatAsContentArea('k1', Concat('Hello ', '%%=v(@name)=%%', @suffix))=%%"
    assert run("%%[ SET @name = 'Ann' SET @suffix = '!' ]%%" + tpl, send=send) == "Hello Ann!"
    # Within the same send the first content registered under the key wins; personalisation still runs.
    assert run("%%[ SET @name = 'Bo' SET @suffix = '?' ]%%" + tpl, send=send) == "Hello Bo!"
    assert send.content_areas == {"k1": "Hello %%=v(@name)=%%!"}
    err = error("%%=TreatAsContentArea('', 'x')=%%")
    assert err.message == "TreatAsContentArea: the content area key is empty"
