"""PlatformApplication ``publish`` / ``deploy``: versioned status changes of an installed package.

A PlatformApplication (created with its CustomerKey = the package key) starts ``Installed`` at
``Version`` 0. ``publish`` makes a new version: Version + 1, ``PublishedVersion`` = it,
``PublishedDate``, Status ``Published``. ``deploy`` puts the published version live:
``DeployedVersion`` = PublishedVersion, ``DeployedDate``, Status ``Deployed``; deploying a package
that was never published is refused at once, as the service refuses it. Both run as a task; the
record is retrievable like any object.
"""

from __future__ import annotations

from ..api.model import ApiObject
from .objects import ObjectError, now_text, text
from .tasks import TaskFailed

NOT_PUBLISHED = "The application has not been published; publish a version before deploying it."


def _number(obj: ApiObject, prop: str) -> int:
    try:
        return int(text(obj.get(prop)) or 0)
    except ValueError:
        return 0


def _save(cloud, app: ApiObject, changes: dict) -> None:
    found = cloud.objects.find(ApiObject("PlatformApplication", {"ObjectID": text(app.get("ObjectID"))}))
    if found is None:
        raise TaskFailed("The PlatformApplication was deleted before it ran.")
    rowid, current = found
    for name, value in changes.items():
        current.set(name, value)
    cloud.objects.replace(rowid, current)


def publish(cloud, app: ApiObject, task_id: int) -> None:
    version = _number(app, "Version") + 1
    _save(
        cloud,
        app,
        {"Version": str(version), "PublishedVersion": str(version), "PublishedDate": now_text(), "Status": "Published"},
    )
    cloud.tasks.set_detail(task_id, f"version {version} published")


def deploy(cloud, app: ApiObject, task_id: int) -> None:
    version = _number(app, "PublishedVersion")
    if version <= 0:
        raise TaskFailed(NOT_PUBLISHED)
    _save(cloud, app, {"DeployedVersion": str(version), "DeployedDate": now_text(), "Status": "Deployed"})
    cloud.tasks.set_detail(task_id, f"version {version} deployed")


def initial_state(obj: ApiObject) -> None:
    """A new record: Installed at version 0 unless the caller set otherwise."""
    if not text(obj.get("Status")):
        obj.set("Status", "Installed")
    if not text(obj.get("Version")):
        obj.set("Version", "0")


def plan(cloud, action: str, stored: ApiObject, given: ApiObject):
    """PlatformApplication publish / deploy (see perform._planner)."""
    if action == "deploy":
        if _number(stored, "PublishedVersion") <= 0:
            raise ObjectError(NOT_PUBLISHED, 2)
        return "PlatformApplication performed", deploy, None
    return "PlatformApplication performed", publish, None
