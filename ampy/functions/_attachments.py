"""The bytes AttachFile puts into the message being sent, fetched while the subscriber renders
(so a missing file or a refused URL is an error at the AttachFile call, with its position).

- ``http``: a GET through the render's HTTP transport (the ``[http] allow`` list, timeouts and
  size limit of every HTTP function); the reply must be 200.
- ``contentbuilder``: a file of the content folder, by index ID or key or by path
  (see ``ampy.cloud.content_index``).
- ``ftp``: a file under the workspace's ``ftp/`` folder (``Export/report.csv``).
"""

from __future__ import annotations

import mimetypes
import os
from urllib.parse import unquote, urlsplit

from ..errors import FunctionError

MAX_FILE_BYTES = 10_000_000  # what a local file attachment may weigh (a mail server refuses more)


def fetch(ctx, source: str, location: str) -> tuple[bytes, str, str]:
    """(data, content type, default file name) of an attachment."""
    if source == "http":
        return _http(ctx, location)
    if source == "contentbuilder":
        from ..cloud.content_index import ContentIndexError, attachment_file

        folder = getattr(getattr(ctx.backend, "content", None), "path", None)
        try:
            path = attachment_file(folder, location)
        except ContentIndexError as e:
            raise FunctionError(str(e)) from None
        if path is None:
            raise FunctionError(f"no content file '{location}' to attach (by index id or key, or a path "
                                "under the content folder)")
        return _file(path)
    workspace = getattr(ctx.backend, "workspace", None)
    if not workspace:
        raise FunctionError("an ftp attachment needs a workspace (its ftp/ folder)")
    from ..cloud.content_index import resolve_file

    path = resolve_file(os.path.join(workspace, "ftp"), location)
    if path is None:
        raise FunctionError(f"no file '{location}' in the workspace's ftp folder")
    return _file(path)


def _http(ctx, url: str) -> tuple[bytes, str, str]:
    from ..http.transport import transport_for

    reply = transport_for(ctx).request("GET", url)
    if reply.status != 200:
        raise FunctionError(f"the attachment at {url} answered HTTP {reply.status}")
    content_type = (reply.header("Content-Type") or "").split(";")[0].strip()
    name = unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]) or "attachment"
    return reply.body, content_type or _guess(name), name


def _file(path: str) -> tuple[bytes, str, str]:
    name = os.path.basename(path)
    try:
        if os.path.getsize(path) > MAX_FILE_BYTES:
            raise FunctionError(f"the attachment {name} is larger than {MAX_FILE_BYTES:,} bytes")
        with open(path, "rb") as f:
            return f.read(), _guess(name), name
    except OSError as e:
        raise FunctionError(f"the attachment {name} cannot be read: {e.strerror}") from None


def _guess(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"
