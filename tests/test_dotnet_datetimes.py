"""ampy.dotnet.datetimes: .NET Framework date format strings and AMPscript's FormatDate dialect.

The reference moment is Wednesday 2026-03-04 13:05:09 system time (UTC-6). Expected strings are
worked out by hand from .NET Framework's patterns for each culture and the FormatDate rules in the
semantics notes (rule 27).
"""

import datetime as dt

import pytest

from ampy.dotnet.cultures import date_culture
from ampy.dotnet.datetimes import format_date_ampscript, format_dotnet

WED = dt.datetime(2026, 3, 4, 13, 5, 9)
WED_FRACTION = dt.datetime(2026, 3, 4, 13, 5, 9, 123400)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("d", "3/4/2026"),
        ("D", "Wednesday, March 4, 2026"),
        ("f", "Wednesday, March 4, 2026 1:05 PM"),
        ("F", "Wednesday, March 4, 2026 1:05:09 PM"),
        ("g", "3/4/2026 1:05 PM"),
        ("G", "3/4/2026 1:05:09 PM"),
        ("m", "March 4"),
        ("M", "March 4"),
        ("t", "1:05 PM"),
        ("T", "1:05:09 PM"),
        ("y", "March 2026"),
        ("Y", "March 2026"),
        ("s", "2026-03-04T13:05:09"),
        ("u", "2026-03-04 13:05:09Z"),
        ("r", "Wed, 04 Mar 2026 13:05:09 GMT"),   # an unspecified-kind value is not converted
        ("R", "Wed, 04 Mar 2026 13:05:09 GMT"),
        ("U", "Wednesday, March 4, 2026 7:05:09 PM"),
        ("o", "2026-03-04T13:05:09.0000000"),
        ("O", "2026-03-04T13:05:09.0000000"),
    ],
)
def test_standard_formats_en_us(pattern, expected):
    assert format_dotnet(WED, pattern, "en-US") == expected


@pytest.mark.parametrize(
    ("culture", "pattern", "expected"),
    [
        ("en-GB", "d", "04/03/2026"),
        ("en-GB", "D", "04 March 2026"),
        ("en-GB", "t", "13:05"),
        ("en-GB", "T", "13:05:09"),
        ("en-GB", "G", "04/03/2026 13:05:09"),
        ("en-GB", "f", "04 March 2026 13:05"),
        ("en-GB", "y", "March 2026"),
        ("de-DE", "d", "04.03.2026"),
        ("de-DE", "D", "Mittwoch, 4. März 2026"),
        ("de-DE", "t", "13:05"),
        ("de-DE", "G", "04.03.2026 13:05:09"),
        ("de-DE", "M", "4. März"),
        ("de-DE", "y", "März 2026"),
        ("fr-FR", "d", "04/03/2026"),
        ("fr-FR", "D", "mercredi 4 mars 2026"),
        ("fr-FR", "G", "04/03/2026 13:05:09"),
        ("fr-FR", "F", "mercredi 4 mars 2026 13:05:09"),
        ("fr-FR", "M", "4 mars"),
        ("fr-FR", "y", "mars 2026"),
        ("ja-JP", "d", "2026/03/04"),
        ("ja-JP", "D", "2026年3月4日"),
        ("ja-JP", "t", "13:05"),
        ("ja-JP", "T", "13:05:09"),
        ("ja-JP", "G", "2026/03/04 13:05:09"),
        ("ja-JP", "M", "3月4日"),
        ("ja-JP", "y", "2026年3月"),
        ("de-DE", "r", "Wed, 04 Mar 2026 13:05:09 GMT"),   # r, s, u, o are culture-invariant
        ("ja-JP", "s", "2026-03-04T13:05:09"),
    ],
)
def test_standard_formats_by_culture(culture, pattern, expected):
    assert format_dotnet(WED, pattern, culture) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.datetime(2023, 8, 6, 13, 41, 23), "8/6/2023 1:41:23 PM"),
        (dt.datetime(2026, 3, 4, 0, 0, 0), "3/4/2026 12:00:00 AM"),
        (dt.datetime(2026, 12, 31, 12, 0, 0), "12/31/2026 12:00:00 PM"),
    ],
)
def test_default_format_is_general(value, expected):
    assert format_dotnet(value, None) == expected
    assert format_dotnet(value, "") == expected
    assert format_dotnet(value, "G", "en_US") == expected


@pytest.mark.parametrize(
    ("pattern", "culture", "expected"),
    [
        ("yyyy-MM-dd HH:mm:ss", None, "2026-03-04 13:05:09"),
        ("dddd, MMMM d, yyyy", None, "Wednesday, March 4, 2026"),
        ("dddd, d. MMMM yyyy", "de-DE", "Mittwoch, 4. März 2026"),
        ("ddd dd MMM", "en-US", "Wed 04 Mar"),
        ("ddd dd MMM", "de-DE", "Mi 04 Mrz"),
        ("ddd dd MMM", "fr-FR", "mer. 04 mars"),
        ("ddd dd MMM", "en-GB", "Wed 04 Mar"),
        ("%d", None, "4"),
        ("%M", None, "3"),
        ("%y", None, "26"),
        ("d MMMM", None, "4 March"),
        ("h:mm tt", None, "1:05 PM"),
        ("hh:mm t", None, "01:05 P"),
        ("tt", "ja-JP", "午後"),
        ("H:m:s", None, "13:5:9"),
        ("HHH", None, "13"),
        ("yy", None, "26"),
        ("yyy", None, "2026"),
        ("yyyyy", None, "02026"),
        ("MM/dd/yyyy", None, "03/04/2026"),
        ("MM/dd/yyyy", "de-DE", "03.04.2026"),   # "/" is the culture's date separator
        ("HH:mm", "fr-FR", "13:05"),
        ("zzz", None, "-06:00"),
        ("zz", None, "-06"),
        ("%z", None, "-6"),
        ("%K", None, ""),
        ("'Day' d", None, "Day 4"),
        ('"Day" d', None, "Day 4"),
        ("\\d\\a\\y d", None, "day 4"),
        ("'it''s'", None, "its"),
        ("'a\\'b'", None, "a'b"),
        ("yyyy'年'M'月'd'日'", "ja-JP", "2026年3月4日"),
    ],
)
def test_custom_formats(pattern, culture, expected):
    assert format_dotnet(WED, pattern, culture) == expected


@pytest.mark.parametrize(
    ("value", "pattern", "expected"),
    [
        (WED_FRACTION, "HH:mm:ss.fff", "13:05:09.123"),
        (WED_FRACTION, "ss.fffffff", "09.1234000"),
        (WED_FRACTION, "ss.FFFFFFF", "09.1234"),
        (WED_FRACTION, "ss.f", "09.1"),
        (WED, "ss.FFF", "09"),            # F prints nothing, and the point goes too
        (WED, "ss.fff", "09.000"),
        (dt.datetime(2026, 3, 4, 13, 5, 9, 120000), "s.FFFFFFF", "9.12"),
        (dt.datetime(2005, 1, 2, 0, 7, 0), "y yy h hh", "5 05 12 12"),
        (dt.datetime(2005, 1, 2, 0, 7, 0), "M/d/yyyy", "1/2/2005"),
    ],
)
def test_custom_fields_on_other_values(value, pattern, expected):
    assert format_dotnet(value, pattern) == expected


@pytest.mark.parametrize("pattern", ["Q", "x", "z", "K", "'abc", "%", "abc\\", "ffffffff", "a%%b"])
def test_invalid_formats_are_echoed(pattern):
    assert format_dotnet(WED, pattern) == pattern


def test_local_values_carry_the_offset_and_rfc1123_does_not_convert():
    # The reference's token table: r and u do not convert a server-time value.
    assert format_dotnet(WED, "r", local=True) == "Wed, 04 Mar 2026 13:05:09 GMT"
    assert format_dotnet(dt.datetime(2026, 3, 4, 20, 0), "R", local=True) == "Wed, 04 Mar 2026 20:00:00 GMT"
    assert format_dotnet(WED, "o", local=True) == "2026-03-04T13:05:09.0000000-06:00"
    assert format_dotnet(WED, "%K", local=True) == "-06:00"
    assert format_dotnet(WED, "u", local=True) == "2026-03-04 13:05:09Z"   # u never converts


def test_unknown_culture_formats_as_en_us():
    assert format_dotnet(WED, "D", "xx-XX") == "Wednesday, March 4, 2026"


def test_month_names_do_not_leak_between_cultures():
    # Babel caches resolved CLDR aliases in data shared between locales; reading ja-JP first must
    # not turn German month names into Japanese ones.
    format_dotnet(WED, "MMMM MMM dddd ddd", "ja-JP")
    assert format_dotnet(WED, "MMMM", "sv-SE") == "mars"
    assert date_culture("fr-FR").months_wide[0] == "janvier"


# --- FormatDate --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("dddd, MMMM d, yyyy",), "Wed, March 4, 2026"),
        (("ddddd, MMMM d, yyyy",), "Wednesday, March 4, 2026"),
        (("ddd",), "Wed"),
        (("MM/dd/yyyy",), "03/04/2026"),
        (("mm/dd/yyyy",), "03/04/2026"),
        (("MM/DD/YYYY",), "03/04/2026"),
        (("m/d/yy",), "3/4/26"),
        (("mmm d",), "Mar 4"),
        (("MMMM",), "March"),
        (("yyyy-mm-dd", "HH:mm:ss"), "2026-03-04 13:05:09"),
        (("yyyy-mm-dd HH:mm",), "2026-03-04 HH:03"),     # minutes exist only in the time part
        (("MMMM d, yyyy", "h:mm tt"), "March 4, 2026 1:05 PM"),
        (("MM/DD/YYYY", "hh:mm tt"), "03/04/2026 01:05 PM"),
        (("dd-mm-yyyy Q",), "04-03-2026 Q"),             # unknown tokens pass through
    ],
)
def test_format_date_dialect_tokens(args, expected):
    assert format_date_ampscript(WED, *args) == expected


@pytest.mark.parametrize(
    ("date_pattern", "expected"),
    [
        ("d", "3/4/2026"),
        ("D", "Wednesday, March 4, 2026"),
        ("M", "March 4"),
        ("m", "March 4"),
        ("r", "Wed, 04 Mar 2026 13:05:09 GMT"),      # RFC 1123 of the server time, not converted
        ("s", "2026-03-04T13:05:09"),
        ("u", "2026-03-04 13:05:09Z"),
        ("t", "1:05 PM"),
        ("T", "1:05:09 PM"),
        ("g", "3/4/2026 1:05 PM"),
        ("f", "Wednesday, March 4, 2026 1:05 PM"),
        ("l", "Wednesday, March 4, 2026"),
        ("L", "Wednesday, March 4, 2026"),
        ("long", "Wednesday, March 4, 2026"),
        ("Long", "Wednesday, March 4, 2026"),
    ],
)
def test_format_date_single_letters_select_standard_formats(date_pattern, expected):
    assert format_date_ampscript(WED, date_pattern) == expected


def test_format_date_y_is_month_and_year():
    assert format_date_ampscript(dt.datetime(2017, 10, 5, 9, 0), "y") == "October 2017"


@pytest.mark.parametrize(
    ("date_pattern", "time_pattern", "expected"),
    [
        ("", "hh:mm tt", "01:05 PM"),
        (None, "HH:mm", "13:05"),
        (None, "h:mm:ss tt", "1:05:09 PM"),
        (None, "hh:MM", "01:05"),              # m or M in the time part: minutes
        (None, "t", "1:05 PM"),
        (None, "T", "1:05:09 PM"),
        (None, "tt", "PM"),
        ("d", "T", "3/4/2026 1:05:09 PM"),
        ("d", "", "3/4/2026"),
        (None, None, "3/4/2026 1:05:09 PM"),
        ("", "", "3/4/2026 1:05:09 PM"),
    ],
)
def test_format_date_parts(date_pattern, time_pattern, expected):
    assert format_date_ampscript(WED, date_pattern, time_pattern) == expected


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("dddd d MMMM yyyy", None, "fr-FR"), "mer. 4 mars 2026"),
        (("ddddd, d. MMMM yyyy", "HH:mm", "de-DE"), "Mittwoch, 4. März 2026 13:05"),
        (("d", None, "de-DE"), "04.03.2026"),
        (("D", None, "de_DE"), "Mittwoch, 4. März 2026"),
        (("d", "t", "en-GB"), "04/03/2026 13:05"),
        (("yyyy/mm/dd", None, "ja-JP"), "2026/03/04"),
        (("ddddd", None, "ja-JP"), "水曜日"),
        ((None, None, "de-DE"), "04.03.2026 13:05:09"),
    ],
)
def test_format_date_locales(args, expected):
    assert format_date_ampscript(WED, *args) == expected


def test_format_date_midnight_in_twelve_hour_time():
    assert format_date_ampscript(dt.datetime(2026, 3, 4), "d", "h:mm tt") == "3/4/2026 12:00 AM"


@pytest.mark.parametrize("time_pattern", ["h", "H"])
def test_format_date_rejects_a_lone_hour_time_pattern(time_pattern):
    with pytest.raises(ValueError):
        format_date_ampscript(WED, "d", time_pattern)
