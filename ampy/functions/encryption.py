"""Builtins of the encryption category (see ampscript-functions.md)."""
