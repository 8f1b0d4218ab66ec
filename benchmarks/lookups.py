"""Data extension reads at index speed: median µs per call of ``Lookup`` (a hit and a miss),
``LookupRows`` returning 10 rows and a local-cloud Retrieve of 10 rows (a text ``equals`` on Grp, and
a number ``between`` on Key), on data extensions of 1k / 10k / 100k / 1M rows.

Each DE (Key, Email, Grp, Name; Key is the primary key) is built once in a temporary store file;
the lookups filter on ``Email`` and ``Grp``, which are not keys, so they go through the indexes
the store creates on first use. The last row is a DE imported from a CSV file of the data
folder (checked for changes once per render). Every call runs as the first read of a new render (an empty
``ctx.cache``), so it pays the per-render freshness check as well.

    python benchmarks/lookups.py [--sizes 1000,10000,100000,1000000] [--csv-sizes 10000] [--calls 2000]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ampy.api.model import ApiObject  # noqa: E402
from ampy.backends.local import LocalBackend  # noqa: E402
from ampy.functions.data_extensions import lookup, lookup_rows  # noqa: E402
from ampy.runtime.context import RenderContext  # noqa: E402

GROUP_SIZE = 10  # rows sharing one Grp value: what LookupRows returns


def rows(n: int):
    for i in range(n):
        yield [str(i), f"user{i}@example.com", f"g{i // GROUP_SIZE}", f"Name {i}"]


def build(backend: LocalBackend, n: int) -> tuple[str, float]:
    name = f"People{n}"
    started = time.perf_counter()
    backend.store.create(name, ["Key", "Email", "Grp", "Name"], ["Key"], rows=rows(n))
    return name, time.perf_counter() - started


def build_csv(backend: LocalBackend, data: str, n: int) -> tuple[str, float]:
    """The same rows as a CSV file of the data folder: imported on first use, and re-checked for
    changes once per render."""
    import csv
    import json

    name = f"Csv{n}"
    with open(os.path.join(data, name + ".csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Key", "Email", "Grp", "Name"])
        w.writerows(rows(n))
    with open(os.path.join(data, name + ".schema.json"), "w", encoding="utf-8") as f:
        json.dump({"fields": [{"name": "Key", "primaryKey": True}]}, f)
    started = time.perf_counter()
    backend.store.info(name)
    return name, time.perf_counter() - started


def median_us(fn, args_list) -> float:
    times = []
    for args in args_list:
        t0 = time.perf_counter_ns()
        fn(*args)
        times.append(time.perf_counter_ns() - t0)
    return statistics.median(times) / 1000


def measure(backend: LocalBackend, de: str, n: int, calls: int) -> dict:
    rng = random.Random(n)
    ctx = RenderContext(backend=backend)

    def fresh_render():
        ctx.cache = {}  # each call is the first read of a render

    def hit(value):
        fresh_render()
        assert lookup(ctx, de, "Name", "Email", value) != ""

    def miss(value):
        fresh_render()
        assert lookup(ctx, de, "Name", "Email", value) == ""

    def ten(value):
        fresh_render()
        assert len(lookup_rows(ctx, de, "Grp", value)) == GROUP_SIZE

    def retrieve(filt):
        request = ApiObject("RetrieveRequest", {"ObjectType": f"DataExtensionObject[{de}]",
                                                "Properties": ["Key", "Name"], "Filter": filt})
        assert len(backend.api_retrieve(request).results) == GROUP_SIZE

    def part(prop, op, *values):
        return ApiObject("SimpleFilterPart", {"Property": prop, "SimpleOperator": op, "Value": list(values)})

    groups = n // GROUP_SIZE
    hits = [(f"USER{rng.randrange(n)}@example.com",) for _ in range(calls)]
    misses = [(f"nobody{i}@example.com",) for i in range(calls)]
    tens = [(f"g{rng.randrange(groups)}",) for _ in range(calls)]
    equal = [(part("Grp", "equals", g.upper()),) for (g,) in tens]
    starts = [rng.randrange(n - GROUP_SIZE) for _ in range(calls)]
    ranges = [(part("Key", "between", str(k), str(k + GROUP_SIZE - 1)),) for k in starts]
    # First use creates the indexes; warm up so the figures are of the steady state.
    hit(*hits[0]), miss(*misses[0]), ten(*tens[0]), retrieve(*equal[0]), retrieve(*ranges[0])
    return {"hit": median_us(hit, hits), "miss": median_us(miss, misses), "rows10": median_us(ten, tens),
            "equals": median_us(retrieve, equal), "between": median_us(retrieve, ranges)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000,100000,1000000")
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument("--csv-sizes", default="10000", help="sizes also measured as a CSV file of the data folder")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    args.csv_sizes = [int(s) for s in args.csv_sizes.split(",") if s]
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "data")
        os.makedirs(data)
        backend = LocalBackend(data, None, store_path=os.path.join(tmp, "store.db"))
        print(f"{'rows':>10} | {'build s':>7} | {'Lookup hit µs':>13} | {'Lookup miss µs':>14} | "
              f"{'LookupRows(10) µs':>17} | {'Retrieve equals(10) µs':>22} | {'Retrieve between(10) µs':>23}")
        print(f"{'-' * 10}-|-{'-' * 7}-|-{'-' * 13}-|-{'-' * 14}-|-{'-' * 17}-|-{'-' * 22}-|-{'-' * 23}")
        runs = [(n, False) for n in sizes] + [(n, True) for n in args.csv_sizes]
        for n, from_csv in runs:
            de, built = build_csv(backend, data, n) if from_csv else build(backend, n)
            r = measure(backend, de, n, args.calls)
            label = f"{n:,}" + (" csv" if from_csv else "")
            print(f"{label:>10} | {built:>7.1f} | {r['hit']:>13.1f} | {r['miss']:>14.1f} | {r['rows10']:>17.1f}"
                  f" | {r['equals']:>22.1f} | {r['between']:>23.1f}", flush=True)
        backend.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
