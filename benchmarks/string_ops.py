"""String builtins on large inputs: case-insensitive Replace, ReplaceList and IndexOf over
1,000,000 characters, and text built with Concat in a FOR loop. Each runs as a real render and
prints its time and the result's size, so a quadratic path (lower-casing per match, copying the
whole string per iteration) shows at once.

    python benchmarks/string_ops.py [--chars N]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # measure this checkout's ampy

from ampy.runtime.context import RenderContext  # noqa: E402
from ampy.template import Template  # noqa: E402

CASES = {
    "Replace (ignoring case)": '%%=Length(Replace(@t, "hello world", "Hi"))=%%',
    "ReplaceList (3 terms)": '%%=Length(ReplaceList(@t, "*", "hello", "WORLD", ";"))=%%',
    "IndexOf (last hit)": '%%=IndexOf(@t, "WORLD;", @hits)=%%',
    "Concat in a FOR loop": '%%[ SET @s = "" FOR @i = 1 TO @n DO SET @s = Concat(@s, "0123456789") NEXT ]%%'
                            '%%=Length(@s)=%%',
}


def run(source: str, text: str, n: int, hits: int) -> tuple[float, str]:
    tpl = Template(source)
    ctx = RenderContext()
    ctx.vars.update({"@t": text, "@n": n, "@hits": hits})
    start = time.perf_counter()
    tpl.run(ctx)
    return time.perf_counter() - start, "".join(ctx.out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chars", type=int, default=1_000_000, help="input size in characters (default 1,000,000)")
    args = ap.parse_args()
    unit = "Hello World, hello WORLD; "
    text = unit * (args.chars // len(unit))
    hits = text.count("WORLD;")
    print(f"input: {len(text):,} characters, {2 * hits:,} case-insensitive hits of 'hello world'")
    for label, source in CASES.items():
        seconds, result = run(source, text, args.chars // 10, hits)
        print(f"{label:<26} {seconds * 1000:>9.1f} ms   result {result}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
