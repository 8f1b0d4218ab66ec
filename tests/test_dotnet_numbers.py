"""ampy.dotnet.numbers: .NET Framework numeric format strings and FormatCurrency.

Expected strings are worked out by hand from .NET Framework's rules (15 significant digits for a
double, then half-away-from-zero rounding on the decimal digits) and its culture data.
"""

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ampy.dotnet.cultures import parse_culture
from ampy.dotnet.numbers import format_currency, format_number

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("value", "pattern", "expected"),
    [
        (1.005, "N2", "1.01"),
        (1234.555, "N2", "1,234.56"),
        (0.125, "N2", "0.13"),
        (2.5, "F0", "3"),
        (2.5, "N0", "3"),
        (-2.5, "F0", "-3"),
        (-2.5, "N0", "-3"),
        (0.5, "F0", "1"),
        (1.5, "F0", "2"),
        (-0.5, "F0", "-1"),
        (1.45, "N1", "1.5"),
        (0.285, "N2", "0.29"),
        (999.995, "N2", "1,000.00"),
        (99.5, "0", "100"),
        (-2.25, "0.0", "-2.3"),
    ],
)
def test_rounding_is_half_away_from_zero_on_the_decimal_value(value, pattern, expected):
    assert format_number(value, pattern) == expected


@pytest.mark.parametrize("pattern", ["N2", "F2", "0.00", "#,##0.00"])
def test_a_value_that_rounds_to_zero_has_no_minus_sign(pattern):
    assert format_number(-0.001, pattern) == "0.00"


@pytest.mark.parametrize(
    ("culture", "expected"),
    [
        ("en-US", "1,234,567.89"),
        ("en-GB", "1,234,567.89"),
        ("de-DE", "1.234.567,89"),
        ("fr-FR", f"1{NBSP}234{NBSP}567,89"),
        ("ja-JP", "1,234,567.89"),
    ],
)
def test_n_uses_the_culture_separators(culture, expected):
    assert format_number(1234567.891, "N", culture) == expected


@pytest.mark.parametrize(
    ("value", "pattern", "culture", "expected"),
    [
        (1234.5, "N0", None, "1,235"),
        (1234.5, "n3", None, "1,234.500"),
        (-1234.5, "N2", "de-DE", "-1.234,50"),
        (0, "N2", None, "0.00"),
        (0.001, "N2", None, "0.00"),
        (1234.5678, "F", None, "1234.57"),
        (1234.5678, "F3", "de-DE", "1234,568"),
        (-1234.5678, "F1", None, "-1234.6"),
        (1234.5678, "F0", None, "1235"),
        (12, "F2", "fr-FR", "12,00"),
    ],
)
def test_n_and_f(value, pattern, culture, expected):
    assert format_number(value, pattern, culture) == expected


@pytest.mark.parametrize(
    ("culture", "positive", "negative"),
    [
        ("en-US", "$1,234.56", "($1,234.56)"),
        ("en-GB", "£1,234.56", "-£1,234.56"),
        ("de-DE", "1.234,56 €", "-1.234,56 €"),
        ("fr-FR", f"1{NBSP}234,56 €", f"-1{NBSP}234,56 €"),
        ("ja-JP", "¥1,235", "-¥1,235"),
    ],
)
def test_c_uses_the_culture_currency_format(culture, positive, negative):
    assert format_number(1234.56, "C", culture) == positive
    assert format_number(-1234.56, "C", culture) == negative


@pytest.mark.parametrize(
    ("value", "pattern", "expected"),
    [
        (1234.56, "C0", "$1,235"),
        (1234.56, "c3", "$1,234.560"),
        (0, "C", "$0.00"),
        (-0.001, "C", "$0.00"),
        (-5, "C0", "($5)"),
    ],
)
def test_c_precision(value, pattern, expected):
    assert format_number(value, pattern, "en-US") == expected


@pytest.mark.parametrize(
    ("value", "pattern", "culture", "expected"),
    [
        (0.12345, "P", "en-US", "12.35%"),  # the reference: no space in en-US
        (0.12345, "P", "en-GB", "12.35%"),
        (0.12345, "P", "de-DE", "12,35 %"),
        (0.12345, "P", "fr-FR", "12,35 %"),
        (0.12345, "P", "ja-JP", "12.35%"),
        (-0.5, "P0", "en-US", "-50%"),
        (12.3456, "P1", "en-US", "1,234.6%"),
        (0, "p", "en-US", "0.00%"),
    ],
)
def test_p_multiplies_by_100_and_uses_the_culture_percent_pattern(value, pattern, culture, expected):
    assert format_number(value, pattern, culture) == expected


@pytest.mark.parametrize(
    ("value", "pattern", "culture", "expected"),
    [
        (1234.5, "#,##0.00", None, "1,234.50"),
        (0, "#,##0.00", None, "0.00"),
        (0.5, "#,##0.00", None, "0.50"),
        (-1234.5, "#,##0.00", None, "-1,234.50"),
        (1234.5, "#,##0.00", "de-DE", "1.234,50"),
        (1234567.8, "#,##0.00", "fr-FR", f"1{NBSP}234{NBSP}567,80"),
        (1234567, "#,#", None, "1,234,567"),
        (1.5, "0.###", None, "1.5"),
        (2, "0.###", None, "2"),
        (1.23456, "0.###", None, "1.235"),
        (0.0004, "0.###", None, "0"),
        (-0.0004, "0.###", None, "0"),
        (123, "00000", None, "00123"),
        (1234567, "00000", None, "1234567"),
        (-42, "00000", None, "-00042"),
        (0, "#", None, ""),
        (0.5, "#.##", None, ".5"),
        (0.1234, "0.0%", None, "12.3%"),
        (1.2345, "#,##0‰", None, "1,235‰"),
        (1234567, "#,##0,K", None, "1,235K"),
        (1234567890, "0,,", None, "1235"),
        (1234567, "0,.0", None, "1234.6"),
        (12, "'#'0", None, "#12"),
        (12, "\\#0", None, "#12"),
        (3, "0 'items'", None, "3 items"),
        (1500, '"$"#,##0', None, "$1,500"),
        (-5, "abc", None, "-abc"),
    ],
)
def test_custom_formats(value, pattern, culture, expected):
    assert format_number(value, pattern, culture) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1234.5, "1,234.50"),
        (-1234.5, "(1,234.50)"),
        (0, "Zero"),
        (-0.001, "Zero"),
        (0.004, "Zero"),
    ],
)
def test_three_sections(value, expected):
    assert format_number(value, "#,##0.00;(#,##0.00);Zero") == expected


@pytest.mark.parametrize(
    ("value", "pattern", "expected"),
    [
        (-5, "0;;zero", "-5"),            # an empty negative section falls back to the first, with sign
        (0, "0;(0)", "0"),                # no zero section: the first one
        (-0.4, "0;(0)", "0"),             # rounds to zero: the first section, without sign
        (-2.25, "0.0;minus 0.0", "minus 2.3"),
        (5, "0;(0)", "5"),
    ],
)
def test_section_selection(value, pattern, expected):
    assert format_number(value, pattern) == expected


@pytest.mark.parametrize(
    ("value", "pattern", "culture", "expected"),
    [
        (12345, "0.00E+00", None, "1.23E+04"),
        (0.000123, "0.0e0", None, "1.2e-4"),
        (1234.5, "0.###E-000", None, "1.235E003"),
        (12345, "00.00E+0", None, "12.35E+3"),
        (1234.5678, "E", None, "1.234568E+003"),
        (1234.5678, "e2", None, "1.23e+003"),
        (0, "E", None, "0.000000E+000"),
        (-0.000123, "E2", None, "-1.23E-004"),
        (1234.5678, "E2", "de-DE", "1,23E+003"),
        (5, "E0", None, "5E+000"),
    ],
)
def test_exponents(value, pattern, culture, expected):
    assert format_number(value, pattern, culture) == expected


@pytest.mark.parametrize(
    ("value", "pattern", "expected"),
    [
        (10 / 3, "G", "3.33333333333333"),
        (10 / 3, "", "3.33333333333333"),
        (10 / 3, None, "3.33333333333333"),
        (1 / 3, "G", "0.333333333333333"),
        (29.97, "G", "29.97"),
        (100.0, "G", "100"),
        (2147483648.0, "G", "2147483648"),
        (123456789012345.0, "G", "123456789012345"),
        (1e15, "G", "1E+15"),
        (1e20, "g", "1e+20"),
        (0.0001, "G", "0.0001"),
        (0.00001, "G", "1E-05"),
        (-1e-7, "G", "-1E-07"),
        (123.456, "G4", "123.5"),
        (1234567.0, "G4", "1.235E+06"),
        (0.1 + 0.2, "G", "0.3"),
        (0.1 + 0.2, "G17", "0.30000000000000004"),
        (0.1 + 0.2, "R", "0.30000000000000004"),
        (1.5, "R", "1.5"),
        (12345678901234567890, "G", "12345678901234567890"),
        (Decimal("1.50"), "G", "1.50"),
        (Decimal("-12.5"), "N1", "-12.5"),
        (Decimal("1.005"), "N2", "1.01"),
    ],
)
def test_general_and_roundtrip(value, pattern, expected):
    assert format_number(value, pattern) == expected


def test_general_uses_the_culture_decimal_separator():
    assert format_number(1.5, "G", "de-DE") == "1,5"


@pytest.mark.parametrize(
    ("value", "pattern", "expected"),
    [
        (42, "D5", "00042"),
        (-42, "D5", "-00042"),
        (42, "D", "42"),
        (42, "d1", "42"),
        (42.0, "D3", "042"),
        (0, "D", "0"),
        (255, "X4", "00FF"),
        (255, "x", "ff"),
        (255, "X", "FF"),
        (-1, "X", "FFFFFFFF"),
        (-1, "x8", "ffffffff"),
        (2**40, "X", "10000000000"),
        (Decimal(16), "X", "10"),
    ],
)
def test_d_and_x(value, pattern, expected):
    assert format_number(value, pattern) == expected


@pytest.mark.parametrize(("value", "pattern"), [(2.5, "D"), (2.5, "D5"), (3.5, "X"), (Decimal("1.1"), "x4")])
def test_d_and_x_reject_a_fraction(value, pattern):
    with pytest.raises(ValueError):
        format_number(value, pattern)


@pytest.mark.parametrize("pattern", ["Q2", "Z", "H3", "q", "B12"])
def test_unknown_standard_patterns_are_echoed(pattern):
    assert format_number(1234.5, pattern) == pattern


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("N009", "1,234.500000000"),  # digits are read until the value reaches 10: N9
        ("N99", "1,234." + "5" + "0" * 98),
        ("N100", "N11235"),           # three digits: a custom format ("N", "1", then "00")
    ],
)
def test_standard_specifier_parsing_follows_dotnet_framework(pattern, expected):
    assert format_number(1234.5, pattern) == expected


@pytest.mark.parametrize(
    ("value", "pattern", "expected"),
    [
        (float("inf"), "N2", "∞"),
        (float("-inf"), "C", "-∞"),
        (float("nan"), "0.00", "NaN"),
        (float("nan"), "X", "NaN"),
        (Decimal("Infinity"), "G", "∞"),
    ],
)
def test_infinity_and_nan(value, pattern, expected):
    assert format_number(value, pattern) == expected


@pytest.mark.parametrize(
    ("culture", "expected"),
    [
        ("en_US", "1,234.50"),
        ("EN-us", "1,234.50"),
        ("de_de", "1.234,50"),
        ("de", "1.234,50"),
        (None, "1,234.50"),
        ("", "1,234.50"),
        ("xx-XX", "1,234.50"),
        ("nonsense", "1,234.50"),
    ],
)
def test_culture_names(culture, expected):
    assert format_number(1234.5, "N2", culture) == expected


def test_unknown_culture_formats_currency_as_en_us():
    assert format_number(-1234.5, "C", "xx-XX") == "($1,234.50)"


@pytest.mark.parametrize(
    ("name", "expected"),
    [("en_us", "en-US"), ("EN-gb", "en-GB"), (None, "en-US"), ("", "en-US"), ("de", "de-DE"),
     ("ja_JP", "ja-JP"), ("xx-XX", None), ("nonsense", None)],
)
def test_parse_culture(name, expected):
    assert parse_culture(name) == expected


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((1234.56, "en-US"), "$1,234.56"),
        ((-1234.56, "en-US"), "($1,234.56)"),
        ((1234.56, "en_US"), "$1,234.56"),
        ((1234.56, "en-GB"), "£1,234.56"),
        ((1234.56, "de-DE"), "1.234,56 €"),
        ((-1234.56, "de-DE"), "-1.234,56 €"),
        ((1234.56, "fr-FR"), f"1{NBSP}234,56 €"),
        ((1234.56, "ja-JP"), "¥1,235"),
        ((1234.5, None), "$1,234.50"),
        ((1234.5, "xx-XX"), "¤1,234.50"),
        ((-1234.5, "xx-XX"), "(¤1,234.50)"),
        ((1234.5678, "en-US", 3), "$1,234.568"),
        ((2.5, "en-US", 0), "$3"),
        ((1.005, "en-US", 2), "$1.01"),
        ((1234.5, "ja-JP", 2), "¥1,234.50"),
        ((1234.5, "en-US", 2, "€"), "€1,234.50"),
        ((1234.5, "de-DE", 2, "EUR"), "1.234,50 EUR"),
        ((-1234.5, "en-US", 2, "USD "), "(USD 1,234.50)"),
        ((float("inf"), "en-US"), "∞"),
    ],
)
def test_format_currency(args, expected):
    assert format_currency(*args) == expected


def test_format_currency_rejects_negative_decimals():
    with pytest.raises(ValueError):
        format_currency(1.5, "en-US", -1)


def _reference_fixed(value: float, decimals: int) -> str:
    """F<decimals> by the rule: 15 significant digits, then half away from zero."""
    exact = Decimal(f"{value:.14e}").quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    text = f"{exact:f}"
    return text[1:] if text.startswith("-") and not exact else text


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False), st.integers(min_value=0, max_value=6))
def test_fixed_point_matches_the_decimal_rule(value, decimals):
    assert format_number(value, f"F{decimals}") == _reference_fixed(value, decimals)


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_integers_with_n0_group_every_three_digits(value):
    assert format_number(value, "N0") == f"{value:,}"
