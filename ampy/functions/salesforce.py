"""Builtins of the salesforce category (see ampscript-functions.md)."""
