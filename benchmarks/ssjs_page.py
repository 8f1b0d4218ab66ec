"""A CloudPage with one server-side JavaScript block (10 Platform.Function.Lookup calls and a Write
loop of 100 items) against the same page in AMPscript, rendered against a local data extension;
prints both, the ratio, what starting the JavaScript engine costs per render, and how much the
process grew over all those renders (each render's engine must be freed when it ends).

    python benchmarks/ssjs_page.py [--renders 2000]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # measure this checkout's ampy

import ampy  # noqa: E402
from ampy.backends.local import LocalBackend  # noqa: E402
from ampy.runtime.request import RequestContext  # noqa: E402

HEAD = "<html><body><h1>Members</h1>\n"
TAIL = "</body></html>\n"

SSJS = HEAD + """<script runat="server">
Platform.Load("core", "1.1.5");
var names = [];
for (var i = 1; i <= 10; i++) {
  names.push(Platform.Function.Lookup("Members", "Name", "Id", String(i)));
}
Write("<p>" + names.join(", ") + "</p>\\n<ul>\\n");
for (var j = 1; j <= 100; j++) {
  Write("<li>Item " + j + " of " + names[j % 10] + "</li>\\n");
}
Write("</ul>\\n");
</script>
""" + TAIL

AMP = HEAD + """%%[
SET @names = ""
FOR @i = 1 TO 10 DO
  SET @n = Lookup("Members", "Name", "Id", @i)
  SET @names = IIf(@i == 1, @n, Concat(@names, ", ", @n))
NEXT @i
SET @rs = BuildRowsetFromString(@names, ", ")
]%%<p>%%=v(@names)=%%</p>
<ul>
%%[ FOR @j = 1 TO 100 DO
  SET @k = Add(Mod(@j, 10), 1)
  SET @who = Field(Row(@rs, @k), 1)
]%%<li>Item %%=v(@j)=%% of %%=v(@who)=%%</li>
%%[ NEXT @j ]%%</ul>
""" + TAIL

EMPTY = "<script runat=server>var a = 1;</script>"


def per_render(tpl, backend, renders: int, rounds: int = 5) -> float:
    """Seconds per render, the best of ``rounds`` rounds (the machine may be busy with other work)."""
    tpl.render(backend=backend, request=RequestContext())   # warm: compile, caches
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(renders // rounds):
            tpl.render(backend=backend, request=RequestContext())
        best = min(best, (time.perf_counter() - start) / (renders // rounds))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        backend = LocalBackend(store_path=str(Path(tmp) / "store.sqlite"))
        backend.store.create("Members", ["Id", "Name"], ["Id"],
                             rows=([str(i), f"Member{i}"] for i in range(1, 1001)))
        ssjs, amp = ampy.compile(SSJS, name="ssjs.html"), ampy.compile(AMP, name="amp.html")
        out_ssjs = ssjs.render(backend=backend, request=RequestContext())
        out_amp = amp.render(backend=backend, request=RequestContext())
        assert out_ssjs.count("<li>") == out_amp.count("<li>") == 100, "the two pages must do the same work"
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t_ssjs = per_render(ssjs, backend, args.renders)
        t_amp = per_render(amp, backend, args.renders)
        t_empty = per_render(ampy.compile(EMPTY), backend, args.renders)
        t_plain = per_render(ampy.compile("<p>x</p>"), backend, args.renders)
        backend.close()
        grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before   # KiB on Linux
    print(f"SSJS page:       {t_ssjs * 1e6:8.0f} µs/render")
    print(f"AMPscript page:  {t_amp * 1e6:8.0f} µs/render")
    print(f"ratio SSJS/AMPscript: {t_ssjs / t_amp:.2f}x")
    print(f"engine start per render (a one-statement SSJS page minus a plain page): "
          f"{(t_empty - t_plain) * 1e6:.0f} µs")
    print(f"peak memory growth over {4 * args.renders} renders: {grown / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
