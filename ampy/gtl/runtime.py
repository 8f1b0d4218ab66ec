"""What generated render functions call for GTL: the context stack, name lookup, escaping,
emptiness, comparisons and data sources (``{{.datasource}}``/``{{.dataobject}}``)."""

from __future__ import annotations

import json
import math
import re
from functools import lru_cache

from ..dotnet.numbers import format_currency, format_number
from ..errors import FunctionError
from ..runtime.rowsets import Row, Rowset
from ..runtime.values import to_text

_HTML = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})
_EACH_META = frozenset({"@index", "@first", "@last", "@key"})
MAX_ROWS = 2000  # maxRelatedRows and defaultRelatedRows (spec §7, ampy's choice)
DEFAULT_OPTIONS = {"caseSensitivity": False, "errorOnUndefined": True, "variableEmptyValue": "empty",
                   "maxRelatedRows": MAX_ROWS, "defaultRelatedRows": MAX_ROWS,
                   "defaultVariableFormatter": "html", "defaultNumericFormat": "N2",
                   "defaultCurrencyFormat": ""}  # "": the account's culture
_OPTION_NAMES = {k.lower(): k for k in DEFAULT_OPTIONS}
_CHOICES = {"variableEmptyValue": ("empty", "throw", "markup"),
            "defaultVariableFormatter": ("html", "text", "number", "currency")}
_NUMERIC_TEXT = re.compile(r"\s*[-+]?(?:\d+(?:\.\d*)?|\.\d+)\s*")


def _option_value(name: str, value):
    default = DEFAULT_OPTIONS[name]
    if default.__class__ is bool:
        if value is True or str(value).lower() == "true":
            return True
        if str(value).lower() == "false":
            return False
        raise FunctionError(f"The option {name} must be true or false, not {value!r}")
    if default.__class__ is int:
        try:
            n = int(value)
        except (TypeError, ValueError):
            n = 0
        if n < 1:
            raise FunctionError(f"The option {name} must be a positive whole number, not {value!r}")
        return n
    choices = _CHOICES.get(name)
    if choices is not None:
        if str(value).lower() not in choices:
            raise FunctionError(f"The option {name} must be {', '.join(choices[:-1])} or {choices[-1]}, "
                                f"not {value!r}")
        return str(value).lower()
    if value is True or not str(value).strip():
        raise FunctionError(f"The option {name} needs a value, like {name}=\"N2\"")
    if name == "defaultNumericFormat":
        try:
            format_number(1, str(value), "en-US")  # a pattern .NET refuses fails at the tag, not later
        except ValueError as e:
            raise FunctionError(f"The option {name}: {e}") from None
    return str(value)


def scope(ctx) -> "Scope":
    """The render's GTL state, made on first use (templates without GTL never make one)."""
    s = ctx.cache.get("gtl")
    if s is None:
        s = ctx.cache["gtl"] = Scope(ctx)
    return s


def text(value: object) -> str:
    """The text form of a GTL value (strings as is, booleans true/false, containers empty)."""
    cls = value.__class__
    if cls is str:
        return value  # type: ignore[return-value]
    if value is None or cls is dict or cls is list:
        return ""
    if cls is bool:
        return "true" if value else "false"
    if cls is int:
        return str(value)
    return to_text(value)


def empty(value: object) -> bool:
    """GTL's empty values: null, missing, false, 0, NaN, "", {} and [] (also as JSON text)."""
    if value is None or value is False or value == "" or value == {} or value == []:
        return True
    cls = value.__class__
    if cls in (int, float):
        return value == 0 or (cls is float and math.isnan(value))
    if cls is str and value[:1] in ("[", "{"):  # JSON text is data (spec §7): "[]" is an empty list
        parsed = _maybe_json(value)
        return parsed == [] or parsed == {}
    if cls is Rowset:
        return not value.rows
    return False


def _key(obj, name: str):
    """``obj[name]`` with a case-insensitive key; (found, value)."""
    if obj.__class__ is dict:
        if name in obj:
            return True, obj[name]
        low = name.lower()
        for k, v in obj.items():
            if k.lower() == low:
                return True, v
        return False, None
    as_dict = getattr(obj, "as_dict", None)  # a Row of a rowset
    if as_dict is not None:
        return _key(as_dict(), name)
    return False, None


def _walk(value, parts, start: int):
    for part in parts[start:]:
        value = _maybe_json(value)
        if value.__class__ is list and part.isdigit():
            i = int(part)
            value = value[i] if i < len(value) else None
            continue
        found, value = _key(value, part)
        if not found:
            return None
    return value


def _maybe_json(value):
    """JSON text in a variable or field is data (spec §7), and so is an AMPscript rowset (a list
    of rows) or row; other text stays text."""
    cls = value.__class__
    if cls is str and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    if cls is Rowset:
        return [r.as_dict() for r in value.rows]
    if cls is Row:
        return value.as_dict()
    return value


def _json(textual: str):
    try:
        return json.loads(textual)
    except ValueError as e:
        raise FunctionError(f"Malformed JSON: {e}") from None


def _rows_of(value) -> list:
    if value is None or value == "":
        return []
    if value.__class__ is str:
        value = _json(value)
    if hasattr(value, "row") and hasattr(value, "__iter__") and not isinstance(value, (list, dict)):
        value = [r.as_dict() for r in value]  # a rowset
    if value is None:
        return []
    return value if value.__class__ is list else [value]


class Scope:
    """The GTL context stack of one render: frames ``[name, value, meta]``, innermost last."""

    __slots__ = ("ctx", "stack", "objects", "html_content", "escape", "number_format", "options")

    def __init__(self, ctx):
        self.ctx = ctx
        self.stack: list[list] = []
        self.objects: dict[str, object] = {}
        content_type = ctx.cache.get("gtl.content_type", "html")
        self.html_content = content_type == "html" and ctx.kind != "sms"
        self.options = DEFAULT_OPTIONS
        self._formatter()

    def _formatter(self) -> None:
        """Derive from the options what ``{{x}}`` does: escape (the html formatter in HTML content)
        and, for the number and currency formatters, how numbers print (None: as text)."""
        formatter = self.options["defaultVariableFormatter"]
        self.escape = self.html_content and formatter != "text"
        self.number_format = formatter if formatter in ("number", "currency") else None

    # ---- options (spec §12), set by attributes of .datasource/.dataobject
    def set_options(self, attrs: tuple) -> dict:
        """Apply the option attributes of a datasource tag; returns the options before them (the
        compiled code restores them after the block unless the tag says ``global``)."""
        before = self.options
        changed = None
        for key, value in attrs:
            name = _OPTION_NAMES.get(key)
            if name is None:
                continue
            changed = dict(before) if changed is None else changed
            changed[name] = _option_value(name, value)
        if changed is not None:
            self.options = changed
            self._formatter()
        return before

    def restore(self, options: dict) -> None:
        self.options = options
        self._formatter()

    # ---- lookup
    def get(self, up: int, parts: tuple):
        """A name or path: context stack innermost first, then dataobjects, then attributes."""
        stack = self.stack
        if not parts:
            i = len(stack) - 1 - up
            return stack[i][1] if i >= 0 else None
        first = parts[0]
        if first[0] == "@":
            low = first.lower()
            if low in _EACH_META:
                for frame in reversed(stack):
                    meta = frame[2]
                    if meta is not None:
                        i, n, key = meta
                        return {"@index": i, "@first": i == 0, "@last": i == n - 1, "@key": key}[low]
                return None
            value = self.ctx.vars.get(low[1:] if low.startswith("@@") else low)
            return _walk(value, parts, 1) if len(parts) > 1 else value
        low = first.lower()
        for i in range(len(stack) - 1 - up, -1, -1):
            name, value, _ = stack[i]
            if name == low:
                return _walk(value, parts, 1)
            found, hit = _key(value, first)
            if found:
                return _walk(hit, parts, 1)
        if low in self.objects:
            return _walk(self.objects[low], parts, 1)
        value = self.ctx.attribute(low, first)
        return _walk(value, parts, 1) if len(parts) > 1 else value

    def section(self, up: int, parts: tuple):
        """A section's name: the lookup of :meth:`get`, then (step 4) the rows of a data
        extension related to the current row by a relationship the backend knows."""
        value = self.get(up, parts)
        if value is not None:
            return value
        low = parts[0].lower()
        rels = self.ctx.cache.get("gtl.relationships")
        if rels is None:
            # a malformed declaration (BackendError) is a render error at this section
            relationships = getattr(getattr(self.ctx, "backend", None), "relationships", None)
            found = relationships() if relationships is not None else []
            rels = self.ctx.cache["gtl.relationships"] = {str(r["name"]).lower(): r for r in found}
        rel = rels.get(low)
        if rel is None:
            return None
        row = next((f[1] for f in reversed(self.stack) if f[1].__class__ is dict), None)
        filters = []
        for parent, child in dict(rel.get("on") or {}).items():
            found, v = _key(row, parent) if row is not None else (False, None)
            if not found:
                v = self.ctx.attribute(parent.lower(), parent)
            if v is None:
                return None
            filters.append((child, v))
        if not filters:
            return None
        rows = self.ctx.backend.lookup(str(rel["dataExtension"]), filters, limit=MAX_ROWS)
        return [r.as_dict() if hasattr(r, "as_dict") else r for r in rows]

    def html(self, value, markup: str = "") -> str:
        """``{{x}}``: formatted by the variable formatter and escaped for the content type;
        ``markup`` is the tag as written, printed for an undefined value with variableEmptyValue=markup."""
        if value is None:
            mode = self.options["variableEmptyValue"]
            if mode == "throw":
                raise FunctionError("An undefined value with variableEmptyValue=throw")
            return markup if mode == "markup" else ""
        s = text(value) if self.number_format is None else self._number(value)
        return s.translate(_HTML) if self.escape else s

    def _number(self, value) -> str:
        """A value under the number or currency formatter: numbers and numeric text formatted
        with defaultNumericFormat or defaultCurrencyFormat; anything else prints as text."""
        if value.__class__ is bool or not (value.__class__ in (int, float) or (
                value.__class__ is str and _NUMERIC_TEXT.fullmatch(value))):
            return text(value)
        number = float(value) if value.__class__ is str else value
        opts = self.options
        try:
            if self.number_format == "number":
                return format_number(number, opts["defaultNumericFormat"], self.ctx.settings.culture)
            return format_currency(number, opts["defaultCurrencyFormat"] or self.ctx.settings.culture)
        except ValueError as e:  # e.g. the pattern D for a number with a fraction
            raise FunctionError(f"defaultNumericFormat: {e}") from None

    def arg(self, value):
        """A looked-up function argument: HTML-escaped text in HTML content."""
        if self.escape and value.__class__ is str:
            return value.translate(_HTML)
        return value

    # ---- blocks
    def items(self, value) -> list:
        """A section's iterations: none when empty, each element of an array, else the value once."""
        value = _maybe_json(value)
        if empty(value):
            return []
        return value if value.__class__ is list else [value]

    def once(self, value) -> list:
        """``{{#with x}}``: x once as the context, an array too (never iterated); none when empty."""
        value = _maybe_json(value)
        return [] if empty(value) else [value]

    def iterate(self, items: list, name: str | None = None, meta: bool = False):
        """Run the body once per item with it on top of the stack (a generator the loop drives)."""
        frame = [name, None, None]
        stack = self.stack
        stack.append(frame)
        n = len(items)
        ctx = self.ctx
        if n > ctx.iterations_left:
            ctx.refuse_loop(n)
        ctx.iterations_left -= n
        try:
            for i, item in enumerate(items):
                frame[1] = item
                if meta:
                    frame[2] = (i, n, None)
                yield item
        finally:
            stack.pop()

    def each(self, value):
        """``{{#each}}``: the items (object properties become (key, value) pairs with @key)."""
        value = _maybe_json(value)
        if empty(value):
            return ()
        if value.__class__ is dict:
            return self._pairs(value)
        return self.iterate(value if value.__class__ is list else [value], None, True)

    def _pairs(self, obj: dict):
        frame = [None, None, None]
        self.stack.append(frame)
        n = len(obj)
        try:
            for i, (k, v) in enumerate(obj.items()):
                frame[1], frame[2] = v, (i, n, k)
                yield v
        finally:
            self.stack.pop()

    def push(self, value, name: str | None = None) -> None:
        self.stack.append([name, value, None])

    def pop(self) -> None:
        self.stack.pop()

    # ---- data sources
    def rows(self, kind: str, name: str, attrs: tuple, data: str | None) -> list:
        """The rows of a ``.datasource``/``.dataobject`` (filter, then order, then maxRows)."""
        options = dict(attrs)
        opts = self.options
        source_type = str(options.get("type", "")).lower()
        config: dict = {}
        if source_type == "inline":
            rows = _rows_of((data or "").strip() or None)
        else:
            if data is not None and data.strip():
                parsed = _json(data)
                if not isinstance(parsed, dict):
                    raise FunctionError(f"The {{{{.data}}}} of {{{{.{kind} {name}}}}} must be a JSON object")
                config = {k.lower(): v for k, v in parsed.items()}
            target = config.get("target") or options.get("source")
            if source_type == "variable":
                if not isinstance(target, str) or not target.startswith("@"):
                    raise FunctionError(f"{{{{.{kind} {name} type=variable}}}} needs a target like \"@json\"")
                rows = _rows_of(self.ctx.vars.get(target.lower()))
            elif source_type == "nested":
                if not isinstance(target, str) or not target:
                    raise FunctionError(f"{{{{.{kind} {name} type=nested}}}} needs a target like \"Outer.path\"")
                rows = _rows_of(self.get(0, tuple(target.split("."))))
            elif source_type == "list":
                de = config.get("key") or config.get("id") or options.get("key") or options.get("id")
                if not de:
                    raise FunctionError(f"{{{{.{kind} {name} type=list}}}} needs a \"key\" naming the data extension")
                rows = list(self.ctx.backend.lookup(str(de), []))
            elif source_type == "query":
                raise FunctionError(f"{{{{.{kind} {name}}}}}: type=query is unsupported")
            else:
                raise FunctionError(f"{{{{.{kind} {name}}}}}: unknown type {source_type!r} "
                                    "(variable, nested, inline or list)")
        rows = [r.as_dict() if hasattr(r, "as_dict") else r for r in rows]
        flt = config.get("filter")
        if isinstance(flt, str) and flt.strip():
            test = _filter(flt)
            rows = [r for r in rows if not empty(test(self, r))]
        order = config.get("order")
        if isinstance(order, str) and order.strip():
            for term in reversed([t.split() for t in order.split(",") if t.strip()]):
                col, desc = term[0], len(term) > 1 and term[1].lower() == "desc"
                rows.sort(key=lambda r, c=col: _sort_key(_key(r, c)[1]), reverse=desc)
        limit = options.get("maxrows", opts["defaultRelatedRows"])
        try:
            if limit is True:  # the bare flag "maxRows"
                raise FunctionError("maxRows needs a value, like maxRows=10")
            limit = int(limit)
        except (TypeError, ValueError):
            raise FunctionError(f"maxRows must be a positive whole number, not {limit!r}") from None
        if limit < 1:
            raise FunctionError(f"maxRows must be a positive whole number, not {limit}")
        return rows[:min(limit, opts["maxRelatedRows"])]

    def bind(self, name: str, rows: list) -> None:
        self.objects[name.lower()] = rows



@lru_cache(maxsize=256)
def _filter(source: str):
    """A ``.data`` filter read once and turned into a function of (scope, row), so that rows are
    tested by closures, not by walking the expression for each row."""
    from .tags import TagError, read

    try:
        return _filter_fn(read(source, "expr_tag", 1, 1))
    except TagError as e:
        raise FunctionError(f"Bad filter {source!r}: {e.message}") from None


def _filter_fn(node):
    """One filter expression: a field of the row first, then the context and the send context."""
    from . import nodes

    if isinstance(node, nodes.Literal):
        value = node.value
        return lambda scope, row: value
    if isinstance(node, nodes.Path):
        parts = node.parts
        if not parts or parts[0][0] == "@":
            return lambda scope, row: scope.get(0, parts)

        def field(scope, row):
            found, value = _key(row, parts[0])
            return _walk(value, parts, 1) if found else scope.get(0, parts)
        return field
    if isinstance(node, nodes.Compare):
        op, left, right = node.op, _filter_fn(node.left), _filter_fn(node.right)
        return lambda scope, row: scoped_compare(scope, op, left(scope, row), right(scope, row))
    raise FunctionError("A filter cannot call functions")


def _sort_key(value):
    number = _number(value)
    return (0, number, "") if number is not None else (1, 0, text(value).lower())


def _number(value):
    if value.__class__ in (int, float):
        return value
    if value.__class__ is str:
        try:
            return float(value)
        except ValueError:
            return None
    return None


def truthy(value) -> bool:
    return not empty(value)


def scoped_compare(scope: Scope, op: str, left, right) -> bool:
    """:func:`compare` under the render's caseSensitivity and errorOnUndefined options."""
    opts = scope.options
    if opts is DEFAULT_OPTIONS:
        return compare(op, left, right)
    return compare(op, left, right, opts["caseSensitivity"], opts["errorOnUndefined"])


def compare(op: str, left, right, case_sensitive: bool = False, strict: bool = True) -> bool:
    """``==``/``!=``/``<``/``>``/``<=``/``>=``: numeric when both sides are numbers, else text
    compared case-insensitively; an undefined or NaN operand is an error (errorOnUndefined;
    with it off an undefined operand compares as empty text)."""
    for side in (left, right):
        if side is None or (side.__class__ is float and math.isnan(side)):
            if strict:
                raise FunctionError(f"Cannot compare with an undefined value ({op})")
    a, b = _number(left), _number(right)
    if a is None or b is None or left.__class__ is bool or right.__class__ is bool \
            or (a is not None and math.isnan(a)) or (b is not None and math.isnan(b)):
        a, b = text(left), text(right)
        if not case_sensitive:
            a, b = a.lower(), b.lower()
    if op == "==":
        return a == b
    if op == "!=":
        return a != b
    if op == "<":
        return a < b
    if op == ">":
        return a > b
    if op == "<=":
        return a <= b
    return a >= b
