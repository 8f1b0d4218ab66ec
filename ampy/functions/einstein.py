"""Builtins of the einstein category (see ampscript-functions.md)."""
