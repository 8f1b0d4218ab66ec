"""AMPscript syntax: the mode-aware scanner, the LALR grammar driver and the AST."""

from .parser import parse

__all__ = ["parse"]
