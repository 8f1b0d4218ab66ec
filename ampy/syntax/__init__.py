"""AMPscript syntax: the mode-aware scanner, the recursive descent parser, the LALR grammar driver
(templates with mistakes or GTL tags) and the AST."""

__all__ = ["parse"]


def __getattr__(name: str):
    # The parser loads on the first parse, not with the AST classes (Lark only when the LALR grammar is needed).
    if name == "parse":
        from .parser import parse

        return parse
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
