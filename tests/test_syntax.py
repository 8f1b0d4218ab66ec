"""Every syntax form of the language (issue: language core)."""

import pytest

import ampy
from ampy.syntax import ast
from ampy.syntax.parser import parse


def r(src, **kw):
    return ampy.render(src, **kw)


def test_text_passes_through_verbatim():
    src = "<p>Hello</p>\n  <b>100% off</b> %% not a delimiter\r\n"
    assert r(src) == src


def test_block_prints_nothing_and_newline_after_block_is_kept():
    assert r("a%%[ SET @x = 1 ]%%\nb") == "a\nb"


def test_inline_expression_and_touching_delimiters():
    assert r("%%=Char(65)=%%%%=Char(66)=%%") == "AB"
    assert r("[%%= v(@x) =%%]") == "[]"
    assert r('%%[SET @x="y"]%%%%=v(@x)=%%') == "y"


def test_keywords_are_case_insensitive():
    src = "%%[ vAr @a sEt @a = 'x' iF @A == 'X' tHeN ]%%yes%%[ eLsE ]%%no%%[ eNdIf ]%%"
    assert r(src) == "yes"


def test_script_tag_attributes_in_any_order_and_quotes():
    assert r('<script runat="server" language="ampscript">SET @a = "1"</script>%%=v(@a)=%%') == "1"
    assert r("<script language='AMPscript' runat='Server'>SET @a = 'b'</script>%%=v(@a)=%%") == "b"
    assert r("<SCRIPT RUNAT=server LANGUAGE=ampscript>Output(Concat('c'))</SCRIPT>") == "c"


def test_plain_script_tags_stay_text():
    src = '<script>var a = 1;</script><script runat="server">Platform.Load("core")</script>'
    assert r(src) == '<script>var a = 1;</script>'   # the server block runs (ampy.ssjs), the other is text


def test_attribute_forms():
    attrs = {"FirstName": "Ann", "First Name": "Bo", "emailaddr": "a@b.c"}
    assert r("%%FirstName%%|%%[First Name]%%|%%EmailAddr%%", attributes=attrs) == "Ann|Bo|a@b.c"
    src = "%%[ SET @a = FirstName SET @b = [First Name] ]%%%%=v(@a)=%% %%=v(@b)=%%"
    assert r(src, attributes=attrs) == "Ann Bo"
    assert r('%%=AttributeValue("first name")=%%', attributes=attrs) == "Bo"


def test_comments_inside_code_over_several_lines():
    src = "%%[ /* one\n two */ SET @a = 'x' /* three */ ]%%%%=v(@a)=%%<!-- html -->"
    assert r(src) == "x<!-- html -->"


def test_var_declares_several_and_resets_to_null():
    src = "%%[ SET @a = 'x' VAR @a, @b ]%%[%%=v(@a)=%%][%%=v(@b)=%%]"
    assert r(src) == "[][]"


def test_strings_with_doubled_quote_escapes_and_no_backslash_escapes():
    assert r("%%=v('Sally''s')=%%") == "Sally's"
    assert r('%%=v("say ""hi""")=%%') == 'say "hi"'
    assert r(r"%%=v('a\nb')=%%") == r"a\nb"


def test_numbers_negative_and_decimal():
    assert r("%%=v(-5)=%% %%=v(2.50)=%% %%=Add(-1.5, 3)=%%") == "-5 2.5 1.5"


def test_booleans_print_true_false():
    assert r("%%=v(true)=%% %%=v(FALSE)=%% %%=v(1 == 1)=%%") == "True False True"


def test_if_elseif_else_spanning_blocks_with_text_and_inline():
    src = ("%%[ SET @t = 'gold' IF @t == 'silver' THEN ]%%S%%[ ELSEIF @t == 'GOLD' THEN ]%%"
           "G:%%=Uppercase(@t)=%%%%[ ELSE ]%%N%%[ ENDIF ]%%")
    assert r(src) == "G:GOLD"


def test_for_to_downto_and_next_with_or_without_counter():
    assert r("%%[ FOR @i = 1 TO 3 DO ]%%<%%=v(@i)=%%>%%[ NEXT @i ]%%") == "<1><2><3>"
    assert r("%%[ FOR @i = 3 DOWNTO 1 DO ]%%%%=v(@i)=%%%%[ NEXT ]%%") == "321"
    assert r("%%[ FOR @i = 2 TO 1 DO ]%%x%%[ NEXT ]%%") == ""


def test_nested_loops_and_ifs():
    src = ("%%[ FOR @i = 1 TO 2 DO FOR @j = 1 TO 2 DO IF @i == @j THEN ]%%=%%[ ELSE ]%%"
           "%%=Concat(@i,@j)=%%%%[ ENDIF NEXT @j NEXT @i ]%%")
    assert r(src) == "=1221="


def test_operators_and_precedence():
    assert r("%%=v(1 < 2 AND 2 > 1)=%%") == "True"
    # AND binds tighter than OR
    assert r("%%=v(1 == 1 OR 1 == 2 AND 1 == 2)=%%") == "True"
    assert r("%%=v((1 == 1 OR 1 == 2) AND 1 == 2)=%%") == "False"
    assert r("%%=v(NOT 1 == 2)=%% %%=v(not (1 == 1))=%%") == "True False"
    assert r("%%=v(2 <= 2)=%%%%=v(3 >= 4)=%%%%=v('a' != 'A')=%%") == "TrueFalseFalse"


def test_nested_function_calls():
    assert r("%%=Uppercase(Concat(Substring('hello', 1, 2), Lowercase('XY')))=%%") == "HEXY"


def test_bare_expression_statements_are_allowed():
    assert r("%%[ @a 'literal' 5 Concat('x') ]%%ok") == "ok"


def test_control_flow_in_script_tag():
    src = ('<script runat="server" language="ampscript">\nIF 1 == 1 THEN\n Output(Concat("in"))\nENDIF\n'
           '</script>!')
    assert r(src) == "in!"


def test_ast_positions_are_recorded():
    tree = parse("ab\n%%[ SET @x = Concat('a', @y) ]%%", "t.amp")
    (text, set_stmt) = tree.body
    assert (text.line, text.column) == (1, 1)
    assert isinstance(set_stmt, ast.SetVar)
    assert (set_stmt.line, set_stmt.column) == (2, 5)
    assert (set_stmt.expr.line, set_stmt.expr.column) == (2, 14)
    assert set_stmt.expr.args[1] == ast.Variable(2, 26, "@y")


@pytest.mark.parametrize("src,line,col,msg", [
    ("%%[ SET @a = ]%%", 1, 14, "Unexpected ']%%'"),
    ("%%[ IF 1 == 1 THEN ]%%x", 1, 5, "IF without ENDIF"),
    ("%%[ FOR @i = 1 TO 2 DO ]%%x", 1, 5, "FOR without NEXT"),
    ("ok\n%%[ SET @a = 'x ]%%", 2, 14, "Unterminated string"),
    ("%%= v(@a) ", 1, 1, "Missing '=%%'"),
    ("%%[ FOR @i = 1 TO 2 DO NEXT @j ]%%", 1, 5, "NEXT @j does not match FOR @i"),
    ("%%[ SET @a = Concatt('x') ]%%", 1, 14, "Unknown function 'Concatt'"),
    ("%%[ SET @a = Concat() ]%%", 1, 14, "Concat takes at least 1 argument"),
    ("%%=Length('a', 'b')=%%", 1, 4, "Length takes exactly 1 argument, got 2"),
    ("%%[ SET @a = 1 ~ ]%%", 1, 16, "Unexpected character '~'"),
])
def test_syntax_errors_have_positions(src, line, col, msg):
    with pytest.raises(ampy.AmpscriptSyntaxError) as info:
        ampy.compile(src, name="bad.amp")
    err = info.value
    assert (err.name, err.line, err.column) == ("bad.amp", line, col)
    assert msg in err.message
    text = str(err)
    assert text.startswith(f"bad.amp:{line}:{col}: ")
    caret_line = text.splitlines()[-1]
    assert caret_line.index("^") == 4 + col - 1


def test_incomplete_flag_only_for_input_that_ended_early():
    for src in ("%%[ IF 1 == 1 THEN ", "%%[ SET @a = 'x", "%%[ /* c", "%%[ SET @a = Concat('a',"):
        with pytest.raises(ampy.AmpscriptSyntaxError) as info:
            ampy.compile(src)
        assert info.value.incomplete, src
    with pytest.raises(ampy.AmpscriptSyntaxError) as info:
        ampy.compile("%%[ SET @a = ) ]%%")
    assert not info.value.incomplete


def test_mobileconnect_dotted_members_and_personalisation_strings():
    from ampy.runtime.sms import SmsMessage

    sms = SmsMessage(text="JOIN gold now", mms_urls=["http://x/a.png"])
    src = ("%%=MSG(0).NOUN(0)=%%|%%=Msg(0).Verb=%%|%%=msg(0).nouns=%%|%%MSG(0).NOUN(1)%%|%%MSG(0).VERB%%|"
           "%%MMS_CONTENT_URL(0)%%|%%Msg(0)%%")
    assert r(src, context="sms", sms=sms) == "gold|JOIN|gold now|now|JOIN|http://x/a.png|JOIN gold now"
    with pytest.raises(ampy.AmpscriptSyntaxError) as info:
        ampy.compile("%%=Concat(1).Foo=%%")
    assert (info.value.line, info.value.column) == (1, 14)
    assert info.value.message.startswith("Only MSG(0) has members")


def test_memberid_system_string():
    from ampy.settings import Settings

    assert ampy.compile("%%memberid%%").render(settings=Settings(member_id="7001")) == "7001"
