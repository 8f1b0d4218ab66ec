"""Server-side JavaScript: the bridge between JavaScript and Python host namespaces."""

from datetime import UTC, datetime

import pytest

from ampy.errors import FunctionError
from ampy.runtime.context import RenderContext
from ampy.runtime.rowsets import Row, Rowset
from ampy.ssjs import engine
from ampy.ssjs.bridge import HOSTS, register_host


class Opaque:
    pass


@register_host("Test")
class _TestHost:
    made = 0

    def __init__(self, render):
        type(self).made += 1
        self.render = render

    def echo(self, *args):
        return list(args)

    def kinds(self, *args):
        return [type(a).__name__ for a in args]

    def emit(self, text):
        self.render.write(text)

    def rows(self):
        return Rowset([Row(["A", "B"], [1, "x"]), Row(["A", "B"], [2, "y"])])

    def when(self):
        return datetime(2024, 1, 2, 3, 4, 5)          # system time, UTC-6

    def handle(self):
        return Opaque()

    def same(self, h):
        return isinstance(h, Opaque)

    def fail(self):
        raise FunctionError("bad DE name")

    def crash(self):
        return {}["missing"]


def run(code: str):
    """Run bare script code (no page) and return what it wrote."""
    ctx = RenderContext()
    program = engine.Program(engine.compile_program(code), lambda line, col: (line, col), "t.html", code)
    engine.run(program, ctx)
    return "".join(ctx.out)


def test_hosts_registry_and_one_instance_per_render():
    assert HOSTS["Test"] is _TestHost
    before = _TestHost.made
    assert run('__call("Test", "emit", ["a"]); __call("Test", "emit", ["b"]);') == "ab"
    assert _TestHost.made == before + 1


def test_values_cross_both_ways():
    out = run('var r = __call("Test", "kinds", [1, 2.5, "s", true, null, undefined, [1], {a: 1}, new Date(0), 6/2]);'
              '__call("Test", "emit", [r.join(",")]);')
    assert out == "int,float,str,bool,NoneType,NoneType,list,dict,datetime,int"
    out = run('var r = __call("Test", "echo", [{b: 1, a: [1, "x", null]}, new Date(86400000)]);'
              '__call("Test", "emit", [typeof r[0].a[2] + " " + r[0].a[1] + " " + r[1].getTime()]);')
    assert out == "object x 86400000"
    assert run('var r = __call("Test", "rows", []); __call("Test", "emit", [r.length + r[1].B + r[0].A]);') == "2y1"
    assert run('__call("Test", "emit", [String(__call("Test", "when", []).getTime())]);') == str(
        int(datetime(2024, 1, 2, 9, 4, 5, tzinfo=UTC).timestamp() * 1000))
    assert run('var h = __call("Test", "handle", []);'
               '__call("Test", "emit", [typeof h + " " + __call("Test", "same", [h])]);') == "object true"


def test_a_host_error_is_a_catchable_error_with_message_and_description():
    out = run('try { __call("Test", "fail", []); } catch (e) {'
              ' __call("Test", "emit", [e.message + "|" + e.description + "|" + (e instanceof Error)]); }')
    assert out == "bad DE name|bad DE name|true"


def test_an_internal_bug_is_not_swallowed():
    from ampy.errors import AmpscriptInternalError

    with pytest.raises(AmpscriptInternalError) as info:
        run('try { __call("Test", "crash", []); } catch (e) { }\n__call("Test", "emit", ["after"]);')
    assert "please report it" in str(info.value)


# ---- the REPL and the Pygments lexer
def test_repl_ssjs_mode_runs_javascript_and_echoes_the_last_value():
    import io

    from ampy.repl.session import ReplSession, run_script

    session = ReplSession()
    out, err = io.StringIO(), io.StringIO()
    script = (':ssjs on\nvar a = [1, {b: "x"}];\nWrite("hi");\nif (true) {\n  Write("in");\n}\n'
              '"s" + [1, 2].length\nPlatform.Variable.SetValue("@v", 5)\nlet x = 1;\n:ssjs off\n@v\n')
    assert run_script(session, script, out, err) == 1
    assert out.getvalue().splitlines()[1:] == ["hi", "in", '"s2"', "null", "SSJS mode off: code is AMPscript.", "5"]
    assert err.getvalue() == ("<repl>:1:1: SSJS: 'let' is ES2015 syntax; the platform's engine (ES3/ES5) refuses "
                              "it\n    let x = 1;\n    ^\n")


def test_repl_accepts_server_script_blocks_and_waits_for_their_end():
    from ampy.repl.session import COMPLETE, INCOMPLETE, INVALID, ReplSession, input_status

    assert input_status("<script runat=server>\nvar a = 1;") == INCOMPLETE
    assert input_status("<script runat=server>\nvar a = 1;</script>") == COMPLETE
    assert input_status("if (a) {", ssjs=True) == INCOMPLETE
    assert input_status("if (a) { }", ssjs=True) == COMPLETE
    assert input_status("var a = (;", ssjs=True) == INVALID
    outcome = ReplSession().execute('<script runat=server>Platform.Load("core");Write("t");</script>!')
    assert (outcome.output, outcome.error) == ("t!", None)


def test_pygments_lexer_highlights_server_javascript_as_javascript():
    from pygments.token import Comment, Keyword, Name

    from ampy.repl.lexer import AmpscriptLexer

    src = ('<p>%%=v(@a)=%%</p><script runat="server">var a = 1;</script>'
           '<script runat=server language=ampscript>SET @a = 1</script>')
    tokens = [(t, v) for t, v in AmpscriptLexer().get_tokens(src) if v.strip()]
    at = tokens.index((Comment.Preproc, '<script runat="server">'))
    assert tokens[at + 1] == (Keyword.Declaration, "var")
    assert tokens[at + 2] == (Name.Other, "a")
    assert (Comment.Preproc, "<script runat=server language=ampscript>") in tokens
    assert (Keyword, "SET") in tokens


def test_library_objects_are_set_up_on_first_use_and_core_ones_with_the_load():
    import ampy
    from ampy.ssjs import engine

    library = engine._library_bytecode()
    assert ("Script" in library.lazy_top, "DataExtension" in library.lazy_core) == (True, True)
    src = ("<script runat=server>Platform.Variable.SetValue('@before', typeof DataExtension);"
           "Platform.Load('core', '1');Write(Variable.GetValue('@before') + ' ' + typeof DataExtension + ' ' "
           "+ typeof DataExtension.Init + ' ' + typeof HTTP.Get);"
           "Subscriber = 5; Write(' ' + Subscriber + ' ' + typeof Email.Init);</script>")
    assert ampy.render(src) == "undefined function function function 5 function"
    src = ("<script runat=server>var p = new Script.Util.WSProxy();Platform.Load('core', '1');"
           "Write(typeof p.retrieve + ' ' + typeof HTTP.Get + ' ' + typeof Script.Util.HttpRequest);</script>")
    assert ampy.render(src) == "function function function"
