"""ImportDefinition start: load a delimited file into the destination data extension.

The file is the definition's ``FileSpec``, looked up in the workspace's ``imports/`` folder (the
local stand-in for the account's Import folder on its FTP), then the workspace itself; it cannot
point outside the workspace. FieldMappingType: InferFromColumnHeadings (default), MapByOrdinal,
ManualMap with ``FieldMaps`` (SourceName or SourceOrdinal → DestinationName). UpdateType:
AddAndUpdate (default), AddAndDoNotUpdate, UpdateButDoNotAdd, Overwrite. Values are checked
against the fields' declared types (``fields.py``, as every row write is); with AllowErrors bad
rows are skipped and counted, otherwise the import fails and the data extension is left as it was
(one transaction).
"""

from __future__ import annotations

import csv
import io
import os

from ..api.model import ApiObject
from ..backends.base import BackendError
from .fields import FieldValueError, values_for_update
from .objects import ObjectError, text, truthy
from .tasks import TaskFailed

UPDATE_TYPES = ("AddAndUpdate", "AddAndDoNotUpdate", "UpdateButDoNotAdd", "Overwrite")
_DELIMITERS = {"tab": "\t", "pipe": "|", "comma": ",", "semicolon": ";"}


def locate_file(cloud, spec: str) -> str:
    if not spec:
        raise TaskFailed("The ImportDefinition has no FileSpec.")
    if not cloud.workspace:
        raise TaskFailed("Imports read files from a workspace; this account has none.")
    root = os.path.realpath(cloud.workspace)
    for folder in (os.path.join(root, "imports"), root):
        path = os.path.realpath(os.path.join(folder, spec))
        if not path.startswith(root + os.sep):
            raise TaskFailed(f"The FileSpec '{spec}' points outside the workspace.")
        if os.path.isfile(path):
            return path
    raise TaskFailed(f"The import file '{spec}' was not found in imports/.")


def read_rows(path: str, delimiter: str, header_lines: int) -> tuple[list[str], list[list[str]]]:
    """Header (from the first header line, if any) and data rows; malformed input is a TaskFailed."""
    with open(path, "rb") as f:
        raw = f.read()
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        content = raw.decode("cp1252", errors="replace")
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter, strict=True)
    try:
        rows = [r for r in reader if r]
    except csv.Error as e:
        raise TaskFailed(f"{os.path.basename(path)}: malformed file at line {reader.line_num}: {e}") from None
    header = [h.strip() for h in rows[0]] if header_lines > 0 and rows else []
    return header, rows[header_lines:]


def run_import(cloud, definition: ApiObject, task_id: int) -> None:
    destination = definition.get("DestinationObject")
    ref = ""
    if isinstance(destination, ApiObject):
        ref = (
            text(destination.get("CustomerKey"))
            or text(destination.get("Name"))
            or text(destination.get("ObjectID"))
        )
    try:
        info = cloud.des.resolve(ref)
    except ObjectError:
        raise TaskFailed(f"The destination data extension '{ref}' does not exist.") from None
    update_type = text(definition.get("UpdateType")) or "AddAndUpdate"
    if update_type.lower() not in {u.lower() for u in UPDATE_TYPES}:
        raise TaskFailed(f"'{update_type}' is not an UpdateType ({', '.join(UPDATE_TYPES)}).")
    update_type = next(u for u in UPDATE_TYPES if u.lower() == update_type.lower())
    delimiter = text(definition.get("Delimiter")) or ","
    delimiter = _DELIMITERS.get(delimiter.lower(), delimiter)
    header_lines = int(text(definition.get("HeaderLines")) or 1)
    path = locate_file(cloud, text(definition.get("FileSpec")))
    header, rows = read_rows(path, delimiter, header_lines)
    mapping = _mapping(definition, header, info)
    allow_errors = truthy(definition.get("AllowErrors"))
    good, skipped, first_error = [], 0, ""
    for number, row in enumerate(rows, start=header_lines + 1):
        try:
            values = []
            for source_index, column in mapping:
                if source_index >= len(row):
                    raise TaskFailed(
                        f"line {number} has {len(row)} field(s); field {source_index + 1} is mapped"
                    )
                value = row[source_index]
                values.append((column, value if value != "" else None))
            # Checked here, row by row, so AllowErrors can skip a bad row; the store's writes
            # below check again (and add defaults) with the same rules.
            values_for_update(info, values)
            good.append((number, values))
        except (TaskFailed, ObjectError, FieldValueError) as e:
            if not allow_errors:
                raise TaskFailed(f"{os.path.basename(path)}: {e}") from None
            skipped += 1
            first_error = first_error or f"line {number}: {e}"
    added = updated = 0
    keys = info.primary_keys
    store = cloud.store
    try:
        with store.transaction():
            if update_type == "Overwrite":
                store.delete_rows(info.name, ())
            for number, values in good:
                key_pairs = [(c, v) for c, v in values if c in keys]
                rest = [(c, v) for c, v in values if c not in keys]
                exists = bool(key_pairs) and bool(store.lookup(info.name, key_pairs, limit=1))
                if exists:
                    if update_type in ("AddAndUpdate", "UpdateButDoNotAdd", "Overwrite"):
                        updated += store.update_rows(info.name, key_pairs, rest) and 1
                elif update_type != "UpdateButDoNotAdd":
                    try:
                        store.insert_row(info.name, values)
                    except FieldValueError as e:
                        # Only a new row can miss a required field; the store refuses it before
                        # writing anything, so skipping it leaves the transaction intact.
                        if not allow_errors:
                            raise TaskFailed(f"{os.path.basename(path)}: {e}") from None
                        skipped += 1
                        first_error = first_error or f"line {number}: {e}"
                        continue
                    added += 1
    except BackendError as e:
        raise TaskFailed(f"Import into '{info.name}' failed: {e}") from None
    detail = f"{added} added, {updated} updated, {skipped} skipped"
    if first_error:
        detail += f" (first error: {first_error})"
    cloud.tasks.set_detail(task_id, detail)


def _mapping(definition: ApiObject, header: list[str], info) -> list[tuple[int, str]]:
    """(source column index, destination field) pairs."""
    kind = (text(definition.get("FieldMappingType")) or "InferFromColumnHeadings").lower()
    out = []
    if kind == "inferfromcolumnheadings":
        if not header:
            raise TaskFailed("InferFromColumnHeadings needs a header line.")
        for i, name in enumerate(header):
            out.append((i, _destination(info, name)))
    elif kind == "mapbyordinal":
        width = len(header) if header else len(info.columns)
        out = [(i, info.columns[i]) for i in range(min(width, len(info.columns)))]
    elif kind == "manualmap":
        maps = definition.get("FieldMaps")
        maps = maps if isinstance(maps, list) else [maps] if maps else []
        lowered = [h.lower() for h in header]
        for m in maps:
            if not isinstance(m, ApiObject):
                continue
            source, ordinal = text(m.get("SourceName")), text(m.get("SourceOrdinal"))
            if source:
                if source.lower() not in lowered:
                    raise TaskFailed(f"The file has no column '{source}'.")
                index = lowered.index(source.lower())
            elif ordinal.isdigit():
                index = int(ordinal) - 1 if int(ordinal) > 0 else 0
            else:
                raise TaskFailed("Every FieldMap needs a SourceName or a SourceOrdinal.")
            out.append((index, _destination(info, text(m.get("DestinationName")))))
        if not out:
            raise TaskFailed("ManualMap needs FieldMaps.")
    else:
        raise TaskFailed(f"'{text(definition.get('FieldMappingType'))}' is not a FieldMappingType.")
    return out


def _destination(info, name: str) -> str:
    try:
        return info.column(name)
    except BackendError:
        raise TaskFailed(f"'{name}' is not a field of data extension '{info.name}'.") from None
