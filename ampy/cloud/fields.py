"""The declared fields of a data extension, enforced on every row write.

One place decides what a field accepts and how a value is stored, for every path that writes a
row: the AMPscript functions (InsertData, UpdateData, UpsertData, ClaimRow ...), the API's
DataExtensionObject Create/Update and ImportDefinition runs all reach the store's row writes,
which call ``values_for_insert``/``values_for_update`` here. A DE without declared fields (a
plain CSV folder) has nothing to enforce: every column is Text and values pass as they are.

Values are stored the way Marketing Cloud hands them back: Number as a plain integer (``007`` →
``7``), Decimal with its Scale (``1.5`` at scale 2 → ``1.50``), Boolean as ``True``/``False``,
Date as ``M/d/yyyy h:mm:ss tt`` (how a date field reads in a script and over the API); an empty
value of a non-Text field is NULL. Text, EmailAddress, Phone and Locale keep the text as given.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from ..backends.base import BackendError
from ..runtime.dates import format_default, parse_date
from ..runtime.values import parse_number, to_db_text

FIELD_TYPES = ("Text", "Number", "Date", "Boolean", "EmailAddress", "Phone", "Decimal", "Locale")
_FIELD_TYPE_BY_LOWER = {t.lower(): t for t in FIELD_TYPES}
_TEXT_TYPES = ("Text", "EmailAddress", "Phone", "Locale")
_TRUE = ("true", "1", "yes", "y")
_FALSE = ("false", "0", "no", "n")
# A Number field is a 32-bit integer column.
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_PHONE = re.compile(r"^\+?[0-9 ().\-/]*[0-9][0-9 ().\-/]*(\s*(x|ext\.?)\s*[0-9]+)?$", re.IGNORECASE)
_LOCALE = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")


class FieldValueError(BackendError):
    """A value a data extension's field does not accept (wrong type, too long, required)."""


def canonical_field_type(name: object) -> str | None:
    """``number`` → ``Number``; None when it is no field type."""
    return _FIELD_TYPE_BY_LOWER.get(str(name or "Text").strip().lower())


def truthy(value: object) -> bool:
    """True for the spellings a Boolean field reads as true."""
    return (to_db_text(value) or "").strip().lower() in _TRUE


def has_rules(info) -> bool:
    """Whether writes to this DE have anything to check (a plain CSV DE has not)."""
    return bool(info.primary_keys or info.meta.get("Fields"))


def _meta(info, column: str) -> dict:
    return info.meta.get("Fields", {}).get(column.lower()) or {}


def field_type(info, column: str) -> str:
    """The declared type of a column (``Text`` when the DE has no schema for it)."""
    return _meta(info, column).get("FieldType") or "Text"


def sort_key(value: object, field_type_name: str) -> object:
    """What a stored value sorts by in its field's type: Number/Decimal by value, Date by time,
    the rest by case-folded text (stored values are all text, so ``'9' > '10'`` and
    ``'9/30/2025' > '10/1/2025'`` otherwise). NULL and ``''`` stay first, as NULL does in SQL."""
    if value is None or value == "":
        return None
    if field_type_name in ("Number", "Decimal"):
        number = parse_number(str(value))
        if number is not None:
            return float(number)
    elif field_type_name == "Date":
        when = parse_date(str(value))
        if when is not None:
            return when.strftime("%Y-%m-%d %H:%M:%S.%f")
    return value.lower() if isinstance(value, str) else value


def _required(info, column: str, meta: dict) -> bool:
    return bool(meta.get("IsRequired")) or column in info.primary_keys


def _whole(value: object) -> int | None:
    """A MaxLength/Scale setting as an int (the schema may write it as text); None when unset."""
    number = parse_number(str(value)) if value not in (None, "") else None
    return int(number) if number is not None else None


def stored_value(de: str, column: str, meta: dict, value: object) -> str | None:
    """The text a field stores for ``value``; FieldValueError when the field does not accept it."""
    raw = to_db_text(value)
    field_type = canonical_field_type(meta.get("FieldType")) or "Text"
    if raw is None or raw == "":
        return raw if field_type in _TEXT_TYPES else None
    stored, reason = _convert(field_type, meta, raw)
    if stored is None:
        raise FieldValueError(
            f"The value '{raw}' is not a valid {field_type} for field '{column}' of data extension '{de}'"
            f"{f' ({reason})' if reason else ''}."
        )
    max_length = _whole(meta.get("MaxLength"))
    if max_length and field_type in _TEXT_TYPES and len(stored) > max_length:
        raise FieldValueError(
            f"The value '{raw}' for field '{column}' of data extension '{de}' is longer than "
            f"{max_length} characters."
        )
    return stored


def _convert(field_type: str, meta: dict, raw: str) -> tuple[str | None, str]:
    """(stored text, "") or (None, why it was refused; may be empty)."""
    if field_type == "Number":
        n = parse_number(raw)
        if n is None or float(n) != int(n):
            return None, ""
        if not _INT_MIN <= int(n) <= _INT_MAX:
            return None, f"outside {_INT_MIN}..{_INT_MAX}"
        return str(int(n)), ""
    if field_type == "Decimal":
        return _decimal(meta, raw)
    if field_type == "Boolean":
        low = raw.strip().lower()
        return ("True" if low in _TRUE else "False" if low in _FALSE else None), ""
    if field_type == "Date":
        dt = parse_date(raw)
        return (format_default(dt) if dt is not None else None), ""
    if field_type == "EmailAddress":
        return (raw if _EMAIL.match(raw.strip()) else None), ""
    if field_type == "Phone":
        return (raw if _PHONE.match(raw.strip()) else None), ""
    if field_type == "Locale":
        return (raw if _LOCALE.match(raw.strip()) else None), ""
    return raw, ""


def _decimal(meta: dict, raw: str) -> tuple[str | None, str]:
    if parse_number(raw) is None:
        return None, ""
    try:
        d = Decimal(raw.strip())
    except InvalidOperation:
        return None, ""
    scale = _whole(meta.get("Scale"))
    if scale is not None:
        # Like SQL Server's conversion to decimal(p, s): round half away from zero to the scale.
        d = d.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP)
    precision = _whole(meta.get("MaxLength"))  # a Decimal's "length" is its precision
    if precision:
        whole_digits = len(str(abs(int(d)))) if int(d) else 0
        if whole_digits > precision - (scale or 0):
            return None, f"more than {precision - (scale or 0)} digits before the decimal point"
    if d == 0:
        d = abs(d)  # no "-0.00"
    return format(d, "f"), ""


def values_for_insert(info, pairs: Sequence[tuple[str, object]]) -> list[tuple[str, str | None]]:
    """A new row's (column, stored text) pairs: values checked and converted, defaults added for
    the fields not given, required fields enforced. Columns are the DE's own spelling."""
    out = [(column, stored_value(info.name, column, _meta(info, column), value)) for column, value in pairs]
    given = {column.lower() for column, _ in out}
    for column in info.columns:
        if column.lower() in given:
            continue
        meta = _meta(info, column)
        default = meta.get("DefaultValue")
        if default not in (None, ""):
            out.append((column, stored_value(info.name, column, meta, default)))
    _require(info, out, every_column=True)
    return out


def values_for_update(
    info, pairs: Sequence[tuple[str, object]], *, keys: bool = False
) -> list[tuple[str, str | None]]:
    """Values set on existing rows, checked and converted; a required field cannot be emptied.
    With ``keys`` they are the key values that find the rows: checked the same, nothing required."""
    out = [(column, stored_value(info.name, column, _meta(info, column), value)) for column, value in pairs]
    if not keys:
        _require(info, out, every_column=False)
    return out


def _require(info, pairs: list[tuple[str, str | None]], *, every_column: bool) -> None:
    values = {column.lower(): value for column, value in pairs}
    for column in info.columns if every_column else [c for c, _ in pairs]:
        if not _required(info, column, _meta(info, column)):
            continue
        if column.lower() not in values:
            raise FieldValueError(f"The field '{column}' of data extension '{info.name}' is required.")
        if values[column.lower()] in (None, ""):
            raise FieldValueError(
                f"The field '{column}' of data extension '{info.name}' is required; the value is empty."
            )


def filter_value(info, column: str, value: object) -> str | None:
    """A value compared with a column, in the form the column stores (so ``007`` finds the
    Number ``7`` and ``2024-01-15`` the Date); a value the field would refuse is compared as given."""
    meta = _meta(info, column)
    if not meta:
        return to_db_text(value)
    try:
        return stored_value(info.name, column, meta, value)
    except FieldValueError:
        return to_db_text(value)


def loaded_rows(meta: dict, columns: list[str], rows: list[list]) -> list[list]:
    """Rows of a CSV file with a schema, each value in its field's stored form. A value the field
    would refuse is kept as written: the file is the user's own source, and loading it must not
    fail over one cell (writes through the functions and the API are checked)."""
    fields = meta.get("Fields") or {}
    typed = [
        (i, fields[c.lower()])
        for i, c in enumerate(columns)
        if (canonical_field_type(fields.get(c.lower(), {}).get("FieldType")) or "Text") not in _TEXT_TYPES
    ]
    if not typed:
        return rows
    for row in rows:
        for i, field_meta in typed:
            try:
                row[i] = stored_value("", columns[i], field_meta, row[i])
            except FieldValueError:
                pass
    return rows
