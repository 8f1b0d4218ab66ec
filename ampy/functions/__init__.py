"""Builtin functions, one module per official reference category. Importing this package
registers nothing: ampy.registry imports the module declaring a builtin when it is first looked up
(see ``_index.py``), and ``load_all`` imports every one."""

from __future__ import annotations

from importlib import import_module

MODULES = (
    "contacts",
    "content",
    "data_extensions",
    "dates",
    "einstein",
    "encryption",
    "http",
    "maths",
    "mscrm",
    "salesforce",
    "sites",
    "sms",
    "soap_api",
    "social",
    "strings",
    "utilities",
)


def load_all() -> None:
    """Import every function module (each registers its builtins on import)."""
    for name in MODULES:
        import_module(f"{__name__}.{name}")
