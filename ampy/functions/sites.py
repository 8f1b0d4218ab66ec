"""Builtins of the sites category (see ampscript-functions.md)."""
