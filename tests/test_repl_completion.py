"""REPL completion: what is offered where the cursor is."""

from __future__ import annotations

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from ampy import registry
from ampy.backends.local import LocalBackend
from ampy.repl.completion import AmpscriptCompleter, code_before_cursor, scan_code
from ampy.repl.session import ReplSession


@pytest.fixture
def completer(tmp_path):
    d = tmp_path / "dataextensions"
    d.mkdir()
    (d / "Customers.csv").write_text("Email,FirstName,Tier\na@x.com,Ann,Gold\n", encoding="utf-8")
    (d / "Orders.csv").write_text("OrderId,Email\n1,a@x.com\n", encoding="utf-8")
    session = ReplSession(LocalBackend(str(d)), attributes={"Tier": "Gold", "First Name": "Ann"})
    session.execute('SET @FirstName = "Ann"')
    session.execute("SET @count = 1")
    return AmpscriptCompleter(session)


def functions(prefix: str) -> list[str]:
    return [b.name for b in registry.all_builtins() if b.name.lower().startswith(prefix)]


def offered(completer, text, requested=True):
    event = CompleteEvent(completion_requested=requested)
    return [(c.text, c.start_position, c.display_meta_text)
            for c in completer.get_completions(Document(text), event)]


def texts(completer, text, requested=True):
    return [t for t, _, _ in offered(completer, text, requested)]


def test_function_names_with_signatures(completer):
    assert offered(completer, "SET @a = Looku") == [
        ("Lookup", -5, "Lookup(de, returnColumn, column1, value1, [columnN, valueN]...)"),
        ("LookupOrderedRows", -5,
         "LookupOrderedRows(de, numRows, sort, column1, value1, [columnN, valueN]...)"),
        ("LookupOrderedRowsCS", -5,
         "LookupOrderedRowsCS(de, numRows, sort, column1, value1, [columnN, valueN]...)"),
        ("LookupRows", -5, "LookupRows(de, column1, value1, [columnN, valueN]...)"),
        ("LookupRowsCS", -5, "LookupRowsCS(de, column1, value1, [columnN, valueN]...)"),
    ]


def test_variables_in_scope_in_their_spelling(completer):
    assert offered(completer, "Concat(@f") == [("@FirstName", -2, "variable")]
    assert texts(completer, "@") == ["@count", "@FirstName"]


def test_keywords_valid_at_the_cursor(completer):
    assert texts(completer, "IF @count == 1 ") == ["THEN", "AND", "OR"]
    assert texts(completer, "FOR @i = 1 ") == ["TO", "DOWNTO"]
    assert texts(completer, "FOR @i = 1 TO 3 ") == ["DO"]
    assert texts(completer, "IF @count == 1 THEN SET @a = 1 EN") == ["ENDIF"] + functions("en")
    assert texts(completer, "IF 1 == 1 THEN E") == ["ELSEIF", "ELSE", "ENDIF"] + functions("e")
    assert texts(completer, "FOR @i = 1 TO 2 DO ne") == ["next"]   # in the case being typed
    assert texts(completer, "SET @a = n") == ["not"] + functions("n")
    assert texts(completer, "en") == functions("en")   # no ENDIF outside an IF
    assert texts(completer, "SET ") == []   # a variable name must follow


def test_attribute_names_where_an_expression_fits(completer):
    assert ("Tier", -2, "attribute") in offered(completer, "SET @t = Ti")
    assert "Tier" not in texts(completer, "Ti")   # not at the start of a statement
    # Names with spaces need brackets and are not offered bare.
    assert "First Name" not in texts(completer, "SET @t = Fi")


def test_data_extension_and_column_names_inside_lookup_calls(completer):
    assert offered(completer, 'Lookup("cu') == [("Customers", -2, "data extension")]
    assert offered(completer, 'LookupRows("Customers", "') == [
        ("Email", 0, "column of Customers"), ("FirstName", 0, "column of Customers"),
        ("Tier", 0, "column of Customers")]
    assert offered(completer, "InsertData('orders', 'E', 1, 'O") == [("OrderId", -1, "column of orders")]
    assert ('"Customers"', -1, "data extension") in offered(completer, "Lookup(C")
    assert offered(completer, 'Concat("cu') == []   # not a data extension argument


def test_template_text_and_blocks(completer):
    assert offered(completer, "<p>%%Ti") == [("Tier%%", -2, "attribute")]
    assert texts(completer, "<p>%%[ SET @a = Uppe") == ["Uppercase"]
    assert texts(completer, "<p>%%[ SET @a = 1 ]%% Uppe") == []   # plain text
    assert texts(completer, "<p>%%=Uppe") == ["Uppercase"]


def test_meta_commands(completer, tmp_path):
    assert offered(completer, ":re") == [
        (":render", -3, "render a file in a scope of its own and print it"),
        (":reset", -3, "forget variables; attributes back to the start-up ones")]
    assert texts(completer, ":context s") == ["sms"]
    assert texts(completer, ":backend ") == ["local", "soap"]
    assert texts(completer, ":doc RowC") == ["RowCount"]
    (tmp_path / "welcome.amp").write_text("x", encoding="utf-8")
    assert texts(completer, f":load {tmp_path}/wel") == ["come.amp"]


def test_nothing_while_typing_until_a_word_begins(completer):
    assert texts(completer, "SET @a = ", requested=False) == []
    assert texts(completer, "SET @a = Upperc", requested=False) == ["Uppercase"]
    assert texts(completer, "/* Upperc") == []   # inside a comment


def test_scan_code_tracks_blocks_heads_and_calls():
    state = scan_code('IF @a == 1 THEN FOR @i = 1 TO 2 DO Lookup("Customers", "Tier", Concat(1), "x')
    assert state.blocks == ["if", "for"]
    assert state.head is None
    assert [(c.name, c.arg, c.de) for c in state.calls] == [("lookup", 3, "Customers")]
    assert state.in_string == "x"
    assert code_before_cursor("a %%[ x ]%% b %%= Up") == " Up"
    assert code_before_cursor("plain %%[ x ]%% text") is None
