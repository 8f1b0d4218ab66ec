"""Builtins of the soap api category (see ampscript-functions.md)."""
