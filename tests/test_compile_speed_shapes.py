"""The fast paths of parsing give exactly what the general ones give: the recursive descent parser
builds the LALR grammar's trees (or leaves the template to it), tokens are positioned as the line
table says, and a correct template renders without Lark."""

import json
import os
import re
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ampy
from ampy.syntax import ast, lalr, lexer
from ampy.syntax.descent import Unsure, parse_tokens
from ampy.syntax.lexer import _Lines, tokenize
from ampy.syntax.parser import parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PIECES = st.sampled_from([
    "%%[", "]%%", "%%=", "=%%", "IF", "THEN", "ELSEIF", "ELSE", "ENDIF", "FOR", "TO", "DOWNTO", "DO",
    "NEXT", "SET", "VAR", "@a", "@i", "@I", "=", "==", "!=", "<", ">=", "(", ")", ",", "'s'", '"t"', "1",
    "-2.5", "x", "Concat", "Add", "v", "IIf", "AND", "OR", "NOT", "true", "False", "\n", "[Attr x]",
    "MSG", "Msg(0)", ".", "NOUN", "VERB", "text", "<script runat=server language=ampscript>", "</script>",
])

ATOMS = st.sampled_from(["@a", "@B", "1", "-2", "3.5", "'q'", '"d""q"', "true", "FALSE", "Name", "[Full Name]"])


def _expr(inner):
    return st.one_of(
        st.builds(lambda f, a: f"{f}({', '.join(a)})", st.sampled_from(["Add", "Concat", "v", "IIf"]),
                  st.lists(inner, max_size=3)),
        st.builds(lambda a, op, b: f"{a} {op} {b}", inner, st.sampled_from(["AND", "OR", "and", "Or"]), inner),
        st.builds(lambda a: f"NOT {a}", inner),
        st.builds(lambda a: f"({a})", inner),
        st.builds(lambda a, op, b: f"{a} {op} {b}", ATOMS, st.sampled_from(["==", "!=", "<", ">=", "="]), ATOMS),
        st.builds(lambda a: f"MSG(0).NOUN({a})", inner),
    )


EXPRS = st.recursive(ATOMS, _expr, max_leaves=8)


def _stmts(inner):
    return st.one_of(
        st.builds(lambda c, b: f"IF {c} THEN {' '.join(b)} ENDIF", EXPRS, st.lists(inner, max_size=2)),
        st.builds(lambda c, b, d, e: f"IF {c} THEN {' '.join(b)} ELSEIF {d} THEN ELSE {' '.join(e)} ENDIF",
                  EXPRS, st.lists(inner, max_size=2), EXPRS, st.lists(inner, max_size=2)),
        st.builds(lambda a, b, d, body, nv: f"FOR @i = {a} {d} {b} DO {' '.join(body)} NEXT {nv}",
                  EXPRS, EXPRS, st.sampled_from(["TO", "downto"]), st.lists(inner, max_size=2),
                  st.sampled_from(["", "@i", "@I", "@j"])),
        st.builds(lambda b: f"]%% text %%[ {' '.join(b)} ]%% more %%[", st.lists(inner, max_size=2)),
    )


STMTS = st.recursive(st.one_of(
    st.builds(lambda e: f"SET @x = {e}", EXPRS),
    st.builds(lambda e: f"%%={e}=%%", EXPRS).map(lambda s: f"]%%{s}%%["),
    st.just("VAR @a, @b"),
    EXPRS,
), _stmts, max_leaves=6)


def outcome(source: str):
    """The LALR parser's tree or error next to the recursive descent's (or Unsure)."""
    try:
        theirs = ("ok", lalr.parse(source).body)
    except ampy.AmpscriptSyntaxError as e:
        theirs = ("error", e.line, e.column, e.message)
    try:
        ours = ("ok", parse_tokens(lexer.iter_tokens(source, raw=True)))
    except Unsure:
        ours = ("unsure",)
    except ampy.AmpscriptSyntaxError as e:  # a scanning error: the same for both
        ours = ("error", e.line, e.column, e.message)
    return ours, theirs


def agree(source: str) -> None:
    ours, theirs = outcome(source)
    if theirs[0] == "ok":
        assert ours == theirs, source
    else:
        assert ours[0] in ("unsure", "error"), source
        assert parse_error(source) == theirs[1:]  # and parse() reports the LALR parser's error


def parse_error(source: str):
    with pytest.raises(ampy.AmpscriptSyntaxError) as e:
        parse(source)
    return e.value.line, e.value.column, e.value.message


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(PIECES, max_size=40).map(" ".join))
def test_descent_agrees_with_the_lalr_grammar_on_token_soup(text):
    agree(text)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(STMTS, max_size=5).map(lambda s: "%%[ " + "\n".join(s) + " ]%%"))
def test_descent_agrees_with_the_lalr_grammar_on_generated_programs(text):
    agree(text)


@pytest.mark.parametrize("source", [
    "%%[ SET @a = Msg(0).Noun(1) SET @b = MSG(0).VERB ]%%",
    "%%[ Foo (1) ]%%",                       # a call, as the LALR tables shift
    "%%[ FOR @i = 1 TO 2 DO NEXT @i @i ]%%",  # NEXT takes the variable, then an expression statement
    "%%[ IF a = b THEN ELSEIF NOT c AND d OR e THEN ELSE ENDIF ]%%",
    "%%[ VAR @a, @b SET @a = 1 = 2 ]%%%%=v(@a)=%%text%%First Name%%%%[Last]%%",
    "%%= 'it''s' =%%",
])
def test_shapes_the_tables_decide_read_the_same(source):
    ours, theirs = outcome(source)
    assert theirs[0] == "ok"
    assert ours == theirs


@pytest.mark.parametrize("source, error", [
    ("%%[ FOR @i = 1 TO 2 DO NEXT @j ]%%", (1, 5, "NEXT @j does not match FOR @i")),
    ("%%[ SET @a = Foo(0).Bar ]%%", (1, 21, "Only MSG(0) has members (MSG(0).VERB, MSG(0).NOUNS, MSG(0).NOUN(n)), "
                                            "not Foo()")),
    ("%%[ SET @a = " + "9" * 4301 + " ]%%", (1, 14, "This number has 4,301 digits; a number can have at most 4,300")),
    ("%%[ IF 1 THEN ]%%\n%%[ ENDIF ENDIF ]%%", (2, 11, "Unexpected ENDIF; expected the end")),
])
def test_what_descent_is_unsure_of_the_lalr_parser_reports(source, error):
    ours, theirs = outcome(source)
    assert ours == ("unsure",)
    assert theirs == ("error", *error)
    assert parse_error(source) == error


def test_nesting_deeper_than_the_descent_recursion_is_read_by_the_lalr_parser():
    source = "%%=" + "v(" * 1500 + "1" + ")" * 1500 + "=%%"
    with pytest.raises(RecursionError):
        parse_tokens(lexer.iter_tokens(source, raw=True))
    tree = parse(source)
    e = tree.body[0].expr
    for _ in range(1500):
        assert isinstance(e, ast.Call)
        e = e.args[0]
    assert e == ast.Num(1, 3004, 1, "1")


def test_gtl_templates_are_read_by_the_lalr_grammar():
    tree = parse("%%[ SET @n = 'x' ]%%{{#if @n}}yes{{/if}}")
    assert type(tree.body[1]).__name__ == "Block"
    assert ampy.render("%%[ SET @n = 'x' ]%%{{#if @n}}yes{{/if}}") == "yes"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["%%[", "]%%", "SET @a = 'x\ny'", "/* c\n\n */", "\n", "\r\n", "Add(1,\n2)",
                                 "%%=v(@a)=%%", "text\n", "%%Attr%%", "{{x}}", "{{~ y}}", " \n"]), max_size=30)
       .map("".join))
def test_tokens_are_placed_where_the_line_table_says(text):
    try:
        toks = tokenize(text)
    except ampy.AmpscriptSyntaxError:
        return
    lines = _Lines(text)
    for t in toks:
        assert (t.line, t.column) == lines.at(t.start_pos), t


def test_a_correct_template_renders_without_loading_lark():
    code = ("import sys, json, ampy\n"
            "out = ampy.render('%%[ SET @a = Add(1, 2) IF @a > 2 THEN ]%%ok %%=v(@a)=%%%%[ ENDIF ]%%')\n"
            "print(json.dumps([out, 'lark' in sys.modules]))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          env=dict(os.environ, PYTHONPATH=ROOT), check=True)
    assert json.loads(done.stdout) == ["ok 3", False]


@pytest.mark.parametrize("source, where", [
    ('%%=Add(Add(1, 2), Add(1, "x"))=%%', (1, 19)),          # the failing one of two calls of Add
    ('%%=Concat("ééé", Add(1, "x"))=%%', (1, 18)),            # columns counted past non-ASCII text
    ('x\n%%[ SET @a = "☃" IF Add(1, 2) == 3 THEN SET @b = Concat(@a, "é", Add("q", 1)) ENDIF ]%%', (2, 66)),
    ("%%=IIf(true, Add(1, 'x'), 0)=%%", (1, 14)),             # inside a lazy argument's lambda
])
def test_runtime_errors_point_at_the_failing_call(source, where):
    with pytest.raises(ampy.AmpscriptRuntimeError) as e:
        ampy.render(source)
    assert (e.value.line, e.value.column) == where
    assert e.value.message.startswith("Add: ")


@pytest.mark.parametrize("source, out", [
    ("a%%=Concat(Output('b'), 'c')=%%d%%[ SET @x = 1 ]%%%%=v(@x)=%%e%%=OutputLine(Concat('f'))=%%g%%=v(@x)=%%",
     "acd1ef\r\ng1"),
    ("a%%=Concat(TreatAsContent('%%=Output(Concat(1))=%%'), 'c')=%%d", "a1cd"),  # written by the call, in order
    ("%%[ SET @i = 'x' FOR @i = 1 TO 3 DO ]%%<%%=v(@i)=%%>%%[ NEXT ]%%%%=v(@i)=%%", "<1><2><3>3"),
    ("".join(f"{n}%%=v(@n)=%%%%='s'=%%%%=1.5=%%%%=true=%%" for n in range(60)),
     "".join(f"{n}s1.5True" for n in range(60))),  # long runs of output split into several lines
])
def test_output_written_in_fewer_calls_keeps_its_order(source, out):
    assert ampy.render(source) == out
    assert ampy.render(source, trace=lambda event: None) == out


CODE_PIECES = st.sampled_from([
    "%%[", "]%%", "%%=", "=%%", "<script runat=server language=ampscript>", "</script >", "%%Name%%", " ", "\n",
    "\t", "\u00a0", "'a''b'", '"c""d"', "'open", '"x\ny"', "/* c */", "/* open", "*/", "@v", "@@s", "x1", "IF",
    "then", "-1.5", ".5", "7.", ".", "[A b]", "[x", "==", "!=", "<=", ">", "=", "(", ")", ",", "+", "\u201c", "#",
    "text", "Foo(1)",
])


def tokens_and_error(text, raw=False):
    errors = []
    toks = list(lexer.iter_tokens(text, recover=errors.append, raw=raw))
    return ([t if raw else (t.type, t.value, t.start_pos, t.line, t.column) for t in toks],
            [(e.line, e.column, e.message) for e in errors])


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(CODE_PIECES, max_size=30).map("".join))
def test_the_one_pass_code_reader_gives_the_general_loops_tokens(text):
    fast = tokens_and_error(text)
    assert tokens_and_error(text, raw=True) == fast  # the tuples the recursive descent reads
    saved = lexer._CODE_RUN
    lexer._CODE_RUN = re.compile(r"(?!)")  # never matches: every token through the general loop
    try:
        slow = tokens_and_error(text)
    finally:
        lexer._CODE_RUN = saved
    assert fast == slow


def test_an_attribute_starts_a_line_of_output_and_strict_mode_still_points_at_it():
    tpl = ampy.compile("Hi %%FirstName%%, <b>%%=v(@x)=%%</b> %%Last Name%%!\n", name="a.amp")
    assert tpl.render(attributes={"FirstName": "Ann", "Last Name": "Lee"}) == "Hi Ann, <b></b> Lee!\n"
    assert sum(line.lstrip().startswith("w(") for line in tpl._compiled._lines) == 3
    with pytest.raises(ampy.AmpscriptRuntimeError) as e:
        tpl.render(attributes={"FirstName": "Ann"}, strict=True)
    assert (e.value.line, e.value.column) == (1, 38)
