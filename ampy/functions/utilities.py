"""Utility builtins (17): output, conditionals, emptiness, attributes, errors."""

from __future__ import annotations

import base64
import binascii
import random
import uuid

from ..dotnet.numbers import format_currency, format_number, parse_grouped
from ..errors import FunctionError
from ..registry import NOT_EMAIL, builtin
from ..runtime.charsets import decode_bytes, encode_text
from ..runtime.values import (
    DB_NULL,
    iif_condition,
    is_empty,
    parse_number,
    to_bool,
    to_int,
    to_number,
    to_string_arg,
    to_text,
)
from ._validate import is_email_address, is_phone_number

CAT = "Utilities"


@builtin("v", min_args=1, max_args=1, category=CAT, signature="v(value)")
def v(value):
    """The value as text (prints a variable with %%=v(@x)=%%)."""
    return to_text(value)


def _write_calls(ctx, args) -> None:
    out = ctx.out
    for a in args:
        # Only a nested function call writes; a literal, @variable or number writes nothing (rule 4).
        if a.is_call:
            out.append(to_text(a.evaluate(ctx)))


@builtin("Output", min_args=0, max_args=None, category=CAT, lazy=True, contexts=NOT_EMAIL,
         context_error="19691: function name not recognised in email; use OutputLine",
         signature="Output([call]...)")
def output(ctx, args):
    """Writes the results of nested function calls at the block's position."""
    _write_calls(ctx, args)


@builtin("OutputLine", min_args=0, max_args=None, category=CAT, lazy=True, signature="OutputLine([call]...)")
def output_line(ctx, args):
    """Like Output, followed by CR LF."""
    _write_calls(ctx, args)
    ctx.out.append("\r\n")


@builtin("IIf", min_args=3, max_args=3, category=CAT, lazy=True, signature="IIf(condition, whenTrue, whenFalse)")
def iif(ctx, args):
    """Inline if: only a real boolean true selects ``whenTrue``; only the chosen branch runs."""
    cond, when_true, when_false = args
    return when_true.evaluate(ctx) if iif_condition(cond.evaluate(ctx)) else when_false.evaluate(ctx)


@builtin("Empty", min_args=1, max_args=1, category=CAT, signature="Empty(value)")
def empty(value):
    """True for null, an unset variable or ''; whitespace, 0 and 'false' are not empty."""
    return is_empty(value)


@builtin("IsNull", min_args=1, max_args=1, category=CAT, signature="IsNull(value)")
def is_null(value):
    """True only for a genuine null read from a data extension."""
    return value is DB_NULL


@builtin("AttributeValue", min_args=1, max_args=1, category=CAT, needs_context=True,
         signature="AttributeValue(name)")
def attribute_value(ctx, name):
    """A subscriber or system attribute by name (any case); unknown names give ''."""
    key = to_text(name).strip().lower()
    if not key:
        raise FunctionError("the attribute name is empty")
    value = ctx.attribute(key)
    return "" if value is None else value


class ScriptRaisedError(FunctionError):
    """RaiseError: carries the send-time flags (skip the subscriber, keep DE writes)."""

    def __init__(self, message: str, skip_subscriber: bool, error_code: str, error_number: str,
                 preserve_data: bool):
        super().__init__(message)
        self.skip_subscriber = skip_subscriber
        self.error_code = error_code
        self.error_number = error_number
        self.preserve_data = preserve_data


@builtin("RaiseError", min_args=1, max_args=5, category=CAT,
         local="a local send rolls back the subscriber's data extension writes unless preserveDataExt.",
         signature="RaiseError(message, [skipSubscriber], [apiErrorCode], [apiErrorNumber], [preserveDataExt])")
def raise_error(message, skip=None, code=None, number=None, preserve=None):
    """Halts processing with the message (in a send, optionally skipping only this subscriber)."""
    raise ScriptRaisedError(to_text(message), to_bool(skip), to_text(code), to_text(number), to_bool(preserve))


def number_arg(value, culture: str, what: str):
    """A numeric argument that may be written with the culture's group separators."""
    if isinstance(value, str) and parse_number(value) is None:
        grouped = parse_grouped(value, culture)
        if grouped is not None:
            return grouped
    return to_number(value, what)


def _charset(value) -> str | None:
    return None if value is None else to_text(value)


@builtin("Base64Encode", min_args=1, max_args=2, category=CAT, signature="Base64Encode(value, [encoding])")
def base64_encode(value, encoding=None):
    """Padded standard Base64 of the text's bytes (UTF-8 unless another charset is named)."""
    try:
        data = encode_text(to_string_arg(value), _charset(encoding))
    except ValueError as exc:
        raise FunctionError(str(exc)) from None
    return base64.b64encode(data).decode("ascii")


# .NET's Convert.FromBase64String skips these between the Base64 characters.
_BASE64_SPACE = str.maketrans("", "", " \t\r\n")


@builtin("Base64Decode", min_args=1, max_args=3, category=CAT,
         signature="Base64Decode(encoded, [encoding], [abortOnFailure])")
def base64_decode(value, encoding=None, abort_on_failure=None):
    """Text from Base64, read as UTF-8 unless another charset is named; malformed input aborts."""
    text = to_string_arg(value).translate(_BASE64_SPACE)
    charset = _charset(encoding)
    try:
        # Unknown charsets fail before the payload is looked at, as in .NET (Encoding.GetEncoding first).
        decode_bytes(b"", charset)
    except ValueError as exc:
        raise FunctionError(str(exc)) from None
    # .NET needs whole four-character groups with correct padding; b64decode(validate=True) alone
    # would accept a missing final "=" in some Python versions, so check the length explicitly.
    if len(text) % 4:
        raise FunctionError(f"'{to_string_arg(value)}' is not a valid Base64 string")
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise FunctionError(f"'{to_string_arg(value)}' is not a valid Base64 string") from None
    return decode_bytes(data, charset)


@builtin("Domain", min_args=1, max_args=1, category=CAT, signature="Domain(emailAddress)")
def domain(value):
    """Everything after the first @ of an address, as written; '' when there is no @."""
    _, at, rest = to_string_arg(value).partition("@")
    return rest if at else ""


@builtin("FormatNumber", min_args=2, max_args=3, category=CAT, needs_context=True,
         signature="FormatNumber(number, pattern, [locale])")
def format_number_builtin(ctx, value, pattern, locale=None):
    """A number in a .NET numeric format (N2, C0, P, #,##0.00 ...), rounded half away from zero;
    a number written with the locale's group separators (``1,234.56`` in en-US) is read too."""
    culture = ctx.settings.culture if locale is None or to_text(locale) == "" else to_text(locale)
    number = number_arg(value, culture, "number")
    try:
        return format_number(number, to_text(pattern), culture)
    except ValueError as exc:
        raise FunctionError(str(exc)) from None


@builtin("FormatCurrency", min_args=2, max_args=4, category=CAT,
         signature="FormatCurrency(value, locale, [decimals], [symbol])")
def format_currency_builtin(value, locale, decimals=None, symbol=None):
    """Currency text in the locale's format; ``decimals`` and ``symbol`` override the defaults."""
    number = to_number(value, "value")
    places = None if decimals is None or to_text(decimals) == "" else to_int(decimals, "decimal count")
    if places is not None and places > 99:  # .NET's currency precision stops at 99
        raise FunctionError(f"the decimal count {places} is out of range (0 to 99)")
    glyph = None if symbol is None else to_text(symbol)
    try:
        return format_currency(number, to_text(locale), places, glyph)
    except ValueError as exc:
        raise FunctionError(str(exc)) from None


@builtin("GUID", min_args=0, max_args=0, category=CAT, signature="GUID()")
def guid():
    """A fresh random UUID: 36 lowercase characters with hyphens, no braces."""
    return str(uuid.uuid4())


@builtin("IsEmailAddress", min_args=1, max_args=1, category=CAT, signature="IsEmailAddress(value)")
def is_email_address_builtin(value):
    """Syntax check of an email address (a domain needs a TLD; surrounding spaces fail)."""
    return is_email_address(to_string_arg(value))


@builtin("IsPhoneNumber", min_args=1, max_args=1, category=CAT, signature="IsPhoneNumber(value)")
def is_phone_number_builtin(value):
    """North American (NANP) ten-digit number check; dashes, dots, spaces, parentheses allowed."""
    return is_phone_number(to_string_arg(value))


_random = random.SystemRandom()


@builtin("Random", min_args=2, max_args=2, category=CAT, signature="Random(min, max)")
def random_int(low, high):
    """A random whole number between the bounds, both included, in either order."""
    a = to_int(low, "lower bound")
    b = to_int(high, "upper bound")
    if a > b:
        a, b = b, a
    return _random.randint(a, b)
