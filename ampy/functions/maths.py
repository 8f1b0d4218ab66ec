"""Math builtins (5): IEEE doubles, numeric strings accepted, no 32-bit overflow (rule 12); a number
outside the double range is refused as .NET refuses it."""

from __future__ import annotations

import math

from ..registry import builtin
from ..runtime.values import to_double

CAT = "Math"


@builtin("Add", min_args=2, max_args=2, category=CAT, signature="Add(number1, number2)")
def add(a, b):
    """Sum of two numbers."""
    return to_double(a, "first number") + to_double(b, "second number")


@builtin("Subtract", min_args=2, max_args=2, category=CAT, signature="Subtract(minuend, subtrahend)")
def subtract(a, b):
    """First number minus the second."""
    return to_double(a, "first number") - to_double(b, "second number")


@builtin("Multiply", min_args=2, max_args=2, category=CAT, signature="Multiply(number1, number2)")
def multiply(a, b):
    """Product of two numbers."""
    return to_double(a, "first number") * to_double(b, "second number")


@builtin("Divide", min_args=2, max_args=2, category=CAT, signature="Divide(dividend, divisor)")
def divide(a, b):
    """Quotient with decimals; x/0 is ∞ or -∞ and 0/0 is NaN."""
    x = to_double(a, "dividend")
    y = to_double(b, "divisor")
    if y == 0:
        if x == 0 or math.isnan(x):
            return math.nan
        return math.inf if (x > 0) == (math.copysign(1, y) > 0) else -math.inf
    return x / y


@builtin("Mod", min_args=2, max_args=2, category=CAT, signature="Mod(dividend, divisor)")
def mod(a, b):
    """Remainder with the sign of the dividend; a zero divisor gives NaN."""
    x = to_double(a, "dividend")
    y = to_double(b, "divisor")
    if y == 0 or math.isinf(x) or math.isnan(x) or math.isnan(y):
        return math.nan  # .NET's % on doubles; Python's fmod raises on an infinite dividend
    return math.fmod(x, y)
