"""A Retrieve filter as SQL over indexed expressions of a data extension's columns.

The SQL keeps every row the filter keeps, and as few others as the indexes allow; the caller still
applies the filter itself (``retrieve.compile_filter``) to what it returns, so results are exactly a
scan's whatever the SQL lets through. Three expressions are indexed, each created on first use:

- ``ampy_casefold(col)``: text as the filter compares it (casefolded, so ``STRASSE`` finds
  ``Straße``);
- ``ampy_number(col)``: the value as a number (a float; NULL when it is not one), for a filter value
  that is a number: such rows compare by value, the others as text;
- ``ampy_date(col)``: the value as a sortable date text (NULL when it is not one; ``?`` when it
  reads as a date only with today's date, e.g. a time alone, which an index cannot hold), for a
  date filter value.

A number's float may round, so its ranges are widened by equality (``>`` looks up ``>=``).
``notEquals`` of a number or a date, and operators no index answers (``contains``, ``endsWith`` ...)
leave the rows unfiltered here; in an AND the other operands still narrow them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from ..api.model import ApiObject, as_items
from ..runtime.values import parse_number

# (``objects`` and the date parser are imported where used: the store loads this module for its SQL
# functions, and a one-line render must not load the API object model's WSDL types with it)

#: index kind -> the indexed expression of a (quoted) column
TERMS = {"cf": "ampy_casefold({})", "num": "ampy_number({})", "date": "ampy_date({})"}
UNSTABLE_DATE = "?"
_MOST_TERMS = 100  # operands of one AND/OR turned into SQL
_DEEPEST = 30  # nesting of AND/OR turned into SQL (deeper ones are left to the filter itself)
_MOST_VALUES = 10_000  # values of one IN (SQLite takes at most 32,766 parameters)
_NUMBER_OPS = {">": ">=", "<": "<=", ">=": ">=", "<=": "<=", "=": "="}  # widened for float rounding
# ASCII letters whose case-insensitive regex matches a character with another casefold (ı, İ):
# a ``like`` prefix holding them cannot be looked up by its casefold.
_LIKE_UNSAFE = frozenset("iI")


@dataclass
class Condition:
    sql: str
    params: list = field(default_factory=list)
    indexes: set = field(default_factory=set)  # (kind, column) pairs the SQL reads through


def number_key(value):
    """``ampy_number``: what the filter compares a number with, as a float (None: not a number)."""
    if isinstance(value, bytes) or value is None:
        return None
    n = parse_number(value if isinstance(value, str) else str(value))
    return None if n is None else float(n)


_DAYS = (date(2001, 2, 3), date(2002, 4, 5))


def date_key(value):
    """``ampy_date``: the value as the filter compares dates, as fixed-width text (None: not a date;
    ``?``: a date only with today's help, which changes)."""
    if not isinstance(value, str):
        return None
    from ..runtime.dates import parse_date
    first = parse_date(value, today=_DAYS[0])
    if first is None:
        return None
    if parse_date(value, today=_DAYS[1]) != first:
        return UNSTABLE_DATE
    return _date_text(first)


def _date_text(d: datetime) -> str:
    d = d.replace(tzinfo=None)
    return (f"{d.year:04d}-{d.month:02d}-{d.day:02d}T{d.hour:02d}:{d.minute:02d}:{d.second:02d}"
            f".{d.microsecond:06d}")


def condition(filt, info, depth: int = 0) -> Condition | None:
    """The SQL narrowing of ``filt`` on the data extension ``info`` (None: it cannot narrow)."""
    from .objects import text

    if not isinstance(filt, ApiObject) or depth > _DEEPEST:
        return None
    if filt.type == "ComplexFilterPart" or filt.get("LogicalOperator") is not None:
        op = text(filt.get("LogicalOperator")).upper()
        parts = [condition(p, info, depth + 1) for p in (filt.get("LeftOperand"), filt.get("RightOperand"),
                                                          *as_items(filt.get("AdditionalOperands")))]
        if op == "AND":
            return _join("AND", [p for p in parts if p is not None])
        if op == "OR" and all(p is not None for p in parts):
            return _join("OR", parts)
        return None
    try:
        column = info.column(text(filt.get("Property")))
    except Exception:  # an unknown column: the caller reports it
        return None
    values = [text(v) for v in as_items(filt.get("Value"))]
    dates = [text(v) for v in as_items(filt.get("DateValue"))]
    return _simple(column, text(filt.get("SimpleOperator")).lower(), values or dates, bool(dates and not values))


def _join(word: str, parts: list[Condition]) -> Condition | None:
    if not parts:
        return None
    if len(parts) > _MOST_TERMS:  # SQLite nests A OR B OR ... one level per term, up to 1000
        if word == "OR":
            return None
        parts = parts[:_MOST_TERMS]  # fewer ANDed conditions still keep every row the filter keeps
    if len(parts) == 1:
        return parts[0]
    out = Condition(f" {word} ".join(f"({p.sql})" for p in parts))
    for p in parts:
        out.params += p.params
        out.indexes |= p.indexes
    return out


def _term(kind: str, column: str) -> str:
    from .store import quote_identifier

    return TERMS[kind].format(quote_identifier(column))


def _simple(column: str, op: str, values: list[str], as_dates: bool) -> Condition | None:
    cf = _term("cf", column)
    if op == "isnull":
        return Condition(f"{cf} IS NULL", [], {("cf", column)})
    if op == "isnotnull":
        return Condition(f"{cf} IS NOT NULL", [], {("cf", column)})
    if not values:
        return None
    if op in ("equals", "greaterthan", "lessthan", "greaterthanorequal", "lessthanorequal"):
        sign = {"equals": "=", "greaterthan": ">", "lessthan": "<", "greaterthanorequal": ">=",
                "lessthanorequal": "<="}[op]
        return _compared(column, sign, values[0], as_dates)
    if op == "between" and len(values) >= 2:
        return _join("AND", [_compared(column, ">=", values[0], as_dates),
                             _compared(column, "<=", values[1], as_dates)])
    if op == "in":
        return _any_of(column, values, as_dates)
    if op == "notequals":
        if _number(values[0], as_dates) is not None or _date(values[0], as_dates) is not None:
            return None
        fold = values[0].casefold()
        return Condition(f"{cf} < ? OR {cf} > ? OR {cf} IS NULL", [fold, fold], {("cf", column)})
    if op == "like":
        prefix = values[0]
        for i, ch in enumerate(prefix):
            if ch in "%_":
                prefix = prefix[:i]
                break
        if not prefix or not prefix.isascii() or _LIKE_UNSAFE & set(prefix):
            return None
        return _prefix(column, prefix.casefold())
    if op == "beginswith" and values[0]:
        return _prefix(column, values[0].casefold())
    return None


def _prefix(column: str, fold: str) -> Condition:
    cf = _term("cf", column)
    after = fold[:-1] + chr(ord(fold[-1]) + 1) if ord(fold[-1]) < 0x10FFFF else None
    if after is None:
        return Condition(f"{cf} >= ?", [fold], {("cf", column)})
    return Condition(f"{cf} >= ? AND {cf} < ?", [fold, after], {("cf", column)})


def _number(value: str, as_dates: bool) -> float | None:
    return None if as_dates else number_key(value)


def _date(value: str, as_dates: bool) -> str | None:
    from ..runtime.dates import parse_date
    from .retrieve import looks_like_date

    if not (as_dates or looks_like_date(value)):
        return None
    parsed = parse_date(value)
    return None if parsed is None else _date_text(parsed)


def _compared(column: str, sign: str, value: str, as_dates: bool) -> Condition:
    """Rows that may compare ``sign`` to ``value`` the way the filter compares: by number when both
    are numbers, by date when both are dates, else as casefolded text."""
    cf = _term("cf", column)
    number, when = _number(value, as_dates), _date(value, as_dates)
    parts, params, indexes = [], [], {("cf", column)}
    if number is not None:
        num = _term("num", column)
        parts.append(f"{num} {_NUMBER_OPS[sign]} ?")
        params.append(number)
        indexes.add(("num", column))
    if when is not None:
        day = _term("date", column)
        parts.append(f"{day} {sign} ? OR {day} = '{UNSTABLE_DATE}'")
        params.append(when)
        indexes.add(("date", column))
    if number is not None and when is None:
        # a row that is a number compares by value: only the others can compare as text
        parts.append(f"{_term('num', column)} IS NULL AND {cf} {sign} ?")
    else:
        parts.append(f"{cf} {sign} ?")
    params.append(value.casefold())
    return Condition(" OR ".join(f"({p})" for p in parts) if len(parts) > 1 else parts[0], params, indexes)


def _any_of(column: str, values: list[str], as_dates: bool) -> Condition | None:
    """``IN``: the rows equal to any value, as one flat IN list per expression (however many
    values there are): its numbers by value, its dates as dates, and every value as text."""
    if len(values) > _MOST_VALUES:
        return None
    numbers = [n for n in (_number(v, as_dates) for v in values) if n is not None]
    days = [d for d in (_date(v, as_dates) for v in values) if d is not None]
    folds = sorted({v.casefold() for v in values})
    cf = _term("cf", column)
    parts, params, indexes = [f"{cf} IN ({', '.join('?' * len(folds))})"], list(folds), {("cf", column)}
    if numbers:
        parts.append(f"{_term('num', column)} IN ({', '.join('?' * len(numbers))})")
        params += numbers
        indexes.add(("num", column))
    if days:
        day = _term("date", column)
        parts.append(f"{day} IN ({', '.join('?' * len(days))}) OR {day} = '{UNSTABLE_DATE}'")
        params += days
        indexes.add(("date", column))
    return Condition(" OR ".join(f"({p})" for p in parts) if len(parts) > 1 else parts[0], params, indexes)
