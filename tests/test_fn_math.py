"""Math builtins through ampy.render (rule 12): doubles printed the .NET way, numeric strings."""

from __future__ import annotations

import pytest

import ampy


def r(source: str) -> str:
    return ampy.render(source)


@pytest.mark.parametrize("source, expected", [
    ("%%=Add(2, 3)=%%", "5"),
    ("%%=Add(2147483647, 1)=%%", "2147483648"),
    ('%%=Add("1.5", "2.25")=%%', "3.75"),
    ("%%=Add(0.1, 0.2)=%%", "0.3"),
    ("%%=Add(-5, 2)=%%", "-3"),
    ('%%=Add(" 7 ", 1)=%%', "8"),
    ("%%=Subtract(10, 15)=%%", "-5"),
    ('%%=Subtract("10.5", 0.25)=%%', "10.25"),
    ("%%=Subtract(0.3, 0.1)=%%", "0.2"),
    ("%%=Multiply(3, 9.99)=%%", "29.97"),
    ("%%=Multiply(65536, 65536)=%%", "4294967296"),
    ('%%=Multiply("4", "2.5")=%%', "10"),
    ("%%=Multiply(-2, 0.5)=%%", "-1"),
    ("%%=Divide(10, 3)=%%", "3.33333333333333"),
    ("%%=Divide(10, 4)=%%", "2.5"),
    ("%%=Divide(2, 3)=%%", "0.666666666666667"),
    ("%%=Divide(1, 0)=%%", "\u221e"),
    ("%%=Divide(-1, 0)=%%", "-\u221e"),
    ("%%=Divide(0, 0)=%%", "NaN"),
    ('%%=Divide("9", "3")=%%', "3"),
    ("%%=Mod(10, 3)=%%", "1"),
    ("%%=Mod(-10, 3)=%%", "-1"),
    ("%%=Mod(10, -3)=%%", "1"),
    ("%%=Mod(5.5, 2)=%%", "1.5"),
    ("%%=Mod(5, 0)=%%", "NaN"),
    ("%%=Mod(0, 0)=%%", "NaN"),
    ("%%=Add(Multiply(2, 3), Divide(1, 4))=%%", "6.25"),
])
def test_math(source, expected):
    assert r(source) == expected


def test_result_compares_numerically():
    assert r('%%[ if Add(9, 1) > 9 then ]%%yes%%[ endif ]%%') == "yes"


@pytest.mark.parametrize("source, line, column, fragment", [
    ('%%=Add("x", 1)=%%', 1, 4, "'x' is not a number"),
    ('%%=Subtract(1, "")=%%', 1, 4, "not a number"),
    ("\n\n  %%=Multiply(true, 2)=%%", 3, 6, "not a number"),
    ('%%[\nvar @n\nset @q = Divide(1, @n)\n]%%', 3, 10, "empty"),
    ('%%=Mod("ten", 3)=%%', 1, 4, "'ten'"),
])
def test_non_numeric_input_is_an_error_at_the_call(source, line, column, fragment):
    with pytest.raises(ampy.AmpscriptRuntimeError) as info:
        ampy.render("before" + source)
    error = info.value
    assert (error.line, error.column) == (line, column + (6 if line == 1 else 0))
    assert fragment in error.message


def test_an_error_discards_earlier_output():
    with pytest.raises(ampy.AmpscriptRuntimeError):
        ampy.render('printed?%%=Add(1, "a")=%%')


@pytest.mark.parametrize("source, message", [
    ("x\n %%=Add(1)=%%", "Add takes exactly 2 arguments, got 1"),
    ("x\n %%=Add(1, 2, 3)=%%", "Add takes exactly 2 arguments, got 3"),
    ("x\n %%=Mod(1)=%%", "Mod takes exactly 2 arguments, got 1"),
])
def test_wrong_argument_count_is_reported_before_running(source, message):
    with pytest.raises(ampy.AmpscriptSyntaxError) as info:
        ampy.render(source)
    assert (info.value.line, info.value.column, info.value.message) == (2, 5, message)
