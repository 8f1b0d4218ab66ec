""".NET Framework numeric formatting: ``double.ToString(format, culture)`` and FormatCurrency.

Covered .NET behaviours:
- Standard formats C, D, E, F, G, N, P, R, X (any letter case; E/e, G/g and X/x set the case of the
  exponent letter / hex digits) with an optional precision of at most two digits, as .NET Framework
  parses them ("N100" is a custom format there, and here).
- Custom formats: ``0`` ``#`` ``.`` ``,`` (grouping, and scaling by 1000 right before the point),
  ``%`` ``‰``, ``E+0``/``E-0``/``e0`` exponents, ``\\`` escapes, ``'...'``/``"..."`` literals and
  up to three ``;`` sections (positive; negative; zero), including the switch to the zero section
  when a value rounds to zero.
- Doubles are first reduced to 15 significant digits (17 for R when 15 do not round-trip, and for
  G16+/E15+), then rounded half away from zero on those decimal digits: ``1.005`` -> ``1.01`` with
  N2. ints and ``decimal.Decimal`` values are exact. A value that rounds to zero never shows a
  minus sign (.NET Framework, unlike .NET Core, prints ``0.00`` for ``-0.001``).
- Infinity and NaN print as ``∞``, ``-∞`` and ``NaN`` whatever the pattern (AMPscript's symbols).
- An unknown standard format letter (``Q2``) is echoed back unchanged.
- D and X need an integral value: a non-integral one raises ``ValueError``.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from decimal import Decimal

from .cultures import NumberCulture, currency_culture, number_culture

Number = int | float | Decimal

INFINITY = "∞"
NAN = "NaN"

_STANDARD_LETTERS = frozenset("CDEFGNPRX")
_DOUBLE_DIGITS = 15       # .NET Framework's DOUBLE_PRECISION
_ROUNDTRIP_DIGITS = 17
_DEFAULT_DECIMALS = 2     # NumberDecimalDigits / PercentDecimalDigits of every CLDR-backed culture

# A number as .NET's NumberBuffer holds it: value = 0.<digits> x 10**scale, digits without leading
# zeros ("" for zero).
_Num = tuple[str, int, bool]
_ZERO: _Num = ("", 0, False)


# --- values as decimal digits ---------------------------------------------------------------------


def _float_digits(value: float, precision: int) -> _Num:
    """A double's significant digits at *precision* digits, like .NET's DoubleToNumber."""
    if value == 0:
        return _ZERO
    mantissa, exponent = f"{abs(value):.{precision - 1}e}".split("e")
    digits = mantissa.replace(".", "").rstrip("0")
    return digits, int(exponent) + 1, value < 0


def _exact_digits(value: int | Decimal) -> _Num:
    """An int's or Decimal's digits; a Decimal keeps its trailing zeros (.NET's "1.50m" -> "1.50")."""
    if isinstance(value, int):
        text = str(abs(value))
        return (text, len(text), value < 0) if value else _ZERO
    sign, digit_tuple, exponent = value.as_tuple()
    digits = "".join(map(str, digit_tuple)).lstrip("0")
    if not digits:
        # .NET keeps a zero decimal's scale for "G": 0.00m prints "0.00".
        return "", min(exponent, 0), False
    return digits, len(digits) + exponent, bool(sign)


def _to_num(value: Number, precision: int = _DOUBLE_DIGITS) -> _Num:
    if isinstance(value, float):
        return _float_digits(value, precision)
    return _exact_digits(value)


def _round(num: _Num, pos: int) -> _Num:
    """Keep *pos* digits, rounding half away from zero (.NET's RoundNumber); zero loses its sign."""
    digits, scale, negative = num
    kept = min(pos, len(digits)) if pos > 0 else 0
    if kept == pos and kept < len(digits) and digits[kept] >= "5":
        head = digits[:kept].rstrip("9")
        if head:
            digits = head[:-1] + chr(ord(head[-1]) + 1)
        else:
            digits, scale = "1", scale + 1
    else:
        digits = digits[:kept].rstrip("0")
    return (digits, scale, negative) if digits else _ZERO


def _special(value: Number) -> str | None:
    """The text of infinity or NaN, or None for a finite value."""
    if isinstance(value, int):
        return None
    if isinstance(value, Decimal):
        if value.is_finite():
            return None
        if value.is_nan():
            return NAN
        return "-" + INFINITY if value < 0 else INFINITY
    if math.isfinite(value):
        return None
    if math.isnan(value):
        return NAN
    return "-" + INFINITY if value < 0 else INFINITY


def _integral(value: Number) -> int:
    """The integer D and X need; ValueError for a value with a fraction."""
    if isinstance(value, int):
        return value
    if value != value.__trunc__():
        raise ValueError(f"format needs an integer value, got {value!r}")
    return int(value)


# --- shared pieces --------------------------------------------------------------------------------


def _group(int_part: str, sizes: tuple[int, ...], separator: str) -> str:
    """Insert group separators from the right: sizes[0], then sizes[1], ..., the last one repeating."""
    if not sizes or not separator:
        return int_part
    groups = []
    end, index, size = len(int_part), 0, sizes[0]
    while 0 < size < end:
        groups.append(int_part[end - size:end])
        end -= size
        if index < len(sizes) - 1:
            index += 1
            size = sizes[index]
    groups.append(int_part[:end])
    return separator.join(reversed(groups))


def _fixed(num: _Num, decimals: int, info: NumberCulture, group_sizes: tuple[int, ...] = ()) -> str:
    """Digits of an already rounded number as d,ddd.dd (no sign)."""
    digits, scale, _ = num
    int_part = digits[:scale].ljust(scale, "0") if scale > 0 else "0"
    int_part = _group(int_part, group_sizes, info.group)
    if decimals <= 0:
        return int_part
    fraction = "0" * -scale + digits if scale < 0 else digits[scale:]
    return int_part + info.decimal + fraction[:decimals].ljust(decimals, "0")


def _exponent(value: int, letter: str, min_digits: int, plus: bool, info: NumberCulture) -> str:
    sign = info.minus if value < 0 else "+" if plus else ""
    return letter + sign + str(abs(value)).rjust(min_digits, "0")


# --- standard formats -----------------------------------------------------------------------------


def _currency(num: _Num, decimals: int, info: NumberCulture, symbol: str) -> str:
    num = _round(num, num[1] + decimals)
    prefix, suffix = info.currency_negative if num[2] else info.currency_positive
    body = _fixed(num, decimals, info, info.currency_group_sizes)
    return prefix.replace("¤", symbol) + body + suffix.replace("¤", symbol)


def _percent(num: _Num, decimals: int, info: NumberCulture) -> str:
    if num[0]:
        num = (num[0], num[1] + 2, num[2])
    num = _round(num, num[1] + decimals)
    prefix, suffix = info.percent_negative if num[2] else info.percent_positive
    body = _fixed(num, decimals, info, info.group_sizes)
    return prefix.replace("%", info.percent) + body + suffix.replace("%", info.percent)


def _scientific(num: _Num, decimals: int, letter: str, info: NumberCulture) -> str:
    digits, scale, negative = _round(num, decimals + 1)
    mantissa = (digits or "0").ljust(decimals + 1, "0")
    text = mantissa[0] + (info.decimal + mantissa[1:] if decimals > 0 else "")
    exponent = scale - 1 if digits else 0
    return (info.minus if negative else "") + text + _exponent(exponent, letter, 3, True, info)


def _general_digits(num: _Num, max_digits: int, letter: str, info: NumberCulture,
                    suppress_scientific: bool = False) -> str:
    """.NET's FormatGeneral on an already rounded number (sign included)."""
    digits, scale, negative = num
    scientific = not suppress_scientific and (scale > max_digits or scale < -3)
    point_pos = 1 if scientific else scale
    if point_pos > 0:
        text = digits[:point_pos].ljust(point_pos, "0")
        rest = digits[point_pos:]
    else:
        text, rest = "0", digits
    if rest or point_pos < 0:
        text += info.decimal + "0" * max(-point_pos, 0) + rest
    if scientific:
        text += _exponent(scale - 1, letter, 2, True, info)
    return (info.minus if negative else "") + text


def _general(value: Number, precision: int | None, letter: str, info: NumberCulture) -> str:
    if precision:
        # G16 and G17 see a double's 17 digits; below that .NET rounds to 15 first.
        num = _to_num(value, _ROUNDTRIP_DIGITS if precision > _DOUBLE_DIGITS else _DOUBLE_DIGITS)
        return _general_digits(_round(num, precision), precision, letter, info)
    num = _to_num(value)
    if isinstance(value, Decimal):
        # A decimal's default "G" shows every stored digit, trailing zeros included, never an exponent.
        return _general_digits(num, 0, letter, info, suppress_scientific=True)
    if isinstance(value, float):
        return _general_digits(_round(num, _DOUBLE_DIGITS), _DOUBLE_DIGITS, letter, info)
    return _general_digits(num, max(len(num[0]), 19), letter, info)


def _roundtrip(value: Number, info: NumberCulture) -> str:
    """R: 15 significant digits when they round-trip, else 17 (.NET Framework)."""
    if not isinstance(value, float):
        return _general(value, None, "E", info)
    if float(f"{value:.{_DOUBLE_DIGITS - 1}e}") == value:
        return _general_digits(_float_digits(value, _DOUBLE_DIGITS), _DOUBLE_DIGITS, "E", info)
    return _general_digits(_float_digits(value, _ROUNDTRIP_DIGITS), _ROUNDTRIP_DIGITS, "E", info)


def _decimal_integer(value: Number, precision: int | None, info: NumberCulture) -> str:
    number = _integral(value)
    text = str(abs(number)).rjust(precision or 0, "0")
    return info.minus + text if number < 0 else text


def _hexadecimal(value: Number, precision: int | None, letter: str) -> str:
    number = _integral(value)
    if number < 0:
        # Two's complement at the width of the .NET integer type that holds the value.
        number &= 0xFFFFFFFF if number >= -(2**31) else 0xFFFFFFFFFFFFFFFF
    text = format(number, "X" if letter == "X" else "x")
    return text.rjust(precision or 0, "0")


def _standard(value: Number, letter: str, precision: int | None, info: NumberCulture) -> str:
    kind = letter.upper()
    if kind == "C":
        decimals = info.currency_digits if precision is None else precision
        return _currency(_to_num(value), decimals, info, info.currency_symbol)
    if kind in "FN":
        decimals = _DEFAULT_DECIMALS if precision is None else precision
        num = _to_num(value)
        num = _round(num, num[1] + decimals)
        body = _fixed(num, decimals, info, info.group_sizes if kind == "N" else ())
        return info.minus + body if num[2] else body
    if kind == "P":
        return _percent(_to_num(value), _DEFAULT_DECIMALS if precision is None else precision, info)
    if kind == "E":
        decimals = 6 if precision is None else precision
        num = _to_num(value, _ROUNDTRIP_DIGITS if decimals > _DOUBLE_DIGITS - 1 else _DOUBLE_DIGITS)
        return _scientific(num, decimals, "E" if letter == "E" else "e", info)
    if kind == "G":
        return _general(value, precision, "E" if letter == "G" else "e", info)
    if kind == "R":
        return _roundtrip(value, info)
    if kind == "D":
        return _decimal_integer(value, precision, info)
    return _hexadecimal(value, precision, letter)


# --- custom formats -------------------------------------------------------------------------------

_DIGIT, _POINT, _PERCENT, _PERMILLE, _LITERAL, _EXPONENT = range(6)
_NO_ZERO = 0x7FFFFFFF


@dataclass(frozen=True, slots=True)
class _Section:
    """One ';'-separated part of a custom format, pre-scanned the way .NET scans it."""

    tokens: tuple[tuple, ...]   # (_DIGIT,), (_POINT,), (_LITERAL, text), (_EXPONENT, letter, digits, plus)
    digit_count: int
    decimal_pos: int
    first_digit: int            # .NET's firstDigit/lastDigit, relative to the decimal point
    last_digit: int
    scientific: bool
    thousand_seps: bool
    scale_adjust: int


def _split_sections(pattern: str) -> list[str]:
    """Split on ';' outside quotes and escapes."""
    sections, start, i, n = [], 0, 0, len(pattern)
    while i < n:
        ch = pattern[i]
        i += 1
        if ch in "'\"":
            end = pattern.find(ch, i)
            i = n if end < 0 else end + 1
        elif ch == "\\":
            i += 1
        elif ch == ";":
            sections.append(pattern[start:i - 1])
            start = i
    sections.append(pattern[start:])
    return sections


def _is_exponent(text: str, i: int) -> bool:
    """Whether an 'E'/'e' just before index *i* starts an exponent (E0, E+0, E-0)."""
    if i < len(text) and text[i] == "0":
        return True
    return i + 1 < len(text) and text[i] in "+-" and text[i + 1] == "0"


def _scan_section(text: str) -> _Section:
    tokens: list[tuple] = []
    literal: list[str] = []

    def flush() -> None:
        if literal:
            tokens.append((_LITERAL, "".join(literal)))
            literal.clear()

    digit_count, decimal_pos, first, last = 0, -1, _NO_ZERO, 0
    thousand_pos, thousand_count, thousand_seps = -1, 0, False
    scale_adjust, scientific = 0, False
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        i += 1
        if ch in "#0":
            if ch == "0":
                first = min(first, digit_count)
                last = digit_count + 1
            digit_count += 1
            flush()
            tokens.append((_DIGIT,))
        elif ch == ".":
            if decimal_pos < 0:
                decimal_pos = digit_count
            flush()
            tokens.append((_POINT,))
        elif ch == ",":
            # A comma between digit placeholders groups; commas right before the point scale.
            if digit_count > 0 and decimal_pos < 0:
                if thousand_pos >= 0:
                    if thousand_pos == digit_count:
                        thousand_count += 1
                        continue
                    thousand_seps = True
                thousand_pos, thousand_count = digit_count, 1
        elif ch in "%\u2030":
            scale_adjust += 2 if ch == "%" else 3
            flush()
            tokens.append((_PERCENT if ch == "%" else _PERMILLE,))
        elif ch in "'\"":
            end = text.find(ch, i)
            literal.append(text[i:] if end < 0 else text[i:end])
            i = n if end < 0 else end + 1
        elif ch == "\\":
            if i < n:
                literal.append(text[i])
                i += 1
        elif ch in "Ee" and _is_exponent(text, i):
            start = i - 1
            plus = text[i] == "+"
            i += 1 if text[i] in "+-" else 0
            zeros_start = i
            while i < n and text[i] == "0":
                i += 1
            if scientific:  # only the first exponent counts; later ones print as typed
                literal.append(text[start:i])
            else:
                scientific = True
                flush()
                tokens.append((_EXPONENT, ch, min(i - zeros_start, 10), plus))
        else:
            literal.append(ch)
    flush()
    if decimal_pos < 0:
        decimal_pos = digit_count
    if thousand_pos >= 0:
        if thousand_pos == decimal_pos:
            scale_adjust -= thousand_count * 3
        else:
            thousand_seps = True
    return _Section(
        tokens=tuple(tokens),
        digit_count=digit_count,
        decimal_pos=decimal_pos,
        first_digit=decimal_pos - first if first < decimal_pos else 0,
        last_digit=decimal_pos - last if last > decimal_pos else 0,
        scientific=scientific,
        thousand_seps=thousand_seps,
        scale_adjust=scale_adjust,
    )


@dataclass(frozen=True, slots=True)
class _Custom:
    sections: tuple[_Section, ...]
    by_kind: tuple[int, int, int]   # section index for a positive, negative and zero value


def _parse_custom(pattern: str) -> _Custom:
    texts = _split_sections(pattern)[:3]
    # .NET's FindSection: a missing or empty section falls back to the first one.
    by_kind = tuple(k if k < len(texts) and texts[k] else 0 for k in range(3))
    return _Custom(tuple(_scan_section(t) for t in texts), by_kind)


def _separator_positions(section: _Section, point_pos: int, adjust: int, sizes: tuple[int, ...]) -> list[int]:
    """Digit positions (counted from the point) after which a group separator goes (.NET's algorithm)."""
    if not sizes:
        return []
    positions, index = [], 0
    size = total = sizes[0]
    width = max(section.first_digit, point_pos + min(adjust, 0))
    while width > total and size:
        positions.append(total)
        if index < len(sizes) - 1:
            index += 1
            size = sizes[index]
        total += size
    return positions


def _apply_section(section: _Section, num: _Num, with_sign: bool, info: NumberCulture) -> str:
    digits, scale, negative = num
    if section.scientific:
        point_pos, adjust = section.decimal_pos, 0
    else:
        point_pos, adjust = max(scale, section.decimal_pos), scale - section.decimal_pos
    separators = []
    if section.thousand_seps and info.group:
        separators = _separator_positions(section, point_pos, adjust, info.group_sizes)
    next_sep = len(separators) - 1
    out = [info.minus] if negative and with_sign else []
    cur, count = 0, len(digits)
    decimal_written = False

    def emit_digit(ch: str) -> None:
        nonlocal next_sep
        out.append(ch)
        if next_sep >= 0 and point_pos > 1 and point_pos == separators[next_sep] + 1:
            out.append(info.group)
            next_sep -= 1

    for token in section.tokens:
        kind = token[0]
        if adjust > 0 and kind in (_DIGIT, _POINT):
            # More integer digits than placeholders: the extra ones go before the first placeholder.
            while adjust > 0:
                if cur < count:
                    emit_digit(digits[cur])
                    cur += 1
                else:
                    emit_digit("0")
                point_pos -= 1
                adjust -= 1
        if kind == _DIGIT:
            if adjust < 0:
                adjust += 1
                ch = "0" if point_pos <= section.first_digit else ""
            elif cur < count:
                ch = digits[cur]
                cur += 1
            else:
                ch = "0" if point_pos > section.last_digit else ""
            if ch:
                emit_digit(ch)
            point_pos -= 1
        elif kind == _POINT:
            if point_pos == 0 and not decimal_written and (
                    section.last_digit < 0 or (section.decimal_pos < section.digit_count and cur < count)):
                out.append(info.decimal)
                decimal_written = True
        elif kind == _LITERAL:
            out.append(token[1])
        elif kind == _PERCENT:
            out.append(info.percent)
        elif kind == _PERMILLE:
            out.append(info.per_mille)
        else:
            exponent = scale - section.decimal_pos if digits else 0
            out.append(_exponent(exponent, token[1], token[2], token[3], info))
    return "".join(out)


def _custom(value: Number, custom: _Custom, info: NumberCulture) -> str:
    num = _to_num(value)
    if not num[0]:
        num = _ZERO
    index = custom.by_kind[2 if not num[0] else 1 if num[2] else 0]
    while True:
        section = custom.sections[index]
        if not num[0]:
            break
        digits, scale, negative = num
        scale += section.scale_adjust
        pos = section.digit_count if section.scientific else scale + section.digit_count - section.decimal_pos
        num = _round((digits, scale, negative), pos)
        if num[0] or custom.by_kind[2] == index:
            break
        index = custom.by_kind[2]  # rounded to zero: use the zero section
    return _apply_section(section, num, index == 0, info)


# --- public API -----------------------------------------------------------------------------------


def _standard_specifier(pattern: str) -> tuple[str, int | None] | None:
    """(letter, precision) if *pattern* is a standard format, as .NET Framework's
    ParseFormatSpecifier decides: an ASCII letter, then digits read until the value reaches 10
    ("N2", "N99", "N009"); anything left over makes it a custom format ("N100")."""
    letter = pattern[0]
    if not ("A" <= letter <= "Z" or "a" <= letter <= "z"):
        return None
    i, precision = 1, None
    if i < len(pattern) and "0" <= pattern[i] <= "9":
        precision = ord(pattern[i]) - 48
        i += 1
        while i < len(pattern) and "0" <= pattern[i] <= "9":
            precision = precision * 10 + ord(pattern[i]) - 48
            i += 1
            if precision >= 10:
                break
    return (letter, precision) if i == len(pattern) else None


@functools.lru_cache(maxsize=512)
def _parse_pattern(pattern: str) -> tuple[str, int | None] | _Custom | None:
    """A standard (letter, precision), a parsed custom format, or None for an unknown standard one."""
    spec = _standard_specifier(pattern)
    if spec is None:
        return _parse_custom(pattern)
    if spec[0].upper() not in _STANDARD_LETTERS:
        return None
    return spec


def parse_grouped(text: str, culture: str | None = None) -> float | None:
    """A number written with the culture's group separators (en-US ``1,234.56``, de-DE
    ``1.234,56``) as a float; None when the text is not such a number. Groups must be whole
    (three digits after each separator), as .NET's ``NumberStyles.AllowThousands`` reads them."""
    info = number_culture(culture)
    group = re.escape(info.group)
    decimal = re.escape(info.decimal)
    m = re.fullmatch(rf"\s*([+-]?)(\d{{1,3}}(?:{group}\d{{3}})+)(?:{decimal}(\d+))?\s*", text)
    if m is None:
        return None
    digits = m.group(2).replace(info.group, "")
    return float(f"{m.group(1)}{digits}.{m.group(3) or '0'}")


def format_number(value: Number, pattern: str | None, culture: str | None = None) -> str:
    """Format a number like .NET Framework's ``value.ToString(pattern, culture)``.

    An unknown culture formats as en-US; an unknown standard format is returned unchanged;
    D and X raise ``ValueError`` for a value with a fraction.
    """
    special = _special(value)
    if special is not None:
        return special
    spec = _parse_pattern(pattern or "G")
    if spec is None:
        return pattern
    info = number_culture(culture)
    if isinstance(spec, _Custom):
        return _custom(value, spec, info)
    return _standard(value, spec[0], spec[1], info)


def format_currency(value: Number, culture: str | None, decimals: int | None = None,
                    symbol: str | None = None) -> str:
    """AMPscript's FormatCurrency: the culture's currency format, rounded half away from zero.

    *decimals* defaults to the currency's digits (2; 0 for ja-JP); *symbol* replaces the currency
    glyph only. An unknown culture uses the invariant culture's generic sign: ``¤1,234.56``.
    Raises ``ValueError`` for negative *decimals*.
    """
    special = _special(value)
    if special is not None:
        return special
    info = currency_culture(culture)
    if decimals is None:
        decimals = info.currency_digits
    elif decimals < 0:
        raise ValueError(f"decimals must not be negative, got {decimals}")
    return _currency(_to_num(value), int(decimals), info, info.currency_symbol if symbol is None else symbol)
