"""String builtins (14). Positions are 1-based and count UTF-16 code units (rules 18-21)."""

from __future__ import annotations

from datetime import datetime

from ..dotnet.datetimes import format_dotnet
from ..dotnet.numbers import format_number, parse_grouped
from ..dotnet.regex import RegexTimeout, regex_match
from ..errors import FunctionError
from ..limits import LimitExceeded
from ..registry import builtin
from ..runtime.charsets import encode_text, utf16_len, utf16_substring
from ..runtime.dates import parse_date
from ..runtime.values import parse_number, to_int, to_number, to_string_arg, to_text

CAT = "String"


@builtin("Concat", min_args=1, max_args=None, category=CAT, needs_context=True,
         signature="Concat(value1, [value2], [valueN]...)")
def concat(ctx, *values):
    """Joins values as text; numbers and dates use their rendered form, booleans add nothing."""
    parts = [to_string_arg(v) for v in values]
    if len(parts) > 8:  # many (large) values: their total is checked before it is ever built
        ctx.check_string(sum(map(len, parts)))
    s = "".join(parts)
    if len(s) > ctx.limits.string_size:
        ctx.check_string(len(s))
    return s


def concat_onto(ctx, key: str, *values):
    """``SET @s = Concat(@s, ...)``, compiled to append to @s in place: once the variable's own
    reference is dropped, Python extends the string instead of copying it, so building text in a
    loop stays linear. Nothing changes (the variable included) when the limit refuses it."""
    tail = "".join([to_string_arg(v) for v in values])
    variables = ctx.vars
    head = variables.get(key)
    ctx.check_string((len(head) if head.__class__ is str else len(to_string_arg(head))) + len(tail))
    del head
    value = variables.pop(key, None)
    if value.__class__ is not str:
        value = to_string_arg(value)
    value += tail
    variables[key] = value


@builtin("Length", min_args=1, max_args=1, category=CAT, signature="Length(source)")
def length(value):
    """Number of UTF-16 code units in the text (an emoji counts 2, a boolean 0)."""
    s = value if value.__class__ is str else to_string_arg(value)
    return len(s) if s.isascii() else utf16_len(s)


def invariant_upper(s: str) -> str:
    """Culture-invariant, one-to-one upper-casing: characters whose upper case would expand
    (ß -> SS) stay as they are, as in .NET's ToUpperInvariant."""
    if s.isascii():
        return s.upper()
    out = []
    for ch in s:
        u = ch.upper()
        out.append(u if len(u) == 1 else ch)
    return "".join(out)


def invariant_lower(s: str) -> str:
    """Culture-invariant, one-to-one lower-casing (İ -> i, not i + combining dot)."""
    if s.isascii():
        return s.lower()
    out = []
    for ch in s:
        lo = ch.lower()
        out.append(lo if len(lo) == 1 else lo[0])
    return "".join(out)


@builtin("Lowercase", min_args=1, max_args=1, category=CAT, signature="Lowercase(source)")
def lowercase(value):
    """Lower-cases letters with invariant (non-Turkish) rules."""
    s = value if value.__class__ is str else to_string_arg(value)
    return s.lower() if s.isascii() else invariant_lower(s)


@builtin("Uppercase", min_args=1, max_args=1, category=CAT, signature="Uppercase(source)")
def uppercase(value):
    """Upper-cases letters with invariant rules; ß stays ß."""
    s = value if value.__class__ is str else to_string_arg(value)
    return s.upper() if s.isascii() else invariant_upper(s)


# .NET's Char.IsWhiteSpace set; Python's own strip() also removes \x1c-\x1f, which .NET keeps.
DOTNET_WHITESPACE = ("\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
                     "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


@builtin("Trim", min_args=1, max_args=1, category=CAT, signature="Trim(source)")
def trim(value):
    """Strips outer whitespace: spaces, tabs, line breaks, non-breaking spaces."""
    return to_string_arg(value).strip(DOTNET_WHITESPACE)


@builtin("ProperCase", min_args=1, max_args=1, category=CAT, signature="ProperCase(source)")
def proper_case(value):
    """Upper-cases the first letter of each whitespace-separated word and lower-cases the rest."""
    s = to_string_arg(value)
    out = []
    at_word_start = True
    for ch in s:
        if ch in DOTNET_WHITESPACE:
            out.append(ch)
            at_word_start = True
        elif at_word_start:
            out.append(invariant_upper(ch))
            at_word_start = False
        else:
            out.append(invariant_lower(ch))
    return "".join(out)


@builtin("Substring", min_args=2, max_args=3, category=CAT, signature="Substring(source, start, [length])")
def substring(value, start, count=None):
    """Part of the text from a 1-based start (below 1 counts as 1), at most ``length`` units."""
    s = to_string_arg(value)
    begin = to_int(start, "start")
    n = None
    if count is not None:
        n = to_int(count, "length")
        if n < 0:
            raise FunctionError(f"the length {n} is negative")
    begin = max(begin, 1)
    return utf16_substring(s, begin - 1, n)


class _Caseless:
    """Case-insensitive search of one needle in one haystack, lower-cased once (not per match)."""

    __slots__ = ("haystack", "needle", "low_h", "low_n", "same_length")

    def __init__(self, haystack: str, needle: str):
        self.haystack, self.needle = haystack, needle
        self.low_h, self.low_n = haystack.lower(), needle.lower()
        self.same_length = len(self.low_h) == len(haystack) and len(self.low_n) == len(needle)

    def find(self, start: int = 0) -> int:
        """Index of the needle at or after ``start`` ignoring case, -1 when absent (Python indices)."""
        if self.same_length:
            return self.low_h.find(self.low_n, start)
        # Lower-casing changed lengths (rare letters): compare character by character.
        haystack, n, low_n = self.haystack, len(self.needle), self.low_n
        for i in range(start, len(haystack) - n + 1):
            if haystack[i:i + n].lower() == low_n:
                return i
        return -1

    def count(self) -> int:
        """Non-overlapping hits, left to right (what a replacement replaces)."""
        if self.same_length:
            return self.low_h.count(self.low_n)
        hits, i = 0, self.find(0)
        while i >= 0:
            hits += 1
            i = self.find(i + len(self.needle))
        return hits


@builtin("IndexOf", min_args=2, max_args=3, category=CAT, signature="IndexOf(source, search, [occurrence])")
def index_of(value, search, occurrence=None):
    """1-based position of the search text (case-insensitive), 0 when absent or either is empty."""
    s = to_string_arg(value)
    f = to_string_arg(search)
    if not s or not f:
        return 0
    nth = 1 if occurrence is None or to_text(occurrence) == "" else to_int(occurrence, "occurrence")
    if nth < 1:
        return 0
    search = _Caseless(s, f)
    i = -1
    for _ in range(nth):
        i = search.find(i + 1)
        if i < 0:
            return 0
    return utf16_len(s[:i]) + 1


def replace_ci(s: str, find: str, repl: str, ctx=None) -> str:
    """Replace every occurrence ignoring case in one left-to-right pass; with ``ctx`` the result's
    size is checked against the string_size limit before it is built."""
    if not find:
        return s
    low_s, low_f = s.lower(), find.lower()
    n = len(find)
    if len(low_s) != len(s) or len(low_f) != n:  # lower-casing changed lengths (rare letters)
        return _replace_caseless(_Caseless(s, find), repl, ctx)
    if ctx is not None and len(repl) > n:
        ctx.check_string(len(s) + low_s.count(low_f) * (len(repl) - n))
    if low_s == s and low_f == find:  # nothing to fold: an exact replace is the same, done in C
        return s.replace(find, repl)
    parts = []
    pos = 0
    i = low_s.find(low_f)
    while i >= 0:
        parts.append(s[pos:i])
        parts.append(repl)
        pos = i + n
        i = low_s.find(low_f, pos)
    if not parts:
        return s
    parts.append(s[pos:])
    return "".join(parts)


def _replace_caseless(search: _Caseless, repl: str, ctx) -> str:
    s, n = search.haystack, len(search.needle)
    if ctx is not None and len(repl) > n:
        ctx.check_string(len(s) + search.count() * (len(repl) - n))
    parts = []
    pos = 0
    i = search.find(0)
    while i >= 0:
        parts.append(s[pos:i])
        parts.append(repl)
        pos = i + n
        i = search.find(pos)
    if not parts:
        return s
    parts.append(s[pos:])
    return "".join(parts)


@builtin("Replace", min_args=2, max_args=3, category=CAT, needs_context=True,
         signature="Replace(source, search, [replacement])")
def replace(ctx, value, search, replacement=None):
    """Replaces every hit ignoring case in one pass; without a replacement the hits are deleted."""
    return replace_ci(to_string_arg(value), to_string_arg(search),
                      "" if replacement is None else to_string_arg(replacement), ctx)


@builtin("ReplaceList", min_args=3, max_args=None, category=CAT, needs_context=True,
         signature="ReplaceList(source, replacement, search1, [searchN]...)")
def replace_list(ctx, value, replacement, *searches):
    """Replaces each search term in turn (ignoring case) with one replacement, chaining the results."""
    s = to_string_arg(value)
    repl = to_string_arg(replacement)
    for search in searches:
        s = replace_ci(s, to_string_arg(search), repl, ctx)
    return s


@builtin("RegExMatch", min_args=3, max_args=None, category=CAT, needs_context=True,
         signature="RegExMatch(source, pattern, group, [option]...)")
def regex_match_builtin(ctx, value, pattern, group, *options):
    """The group (number or name) of the first .NET regex match, '' when nothing matches."""
    # Numbers stay numbers so that group 1 and "1" mean the same; anything else is a group name.
    target = group if isinstance(group, (int, float)) and not isinstance(group, bool) else to_text(group)
    timeout = ctx.limits.regex_timeout
    try:
        return regex_match(to_string_arg(value), to_text(pattern), target,
                           tuple(to_text(o) for o in options), timeout=timeout)
    except RegexTimeout:
        raise LimitExceeded(f"The regular expression ran longer than {timeout:g} seconds", "regex_timeout") from None
    except ValueError as exc:
        raise FunctionError(str(exc)) from None


@builtin("StringToHex", min_args=1, max_args=2, category=CAT, needs_context=True,
         signature="StringToHex(source, [charSet])")
def string_to_hex(ctx, value, charset=None):
    """Lowercase hex of the text's bytes in a charset (UTF-8 by default), no separators."""
    try:
        data = encode_text(to_string_arg(value), None if charset is None else to_text(charset))
    except ValueError as exc:
        raise FunctionError(str(exc)) from None
    ctx.check_string(2 * len(data))
    return data.hex()


# A .NET string cannot exceed about a billion characters; far below that the render would exhaust
# memory, so an absurd repeat count is refused with a clear message instead.
MAX_CHAR_REPEAT = 10_000_000


@builtin("Char", min_args=1, max_args=2, category=CAT, needs_context=True, signature="Char(code, [repeat])")
def char(ctx, code, repeat=None):
    """The character for a numeric code (above 65535 wrapped to 16 bits, as .NET's (char) cast),
    repeated ``repeat`` times."""
    c = to_int(code, "character code")
    if c > 0xFFFF:
        c &= 0xFFFF
    if c < 0 or 0xD800 <= c <= 0xDFFF:
        raise FunctionError(f"{c} is not a valid character code")
    n = 1 if repeat is None else to_int(repeat, "repeat count")
    if n < 0:
        raise FunctionError(f"the repeat count {n} is negative")
    if n > MAX_CHAR_REPEAT:
        raise FunctionError(f"the repeat count {n} is too large (at most {MAX_CHAR_REPEAT:,})")
    ctx.check_string(n)
    return chr(c) * n


@builtin("Format", min_args=2, max_args=4, category=CAT, needs_context=True,
         signature="Format(value, pattern, [dataFormat], [culture])")
def format_value(ctx, value, pattern, data_format=None, culture=None):
    """A number or date in a .NET format string (``N2``, ``C``, ``MMMM d, yyyy`` ...) for a culture."""
    result = _format(ctx, value, pattern, data_format, culture)
    ctx.check_string(len(result))
    return result


def _format(ctx, value, pattern, data_format, culture) -> str:
    kind = "" if data_format is None else to_text(data_format).strip().lower()
    if kind not in ("", "date", "numeric"):
        # The reference's types are "Date" and "Numeric"; the live engine aborts on "Number".
        raise FunctionError(f'"{to_text(data_format)}" is not a valid data format (use "Date", "Numeric" or "")')
    pattern_text = to_text(pattern)
    culture_name = ctx.settings.culture if culture is None or to_text(culture) == "" else to_text(culture)
    if kind == "numeric":
        from .utilities import number_arg

        try:
            return format_number(number_arg(value, culture_name, "value"), pattern_text, culture_name)
        except ValueError as exc:
            raise FunctionError(str(exc)) from None
    if kind == "date":
        return format_dotnet(_format_date_arg(ctx, value), pattern_text, culture_name, local=True)
    if isinstance(value, datetime):
        return format_dotnet(value, pattern_text, culture_name, local=True)
    text = to_string_arg(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool) or parse_number(text) is not None:
        try:
            return format_number(to_number(value), pattern_text, culture_name)
        except ValueError as exc:
            raise FunctionError(str(exc)) from None
    grouped = parse_grouped(text, culture_name)   # "1,234.56" in en-US is a number too
    if grouped is not None:
        return format_number(grouped, pattern_text, culture_name)
    dt = parse_date(text, today=ctx.now) if text.strip() else None
    if dt is not None:
        return format_dotnet(dt, pattern_text, culture_name, local=True)
    return text  # like .NET, plain text ignores the format


def _format_date_arg(ctx, value) -> datetime:
    if isinstance(value, datetime):
        return value
    text = to_text(value)
    dt = parse_date(text, today=ctx.now)
    if dt is None:
        raise FunctionError(f'"{text}" is not a valid date')
    return dt
