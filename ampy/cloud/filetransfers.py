"""FileTransferActivity start, and the workspace's file folders that extracts, transfers and file
triggers share.

The folders stand in for the account's file locations: ``safehouse/`` (where extracts land),
``ftp/Import`` and ``ftp/Export`` (the Enhanced FTP's folders). Each is created on first use.

A FileTransferActivity moves the files its ``FileSpec`` names (a plain file name or a glob with
``*`` and ``?``; never a path) from its ``SourceFolder`` (``Safehouse`` by default, or ``Import``,
``Export``) to its ``DestinationFolder`` (``Export`` by default). With ``Unzip`` each file must be
a zip archive and its members land in the destination (the archive is consumed); with ``Zip`` each
file lands as ``<name without extension>.zip`` holding it. Every output is written to a temporary
file first and renamed into place only when all are ready, and the sources are removed last, so a
failure leaves both folders as they were.
"""

from __future__ import annotations

import fnmatch
import os
import zipfile

from ..api.model import ApiObject
from .objects import text, truthy
from .tasks import TaskFailed

FOLDERS = {"safehouse": "safehouse", "import": os.path.join("ftp", "Import"), "export": os.path.join("ftp", "Export")}
_TEMP_PREFIX = ".ampy-partial-"


def folder_path(cloud, name: str) -> str:
    """The workspace folder ``name`` (Safehouse, Import, Export; also ``ftp/Import`` ...), created."""
    if not cloud.workspace:
        raise TaskFailed("File activities work in a workspace's folders; this account has none.")
    key = name.strip().replace("\\", "/").lower()
    key = key[len("ftp/") :] if key.startswith("ftp/") else key
    if key not in FOLDERS:
        raise TaskFailed(f"'{name}' is not a file location (Safehouse, Import, Export).")
    path = os.path.join(cloud.workspace, FOLDERS[key])
    os.makedirs(path, exist_ok=True)
    return path


def display(folder: str, cloud) -> str:
    """A folder as the workspace-relative path messages show (``ftp/Export``)."""
    return os.path.relpath(folder, cloud.workspace).replace(os.sep, "/")


def plain_name(name: str, what: str) -> str:
    """A file name that stays inside its folder: no path separators, no ``..``."""
    name = name.strip()
    if not name or "/" in name or "\\" in name or name in (".", "..") or ":" in name:
        raise TaskFailed(f"The {what} '{name}' must be a file name, not a path.")
    return name


def temp_path(folder: str, name: str) -> str:
    return os.path.join(folder, f"{_TEMP_PREFIX}{name}")


def visible_files(folder: str) -> list[str]:
    """Regular files of a folder, by name, leaving out hidden and partially written ones."""
    return sorted(
        n for n in os.listdir(folder) if not n.startswith(".") and os.path.isfile(os.path.join(folder, n))
    )


def commit(staged: list[tuple[str, str]]) -> None:
    """Rename each (temporary, final) pair into place."""
    for temp, final in staged:
        os.replace(temp, final)


def discard(staged: list[tuple[str, str]]) -> None:
    for temp, _ in staged:
        if os.path.exists(temp):
            os.remove(temp)


def run_file_transfer(cloud, definition: ApiObject, task_id: int) -> None:
    spec = plain_name(text(definition.get("FileSpec")), "FileSpec")
    source = folder_path(cloud, text(definition.get("SourceFolder")) or "Safehouse")
    target = folder_path(cloud, text(definition.get("DestinationFolder")) or "Export")
    if os.path.samefile(source, target):
        raise TaskFailed("The SourceFolder and the DestinationFolder are the same folder.")
    unzip, zip_ = truthy(definition.get("Unzip")), truthy(definition.get("Zip"))
    if unzip and zip_:
        raise TaskFailed("A FileTransferActivity either unzips or zips, not both.")
    names = [n for n in visible_files(source) if fnmatch.fnmatch(n.lower(), spec.lower())]
    if not names:
        raise TaskFailed(f"No file matching '{spec}' in {display(source, cloud)}/.")
    staged: list[tuple[str, str]] = []
    written: list[str] = []
    try:
        for name in names:
            path = os.path.join(source, name)
            if unzip:
                outputs = _unzip(path, name, target)
            elif zip_:
                outputs = [_zip(path, name, target)]
            else:
                outputs = [(temp_path(target, name), name)]
                _copy(path, outputs[0][0])
            for temp, final_name in outputs:
                staged.append((temp, os.path.join(target, final_name)))
                written.append(final_name)
    except OSError as e:
        discard(staged)
        raise TaskFailed(f"Transferring '{spec}' failed, nothing was moved: {e.strerror or e}") from None
    except TaskFailed:
        discard(staged)
        raise
    commit(staged)
    for name in names:
        os.remove(os.path.join(source, name))
    cloud.tasks.set_detail(
        task_id, f"{len(names)} file(s) moved to {display(target, cloud)}/: {', '.join(written)}"
    )


def _copy(path: str, temp: str) -> None:
    with open(path, "rb") as src, open(temp, "wb") as dst:
        while chunk := src.read(1 << 20):
            dst.write(chunk)


def _zip(path: str, name: str, target: str) -> tuple[str, str]:
    final = os.path.splitext(name)[0] + ".zip"
    temp = temp_path(target, final)
    with zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(path, name)
    return temp, final


def _unzip(path: str, name: str, target: str) -> list[tuple[str, str]]:
    if not zipfile.is_zipfile(path):
        raise TaskFailed(f"'{name}' is not a zip archive; it cannot be unzipped.")
    out = []
    try:
        with zipfile.ZipFile(path) as archive:
            for member in archive.infolist():
                if member.is_dir():
                    continue
                # archives may carry folders; their files land flat in the destination, by name only
                member_name = member.filename.replace("\\", "/").rsplit("/", 1)[-1]
                if not member_name or member_name in (".", ".."):
                    raise TaskFailed(f"'{name}' holds an entry without a file name ({member.filename}).")
                temp = temp_path(target, member_name)
                with archive.open(member) as src, open(temp, "wb") as dst:
                    while chunk := src.read(1 << 20):
                        dst.write(chunk)
                out.append((temp, member_name))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError) as e:
        discard(out)
        raise TaskFailed(f"'{name}' cannot be unzipped: {e}") from None
    except (TaskFailed, OSError):
        discard(out)
        raise
    return out
