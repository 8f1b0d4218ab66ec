"""``ampy serve`` under load: 20 concurrent clients fetching a CloudPage that does one Lookup,
compared with static answers of the same server.

A real server (``ampy serve --workspace`` in a subprocess, so clients and server do not share one
interpreter) serves a fresh starter workspace with one extra page, ``cloudpages/member.amp``, that
looks up a subscriber's first name by the key in its query string. Each of ``--clients`` threads
keeps one ``requests.Session`` and fetches in a loop until ``--requests`` answers or ``--seconds``
have passed (whichever comes first). The targets take turns over ``--rounds`` rounds, so a
change in the machine's load shifts all of them alike; the rate is the median of the rounds and
the latencies are pooled. Measured for these targets:

- ``lookup page``: ``/member?key=S00n``, one Lookup against the workspace's SQLite store;
- ``plain page``: ``/plain``, a CloudPage without AMPscript (routing, file check, render cache);
- ``static 404``: a path with no page, the smallest static answer (routing and a file check);
- ``static WSDL``: ``/etframework.wsdl``, a static answer of the Partner API part (70 KB).

Printed per target: requests/s, p50 and p99 latency, answers with another status than expected,
and the rate as a share of the static 404's.

    python benchmarks/serve_load.py [--clients 20] [--requests 1000] [--rounds 3] [--seconds 10] [--threads 8]

Traffic goes to 127.0.0.1 only; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # measure this checkout's ampy

from ampy.cloud.workspace import create_workspace  # noqa: E402

MEMBER_PAGE = '<p>Hello %%=Lookup("Subscribers", "FirstName", "SubscriberKey", QueryParameter("key"))=%%</p>\n'
PLAIN_PAGE = "<p>Hello</p>\n"
KEYS = ("S001", "S002", "S003", "S004")


def start_server(workspace: str, threads: int) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "ampy", "serve", "--workspace", workspace, "--port", "0",
                             "--threads", str(threads), "--no-reload"],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, cwd=ROOT,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    first = proc.stderr.readline()
    if not first.startswith("ampy workbench on "):
        proc.kill()
        raise SystemExit(f"the server did not start: {first}{proc.stderr.read()}")
    # Drain the rest of the log on a thread so the server never blocks on a full pipe.
    threading.Thread(target=proc.stderr.read, daemon=True).start()
    return proc, first.removeprefix("ampy workbench on ").strip().rstrip("/")


def load(paths: list[str], base: str, clients: int, total: int, seconds: float,
         expected: int = 200) -> tuple[float, list[float], int]:
    """(requests/s, latencies in seconds, failures) for ``clients`` threads sharing ``total`` requests."""
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    counter = iter(range(total))
    deadline = time.perf_counter() + seconds

    def client():
        mine: list[float] = []
        bad = 0
        with requests.Session() as session:
            i = 0
            while time.perf_counter() < deadline:
                with lock:
                    if next(counter, None) is None:
                        break
                path = paths[i % len(paths)]
                i += 1
                t0 = time.perf_counter()
                r = session.get(base + path, timeout=30)
                mine.append(time.perf_counter() - t0)
                bad += r.status_code != expected
        with lock:
            latencies.extend(mine)
            failures[0] += bad

    workers = [threading.Thread(target=client) for _ in range(clients)]
    t0 = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - t0
    return len(latencies) / elapsed, latencies, failures[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--requests", type=int, default=1000, help="requests per target and round (default 1000)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds over all targets (default 3)")
    ap.add_argument("--seconds", type=float, default=10.0, help="time bound per target and round (default 10)")
    ap.add_argument("--threads", type=int, default=8, help="server worker threads (default 8)")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        workspace = os.path.join(tmp, "ws")
        create_workspace(workspace)
        Path(workspace, "cloudpages", "member.amp").write_text(MEMBER_PAGE, encoding="utf-8")
        Path(workspace, "cloudpages", "plain.html").write_text(PLAIN_PAGE, encoding="utf-8")
        proc, base = start_server(workspace, args.threads)
        try:
            check = requests.get(f"{base}/member?key=S001", timeout=30)
            assert check.status_code == 200 and check.text == "<p>Hello Ada</p>\n", check.text
            targets = [("lookup page", [f"/member?key={k}" for k in KEYS], 200), ("plain page", ["/plain"], 200),
                       ("static 404", ["/no-such-page"], 404), ("static WSDL", ["/etframework.wsdl"], 200)]
            for _, paths, expected in targets:
                load(paths, base, args.clients, min(200, args.requests), args.seconds, expected)   # warm up
            rates: dict[str, list[float]] = {name: [] for name, _, _ in targets}
            latencies: dict[str, list[float]] = {name: [] for name, _, _ in targets}
            failed = dict.fromkeys(rates, 0)
            for _ in range(args.rounds):
                for name, paths, expected in targets:
                    rate, lat, bad = load(paths, base, args.clients, args.requests, args.seconds, expected)
                    rates[name].append(rate)
                    latencies[name] += lat
                    failed[name] += bad
            results = {name: (statistics.median(rates[name]), latencies[name], failed[name]) for name in rates}
        finally:
            proc.terminate()
            proc.wait(30)

    print(f"{args.clients} clients, server threads {args.threads}, {args.rounds} rounds of up to {args.requests} "
          f"requests or {args.seconds:g} s per target (127.0.0.1)")
    print(f"{'target':<14}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'failed':>8}{'vs static':>11}")
    static_rate = results["static 404"][0]
    for name, (rate, lat, failed) in results.items():
        q = statistics.quantiles(lat, n=100)
        print(f"{name:<14}{rate:>9.0f}{q[49] * 1000:>9.1f}{q[98] * 1000:>9.1f}{failed:>8}"
              f"{rate / static_rate:>10.2f}x")


if __name__ == "__main__":
    main()
