"""Utility builtins (17): output, conditionals, emptiness, attributes, errors."""

from __future__ import annotations

from ..errors import FunctionError
from ..registry import NOT_EMAIL, builtin
from ..runtime.values import DB_NULL, iif_condition, is_empty, to_bool, to_text

CAT = "Utilities"


@builtin("V", min_args=1, max_args=1, category=CAT, signature="V(value)")
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
         signature="RaiseError(message, [skipSubscriber], [apiErrorCode], [apiErrorNumber], [preserveDataExt])")
def raise_error(message, skip=None, code=None, number=None, preserve=None):
    """Halts processing with the message (in a send, optionally skipping only this subscriber)."""
    raise ScriptRaisedError(to_text(message), to_bool(skip), to_text(code), to_text(number), to_bool(preserve))
