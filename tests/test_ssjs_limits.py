"""The render's limits apply to server-side JavaScript: wall time (an endless loop), memory (a huge
allocation), output size; the script cannot catch its way past them."""

from __future__ import annotations

import pytest

import ampy
from ampy import Limits
from ampy.limits import parse_limit

LOAD = 'Platform.Load("core", "1");'


def error_of(src: str, limits: Limits) -> ampy.AmpscriptError:
    with pytest.raises(ampy.AmpscriptRuntimeError) as info:
        ampy.compile(src, name="spin.html").render(limits=limits)
    return info.value


def test_an_endless_loop_stops_at_the_wall_time():
    err = error_of("<p>\n<script runat=server>\nvar i = 0;\nwhile (true) { i++; }</script>", Limits(wall_time=0.2))
    assert str(err) == ("spin.html:2:22: The render ran longer than 0.2 seconds (limit wall_time; raise it in "
                        "ampy.toml [limits] wall_time or --limit wall_time=N)\n"
                        "    <script runat=server>\n"
                        "                         ^")


def test_a_catch_does_not_swallow_the_interrupt():
    src = ("<script runat=server>" + LOAD + "try { for (;;) {} } catch (e) { Write('caught'); }"
           "Write('after');</script>")
    assert "limit wall_time" in error_of(src, Limits(wall_time=0.2)).message


def test_a_huge_allocation_stops_at_the_memory_limit():
    src = "<script runat=server>\nvar a = [];\nfor (;;) { a.push('some text ' + a.length); }</script>"
    err = error_of(src, Limits(js_memory=4_000_000))
    assert err.message == ("The script used more than 4000000 bytes of memory (limit js_memory; raise it in "
                           "ampy.toml [limits] js_memory or --limit js_memory=N)")
    assert (err.line, err.column) == (1, 22)   # no stack is left: the block's start


def test_the_memory_limit_is_not_caught_by_the_script():
    src = ("<script runat=server>" + LOAD + "var a = [];\ntry { for (;;) { a.push([a.length]); } } catch (e) { }\n"
           "Write(a.length);</script>")
    err = error_of(src, Limits(js_memory=8_000_000))
    assert "limit js_memory" in err.message


def test_a_script_may_throw_null_itself():
    with pytest.raises(ampy.AmpscriptRuntimeError, match="SSJS: uncaught null"):
        ampy.render("<script runat=server>throw null;</script>")


def test_output_size_counts_script_writes():
    src = "<script runat=server>\nfor (;;) { Platform.Response.Write('0123456789'); }</script>"
    err = error_of(src, Limits(output_size=50_000))
    assert err.message == ("The render wrote more than 50000 characters (limit output_size; raise it in "
                           "ampy.toml [limits] output_size or --limit output_size=N)")
    assert (err.line, err.column) == (2, 35)   # the call's parenthesis


def test_output_size_counts_text_between_blocks_and_writes_together():
    src = ("<script runat=server>for (var i = 0; i < 100; i++) {</script>" + "x" * 100
           + "<script runat=server>}</script>")
    assert "limit output_size" in error_of(src, Limits(output_size=5_000)).message
    assert ampy.compile(src).render(limits=Limits(output_size=20_000)) == "x" * 10_000


def test_js_memory_is_a_limit_like_the_others():
    assert Limits().js_memory == 64 * 1024 * 1024
    assert parse_limit("js_memory", "1000000") == 1_000_000
    with pytest.raises(ValueError, match="js_memory must be greater than 0"):
        parse_limit("js_memory", "0")


def test_limits_from_settings_apply(tmp_path):
    from ampy.settings import load_settings

    path = tmp_path / "ampy.toml"
    path.write_text("[limits]\njs_memory = 3000000\n", encoding="utf-8")
    settings = load_settings(str(path))
    assert settings.limits.js_memory == 3_000_000
    src = "<script runat=server>var a = []; for (;;) { a.push([a.length]); }</script>"
    with pytest.raises(ampy.AmpscriptRuntimeError, match="more than 3000000 bytes"):
        ampy.compile(src).render(settings=settings)


def test_a_limit_reached_by_ampscript_between_blocks_is_not_caught_by_the_script():
    src = ("<script runat=server>" + LOAD + "try {</script>%%[ FOR @i = 1 TO 5000 DO ]%%x%%[ NEXT @i ]%%"
           "<script runat=server>} catch (e) { Write('caught'); }</script>")
    err = error_of(src, Limits(loop_iterations=1000))
    assert err.message == ("The FOR loop would run 5000 iterations, more than 1000 (limit loop_iterations; raise it "
                           "in ampy.toml [limits] loop_iterations or --limit loop_iterations=N)")
    assert (err.line, err.column) == (1, 67)   # the FOR
