"""Builtins of the contacts category (see ampscript-functions.md)."""
