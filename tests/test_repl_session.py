"""The REPL's evaluation session: persistence, echo, multiline status, errors, meta commands."""

from __future__ import annotations

import io
import json

import pytest

from ampy.api.model import ApiObject
from ampy.backends.local import LocalBackend
from ampy.repl.display import format_value
from ampy.repl.session import (
    CODE,
    COMPLETE,
    INCOMPLETE,
    INVALID,
    META,
    TEMPLATE,
    Outcome,
    ReplSession,
    input_mode,
    input_status,
    run_script,
    split_entries,
)
from ampy.runtime.rowsets import Row, Rowset
from ampy.runtime.values import DB_NULL


@pytest.fixture
def session():
    return ReplSession(LocalBackend())


def test_variables_persist_and_expressions_echo(session):
    assert session.execute("SET @x = 5") == Outcome()
    assert session.execute("@x") == Outcome(echo="5")
    assert session.execute("Add(@x, 2.5)") == Outcome(echo="7.5")
    assert session.execute('Concat("Sally", "\'s ", """x""")') == Outcome(echo='"Sally\'s ""x"""')
    assert session.execute("@X == 5") == Outcome(echo="True")
    assert session.execute("@never") == Outcome(echo="null")
    assert session.execute("Divide(10, 3)") == Outcome(echo="3.33333333333333")


def test_a_lone_name_is_an_attribute_expression_not_attribute_output(session):
    session.execute(":attr FirstName=Ann")
    assert session.execute("FirstName") == Outcome(echo='"Ann"')
    assert session.execute("[FirstName]") == Outcome(echo='"Ann"')


def test_a_bare_call_still_writes_its_output(session):
    assert session.execute('Output(Concat("hi"))') == Outcome(output="hi")
    assert session.execute('OutputLine(Concat("a"))') == Outcome(output="a\r\n")


def test_statements_and_templates_print_their_output(session):
    session.execute('SET @name = "Ann"')
    assert session.execute('IF @name == "ann" THEN\n  Output(Concat("yes"))\nENDIF') == Outcome(output="yes")
    assert session.execute("Hello %%=v(@name)=%%!") == Outcome(output="Hello Ann!")
    assert session.execute("<b>%%=Uppercase(@name)=%%</b>") == Outcome(output="<b>ANN</b>")
    assert session.execute('%%[ SET @n = 2 ]%%') == Outcome()
    assert session.execute("FOR @i = 1 TO @n DO Output(Concat(@i, ';')) NEXT @i") == Outcome(output="1;2;")


def test_input_modes():
    assert input_mode("SET @x = 1") == CODE
    assert input_mode("  :vars") == META
    assert input_mode("%%[ SET @x = 1 ]%%") == TEMPLATE
    assert input_mode("<p>hi</p>") == TEMPLATE
    assert input_mode("Hi %%FirstName%%") == TEMPLATE


@pytest.mark.parametrize("text", [
    "IF @x == 1 THEN",
    "FOR @i = 1 TO 3 DO",
    'Concat("a",',
    'Concat("a", "b"',
    "SET @x =",
    '"unterminated',
    "/* open comment",
    "%%[ SET @a = 1",
    "<p>%%= v(@a)",
    "IF 1 == 1 THEN\n  Output(Concat('x'))\nELSE",
])
def test_incomplete_input_keeps_editing(text):
    assert input_status(text) == INCOMPLETE


@pytest.mark.parametrize("text,status", [
    ("SET @x = 1", COMPLETE),
    ("IF 1 == 1 THEN ENDIF", COMPLETE),
    (":help", COMPLETE),
    ("", COMPLETE),
    ("ENDIF", INVALID),
    ("Concat(\"a\" \"b\")", INVALID),
    ("SET @x = 1 )", INVALID),
])
def test_complete_and_invalid_input(text, status):
    assert input_status(text) == status


def test_syntax_error_reported_at_the_users_position(session):
    out = session.execute("SET @x = 1 )")
    assert out.error == "<repl>:1:12: Unexpected ')'\n    SET @x = 1 )\n               ^"
    assert session.execute("Concatt(1)").error == (
        "<repl>:1:1: Unknown function 'Concatt' (did you mean Concat?)\n    Concatt(1)\n    ^")


def test_runtime_error_keeps_the_session_and_discards_its_output(session):
    session.execute("SET @a = 1")
    out = session.execute('Output(Concat("lost"))\nSET @a = 2\nSET @b = Add(1, "x")')
    assert out.output == ""
    assert out.error == ("<repl>:3:10: Add: The second number 'x' is not a number\n"
                         "    SET @b = Add(1, \"x\")\n"
                         "             ^")
    assert session.execute("@a") == Outcome(echo="2")   # what ran before the error stays done


def test_unfinished_input_at_the_end_is_reported(session):
    out = session.execute('Concat("a",')
    assert out.error == '<repl>:1:12: Unexpected end of input\n    Concat("a",\n               ^'
    assert session.execute("IF 1 == 1 THEN").error == (
        "<repl>:1:1: IF without ENDIF\n    IF 1 == 1 THEN\n    ^")


def test_now_is_fixed_within_one_input(session):
    out = session.execute("Now() == Now()")
    assert out == Outcome(echo="True")


def test_split_entries_follows_the_parser():
    script = "SET @a = 1\n\nIF @a == 1 THEN\n  Output(Concat('x'))\nENDIF\n@a\nConcat('a',\n'b')\n"
    assert list(split_entries(script)) == [
        "SET @a = 1", "IF @a == 1 THEN\n  Output(Concat('x'))\nENDIF", "@a", "Concat('a',\n'b')"]
    assert list(split_entries("SET @a = 1\nIF @a THEN\n")) == ["SET @a = 1", "IF @a THEN"]


def test_run_script_prints_results_and_reports_failures(session):
    out, err = io.StringIO(), io.StringIO()
    script = 'SET @a = 3\n@a\nOutput(Concat("x"))\nNope(1)\n"after"\n'
    assert run_script(session, script, out, err) == 1
    assert out.getvalue() == '3\nx\n"after"\n'
    assert err.getvalue() == "<repl>:1:1: Unknown function 'Nope'\n    Nope(1)\n    ^\n"
    out2 = io.StringIO()
    assert run_script(ReplSession(LocalBackend()), "SET @a = 1\n:quit\n@a\n", out2, io.StringIO()) == 0
    assert out2.getvalue() == ""


# ---- display --------------------------------------------------------------------------------

def test_display_of_scalars():
    assert format_value(None) == "null"
    assert format_value(DB_NULL) == "null"
    assert format_value(True) == "True"
    assert format_value(False) == "False"
    assert format_value(100.0) == "100"
    assert format_value(0.1 + 0.2) == "0.3"
    assert format_value('say "hi"') == '"say ""hi"""'


def test_display_of_a_rowset_as_a_table():
    rs = Rowset([Row(["Name", "Tier"], ["Ann", "Gold"]), Row(["Name", "Tier"], ["Bartholomew", DB_NULL])])
    assert format_value(rs) == (
        "Name        | Tier\n"
        "------------+-----\n"
        "Ann         | Gold\n"
        "Bartholomew | null\n"
        "(2 rows)")
    assert format_value(Rowset()) == "(empty rowset)"


def test_display_of_an_api_object_as_a_tree():
    obj = ApiObject("DataExtensionObject", {
        "CustomerKey": "Customers",
        "Properties": [ApiObject("APIProperty", {"Name": "Email", "Value": "a@x.com"})],
        "Client": ApiObject("ClientID", {"ID": "42"}),
    })
    assert format_value(obj) == (
        "DataExtensionObject\n"
        "  CustomerKey: \"Customers\"\n"
        "  Properties: [1]\n"
        "    [1] APIProperty\n"
        "        Name: \"Email\"\n"
        "        Value: \"a@x.com\"\n"
        "  Client:\n"
        "    ClientID\n"
        "      ID: \"42\"")


# ---- meta commands --------------------------------------------------------------------------

def test_vars_lists_variables_in_their_own_spelling(session):
    assert session.execute(":vars") == Outcome(message="(no variables)")
    session.execute('SET @FirstName = "Ann"')
    session.execute("SET @count = 2")
    session.execute('SET @rs = BuildRowSetFromString("a", ",")')
    assert session.execute(":vars").message == (
        "@count = 2\n@FirstName = \"Ann\"\n@rs =\n  Value\n  -----\n  a\n  (1 row)")


def test_attr_and_attrs(session, tmp_path):
    assert session.execute(":attr First Name=Ann") == Outcome()
    assert session.execute("[First Name]") == Outcome(echo='"Ann"')
    assert session.execute("Hi %%[First Name]%%") == Outcome(output="Hi Ann")
    assert session.execute(":attr nothing").error == "usage: :attr NAME=VALUE"
    path = tmp_path / "subscriber.json"
    path.write_text(json.dumps({"Tier": "Gold", "Points": 12, "Tags": ["a"]}), encoding="utf-8")
    assert session.execute(f":attrs {path}") == Outcome(message="3 attributes loaded")
    assert session.execute(":attr").message == (
        'First Name = "Ann"\nPoints = 12\nTags = "[""a""]"\nTier = "Gold"')
    missing = tmp_path / "missing.json"
    assert session.execute(f":attrs {missing}").error == f"cannot read {missing}: No such file or directory"


def test_load_runs_in_the_session_scope_and_render_in_its_own(session, tmp_path):
    script = tmp_path / "set.amp"
    script.write_text('%%[ SET @from_file = "yes" ]%%Loaded %%=v(@from_file)=%%', encoding="utf-8")
    assert session.execute(f":load {script}") == Outcome(output="Loaded yes")
    assert session.execute("@from_file") == Outcome(echo='"yes"')
    page = tmp_path / "page.amp"
    page.write_text('%%[ SET @other = 1 ]%%[%%=v(@from_file)=%%]', encoding="utf-8")
    assert session.execute(f":render {page}") == Outcome(output="[]")
    assert session.execute("@other") == Outcome(echo="null")
    bad = tmp_path / "bad.amp"
    bad.write_text("%%[ SET @x = Nope() ]%%", encoding="utf-8")
    assert session.execute(f":load {bad}").error == (
        f"{bad}:1:14: Unknown function 'Nope'\n    %%[ SET @x = Nope() ]%%\n                 ^")


def test_functions_and_doc(session):
    listing = session.execute(":functions Lookup").message.splitlines()
    assert [line.split("(")[0] for line in listing] == [
        "Lookup", "LookupOrderedRows", "LookupOrderedRowsCS", "LookupRows", "LookupRowsCS"]
    assert listing[0].startswith("Lookup(de, returnColumn, column1, value1, [columnN, valueN]...)")
    doc = session.execute(":doc output").message
    assert doc.splitlines()[0] == "Output([call]...)"
    assert "arguments: at least 0" in doc
    assert "contexts:  page, sms (19691: function name not recognised in email; use OutputLine)" in doc
    assert session.execute(":doc Nope").error == "Unknown function 'Nope'"


def test_context_switch_applies_render_restrictions(session):
    assert session.execute(":context email") == Outcome(message="context: email")
    out = session.execute('Output(Concat("x"))')
    assert out.error.startswith("<repl>:1:1: Output is not allowed in email content")
    assert session.execute("AttributeValue('_messagecontext')") == Outcome(echo='"SEND"')
    assert session.execute(":context web").error == "usage: :context page|email|sms"


def test_reset_forgets_variables_but_keeps_startup_attributes():
    s = ReplSession(LocalBackend(), attributes={"Tier": "Gold"})
    s.execute("SET @a = 1")
    s.execute(":attr Tier=Silver")
    assert s.execute(":reset").message == "Variables cleared; attributes back to the start-up ones."
    assert s.execute("@a") == Outcome(echo="null")
    assert s.execute("Tier") == Outcome(echo='"Gold"')


def test_backend_switch_to_a_csv_folder(session, tmp_path):
    data = tmp_path / "de"
    data.mkdir()
    (data / "Customers.csv").write_text("Email,Tier\na@x.com,Gold\n", encoding="utf-8")
    assert session.execute(f":backend local --data {data}") == Outcome(message=f"backend: local ({data})")
    assert session.execute('Lookup("customers", "Tier", "Email", "a@x.com")') == Outcome(echo='"Gold"')
    bad = session.execute(f":backend local --workspace {tmp_path / 'none'}")
    assert bad.error == f"cannot open the local backend: workspace {tmp_path / 'none'} is not a folder"
    assert session.execute(":backend").message == f"backend: local ({data})"   # unchanged
    assert session.execute(":backend ftp").error.startswith("argument kind: invalid choice: 'ftp'")


def test_unknown_meta_command_and_quit(session):
    assert session.execute(":frobnicate").error == "Unknown command ':frobnicate' (try :help)"
    assert session.execute(":quit") == Outcome(quit=True)
    assert ":attrs FILE.json" in session.execute(":help").message


def test_redirect_is_reported_and_the_session_goes_on(session):
    out = session.execute('SET @a = 1 Redirect("https://example.com/next") SET @a = 2')
    assert (out.output, out.error) == ("", None)
    assert out.message == "Redirect to https://example.com/next (HTTP 302; the output is discarded)"
    assert session.execute("@a").echo == "1"
