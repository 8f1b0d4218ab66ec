"""Parse + compile speed in ms per KB (1,000 bytes) of template source, for three sets:

- ``email``: the ~2 KB reference email of benchmarks/render_vs_jinja.py (next to Jinja2 compiling
  its equivalent template);
- ``corpus``: every template of tests/corpus (code-heavy pages and API scripts) and its content
  blocks;
- ``generated``: a ~100 KB generated template of benchmarks/compile_memory.py (text, inline
  expressions, SET, IF and FOR), next to Jinja2 compiling an equivalent one.

Every compile is real: ``Template(...)`` parses and compiles from source (the template cache is
not consulted). Each figure is the median of several runs over the whole set, in one warm process,
in CPU time (the machine may be shared).

    python benchmarks/compile_speed.py [--runs 7] [--kb 100] [--phases]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import jinja2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # measure this checkout's ampy
sys.path.insert(0, str(ROOT / "benchmarks"))

from compile_memory import UNIT, make_template  # noqa: E402
from render_vs_jinja import AMP, JINJA  # noqa: E402

from ampy.template import Template  # noqa: E402

# The generated template's unit in Jinja2: the same text, outputs, assignments, test and loop.
JINJA_HEAD = '{% set ns = namespace(n=0, s="", t="") %}{% set name = "Ada" %}{% set city = "Paris" %}\n'
JINJA_UNIT = (
    '<tr><td>{{ name }}</td><td>{{ city|upper }}</td><td>{{ name|length }}</td></tr>\n'
    '{% set ns.n = ns.n + 1 %}{% set ns.s = "r" ~ ns.n %}\n'
    '{% if ns.n > 3 and ns.s != "x" %}{% set ns.t = ns.s[0:2] %}{% endif %}\n'
    '{% for i in range(1, 3) %}<b>{{ i }}</b>{% endfor %}\n'
)


def corpus() -> list[tuple[str, str]]:
    files = sorted((ROOT / "tests" / "corpus").glob("*.amp")) + sorted(
        p for p in (ROOT / "tests" / "corpus" / "data" / "content").iterdir() if p.suffix in (".amp", ".html"))
    return [(p.name, p.read_text(encoding="utf-8")) for p in files]


def generated(kb: float) -> list[tuple[str, str]]:
    return [("generated.amp", make_template(kb / 1000))]


def jinja_generated(kb: float) -> str:
    return JINJA_HEAD + JINJA_UNIT * (len(make_template(kb / 1000)) // len(UNIT))


def median_seconds(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return statistics.median(times)


def compile_all(templates) -> None:
    for name, source in templates:
        Template(source, name)


def phases(templates, runs: int) -> str:
    """Median ms per KB of scanning, parsing (without scanning) and generating + compiling."""
    from ampy.compiler import compile_ast
    from ampy.syntax.lexer import tokenize
    from ampy.syntax.parser import parse

    trees = [parse(s, n) for n, s in templates]
    scan = median_seconds(lambda: [tokenize(s, n) for n, s in templates], runs)
    whole = median_seconds(lambda: [parse(s, n) for n, s in templates], runs)
    gen = median_seconds(lambda: [compile_ast(t) for t in trees], runs)
    kb = sum(len(s) for _, s in templates) / 1000
    return f"scan {scan * 1e3 / kb:.2f}  parse {(whole - scan) * 1e3 / kb:.2f}  compile {gen * 1e3 / kb:.2f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7, help="runs per set (default 7); the median is printed")
    ap.add_argument("--kb", type=float, default=100, help="size of the generated template in KB (default 100)")
    ap.add_argument("--phases", action="store_true", help="also split the time into scan, parse and compile")
    args = ap.parse_args()

    sets = [("email", [("bench.amp", AMP)], JINJA), ("corpus", corpus(), None),
            ("generated", generated(args.kb), jinja_generated(args.kb))]
    print(f"{'set':<10} {'templates':>9} {'KB':>7} {'ampy ms/KB':>11} {'Jinja2 ms/KB':>13}")
    for label, templates, jinja_source in sets:
        compile_all(templates)  # warm: grammar tables, function modules
        kb = sum(len(s) for _, s in templates) / 1000
        ampy_ms = median_seconds(lambda t=templates: compile_all(t), args.runs) * 1e3 / kb
        jinja = ""
        if jinja_source is not None:
            j = median_seconds(lambda j=jinja_source: jinja2.Environment(autoescape=False).from_string(j), args.runs)
            jinja = f"{j * 1e3 / (len(jinja_source) / 1000):.2f}"
        line = f"{label:<10} {len(templates):>9} {kb:>7.1f} {ampy_ms:>11.2f} {jinja:>13}"
        if args.phases:
            line += "   " + phases(templates, args.runs)
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
