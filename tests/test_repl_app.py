"""The REPL driven through the real prompt_toolkit PromptSession with pipe input."""

from __future__ import annotations

import asyncio
import io

import pytest
from prompt_toolkit.document import Document
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from ampy.backends.local import LocalBackend
from ampy.repl.app import BANNER, ReplApp, ReplLexer, history_path
from ampy.repl.session import ReplSession

CTRL_C, CTRL_D, TAB, RIGHT = "\x03", "\x04", "\t", "\x1b[C"


@pytest.fixture
def data_dir(tmp_path):
    d = tmp_path / "dataextensions"
    d.mkdir()
    (d / "Customers.csv").write_text("Email,FirstName,Tier\na@x.com,Ann,Gold\nb@x.com,Bob,Silver\n",
                                     encoding="utf-8")
    return d


def run_typed(keys: str, session: ReplSession | None = None, history=None):
    """Type ``keys`` into a fresh REPL and run it to the end; (exit code, stdout, stderr, app)."""
    session = session or ReplSession(LocalBackend())
    out, err = io.StringIO(), io.StringIO()
    with create_pipe_input() as inp:
        app = ReplApp(session, input=inp, output=DummyOutput(), history=history or InMemoryHistory(),
                      out=out, err=err)
        inp.send_text(keys)
        code = app.run()
    return code, out.getvalue(), err.getvalue(), app


def test_multiline_if_runs_when_the_parser_says_it_is_complete():
    code, out, err, _ = run_typed('SET @n = 3\rIF @n > 2 THEN\rOutput(Concat("big"))\rELSE\r'
                                  'Output(Concat("small"))\rENDIF\r@n\r' + CTRL_D)
    assert code == 0
    assert out == BANNER + "\nbig\n3\n"
    assert err == ""


def test_open_call_and_string_continue_on_the_next_line():
    _, out, err, app = run_typed('Concat("a",\r"b\rc")\r' + CTRL_D)
    assert out == BANNER + '\n"ab\nc"\n'
    assert err == ""
    # Continuation lines keep the indentation, one step deeper after THEN
    assert app.prompt_session.history.get_strings() == ['Concat("a",\n"b\nc")']


def test_indentation_after_then():
    history = InMemoryHistory()
    run_typed("IF 1 == 1 THEN\rSET @a = 1\rENDIF\r" + CTRL_D, history=history)
    assert history.get_strings() == ["IF 1 == 1 THEN\n  SET @a = 1\n  ENDIF"]


def test_closing_keywords_move_back_one_step():
    history = InMemoryHistory()
    run_typed("FOR @i = 1 TO 2 DO\rIF @i == 2 THEN\rOutput(Concat('x'))\rELSE\rSET @a = 1\rENDIF\rNEXT\r"
              + CTRL_D, history=history)
    assert history.get_strings() == [
        "FOR @i = 1 TO 2 DO\n  IF @i == 2 THEN\n    Output(Concat('x'))\n  ELSE\n    SET @a = 1\n  ENDIF\n  NEXT"]


def test_errors_are_reported_and_the_session_goes_on():
    code, out, err, _ = run_typed('ENDIF\rAdd(1, "x")\rSET @ok = "yes"\r@ok\r' + CTRL_D)
    assert code == 0
    assert out == BANNER + '\n"yes"\n'
    assert err == ("<repl>:1:1: Unexpected ENDIF; expected the end\n    ENDIF\n    ^\n"
                   "<repl>:1:1: Add: The second number 'x' is not a number\n    Add(1, \"x\")\n    ^\n")


def test_ctrl_c_cancels_the_input_and_ctrl_d_leaves():
    code, out, err, _ = run_typed('IF 1 == 1 THEN\rOutput(Concat("never"))' + CTRL_C + '"next"\r' + CTRL_D)
    assert code == 0
    assert out == BANNER + '\n"next"\n'
    assert err == ""


def test_meta_commands_and_toolbar():
    code, out, err, app = run_typed("SET @Greeting = 'hi'\r:vars\r:context sms\r:attr Tier=Gold\rTier\r"
                                    ":quit\rnever reached\r")
    assert code == 0
    assert out == BANNER + '\n@Greeting = "hi"\ncontext: sms\n"Gold"\n'
    assert err == ""
    assert app.toolbar() == " backend: local   workspace: -   context: sms   (:help)"


def test_toolbar_names_the_workspace():
    session = ReplSession(LocalBackend(), kind="email", backend_name="local", workspace="my-account")
    _, _, _, app = run_typed(CTRL_D, session)
    assert app.toolbar() == " backend: local   workspace: my-account   context: email   (:help)"


def test_highlighting_follows_the_input_kind():
    lexer = ReplLexer()
    code_line = lexer.lex_document(Document('SET @a = "x"'))(0)
    assert code_line == [("class:pygments.keyword", "SET"), ("class:pygments.text.whitespace", " "),
                         ("class:pygments.name.variable", "@a"), ("class:pygments.text.whitespace", " "),
                         ("class:pygments.operator", "="), ("class:pygments.text.whitespace", " "),
                         ("class:pygments.literal.string.double", '"x"')]
    template_line = lexer.lex_document(Document("<b>%%=v(@a)=%%</b>"))(0)
    assert template_line[:4] == [
        ("class:pygments.punctuation", "<"), ("class:pygments.name.tag", "b"),
        ("class:pygments.punctuation", ">"), ("class:pygments.comment.preproc", "%%=")]
    assert lexer.lex_document(Document(":load x.amp"))(0) == [("", ":load x.amp")]


def test_history_lives_in_the_user_data_directory(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert history_path() == str(tmp_path / "ampy" / "history")


# ---- completion and suggestions need the event loop to run between keys ---------------------

async def until(condition, what: str):
    """Wait for the REPL to reach a state (completions are computed asynchronously)."""
    for _ in range(2000):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError(f"the REPL never reached: {what}")


def drive(session, steps, history=None):
    """Run the REPL and type each (keys, condition) step after the previous condition held."""
    out, err = io.StringIO(), io.StringIO()

    async def main():
        with create_pipe_input() as inp:
            app = ReplApp(session, input=inp, output=DummyOutput(), history=history or InMemoryHistory(),
                          out=out, err=err)
            task = asyncio.ensure_future(app.run_async())
            buf = app.prompt_session.default_buffer
            await until(lambda: app.prompt_session.app.is_running, "the prompt")
            for keys, condition, what in steps:
                inp.send_text(keys)
                await until(lambda condition=condition: condition(buf, out), what)
            inp.send_text(CTRL_D)
            return await task

    code = asyncio.run(main())
    return code, out.getvalue(), err.getvalue()


def test_tab_completes_a_function_name():
    steps = [
        ("Concat(Upperc", lambda b, o: b.text == "Concat(Upperc", "typed"),
        (TAB, lambda b, o: b.text == "Concat(Uppercase", "completed"),
        ('("x"))\r', lambda b, o: '"X"' in o.getvalue(), "the echo"),
    ]
    code, out, err = drive(ReplSession(LocalBackend()), steps)
    assert (code, out, err) == (0, BANNER + '\n"X"\n', "")


def test_tab_completes_data_extension_and_column_names(data_dir):
    session = ReplSession(LocalBackend(str(data_dir)))
    steps = [
        ('Lookup("Cust', lambda b, o: b.text == 'Lookup("Cust', "typed"),
        (TAB, lambda b, o: b.text == 'Lookup("Customers', "DE name"),
        ('", "Ti', lambda b, o: b.text == 'Lookup("Customers", "Ti', "typed"),
        (TAB, lambda b, o: b.text == 'Lookup("Customers", "Tier', "column name"),
        ('", "Email", "b@x.com")\r', lambda b, o: '"Silver"' in o.getvalue(), "the echo"),
    ]
    code, out, err = drive(session, steps)
    assert (code, out, err) == (0, BANNER + '\n"Silver"\n', "")


def test_tab_completes_live_variables():
    steps = [
        ("SET @FirstName = 'Ann'\r", lambda b, o: b.text == "", "the first input ran"),
        ("Concat(@fir", lambda b, o: b.text == "Concat(@fir", "typed"),
        (TAB, lambda b, o: b.text == "Concat(@FirstName", "variable"),
        (", '!')\r", lambda b, o: '"Ann!"' in o.getvalue(), "the echo"),
    ]
    code, out, err = drive(ReplSession(LocalBackend()), steps)
    assert (code, out, err) == (0, BANNER + '\n"Ann!"\n', "")


def test_auto_suggestion_from_history():
    history = InMemoryHistory()
    history.append_string('Concat("from", "history")')
    steps = [
        ("Concat(", lambda b, o: b.suggestion is not None and b.suggestion.text == '"from", "history")',
         "the suggestion"),
        (RIGHT + "\r", lambda b, o: '"fromhistory"' in o.getvalue(), "the echo"),
    ]
    code, out, err = drive(ReplSession(LocalBackend()), steps, history=history)
    assert (code, out, err) == (0, BANNER + '\n"fromhistory"\n', "")
