"""GTL syntax tree nodes; they sit in the AMPscript tree (ampy.syntax.ast) as statements."""

from __future__ import annotations

from dataclasses import dataclass

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
class Raw(Node):
    """``&name`` / ``{name}`` as a function argument: the value not HTML-escaped."""
    path: Path


@dataclass(frozen=True, slots=True)
class FnCall(Node):
    name: str
    args: tuple


@dataclass(frozen=True, slots=True)
class Compare(Node):
    op: str
    left: object
    right: object


# ---- statements
@dataclass(frozen=True, slots=True)
class Output(Node):
    """``{{x}}`` (escaped), ``{{{x}}}`` / ``{{&x}}`` (raw), ``{{=Fn()}}`` (raw call result)."""
    expr: object
    raw: bool


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


@dataclass(frozen=True, slots=True)
class Partial(Node):
    ident: str


@dataclass(frozen=True, slots=True)
class Data(Node):
    """A ``{{.data}}…{{/data}}`` section: configuration of the enclosing block, never output."""
    text: str
