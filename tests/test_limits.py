"""The resource budget of a render (ampy.limits): each limit stops a runaway template with a
positioned error that names the limit, each is configurable in ampy.toml, on the CLI and in the
Python API, and the constructs that used to hit hard-coded bounds or quadratic time work."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest
from cloud_support import new_workspace, obj, open_workspace, wait_for_tasks

import ampy
from ampy import Limits
from ampy.errors import AmpscriptRuntimeError, AmpscriptSyntaxError
from ampy.runtime.context import RenderContext
from ampy.settings import load_settings
from ampy.template import Template, compile_template

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def how(name: str) -> str:
    return f"(limit {name}; raise it in ampy.toml [limits] {name} or --limit {name}=N)"


def fails(source: str, **kw) -> ampy.AmpscriptError:
    with pytest.raises(ampy.AmpscriptError) as info:
        ampy.render(source, **kw)
    return info.value


def where(err: ampy.AmpscriptError) -> tuple[str, int, int, str]:
    return err.name, err.line, err.column, err.message


# ---- each limit, hit -------------------------------------------------------------------------

def test_one_for_loop_is_refused_up_front_past_loop_iterations():
    src = "%%[ SET @n = 0 ]%%\n%%[ FOR @i = 1 TO 2147483647 DO SET @n = Add(@n, 1) NEXT ]%%"
    err = fails(src, name="loop.amp")
    assert where(err) == ("loop.amp", 2, 5, "The FOR loop would run 2147483647 iterations, more than 1000000 "
                          + how("loop_iterations"))
    assert ampy.render("%%[ FOR @i = 5 DOWNTO 1 DO ]%%%%=v(@i)=%%%%[ NEXT ]%%",
                       limits=Limits(loop_iterations=5)) == "54321"
    err = fails("%%[ FOR @i = 5 DOWNTO 0 DO ]%%x%%[ NEXT ]%%", limits=Limits(loop_iterations=5))
    assert err.message.startswith("The FOR loop would run 6 iterations, more than 5 ")


def test_nested_loops_share_total_iterations():
    src = "%%[ FOR @i = 1 TO 10 DO\n  FOR @j = 1 TO 10 DO\n  NEXT\nNEXT ]%%done"
    assert ampy.render(src, limits=Limits(total_iterations=110)) == "done"
    err = fails(src, limits=Limits(total_iterations=109))
    assert where(err) == ("<string>", 2, 3, "The FOR loops of this render would run more than 109 iterations "
                          "in total " + how("total_iterations"))


def test_wall_time_stops_a_long_loop_at_the_loop():
    src = "%%[\nFOR @i = 1 TO 1000000 DO\n  SET @x = Concat(@i, Uppercase('abc'))\nNEXT\n]%%"
    err = fails(src, limits=Limits(wall_time=0.05))
    assert where(err) == ("<string>", 2, 1, "The render ran longer than 0.05 seconds " + how("wall_time"))


def test_wall_time_is_checked_where_content_runs():
    ctx = RenderContext(limits=Limits(wall_time=1.0))
    ctx.deadline -= 2  # as if the render had started two seconds ago
    tpl = Template('%%=TreatAsContent("%%=v(1)=%%")=%%', name="page.amp")
    with pytest.raises(AmpscriptRuntimeError) as info:
        tpl.run(ctx)
    assert where(info.value) == ("page.amp", 1, 4, "TreatAsContent: The render ran longer than 1 seconds "
                                 + how("wall_time"))


def test_output_size_in_a_loop_and_for_the_whole_render():
    src = "%%[ FOR @i = 1 TO 100000 DO ]%%0123456789%%[ NEXT ]%%"
    err = fails(src, limits=Limits(output_size=5000))
    assert where(err) == ("<string>", 1, 5, "The render wrote more than 5000 characters " + how("output_size"))
    assert len(ampy.render(src, limits=Limits(output_size=1_000_000))) == 1_000_000
    # No loop: the finished output is measured.
    err = fails("%%[ SET @s = Char(65, 600) ]%%%%=v(@s)=%%%%=v(@s)=%%", limits=Limits(output_size=1000))
    assert where(err) == ("<string>", 1, 1, "The render wrote more than 1000 characters " + how("output_size"))


@pytest.mark.parametrize("source, column, what", [
    ('%%=Concat(@s, @s, "x")=%%', 4, "Concat: The result would be 201 characters long"),
    ('%%=Replace(@s, "a", "bb")=%%', 4, "Replace: The result would be 200 characters long"),
    ('%%=ReplaceList(@s, "bb", "q", "a")=%%', 4, "ReplaceList: The result would be 200 characters long"),
    ('%%=Char(66, 101)=%%', 4, "Char: The result would be 101 characters long"),
    ('%%=StringToHex(@s)=%%', 4, "StringToHex: The result would be 200 characters long"),
    ('%%=Base64Encode(@s)=%%', 4, "Base64Encode: The result would be 136 characters long"),
    ('%%=TreatAsContent("%%=v(@s)=%%%%=v(@s)=%%")=%%', 4,
     "TreatAsContent: The content's output would be 200 characters long"),
])
def test_string_size_limits_what_a_builtin_builds(source, column, what):
    src = '%%[ SET @s = Char(97, 100) ]%%' + source
    err = fails(src, limits=Limits(string_size=100))
    assert where(err) == ("<string>", 1, 30 + column, f"{what}, more than 100 " + how("string_size"))


def test_string_size_limits_format_results():
    src = '%%=Format(Concat("1", Char(48, 60)), "N2")=%%'
    assert len(ampy.render(src)) == 84
    err = fails(src, limits=Limits(string_size=80))
    assert where(err) == ("<string>", 1, 4, "Format: The result would be 84 characters long, more than 80 "
                          + how("string_size"))


def test_concat_onto_a_variable_is_refused_with_the_variable_intact():
    ctx = RenderContext(limits=Limits(string_size=10))
    Template("%%[ SET @s = 'abcdefgh' ]%%").run(ctx)
    with pytest.raises(AmpscriptRuntimeError) as info:
        Template("%%[\nSET @s = Concat(@s, 'xyz') ]%%").run(ctx)
    assert where(info.value) == ("<string>", 2, 10, "Concat: The result would be 11 characters long, more than "
                                 "10 " + how("string_size"))
    assert ctx.vars["@s"] == "abcdefgh"


def test_a_catastrophic_regex_stops_at_regex_timeout():
    src = '%%[ SET @s = Char(97, 30) ]%%\n%%=RegExMatch(Concat(@s, "b"), "^(a|a)*$", 0)=%%'
    err = fails(src, limits=Limits(regex_timeout=0.1))
    assert where(err) == ("<string>", 2, 4, "RegExMatch: The regular expression ran longer than 0.1 seconds "
                          + how("regex_timeout"))
    assert ampy.render('%%=RegExMatch("aaab", "^(a|a)*b$", 0)=%%', limits=Limits(regex_timeout=0.1)) == "aaab"


def test_include_depth_bounds_content_inside_content():
    src = "%%[ SET @s = '%%[ SET @n = Add(@n, 1) ]%%%%=TreatAsContent(@s)=%%' SET @n = 0 ]%%%%=TreatAsContent(@s)=%%"
    err = fails(src)
    assert err.message == ("TreatAsContent: Content nested more than 30 levels deep (a block including itself?) "
                           + how("include_depth"))
    err = fails(src, limits=Limits(include_depth=3))
    assert err.message.startswith("TreatAsContent: Content nested more than 3 levels deep")
    block = "%%[ IF @n < 5 THEN SET @n = Add(@n, 1) ]%%%%=TreatAsContent(@s)=%%%%[ ENDIF ]%%"
    ok = f"%%[ SET @s = '{block}' SET @n = 0 ]%%%%=TreatAsContent(@s)=%%%%=v(@n)=%%"
    assert ampy.render(ok, limits=Limits(include_depth=6)) == "5"
    assert fails(ok, limits=Limits(include_depth=5)).message.startswith("TreatAsContent: Content nested more than 5")


def _nested_ifs(n: int) -> str:
    return "%%[ SET @x = 'no'\n" + "IF 1 == 1 THEN " * n + "SET @x = 'deep' " + "ENDIF " * n + "]%%%%=v(@x)=%%"


def test_nesting_depth_is_a_syntax_error_at_the_deepest_construct():
    assert ampy.render(_nested_ifs(200)) == "deep"
    with pytest.raises(AmpscriptSyntaxError) as info:
        ampy.compile(_nested_ifs(201), name="deep.amp")
    assert where(info.value) == ("deep.amp", 2, 3001, "The template nests IF/FOR/function calls more than 200 "
                                 "levels deep " + how("nesting_depth"))
    assert ampy.render(_nested_ifs(201), limits=Limits(nesting_depth=250)) == "deep"
    # The template compiled under a higher limit is cached; a lower limit still refuses it.
    with pytest.raises(AmpscriptSyntaxError) as info:
        compile_template(_nested_ifs(201), limits=Limits(nesting_depth=100))
    assert (info.value.line, info.value.column) == (2, 1501)
    assert info.value.message.startswith("The template nests IF/FOR/function calls more than 100 levels deep")


def test_template_size_is_checked_before_parsing():
    src = "line one\nline two is here %%=v(1)=%%\n"
    with pytest.raises(AmpscriptSyntaxError) as info:
        ampy.compile(src, name="big.amp", limits=Limits(template_size=20))
    assert where(info.value) == ("big.amp", 2, 12, f"The template is {len(src)} characters long, more than 20 "
                                 + how("template_size"))
    assert str(info.value).splitlines()[1:] == ["    line two is here %%=v(1)=%%", "               ^"]
    assert ampy.render(src, limits=Limits(template_size=len(src))) == "line one\nline two is here 1\n"


# ---- deep and long templates compile ----------------------------------------------------------

@pytest.mark.parametrize("joiner, expected", [(" OR ", "yes"), (" AND ", "no")])
def test_a_flat_chain_of_many_terms_is_not_deep(joiner, expected):
    terms = joiner.join(f"@a == {k}" for k in range(400))
    assert ampy.render(f"%%[ SET @a = 7 IF {terms} THEN ]%%yes%%[ ELSE ]%%no%%[ ENDIF ]%%") == expected
    src = "%%[ SET @a = 7 IF " + " OR ".join(f"@a == {k}" for k in range(80)) + " THEN ]%%80 terms%%[ ENDIF ]%%"
    assert ampy.render(src) == "80 terms"
    mixed = " OR ".join(f"(@a > {k} AND @a < {k + 2})" for k in range(100))
    assert ampy.render(f"%%[ SET @a = 50 IF {mixed} THEN ]%%mixed%%[ ENDIF ]%%") == "mixed"


def test_deep_expressions_and_loops_within_the_limit_render():
    assert ampy.render("%%=" + "Concat('a', " * 200 + "'b'" + ")" * 200 + "=%%") == "a" * 200 + "b"
    assert fails("%%=" + "Concat('a', " * 201 + "'b'" + ")" * 201 + "=%%").column == 4 + 12 * 200 + 7
    assert ampy.render("%%=" + "IIf(true, " * 150 + "'x'" + ", 'z')" * 150 + "=%%") == "x"
    assert ampy.render("%%[ IF " + "NOT " * 151 + "false THEN ]%%t%%[ ELSE ]%%f%%[ ENDIF ]%%") == "t"
    loops = "".join(f"FOR @i{k} = 1 TO 1 DO " for k in range(60))
    assert ampy.render(f"%%[ SET @n = 0 {loops} SET @n = Add(@n, 1) {'NEXT ' * 60}]%%%%=v(@n)=%%") == "1"
    err = fails("%%[ SET @x = " + "Concat(" * 100 + "RaiseError('boom')" + ")" * 100 + " ]%%")
    assert (err.line, err.column, err.message) == (1, 714, "RaiseError: boom")


def test_a_long_template_runs_and_reports_errors_on_the_right_line():
    lines = ["%%[ SET @n = 0 ]%%"]
    lines += [f"row {k}: %%=v(@n)=%% %%[ SET @n = Add(@n, 1) IF @n > 0 THEN SET @m = @n ENDIF ]%%" for k in range(1000)]
    src = "\n".join(lines) + "\n"
    assert ampy.render(src) == "\n" + "".join(f"row {k}: {k} \n" for k in range(1000))
    err = fails(src + "%%=Add(@m, 'x')=%%\n")
    assert (err.line, err.column, err.message) == (1002, 4, "Add: The second number 'x' is not a number")


# ---- linear string work ------------------------------------------------------------------------

def test_case_insensitive_replace_on_a_large_input_is_exact():
    text = "Hello World, hello WORLD; " * 40_000  # 1,040,000 characters, 80,000 hits each way
    src = '%%=Replace(@t, "hello world", "Hi")=%%'
    ctx = RenderContext()
    ctx.vars["@t"] = text
    Template(src).run(ctx)
    assert "".join(ctx.out) == "Hi, Hi; " * 40_000
    ctx.out = []
    Template('%%=ReplaceList(@t, "*", "world", "HELLO")=%%').run(ctx)
    assert "".join(ctx.out) == "* *, * *; " * 40_000
    ctx.out = []
    Template('%%=IndexOf(@t, "WORLD;", 39999)=%%').run(ctx)
    assert "".join(ctx.out) == str(26 * 39_998 + 20)


def test_replace_keeps_letters_whose_lower_case_changes_length():
    assert ampy.render('%%=Replace("xİyİz", "İ", "-")=%%') == "x-y-z"
    assert ampy.render('%%=Replace("abcABC", "B", "")=%%') == "acAC"
    assert ampy.render('%%=IndexOf("aİbİc", "İ", 2)=%%') == "4"


def test_concat_onto_a_variable_in_a_loop_builds_the_exact_text():
    src = ("%%[ SET @s = '' SET @other = ''\nFOR @i = 1 TO 20000 DO\n  SET @s = Concat(@s, @i, ',')\n"
           "  IF @i == 3 THEN SET @other = @s ENDIF\nNEXT ]%%"
           "%%=Length(@s)=%% %%=v(@other)=%% %%=Substring(@s, 1, 8)=%%")
    expected_length = sum(len(str(i)) + 1 for i in range(1, 20001))
    assert ampy.render(src) == f"{expected_length} 1,2,3, 1,2,3,4,"
    # A number variable becomes its text; another argument may read the variable first.
    assert ampy.render("%%[ SET @s = 5 SET @s = Concat(@s, Length(@s), @s) ]%%%%=v(@s)=%%") == "515"


# ---- configured three ways ---------------------------------------------------------------------

def test_limits_from_ampy_toml(tmp_path):
    path = tmp_path / "ampy.toml"
    path.write_text("[limits]\nloop_iterations = 50\nwall_time = 2.5\nstring_size = 1e6\n", encoding="utf-8")
    limits = load_settings(str(path)).limits
    assert (limits.loop_iterations, limits.wall_time, limits.string_size) == (50, 2.5, 1_000_000)
    assert limits.output_size == Limits().output_size


@pytest.mark.parametrize("body, message", [
    ("loop_iteration = 5", "[limits] unknown limit 'loop_iteration' (the limits are wall_time, loop_iterations, "
                           "total_iterations, output_size, string_size, regex_timeout, include_depth, "
                           "nesting_depth, template_size, http_total_time, js_memory)"),
    ("wall_time = 0", "[limits] wall_time must be greater than 0, not 0"),
    ("wall_time = inf", "[limits] wall_time must be a finite number, not inf"),
    ("loop_iterations = 2.5", "[limits] loop_iterations must be a whole number, not 2.5"),
    ("loop_iterations = true", "[limits] loop_iterations must be a number, not True"),
    ("output_size = '10'", "[limits] output_size must be a number, not '10'"),
    ("[limits.wall_time]", "[limits] wall_time must be a number, not {}"),
])
def test_a_bad_limit_in_ampy_toml_names_file_and_key(tmp_path, body, message):
    path = tmp_path / "ampy.toml"
    path.write_text(f"[limits]\n{body}\n", encoding="utf-8")
    with pytest.raises(ValueError) as info:
        load_settings(str(path))
    assert str(info.value) == f"{path}: {message}"


def test_a_workspace_renders_under_its_limits(tmp_path):
    root = new_workspace(tmp_path)
    with open(os.path.join(root, "ampy.toml"), "a", encoding="utf-8") as f:
        f.write("\n[limits]\nloop_iterations = 3\n")
    backend = open_workspace(root)
    try:
        src = "%%[ FOR @i = 1 TO 4 DO ]%%x%%[ NEXT ]%%"
        err = fails(src, backend=backend)
        assert err.message.startswith("The FOR loop would run 4 iterations, more than 3 ")
        # The Python API overrides the workspace.
        assert ampy.render(src, backend=backend, limits=Limits(loop_iterations=4)) == "xxxx"
        assert compile_template(src).render(backend=backend, limits=Limits(loop_iterations=4)) == "xxxx"
    finally:
        backend.close()


def _cli(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "ampy", *args], input=stdin, capture_output=True, text=True,
                          cwd=ROOT, timeout=120)


def test_cli_limit_option(tmp_path):
    src = "%%[ FOR @i = 1 TO 4 DO ]%%x%%[ NEXT ]%%"
    p = _cli("run", "-", "--limit", "loop_iterations=3", "--limit", "wall_time=10", stdin=src)
    assert (p.returncode, p.stdout) == (1, "")
    assert p.stderr.splitlines()[0] == ("<stdin>:1:5: The FOR loop would run 4 iterations, more than 3 "
                                        + how("loop_iterations"))
    p = _cli("run", "-", "--limit", "loop_iterations=4", stdin=src)
    assert (p.returncode, p.stdout, p.stderr) == (0, "xxxx", "")
    p = _cli("repl", "--limit", "loop_iterations=2", stdin="FOR @i = 1 TO 3 DO NEXT\n")
    assert "The FOR loop would run 3 iterations, more than 2" in p.stdout + p.stderr


@pytest.mark.parametrize("value, message", [
    ("loops=5", "ampy: --limit unknown limit 'loops' (the limits are"),
    ("wall_time=soon", "ampy: --limit wall_time must be a number, not 'soon'"),
    ("string_size=-4", "ampy: --limit string_size must be greater than 0, not '-4'"),
    ("string_size", "ampy: --limit must look like NAME=VALUE, got 'string_size'"),
])
def test_a_bad_cli_limit_is_a_usage_error(value, message):
    p = _cli("run", "-", "--limit", value, stdin="x")
    assert (p.returncode, p.stdout) == (2, "")
    assert p.stderr.startswith(message)


def test_render_keeps_limit_n_for_rows_next_to_render_limits(tmp_path):
    data = tmp_path / "d"
    data.mkdir()
    (data / "People.csv").write_text("Id,Name\n1,Ann\n2,Bo\n3,Cy\n", encoding="utf-8")
    tpl = tmp_path / "t.amp"
    tpl.write_text("%%[ FOR @i = 1 TO 2 DO ]%%%%=v(Name)=%%%%[ NEXT ]%%", encoding="utf-8")
    p = _cli("render", str(tpl), "--de", "People", "--data", str(data), "--limit", "2")
    assert (p.returncode, p.stdout) == (0, "AnnAnn\nBoBo\n")
    p = _cli("render", str(tpl), "--de", "People", "--data", str(data), "--limit", "2",
             "--limit", "loop_iterations=1")
    assert p.returncode == 1
    assert p.stderr.splitlines()[0].startswith("row 1 (1): ")
    assert "The FOR loop would run 2 iterations, more than 1" in p.stderr


# ---- sends ---------------------------------------------------------------------------------------

def test_a_send_whose_template_runs_away_fails_that_subscriber(backend, root):
    backend.api_update([obj("Email", ID="1", HTMLBody=(
        '%%[ IF AttributeValue("Tier") == "Gold" THEN FOR @i = 1 TO 2147483647 DO NEXT ENDIF ]%%'
        'Hi %%FirstName%%'))])
    r = backend.api_perform("start", [obj("EmailSendDefinition", CustomerKey="WelcomeSend")])
    job = r.results[0].task["ID"]
    (task,) = wait_for_tasks(backend, TaskID=job)
    assert task["Status"] == "Complete"
    with sqlite3.connect(os.path.join(root, ".ampy", "store.sqlite")) as db:
        (detail,) = db.execute("SELECT detail FROM ampy_task WHERE id=?", (int(job),)).fetchone()
    assert detail.startswith("1 sent, 2 errored (first error: ")
    assert detail.endswith(": The FOR loop would run 2147483647 iterations, more than 1000000 "
                           + how("loop_iterations") + ")")


@pytest.mark.parametrize("name", Limits.names())
def test_every_limit_is_set_the_same_three_ways(tmp_path, name):
    import argparse

    from ampy.commands._common import limit_overrides

    path = tmp_path / "ampy.toml"
    path.write_text(f"[limits]\n{name} = 7\n", encoding="utf-8")
    from_toml = load_settings(str(path)).limits
    from_cli, rows = limit_overrides(argparse.Namespace(limit=[f"{name}=7"]))
    from_api = Limits().with_overrides(**{name: 7})
    assert getattr(from_toml, name) == from_cli[name] == getattr(from_api, name) == 7
    assert rows is None
    assert from_toml == Limits().with_overrides(**from_cli) == from_api


def test_limits_built_in_python_are_checked_like_the_others():
    assert Limits(string_size=1e6).string_size == 1_000_000
    assert isinstance(Limits(string_size=1e6).string_size, int)
    with pytest.raises(ValueError) as info:
        Limits(loop_iterations=0)
    assert str(info.value) == "loop_iterations must be greater than 0, not 0"
    with pytest.raises(ValueError) as info:
        Limits().with_overrides(regex_timeout=float("nan"))
    assert str(info.value) == "regex_timeout must be a finite number, not nan"
    with pytest.raises(TypeError) as info:
        ampy.render("x", limits={"wall_time": 1})
    assert str(info.value) == "limits must be an ampy.Limits, not dict"


def test_scanning_as_parsing_keeps_which_syntax_error_is_reported():
    # The parser reads tokens as they are scanned (compile memory); a scanning error later in the
    # source is still the one reported, as when the whole source was scanned first.
    cases = {
        '%%[ SET @a = ) ]%%\nok\n%%[ SET @b = "unterminated ]%%': ("<string>:3:14: Unterminated string", True),
        "%%[ SET @a = ) ]%%": ("<string>:1:14: Unexpected ')'", False),
        "%%[ IF 1 == 1 THEN ]%% x": ("<string>:1:5: IF without ENDIF", True),
        "%%[ SET @a = 1 ": ("<string>:1:1: Missing ']%%': the block opened here is never closed", True),
    }
    for source, (first_line, incomplete) in cases.items():
        with pytest.raises(AmpscriptSyntaxError) as info:
            ampy.compile(source)
        assert (str(info.value).splitlines()[0], info.value.incomplete) == (first_line, incomplete)
