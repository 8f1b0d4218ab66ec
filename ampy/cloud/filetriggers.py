"""FileTrigger start: new files in ``ftp/Import`` matching its pattern start its import or campaign.

``FileNamingPattern`` matches file names, ignoring case, as the platform's file drop patterns do:
``%%Year%%`` (4 digits), ``%%Month%%`` and ``%%Day%%`` (2 digits) stand for today's date (system
time), ``*`` for any run of characters and ``?`` for one; anything else is literal, so a plain
name matches just that file.

Each matching file the trigger has not taken yet (a file is the same when its name, size and
modification time are) is recorded in the ``ampy_trigger_file`` table, then starts, in name
order, the ``ImportDefinition`` the trigger names with that file as its FileSpec (one child task
per file, under the trigger's InteractionObjectID) or, with a ``Campaign``, a start of the campaign
per file. A second start takes only files that are new since; a file whose import failed is not
taken again (as on the platform: drop it again to retry). The trigger's task fails when one of
its imports did.
"""

from __future__ import annotations

import os
import re

from ..api.model import ApiObject
from .filetransfers import folder_path, visible_files
from .objects import now_text, text
from .tasks import TaskFailed, run_task

_TOKEN = re.compile(r"%%(year|month|day)%%|\*|\?", re.IGNORECASE)


def pattern_regex(pattern: str, today=None) -> re.Pattern:
    """The FileNamingPattern as a regular expression matching whole file names."""
    from ..runtime.dates import system_now

    today = today or system_now()
    values = {"year": f"{today.year:04d}", "month": f"{today.month:02d}", "day": f"{today.day:02d}"}
    out, last = [], 0
    for m in _TOKEN.finditer(pattern):
        out.append(re.escape(pattern[last : m.start()]))
        token = m.group(0)
        out.append(".*" if token == "*" else "." if token == "?" else values[m.group(1).lower()])
        last = m.end()
    out.append(re.escape(pattern[last:]))
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


def _ensure_table(db) -> None:
    db.execute(
        "CREATE TABLE IF NOT EXISTS ampy_trigger_file (trigger_id TEXT NOT NULL, file_name TEXT NOT NULL,"
        " size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, taken_at TEXT NOT NULL, task_id INTEGER)"
    )


def taken_files(cloud, trigger_object_id: str) -> list[tuple[str, int | None]]:
    """(file name, task ID) of the files a trigger took, in the order it took them."""
    with cloud.store.transaction() as db:
        _ensure_table(db)
        return [
            (r[0], r[1])
            for r in db.execute(
                "SELECT file_name, task_id FROM ampy_trigger_file WHERE trigger_id=? ORDER BY rowid",
                (trigger_object_id,),
            )
        ]


def run_file_trigger(cloud, trigger: ApiObject, task_id: int) -> None:
    pattern = text(trigger.get("FileNamingPattern")).strip()
    if not pattern:
        raise TaskFailed("The FileTrigger has no FileNamingPattern.")
    if "/" in pattern or "\\" in pattern:
        raise TaskFailed(f"The FileNamingPattern '{pattern}' must match file names, not paths.")
    target_type, target = _target(cloud, trigger)
    folder = folder_path(cloud, "Import")
    regex = pattern_regex(pattern)
    trigger_id = text(trigger.get("ObjectID"))
    trigger_ioid = text(trigger.get("InteractionObjectID"))
    target_key = text(target.get("CustomerKey"))
    target_ioid = text(target.get("InteractionObjectID"))
    jobs = []
    with cloud.store.transaction() as db:
        _ensure_table(db)
        seen = {
            (r[0], r[1], r[2])
            for r in db.execute(
                "SELECT file_name, size, mtime_ns FROM ampy_trigger_file WHERE trigger_id=?", (trigger_id,)
            )
        }
        for name in visible_files(folder):
            if not regex.fullmatch(name):
                continue
            stat = os.stat(os.path.join(folder, name))
            if (name, stat.st_size, stat.st_mtime_ns) in seen:
                continue
            child = None
            if target_type == "ImportDefinition":
                child = cloud.tasks.add(
                    "ImportDefinition", target_key, "start", ioid=target_ioid, parent_ioid=trigger_ioid
                )
            db.execute(
                "INSERT INTO ampy_trigger_file (trigger_id, file_name, size, mtime_ns, taken_at, task_id)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (trigger_id, name, stat.st_size, stat.st_mtime_ns, now_text(), child),
            )
            jobs.append((name, child))
    if target_type == "Campaign":
        failed = sum(not _run_campaign(cloud, target, trigger_ioid) for _ in jobs)
        cloud.tasks.set_detail(task_id, _detail(jobs, f"Campaign {target_key}"))
        if failed:
            raise TaskFailed(f"{failed} of {len(jobs)} campaign run(s) started by the trigger did not complete.")
        return
    from .imports import run_import

    failed = 0
    for name, child in jobs:
        definition = ApiObject(target.type, dict(target.properties))
        definition.set("FileSpec", f"ftp/Import/{name}")
        failed += not run_task(cloud.tasks, child, lambda d=definition, c=child: run_import(cloud, d, c))
    cloud.tasks.set_detail(task_id, _detail(jobs, f"ImportDefinition {target_key}"))
    if failed:
        raise TaskFailed(f"{failed} of {len(jobs)} import(s) started by the trigger did not complete.")


def _run_campaign(cloud, campaign: ApiObject, parent_ioid: str) -> bool:
    """One start of the campaign, run here: a Campaign task and one child task per activity."""
    from .perform import _run_activity, campaign_activities

    key, ioid = text(campaign.get("CustomerKey")), text(campaign.get("InteractionObjectID"))
    rowid = cloud.objects.find(ApiObject("Campaign", {"ObjectID": text(campaign.get("ObjectID"))}))[0]
    campaign_task = cloud.tasks.add("Campaign", key, "start", ioid=ioid, parent_ioid=parent_ioid)
    children = [
        (cloud.tasks.add(a["type"], a["key"], "start", ioid=ioid, parent_ioid=ioid), a["type"], a["key"])
        for a in campaign_activities(cloud, rowid)
    ]

    def run_children() -> None:
        failed = sum(
            not run_task(cloud.tasks, child, lambda k=kind, ck=child_key, c=child: _run_activity(cloud, k, ck, c))
            for child, kind, child_key in children
        )
        if failed:
            raise TaskFailed(f"{failed} of {len(children)} campaign activities did not complete.")

    return run_task(cloud.tasks, campaign_task, run_children)


def _detail(jobs: list, what: str) -> str:
    if not jobs:
        return "no new file"
    return f"{len(jobs)} new file(s) for {what}: {', '.join(name for name, _ in jobs)}"


def _target(cloud, trigger: ApiObject) -> tuple[str, ApiObject]:
    for type_name in ("ImportDefinition", "Campaign"):
        ref = trigger.get(type_name)
        if isinstance(ref, ApiObject) and ref.properties:
            found = cloud.objects.find(ApiObject(type_name, dict(ref.properties)))
            if found is None:
                key = text(ref.get("CustomerKey")) or text(ref.get("ObjectID")) or text(ref.get("ID"))
                raise TaskFailed(f"The {type_name} '{key}' the FileTrigger starts does not exist.")
            return type_name, found[1]
    raise TaskFailed("The FileTrigger names neither an ImportDefinition nor a Campaign to start.")
