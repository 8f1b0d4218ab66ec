"""Builtins of the mscrm category (see ampscript-functions.md)."""
