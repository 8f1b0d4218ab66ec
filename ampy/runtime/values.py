"""The one place for AMPscript value semantics (ampscript-semantics.md, rules 9-17).

Value model (Python types used at run time):
- ``None``          null: a never-set or ``VAR``-declared variable, an unknown attribute
- ``DB_NULL``       a genuine null read from a data source (only ``IsNull`` tells it apart)
- ``str``           text
- ``int``/``float`` numbers (IEEE doubles semantically; ints are kept exact where they arise)
- ``bool``          booleans (checked before numbers: bool is an int in Python)
- ``datetime``      dates, naive, in system time (US Central Standard Time, UTC-6, no DST)
- ``Rowset``/``Row`` (runtime.rowsets), ``ApiObject`` (api.model)
"""

from __future__ import annotations

import math
import re
from datetime import datetime

from ..errors import FunctionError
from .dates import format_default, parse_date


class _DbNull:
    """Singleton for a null that came from a data source (a DE cell with no value)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "DB_NULL"

    def __bool__(self) -> bool:
        return False


DB_NULL = _DbNull()

INFINITY_TEXT = "\u221e"
# .NET's OverflowException text for a number outside the range of a Double.
DOUBLE_OVERFLOW = "Value was either too large or too small for a Double."


def format_double(x: float) -> str:
    """A double as .NET Framework prints it (``G15``): 15 significant digits, no trailing zeros."""
    if x != x:
        return "NaN"
    if x == math.inf:
        return INFINITY_TEXT
    if x == -math.inf:
        return "-" + INFINITY_TEXT
    if x == 0:
        return "0"
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.15G}"


def to_text(value: object) -> str:
    """The string form of a value, as output and string functions see it."""
    if value.__class__ is str:
        return value  # type: ignore[return-value]
    if value is None or value is DB_NULL:
        return ""
    if value is True:
        return "True"
    if value is False:
        return "False"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format_double(value)
    if isinstance(value, datetime):
        return format_default(value)
    if isinstance(value, str):
        return str(value)
    text = getattr(value, "ampscript_text", None)
    if text is not None:
        return text()
    return str(value)


def to_db_text(value: object) -> str | None:
    """A value as a data-extension cell or API property: None and DB_NULL stay NULL (None),
    anything else is its text form."""
    if value is None or value is DB_NULL:
        return None
    return to_text(value)


def to_string_arg(value: object) -> str:
    """Text as string functions take it: a boolean contributes nothing (rule 11)."""
    if value.__class__ is str:
        return value  # type: ignore[return-value]
    if value is True or value is False:
        return ""
    return to_text(value)


# Invariant-culture number text: ASCII digits, a sign, one decimal point, an exponent (no "_"
# separators or other scripts' digits, which Python's float() and int() would also take).
_NUMBER_TEXT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
# Python refuses to convert longer digit strings to int; a double could not hold them anyway.
_MAX_INT_DIGITS = 4300


def parse_number(text: str) -> int | float | None:
    """A numeric string as a number, or None. Accepts surrounding whitespace, a sign,
    decimals and an exponent, like .NET's Double.Parse with the invariant culture. Text out of
    the double range (``1e400``) is None here; ``to_number`` says why."""
    s = text.strip()
    if not s:
        return None
    first = s[0]
    if not (first.isdigit() or first in "+-."):
        return None
    if s.isdigit() or (first in "+-" and s[1:].isdigit()):
        if s.isascii() and len(s) <= _MAX_INT_DIGITS:
            return int(s)
        return None
    try:
        x = float(s)
    except ValueError:
        return None
    if "_" in s or not s.isascii():
        return None  # float() also reads "1_000" and other scripts' digits; .NET does not
    if x != x or x in (math.inf, -math.inf):
        return None  # "+nan"/"-inf" spelled out, or out of the double range
    return x


def _out_of_range(text: str) -> bool:
    """Numeric text that names a number no double can hold (``1e400``, 400 digits)."""
    s = text.strip()
    return _NUMBER_TEXT.fullmatch(s) is not None and (
        len(s) > _MAX_INT_DIGITS or float(s) in (math.inf, -math.inf))


def to_number(value: object, what: str = "value") -> int | float:
    """A value as a number; a non-numeric value is a runtime error (rule 12)."""
    if value.__class__ is int or value.__class__ is float:
        return value  # type: ignore[return-value]
    if isinstance(value, str):
        n = parse_number(value)
        if n is not None:
            return n
        if _out_of_range(value):
            raise FunctionError(f"The {what} is out of range: {DOUBLE_OVERFLOW}")
        raise FunctionError(f"The {what} {value!r} is not a number")
    if value is True or value is False:
        raise FunctionError(f"The {what} {to_text(value)!r} is not a number")
    if isinstance(value, (int, float)):
        return value  # type: ignore[return-value]
    if value is None or value is DB_NULL:
        raise FunctionError(f"The {what} is empty, not a number")
    raise FunctionError(f"The {what} {to_text(value)!r} is not a number")


def to_double(value: object, what: str = "value") -> float:
    """A value as a double (the math functions' number); one outside the double range (a whole
    number of more than 308 digits) is a runtime error, as .NET's Double.Parse refuses it."""
    n = to_number(value, what)
    if n.__class__ is float:
        return n  # type: ignore[return-value]
    try:
        return float(n)
    except OverflowError:
        raise FunctionError(f"The {what} is out of range: {DOUBLE_OVERFLOW}") from None


def to_date(value: object, what: str = "date") -> datetime:
    """A value as a date: a datetime passes through, anything else is read as text."""
    if isinstance(value, datetime):
        return value
    text = value if isinstance(value, str) else to_text(value)
    result = parse_date(text)
    if result is None:
        raise FunctionError(f'"{text}" is not a valid {what}')
    return result


def to_int(value: object, what: str = "value") -> int:
    """A whole number; decimals are an error (Char, Random, DateAdd amounts ...)."""
    n = to_number(value, what)
    if isinstance(n, float):
        if not n.is_integer():
            raise FunctionError(f"The {what} {to_text(value)!r} is not a whole number")
        return int(n)
    return n


def number_result(x: float) -> int | float:
    """Normalise a math result: whole doubles stay exact ints where they fit."""
    if isinstance(x, float) and x.is_integer() and abs(x) < 2**53:
        return int(x)
    return x


def is_empty(value: object) -> bool:
    """``Empty()``: null or ``""`` (rule 13)."""
    return value is None or value is DB_NULL or value == "" and value.__class__ is str


def to_bool(value: object) -> bool:
    """A value used as a boolean flag argument (``true``, ``"true"``, ``1``, ``"1"``)."""
    if value is True or value is False:
        return value  # type: ignore[return-value]
    if value is None or value is DB_NULL:
        return False
    if isinstance(value, (int, float)):
        return value != 0
    s = to_text(value).strip().lower()
    if s in ("true", "1", "yes", "y", "on"):
        return True
    return False


def condition(value: object) -> bool:
    """Truthiness of an IF/ELSEIF condition (rule 17): a boolean, or the text ``true``/``false``."""
    if value is True or value is False:
        return value  # type: ignore[return-value]
    if value is None or value is DB_NULL:
        return False
    s = to_text(value).strip().lower()
    if s == "true":
        return True
    if s in ("false", ""):
        return False
    if isinstance(value, (int, float)):
        return value != 0
    raise FunctionError(
        f"The condition {to_text(value)!r} is not a boolean; use a comparison such as @x == \"value\"")


def iif_condition(value: object) -> bool:
    """``IIf``: only a real boolean true selects the first branch (rule 16)."""
    return value is True


def _as_number_for_compare(value: object) -> int | float | None:
    if value is True or value is False or value is None or value is DB_NULL:
        return None
    if value.__class__ is int or value.__class__ is float:
        return value  # type: ignore[return-value]
    if isinstance(value, str):
        return parse_number(value)
    return None


def _as_date_for_compare(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        return parse_date(value)
    return None


def compare(left: object, right: object) -> int:
    """Three-way comparison: numeric when both sides are numbers or numeric strings, as dates
    when one side is a date, otherwise case-insensitive text (rule 15)."""
    a = _as_number_for_compare(left)
    if a is not None:
        b = _as_number_for_compare(right)
        if b is not None:
            return (a > b) - (a < b)
    if isinstance(left, datetime) or isinstance(right, datetime):
        da = _as_date_for_compare(left)
        db = _as_date_for_compare(right)
        if da is not None and db is not None:
            return (da > db) - (da < db)
    sa = to_text(left).lower()
    sb = to_text(right).lower()
    return (sa > sb) - (sa < sb)


def equals(left: object, right: object) -> bool:
    """``==``: case-insensitive text equality, numeric equality for numbers (rule 15)."""
    if left.__class__ is str and right.__class__ is str:
        if left == right:
            return True
        a = parse_number(left)  # type: ignore[arg-type]
        if a is not None:
            b = parse_number(right)  # type: ignore[arg-type]
            if b is not None:
                return a == b
        return left.lower() == right.lower()  # type: ignore[union-attr]
    return compare(left, right) == 0
