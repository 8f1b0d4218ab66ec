"""`ampy repl` as a command: piped stdin runs entries as a script; a real terminal gets the REPL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pexpect

ROOT = Path(__file__).resolve().parent.parent


def _env(tmp_path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(PYTHONPATH=str(ROOT), HOME=str(tmp_path / "home"), XDG_DATA_HOME=str(tmp_path / "data"),
               TERM="xterm", PROMPT_TOOLKIT_NO_CPR="1")
    return env


def repl(args, stdin: str, tmp_path):
    return subprocess.run([sys.executable, "-m", "ampy", "repl", *args], input=stdin, capture_output=True,
                          text=True, env=_env(tmp_path), cwd=ROOT, timeout=120, check=False)


def test_piped_stdin_runs_entries_and_prints_results(tmp_path):
    script = ('SET @n = 2\n'
              'IF @n == 2 THEN\n'
              '  Output(Concat("two"))\n'
              'ENDIF\n'
              '@n\n'
              'Hello %%=v(@n)=%%\n'
              ':vars\n')
    done = repl([], script, tmp_path)
    assert done.returncode == 0
    assert done.stdout == 'two\n2\nHello 2\n@n = 2\n'
    assert done.stderr == ""


def test_piped_errors_go_to_stderr_and_set_the_exit_status(tmp_path):
    done = repl(["--context", "email"], 'Output(Concat("x"))\n"still running"\nIF 1 == 1 THEN\n', tmp_path)
    assert done.returncode == 1
    assert done.stdout == '"still running"\n'
    assert done.stderr == (
        "<repl>:1:1: Output is not allowed in email content"
        " (19691: function name not recognised in email; use OutputLine)\n"
        "    Output(Concat(\"x\"))\n"
        "    ^\n"
        "<repl>:1:1: IF without ENDIF\n"
        "    IF 1 == 1 THEN\n"
        "    ^\n")


def test_piped_with_data_and_attributes(tmp_path):
    data = tmp_path / "de"
    data.mkdir()
    (data / "Customers.csv").write_text("Email,Tier\na@x.com,Gold\nb@x.com,Silver\n", encoding="utf-8")
    script = 'Lookup("Customers", "Tier", "Email", Email)\nLookupRows("Customers", "Tier", "gold")\n'
    done = repl(["--data", str(data), "--attr", "Email=b@x.com"], script, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == '"Silver"\nEmail   | Tier\n--------+-----\na@x.com | Gold\n(1 row)\n'


def test_bad_workspace_is_a_usage_error(tmp_path):
    done = repl(["--workspace", str(tmp_path / "missing")], "", tmp_path)
    assert done.returncode == 2
    assert done.stderr == f"ampy: workspace {tmp_path / 'missing'} is not a folder\n"


def test_terminal_session_multiline_if_and_ctrl_d(tmp_path):
    child = pexpect.spawn(sys.executable, ["-m", "ampy", "repl"], cwd=str(ROOT), env=_env(tmp_path),
                          encoding="utf-8", timeout=60, dimensions=(30, 120))
    try:
        child.expect_exact("Type :help for commands")
        child.expect_exact("ampy>")
        child.send("SET @who = 'world'\r")
        child.expect_exact("ampy>")
        child.send("IF @who == 'WORLD' THEN\r")
        child.expect_exact("...")          # the parser keeps the IF open: a continuation line
        child.send("Output(Concat('hello ', @who))\r")
        child.send("ENDIF\r")
        child.expect_exact("hello world")
        child.expect_exact("ampy>")
        child.sendcontrol("d")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    history = (tmp_path / "data" / "ampy" / "history").read_text(encoding="utf-8")
    assert "+IF @who == 'WORLD' THEN\n+  Output(Concat('hello ', @who))\n+  ENDIF\n" in history
