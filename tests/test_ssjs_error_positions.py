"""Where an uncaught SSJS failure is reported: a thrown value that is not an Error at its throw
statement, positions after a wrapped throw on the same line unchanged, and running out of memory at
the allocation when the engine could still record where it was."""

from __future__ import annotations

import pytest

import ampy
from ampy import Limits


def error_of(src: str, limits: Limits | None = None) -> ampy.AmpscriptError:
    with pytest.raises(ampy.AmpscriptError) as info:
        ampy.compile(src, name="p.html").render(limits=limits)
    return info.value


@pytest.mark.parametrize("src, line, col, message", [
    ("<script runat=server>\nvar x = 1;\n  throw {a: 1};</script>", 3, 3, "SSJS: uncaught [object Object]"),
    ("<p>\n<script runat=server>\nvar x = 1; if (x) { throw 'x' + (function () { return 'y'; })(); }</script>",
     3, 21, "SSJS: uncaught xy"),
    ("<script runat=server>\nfunction f() {\n  try { throw 1; } catch (e) { throw e + 1, NaN; }\n}\nf();</script>",
     3, 32, "SSJS: uncaught NaN"),
    ("<script runat=server>\nvar o = {t: function () { throw 'a'; }}; o.t();</script>", 2, 27, "SSJS: uncaught a"),
    ("<script runat=server>\nvar s = 1; throw {\n code: 5 }; nope();</script>", 2, 12,
     "SSJS: uncaught [object Object]"),
    ("<script runat=server>throw null;</script>", 1, 22, "SSJS: uncaught null"),
    ("<script runat=server>var n = 0;</script>%%=v(@x)=%%<script runat=server>\n if (!n) throw 'late';</script>",
     2, 10, "SSJS: uncaught late"),
])
def test_a_thrown_value_that_is_not_an_error_is_placed_at_its_throw(src, line, col, message):
    err = error_of(src)
    assert (err.message, err.line, err.column) == (message, line, col)


def test_the_caret_points_at_the_throw():
    err = error_of("<script runat=server>\nvar x = 1;\n  throw {a: 1};</script>")
    assert str(err) == "p.html:3:3: SSJS: uncaught [object Object]\n      throw {a: 1};</script>\n      ^"


def test_a_rethrown_value_is_placed_at_the_last_throw():
    err = error_of("<script runat=server>\ntry { throw 'x'; }\ncatch (e) { throw e; }</script>")
    assert (err.line, err.column) == (3, 13)


def test_errors_after_a_throw_on_the_same_line_keep_their_columns():
    err = error_of("<script runat=server>\ntry { throw 'x'; } catch (e) {}; nope(1);</script>")
    assert (err.message, err.line, err.column) == ("SSJS: uncaught ReferenceError: 'nope' is not defined", 2, 34)
    err = error_of("<script runat=server>\nif (0) { throw 'a', 'b'; } var q = null; q.x;</script>")
    assert (err.line, err.column) == (2, 43)   # the dot, as without the throw


def test_an_error_object_keeps_the_place_it_was_made():
    err = error_of("<script runat=server>\nvar x = 1; throw new Error('boom');</script>")
    assert (err.message, err.line, err.column) == ("SSJS: uncaught Error: boom", 2, 27)


def test_caught_throws_change_nothing():
    out = ampy.render("<script runat=server>var r = [];\nfor (var i = 0; i < 40; i++) { try { throw i; } "
                      "catch (e) { r.push(e); } }\nPlatform.Response.Write(r.length + ' ' + r[39]);</script>")
    assert out == "40 39"


def test_out_of_memory_at_a_large_allocation_is_placed_there():
    err = error_of("<script runat=server>\nvar a = [];\nfor (var i = 0; ; i++) {\n a[i] = i; }</script>",
                   Limits(js_memory=4_000_000))
    assert err.message.startswith("The script used more than 4000000 bytes of memory")
    assert (err.line, err.column) == (4, 9)
