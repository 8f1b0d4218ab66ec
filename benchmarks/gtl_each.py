"""GTL ``{{#each}}`` over 100 items vs the AMPscript FOR loop that prints the same thing, both
reading the items from the same JSON text in a variable. Prints µs per cached render of each and
the ratio (GTL / AMPscript; at most 1.0 means GTL is at least as fast).

    python benchmarks/gtl_each.py [--renders N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # measure this checkout's ampy

import ampy  # noqa: E402,F401
from ampy.backends import default_backend  # noqa: E402
from ampy.template import Template  # noqa: E402

ITEMS = json.dumps([{"Name": f"Item {i}", "Price": f"{i}.99"} for i in range(100)])
SETUP = "%%[ SET @json = AttributeValue('Items') ]%%"
GTL = SETUP + "<ul>{{#each @json}}<li>{{Name}}: {{Price}}</li>{{/each}}</ul>"
AMP = SETUP + """<ul>%%[ SET @rows = BuildRowsetFromJSON(@json, '$[*]', 1)
FOR @i = 1 TO RowCount(@rows) DO SET @row = Row(@rows, @i) ]%%<li>%%=v(Field(@row, 'Name'))=%%: %%=v(Field(@row, 'Price'))=%%</li>%%[ NEXT @i ]%%</ul>"""


def per_render(tpl: Template, backend, renders: int) -> float:
    attrs = {"Items": ITEMS}
    samples = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(renders):
            tpl.render(attributes=attrs, backend=backend)
        samples.append((time.perf_counter() - start) / renders * 1e6)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=300)
    args = parser.parse_args()
    backend = default_backend()
    gtl, amp = Template(GTL, "each.html"), Template(AMP, "for.html")
    same_out = gtl.render(attributes={"Items": ITEMS}, backend=backend) == \
        amp.render(attributes={"Items": ITEMS}, backend=backend)
    g = per_render(gtl, backend, args.renders)
    a = per_render(amp, backend, args.renders)
    print(f"100 items, same output: {same_out}")
    print(f"GTL {{{{#each}}}}    {g:9.1f} µs per render")
    print(f"AMPscript FOR    {a:9.1f} µs per render")
    print(f"ratio GTL / AMPscript {g / a:.2f}")


if __name__ == "__main__":
    main()
