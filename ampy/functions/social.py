"""Builtins of the social category (see ampscript-functions.md)."""
