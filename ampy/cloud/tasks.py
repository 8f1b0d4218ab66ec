"""Asynchronous tasks: rows in ``ampy_task``, run by one background thread, observed through
AsyncActivityStatus.

A Perform inserts its task rows (Status ``Queued``) in the caller's transaction and returns at
once; the background thread moves each to ``Processing`` (StartTime) and then ``Complete`` or
``Error`` (EndTime, CompletedDate, ErrorMsg). Cancelling marks unfinished tasks ``Error`` with
ErrorMsg ``Canceled`` (pollers wait for Complete/Error, so a cancelled task must end in one) and
sets a flag that long jobs check between units of work.

The thread is a daemon and ``close()`` drains the queue and joins it, so neither a test process
nor the CLI is kept alive by it, and ``ampy run`` does not exit with work half done.
"""

from __future__ import annotations

import queue
import threading
import traceback
from collections.abc import Callable

from ..api.model import ApiObject
from .objects import now_text
from .store import DataStore

QUEUED, PROCESSING, COMPLETE, ERROR = "Queued", "Processing", "Complete", "Error"
CANCELED = "Canceled"


class TaskCanceled(Exception):
    """Raised inside a job when its task was cancelled (Campaign stop, Send cancel)."""


class TaskFailed(Exception):
    """A job's clean failure: the message becomes the task's ErrorMsg."""


STATUS_PROPERTIES = (
    "TaskID",
    "ParentInteractionObjectID",
    "InteractionObjectID",
    "ObjectType",
    "CustomerKey",
    "Action",
    "Status",
    "ErrorMsg",
    "QueuedTime",
    "StartTime",
    "EndTime",
    "CompletedDate",
)


class TaskTable:
    """The ``ampy_task`` rows of one store."""

    def __init__(self, store: DataStore):
        self.store = store

    def add(self, object_type: str, object_key: str, action: str, *, ioid: str, parent_ioid: str) -> int:
        with self.store.transaction() as db:
            cur = db.execute(
                "INSERT INTO ampy_task (parent_ioid, ioid, object_type, object_key, action, status,"
                " queued_time) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (parent_ioid, ioid, object_type, object_key, action, QUEUED, now_text()),
            )
            return cur.lastrowid

    def get(self, task_id: int) -> dict | None:
        with self.store.reading():
            cur = self.store.db.execute("SELECT * FROM ampy_task WHERE id=?", (task_id,))
            row = cur.fetchone()
            return dict(zip([d[0] for d in cur.description], row, strict=False)) if row else None

    def status(self, task_id: int) -> str | None:
        row = self.get(task_id)
        return row["status"] if row else None

    def start(self, task_id: int) -> bool:
        """Queued → Processing; False when the task was cancelled before it started."""
        with self.store.transaction() as db:
            cur = db.execute(
                "UPDATE ampy_task SET status=?, start_time=? WHERE id=? AND status=? AND cancel=0",
                (PROCESSING, now_text(), task_id, QUEUED),
            )
            return cur.rowcount == 1

    def finish(self, task_id: int, error: str | None = None) -> None:
        stamp = now_text()
        with self.store.transaction() as db:
            db.execute(
                "UPDATE ampy_task SET status=?, error_msg=?, end_time=? WHERE id=? AND status IN (?, ?)",
                (ERROR if error else COMPLETE, error, stamp, task_id, QUEUED, PROCESSING),
            )

    def cancel(self, task_ids: list[int]) -> int:
        """Mark unfinished tasks cancelled; returns how many were still unfinished."""
        if not task_ids:
            return 0
        marks = ", ".join("?" for _ in task_ids)
        with self.store.transaction() as db:
            return db.execute(
                f"UPDATE ampy_task SET cancel=1, status=?, error_msg=?, end_time=? WHERE id IN ({marks})"
                f" AND status IN (?, ?)",
                [ERROR, CANCELED, now_text(), *task_ids, QUEUED, PROCESSING],
            ).rowcount

    def cancelled(self, task_id: int) -> bool:
        with self.store.reading():
            row = self.store.db.execute("SELECT cancel FROM ampy_task WHERE id=?", (task_id,)).fetchone()
        return bool(row and row[0])

    def unfinished_under(self, parent_ioid: str) -> list[int]:
        with self.store.reading():
            return [
                r[0]
                for r in self.store.db.execute(
                    "SELECT id FROM ampy_task WHERE parent_ioid=? AND status IN (?, ?)",
                    (parent_ioid, QUEUED, PROCESSING),
                )
            ]

    def set_detail(self, task_id: int, detail: str) -> None:
        with self.store.transaction() as db:
            db.execute("UPDATE ampy_task SET detail=? WHERE id=?", (detail, task_id))

    def details(self) -> dict[int, str]:
        """What each finished task produced (rows written, files, counts), by task ID: ampy's own
        note, shown by the workbench; AsyncActivityStatus keeps the service's properties only."""
        with self.store.reading():
            rows = self.store.db.execute("SELECT id, detail FROM ampy_task WHERE detail IS NOT NULL").fetchall()
        return {r[0]: r[1] for r in rows}

    def status_objects(self) -> list[ApiObject]:
        """Every task as an AsyncActivityStatus (name/value Properties, as the service returns it)."""
        with self.store.reading():
            rows = self.store.db.execute(
                "SELECT id, parent_ioid, ioid, object_type, object_key, action, status, error_msg,"
                " queued_time, start_time, end_time FROM ampy_task ORDER BY id"
            ).fetchall()
        out = []
        for r in rows:
            done = r[6] in (COMPLETE, ERROR)
            values = (
                str(r[0]),
                r[1] or "",
                r[2] or "",
                r[3],
                r[4] or "",
                r[5],
                r[6],
                r[7] or "",
                r[8] or "",
                r[9] or "",
                r[10] or "",
                (r[10] or "") if done else "",
            )
            props = [
                ApiObject("APIProperty", {"Name": n, "Value": v})
                for n, v in zip(STATUS_PROPERTIES, values, strict=False)
            ]
            out.append(
                ApiObject("AsyncActivityStatus", {"ObjectID": str(r[0]), "Type": r[3], "Properties": props})
            )
        return out


class TaskRunner:
    """One daemon thread that runs jobs in submission order.

    ``worker()`` returns the account a job runs against: for a store on disk, a second connection
    to the same file (so a script polling AsyncActivityStatus never waits on the job's Python lock),
    for an in-memory store the account itself.
    """

    def __init__(self, worker: Callable[[], object]):
        self._worker_factory = worker
        self._worker = None
        self._queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, job: Callable[[object], None]) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="ampy-tasks", daemon=True)
                self._thread.start()
        self._queue.put(job)

    def _loop(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            try:
                if self._worker is None:
                    self._worker = self._worker_factory()
                job(self._worker)
            except Exception:  # noqa: BLE001 - a job bug must not kill the runner; the job marks its own tasks
                traceback.print_exc()

    def wait(self) -> None:
        """Block until every submitted job has run (used by close)."""
        with self._lock:
            thread = self._thread
            self._thread = None
        if thread is not None:
            self._queue.put(None)
            thread.join()

    def close(self) -> None:
        self.wait()
        worker, self._worker = self._worker, None
        close = getattr(worker, "close_worker", None)
        if close is not None:
            close()


def run_task(tasks: TaskTable, task_id: int, work: Callable[[], None]) -> bool:
    """Run one task's work with its status transitions; True when it completed."""
    if not tasks.start(task_id):
        return False
    try:
        work()
    except TaskCanceled:
        tasks.cancel([task_id])
        return False
    except TaskFailed as e:
        tasks.finish(task_id, str(e) or "Error")
        return False
    except Exception as e:  # noqa: BLE001 - an unexpected failure still ends the task, visibly
        tasks.finish(task_id, f"Internal error (please report it): {e}")
        return False
    tasks.finish(task_id)
    return tasks.status(task_id) == COMPLETE
