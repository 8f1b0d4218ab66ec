"""Builtins of the sms category (see ampscript-functions.md)."""
