"""Parse AMPscript source into the own AST (ampy.syntax.ast).

A template is read by recursive descent (ampy.syntax.descent) as it is scanned; only when that
is unsure (a mistake in the template) or the template holds GTL tags does the LALR grammar
(ampy.syntax.lalr, over Lark's tables) read it, for the exact error or the GTL blocks. So
rendering a correct AMPscript template never loads Lark.
"""

from __future__ import annotations

from . import ast
from .descent import Unsure, parse_tokens
from .lexer import iter_tokens


def parse(source: str, name: str = "<string>", gtl: bool = True) -> ast.Template:
    """Parse a whole template. Raises AmpscriptSyntaxError with the position of the problem;
    ``.incomplete`` is true when the input simply ended too early. ``gtl`` false leaves Guide
    Template Language tags as text."""
    if not (gtl and ("{{" in source or "%%{" in source)):  # no GTL tag can be in it
        try:
            # scanned as parsed: a large template's tokens never all exist at once
            return ast.Template(parse_tokens(iter_tokens(source, name, gtl=gtl, raw=True)), name, source)
        except (Unsure, RecursionError):
            pass
    from .lalr import parse as parse_lalr

    return parse_lalr(source, name, gtl)


def __getattr__(name: str):
    # parse_all (the linter's), the LALR driver and the grammar live in ampy.syntax.lalr.
    if name.startswith("__"):  # the import system asking (__path__ ...): not a reason to load Lark
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from . import lalr

    try:
        return getattr(lalr, name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
