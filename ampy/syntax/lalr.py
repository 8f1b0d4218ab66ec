"""Parse AMPscript source into the own AST (ampy.syntax.ast) with the LALR grammar: the parser of
templates with mistakes (exact errors, the linter's recovery) and with GTL tags; ampy.syntax.parser
reads the others without it."""

from __future__ import annotations

import os
from functools import lru_cache

from lark import Lark, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
from lark.lexer import Lexer

from ..errors import AmpscriptSyntaxError
from ..grammars import grammar_text
from ..gtl import nodes as gtl_nodes
from . import ast
from .descent import MAX_INT_DIGITS
from .lexer import Tok, iter_tokens, tokenize


class _TokenFeed(Lexer):
    """Lark lexer that replays tokens already produced by ampy.syntax.lexer."""

    def __init__(self, lexer_conf):  # noqa: D401 - Lark's constructor signature
        pass

    def lex(self, data):
        return iter(getattr(data, "text", data))  # newer Lark wraps the input in a TextSlice


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
    grammar = grammar_text("ampscript.lark")
    # The transformer runs inside the LALR parser: AST nodes are built as rules reduce, no tree pass.
    return Lark(grammar, parser="lalr", lexer=_TokenFeed, start="start", propagate_positions=False,
                maybe_placeholders=False, transformer=_ToAst(), cache=_cache_file(grammar))


_MAX_INT_DIGITS = MAX_INT_DIGITS


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
        return tuple(x for x in c if not isinstance(x, Tok))

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
        names = tuple(str(t) for t in c if isinstance(t, Tok) and t.type == "VARIABLE")
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

    # ---- Guide Template Language (tags arrive read: ampy.gtl.scanner)
    def gtl_tag(self, c):
        return c[0].value

    def gtl_data(self, c):
        t = c[0]
        return gtl_nodes.Data(t.line, t.column, t.value)

    def gtl_part(self, c):
        return (c[0].value, c[1])

    def gtl_block(self, c):
        head, close = c[0], c[-1]
        kind, name, expr, attrs = head.value
        if str(close.value).strip().lower() != name.strip().lower():
            raise _GtlMismatch(head, name, close)
        parts = [(None, c[1])] + list(c[2:-1])
        data = None
        if kind in ("datasource", "dataobject", "block"):  # its {{.data}} configures it
            first = parts[0][1]
            found = [x for x in first if isinstance(x, gtl_nodes.Data)]
            if found:
                data = found[0].text
                parts[0] = (None, tuple(x for x in first if not isinstance(x, gtl_nodes.Data)))
        return gtl_nodes.Block(head.line, head.column, kind, expr, attrs, data, tuple(parts))

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


class _GtlMismatch(Exception):
    def __init__(self, head, want: str, close):
        self.head, self.want, self.close = head, want, close


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
    "GTL_TAG": "a GTL tag", "GTL_OPEN": "a GTL block tag", "GTL_ELSE": "'{{.else}}'",
    "GTL_CLOSE": "a GTL closing tag", "GTL_DATA": "'{{.data}}'",
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
    prev = None
    for tok in _ended(toks):
        ttype = tok.type
        while True:
            actions = states[state_stack[-1]]
            step = actions.get(ttype)
            if step is None:
                expected = {t for t in actions if t.isupper()}
                err = UnexpectedToken(tok, expected, state=state_stack[-1])
                err.prev = prev  # for hints such as END IF -> ENDIF
                raise err
            action, arg = step
            if action is shift:
                state_stack.append(arg)
                value_stack.append(tok)
                prev = tok
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
    yield Tok("$END", "", 0, last.line if last else 1, last.column if last else 1)


def parse(source: str, name: str = "<string>", gtl: bool = True) -> ast.Template:
    """Parse a whole template. Raises AmpscriptSyntaxError with the position of the problem;
    ``.incomplete`` is true when the input simply ended too early. ``gtl`` false leaves Guide
    Template Language tags as text."""
    toks = iter_tokens(source, name, gtl=gtl)  # scanned as parsed: a large template's tokens never all exist at once
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
        raise _eof_error(source, name, tokenize(source, name, gtl), e) from None
    except UnexpectedToken as e:
        if e.token.type == "$END":
            raise _eof_error(source, name, tokenize(source, name, gtl), e) from None
        raise _slip(source, name, tokenize(source, name, gtl), e.token) or \
            _unexpected(source, name, e.token, e.expected, getattr(e, "prev", None)) from None
    except (UnexpectedCharacters, UnexpectedInput) as e:  # pragma: no cover - the feed never does this
        err = AmpscriptSyntaxError(f"Syntax error: {e}")
        raise err.locate(name, source, getattr(e, "line", 1), getattr(e, "column", 1)) from None
    except Exception as e:  # VisitError wrapping _NextMismatch
        err = _reduction_error(source, name, e)
        if err is None:
            raise
        raise err from None
    return ast.Template(body, name, source)


def _reduction_error(source, name, e) -> AmpscriptSyntaxError | None:
    """The syntax error a grammar action raised (a bad member, a huge number, a NEXT mismatch)."""
    inner = getattr(e, "orig_exc", e)
    if isinstance(inner, _BadMember):
        err = AmpscriptSyntaxError(
            f"Only MSG(0) has members (MSG(0).VERB, MSG(0).NOUNS, MSG(0).NOUN(n)), not {inner.receiver}()")
        return err.locate(name, source, inner.member.line, inner.member.column)  # type: ignore[return-value]
    if isinstance(inner, _LongNumber):
        err = AmpscriptSyntaxError(
            f"This number has {inner.digits:,} digits; a number can have at most {_MAX_INT_DIGITS:,}")
        return err.locate(name, source, inner.tok.line, inner.tok.column)  # type: ignore[return-value]
    if isinstance(inner, _GtlMismatch):
        err = AmpscriptSyntaxError(f"{{{{/{inner.close.value}}}}} does not close {{{{#{inner.want}}}}} "
                                   f"(line {inner.head.line}, column {inner.head.column})")
        return err.locate(name, source, inner.close.line, inner.close.column)  # type: ignore[return-value]
    if isinstance(inner, _NextMismatch):
        err = AmpscriptSyntaxError(f"NEXT {inner.got} does not match FOR {inner.want}")
        return err.locate(name, source, inner.tok.line, inner.tok.column)  # type: ignore[return-value]
    return None


# A token in a message: "Unexpected name 'x'" (the expected list keeps the articles).
_TERMINAL_NOUNS = {"TEXT": "text", "ATTR_OUT": "attribute", "VARIABLE": "variable", "NAME": "name",
                   "BRACKET_NAME": "attribute", "STRING": "string", "NUMBER": "number",
                   "COMPOP": "comparison operator"}
_ENDINGS = {"endfor": "NEXT", "endwhile": "NEXT", "end": None, "fi": "ENDIF", "elif": "ELSEIF",
            "elsif": "ELSEIF"}


def _unexpected(source, name, tok, expected, prev) -> AmpscriptSyntaxError:
    """"Unexpected ..." for a token the grammar cannot take, with a hint for the usual slips."""
    line, col = tok.line, tok.column
    low = str(tok).lower()
    prev_low = str(prev).lower() if prev is not None else ""
    message = None
    if tok.type in ("IF", "FOR") and prev is not None and prev.type == "NAME" and prev_low == "end":
        right = "ENDIF" if tok.type == "IF" else "NEXT"
        message = f"'END {tok.type}' is not AMPscript: did you mean {right}?"
        line, col = prev.line, prev.column
    elif tok.type == "NAME" and low in _ENDINGS and _ENDINGS[low]:
        message = f"'{tok}' is not AMPscript: did you mean {_ENDINGS[low]}?"
    elif tok.type in ("NAME", "STRING", "NUMBER", "VARIABLE") and prev is not None and prev.type == "NAME" \
            and prev.line == tok.line and tok.type == "NAME":
        message = (f"Unexpected name {str(tok)!r}: text needs quotes "
                   f"('{prev} {tok}'), and a name alone is an attribute")
    if tok.type == "GTL_CLOSE":
        message = f"{{{{/{tok.value}}}}} closes no open block"
    elif tok.type == "GTL_ELSE":
        message = f"{{{{.{tok.value[0]}}}}} outside a block it belongs to"
    elif tok.type == "GTL_DATA":
        message = "{{.data}} outside a block it belongs to"
    if message is None:
        wanted = sorted(_describe(x) for x in (expected or ()) if not x.startswith("__"))
        hint = f"; expected {', '.join(wanted[:6])}" if wanted and len(wanted) <= 6 else ""
        value = str(tok)
        shown = value if len(value) <= 30 else value[:27] + "..."
        what = _TERMINAL_NOUNS.get(tok.type)
        what = f"{what} {shown!r}" if what else _describe(tok.type)
        message = f"Unexpected {what}{hint}"
    err = AmpscriptSyntaxError(message)
    return err.locate(name, source, line, col)  # type: ignore[return-value]


def _slip(source, name, toks, before) -> AmpscriptSyntaxError | None:
    """A keyword from another language (END IF, ENDFOR ...) before the token that failed: the real
    cause, which the grammar reads as an attribute and so reports only later."""
    prev = None
    for t in toks:
        if t is before or (t.line, t.column) >= (before.line, before.column):
            break
        low = str(t).lower() if t.type == "NAME" else ""
        message = None
        if t.type in ("IF", "FOR") and prev is not None and prev.type == "NAME" and str(prev).lower() == "end":
            message = f"'END {t.type}' is not AMPscript: did you mean {'ENDIF' if t.type == 'IF' else 'NEXT'}?"
            t = prev
        elif low in _ENDINGS and _ENDINGS[low]:
            message = f"'{t}' is not AMPscript: did you mean {_ENDINGS[low]}?"
        if message:
            err = AmpscriptSyntaxError(message)
            return err.locate(name, source, t.line, t.column)  # type: ignore[return-value]
        prev = t
    return None


def _eof_error(source, name, toks, e) -> AmpscriptSyntaxError:
    """The input ended early: say what is still open (IF, FOR or a call) at its position."""
    end = Tok("$END", "", len(source), 10 ** 9, 1)
    slip = _slip(source, name, toks, end)
    if slip is not None:
        slip.incomplete = True
        return slip
    depth: list = []
    for t in toks:
        if t.type in ("IF", "FOR", "LPAR", "GTL_OPEN"):
            depth.append(t)
        elif t.type in ("ENDIF", "NEXT", "RPAR", "GTL_CLOSE") and depth:
            depth.pop()
    else_if = next((a for a, b in zip(toks, toks[1:]) if a.type == "ELSE" and b.type == "IF"), None)
    if else_if is not None and depth and depth[-1].type == "IF":
        # ELSE IF opens a nested IF, which then lacks its ENDIF
        what = "'ELSE IF' opens a new IF that needs its own ENDIF: did you mean ELSEIF?"
        line, col = else_if.line, else_if.column
    elif depth:
        t = depth[-1]
        if t.type == "GTL_OPEN":
            what = f"{{{{#{t.value[1]}}}}} without {{{{/{t.value[1]}}}}}"
        else:
            what = {"IF": "IF without ENDIF", "FOR": "FOR without NEXT", "LPAR": "'(' without ')'"}[t.type]
        line, col = t.line, t.column
    else:
        what = "Unexpected end of input"
        last = toks[-1] if toks else None
        line, col = (last.line, last.column) if last else (1, 1)
    err = AmpscriptSyntaxError(what, incomplete=True)
    return err.locate(name, source, line, col)  # type: ignore[return-value]


# Tokens where parsing can resume after an error: block delimiters, template text and the
# keywords that begin or end a statement.
_SYNC = frozenset({"BLOCK_OPEN", "BLOCK_CLOSE", "TEXT", "ATTR_OUT", "INLINE_OPEN", "SET", "VAR", "IF",
                   "FOR", "ELSEIF", "ELSE", "ENDIF", "NEXT"})
_QUIET_SHIFTS = 2  # tokens to shift after a recovery before another error is reported (no cascades)


class _Placeholder:
    """Stands in for a construct a grammar action refused while recovering."""

    def __init__(self, tok):
        self.line, self.column = getattr(tok, "line", 1), getattr(tok, "column", 1)


def parse_all(source: str, name: str = "<string>", limit: int = 50):
    """Parse on past errors: ``(tree or None, errors)`` with up to ``limit`` syntax errors in
    source order (the tree, when there are errors, holds only what parsed). After an error the
    parser skips to the next block delimiter or statement keyword and resumes there (panic mode
    over the same LALR tables as ``parse``)."""
    errors: list[AmpscriptSyntaxError] = []
    toks = list(iter_tokens(source, name, recover=errors.append))
    tables = _tables()
    if tables is None:  # pragma: no cover - a Lark without reachable tables: the first error only
        try:
            return parse(source, name), errors
        except AmpscriptSyntaxError as e:
            return None, sorted(errors + [e], key=lambda x: (x.line, x.column))[:limit]
    states, start, end, callbacks, shift = tables
    stream = list(_ended(toks))
    state_stack, value_stack = [start], []
    i, prev, quiet, last_resync, result = 0, None, 0, -1, None
    while i < len(stream) and len(errors) < limit:
        tok = stream[i]
        ttype = tok.type
        step = states[state_stack[-1]].get(ttype)
        if step is None:
            if ttype == "$END":
                eof = _eof_error(source, name, toks, None)
                if not (errors and eof.message == "Unexpected end of input"):  # not a cascade
                    errors.append(eof)
                break
            if not quiet:
                errors.append(_slip(source, name, toks, tok) or _unexpected(
                    source, name, tok, {t for t in states[state_stack[-1]] if t.isupper()}, prev))
            quiet = _QUIET_SHIFTS
            j = i + 1 if i == last_resync else i  # never resume twice at the same token
            while True:
                ttype = stream[j].type
                if ttype == "INLINE_CLOSE":  # drop the whole %%= ... =%% that went wrong
                    k = next((k for k in range(len(value_stack) - 1, -1, -1)
                              if getattr(value_stack[k], "type", None) == "INLINE_OPEN"), None)
                    if k is not None:
                        del state_stack[k + 1:]
                        del value_stack[k:]
                        j += 1
                        break
                if ttype in _SYNC or ttype == "$END":
                    k = len(state_stack)
                    while k > 0 and ttype not in states[state_stack[k - 1]]:
                        k -= 1
                    if k > 0:
                        del state_stack[k:]
                        del value_stack[k - 1:]
                        break
                    if ttype == "$END":
                        j = None
                        break
                j += 1
            if j is None:
                break
            i = last_resync = j
            continue
        action, arg = step
        if action is shift:
            state_stack.append(arg)
            value_stack.append(tok)
            prev = tok
            quiet = max(quiet - 1, 0)
            i += 1
            continue
        size = len(arg.expansion)
        children = value_stack[-size:] if size else []
        if size:
            del state_stack[-size:]
            del value_stack[-size:]
        try:
            value = callbacks[arg](children)
        except Exception as e:  # noqa: BLE001 - a refused construct, or one built on a placeholder
            err = _reduction_error(source, name, e)
            if err is not None:
                errors.append(err)
            value = _Placeholder(children[0] if children else tok)
        state_stack.append(states[state_stack[-1]][arg.origin.name][1])
        value_stack.append(value)
        if ttype == "$END" and state_stack[-1] == end:
            result = value_stack[-1]
            break
    unique = {(e.line, e.column, e.message): e for e in errors}  # a slip is found again after it
    errors = sorted(unique.values(), key=lambda x: (x.line, x.column))
    # With errors the tree is partial: what was skipped is missing, refused parts are placeholders.
    tree = ast.Template(result, name, source) if isinstance(result, tuple) else None
    return tree, errors[:limit]
