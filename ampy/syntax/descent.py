"""Recursive descent over the scanner's tokens: the syntax tree of a template without mistakes,
without Lark and without an LALR loop.

It reads the grammar of grammar/ampscript.lark and builds exactly the tree the LALR parser's
actions build (ampy.syntax.parser); where the LALR tables resolve a conflict by shifting
(``NAME (`` is a call, ``NEXT @i`` takes the variable, ``.NAME(`` a member call) it reads as far
as it can, which is the same choice. On anything it does not expect it raises ``Unsure``, and
the LALR parser reads the template again to report the exact error: this module never words an
error itself.

Tokens come as tuples (type, value, start_pos, line, column) (ampy.syntax.lexer, ``raw``): each
function takes the current token and returns what it read with the token after it.
"""

from __future__ import annotations

from itertools import chain

from . import ast

# Python converts at most this many digits to an int; no double holds such a number anyway.
MAX_INT_DIGITS = 4300


class Unsure(Exception):
    """Not a template this parser reads: the LALR parser decides (and words the error)."""


_Str, _Num, _Bool, _Variable, _Attribute, _Call = ast.Str, ast.Num, ast.Bool, ast.Variable, ast.Attribute, ast.Call
_Compare, _And, _Or, _Not = ast.Compare, ast.And, ast.Or, ast.Not


def parse_tokens(tokens) -> tuple:
    """The statements of a whole template from its tokens (a stream is read as it comes)."""
    nxt = chain(tokens, (("$END", "", 0, 1, 1),)).__next__

    def atom(t):
        k = t[0]
        if k == "VARIABLE":
            return _Variable(t[3], t[4], t[1]), nxt()
        if k == "NAME":
            n = nxt()
            if n[0] != "LPAR":
                return _Attribute(t[3], t[4], t[1]), n
            args, n = arguments(nxt())
            if n[0] != "RPAR":
                raise Unsure
            n = nxt()
            if n[0] != "DOT":
                return _Call(t[3], t[4], t[1], args), n
            member = nxt()  # MSG(0).VERB, MSG(0).NOUN(n): the dotted forms of Verb(), Noun(n)
            if member[0] != "NAME" or t[1].lower() != "msg":
                raise Unsure
            n = nxt()
            args = ()
            if n[0] == "LPAR":
                args, n = arguments(nxt())
                if n[0] != "RPAR":
                    raise Unsure
                n = nxt()
            return _Call(member[3], member[4], member[1], args), n
        if k == "STRING":
            return _Str(t[3], t[4], t[1]), nxt()
        if k == "NUMBER":
            text = t[1]
            if "." in text:
                value = float(text)
            elif len(text) - text.startswith("-") > MAX_INT_DIGITS:
                raise Unsure
            else:
                value = int(text)
            return _Num(t[3], t[4], value, text), nxt()
        if k == "TRUE" or k == "FALSE":
            return _Bool(t[3], t[4], k == "TRUE"), nxt()
        if k == "BRACKET_NAME":
            return _Attribute(t[3], t[4], t[1][1:-1].strip()), nxt()
        if k == "LPAR":
            e, n = expr(nxt())
            if n[0] != "RPAR":
                raise Unsure
            return e, nxt()
        raise Unsure

    def arguments(t):
        if t[0] == "RPAR":
            return (), t
        e, t = expr(t)
        if t[0] != "COMMA":
            return (e,), t
        args = [e]
        while t[0] == "COMMA":
            e, t = expr(nxt())
            args.append(e)
        return tuple(args), t

    def unary(t):  # not_expr: NOT not_expr | atom (COMPOP | EQ) atom | atom
        if t[0] == "NOT":
            operand, n = unary(nxt())
            return _Not(t[3], t[4], operand), n
        left, n = atom(t)
        k = n[0]
        if k == "COMPOP":
            right, m = atom(nxt())
            return _Compare(left.line, left.column, n[1], left, right), m
        if k == "EQ":
            right, m = atom(nxt())
            return _Compare(left.line, left.column, "==", left, right), m
        return left, n

    def conjunction(t):
        left, t = unary(t)
        while t[0] == "AND":
            right, t = unary(nxt())
            left = _And(left.line, left.column, left, right)
        return left, t

    def expr(t):  # OR binds looser than AND; both to the left
        left, t = unary(t)
        k = t[0]
        if k != "AND" and k != "OR":
            return left, t
        while t[0] == "AND":
            right, t = unary(nxt())
            left = _And(left.line, left.column, left, right)
        while t[0] == "OR":
            right, t = conjunction(nxt())
            left = _Or(left.line, left.column, left, right)
        return left, t

    def expect(kind: str):
        t = nxt()
        if t[0] != kind:
            raise Unsure
        return t

    def body(t):
        out = []
        add = out.append
        while True:
            k = t[0]
            if k == "TEXT":
                add(ast.Text(t[3], t[4], t[1]))
                t = nxt()
            elif k == "BLOCK_OPEN" or k == "BLOCK_CLOSE":
                t = nxt()
            elif k == "INLINE_OPEN":
                e, n = expr(nxt())
                if n[0] != "INLINE_CLOSE":
                    raise Unsure
                add(ast.Inline(t[3], t[4], e))
                t = nxt()
            elif k == "SET":
                var = expect("VARIABLE")
                expect("EQ")
                e, n = expr(nxt())
                add(ast.SetVar(t[3], t[4], var[1], e))
                t = n
            elif k == "IF":
                t = if_stmt(t, add)
            elif k == "FOR":
                t = for_stmt(t, add)
            elif k == "ATTR_OUT":
                add(ast.AttrOut(t[3], t[4], t[1].strip()))
                t = nxt()
            elif k == "VAR":
                names = [expect("VARIABLE")[1]]
                n = nxt()
                while n[0] == "COMMA":
                    names.append(expect("VARIABLE")[1])
                    n = nxt()
                add(ast.VarDecl(t[3], t[4], tuple(names)))
                t = n
            elif k in _EXPR_START:
                e, t = expr(t)
                add(ast.ExprStmt(e.line, e.column, e))
            else:
                return tuple(out), t

    def if_stmt(head, add):
        cond, n = expr(nxt())
        if n[0] != "THEN":
            raise Unsure
        stmts, n = body(nxt())
        branches = [(cond, stmts)]
        while n[0] == "ELSEIF":
            cond, n = expr(nxt())
            if n[0] != "THEN":
                raise Unsure
            stmts, n = body(nxt())
            branches.append((cond, stmts))
        orelse = None
        if n[0] == "ELSE":
            orelse, n = body(nxt())
        if n[0] != "ENDIF":
            raise Unsure
        add(ast.If(head[3], head[4], tuple(branches), orelse))
        return nxt()

    def for_stmt(head, add):
        var = expect("VARIABLE")[1]
        expect("EQ")
        start, n = expr(nxt())
        if n[0] != "TO" and n[0] != "DOWNTO":
            raise Unsure
        down = n[0] == "DOWNTO"
        end, n = expr(nxt())
        if n[0] != "DO":
            raise Unsure
        stmts, n = body(nxt())
        if n[0] != "NEXT":
            raise Unsure
        n = nxt()
        if n[0] == "VARIABLE":
            if n[1].lower() != var.lower():
                raise Unsure
            n = nxt()
        add(ast.For(head[3], head[4], var, start, end, down, stmts))
        return n

    stmts, t = body(nxt())
    if t[0] != "$END":
        raise Unsure
    return stmts


# Tokens an expression statement can begin with.
_EXPR_START = frozenset({"NOT", "STRING", "NUMBER", "TRUE", "FALSE", "VARIABLE", "NAME", "BRACKET_NAME", "LPAR"})
