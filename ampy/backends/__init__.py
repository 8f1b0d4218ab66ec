"""Backends: where data extensions, content and API objects live (one protocol, several stores)."""

from __future__ import annotations

import os

_default = None


def default_backend():
    """The backend used when a render names none: an empty local cloud in memory."""
    global _default
    if _default is None:
        from .local import LocalBackend

        _default = LocalBackend()
    return _default


def open_backend(
    kind: str = "local",
    *,
    workspace: str | None = None,
    data_dir: str | None = None,
    content_dir: str | None = None,
    profile: str | None = None,
):
    """The one place that turns CLI/REPL choices into a backend instance; options that cannot
    work (a folder that is not one) raise BackendConfigError."""
    from .base import BackendConfigError

    for option, folder in (("workspace", workspace), ("--data", data_dir), ("--content", content_dir)):
        if folder and not os.path.isdir(folder):
            raise BackendConfigError(f"{option} {folder} is not a folder")
    if kind == "soap":
        from .soap import SoapBackend  # imported here: zeep is heavy

        return SoapBackend.from_profile(profile, workspace=workspace)
    from .local import LocalBackend

    if workspace:
        backend = LocalBackend.for_workspace(workspace)
        # --data / --content still point the workspace account at other folders when given
        if data_dir:
            backend.data_dir = backend.store.data_dir = data_dir
        if content_dir:
            from .local import ContentFolder

            backend.content_dir = content_dir
            backend.content = ContentFolder(content_dir)
        return backend
    return LocalBackend(data_dir, content_dir)
