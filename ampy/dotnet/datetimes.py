""".NET Framework date formatting (``DateTime.ToString(format, culture)``) and AMPscript's FormatDate.

Dates are naive ``datetime.datetime`` values in system time, which is UTC-6 all year (AMPscript's
US Central Standard Time, no daylight saving).

Covered .NET behaviours (``format_dotnet``):
- Standard formats d D f F g G m/M o/O r/R s t T u U y/Y; culture patterns come from CLDR (see
  ``cultures.py``). r, s, u and o use the invariant culture. U converts to UTC (+6 h). r and K/o
  depend on the value's kind: a naive value is ``DateTimeKind.Unspecified`` unless ``local=True``
  says it is system local time, in which case r converts to GMT and K/o print ``-06:00``.
- Custom formats: d dd ddd dddd, M MM MMM MMMM (genitive month names next to a day number),
  y yy yyy yyyy yyyyy, h hh H HH m mm s ss (at most two digits), f..fffffff, F..FFFFFFF (dropping a
  preceding "." when nothing is printed), t tt, g, K, z zz zzz (system offset -06:00), ":" and "/"
  (the culture's separators), '...' and "..." literals (with \\ escapes inside), \\x escapes and
  %x for a one-letter custom format.
- An invalid format (unknown standard letter, unterminated quote, lone %, trailing \\, more than
  seven f/F) is echoed back unchanged, as AMPscript's Format does.

``format_date_ampscript`` implements the FormatDate dialect described in its docstring.
"""

from __future__ import annotations

import datetime as _dt
import functools

from .cultures import DateCulture, date_culture

SYSTEM_UTC_OFFSET = _dt.timedelta(hours=-6)

_ROUNDTRIP = "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK"
_RFC1123 = "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'"
_SORTABLE = "yyyy'-'MM'-'dd'T'HH':'mm':'ss"
_UNIVERSAL_SORTABLE = "yyyy'-'MM'-'dd HH':'mm':'ss'Z'"
_INVARIANT = "en-US"  # .NET's invariant culture uses the English names en-US has

# Tokens of a parsed format: (kind, count) for fields, ("lit", text), ("/", 0) and (":", 0).
_FIELD_LETTERS = frozenset("dMyhHmsfFtgKz")
_MAX_FRACTION_DIGITS = 7


class DateFormatError(ValueError):
    """A .NET date format string that .NET would reject with a FormatException."""


# --- parsing .NET custom formats -----------------------------------------------------------------


def _run_length(text: str, i: int, ch: str) -> int:
    end = i
    while end < len(text) and text[end] == ch:
        end += 1
    return end - i


def _quoted(text: str, i: int, quote: str) -> tuple[str, int]:
    """The literal inside quotes starting after index *i*; backslash escapes a character."""
    out = []
    while i < len(text):
        ch = text[i]
        i += 1
        if ch == quote:
            return "".join(out), i
        if ch == "\\" and i < len(text):
            ch = text[i]
            i += 1
        out.append(ch)
    raise DateFormatError(f"unterminated quote in {text!r}")


@functools.lru_cache(maxsize=512)
def _tokenize(text: str) -> tuple[tuple[str, object], ...]:
    """Parse a .NET custom date format into tokens (cached)."""
    tokens: list[tuple[str, object]] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in _FIELD_LETTERS:
            count = 1 if ch == "K" else _run_length(text, i, ch)
            if ch in "fF" and count > _MAX_FRACTION_DIGITS:
                raise DateFormatError(f"too many fraction digits in {text!r}")
            tokens.append((ch, count))
            i += count
        elif ch in "/:":
            tokens.append((ch, 0))
            i += 1
        elif ch in "'\"":
            literal, i = _quoted(text, i + 1, ch)
            tokens.append(("lit", literal))
        elif ch == "%":
            # "%d" formats the single letter as a custom format instead of a standard one.
            if i + 1 >= len(text) or text[i + 1] == "%":
                raise DateFormatError(f"invalid % in {text!r}")
            tokens.extend(_tokenize(text[i + 1]))
            i += 2
        elif ch == "\\":
            if i + 1 >= len(text):
                raise DateFormatError(f"trailing backslash in {text!r}")
            tokens.append(("lit", text[i + 1]))
            i += 2
        else:
            tokens.append(("lit", ch))
            i += 1
    return tuple(tokens)


def _uses_genitive(tokens: tuple[tuple[str, object], ...]) -> bool:
    """.NET uses genitive month names when the format also shows the day as a number."""
    return any(kind == "d" and count <= 2 for kind, count in tokens)


# --- rendering -----------------------------------------------------------------------------------


def _offset_text(count: int) -> str:
    """The system offset for z, zz and zzz (-6, -06, -06:00)."""
    minutes = int(SYSTEM_UTC_OFFSET.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    if count == 1:
        return f"{sign}{hours}"
    if count == 2:
        return f"{sign}{hours:02d}"
    return f"{sign}{hours:02d}:{minutes:02d}"


def _fraction(dt: _dt.datetime, count: int, trim: bool, out: list[str]) -> None:
    ticks = dt.microsecond * 10  # .NET ticks are 100 ns
    text = f"{ticks:07d}"[:count]
    if not trim:
        out.append(text)
        return
    text = text.rstrip("0")
    if text:
        out.append(text)
    elif out and out[-1].endswith("."):
        out[-1] = out[-1][:-1]  # .NET drops the decimal point when F prints nothing


def _field(kind: str, count: int, dt: _dt.datetime, info: DateCulture, genitive: bool, local: bool) -> str:
    if kind == "d":
        if count <= 2:
            return f"{dt.day:0{count}d}"
        return (info.days_abbr if count == 3 else info.days_wide)[dt.weekday()]
    if kind == "M":
        if count <= 2:
            return f"{dt.month:0{count}d}"
        if count == 3:
            return info.months_abbr[dt.month - 1]
        return (info.months_wide_genitive if genitive else info.months_wide)[dt.month - 1]
    if kind == "y":
        return f"{dt.year % 100:0{count}d}" if count <= 2 else f"{dt.year:0{count}d}"
    if kind == "h":
        return f"{dt.hour % 12 or 12:0{min(count, 2)}d}"
    if kind == "H":
        return f"{dt.hour:0{min(count, 2)}d}"
    if kind == "m":
        return f"{dt.minute:0{min(count, 2)}d}"
    if kind == "s":
        return f"{dt.second:0{min(count, 2)}d}"
    if kind == "t":
        designator = info.am if dt.hour < 12 else info.pm
        return designator[:1] if count == 1 else designator
    if kind == "g":
        return info.era
    if kind == "K":
        return _offset_text(3) if local else ""
    if kind == "z":
        return _offset_text(count)
    if kind == "/":
        return info.date_separator
    return info.time_separator  # ":"


def _render(tokens, dt: _dt.datetime, info: DateCulture, local: bool) -> str:
    genitive = _uses_genitive(tokens)
    out: list[str] = []
    for kind, value in tokens:
        if kind == "lit":
            out.append(value)
        elif kind in "fF":
            _fraction(dt, value, kind == "F", out)
        else:
            out.append(_field(kind, value, dt, info, genitive, local))
    return "".join(out)


# --- standard formats ----------------------------------------------------------------------------


_INVARIANT_PATTERNS = {"o": _ROUNDTRIP, "O": _ROUNDTRIP, "r": _RFC1123, "R": _RFC1123, "s": _SORTABLE,
                       "u": _UNIVERSAL_SORTABLE}


@functools.lru_cache(maxsize=512)
def _standard(letter: str, culture: str) -> tuple[tuple[tuple[str, object], ...], bool, bool] | None:
    """(tokens, uses the invariant culture, converts to UTC) for a standard format letter."""
    if letter in _INVARIANT_PATTERNS:
        return _tokenize(_INVARIANT_PATTERNS[letter]), True, False
    info = date_culture(culture)
    culture_patterns = {
        "d": info.short_date,
        "D": info.long_date,
        "f": f"{info.long_date} {info.short_time}",
        "F": f"{info.long_date} {info.long_time}",
        "g": f"{info.short_date} {info.short_time}",
        "G": f"{info.short_date} {info.long_time}",
        "m": info.month_day,
        "M": info.month_day,
        "t": info.short_time,
        "T": info.long_time,
        "y": info.year_month,
        "Y": info.year_month,
        "U": f"{info.long_date} {info.long_time}",
    }
    if letter not in culture_patterns:
        return None
    return _tokenize(culture_patterns[letter]), False, letter == "U"


def _format_standard(dt: _dt.datetime, letter: str, info: DateCulture, local: bool) -> str:
    """Format with a standard format letter; raises DateFormatError for an unknown letter."""
    spec = _standard(letter, info.name)
    if spec is None:
        raise DateFormatError(f"unknown standard date format {letter!r}")
    tokens, invariant, to_utc = spec
    # U converts to UTC (.NET treats an unspecified value as local); r and u print the value as it
    # is, GMT/Z suffix included (the reference: they do not convert a server-time value).
    if to_utc:
        dt = dt - SYSTEM_UTC_OFFSET
    return _render(tokens, dt, date_culture(_INVARIANT) if invariant else info, local)


def format_dotnet(dt: _dt.datetime, pattern: str | None, culture: str | None = None, *,
                  local: bool = False) -> str:
    """Format *dt* like .NET Framework's ``DateTime.ToString(pattern, culture)``.

    *local* marks the value as system local time (DateTimeKind.Local) rather than Unspecified:
    K/o print the -06:00 offset; r and u never convert. An unknown culture formats as en-US;
    an invalid pattern is returned unchanged.
    """
    info = date_culture(culture)
    pattern = pattern or "G"
    try:
        if len(pattern) == 1:
            return _format_standard(dt, pattern, info, local)
        return _render(_tokenize(pattern), dt, info, local)
    except DateFormatError:
        return pattern


# --- AMPscript's FormatDate dialect --------------------------------------------------------------

# Single letters that select .NET standard formats in a FormatDate pattern ("S" is read as "s").
_DIALECT_STANDARD = frozenset("dDfFgGmMoOrRstTuUyY")
# Named patterns of the reference's FormatDate table (any case) and the standard format each is.
_DIALECT_NAMED = {"l": "D", "long": "D", "sortable": "s"}


def _dialect_field(kind: str, count: int) -> tuple[str, int]:
    """Map a run of a FormatDate letter to the .NET token it prints."""
    if kind == "d":
        # dddd is the abbreviated day name ("Wed"), ddddd the full one ("Wednesday").
        return "d", count if count <= 3 else 3 if count == 4 else 4
    if kind == "f":
        return "f", min(count, _MAX_FRACTION_DIGITS)
    return kind, count


# Letters each FormatDate part knows (lower-cased, except that h and H differ in the time part),
# and the .NET token they become. In the date part m means month; minutes exist only in the time part.
_DATE_DIALECT = {"d": "d", "m": "M", "y": "y"}
_TIME_DIALECT = {"h": "h", "H": "H", "m": "m", "s": "s", "t": "t", "f": "f", "z": "z"}


@functools.lru_cache(maxsize=512)
def _tokenize_dialect(text: str, time_part: bool) -> tuple[tuple[str, object], ...]:
    """Parse a FormatDate date or time pattern; letters it does not know pass through verbatim."""
    table = _TIME_DIALECT if time_part else _DATE_DIALECT

    def key_of(ch: str) -> str:
        return ch if time_part and ch in "hH" else ch.lower()

    tokens: list[tuple[str, object]] = []
    i = 0
    while i < len(text):
        ch = text[i]
        key = key_of(ch)
        if key not in table:
            if tokens and tokens[-1][0] == "lit":
                tokens[-1] = ("lit", tokens[-1][1] + ch)
            else:
                tokens.append(("lit", ch))
            i += 1
            continue
        end = i
        while end < len(text) and key_of(text[end]) == key:
            end += 1
        tokens.append(_dialect_field(table[key], end - i))
        i = end
    return tuple(tokens)


def _dialect_part(dt: _dt.datetime, pattern: str, info: DateCulture, time_part: bool) -> str:
    named = _DIALECT_NAMED.get(pattern.lower())
    if named:
        return _format_standard(dt, named, info, True)
    if len(pattern) == 1:
        if time_part and pattern in "hH":
            raise ValueError(f"FormatDate time format {pattern!r} is not a valid format")
        if pattern in _DIALECT_STANDARD or pattern == "S":
            return _format_standard(dt, pattern.replace("S", "s"), info, True)
    return _render(_tokenize_dialect(pattern, time_part), dt, info, True)


def format_date_ampscript(dt: _dt.datetime, date_pattern: str | None = None, time_pattern: str | None = None,
                          locale: str | None = None) -> str:
    """AMPscript's ``FormatDate(date, datePattern, timePattern, locale)`` dialect.

    - The date part and the time part are formatted separately and joined by one space; a missing
      or empty pattern leaves its part out. With neither, the culture's "G" format is used
      (en-US ``3/4/2026 1:05:09 PM``).
    - Date part letters (any case): d/dd day, ddd/dddd abbreviated day name, ddddd full day name;
      m/mm (or M/MM) month, mmm abbreviated and mmmm full month name; y/yy/yyyy year. Every other
      character, time letters included, passes through verbatim.
    - Time part letters: h/hh 12-hour and H/HH 24-hour clock (the only case that matters),
      m/mm minutes, s/ss seconds, t/tt AM/PM designator, f... fraction, z/zz/zzz offset (-06:00).
      Other characters pass through verbatim.
    - A one-letter pattern selects a .NET standard format (d short date, D long date, M "March 4",
      y "October 2017", t/T, g/G, f/F, s or S sortable, u universal sortable, U, o round-trip, and
      r RFC 1123); r and u print the server time as it is (no conversion), U converts to UTC.
      Named patterns (any case): "l" or "long" the long date, "sortable" the s format.
    - Raises ``ValueError`` for "h" or "H" alone as the time pattern (AMPscript aborts the render).
    """
    info = date_culture(locale)
    parts = []
    if date_pattern:
        parts.append(_dialect_part(dt, date_pattern, info, False))
    if time_pattern:
        parts.append(_dialect_part(dt, time_pattern, info, True))
    if not parts:
        return _format_standard(dt, "G", info, True)
    return " ".join(parts)
