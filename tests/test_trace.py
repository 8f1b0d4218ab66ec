"""--trace, --vars, Template.render(trace=...) and the REPL's :trace: which statements ran, what
they changed, their builtin calls and data lookups."""

import io
import json
import os
import re
import subprocess
import sys

import pytest

import ampy
from ampy.repl.session import ReplSession, run_script

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SCRIPT = """%%[
SET @name = Lookup("Subscribers", "Name", "Id", 1)
IF @name == "Ann" THEN
  SET @greet = Concat("Hi ", @name)
ELSE
  SET @greet = "Hello"
ENDIF
FOR @i = 1 TO 2 DO
  SET @n = Add(@i, 10)
NEXT @i
]%%
%%=v(@greet)=%% %%FirstName%%
"""


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "Subscribers.csv").write_text("Id,Name\n1,Ann\n2,Bob\n", encoding="utf-8")
    (tmp_path / "t.amp").write_text(SCRIPT, encoding="utf-8")
    return tmp_path


def ampy_cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "ampy", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


def _no_times(text: str) -> str:
    return re.sub(r"\(\d+\.\d ms\)", "(T ms)", text)


EXPECTED_TEXT = """t.amp:2: SET @name = Lookup("Subscribers", "Name", "Id", 1)
    Lookup("Subscribers", "Name", "Id", 1) -> "Ann"
    lookup Subscribers where Id = 1: 1 row (T ms)
    @name: (unset) -> "Ann"
t.amp:3: IF @name == "Ann" THEN
t.amp:4: SET @greet = Concat("Hi ", @name)
    Concat("Hi ", "Ann") -> "Hi Ann"
    @greet: (unset) -> "Hi Ann"
t.amp:8: FOR @i = 1 TO 2 DO
    @i: (unset) -> 1
t.amp:9: SET @n = Add(@i, 10)
    Add(1, 10) -> 11
    @n: (unset) -> 11
t.amp:8: FOR @i = 1 TO 2 DO
    @i: 1 -> 2
t.amp:9: SET @n = Add(@i, 10)
    Add(2, 10) -> 12
    @n: 11 -> 12
t.amp:12: %%=v(@greet)=%%
t.amp:12: %%FirstName%%
"""


def test_trace_as_text_on_stderr_with_vars(folder):
    p = ampy_cli("run", "t.amp", "--data", "data", "--attr", "FirstName=Ann", "--trace", "--vars", cwd=folder)
    assert p.returncode == 0
    assert p.stdout == "\nHi Ann Ann\n"   # the output is unchanged by tracing
    assert _no_times(p.stderr) == EXPECTED_TEXT + '@greet = "Hi Ann"\n@i = 2\n@n = 12\n@name = "Ann"\n'


def test_trace_as_json_lines(folder):
    p = ampy_cli("run", "--trace=trace.jsonl", "t.amp", "--data", "data", "--attr", "FirstName=Ann", cwd=folder)
    assert (p.returncode, p.stdout, p.stderr) == (0, "\nHi Ann Ann\n", "")
    records = [json.loads(line) for line in (folder / "trace.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(records) == 10
    first = records[0]
    assert first["calls"][0].pop("ms") >= 0 and first["lookups"][0].pop("ms") >= 0
    assert first == {
        "event": "statement", "file": "t.amp", "line": 2, "column": 1,
        "statement": 'SET @name = Lookup("Subscribers", "Name", "Id", 1)',
        "changes": [{"name": "@name", "old": None, "new": "Ann", "unset": True}],
        "calls": [{"function": "Lookup", "args": ["Subscribers", "Name", "Id", 1], "result": "Ann"}],
        "lookups": [{"de": "Subscribers", "where": [["Id", 1]], "rows": 1}]}
    assert [(r["line"], r["column"], r["statement"]) for r in records[1:-1]] == [
        (3, 1, 'IF @name == "Ann" THEN'), (4, 3, 'SET @greet = Concat("Hi ", @name)'),
        (8, 1, "FOR @i = 1 TO 2 DO"), (9, 3, "SET @n = Add(@i, 10)"),
        (8, 1, "FOR @i = 1 TO 2 DO"), (9, 3, "SET @n = Add(@i, 10)"),
        (12, 1, "%%=v(@greet)=%%"), (12, 17, "%%FirstName%%")]
    assert records[5]["changes"] == [{"name": "@i", "old": 1, "new": 2}]
    assert records[-1] == {"event": "end", "variables": {"@greet": "Hi Ann", "@i": 2, "@n": 12, "@name": "Ann"}}


def test_vars_alone_prints_only_the_table(folder):
    p = ampy_cli("run", "-", "--vars", cwd=folder)
    assert (p.returncode, p.stdout, p.stderr) == (0, "", "(no variables)\n")
    (folder / "v.amp").write_text('%%[ VAR @e SET @Total = 3 SET @when = DateAdd("2024-01-31", 1, "M") ]%%',
                                  encoding="utf-8")
    p = ampy_cli("run", "v.amp", "--vars", cwd=folder)
    assert (p.returncode, p.stdout, p.stderr) == (0, "", '@e = null\n@Total = 3\n@when = "2024-02-29 00:00:00"\n')


def test_render_command_traces_every_row(folder):
    (folder / "r.amp").write_text("%%[ SET @x = Uppercase(Name) ]%%%%=v(@x)=%%", encoding="utf-8")
    p = ampy_cli("render", "r.amp", "--de", "Subscribers", "--data", "data", "--trace", cwd=folder)
    assert p.returncode == 0
    assert p.stdout == "ANN\nBOB\n"
    assert p.stderr == ('r.amp:1: SET @x = Uppercase(Name)\n    Uppercase("Ann") -> "ANN"\n    @x: (unset) -> "ANN"\n'
                        'r.amp:1: %%=v(@x)=%%\n'
                        'r.amp:1: SET @x = Uppercase(Name)\n    Uppercase("Bob") -> "BOB"\n    @x: (unset) -> "BOB"\n'
                        'r.amp:1: %%=v(@x)=%%\n'
                        'rendered 2 of 2 row(s)\n')


def test_trace_callback_in_python_and_the_error_still_ends_the_trace():
    records = []
    tpl = ampy.compile('%%[ SET @a = "x" SET @b = Add(@a, 1) ]%%', name="e.amp")
    with pytest.raises(ampy.AmpscriptRuntimeError) as e:
        tpl.render(trace=records.append)
    assert (e.value.line, e.value.column) == (1, 27)
    assert [(r["event"], r.get("statement")) for r in records] == [
        ("statement", 'SET @a = "x"'), ("statement", "SET @b = Add(@a, 1)"), ("end", None)]
    assert records[1]["calls"] == []   # it failed: no result to show
    assert records[-1]["variables"] == {"@a": "x"}
    with pytest.raises(ampy.AmpscriptRuntimeError) as plain:
        tpl.render()   # the plain variant fails at the same place
    assert str(plain.value) == str(e.value)


def test_lazy_builtins_show_their_arguments_as_written_and_out_parameters_by_name():
    records = []
    out = ampy.render('%%[ SET @v = 5 Output(Concat("n=", @v)) SET @r = IIf(@v > 1, "big", "small") ]%%',
                      trace=records.append)
    assert out == "n=5"
    assert records[1]["calls"] == [
        {"function": "Concat", "args": ["n=", 5], "result": "n=5", "ms": records[1]["calls"][0]["ms"]},
        {"function": "Output", "args": ['Concat("n=", @v)'], "result": None, "ms": records[1]["calls"][1]["ms"]}]
    assert records[2]["changes"] == [{"name": "@r", "old": None, "new": "big", "unset": True}]


def test_content_blocks_are_traced_under_their_own_name(tmp_path):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "hello.amp").write_text('%%[ SET @inner = "yes" ]%%', encoding="utf-8")
    records = []
    ampy.render('%%=ContentBlockByKey("hello")=%%', name="outer.amp", content_dir=str(tmp_path / "c"),
                trace=records.append)
    assert [(r["file"], r["statement"]) for r in records[:-1]] == [
        ("outer.amp", '%%=ContentBlockByKey("hello")=%%'), ("content block hello", 'SET @inner = "yes"')]


def test_untraced_code_is_the_plain_variant():
    tpl = ampy.compile('%%[ SET @a = Concat(@a, "x") ]%%%%=v(@a)=%%', name="plain.amp")
    plain_lines = list(tpl._compiled._lines)
    assert not any("T." in line or "(T, " in line for line in plain_lines)
    tpl.render(trace=lambda r: None)
    assert tpl._compiled._lines == plain_lines
    traced = tpl._variants[(True, False)]._lines
    assert any("T.stmt(ctx, " in line for line in traced)


def test_repl_trace_on_and_off():
    session = ReplSession()
    out, err = io.StringIO(), io.StringIO()
    script = ':trace on\nSET @a = 1\nSET @b = Concat(@a, "x")\n@b\n:trace off\nSET @c = 2\n:trace\n'
    status = run_script(session, script, out, err)
    assert status == 0
    assert out.getvalue() == 'trace: on\n"1x"\ntrace: off\ntrace: off\n'
    assert err.getvalue() == ('<repl>:1: SET @a = 1\n    @a: (unset) -> 1\n'
                              '<repl>:1: SET @b = Concat(@a, "x")\n    Concat(1, "x") -> "1x"\n'
                              '    @b: (unset) -> "1x"\n'
                              '<repl>:1: @b\n')
    assert session.execute(":trace maybe").error == "usage: :trace on|off"


def test_trace_file_that_cannot_be_written_is_a_usage_error(folder):
    p = ampy_cli("run", "--trace=no/such/dir/t.jsonl", "t.amp", cwd=folder)
    assert p.returncode == 2
    assert "--trace no/such/dir/t.jsonl: cannot write the file: No such file or directory" in p.stderr


def test_repl_traces_a_loaded_file(tmp_path):
    script = tmp_path / "load.amp"
    script.write_text('%%[\nSET @who = "Ann"\n]%%Hi %%=v(@who)=%%', encoding="utf-8")
    session = ReplSession()
    session.execute(":trace on")
    outcome = session.execute(f":load {script}")
    assert outcome.output == "Hi Ann"
    assert outcome.trace == (f'{script}:2: SET @who = "Ann"\n    @who: (unset) -> "Ann"\n'
                             f"{script}:3: %%=v(@who)=%%")
    assert session.ctx.tracer is None
