"""GTL syntax tree nodes; they sit in the AMPscript tree (ampy.syntax.ast) as statements."""

from __future__ import annotations

from dataclasses import dataclass

from ..syntax.ast import Call as FnCall  # noqa: F401 - {{=Fn(args)}} is an AMPscript call
from ..syntax.ast import Node


# ---- expressions inside tags
@dataclass(frozen=True, slots=True)
class Path(Node):
    """``a.b``, ``../x``, ``this``, ``.``, ``@var``; ``parts`` are as written (brackets removed)."""
    up: int
    parts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Literal(Node):
    value: object


@dataclass(frozen=True, slots=True)
class Escaped(Node):
    """A looked-up function argument: passed HTML-escaped in HTML content (spec §6)."""
    path: Path

    def gtl_children(self):
        return [self.path]


@dataclass(frozen=True, slots=True)
class Compare(Node):
    op: str
    left: object
    right: object

    def gtl_children(self):
        return [self.left, self.right]


# ---- statements
@dataclass(frozen=True, slots=True)
class Output(Node):
    """``{{x}}`` (escaped), ``{{{x}}}`` / ``{{&x}}`` (raw), ``{{=Fn()}}`` (raw call result).
    ``markup`` is an escaped tag as written, printed when variableEmptyValue=markup finds no value."""
    expr: object
    raw: bool
    markup: str = ""

    def gtl_children(self):
        return [self.expr]


@dataclass(frozen=True, slots=True)
class Block(Node):
    """A block tag and its parts. ``kind``: section, inverted, if, unless, each, with, switch,
    datasource, dataobject, slot, block, meta, default. ``parts`` are (marker, body) pairs: the
    first marker is None; later ones are ``("else", None)`` or ``("when", expr)``."""
    kind: str
    expr: object
    attrs: tuple[tuple[str, object], ...]
    data: str | None
    parts: tuple

    def gtl_children(self):
        found = [self.expr] if self.expr is not None else []
        for marker, body in self.parts:
            if marker is not None and marker[1] is not None:
                found.append(marker[1])
            found.extend(body)
        return found


@dataclass(frozen=True, slots=True)
class Partial(Node):
    ident: str


@dataclass(frozen=True, slots=True)
class Data(Node):
    """A ``{{.data}}…{{/data}}`` section: configuration of the enclosing block, never output."""
    text: str


def variables_read(nodes) -> set[str]:
    """The AMPscript variables GTL reads (``{{@x}}``, a ``.data`` target ``"@x"``, ``source=@x``),
    lower-cased: the linter counts them as reads."""
    import re

    found: set[str] = set()
    for node in nodes:
        if isinstance(node, Path) and node.parts and node.parts[0].startswith("@"):
            found.add(node.parts[0].lower())
        elif isinstance(node, Block):
            if node.data:
                found.update(m.lower() for m in re.findall(r"@@?\w+", node.data))
            found.update(str(v).lower() for _, v in node.attrs if str(v).startswith("@"))
    return found
