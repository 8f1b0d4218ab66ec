"""Date & Time builtins through ampy.render (rules 23-27): fixed clock, parsing, arithmetic, zones."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

import pytest

import ampy
from ampy.settings import Settings

NOW = datetime(2026, 1, 2, 9, 30, 15, 123456)


def r(source: str, **options) -> str:
    options.setdefault("now", NOW)
    return ampy.render(source, **options)


def raises_at(source: str, line: int, column: int, **options) -> ampy.AmpscriptRuntimeError:
    options.setdefault("now", NOW)
    with pytest.raises(ampy.AmpscriptRuntimeError) as info:
        ampy.render(source, **options)
    assert (info.value.line, info.value.column) == (line, column)
    return info.value


# --- Now / GetSendTime -----------------------------------------------------------------------------

def test_now_is_the_render_clock_and_fixed():
    assert r("%%=Now()=%%|%%=Now(true)=%%") == "1/2/2026 9:30:15 AM|1/2/2026 9:30:15 AM"


def test_now_is_identical_for_every_call_without_a_fixed_clock():
    out = ampy.render('%%[ set @a = Now() for @i = 1 to 300 do set @b = Now() next ]%%'
                      '%%=DateDiff(@a, @b, "MI")=%%|%%=IIf(@a == @b, "same", "differs")=%%')
    assert out == "0|same"


def test_get_send_time_outside_a_send_equals_now():
    assert r("%%=GetSendTime()=%%|%%=GetSendTime(1)=%%") == "1/2/2026 9:30:15 AM|1/2/2026 9:30:15 AM"
    assert r('%%=IIf(GetSendTime() == Now(), "equal", "differs")=%%') == "equal"


def test_job_start_time_in_a_send():
    send = SimpleNamespace(started_at=datetime(2026, 1, 2, 8, 0))
    out = r("%%=GetSendTime()=%%|%%=GetSendTime(true)=%%|%%=Now()=%%|%%=Now(1)=%%", send=send)
    assert out == "1/2/2026 9:30:15 AM|1/2/2026 8:00:00 AM|1/2/2026 9:30:15 AM|1/2/2026 8:00:00 AM"


def test_a_send_without_a_start_time_falls_back_to_now():
    assert r("%%=GetSendTime(true)=%%", send=SimpleNamespace()) == "1/2/2026 9:30:15 AM"


# --- StringToDate / DateParse ------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("5/8/2026", "5/8/2026 12:00:00 AM"),
    ("5/8/2026 1:41 PM", "5/8/2026 1:41:00 PM"),
    ("2026-03-04T13:05:09", "3/4/2026 1:05:09 PM"),
    ("2026-03-04T13:05:09Z", "3/4/2026 7:05:09 AM"),
    ("2026-03-04T13:05:09+02:00", "3/4/2026 5:05:09 AM"),
    ("4 March 2026", "3/4/2026 12:00:00 AM"),
    ("March 4, 2026", "3/4/2026 12:00:00 AM"),
    ("Wed, 04 Mar 2026 19:05:09 GMT", "3/4/2026 1:05:09 PM"),
    ("10:30 PM", "1/2/2026 10:30:00 PM"),
    ("  2026-03-04  ", "3/4/2026 12:00:00 AM"),
])
def test_string_to_date_and_date_parse(text, expected):
    assert r(f'%%=StringToDate("{text}")=%%') == expected
    assert r(f'%%=DateParse("{text}")=%%') == expected


@pytest.mark.parametrize("flag, expected", [
    ("1", "3/4/2026 7:00:00 PM"),
    ("true", "3/4/2026 7:00:00 PM"),
    ('"true"', "3/4/2026 7:00:00 PM"),
    ("0", "3/4/2026 1:00:00 PM"),
    ("false", "3/4/2026 1:00:00 PM"),
])
def test_date_parse_utc_flag(flag, expected):
    assert r(f'%%=DateParse("3/4/2026 1:00 PM", {flag})=%%') == expected


def test_date_parse_utc_of_an_offset_date():
    assert r('%%=DateParse("2026-03-04T13:05:09+02:00", 1)=%%') == "3/4/2026 11:05:09 AM"


def test_parsed_dates_chain_into_other_functions():
    assert r('%%=DateAdd(StringToDate("1/31/2026"), 1, "M")=%%') == "2/28/2026 12:00:00 AM"


@pytest.mark.parametrize("source, column", [
    ('%%=StringToDate("not a date")=%%', 4),
    ('%%=StringToDate("")=%%', 4),
    ('%%=DateParse("2/30/2026")=%%', 4),
    ('%%=DateParse("13/1/2026")=%%', 4),
    ("%%=DateParse(12)=%%", 4),
])
def test_unreadable_dates_are_errors(source, column):
    error = raises_at("x\n" + source, 2, column)
    assert "is not a valid" in error.message


# --- DateAdd -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("args, expected", [
    ('"1/31/2026", 1, "M"', "2/28/2026 12:00:00 AM"),
    ('"1/31/2024", 1, "m"', "2/29/2024 12:00:00 AM"),
    ('"3/31/2026", -1, "M"', "2/28/2026 12:00:00 AM"),
    ('"2/29/2024", 1, "Y"', "2/28/2025 12:00:00 AM"),
    ('"2/29/2024", -4, "y"', "2/29/2020 12:00:00 AM"),
    ('"12/31/2025 11:00 PM", 1, "D"', "1/1/2026 11:00:00 PM"),
    ('"12/31/2025 11:00 PM", 2, "H"', "1/1/2026 1:00:00 AM"),
    ('"12/31/2025 11:59 PM", 1, "MI"', "1/1/2026 12:00:00 AM"),
    ('"1/1/2026", -90, "mi"', "12/31/2025 10:30:00 PM"),
    ('"1/1/2026", "5", "d"', "1/6/2026 12:00:00 AM"),
    ('"1/1/2026", 2.0, "D"', "1/3/2026 12:00:00 AM"),
    ('"1/1/2026", 0, "D"', "1/1/2026 12:00:00 AM"),
    ('Now(), 1, "D"', "1/3/2026 9:30:15 AM"),
])
def test_date_add(args, expected):
    assert r(f"%%=DateAdd({args})=%%") == expected


def test_date_add_month_steps_do_not_round_trip():
    assert r('%%=DateAdd(DateAdd("1/31/2026", 1, "M"), -1, "M")=%%') == "1/28/2026 12:00:00 AM"


@pytest.mark.parametrize("args", [
    '"1/1/2026", 1.5, "D"',
    '"1/1/2026", 1, "W"',
    '"1/1/2026", 1, "S"',
    '"someday", 1, "D"',
    '"1/1/2026", "x", "D"',
    '"12/31/9999", 1, "D"',
])
def test_date_add_errors(args):
    raises_at(f"%%[ set @d = DateAdd({args}) ]%%", 1, 14)


# --- DateDiff -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("args, expected", [
    ('"12/31/2025 11:59 PM", "1/1/2026 12:00 AM", "Y"', "1"),
    ('"12/31/2025 11:59 PM", "1/1/2026 12:00 AM", "M"', "1"),
    ('"12/31/2025 11:59 PM", "1/1/2026 12:00 AM", "D"', "1"),
    ('"12/31/2025 11:59 PM", "1/1/2026 12:00 AM", "H"', "1"),
    ('"12/31/2025 11:59 PM", "1/1/2026 12:00 AM", "MI"', "1"),
    ('"1/1/2026 1:00 AM", "1/1/2026 11:59 PM", "D"', "0"),
    ('"1/1/2026 1:00 AM", "1/2/2026 12:00 AM", "d"', "1"),
    ('"1/1/2026", "12/31/2026", "Y"', "0"),
    ('"1/15/2026", "3/1/2026", "M"', "2"),
    ('"3/1/2026", "1/15/2026", "m"', "-2"),
    ('"1/1/2026 10:59", "1/1/2026 11:01", "H"', "1"),
    ('"1/1/2026 10:00", "1/1/2026 11:30", "mi"', "90"),
    ('"1/1/2020", "1/1/2026", "D"', "2192"),
])
def test_date_diff_counts_boundaries(args, expected):
    assert r(f"%%=DateDiff({args})=%%") == expected


@pytest.mark.parametrize("args", ['"1/1/2026", "1/2/2026", "W"', '"1/1/2026", "never", "D"'])
def test_date_diff_errors(args):
    raises_at(f"%%=DateDiff({args})=%%", 1, 4)


# --- DatePart ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("part, expected", [
    ("Y", "2026"), ("year", "2026"), ("M", "03"), ("Month", "03"), ("D", "04"), ("DAY", "04"),
    ("H", "7"), ("hour", "7"), ("MI", "5"), ("minute", "5"), ("monthName", "March"), ("MONTHNAME", "March"),
])
def test_date_part(part, expected):
    assert r(f'%%=DatePart("3/4/2026 7:05 PM", "{part}")=%%') == expected


@pytest.mark.parametrize("date, part, expected", [
    ("3/4/2026 12:00 AM", "H", "12"),
    ("3/4/2026 12:30 PM", "H", "12"),
    ("11/25/2026 9:45 AM", "D", "25"),
    ("11/25/2026 9:45 AM", "M", "11"),
])
def test_date_part_edges(date, part, expected):
    assert r(f'%%=DatePart("{date}", "{part}")=%%') == expected


@pytest.mark.parametrize("source", ['%%=DatePart("3/4/2026", "second")=%%', '%%=DatePart("nope", "Y")=%%'])
def test_date_part_errors(source):
    raises_at(source, 1, 4)


# --- SystemDateToLocalDate / LocalDateToSystemDate -------------------------------------------------------

@pytest.mark.parametrize("zone, system, local", [
    ("America/Chicago", "1/15/2026 12:00 PM", "1/15/2026 12:00:00 PM"),   # CST = system time
    ("America/Chicago", "7/1/2026 12:00 PM", "7/1/2026 1:00:00 PM"),      # CDT is one hour ahead
    ("Europe/Berlin", "1/15/2026 12:00 PM", "1/15/2026 7:00:00 PM"),
    ("Europe/Berlin", "7/1/2026 12:00 PM", "7/1/2026 8:00:00 PM"),
    ("America/Los_Angeles", "7/1/2026 12:00 PM", "7/1/2026 11:00:00 AM"),
    ("UTC", "12/31/2025 7:00 PM", "1/1/2026 1:00:00 AM"),
])
def test_zone_conversions_are_inverse(zone, system, local):
    settings = Settings(time_zone=zone)
    assert r(f'%%=SystemDateToLocalDate("{system}")=%%', settings=settings) == local
    assert r(f'%%=LocalDateToSystemDate("{local}")=%%', settings=settings) == \
        r(f'%%=StringToDate("{system}")=%%')


def test_local_date_without_time_is_midnight_and_can_land_on_the_previous_day():
    out = r('%%=LocalDateToSystemDate("3/4/2026")=%%', settings=Settings(time_zone="Europe/Berlin"))
    assert out == "3/3/2026 5:00:00 PM"


def test_default_account_zone_is_central_time():
    assert r('%%=SystemDateToLocalDate("7/1/2026 12:00 PM")=%%') == "7/1/2026 1:00:00 PM"


@pytest.mark.parametrize("source", [
    '%%=SystemDateToLocalDate("whenever")=%%',
    '%%=LocalDateToSystemDate("")=%%',
])
def test_zone_conversion_errors(source):
    raises_at(source, 1, 4)


def test_unknown_account_zone_is_an_error():
    raises_at('%%=SystemDateToLocalDate("1/1/2026")=%%', 1, 4, settings=Settings(time_zone="Mars/Olympus"))


# --- FormatDate -------------------------------------------------------------------------------------------

DATE = '"3/4/2026 1:05:09 PM"'


@pytest.mark.parametrize("args, expected", [
    ("", "3/4/2026 1:05:09 PM"),
    (', "MM/dd/yyyy"', "03/04/2026"),
    (', "mm/dd/yyyy"', "03/04/2026"),       # mm is the month in the date pattern
    (', "M/d/yy"', "3/4/26"),
    (', "dddd"', "Wed"),
    (', "ddddd"', "Wednesday"),
    (', "DDDD, MMMM d, YYYY"', "Wed, March 4, 2026"),
    (', "mmm d"', "Mar 4"),
    (', "yyyy-mm-dd", "HH:mm:ss"', "2026-03-04 13:05:09"),
    (', "MMMM d, yyyy", "h:mm tt"', "March 4, 2026 1:05 PM"),
    (', "dd.MM.yyyy", "hh:mm"', "04.03.2026 01:05"),
    (', "", "HH:mm"', "13:05"),
    (', "Qx yyyy"', "Qx 2026"),              # unknown tokens pass through
    (', "d"', "3/4/2026"),
    (', "D"', "Wednesday, March 4, 2026"),
    (', "M"', "March 4"),
    (', "y"', "March 2026"),
    (', "r"', "Wed, 04 Mar 2026 13:05:09 GMT"),   # the reference: r does not convert server time
    (', "s"', "2026-03-04T13:05:09"),
    (', "u"', "2026-03-04 13:05:09Z"),
    (', "t"', "1:05 PM"),
    (', "T"', "1:05:09 PM"),
    (', "g"', "3/4/2026 1:05 PM"),
    (', "f"', "Wednesday, March 4, 2026 1:05 PM"),
    (', "l"', "Wednesday, March 4, 2026"),
    (', "LONG"', "Wednesday, March 4, 2026"),
    (', "dd MMMM yyyy", "", "de-DE"', "04 März 2026"),
    (', "d", "", "en-GB"', "04/03/2026"),
    (', "ddddd d mmmm yyyy", "", "fr-FR"', "mercredi 4 mars 2026"),
])
def test_format_date(args, expected):
    assert r(f"%%=FormatDate({DATE}{args})=%%") == expected


def test_format_date_takes_date_values_and_iso_text():
    assert r('%%=FormatDate(Now(), "yyyy-MM-dd", "HH:mm")=%%') == "2026-01-02 09:30"
    assert r('%%=FormatDate("2026-03-04T13:05:09Z", "d", "HH:mm")=%%') == "3/4/2026 07:05"


@pytest.mark.parametrize("value", ['"garbage"', '""', "@unset", "5"])
def test_format_date_of_an_unreadable_date_is_empty(value):
    assert r(f'[%%=FormatDate({value}, "d")=%%]') == "[]"


@pytest.mark.parametrize("time_pattern", ["h", "H"])
def test_format_date_single_hour_letter_as_time_pattern_aborts(time_pattern):
    raises_at(f'\n  %%=FormatDate({DATE}, "d", "{time_pattern}")=%%', 2, 6)
