"""What the package installs for the engine at import, without the engine importing it: the
factory of the backend a render that names none uses (the backends sit above the engine, and
importing them, or the engine, must not be the price of ``import ampy``)."""

from __future__ import annotations

backend_factory = None  # a zero-argument callable, set by ampy/__init__.py
