"""Rendering a whole audience with ``ampy render``'s engine: a 100k-row audience data extension, a
100k-row lookup table and the ~2 KB reference email of render_vs_jinja.py with one Lookup, an IF and
a FOR over a 5-row rowset. Prints renders/s with 1 and 2 renderers (``--jobs``: this process and
jobs - 1 worker processes), the 2/1 ratio (medians of ``--repeat`` alternating runs, with the load
average), and the peak RSS of a renderer (sampled with psutil).

    python benchmarks/audience.py [--rows 100000] [--million] [--jobs 1,2] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # measure this checkout's ampy

from ampy.audience import engines  # noqa: E402
from ampy.audience.sources import DataExtensionSource  # noqa: E402
from ampy.audience.worker import RenderSpec, close_renderers, prime_renderer  # noqa: E402
from ampy.backends.local import LocalBackend  # noqa: E402


def template() -> str:
    """The reference email with one Lookup on the lookup table's key (it already has an IF and a FOR
    over 5 rows). Imported here, not at the top: spawned workers import this module as their main
    one, and should not pay for jinja2 as ``ampy render``'s workers do not."""
    from render_vs_jinja import AMP

    return AMP.replace('<p>City:', '<p>Points: %%=Lookup("Points","Balance","MemberId",AttributeValue("MemberId"))=%%'
                       '</p>\n  <p>City:')
TIERS = ("Gold", "Silver", "Bronze")


def build(path: str, rows: int) -> None:
    backend = LocalBackend(store_path=path)
    audience = ([f"ann{i}", "lee", TIERS[i % 3], "2019", str(10_000 + i), f"Ann{i}@Example.com",
                 "hat|scarf|boots|gloves|socks", "  Oslo ", "no", "news;offers"] for i in range(rows))
    backend.store.create("Audience", ["FirstName", "LastName", "Tier", "Since", "MemberId", "Email", "Items",
                                      "City", "Country", "Prefs"], ["MemberId"], rows=audience)
    backend.store.create("Points", ["MemberId", "Balance"], ["MemberId"],
                         rows=([str(10_000 + i), str(i * 7 % 1000)] for i in range(rows)))
    backend.close()


class PeakRss:
    """The largest RSS seen among this process's children (the workers), sampled every 0.2 s."""

    def __init__(self):
        import psutil

        self.me, self.peak, self.stop = psutil.Process(), 0, threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        import psutil

        while not self.stop.wait(0.2):
            for child in self.me.children(recursive=True):
                try:
                    self.peak = max(self.peak, child.memory_info().rss)
                except psutil.Error:
                    pass

    def done(self) -> int:
        self.stop.set()
        self.thread.join()
        return self.peak


def measure(path: str, jobs: int, rows: int) -> tuple[float, int, int, float]:
    backend = LocalBackend(store_path=path)
    try:
        source = DataExtensionSource(backend.store, "Audience")
        spec = RenderSpec(html=template(), name="reference.amp", key="MemberId", store_path=path)
        rss = PeakRss()
        t0 = time.perf_counter()
        done = failed = 0
        if jobs == 1:
            prime_renderer(spec, backend)
            results = engines.render_in_process(spec, source.batches(engines.BATCH_SIZE))
        else:
            results = engines.render_in_pool(spec, source.pages(engines.BATCH_SIZE), jobs)
        for batch in results:
            if not done:
                t1, first = time.perf_counter(), len(batch)  # workers started, compiled, rendered a batch
            done += len(batch)
            failed += sum(r.error is not None for r in batch)
        elapsed = time.perf_counter() - t0
        warm = (done - first) / (time.perf_counter() - t1)
        close_renderers()
        import psutil

        peak = rss.done()
        own = psutil.Process().memory_info().rss  # this process renders too
        peak = own if jobs == 1 else max(peak, own)
        assert done == rows and failed == 0, (done, failed)
        return elapsed, peak, done, warm
    finally:
        backend.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--million", action="store_true", help="also a 1,000,000-row audience, 2 workers")
    p.add_argument("--jobs", default="1,2")
    p.add_argument("--repeat", type=int, default=3, help="runs of each job count; the medians are printed")
    args = p.parse_args()
    print(f"cores: {os.cpu_count()}; template {len(template())} bytes; batches of {engines.BATCH_SIZE}")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "store.sqlite")
        t0 = time.perf_counter()
        build(path, args.rows)
        print(f"built {args.rows:,}-row audience + lookup table in {time.perf_counter() - t0:.1f} s")
        job_counts = [int(j) for j in args.jobs.split(",")]
        runs: dict[int, list] = {jobs: [] for jobs in job_counts}
        load = os.getloadavg()[0]
        for _ in range(args.repeat):  # alternating, so a burst of other work hits every setting alike
            for jobs in job_counts:
                runs[jobs].append(measure(path, jobs, args.rows))
        rates, warm_rates = {}, {}
        for jobs in job_counts:
            elapsed = statistics.median(r[0] for r in runs[jobs])
            warm = statistics.median(r[3] for r in runs[jobs])
            peak, done = max(r[1] for r in runs[jobs]), runs[jobs][0][2]
            rates[jobs], warm_rates[jobs] = done / elapsed, warm
            print(f"jobs={jobs}: {done:,} rows in {elapsed:.1f} s = {rates[jobs]:,.0f} renders/s end to end"
                  f" ({rates[jobs] / jobs:,.0f} per renderer), {warm:,.0f}/s once started;"
                  f" peak renderer RSS {peak / 2**20:.0f} MB")
        if 1 in rates and 2 in rates:
            print(f"2 renderers / 1: {rates[2] / rates[1]:.2f}x end to end,"
                  f" {warm_rates[2] / warm_rates[1]:.2f}x once started (medians of {args.repeat} runs;"
                  f" load average {load:.2f} before, {os.getloadavg()[0]:.2f} after)")
        if args.million:
            path = os.path.join(tmp, "million.sqlite")
            build(path, 1_000_000)
            elapsed, peak, done, _ = measure(path, 2, 1_000_000)
            print(f"1,000,000 rows, 2 renderers: {elapsed / 60:.1f} min ({done / elapsed:,.0f} renders/s);"
                  f" peak renderer RSS {peak / 2**20:.0f} MB")


if __name__ == "__main__":
    main()
