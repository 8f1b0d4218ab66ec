"""The ``local`` backend: the embedded Marketing Cloud (SQLite data extensions, content folder,
API objects, asynchronous tasks and sends; see ``ampy.cloud``)."""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Sequence

from ..api.model import ApiObject
from ..cloud.store import BUSY_TIMEOUT, DataStore
from ..textfiles import NotText, read_text_file
from .base import ApiResponse, Backend, BackendError, Pairs, Row, declared_relationships

_CONTENT_EXTENSIONS = (".amp", ".ampscript", ".html", ".htm", ".txt")


class ContentFolder:
    """Content blocks from a folder: a top-level file's stem is its key and name, a
    ``Folder\\Sub\\name`` path finds a file in subfolders, IDs come from ``index.json``
    (see ``ampy.cloud.content_index``); all matched case-insensitively."""

    def __init__(self, path: str | None):
        self.path = path
        self._stamp: object = None
        self._files: dict[str, str] = {}
        self._index = None

    def find(self, ref: str) -> str | None:
        """A block by name: a folder path, or a top-level file's stem."""
        if self.path and ref and ("\\" in ref or "/" in ref):
            from ..cloud.content_index import resolve_path

            found = resolve_path(self.path, ref)
            return self._read(found) if found else None
        return self._top(ref)

    def find_key(self, ref: str) -> str | None:
        """A block by customer key: a top-level file's stem, else a ``key`` of index.json."""
        found = self._top(ref)
        if found is None and self.path and ref:
            path = self._content_index("file_for_key", ref)
            found = self._read(path) if path else None
        return found

    def find_id(self, ref: str) -> str | None:
        """A block by numeric ID through index.json; a file named after the ID as the fallback."""
        if not self.path or not ref:
            return None
        path = self._content_index("file_for_id", ref)
        return self._read(path) if path else self._top(ref)

    def _content_index(self, method: str, ref: str) -> str | None:
        from ..cloud.content_index import ContentIndex, ContentIndexError

        if self._index is None:
            self._index = ContentIndex(self.path)
        try:
            return getattr(self._index, method)(ref)
        except ContentIndexError as e:
            raise BackendError(str(e)) from None

    def _top(self, ref: str) -> str | None:
        if not self.path or not ref:
            return None
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        if not stat.S_ISDIR(st.st_mode):
            raise BackendError(f"Content folder '{self.path}' is not a folder")
        if st.st_mtime_ns != self._stamp:
            files = {}
            try:
                entries = sorted(os.scandir(self.path), key=lambda e: e.name)
            except OSError as e:
                raise BackendError(f"Content folder '{self.path}' cannot be read: {e.strerror}") from None
            for entry in entries:
                stem, ext = os.path.splitext(entry.name)
                if entry.is_file() and (ext.lower() in _CONTENT_EXTENSIONS or not ext):
                    files.setdefault(stem.lower(), entry.path)
            self._files, self._stamp = files, st.st_mtime_ns
        path = self._files.get(str(ref).strip().lower())
        return None if path is None else self._read(path)

    def _read(self, path: str) -> str:
        what = f"Content block {os.path.basename(path)}"
        try:
            return read_text_file(path, what)
        except OSError as e:
            raise BackendError(f"{what} cannot be read: {e.strerror}") from None
        except NotText as e:
            raise BackendError(str(e)) from None


class LocalBackend(Backend):
    """Data extensions from CSV files through SQLite, content blocks from a folder."""

    name = "local"
    # Retrieve may run beside other calls: the store serialises its own statements, and objects are
    # built after its lock is released (ampy serve then need not queue small reads behind a large one).
    concurrent_retrieve = True
    # lookup/row_count take a per-render ``fresh_token``: a CSV is checked for changes once per render.
    per_render_freshness = True

    def __init__(
        self,
        data_dir: str | None = None,
        content_dir: str | None = None,
        *,
        store_path: str = ":memory:",
        workspace: str | None = None,
        settings=None,
        salesforce_dir: str | None = None,
        busy_timeout: float = BUSY_TIMEOUT,
    ):
        self.data_dir = data_dir
        self.content_dir = content_dir
        self.store_path = store_path
        self.workspace = workspace
        # The Sales & Service Cloud stand-in: a folder of <Object>.csv files (None: no org connected).
        self.salesforce_dir = salesforce_dir
        self.settings = settings  # ampy.settings.Settings of the workspace (None: defaults)
        self.store = DataStore(store_path, data_dir, busy_timeout=busy_timeout)
        self.content = ContentFolder(content_dir)
        self._images = None  # ContentImages of <content_dir>/images, made on first use
        self._cloud = None
        self._cloud_lock = threading.Lock()

    @classmethod
    def for_workspace(cls, root: str) -> LocalBackend:
        """The account stored in a workspace folder (its store is created on first use)."""
        from ..cloud.workspace import paths
        from ..settings import load_settings

        p = paths(root)
        os.makedirs(os.path.dirname(p["store"]), exist_ok=True)
        try:
            settings = load_settings(p["settings"])
        except ValueError as e:
            raise BackendError(str(e)) from None
        return cls(p["data"], p["content"], store_path=p["store"], workspace=root, settings=settings,
                   salesforce_dir=p["salesforce"])

    # ---- the account (API objects, tasks) ----------------------------------------------------
    @property
    def cloud(self):
        """The account behind the API verbs, created on first use (definitions are imported then)."""
        if self._cloud is None:
            with self._cloud_lock:
                if self._cloud is None:
                    from ..cloud.account import LocalCloud

                    cloud = LocalCloud(self, workspace=self.workspace, worker_factory=self._open_worker)
                    self._cloud = cloud
        from ..cloud.workspace import sync_definitions

        sync_definitions(self._cloud)
        return self._cloud

    def _open_worker(self):
        """The account background tasks run against: its own connection to the same file, so a
        script polling task status and the task itself never wait on one Python lock."""
        if self.store_path == ":memory:":
            return self._cloud
        worker = LocalBackend(
            self.data_dir,
            self.content_dir,
            store_path=self.store_path,
            workspace=self.workspace,
            settings=self.settings,
            salesforce_dir=self.salesforce_dir,
        )
        worker.content = self.content
        return worker.cloud

    def api_create(self, objects: list[ApiObject], options: ApiObject | None = None) -> ApiResponse:
        return self.cloud.create(objects, options)

    def api_update(self, objects: list[ApiObject], options: ApiObject | None = None) -> ApiResponse:
        return self.cloud.update(objects, options)

    def api_delete(self, objects: list[ApiObject], options: ApiObject | None = None) -> ApiResponse:
        return self.cloud.delete(objects, options)

    def api_retrieve(self, request: ApiObject) -> ApiResponse:
        return self.cloud.retrieve(request)

    def api_perform(
        self, action: str, definitions: list[ApiObject], options: ApiObject | None = None
    ) -> ApiResponse:
        return self.cloud.perform(action, definitions, options)

    def api_configure(
        self, action: str, configurations: list[ApiObject], options: ApiObject | None = None
    ) -> ApiResponse:
        return self.cloud.configure(action, configurations, options)

    def api_execute(self, requests: list[ApiObject]) -> ApiResponse:
        return self.cloud.execute(requests)

    def api_extract(self, requests: list[ApiObject]) -> ApiResponse:
        return self.cloud.extract(requests)

    def api_describe(self, object_types: list[str]) -> ApiResponse:
        return self.cloud.describe(object_types)

    def execute_filter(
        self, filter_key: str, *, order_by: Sequence[tuple[str, bool]] = (), limit: int | None = None
    ) -> list[Row]:
        from ..cloud.filters import execute_filter

        return execute_filter(self.cloud, filter_key, order_by=order_by, limit=limit)

    def wait_for_tasks(self) -> None:
        """Block until every queued background task has run."""
        if self._cloud is not None:
            self._cloud.runner.wait()

    # ---- data extensions
    def lookup(
        self,
        de: str,
        filters: Pairs,
        *,
        case_sensitive: bool = False,
        order_by: Sequence[tuple[str, bool]] = (),
        limit: int | None = None,
        fresh_token: object = None,
    ) -> list[Row]:
        return self.store.lookup(de, filters, case_sensitive=case_sensitive, order_by=order_by, limit=limit,
                                 fresh_token=fresh_token)

    def relationships(self) -> list[dict]:
        """The ``[[relationships]]`` of the workspace's ampy.toml, then the ``relationships``
        declared in its ``<DE>.schema.json`` files."""
        found = declared_relationships(self.settings)
        for info in self.store.all_infos():
            for rel in info.meta.get("Relationships") or ():
                if isinstance(rel, dict) and rel.get("name") and rel.get("dataExtension"):
                    found.append({**rel, "from": info.name})
        return found

    def insert_row(self, de: str, values: Pairs) -> int:
        return self.store.insert_row(de, values)

    def update_rows(self, de: str, keys: Pairs, values: Pairs) -> int:
        return self.store.update_rows(de, keys, values)

    def upsert_row(self, de: str, keys: Pairs, values: Pairs) -> int:
        return self.store.upsert_row(de, keys, values)

    def delete_rows(self, de: str, filters: Pairs) -> int:
        return self.store.delete_rows(de, filters)

    def row_count(self, de: str, fresh_token: object = None) -> int:
        return self.store.row_count(de, fresh_token)

    def claim_row(
        self, de: str, claimed_column: str, claimant_column: str, claimant_value: object, claimant_pairs: Pairs
    ) -> Row | None:
        return self.store.claim_row(de, claimed_column, claimant_column, claimant_value, claimant_pairs)

    # ---- content
    def content_block(
        self, *, key: str | None = None, name: str | None = None, id: str | None = None
    ) -> str | None:
        if key is not None:
            return self.content.find_key(key)
        if id is not None:
            return self.content.find_id(id)
        return self.content.find(name or "")

    def content_image(self, *, key: str | None = None, id: str | None = None) -> dict | None:
        """An image of ``<content>/images/`` (see ``ampy.cloud.images``) by key or ID."""
        from ..cloud.images import ImageError

        try:
            images = self._content_images()
            if images is None:
                return None
            return images.by_key(key) if key is not None else images.by_id(id or "")
        except ImageError as e:
            raise BackendError(str(e)) from None

    def _content_images(self):
        if self._images is None and self.content_dir:
            from ..cloud.images import ContentImages
            from ..settings import DEFAULT_SETTINGS

            settings = self.settings or DEFAULT_SETTINGS
            account = settings.raw.get("account", {}) if isinstance(settings.raw, dict) else {}
            self._images = ContentImages(os.path.join(self.content_dir, "images"),
                                         member_id=settings.member_id, stack=account.get("stack", 1))
        return self._images

    def close(self) -> None:
        """Finish queued background tasks, then close the store."""
        if self._cloud is not None:
            self._cloud.close()
        self.store.close()


_folder_backends: dict[tuple[str | None, str | None], LocalBackend] = {}
_folder_lock = threading.Lock()


def folder_backend(data_dir, content_dir) -> LocalBackend:
    """A LocalBackend for plain folders, shared per (data_dir, content_dir) in this process so
    repeated ``ampy.render(..., data_dir=...)`` calls import each CSV once."""
    key = (
        os.path.abspath(data_dir) if data_dir else None,
        os.path.abspath(content_dir) if content_dir else None,
    )
    with _folder_lock:
        backend = _folder_backends.get(key)
        if backend is None:
            backend = _folder_backends[key] = LocalBackend(key[0], key[1])
        return backend
