"""Renders on one thread share a QuickJS runtime, each in a fresh context: nothing a script changes
reaches the next render, the memory limit counts per render, the runtime's heap goes back to what it
was after each render, and nested renders and other threads get runtimes of their own."""

from __future__ import annotations

import threading

import pytest

import ampy
from ampy import Limits
from ampy.ssjs import runtimes

MUTATE = """<script runat=server>
Platform.Response.Write("changed");
leaked = "global";
var declared = 1;
Array.prototype.extra = function () { return "extra"; };
Object.prototype.polluted = true;
String.prototype.trim = function () { return "trimmed"; };
Date.prototype.getHours = function () { return 99; };
Math.max = function () { return -1; };
Platform.Function.Lookup = function () { return "hijacked"; };
delete Array.prototype.push;
Object.defineProperty(Object.prototype, "frozen", {value: 1, configurable: false});
</script>"""

CHECK = """<script runat=server>
Platform.Response.Write([typeof leaked, typeof declared, typeof [].extra, typeof ({}).polluted,
    typeof "".trim, new Date(2024, 0, 1, 5).getHours(), Math.max(1, 2), typeof [].push,
    typeof ({}).frozen, typeof Platform.Function.Lookup("x", "y", "z", "w")].join(","));
</script>"""

CLEAN = "undefined,undefined,undefined,undefined,undefined,5,2,function,undefined,object"


def test_no_global_or_prototype_change_survives_into_the_next_render():
    check = ampy.compile(CHECK)
    with pytest.raises(ampy.AmpscriptError):
        check.render()      # Lookup of an unknown data extension fails: what a clean context does
    ok = ampy.compile(CHECK.replace('typeof Platform.Function.Lookup("x", "y", "z", "w")',
                                    'typeof Platform.Function.Lookup'))
    expected = CLEAN.replace(",object", ",function")
    assert ok.render() == expected
    assert ampy.render(MUTATE) == "changed"
    rt = runtimes._local.runtime
    assert ok.render() == expected
    assert runtimes._local.runtime is rt      # the same runtime, a fresh context


def test_the_heap_goes_back_after_each_render():
    page = ampy.compile("<script runat=server>var a = []; for (var i = 0; i < 2000; i++) "
                        "{ var o = {i: i}; o.self = o; a.push(o); } Platform.Response.Write(a.length);</script>")
    assert page.render() == "2000"
    rt = runtimes._local.runtime
    before = rt.compute_memory_usage()["malloc_size"]
    for _ in range(20):
        assert page.render() == "2000"
    assert runtimes._local.runtime is rt
    assert rt.compute_memory_usage()["malloc_size"] == before


def test_the_memory_limit_counts_per_render():
    page = ampy.compile("<script runat=server>var a = []; for (var i = 0; i < 20000; i++) a.push([i]);"
                        "Platform.Response.Write(a.length);</script>")
    limits = Limits(js_memory=4_000_000)   # the page needs about 3.2 MB
    for _ in range(5):   # each render may use most of it again
        assert page.render(limits=limits) == "20000"
    with pytest.raises(ampy.AmpscriptRuntimeError, match="more than 2500000 bytes"):
        page.render(limits=Limits(js_memory=2_500_000))


def test_a_failed_render_gives_the_thread_a_new_runtime():
    assert ampy.render("<script runat=server>Platform.Response.Write(1)</script>") == "1"
    rt = runtimes._local.runtime
    with pytest.raises(ampy.AmpscriptRuntimeError):
        ampy.render("<script runat=server>var a = []; for (;;) a.push([a.length]);</script>",
                    limits=Limits(js_memory=2_000_000))
    assert ampy.render("<script runat=server>Platform.Response.Write(2)</script>") == "2"
    assert runtimes._local.runtime is not rt


def test_a_nested_render_runs_in_a_runtime_of_its_own(tmp_path):
    (tmp_path / "inner.html").write_text("<script runat=server>Array.prototype.inner = 1;"
                                         "Platform.Response.Write('inner ' + typeof [].outer);</script>",
                                         encoding="utf-8")
    src = ("<script runat=server>Array.prototype.outer = 1;</script>%%=ContentBlockByKey(\"inner\")=%%"
           "<script runat=server>Platform.Response.Write(' outer ' + typeof [].inner);</script>")
    assert ampy.render(src, content_dir=str(tmp_path)) == "inner undefined outer undefined"


def test_threads_render_with_their_own_runtimes():
    page = ampy.compile("<script runat=server>var s = 0; for (var i = 0; i < 20000; i++) s += i;"
                        "Platform.Response.Write(s);</script>")
    results, seen = [], []

    def work():
        for _ in range(20):
            results.append(page.render())
        # the runtime itself, not its id: a finished thread's runtime is freed and its id reused
        seen.append(runtimes._local.runtime)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["199990000"] * 60
    assert len({id(rt) for rt in seen}) == 3
