"""Parse AMPscript source into the own AST (ampy.syntax.ast) with the LALR grammar."""

from __future__ import annotations

import os
from functools import lru_cache
from importlib import resources

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
from lark.lexer import Lexer

from ..errors import AmpscriptSyntaxError
from . import ast
from .lexer import iter_tokens, tokenize


class _TokenFeed(Lexer):
    """Lark lexer that replays tokens already produced by ampy.syntax.lexer."""

    def __init__(self, lexer_conf):  # noqa: D401 - Lark's constructor signature
        pass

    def lex(self, data):
        return iter(getattr(data, "text", data))  # newer Lark wraps the input in a TextSlice


def _grammar_text() -> str:
    # Installed wheel: ampy/grammar/ampscript.lark; source checkout: <repo>/grammar/ampscript.lark.
    packaged = resources.files("ampy").joinpath("grammar/ampscript.lark")
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    here = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    with open(os.path.join(here, "grammar", "ampscript.lark"), encoding="utf-8") as f:
        return f.read()


def _cache_file(grammar: str) -> str | bool:
    """Where Lark keeps the analysed grammar between processes (start-up drops from ~180 ms to a
    few ms): a per-user cache directory, named by the grammar's and Lark's versions. Without a
    usable directory the grammar is simply analysed again."""
    try:
        import hashlib

        import lark
        from platformdirs import user_cache_dir

        folder = user_cache_dir("ampy", appauthor=False)
        os.makedirs(folder, exist_ok=True)
        digest = hashlib.sha256(f"{lark.__version__}\n{grammar}".encode()).hexdigest()[:16]
        return os.path.join(folder, f"grammar-{digest}.lark-cache")
    except (ImportError, OSError):
        return False


@lru_cache(maxsize=1)
def _lark() -> Lark:
    """The grammar, loaded once per process."""
    grammar = _grammar_text()
    # The transformer runs inside the LALR parser: AST nodes are built as rules reduce, no tree pass.
    return Lark(grammar, parser="lalr", lexer=_TokenFeed, start="start", propagate_positions=False,
                maybe_placeholders=False, transformer=_ToAst(), cache=_cache_file(grammar))


# Python converts at most this many digits to an int; no double holds such a number anyway.
_MAX_INT_DIGITS = 4300


def _num(text: str) -> int | float:
    if "." in text:
        return float(text)
    if len(text) - text.startswith("-") > _MAX_INT_DIGITS:
        raise _LongNumber(len(text) - text.startswith("-"))
    return int(text)


class _ToAst(Transformer):
    """Lark tree -> ast nodes. Positions come from the first token of each construct."""

    # ---- expressions
    def string(self, c):
        t = c[0]
        return ast.Str(t.line, t.column, str(t))

    def number(self, c):
        t = c[0]
        try:
            return ast.Num(t.line, t.column, _num(str(t)), str(t))
        except _LongNumber as e:
            e.tok = t
            raise

    def true(self, c):
        return ast.Bool(c[0].line, c[0].column, True)

    def false(self, c):
        return ast.Bool(c[0].line, c[0].column, False)

    def variable(self, c):
        return ast.Variable(c[0].line, c[0].column, str(c[0]))

    def attribute(self, c):
        t = c[0]
        name = str(t)
        if t.type == "BRACKET_NAME":
            name = name[1:-1].strip()
        return ast.Attribute(t.line, t.column, name)

    def call(self, c):
        t = c[0]
        return ast.Call(t.line, t.column, str(t), c[2])

    def member(self, c):
        """``MSG(0).VERB`` / ``MSG(0).NOUNS``: MobileConnect's dotted forms of Verb() and Nouns()."""
        return self._member(c[0], c[2], c[5], ())

    def member_call(self, c):
        """``MSG(0).NOUN(n)``: the dotted form of Noun(n)."""
        return self._member(c[0], c[2], c[5], c[7])

    @staticmethod
    def _member(receiver, receiver_args, member, args):
        if str(receiver).lower() != "msg":
            raise _BadMember(receiver, member)
        return ast.Call(member.line, member.column, str(member), args)

    def arguments(self, c):
        return tuple(x for x in c if not isinstance(x, Token))

    def compare(self, c):
        left, op, right = c
        return ast.Compare(left.line, left.column, str(op), left, right)

    def compare_eq(self, c):
        left, _, right = c
        return ast.Compare(left.line, left.column, "==", left, right)

    def and_op(self, c):
        return ast.And(c[0].line, c[0].column, c[0], c[2])

    def or_op(self, c):
        return ast.Or(c[0].line, c[0].column, c[0], c[2])

    def not_op(self, c):
        return ast.Not(c[0].line, c[0].column, c[1])

    def atom(self, c):  # parenthesised expression
        return c[1]

    # ---- statements
    def text(self, c):
        t = c[0]
        return ast.Text(t.line, t.column, str(t))

    def attr_out(self, c):
        t = c[0]
        return ast.AttrOut(t.line, t.column, str(t).strip())

    def inline(self, c):
        t = c[0]
        return ast.Inline(t.line, t.column, c[1])

    def separator(self, c):
        return None

    def var_stmt(self, c):
        names = tuple(str(t) for t in c if isinstance(t, Token) and t.type == "VARIABLE")
        return ast.VarDecl(c[0].line, c[0].column, names)

    def set_stmt(self, c):
        return ast.SetVar(c[0].line, c[0].column, str(c[1]), c[3])

    def expr_stmt(self, c):
        e = c[0]
        return ast.ExprStmt(e.line, e.column, e)

    def body(self, c):
        return tuple(x for x in c if x is not None)

    def elseif_clause(self, c):
        return _ElseIf(c[1], c[3])

    def else_clause(self, c):
        return _Else(c[1])

    def if_stmt(self, c):
        head = c[0]
        branches = [(c[1], c[3])]
        orelse = None
        for item in c[4:]:
            if isinstance(item, _ElseIf):
                branches.append((item.cond, item.body))
            elif isinstance(item, _Else):
                orelse = item.body
        return ast.If(head.line, head.column, tuple(branches), orelse)

    def direction(self, c):
        return c[0].type == "DOWNTO"

    def next_var(self, c):
        return str(c[0]) if c else None

    def for_stmt(self, c):
        head, var, _, start, down, end, _, body, _, next_var = c
        if next_var is not None and next_var.lower() != str(var).lower():
            raise _NextMismatch(next_var, str(var), head)
        return ast.For(head.line, head.column, str(var), start, end, down, body)

    def start(self, c):
        return c[0]


class _ElseIf:
    __slots__ = ("cond", "body")

    def __init__(self, cond, body):
        self.cond, self.body = cond, body


class _Else:
    __slots__ = ("body",)

    def __init__(self, body):
        self.body = body


class _BadMember(Exception):
    def __init__(self, receiver, member):
        self.receiver, self.member = receiver, member


class _LongNumber(Exception):
    def __init__(self, digits: int):
        self.digits, self.tok = digits, None


class _NextMismatch(Exception):
    def __init__(self, got: str, want: str, tok):
        self.got, self.want, self.tok = got, want, tok


_TERMINAL_WORDS = {
    "TEXT": "template text", "ATTR_OUT": "an attribute", "BLOCK_OPEN": "'%%['", "BLOCK_CLOSE": "']%%'",
    "INLINE_OPEN": "'%%='", "INLINE_CLOSE": "'=%%'", "VARIABLE": "a variable", "NAME": "a name",
    "BRACKET_NAME": "an attribute", "STRING": "a string", "NUMBER": "a number", "EQ": "'='",
    "COMPOP": "a comparison operator", "LPAR": "'('", "RPAR": "')'", "COMMA": "','", "$END": "the end",
}


def _describe(term: str) -> str:
    return _TERMINAL_WORDS.get(term, term.upper() if term.isupper() else term)


@lru_cache(maxsize=1)
def _tables():
    """Lark's LALR tables and reduction callbacks for the driver below, or None when this Lark
    release keeps them elsewhere (then Lark's own parse loop runs)."""
    try:
        from lark.parsers.lalr_analysis import Shift

        inner = _lark().parser.parser.parser
        table = inner.parse_table
        return table.states, table.start_states["start"], table.end_states["start"], inner.callbacks, Shift
    except (AttributeError, ImportError, KeyError):
        return None


def _drive(toks):
    """The LALR loop over Lark's own tables: the same shifts, reductions and callbacks as Lark's
    parser, without its per-token bookkeeping (parsing is most of a template's compile time).
    ``toks`` may be a stream: only tokens not yet reduced are held."""
    tables = _tables()
    if tables is None:
        return _lark().parse(list(toks))
    states, start, end, callbacks, shift = tables
    state_stack = [start]
    value_stack: list = []
    for tok in _ended(toks):
        ttype = tok.type
        while True:
            actions = states[state_stack[-1]]
            step = actions.get(ttype)
            if step is None:
                expected = {t for t in actions if t.isupper()}
                raise UnexpectedToken(tok, expected, state=state_stack[-1])
            action, arg = step
            if action is shift:
                state_stack.append(arg)
                value_stack.append(tok)
                break
            size = len(arg.expansion)
            if size:
                children = value_stack[-size:]
                del state_stack[-size:]
                del value_stack[-size:]
            else:
                children = []
            value = callbacks[arg](children)
            state_stack.append(states[state_stack[-1]][arg.origin.name][1])
            value_stack.append(value)
            if ttype == "$END" and state_stack[-1] == end:
                return value_stack[-1]


def _ended(toks):
    """The tokens, then the end-of-input token at the last one's position."""
    last = None
    for last in toks:
        yield last
    yield Token("$END", "", 0, last.line if last else 1, last.column if last else 1)


def parse(source: str, name: str = "<string>") -> ast.Template:
    """Parse a whole template. Raises AmpscriptSyntaxError with the position of the problem;
    ``.incomplete`` is true when the input simply ended too early."""
    toks = iter_tokens(source, name)  # scanned as parsed: a large template's tokens never all exist at once
    try:
        try:
            body = _drive(toks)
        except AmpscriptSyntaxError:
            raise
        except Exception:
            for _ in toks:  # a scanning error later on still wins over a parse error, as before
                pass
            raise
    except UnexpectedEOF as e:
        raise _eof_error(source, name, tokenize(source, name), e) from None
    except UnexpectedToken as e:
        if e.token.type == "$END":
            raise _eof_error(source, name, tokenize(source, name), e) from None
        expected = sorted(_describe(x) for x in (e.expected or ()) if not x.startswith("__"))
        hint = f"; expected {', '.join(expected[:6])}" if expected and len(expected) <= 6 else ""
        value = str(e.token)
        shown = value if len(value) <= 30 else value[:27] + "..."
        what = _describe(e.token.type)
        what = what if what.startswith("'") else f"{what} {shown!r}"
        err = AmpscriptSyntaxError(f"Unexpected {what}{hint}")
        raise err.locate(name, source, e.token.line, e.token.column) from None
    except (UnexpectedCharacters, UnexpectedInput) as e:  # pragma: no cover - the feed never does this
        err = AmpscriptSyntaxError(f"Syntax error: {e}")
        raise err.locate(name, source, getattr(e, "line", 1), getattr(e, "column", 1)) from None
    except Exception as e:  # VisitError wrapping _NextMismatch
        inner = getattr(e, "orig_exc", e)
        if isinstance(inner, _BadMember):
            err = AmpscriptSyntaxError(
                f"Only MSG(0) has members (MSG(0).VERB, MSG(0).NOUNS, MSG(0).NOUN(n)), not {inner.receiver}()")
            raise err.locate(name, source, inner.member.line, inner.member.column) from None
        if isinstance(inner, _LongNumber):
            err = AmpscriptSyntaxError(
                f"This number has {inner.digits:,} digits; a number can have at most {_MAX_INT_DIGITS:,}")
            raise err.locate(name, source, inner.tok.line, inner.tok.column) from None
        if isinstance(inner, _NextMismatch):
            err = AmpscriptSyntaxError(f"NEXT {inner.got} does not match FOR {inner.want}")
            raise err.locate(name, source, inner.tok.line, inner.tok.column) from None
        raise
    return ast.Template(body, name, source)


def _eof_error(source, name, toks, e) -> AmpscriptSyntaxError:
    """The input ended early: say what is still open (IF, FOR or a call) at its position."""
    depth: list = []
    for t in toks:
        if t.type in ("IF", "FOR", "LPAR"):
            depth.append(t)
        elif t.type in ("ENDIF", "NEXT", "RPAR") and depth:
            depth.pop()
    if depth:
        t = depth[-1]
        what = {"IF": "IF without ENDIF", "FOR": "FOR without NEXT", "LPAR": "'(' without ')'"}[t.type]
        line, col = t.line, t.column
    else:
        what = "Unexpected end of input"
        last = toks[-1] if toks else None
        line, col = (last.line, last.column) if last else (1, 1)
    err = AmpscriptSyntaxError(what, incomplete=True)
    return err.locate(name, source, line, col)  # type: ignore[return-value]
