"""``ampy serve`` under one abusive Retrieve: does a small Retrieve stay fast while a heavy one runs,
and how much memory does the server take?

A real server (``ampy serve`` in a subprocess, so its peak RSS is its own) serves a fresh workspace
with a data extension of ``--rows`` rows by ``--columns`` columns. Measured, all in one run:

- a small Retrieve (one Subscribers row by key), ``--small`` times alone: p50 / p99 latency;
- the same small Retrieve while other processes send heavy Retrieves back to back: p50 / p99;
- the heavy Retrieves themselves: the one whose ``Properties`` repeats one column 400 times (the
  abuse case) and one asking for every column (a legitimately large answer, paged by size);
- the server's peak RSS (``VmHWM``) and the bytes each heavy answer carried.

    python benchmarks/soap_heavy.py [--rows 2500] [--columns 60] [--small 200] [--heavy-clients 2]

Traffic goes to 127.0.0.1 only; every loop is bounded in count.
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import os
import re
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

from ampy.api.model import ApiObject  # noqa: E402
from ampy.cloud.workspace import create_workspace  # noqa: E402
from ampy.server.auth import add_user  # noqa: E402
from ampy.soap import codec  # noqa: E402
from ampy.soap.auth import username_token_header  # noqa: E402

USER, PASSWORD = "bench", "bench-password"


def make_workspace(folder: str, rows: int, columns: int) -> str:
    root = os.path.join(folder, "ws")
    create_workspace(root)
    names = ["Id"] + [f"Column{i}" for i in range(1, columns)]
    with open(os.path.join(root, "dataextensions", "Big.csv"), "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(names)
        for row in range(rows):
            writer.writerow([str(row)] + [f"value {row}-{i} of a wide row" for i in range(1, columns)])
    add_user(root, USER, PASSWORD)
    return root


def envelope(object_type: str, properties: list[str], continue_request: str | None = None,
             flt: ApiObject | None = None) -> bytes:
    props: dict[str, object] = {"ObjectType": object_type, "Properties": properties}
    if flt is not None:
        props["Filter"] = flt
    if continue_request:
        props["ContinueRequest"] = continue_request
    body = codec.build_request("Retrieve", request=ApiObject("RetrieveRequest", props))
    return codec.to_bytes(codec.envelope(body, headers=[username_token_header(USER, PASSWORD)]))


def post(session: requests.Session, url: str, data: bytes) -> requests.Response:
    reply = session.post(url, data=data, timeout=300,
                         headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '"Retrieve"'})
    reply.raise_for_status()
    return reply


def retrieve_all(session, url: str, object_type: str, properties: list[str]) -> tuple[int, int, int]:
    """(objects, bytes, pages) of a full paged Retrieve."""
    objects = size = pages = 0
    continue_request = None
    for _ in range(1000):  # bounded: far more pages than any answer here has
        reply = post(session, url, envelope(object_type, properties, continue_request))
        size += len(reply.content)
        pages += 1
        _, response = codec.parse_response(codec.parse_envelope(reply.content)[2])
        objects += len(response.get("Results"))
        status = response.get("OverallStatus")
        if status != "MoreDataAvailable":
            if status != "OK":
                raise SystemExit(f"heavy Retrieve failed: {status}")
            return objects, size, pages
        continue_request = response.get("RequestID")
    raise SystemExit("heavy Retrieve did not end")


def small_latencies(url: str, count: int) -> list[float]:
    flt = ApiObject("SimpleFilterPart", {"Property": "SubscriberKey", "SimpleOperator": "equals",
                                          "Value": ["S001"]})
    data = envelope("DataExtensionObject[Subscribers]", ["SubscriberKey", "EmailAddress"], flt=flt)
    out = []
    with requests.Session() as session:
        for _ in range(count):
            start = time.perf_counter()
            reply = post(session, url, data)
            out.append(time.perf_counter() - start)
            if b"S001" not in reply.content:
                raise SystemExit("the small Retrieve lost its row")
    return out


def percentiles(values: list[float]) -> str:
    ordered = sorted(values)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]
    return f"p50 {p50 * 1000:7.1f} ms   p99 {p99 * 1000:7.1f} ms   (n={len(ordered)})"


def peak_rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        match = re.search(r"VmHWM:\s+(\d+) kB", f.read())
    return int(match.group(1)) / 1024 if match else float("nan")


def start_server(workspace: str) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen([sys.executable, "-m", "ampy", "serve", "--workspace", workspace, "--port", "0"],
                               stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, cwd=ROOT)
    deadline = time.monotonic() + 60
    for line in process.stderr:
        match = re.search(r"(http://127\.0\.0\.1:\d+)/Service\.asmx", line)
        if match:
            threading.Thread(target=lambda: process.stderr.read(), daemon=True).start()  # keep it drained
            return process, match.group(1) + "/Service.asmx"
        if time.monotonic() > deadline:
            break
    process.kill()
    raise SystemExit("the server did not start")


def heavy(url: str, name: str, properties: list[str], stop, results) -> None:
    """Heavy Retrieves back to back until ``stop`` (at most 50); reports the last one's figures."""
    try:
        outcome: object = None
        with requests.Session() as session:
            for runs in range(1, 51):
                start = time.perf_counter()
                objects, size, pages = retrieve_all(session, url, "DataExtensionObject[Big]", properties)
                outcome = (objects, size, pages, time.perf_counter() - start, runs)
                if stop.is_set():
                    break
    except BaseException as exc:  # noqa: BLE001 - reported by the parent
        outcome = repr(exc)
    results.put((name, outcome))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=2500)
    parser.add_argument("--columns", type=int, default=60)
    parser.add_argument("--small", type=int, default=200, help="small Retrieves per measurement")
    parser.add_argument("--heavy-clients", type=int, default=2, help="processes sending heavy Retrieves")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        workspace = make_workspace(folder, args.rows, args.columns)
        process, url = start_server(workspace)
        try:
            small_latencies(url, 5)  # warm up: imports, CSV import of both data extensions
            with requests.Session() as session:
                retrieve_all(session, url, "DataExtensionObject[Big]", ["Id"])
            print(f"data extension Big: {args.rows} rows x {args.columns} columns")
            print(f"small Retrieve alone:          {percentiles(small_latencies(url, args.small))}")
            print(f"server peak RSS before heavy:  {peak_rss_mib(process.pid):7.1f} MiB")

            repeated = ["Column1"] * 400
            every = ["Id"] + [f"Column{i}" for i in range(1, args.columns)]
            cases = [("400 x one property", repeated), (f"all {args.columns} columns", every)]
            # Heavy clients run in processes of their own: parsing their large answers must not
            # take this process's GIL from the small client being measured.
            context = multiprocessing.get_context("fork")
            stop, results = context.Event(), context.Queue()
            heavies = [context.Process(target=heavy, args=(url, *cases[i % len(cases)], stop, results), daemon=True)
                       for i in range(args.heavy_clients)]
            for worker in heavies:
                worker.start()
            time.sleep(1.0)  # let the heavy ones get going
            during = small_latencies(url, args.small)
            stop.set()
            reports = [results.get(timeout=600) for _ in heavies]
            for worker in heavies:
                worker.join(60)
            print(f"small Retrieve during heavy:   {percentiles(during)}")
            for name, outcome in reports:
                if isinstance(outcome, str):
                    raise SystemExit(f"a heavy Retrieve failed: {outcome}")
                objects, size, pages, seconds, runs = outcome
                print(f"heavy Retrieve {name:>20}: {objects} rows, {size / 2**20:6.1f} MiB in {pages} "
                      f"page(s), {seconds:5.2f} s each ({runs} run(s) during the measurement)")
            print(f"server peak RSS:               {peak_rss_mib(process.pid):7.1f} MiB")
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    main()
