"""Builtins of the http category (see ampscript-functions.md)."""
