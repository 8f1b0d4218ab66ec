"""Peak memory of parsing + compiling one large generated template, as MB per MB of source.

Each size is measured in a fresh child process (peak RSS never goes down within a process):
the child imports ampy, builds the template, records its RSS, compiles, then reports the peak RSS
growth (``resource.getrusage``). The template mixes HTML text, inline expressions, SET lines, IF
blocks and FOR loops, about 80k expressions per MB, the shape of a big generated newsletter.

    python benchmarks/compile_memory.py [--sizes 1,10] [--tracemalloc]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# One ~250-byte unit with 20 expressions (calls, variables, literals, comparisons).
UNIT = (
    '<tr><td>%%=v(@name)=%%</td><td>%%=Uppercase(@city)=%%</td><td>%%=Length(@name)=%%</td></tr>\n'
    '%%[ SET @n = Add(@n, 1) SET @s = Concat("r", @n)\n'
    'IF @n > 3 AND @s != "x" THEN SET @t = Substring(@s, 1, 2) ENDIF ]%%\n'
    '%%[ FOR @i = 1 TO 2 DO ]%%<b>%%=v(@i)=%%</b>%%[ NEXT @i ]%%\n'
)


def make_template(megabytes: float) -> str:
    head = '%%[ SET @name = "Ada" SET @city = "Paris" SET @n = 0 ]%%\n'
    count = max(1, int(megabytes * 1_000_000 / len(UNIT)))
    return head + UNIT * count


def _child(megabytes: float, trace: bool) -> None:
    import resource

    sys.path.insert(0, str(ROOT))
    from ampy.template import Template

    source = make_template(megabytes)
    try:
        from ampy.limits import Limits

        limits = Limits(template_size=len(source) + 1)
    except ImportError:
        limits = None
    if trace:
        import tracemalloc

        tracemalloc.start()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    try:
        tpl = Template(source, name="big.amp", limits=limits)
    except TypeError:  # a checkout from before limits existed, for comparison
        tpl = Template(source, name="big.amp")
    elapsed = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    traced = tracemalloc.get_traced_memory()[1] if trace else 0
    out = tpl.render(attributes={})
    print(json.dumps({"source": len(source), "rss_kb": peak - before, "traced": traced,
                      "seconds": elapsed, "output": len(out)}))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1,10", help="template sizes in MB, comma-separated (default 1,10)")
    ap.add_argument("--tracemalloc", action="store_true", help="also report tracemalloc's peak (slower)")
    ap.add_argument("--child", type=float, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child is not None:
        _child(args.child, args.tracemalloc)
        return 0
    print(f"{'source':>10} {'exprs':>8} {'compile':>9} {'peak RSS':>10} {'MB per MB':>10}"
          + ("  tracemalloc" if args.tracemalloc else ""))
    for size in (float(s) for s in args.sizes.split(",")):
        cmd = [sys.executable, __file__, "--child", str(size)] + (["--tracemalloc"] if args.tracemalloc else [])
        done = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "0"})
        if done.returncode != 0:
            print(f"{size:>8} MB failed:\n{done.stderr[-2000:]}")
            continue
        r = json.loads(done.stdout.strip().splitlines()[-1])
        mb = r["source"] / 1e6
        rss = r["rss_kb"] / 1024
        exprs = int(mb * 1e6 / len(UNIT) * 20)
        line = f"{mb:>8.2f}MB {exprs:>8} {r['seconds']:>8.2f}s {rss:>8.0f}MB {rss / mb:>10.1f}"
        if args.tracemalloc:
            line += f"  {r['traced'] / 1e6:>8.0f}MB"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
