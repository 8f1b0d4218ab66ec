"""The data extensions a workspace declares and their columns, read from its files only (a lint
must not create or open the workspace's store)."""

from __future__ import annotations

import csv
import json
import os

# folder -> (what its files looked like, what was read from them): `ampy check DIR` and the
# language server lint many times against one workspace; files are read again only once changed.
_READ: dict[str, tuple[tuple, dict[str, dict[str, str]]]] = {}


def data_extensions(workspace: str) -> dict[str, dict[str, str]]:
    """Lower-cased data extension name -> {lower-cased column: column}, from
    ``dataextensions/NAME.schema.json`` (its fields) or else ``NAME.csv`` (its header). The
    entry ``""`` of each maps to the data extension's own spelling. Callers must not change it."""
    folder = os.path.join(workspace, "dataextensions")
    try:
        stats = sorted((e.name, e.stat()) for e in os.scandir(folder))
    except OSError:
        return {}
    stamp = tuple((name, st.st_mtime_ns, st.st_size) for name, st in stats)
    cached = _READ.get(folder)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    found = _read(folder, [name for name, _ in stats])
    _READ[folder] = (stamp, found)
    return found


def _read(folder: str, names: list[str]) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for entry in names:
        path = os.path.join(folder, entry)
        if entry.lower().endswith(".schema.json"):
            try:
                with open(path, encoding="utf-8") as f:
                    data = json.load(f)
                key = str(data.get("name") or data.get("customerKey") or entry[:-len(".schema.json")])
                fields = {str(x.get("name", "")).lower(): str(x.get("name", "")) for x in data.get("fields", [])}
            except (OSError, ValueError, AttributeError):
                continue
            fields[""] = key
            found[key.lower()] = fields
            found.setdefault(entry[:-len(".schema.json")].lower(), fields)
        elif entry.lower().endswith(".csv"):
            name = entry[:-4].lower()
            if name in found:
                continue
            try:
                with open(path, encoding="utf-8-sig", newline="") as f:
                    header = next(csv.reader(f), [])
            except (OSError, UnicodeDecodeError, csv.Error):
                continue
            found[name] = {h.strip().lower(): h.strip() for h in header}
            found[name][""] = entry[:-4]
    return found


def is_email_content(workspace: str, filename: str) -> bool:
    """Whether a file lies under the workspace's email content folder (``content/``)."""
    try:
        content = os.path.realpath(os.path.join(workspace, "content"))
        return os.path.commonpath([content, os.path.realpath(filename)]) == content
    except ValueError:
        return False
