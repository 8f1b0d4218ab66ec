"""The linter (ampy.lint.lint_source): every syntax error with its position, the hints, and each
warning code with exact positions and silencing."""

from __future__ import annotations

import json

import pytest

import ampy
from ampy.lint import Diagnostic, lint_source


def found(source: str, **options) -> list[tuple]:
    return [(d.code, d.severity, d.message, d.line, d.column, d.end_line, d.end_column)
            for d in lint_source(source, "t.amp", **options)]


def codes(source: str, **options) -> list[tuple]:
    return [(d.code, d.line, d.column) for d in lint_source(source, "t.amp", **options)]


@pytest.fixture
def workspace(tmp_path):
    de = tmp_path / "dataextensions"
    de.mkdir()
    (de / "Members.schema.json").write_text(json.dumps({"customerKey": "Members", "fields": [
        {"name": "SubscriberKey", "type": "Text"}, {"name": "FirstName", "type": "Text"},
        {"name": "Tier", "type": "Text"}]}), encoding="utf-8")
    (de / "Orders.csv").write_text("OrderID,SubscriberKey,Amount\n1,S1,2.5\n", encoding="utf-8")
    (tmp_path / "content").mkdir()
    return tmp_path


def test_the_contract_shape():
    (d,) = lint_source("%%[ SET @a = ) ]%%")
    assert d == Diagnostic("AMP001", "error", "Unexpected ')'", 1, 14, 1, 15)
    assert lint_source("Hello %%=v('x')=%%") == []


def test_several_syntax_errors_of_one_file_are_all_reported_in_order():
    src = ('%%[ SET @a = ) ]%%\n'
           'ok %%=v(@b=%%\n'
           '%%[ IF 1 == 1 THEN SET @x = 1 END IF ]%%\n'
           '%%[ SET @c = @a + 1 ]%%\n'
           '%%[ SET @d = "x ]%%\n')
    assert found(src) == [
        ("AMP001", "error", "Unexpected ')'", 1, 14, 1, 15),
        ("AMP001", "error", "Unexpected '=%%'; expected ')', ','", 2, 11, 2, 14),
        ("AMP001", "error", "'END IF' is not AMPscript: did you mean ENDIF?", 3, 31, 3, 34),
        ("AMP001", "error", "AMPscript has no arithmetic operators: use Add(@a, 1)", 4, 17, 4, 18),
        ("AMP001", "error", "Unterminated string", 5, 14, 5, 20),
    ]


def test_errors_are_bounded():
    src = "".join("%%[ SET @a = ) ]%%\n" for _ in range(80))
    got = lint_source(src)
    assert len(got) == 50
    assert [(d.line, d.column) for d in got[:2]] == [(1, 14), (2, 14)]


@pytest.mark.parametrize("src,expected", [
    ("%%[ IF @a == 1 THEN\n  SET @b = 1\nELSE IF @a == 2 THEN\n  SET @b = 2\nENDIF ]%%",
     ("'ELSE IF' opens a new IF that needs its own ENDIF: did you mean ELSEIF?", 3, 1)),
    ("%%[ FOR @i = 1 TO 3 DO ]%%x%%[ ENDFOR ]%%", ("'ENDFOR' is not AMPscript: did you mean NEXT?", 1, 32)),
    ("%%[ FOR @i = 1 TO 3 DO ]%%x%%[ END FOR ]%%", ("'END FOR' is not AMPscript: did you mean NEXT?", 1, 32)),
    ("%%[ SET @a = 1 \n<p>%%=v(@a)=%%</p>", ("Missing ']%%': the block opened here is never closed", 1, 1)),
    ("x %%= v(@a)\n<p>", ("Missing '=%%': the block opened here is never closed", 1, 3)),
    ('<p>\n<script runat="server" language="ampscript">\nSET @a = 1\n',
     ("Missing '</script>': the block opened here is never closed", 2, 1)),
    ("%%[ SET @n = @a * 2 ]%%", ("AMPscript has no arithmetic operators: use Multiply(@a, 2)", 1, 17)),
    ('%%[ SET @n = Length("x") - @b ]%%', ("AMPscript has no arithmetic operators: use Subtract(a, @b)", 1, 26)),
    ("%%[ SET x = 1 ]%%", ("Unexpected name 'x'; expected a variable", 1, 9)),  # not "Unexpected a name"
    ("%%[ VAR ]%%", ("Unexpected ']%%'; expected a variable", 1, 9)),
])
def test_hints(src, expected):
    assert codes(src)[0][1:] == expected[1:]
    assert lint_source(src)[0].message == expected[0]


def test_hints_reach_compile_too():
    with pytest.raises(ampy.AmpscriptSyntaxError) as info:
        ampy.compile("%%[ IF 1 == 1 THEN SET @x = 1 END IF ]%%", name="x.amp")
    assert str(info.value).splitlines()[0] == "x.amp:1:31: 'END IF' is not AMPscript: did you mean ENDIF?"
    with pytest.raises(ampy.AmpscriptSyntaxError) as info:
        ampy.compile("%%=PropperCase('x')=%%")
    assert info.value.message == "Unknown function 'PropperCase' (did you mean ProperCase, Uppercase, Lowercase?)"


def test_unknown_functions_and_argument_counts_all_reported():
    assert found('%%=PropperCase("x")=%% %%=Length("a", "b")=%% %%=Concatt(1)=%%') == [
        ("AMP002", "error", "Unknown function 'PropperCase' (did you mean ProperCase, Uppercase, Lowercase?)",
         1, 4, 1, 15),
        ("AMP003", "error", "Length takes exactly 1 argument, got 2", 1, 27, 1, 33),
        ("AMP002", "error", "Unknown function 'Concatt' (did you mean Concat?)", 1, 50, 1, 57),
    ]


def test_smart_quotes_in_code():
    assert found("%%[ SET @a = \u201chi\u201d ]%% \u201cfine in text\u201d") == [
        ("AMP105", "error", "Smart quote '\u201c' in code: AMPscript strings take straight quotes \" or '",
         1, 14, 1, 15),
        ("AMP105", "error", "Smart quote '\u201d' in code: AMPscript strings take straight quotes \" or '",
         1, 17, 1, 18),
    ]


def test_output_of_a_variable_or_literal():
    src = '%%[ SET @v = "x" Output(@v) OutputLine("lit") Output(Concat(@v)) ]%%'
    assert found(src) == [
        ("AMP101", "warning", "Output(@v) prints nothing: use Output(v(@v)) or %%=v(@v)=%%", 1, 18, 1, 24),
        ("AMP101", "warning", 'OutputLine() of a string prints nothing: use OutputLine(v("lit")) or %%="lit"=%%',
         1, 29, 1, 39),
    ]


def test_variables_read_before_set_and_never_read():
    src = ("%%[ SET @a = Add(@a, 1)\n"
           "SET @unused = 2\n"
           "SET @b = @typo\n"
           "FOR @i = 1 TO 2 DO NEXT @i ]%%%%=v(@b)=%%")
    assert found(src) == [
        ("AMP106", "warning", "@a is read before any SET: it is empty here", 1, 18, 1, 20),
        ("AMP107", "warning", "@unused is set but never read", 2, 5, 2, 12),
        ("AMP106", "warning", "@typo is read before any SET: it is empty here", 3, 10, 3, 15),
    ]


def test_out_parameters_system_variables_and_strings_count():
    src = ('%%[ SET @s = InvokeCreate(@obj, @status, @code) SET @obj = 1 SET @t = "Hi %%=v(@s)=%%" ]%%'
           '%%=v(@t)=%%%%=v(@@ExecCtx)=%%')
    assert codes(src) == [("AMP106", 1, 27)]


def test_content_blocks_may_read_what_the_including_template_set(tmp_path):
    assert lint_source("%%=v(@city)=%%", "content/footer.html") == []
    assert codes('%%[ SET @city = "x" ]%%%%=ContentBlockByKey("footer")=%%') == []


def test_row_without_rowcount():
    src = ('%%[ SET @rows = LookupRows("Members", "Tier", "Gold")\n'
           'SET @first = Row(@rows, 1)\n'
           'IF RowCount(@rows) > 0 THEN SET @row = Row(@rows, 1) ENDIF ]%%%%=v(@first)=%%%%=v(@row)=%%')
    assert found(src) == [
        ("AMP108", "warning", "Row(@rows, ...) with no RowCount(@rows) check before it: Row fails when the "
         "rowset has fewer rows", 2, 14, 2, 17),
    ]


def test_functions_banned_in_the_context(workspace):
    src = '%%[ Output(Concat("x")) ]%%'
    assert codes(src) == []
    assert found(src, context="email") == [
        ("AMP109", "warning", "Output is not available in email content (only in page, sms)", 1, 5, 1, 11)]
    email = str(workspace / "content" / "mail.html")
    assert [d.code for d in lint_source(src, email, workspace=str(workspace))] == ["AMP109"]
    assert lint_source(src, str(workspace / "page.amp"), workspace=str(workspace)) == []


def test_attributes_checked_against_the_sendable_data_extension(workspace):
    src = "Hi %%FirstNam%%, %%=v([First Name])=%% %%=v(Tier)=%% %%emailaddr%% %%=AttributeValue('x')=%%"
    assert found(src, workspace=str(workspace), de="members") == [
        ("AMP102", "warning", "Attribute 'FirstNam' is not a column of the sendable data extension "
         "(did you mean FirstName?)", 1, 6, 1, 14),
        ("AMP102", "warning", "Attribute 'First Name' is not a column of the sendable data extension "
         "(did you mean FirstName?)", 1, 23, 1, 33),
    ]
    assert lint_source(src) == []  # nothing to check against


def test_data_extension_and_column_names(workspace):
    src = ('%%[ SET @r = LookupRows("Orderz", "Tier", 1)\n'
           'SET @o = LookupOrderedRows("Orders", 5, "Amont DESC, OrderID", "SubscriberKy", @r)\n'
           'SET @n = Lookup("Members", "FirstName", "SubscriberKey", "S1") ]%%%%=v(@o)=%%%%=v(@n)=%%')
    assert found(src, workspace=str(workspace)) == [
        ("AMP103", "warning", "Data extension 'Orderz' is not in the workspace (did you mean Orders?)",
         1, 25, 1, 33),
        ("AMP104", "warning", "Data extension 'Orders' has no column 'Amont' (did you mean Amount?)",
         2, 41, 2, 62),
        ("AMP104", "warning", "Data extension 'Orders' has no column 'SubscriberKy' (did you mean SubscriberKey?)",
         2, 64, 2, 78),
    ]


def test_ssjs_beyond_the_platform_level_is_an_error_and_gtl_is_checked():
    src = ('<script runat="server">Platform.Load("core", "1");</script>\n'
           '<p>{{ FirstName }}</p>\n'
           '<script runat="server" language="ampscript">SET @a = 1 OutputLine(Concat(@a))</script>')
    assert found(src) == []
    assert found('<p>\n<script runat=server>\n  var f = (x) => x;</script>') == [
        ("AMP110", "error", "SSJS: an arrow function (=>) is ES2015 syntax; the platform's engine (ES3/ES5) "
         "refuses it", 3, 11, 3, 12),
    ]
    assert found("<p>{{#if x}}open</p>") == [("AMP001", "error", "{{#if}} without {{/if}}", 1, 4, 1, 5)]


def test_silencing_per_line_and_per_file():
    src = ("%%[ SET @unused = 1 /* ampy: disable=AMP107 */\n"
           "/* ampy: disable=AMP106,AMP101 */\n"
           "Output(@nowhere)\n"
           "SET @other = 2 ]%%\n")
    assert codes(src) == [("AMP107", 4, 5)]
    assert codes("<!-- ampy: disable-file=AMP107 -->\n" + src) == []


def test_text_checks_run_on_broken_templates_too():
    assert codes("<script runat=server>let x</script> %%[ SET @a = ) ]%%") == [("AMP110", 1, 22), ("AMP001", 1, 50)]


FRAGMENTS = ["%%[", "]%%", "%%=", "=%%", " SET ", " @a ", " = ", "IF ", " THEN ", "ELSE ", "ENDIF", "FOR ",
             " NEXT ", "(", ")", ",", '"s"', "'", "1", " + ", "Concat", "Row", "\n", "<p>", "{{x}}", "/*", "*/",
             "\u201c", "END IF", '<script runat="server" language="ampscript">', "</script>", "%%attr%%"]


def test_any_mix_of_fragments_gives_findings_inside_the_source_never_an_exception():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.sampled_from(FRAGMENTS), max_size=40))
    def check(parts):
        source = "".join(parts)
        lines = source.split("\n")
        for d in lint_source(source):
            assert d.severity in ("error", "warning") and d.code.startswith("AMP")
            assert 1 <= d.line <= len(lines) and 1 <= d.column <= len(lines[d.line - 1]) + 1, (source, d)
            assert (d.end_line, d.end_column) > (d.line, d.column)
        try:  # the linter finds an error whenever compile does
            ampy.compile(source)
        except ampy.AmpscriptError:
            assert any(d.severity == "error" for d in lint_source(source)), source

    check()


def test_a_broken_inline_expression_is_dropped_whole_and_parsing_goes_on():
    assert codes("%%=v(@b=%% ok %%=v(()=%% %%[ SET @a = ) ]%%") == [
        ("AMP001", 1, 8), ("AMP001", 1, 21), ("AMP001", 1, 39)]
    assert found("%%=Concat(Hello there)=%%%%[ IF 1 THEN ]%%") == [
        ("AMP001", "error", "Unexpected name 'there': text needs quotes ('Hello there'), and a name alone is an "
         "attribute", 1, 17, 1, 22),
        ("AMP001", "error", "IF without ENDIF", 1, 30, 1, 32),
    ]


def test_the_workspace_is_read_again_once_its_data_extensions_change(workspace):
    src = '%%=Lookup("Coupons", "Code", "Id", 1)=%%'
    assert codes(src, workspace=str(workspace)) == [("AMP103", 1, 11)]
    assert codes(src, workspace=str(workspace)) == [("AMP103", 1, 11)]  # the same files: read once
    (workspace / "dataextensions" / "Coupons.csv").write_text("Id,Code\n1,A\n", encoding="utf-8")
    assert codes(src, workspace=str(workspace)) == []
