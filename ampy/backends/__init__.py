"""Backends: where data extensions, content and API objects live (one protocol, several stores)."""

from __future__ import annotations

_default = None


def default_backend():
    """The backend used when a render names none: an empty local cloud in memory."""
    global _default
    if _default is None:
        from .local import LocalBackend

        _default = LocalBackend()
    return _default
