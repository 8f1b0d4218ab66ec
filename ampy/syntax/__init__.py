"""AMPscript syntax: the mode-aware scanner, the LALR grammar driver and the AST."""

__all__ = ["parse"]


def __getattr__(name: str):
    # The parser (and Lark with it) loads on the first parse, not with the AST classes.
    if name == "parse":
        from .parser import parse

        return parse
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
