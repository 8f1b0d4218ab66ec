"""Content Builder image assets over REST: the two routes the soap backend's ContentImageByKey/ByID
ask a tenant, answered from the served workspace's ``content/images/`` (``ampy.cloud.images``
through the backend's ``content_image``).

- ``GET /asset/v1/content/assets?$filter=customerKey eq 'KEY'`` → ``{"count", "page", "pageSize",
  "items"}`` with the matching image (keys match ignoring case) or no items;
- ``GET /asset/v1/content/assets/{id}`` → the asset, or 404.

An asset is ``id`` (when ``images.json`` gives one), ``customerKey``, ``name`` (the title),
``description`` (the alt text, else ``''``), ``assetType`` ``{"name": <file extension>}`` and
``fileProperties`` ``{"publishedURL", "fileName"}``. Both routes need a valid bearer token from
``/v2/token`` (else 401, as the campaign routes); other filters are 400; a broken ``images.json``
is a 500 whose message says what is wrong.
"""

from __future__ import annotations

import os
import re
import threading
from urllib.parse import parse_qs, urlsplit

from ..backends.base import BackendError
from .auth import ServerAuth
from .rest import bearer_is_valid

PAGE_SIZE = 50
NOT_AUTHORIZED = {"message": "Not Authorized", "errorcode": 0}
_KEY_FILTER = re.compile(r"^\s*customerKey\s+eq\s+'((?:[^']|'')*)'\s*$", re.IGNORECASE)


class ContentAssets:
    def __init__(self, backend, auth: ServerAuth, *, lock: threading.RLock | None = None):
        self.backend = backend
        self.auth = auth
        self.lock = lock or threading.RLock()

    def by_filter(self, query_string: str, authorization: str) -> tuple[int, dict]:
        """(HTTP status, JSON payload) for the ``$filter`` query."""
        if not bearer_is_valid(self.auth, authorization):
            return 401, dict(NOT_AUTHORIZED)
        query = parse_qs(query_string, keep_blank_values=True)
        match = _KEY_FILTER.match((query.get("$filter") or [""])[0])
        if match is None:
            return 400, {"message": "Only $filter=customerKey eq '<key>' is supported.", "errorcode": 10001}
        status, record = self._record(key=match.group(1).replace("''", "'"))
        if status != 200:
            return status, record
        items = [asset(record)] if record else []
        return 200, {"count": len(items), "page": 1, "pageSize": PAGE_SIZE, "links": {}, "items": items}

    def by_id(self, asset_id: str, authorization: str) -> tuple[int, dict]:
        """(HTTP status, JSON payload) for one asset by its numeric ID."""
        if not bearer_is_valid(self.auth, authorization):
            return 401, dict(NOT_AUTHORIZED)
        if not (asset_id.isascii() and asset_id.isdigit()):
            return 400, {"message": f"Asset ID '{asset_id}' is not a number.", "errorcode": 10001}
        status, record = self._record(id=asset_id)
        if status != 200:
            return status, record
        if not record:
            return 404, {"message": f"Asset with ID {asset_id} not found.", "errorcode": 10002}
        return 200, asset(record)

    def _record(self, **ref: str) -> tuple[int, dict | None]:
        try:
            with self.lock:
                return 200, self.backend.content_image(**ref)
        except BackendError as e:
            return 500, {"message": str(e), "errorcode": 0}


def asset(record: dict) -> dict:
    """An image record of ``ampy.cloud.images`` as a Content Builder asset."""
    file_name = record.get("file") or os.path.basename(urlsplit(record.get("url") or "").path)
    extension = os.path.splitext(file_name)[1].lstrip(".").lower()
    answer: dict = {}
    if record.get("id"):
        answer["id"] = int(record["id"])
    answer.update({"customerKey": record.get("key", ""), "name": record.get("title", ""),
                   "description": record.get("alt", ""),
                   "assetType": {"name": extension} if extension else {},
                   "fileProperties": {"publishedURL": record.get("url", ""), "fileName": file_name}})
    return answer
