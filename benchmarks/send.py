"""A local send of the sample welcome email to a 100k-subscriber sendable data extension, delivered
to the workspace outbox: messages/s with the renders in 1 and 2 worker processes ([sends] jobs).

    python benchmarks/send.py [--rows 100000] [--jobs 1,2]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # measure this checkout's ampy

from ampy.api.model import ApiObject  # noqa: E402
from ampy.backends.local import LocalBackend  # noqa: E402
from ampy.cloud.workspace import create_workspace  # noqa: E402
from ampy.settings import Settings  # noqa: E402


def obj(type_name: str, **props) -> ApiObject:
    return ApiObject(type_name, dict(props))


def status(backend, task_id: str) -> dict:
    request = ApiObject("RetrieveRequest", {"ObjectType": "AsyncActivityStatus", "Filter": ApiObject(
        "SimpleFilterPart", {"Property": "TaskID", "SimpleOperator": "equals", "Value": [task_id]})})
    (row,) = backend.api_retrieve(request).results
    return {p.get("Name"): p.get("Value") for p in row.get("Properties") or []}


def measure(tmp: str, rows: int, jobs: int) -> tuple[float, dict]:
    root = os.path.join(tmp, f"ws{jobs}")
    create_workspace(root)
    backend = LocalBackend.for_workspace(root)
    backend.settings = Settings(raw={"sends": {"jobs": jobs, "parallel_from": 1000}})
    try:
        backend.store.create(
            "Crowd", ["SubscriberKey", "EmailAddress", "FirstName", "LastName"], ["SubscriberKey"],
            rows=([f"K{i:06d}", f"user{i}@example.com", f"Ann{i}", "Lee"] for i in range(rows)),
            meta={"IsSendable": True, "SendableField": "SubscriberKey"})
        backend.api_create([obj("EmailSendDefinition", Name="Crowd", CustomerKey="crowd",
                                Email=obj("Email", ID="1"),  # the sample welcome email of a new workspace
                                SendDefinitionList=[obj("SendDefinitionList", CustomObjectID="Crowd")])])
        t0 = time.perf_counter()
        r = backend.api_perform("start", [obj("EmailSendDefinition", CustomerKey="crowd")])
        task = r.results[0].task["ID"]
        while (st := status(backend, task))["Status"] not in ("Complete", "Error"):
            time.sleep(0.05)
        elapsed = time.perf_counter() - t0
        st["outbox"] = len(os.listdir(os.path.join(root, "outbox")))
        return elapsed, st
    finally:
        backend.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--jobs", default="1,2")
    args = p.parse_args()
    print(f"cores: {os.cpu_count()}; {args.rows:,} subscribers, outbox delivery")
    with tempfile.TemporaryDirectory() as tmp:
        for jobs in (int(j) for j in args.jobs.split(",")):
            elapsed, st = measure(tmp, args.rows, jobs)
            print(f"jobs={jobs}: {st['outbox']:,} messages in {elapsed:.1f} s = {st['outbox'] / elapsed:,.0f} msg/s"
                  f" ({st['Status']}: {st.get('Detail') or st.get('ErrorMsg') or ''})")


if __name__ == "__main__":
    main()
