"""The AMPscript linter behind ``ampy check`` and the language server's diagnostics.

``lint_source`` reports every syntax error of a source (bounded), unknown functions and argument
counts, and warnings with stable codes (see ``ampy.lint.rules.RULES``), minus those silenced by
``ampy: disable=CODE`` comments."""

from __future__ import annotations

from .diagnostic import Diagnostic
from .engine import lint_source

__all__ = ["Diagnostic", "lint_source"]
