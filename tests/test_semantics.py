"""Semantics rules 1-17 of ampscript-semantics.md, asserted on exact output."""

import pytest

import ampy


def r(src, **kw):
    return ampy.render(src, **kw)


# ---- rule 1-2: output model and control flow -----------------------------------------------
def test_rule1_text_blocks_inline_and_whitespace():
    src = "Line1\n%%[ SET @a = 'x' ]%%\n  %%= v(@a) =%%  \n"
    assert r(src) == "Line1\n\n  x  \n"


def test_rule2_top_to_bottom_and_flow_spanning_blocks():
    src = ("%%[ SET @n = 0 FOR @i = 1 TO 3 DO SET @n = Add(@n, @i) ]%%"
           "(%%=v(@n)=%%)%%[ IF @i == 2 THEN ]%%two%%[ ENDIF NEXT ]%%")
    assert r(src) == "(1)(3)two(6)"


# ---- rule 3: attributes ---------------------------------------------------------------------
def test_rule3_unknown_attributes_are_empty():
    assert r("[%%Nope%%][%%=AttributeValue('nope')=%%][%%=v(Nope)=%%]") == "[][][]"
    assert r("%%=Empty(AttributeValue('nope'))=%%") == "True"


def test_rule3_system_strings():
    assert r("%%_messagecontext%%") == "LANDINGPAGE"
    assert r("%%=AttributeValue('_MessageContext')=%%", context="email") == "SEND"


# ---- rule 4: Output / OutputLine / v --------------------------------------------------------
def test_rule4_output_writes_only_call_arguments():
    src = "%%[ SET @x = 'v' Output(Concat('A')) Output(v(@x)) Output('literal') Output(@x) Output(5) ]%%"
    assert r(src) == "Av"


def test_rule4_output_at_block_position():
    assert r("a%%[ Output(Concat('b')) ]%%c") == "abc"


def test_rule4_outputline_adds_crlf():
    assert r("%%[ OutputLine(Concat('a')) OutputLine('lit') ]%%") == "a\r\n\r\n"


def test_rule4_output_refused_in_email():
    with pytest.raises(ampy.AmpscriptRuntimeError) as info:
        r("x\n%%[ Output(Concat('a')) ]%%", context="email")
    assert (info.value.line, info.value.column) == (2, 5)
    assert "Output is not allowed in email content" in info.value.message


# ---- rule 5-6: bare statements, comments ----------------------------------------------------
def test_rule5_discarded_values():
    assert r("%%[ @unset Uppercase('x') ]%%.") == "."


def test_rule6_comments():
    assert r("%%[ /* SET @a = 'no' */ SET @b = 'yes' ]%%%%=v(@a)=%%%%=v(@b)=%%<!-- kept -->") == \
        "yes<!-- kept -->"


# ---- rule 7: TreatAsContent and content blocks share the scope ------------------------------
def test_rule7_treat_as_content_same_scope():
    src = ("%%[ SET @who = 'Ann' SET @t = TreatAsContent('Hi %%=v(@who)=%%%%[ SET @after = 1 ]%%') ]%%"
           "%%=v(@t)=%%/%%=v(@after)=%%")
    assert r(src) == "Hi Ann/1"


def test_rule7_content_blocks(tmp_path):
    (tmp_path / "Footer.html").write_text("Bye %%=v(@name)=%%%%[ SET @seen = 'yes' ]%%", encoding="utf-8")
    (tmp_path / "Shared").mkdir()   # ContentBlockByName honours the folder path
    (tmp_path / "Shared" / "Footer.html").write_text("Bye %%=v(@name)=%%", encoding="utf-8")
    (tmp_path / "loop.amp").write_text("%%=ContentBlockByKey('loop')=%%", encoding="utf-8")
    src = ("%%[ SET @name = 'Bo' ContentBlockByKey('footer') ]%%[%%=v(@seen)=%%]"
           "%%=ContentBlockByName('Shared\\Footer')=%%|%%=ContentBlockByID('FOOTER')=%%")
    assert r(src, content_dir=str(tmp_path)) == "[yes]Bye Bo|Bye Bo"
    with pytest.raises(ampy.AmpscriptRuntimeError) as info:
        r("%%=ContentBlockByKey('missing')=%%", content_dir=str(tmp_path))
    assert "no content block with key 'missing'" in info.value.message
    src = "%%[ SET @c = ContentBlockByKey('missing', '', 0, 'default %%x%%', @st) ]%%%%=v(@c)=%%:%%=v(@st)=%%"
    assert r(src, content_dir=str(tmp_path)) == "default %%x%%:-1"
    with pytest.raises(ampy.AmpscriptRuntimeError) as info:
        r("%%=ContentBlockByKey('loop')=%%", content_dir=str(tmp_path))
    assert "nested more than" in info.value.message


# ---- rule 8: errors are fatal, no partial output --------------------------------------------
def test_rule8_runtime_error_aborts_with_position_and_no_output():
    src = "Hello\n%%[ SET @a = 'x' ]%%\nmore %%=Add('abc', 1)=%%"
    with pytest.raises(ampy.AmpscriptRuntimeError) as info:
        r(src, name="mail.amp")
    err = info.value
    assert (err.name, err.line, err.column) == ("mail.amp", 3, 9)
    assert str(err).splitlines()[0] == "mail.amp:3:9: Add: The first number 'abc' is not a number"
    assert str(err).splitlines()[1:] == ["    more %%=Add('abc', 1)=%%", "            ^"]


def test_rule8_raise_error():
    with pytest.raises(ampy.AmpscriptRuntimeError) as info:
        r("ok %%[ RaiseError('Stop here', true) ]%%")
    assert info.value.message == "RaiseError: Stop here"


def test_rule8_row_out_of_range_and_missing_field():
    with pytest.raises(ampy.AmpscriptRuntimeError):
        r("%%[ SET @rs = BuildRowSetFromString('a,b', ',') SET @x = Row(@rs, 3) ]%%")
    with pytest.raises(ampy.AmpscriptRuntimeError):
        r("%%[ SET @rs = BuildRowSetFromString('a,b', ',') SET @x = Row(@rs, 0) ]%%")
    with pytest.raises(ampy.AmpscriptRuntimeError) as info:
        r("%%[ SET @row = Row(BuildRowSetFromString('a', ','), 1) ]%%%%=Field(@row, 'nope')=%%")
    assert "no column 'nope'" in info.value.message
    assert r("%%[ SET @row = Row(BuildRowSetFromString('a', ','), 1) ]%%[%%=Field(@row, 'nope', false)=%%]") \
        == "[]"


# ---- rule 9-11: values ----------------------------------------------------------------------
def test_rule9_variables_case_insensitive_and_null_prints_empty():
    assert r("%%[ SET @MyVar = 'x' ]%%%%=v(@myvar)=%%[%%=v(@never)=%%]") == "x[]"
    assert r("%%[ SET @a_1 = '1' ]%%%%=v(@A_1)=%%") == "1"


def test_rule11_booleans():
    assert r("%%=v(true)=%%|%%=Concat(true, 'x', false)=%%|%%=Length(true)=%%") == "True|x|0"


# ---- rule 12: numbers -----------------------------------------------------------------------
@pytest.mark.parametrize("expr,out", [
    ("Divide(10,3)", "3.33333333333333"),
    ("Multiply(3, 9.99)", "29.97"),
    ("Add(2147483647, 1)", "2147483648"),
    ("Add('1.5', '2')", "3.5"),
    ("Divide(1, 0)", "\u221e"),
    ("Divide(-1, 0)", "-\u221e"),
    ("Divide(0, 0)", "NaN"),
    ("Mod(10, 0)", "NaN"),
    ("Mod(-10, 3)", "-1"),
    ("Mod(10, -3)", "1"),
    ("Mod(5.5, 2)", "1.5"),
    ("Subtract(0.3, 0.1)", "0.2"),
    ("Multiply(1000000, 1000000000)", "1E+15"),
    ("Divide(1, 100000)", "1E-05"),
    ("Divide(1, 10000)", "0.0001"),
    ("Subtract(5, 5)", "0"),
])
def test_rule12_numbers(expr, out):
    assert r(f"%%={expr}=%%") == out


@pytest.mark.parametrize("arg", ["'abc'", "''", "@unset"])
def test_rule12_non_numeric_is_error(arg):
    with pytest.raises(ampy.AmpscriptRuntimeError):
        r(f"%%=Add({arg}, 1)=%%")


# ---- rule 13: Empty / IsNull ----------------------------------------------------------------
def test_rule13_empty(tmp_path):
    src = ("%%[ VAR @declared SET @blank = '' SET @space = '   ' ]%%"
           "%%=Empty(@declared)=%% %%=Empty(@never)=%% %%=Empty(@blank)=%% %%=Empty(@space)=%% "
           "%%=Empty(0)=%% %%=Empty('0')=%% %%=Empty('false')=%% %%=Empty(Nope)=%%")
    assert r(src) == "True True True False False False False True"


def test_rule13_isnull_only_for_data_source_nulls(tmp_path):
    (tmp_path / "People.csv").write_text("Id,Nick\n1,\n2,Bee\n", encoding="utf-8")
    src = ("%%[ VAR @declared ]%%%%=IsNull(@declared)=%% %%=IsNull(@never)=%% %%=IsNull('')=%% "
           "%%=IsNull(Lookup('People', 'Nick', 'Id', 1))=%% %%=IsNull(Lookup('People', 'Nick', 'Id', 2))=%% "
           "%%=Empty(Lookup('People', 'Nick', 'Id', 1))=%%")
    assert r(src, data_dir=str(tmp_path)) == "False False False True False True"


# ---- rule 14-15: names and comparison -------------------------------------------------------
def test_rule14_function_names_case_insensitive():
    assert r("%%=CONCAT('a')=%%%%=concat('b')=%%%%=uPPerCase('c')=%%") == "abC"


@pytest.mark.parametrize("cond,out", [
    ("'GOLD' == 'gold'", "True"),
    ("'GOLD' != 'gold'", "False"),
    ("10 > 9", "True"),
    ("'10' > 9", "True"),
    ("'10' > '9'", "True"),
    ("'abc' < 'ABD'", "True"),
    ("1 == '1.0'", "True"),
    ("@null == true", "False"),
    ("@null == ''", "True"),
    ("true == 'True'", "True"),
    ("Now() > '1/1/2000'", "True"),
])
def test_rule15_comparisons(cond, out):
    assert r(f"%%=v({cond})=%%") == out


# ---- rule 16-17: IIf and IF conditions ------------------------------------------------------
def test_rule16_iif_only_real_boolean_selects_first_and_only_one_branch_runs():
    assert r("%%=IIf(1 == 1, 'a', 'b')=%%%%=IIf('true', 'a', 'b')=%%%%=IIf(1, 'a', 'b')=%%") == "abb"
    assert r("%%=IIf(Empty(''), 'yes', Add('x', 1))=%%") == "yes"
    assert r("%%=IIf(false, Add('x', 1), 'no')=%%") == "no"


def test_rule17_if_conditions():
    assert r("%%[ IF Empty('') THEN ]%%a%%[ ENDIF ]%%") == "a"
    assert r("%%[ SET @b = true IF @b THEN ]%%b%%[ ENDIF ]%%") == "b"
    assert r("%%[ SET @s = 'True' IF @s THEN ]%%c%%[ ENDIF ]%%") == "c"
    with pytest.raises(ampy.AmpscriptRuntimeError) as info:
        r("%%[ SET @s = 'banana' IF @s THEN ]%%x%%[ ENDIF ]%%")
    assert info.value.column == 26


def test_lone_surrogates_from_python_callers_become_replacement_characters(tmp_path):
    (tmp_path / "T.csv").write_text("K,V\nx,1\n", encoding="utf-8")
    assert r("a\ud800b %%=Length('\ud83d\ude00')=%%") == "a\ufffdb 2"
    assert r("[%%=Lookup('T', 'V', 'K', '\udc00')=%%]", data_dir=str(tmp_path)) == "[]"


def test_pageurl_system_string_reads_the_request():
    from ampy.runtime.request import RequestContext

    req = RequestContext(url="https://cloud.example.com/p?x=1")
    assert r("%%PAGEURL%%|%%=AttributeValue('PageURL')=%%", request=req) == \
        "https://cloud.example.com/p?x=1|https://cloud.example.com/p?x=1"
    assert r("[%%PAGEURL%%]") == "[]"
