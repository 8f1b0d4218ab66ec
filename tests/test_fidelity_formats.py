"""Formats as the official reference shows them: percent, grouped numbers, Format types, date
patterns and their time-zone handling, URLEncode flags, Char wrapping."""

from __future__ import annotations

import pytest

import ampy
from ampy.errors import AmpscriptError

WHEN = "'2026-03-04 13:05:09'"


def r(src, **kw):
    return ampy.render(src, **kw)


def test_percent_in_en_us_has_no_space():
    assert r("%%=FormatNumber(0.1234, 'P')=%%|%%=FormatNumber(0.1234, 'P3')=%%|%%=Format(-0.5, 'P0')=%%") == \
        "12.34%|12.340%|-50%"
    assert r("%%=FormatNumber(0.1234, 'P', 'de-DE')=%%") == "12,34 %"  # other cultures keep theirs


def test_format_number_reads_group_separators():
    assert r("%%=FormatNumber('1,234.56', 'G')=%%|%%=FormatNumber('-12,345,678', 'N0')=%%") == \
        "1234.56|-12,345,678"
    assert r("%%=FormatNumber('1.234,56', 'N1', 'de-DE')=%%") == "1.234,6"
    assert r("%%=Format('1,234.56', 'N1')=%%|%%=Format('1.234,5', 'N2', '', 'de-DE')=%%") == "1,234.6|1.234,50"
    with pytest.raises(AmpscriptError) as e:
        r("%%=FormatNumber('1,23.4', 'G')=%%")  # a group of two digits is not a number
    assert e.value.message == "FormatNumber: The number '1,23.4' is not a number"


def test_format_type_arguments():
    assert r("%%=Format('1,234.5', 'C', 'Numeric')=%%|%%=Format(1234.5, 'N1', 'NUMERIC', 'de-DE')=%%"
             "|%%=Format(" + WHEN + ", 'yyyy-MM-dd', 'Date')=%%") == "$1,234.50|1.234,5|2026-03-04"
    with pytest.raises(AmpscriptError) as e:
        r("%%=Format('abc', 'C', 'Numeric')=%%")
    assert e.value.message == "Format: The value 'abc' is not a number"
    with pytest.raises(AmpscriptError) as e:
        r("%%=Format(1, 'C', 'Money')=%%")
    assert e.value.message == 'Format: "Money" is not a valid data format (use "Date", "Numeric" or "")'


@pytest.mark.parametrize("pattern, expected", [
    ("s", "2026-03-04T13:05:09"),
    ("S", "2026-03-04T13:05:09"),
    ("sortable", "2026-03-04T13:05:09"),
    ("SORTABLE", "2026-03-04T13:05:09"),
    ("r", "Wed, 04 Mar 2026 13:05:09 GMT"),    # r does not convert the server time
    ("u", "2026-03-04 13:05:09Z"),             # nor does u
    ("U", "Wednesday, March 4, 2026 7:05:09 PM"),  # U converts to UTC (+6 hours)
    ("o", "2026-03-04T13:05:09.0000000-06:00"),
    ("l", "Wednesday, March 4, 2026"),
    ("Long", "Wednesday, March 4, 2026"),
])
def test_format_date_standard_and_named_patterns(pattern, expected):
    assert r(f"%%=FormatDate({WHEN}, '{pattern}')=%%") == expected


@pytest.mark.parametrize("pattern, expected", [
    ("s", "2026-03-04T13:05:09"),
    ("r", "Wed, 04 Mar 2026 13:05:09 GMT"),
    ("u", "2026-03-04 13:05:09Z"),
    ("o", "2026-03-04T13:05:09.0000000-06:00"),
])
def test_format_with_standard_date_patterns(pattern, expected):
    assert r(f"%%=Format({WHEN}, '{pattern}')=%%") == expected


def test_url_encode_flags():
    url = "'https://x.example.com/a b?q=a b&to=d/e:f@g'"
    assert r(f"%%=URLEncode({url})=%%") == "https://x.example.com/a b?q=a%20b&to=d/e:f@g"
    assert r(f"%%=URLEncode({url}, 1)=%%") == "https://x.example.com/a b?q=a+b&to=d%2fe%3af%40g"
    assert r("%%=URLEncode('a b&c', 1)=%%|%%=URLEncode('a b&c', 1, 1)=%%") == "a b&c|a+b%26c"


def test_char_wraps_codes_above_65535_to_16_bits():
    assert r("%%=Char(65601)=%%|%%=Char(131137)=%%|%%=Char(65536)=%%.") == "A|A|\x00."
    assert r("%%=Char(8364, 2)=%%") == "€€"
    with pytest.raises(AmpscriptError) as e:
        r("%%=Char(-1)=%%")
    assert e.value.message == "Char: -1 is not a valid character code"
    with pytest.raises(AmpscriptError) as e:
        r("%%=Char(55296)=%%")   # a lone surrogate cannot be text
    assert e.value.message == "Char: 55296 is not a valid character code"
