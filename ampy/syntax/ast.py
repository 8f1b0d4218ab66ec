"""AMPscript syntax tree: frozen dataclasses, every node with its 1-based line and column."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Node:
    line: int
    column: int


# ---- expressions -------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Str(Node):
    value: str


@dataclass(frozen=True, slots=True)
class Num(Node):
    value: int | float
    text: str


@dataclass(frozen=True, slots=True)
class Bool(Node):
    value: bool


@dataclass(frozen=True, slots=True)
class Variable(Node):
    name: str  # as written, with the @


@dataclass(frozen=True, slots=True)
class Attribute(Node):
    name: str  # without brackets


@dataclass(frozen=True, slots=True)
class Call(Node):
    name: str
    args: tuple["Expr", ...]


@dataclass(frozen=True, slots=True)
class Compare(Node):
    op: str  # == != < > <= >=
    left: "Expr"
    right: "Expr"


@dataclass(frozen=True, slots=True)
class And(Node):
    left: "Expr"
    right: "Expr"


@dataclass(frozen=True, slots=True)
class Or(Node):
    left: "Expr"
    right: "Expr"


@dataclass(frozen=True, slots=True)
class Not(Node):
    operand: "Expr"


Expr = Str | Num | Bool | Variable | Attribute | Call | Compare | And | Or | Not


# ---- statements --------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Text(Node):
    text: str


@dataclass(frozen=True, slots=True)
class AttrOut(Node):
    name: str


@dataclass(frozen=True, slots=True)
class Inline(Node):
    expr: Expr


@dataclass(frozen=True, slots=True)
class VarDecl(Node):
    names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SetVar(Node):
    name: str
    expr: Expr


@dataclass(frozen=True, slots=True)
class If(Node):
    branches: tuple[tuple[Expr, tuple["Stmt", ...]], ...]
    orelse: tuple["Stmt", ...] | None


@dataclass(frozen=True, slots=True)
class For(Node):
    var: str
    start: Expr
    end: Expr
    down: bool
    body: tuple["Stmt", ...]


@dataclass(frozen=True, slots=True)
class ExprStmt(Node):
    expr: Expr


Stmt = Text | AttrOut | Inline | VarDecl | SetVar | If | For | ExprStmt


@dataclass(frozen=True, slots=True)
class Template:
    body: tuple[Stmt, ...]
    name: str
    source: str


def walk(nodes):
    """Every node below the given statements/expressions, depth first."""
    stack = list(nodes)
    while stack:
        node = stack.pop()
        if node is None:
            continue
        yield node
        if isinstance(node, Call):
            stack.extend(node.args)
        elif isinstance(node, (Compare, And, Or)):
            stack.extend((node.left, node.right))
        elif isinstance(node, Not):
            stack.append(node.operand)
        elif isinstance(node, (Inline, ExprStmt)):
            stack.append(node.expr)
        elif isinstance(node, SetVar):
            stack.append(node.expr)
        elif isinstance(node, If):
            for cond, body in node.branches:
                stack.append(cond)
                stack.extend(body)
            if node.orelse:
                stack.extend(node.orelse)
        elif isinstance(node, For):
            stack.extend((node.start, node.end))
            stack.extend(node.body)
        else:
            children = getattr(node, "gtl_children", None)  # Guide Template Language nodes
            if children is not None:
                stack.extend(children())


def variable_spellings(nodes) -> dict[str, str]:
    """Each variable's lower-cased key and its spelling as first met by ``walk`` (variables are
    case-insensitive; the trace and the REPL show them as the template wrote them)."""
    found: dict[str, str] = {}
    for node in walk(nodes):
        if isinstance(node, (SetVar, Variable)):
            names: tuple[str, ...] = (node.name,)
        elif isinstance(node, VarDecl):
            names = node.names
        elif isinstance(node, For):
            names = (node.var,)
        else:
            continue
        for name in names:
            found.setdefault(name.lower(), name)
    return found


def unparse(node) -> str:
    """AMPscript source for an expression (the trace shows lazy arguments with it, the linter
    its hints)."""
    if isinstance(node, Str):
        return '"' + node.value.replace('"', '""') + '"'
    if isinstance(node, Num):
        return node.text
    if isinstance(node, Bool):
        return "true" if node.value else "false"
    if isinstance(node, (Variable, Attribute)):
        return node.name
    if isinstance(node, Call):
        return f"{node.name}({', '.join(unparse(a) for a in node.args)})"
    if isinstance(node, Compare):
        return f"{unparse(node.left)} {node.op} {unparse(node.right)}"
    if isinstance(node, And):
        return f"{unparse(node.left)} AND {unparse(node.right)}"
    if isinstance(node, Or):
        return f"{unparse(node.left)} OR {unparse(node.right)}"
    if isinstance(node, Not):
        return f"NOT {unparse(node.operand)}"
    return "?"
