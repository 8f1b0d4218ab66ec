"""Recursive descent over the scanner's tokens: the syntax tree of a template without mistakes,
without Lark and without an LALR loop.

It reads the grammar of grammar/ampscript.lark and builds exactly the tree the LALR parser's
actions build (ampy.syntax.parser); where the LALR tables resolve a conflict by shifting
(``NAME (`` is a call, ``NEXT @i`` takes the variable, ``.NAME(`` a member call) it reads as far
as it can, which is the same choice. On anything it does not expect it raises ``Unsure``, and
the LALR parser reads the template again to report the exact error: this module never words an
error itself.

Each function takes the current token and returns what it read with the token after it.
"""

from __future__ import annotations

from itertools import chain

from . import ast
from .lexer import Tok

# Python converts at most this many digits to an int; no double holds such a number anyway.
MAX_INT_DIGITS = 4300


class Unsure(Exception):
    """Not a template this parser reads: the LALR parser decides (and words the error)."""


_Str, _Num, _Bool, _Variable, _Attribute, _Call = ast.Str, ast.Num, ast.Bool, ast.Variable, ast.Attribute, ast.Call
_Compare, _And, _Or, _Not = ast.Compare, ast.And, ast.Or, ast.Not


def parse_tokens(tokens) -> tuple:
    """The statements of a whole template from its tokens (a stream is read as it comes)."""
    nxt = chain(tokens, (Tok("$END", ""),)).__next__

    def atom(t):
        k = t.type
        if k == "VARIABLE":
            return _Variable(t.line, t.column, t.value), nxt()
        if k == "NAME":
            n = nxt()
            if n.type != "LPAR":
                return _Attribute(t.line, t.column, t.value), n
            args, n = arguments(nxt())
            if n.type != "RPAR":
                raise Unsure
            n = nxt()
            if n.type != "DOT":
                return _Call(t.line, t.column, t.value, args), n
            member = nxt()  # MSG(0).VERB, MSG(0).NOUN(n): the dotted forms of Verb(), Noun(n)
            if member.type != "NAME" or t.value.lower() != "msg":
                raise Unsure
            n = nxt()
            args = ()
            if n.type == "LPAR":
                args, n = arguments(nxt())
                if n.type != "RPAR":
                    raise Unsure
                n = nxt()
            return _Call(member.line, member.column, member.value, args), n
        if k == "STRING":
            return _Str(t.line, t.column, t.value), nxt()
        if k == "NUMBER":
            text = t.value
            if "." in text:
                value = float(text)
            elif len(text) - text.startswith("-") > MAX_INT_DIGITS:
                raise Unsure
            else:
                value = int(text)
            return _Num(t.line, t.column, value, text), nxt()
        if k == "TRUE" or k == "FALSE":
            return _Bool(t.line, t.column, k == "TRUE"), nxt()
        if k == "BRACKET_NAME":
            return _Attribute(t.line, t.column, t.value[1:-1].strip()), nxt()
        if k == "LPAR":
            e, n = expr(nxt())
            if n.type != "RPAR":
                raise Unsure
            return e, nxt()
        raise Unsure

    def arguments(t):
        if t.type == "RPAR":
            return (), t
        e, t = expr(t)
        if t.type != "COMMA":
            return (e,), t
        args = [e]
        while t.type == "COMMA":
            e, t = expr(nxt())
            args.append(e)
        return tuple(args), t

    def unary(t):  # not_expr: NOT not_expr | atom (COMPOP | EQ) atom | atom
        if t.type == "NOT":
            operand, n = unary(nxt())
            return _Not(t.line, t.column, operand), n
        left, n = atom(t)
        k = n.type
        if k == "COMPOP":
            right, m = atom(nxt())
            return _Compare(left.line, left.column, n.value, left, right), m
        if k == "EQ":
            right, m = atom(nxt())
            return _Compare(left.line, left.column, "==", left, right), m
        return left, n

    def conjunction(t):
        left, t = unary(t)
        while t.type == "AND":
            right, t = unary(nxt())
            left = _And(left.line, left.column, left, right)
        return left, t

    def expr(t):  # OR binds looser than AND; both to the left
        left, t = unary(t)
        k = t.type
        if k != "AND" and k != "OR":
            return left, t
        while t.type == "AND":
            right, t = unary(nxt())
            left = _And(left.line, left.column, left, right)
        while t.type == "OR":
            right, t = conjunction(nxt())
            left = _Or(left.line, left.column, left, right)
        return left, t

    def expect(kind: str):
        t = nxt()
        if t.type != kind:
            raise Unsure
        return t

    def body(t):
        out = []
        add = out.append
        while True:
            k = t.type
            if k == "TEXT":
                add(ast.Text(t.line, t.column, t.value))
                t = nxt()
            elif k == "BLOCK_OPEN" or k == "BLOCK_CLOSE":
                t = nxt()
            elif k == "INLINE_OPEN":
                e, n = expr(nxt())
                if n.type != "INLINE_CLOSE":
                    raise Unsure
                add(ast.Inline(t.line, t.column, e))
                t = nxt()
            elif k == "SET":
                var = expect("VARIABLE")
                expect("EQ")
                e, n = expr(nxt())
                add(ast.SetVar(t.line, t.column, var.value, e))
                t = n
            elif k == "IF":
                t = if_stmt(t, add)
            elif k == "FOR":
                t = for_stmt(t, add)
            elif k == "ATTR_OUT":
                add(ast.AttrOut(t.line, t.column, str(t).strip()))
                t = nxt()
            elif k == "VAR":
                names = [expect("VARIABLE").value]
                n = nxt()
                while n.type == "COMMA":
                    names.append(expect("VARIABLE").value)
                    n = nxt()
                add(ast.VarDecl(t.line, t.column, tuple(names)))
                t = n
            elif k in _EXPR_START:
                e, t = expr(t)
                add(ast.ExprStmt(e.line, e.column, e))
            else:
                return tuple(out), t

    def if_stmt(head, add):
        cond, n = expr(nxt())
        if n.type != "THEN":
            raise Unsure
        stmts, n = body(nxt())
        branches = [(cond, stmts)]
        while n.type == "ELSEIF":
            cond, n = expr(nxt())
            if n.type != "THEN":
                raise Unsure
            stmts, n = body(nxt())
            branches.append((cond, stmts))
        orelse = None
        if n.type == "ELSE":
            orelse, n = body(nxt())
        if n.type != "ENDIF":
            raise Unsure
        add(ast.If(head.line, head.column, tuple(branches), orelse))
        return nxt()

    def for_stmt(head, add):
        var = expect("VARIABLE").value
        expect("EQ")
        start, n = expr(nxt())
        if n.type != "TO" and n.type != "DOWNTO":
            raise Unsure
        down = n.type == "DOWNTO"
        end, n = expr(nxt())
        if n.type != "DO":
            raise Unsure
        stmts, n = body(nxt())
        if n.type != "NEXT":
            raise Unsure
        n = nxt()
        if n.type == "VARIABLE":
            if n.value.lower() != var.lower():
                raise Unsure
            n = nxt()
        add(ast.For(head.line, head.column, var, start, end, down, stmts))
        return n

    stmts, t = body(nxt())
    if t.type != "$END":
        raise Unsure
    return stmts


# Tokens an expression statement can begin with.
_EXPR_START = frozenset({"NOT", "STRING", "NUMBER", "TRUE", "FALSE", "VARIABLE", "NAME", "BRACKET_NAME", "LPAR"})
