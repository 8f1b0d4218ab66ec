"""A workspace: the local account on disk.

::

    my-account/
      ampy.toml                 settings (time zone, culture, keys, HTTP policy, [smtp])
      dataextensions/*.csv      one data extension per file; optional <name>.schema.json
      content/*                 content blocks (key = file stem; subfolders for ContentBlockByName paths)
      content/index.json        content block IDs -> files (see ampy.cloud.content_index)
      content/images/           images for ContentImageByKey/ByID (see ampy.cloud.images)
      salesforce/*.csv          the connected Sales & Service Cloud org: one CSV per object
      definitions/*.json        API objects seeded into the store (lists, subscribers, emails,
                                send definitions, campaigns, queries, imports ...)
      imports/                  files ImportDefinitions load (their FileSpec)
      outbox/                   sent email as .eml files when no [smtp] is configured
      safehouse/                files extracts write (created on first use)
      ftp/Import, ftp/Export    folders file transfers and file triggers use (created on first use)
      .ampy/store.sqlite        the store (SQLite, WAL), created on first use

Definitions files hold a JSON list of objects written as plain property maps with a ``Type``:
nested objects are maps (their type comes from the property, or their own ``Type``), arrays are
lists, ``{"$file": "content/x.html"}`` reads a file of the workspace as a property's text, and a
Campaign's ``Activities`` (``["QueryDefinition:key", ...]``) lists what it runs. A file is
imported on first use and again whenever it changes; an object already in the store (same
CustomerKey, ID, or SubscriberKey) is updated, not duplicated.
"""

from __future__ import annotations

import json
import os

from ..api.model import ApiObject
from ..backends.base import BackendError
from ..textfiles import NotText, read_text_file
from . import types
from .objects import ObjectError, merge, normalise

STORE_RELATIVE = os.path.join(".ampy", "store.sqlite")
STARTER = "starter"  # the sample account shipped inside the package (ampy/cloud/starter)
SETTINGS_FILE = "ampy.toml"


def paths(root: str) -> dict[str, str]:
    return {
        "data": os.path.join(root, "dataextensions"),
        "content": os.path.join(root, "content"),
        "definitions": os.path.join(root, "definitions"),
        "store": os.path.join(root, STORE_RELATIVE),
        "settings": os.path.join(root, SETTINGS_FILE),
        "salesforce": os.path.join(root, "salesforce"),
    }


class WorkspaceExists(Exception):
    """``ampy init`` refuses to write into a folder that already has files."""


def create_workspace(root: str) -> list[str]:
    """Copy the sample account into ``root`` (a new or empty folder); returns the files written."""
    from importlib import resources

    if os.path.exists(root) and (not os.path.isdir(root) or os.listdir(root)):
        raise WorkspaceExists(f"{root} already exists and is not an empty folder")
    written: list[str] = []

    def copy(node, rel: str) -> None:
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            if child.name == "__pycache__":
                continue
            target = os.path.join(root, rel, child.name)
            if child.is_dir():
                os.makedirs(target, exist_ok=True)
                copy(child, os.path.join(rel, child.name))
            else:
                with open(target, "wb") as f:
                    f.write(child.read_bytes())
                written.append(os.path.join(rel, child.name))

    os.makedirs(root, exist_ok=True)
    copy(resources.files("ampy.cloud").joinpath(STARTER), "")
    for folder in ("imports", "content", "dataextensions", "definitions"):
        os.makedirs(os.path.join(root, folder), exist_ok=True)
    return written


# ---- definitions -------------------------------------------------------------------------------


def to_api_object(data: dict, root: str, fallback: str | None = None) -> ApiObject:
    """A definitions-file map as an ApiObject. ``Type`` names the object type when it is one
    (nested maps may leave it out: the property's declared type is used then)."""
    named = data.get("Type") if isinstance(data.get("Type"), str) else None
    canonical = types.canonical_type(named) if named else None
    used_type_key = canonical is not None
    canonical = canonical or types.canonical_type(fallback or "")
    if canonical is None:
        raise ObjectError(f"unknown object type '{named or fallback}'", 8)
    obj = ApiObject(canonical)
    for name, value in data.items():
        if (name == "Type" and used_type_key) or (name == "Activities" and canonical == "Campaign"):
            continue
        info = types.property_info(canonical, name)
        obj.properties[name] = _value(value, root, info.type_name if info is not None else None)
    return obj


def _value(value: object, root: str, nested_type: str | None) -> object:
    if isinstance(value, dict) and set(value) == {"$file"}:
        if not isinstance(value["$file"], str) or not value["$file"].strip():
            raise ObjectError(f'"$file" must name a file of the workspace, not {json.dumps(value["$file"])}')
        path = os.path.realpath(os.path.join(root, value["$file"]))
        if not path.startswith(os.path.realpath(root) + os.sep):
            raise ObjectError(f"{value['$file']} is outside the workspace")
        try:
            return read_text_file(path, str(value["$file"]))
        except OSError as e:
            raise ObjectError(f"cannot read {value['$file']}: {e.strerror}") from None
        except NotText as e:
            raise ObjectError(str(e)) from None
    if isinstance(value, dict):
        return to_api_object(value, root, nested_type)
    if isinstance(value, list):
        return [_value(v, root, nested_type) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def sync_definitions(cloud) -> None:
    """Import every changed ``definitions/*.json`` file into the store (one transaction per file)."""
    if not cloud.workspace:
        return
    folder = os.path.join(cloud.workspace, "definitions")
    if not os.path.isdir(folder):
        return
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        if not (entry.is_file() and entry.name.lower().endswith(".json")):
            continue
        st = entry.stat()
        stamp = f"{st.st_size}:{st.st_mtime_ns}"
        key = f"definitions/{entry.name}"
        db = cloud.store.db
        with cloud.store.reading():
            row = db.execute("SELECT stamp FROM ampy_source WHERE path=?", (key,)).fetchone()
        if row is not None and row[0] == stamp:
            continue
        with cloud.store.transaction():
            row = db.execute("SELECT stamp FROM ampy_source WHERE path=?", (key,)).fetchone()
            if row is not None and row[0] == stamp:
                continue  # another process imported it meanwhile
            _import_file(cloud, entry.path, entry.name)
            db.execute("INSERT OR REPLACE INTO ampy_source (path, stamp) VALUES (?, ?)", (key, stamp))


def _import_file(cloud, path: str, name: str) -> None:
    try:
        with open(path, encoding="utf-8-sig") as f:
            items = json.load(f)
    except (OSError, ValueError) as e:
        raise BackendError(f"definitions/{name}: {e}") from None
    if not isinstance(items, list):
        raise BackendError(f"definitions/{name}: expected a JSON list of objects")
    for i, item in enumerate(items, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("Type"), str):
            raise BackendError(f"definitions/{name}: object {i} has no Type")
        try:
            obj = normalise(to_api_object(item, cloud.workspace))
            extra = None
            if obj.type == "Campaign":
                activities = []
                listed = item.get("Activities", [])
                if not isinstance(listed, list):
                    raise ObjectError('"Activities" must be a list of "type:key" texts')
                for a in listed:
                    kind, _, key = str(a).partition(":")
                    activities.append({"type": kind.strip(), "key": key.strip()})
                extra = {"activities": activities}
            found = cloud.objects.find(obj)
            if found is None:
                cloud.objects.insert(obj, extra=extra, source=f"definitions/{name}")
            else:
                cloud.objects.replace(found[0], merge(found[1], obj), extra=extra)
        except ObjectError as e:
            raise BackendError(f"definitions/{name}: object {i} ({item.get('Type')}): {e.message}") from None
