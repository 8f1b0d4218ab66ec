"""Dates in system time (rules 23-26); expected values worked out by hand from the rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ampy.errors import FunctionError
from ampy.runtime.dates import (
    SYSTEM_TZ,
    date_add,
    date_diff,
    date_part,
    format_default,
    local_to_system,
    parse_date,
    system_now,
    system_to_local,
)
from ampy.runtime.values import to_date

TODAY = datetime(2026, 1, 2, 9, 30)


# --- system time and default format ---------------------------------------------------------

def test_system_tz_is_fixed_utc_minus_six():
    assert SYSTEM_TZ.utcoffset(None) == timedelta(hours=-6)
    assert SYSTEM_TZ.utcoffset(datetime(2026, 7, 1)) == timedelta(hours=-6)  # no summer time


def test_system_now_is_naive_utc_minus_six():
    now = system_now()
    assert now.tzinfo is None
    utc_now = datetime.now(UTC).replace(tzinfo=None)
    assert abs((utc_now - timedelta(hours=6)) - now) < timedelta(minutes=5)


@pytest.mark.parametrize("dt, text", [
    (datetime(2023, 8, 6, 13, 41, 23), "8/6/2023 1:41:23 PM"),
    (datetime(2023, 8, 6, 0, 0, 0), "8/6/2023 12:00:00 AM"),
    (datetime(2023, 8, 6, 12, 0, 0), "8/6/2023 12:00:00 PM"),
    (datetime(2023, 8, 6, 23, 59, 59), "8/6/2023 11:59:59 PM"),
    (datetime(1999, 12, 31, 0, 0, 1), "12/31/1999 12:00:01 AM"),
    (datetime(2026, 3, 4, 1, 5, 9), "3/4/2026 1:05:09 AM"),
    (datetime(2026, 3, 4, 11, 5, 9, 999999), "3/4/2026 11:05:09 AM"),
    (datetime(999, 1, 1), "1/1/0999 12:00:00 AM"),
])
def test_format_default(dt, text):
    assert format_default(dt) == text


# --- parsing ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    # ISO 8601
    ("2026-03-04", datetime(2026, 3, 4)),
    ("2026-03-04T13:05", datetime(2026, 3, 4, 13, 5)),
    ("2026-03-04T13:05:09", datetime(2026, 3, 4, 13, 5, 9)),
    ("2026-03-04T13:05:09.25", datetime(2026, 3, 4, 13, 5, 9, 250000)),
    ("2026-03-04T13:05:09.1234567", datetime(2026, 3, 4, 13, 5, 9, 123456)),
    ("2026-03-04 13:05:09", datetime(2026, 3, 4, 13, 5, 9)),
    ("  2026-03-04  ", datetime(2026, 3, 4)),
    # US month-first
    ("5/8/2026", datetime(2026, 5, 8)),
    ("05/08/2026", datetime(2026, 5, 8)),
    ("12/31/2025", datetime(2025, 12, 31)),
    ("5/8/2026 1:05 PM", datetime(2026, 5, 8, 13, 5)),
    ("5/8/2026 1:05:07 pm", datetime(2026, 5, 8, 13, 5, 7)),
    ("5/8/2026 12:00:00 AM", datetime(2026, 5, 8, 0, 0)),
    ("5/8/2026 12:30 PM", datetime(2026, 5, 8, 12, 30)),
    ("5/8/2026 11:59:59 PM", datetime(2026, 5, 8, 23, 59, 59)),
    ("5/8/2026 13:05", datetime(2026, 5, 8, 13, 5)),
    ("5/8/2026 13:05:09", datetime(2026, 5, 8, 13, 5, 9)),
    ("5/8/26", datetime(2026, 5, 8)),
    ("1/1/99", datetime(1999, 1, 1)),
    # month names
    ("4 March 2026", datetime(2026, 3, 4)),
    ("04 Mar 2026", datetime(2026, 3, 4)),
    ("4 march 2026 13:05", datetime(2026, 3, 4, 13, 5)),
    ("March 4, 2026", datetime(2026, 3, 4)),
    ("MARCH 4, 2026", datetime(2026, 3, 4)),
    ("Mar 4 2026", datetime(2026, 3, 4)),
    ("Sep 30 2026", datetime(2026, 9, 30)),
    ("March 4, 2026 1:05 PM", datetime(2026, 3, 4, 13, 5)),
    ("Wednesday, March 4, 2026", datetime(2026, 3, 4)),
    ("wed, 4 mar 2026", datetime(2026, 3, 4)),
    # other layouts
    ("2026/03/04", datetime(2026, 3, 4)),
    ("2026/3/4 13:05", datetime(2026, 3, 4, 13, 5)),
])
def test_parse_forms(text, expected):
    assert parse_date(text, today=TODAY) == expected


@pytest.mark.parametrize("text, expected", [
    # Z and offsets convert into UTC-6
    ("2026-03-04T13:05:09Z", datetime(2026, 3, 4, 7, 5, 9)),
    ("2026-03-04T13:05:09+02:00", datetime(2026, 3, 4, 5, 5, 9)),
    ("2026-03-04T13:05:09-0500", datetime(2026, 3, 4, 12, 5, 9)),
    ("2026-03-04T13:05:09-06:00", datetime(2026, 3, 4, 13, 5, 9)),
    ("2026-03-04T13:05:09.5+05:30", datetime(2026, 3, 4, 1, 35, 9, 500000)),
    ("2026-03-04T02:00:00Z", datetime(2026, 3, 3, 20, 0, 0)),
    ("2026-03-04T13:05Z", datetime(2026, 3, 4, 7, 5)),
    # RFC 1123 is GMT
    ("Wed, 04 Mar 2026 19:05:09 GMT", datetime(2026, 3, 4, 13, 5, 9)),
    ("Thu, 01 Jan 2026 03:00:00 GMT", datetime(2025, 12, 31, 21, 0, 0)),
])
def test_parse_zones_convert_to_system_time(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("13:05", datetime(2026, 1, 2, 13, 5)),
    ("13:05:09", datetime(2026, 1, 2, 13, 5, 9)),
    ("1:05 PM", datetime(2026, 1, 2, 13, 5)),
    ("12:00 AM", datetime(2026, 1, 2, 0, 0)),
    ("0:30 PM", datetime(2026, 1, 2, 12, 30)),
    ("March 4", datetime(2026, 3, 4)),
])
def test_parse_takes_missing_parts_from_today(text, expected):
    assert parse_date(text, today=TODAY) == expected


def test_time_alone_is_not_frozen_by_the_cache():
    assert parse_date("13:05", today=datetime(2026, 1, 2)) == datetime(2026, 1, 2, 13, 5)
    assert parse_date("13:05", today=datetime(2027, 6, 9)) == datetime(2027, 6, 9, 13, 5)


def test_time_alone_defaults_to_the_system_date():
    before = system_now().date()
    parsed = parse_date("13:05")
    after = system_now().date()
    assert parsed is not None
    assert parsed.date() in (before, after)
    assert (parsed.hour, parsed.minute) == (13, 5)


@pytest.mark.parametrize("text", [
    "", "   ", "hello", "5", "2026", "2026-02-30", "2/30/2026", "2/29/2025", "13/1/2026", "0/1/2026",
    "2026-13-01", "25:00", "12:60", "13:05 PM", "Thursday, March 4, 2026", "Marchy 4, 2026",
    "Foo 4 2026", "2026-03-04T13:05:09+15:00", "2026-03-04T13:05:61", "5/8/2026 1:05 XM",
    "March 32, 2026", "2026-03-04 garbage",
])
def test_parse_rejects(text):
    assert parse_date(text, today=TODAY) is None


@given(st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 12, 31, 23, 59, 59)))
def test_default_format_round_trips(dt):
    assert parse_date(format_default(dt)) == dt.replace(microsecond=0)


def test_to_date():
    dt = datetime(2026, 3, 4, 5, 6, 7)
    assert to_date(dt) is dt
    assert to_date("3/4/2026 5:06:07 AM") == dt
    with pytest.raises(FunctionError, match="is not a valid date"):
        to_date("not a date")
    with pytest.raises(FunctionError, match="is not a valid start date"):
        to_date("nope", "start date")
    with pytest.raises(FunctionError):
        to_date(None)
    with pytest.raises(FunctionError):
        to_date(5)


# --- DateAdd ----------------------------------------------------------------------------------

@pytest.mark.parametrize("start, amount, unit, expected", [
    (datetime(2026, 1, 31), 1, "M", datetime(2026, 2, 28)),
    (datetime(2024, 1, 31), 1, "M", datetime(2024, 2, 29)),
    (datetime(2026, 3, 31), -1, "m", datetime(2026, 2, 28)),
    (datetime(2026, 1, 31, 10, 15), 3, "M", datetime(2026, 4, 30, 10, 15)),
    (datetime(2026, 11, 30), 3, "M", datetime(2027, 2, 28)),
    (datetime(2026, 1, 15), -13, "M", datetime(2024, 12, 15)),
    (datetime(2024, 2, 29), 1, "Y", datetime(2025, 2, 28)),
    (datetime(2024, 2, 29), 4, "y", datetime(2028, 2, 29)),
    (datetime(2026, 3, 4), -2, "Y", datetime(2024, 3, 4)),
    (datetime(2026, 3, 4), -5, "D", datetime(2026, 2, 27)),
    (datetime(2025, 12, 31), 1, "d", datetime(2026, 1, 1)),
    (datetime(2024, 2, 28), 1, "D", datetime(2024, 2, 29)),
    (datetime(2026, 3, 4, 23, 30), 1, "H", datetime(2026, 3, 5, 0, 30)),
    (datetime(2026, 3, 5, 0, 30), -1, "h", datetime(2026, 3, 4, 23, 30)),
    (datetime(2026, 3, 4, 23, 59), 2, "MI", datetime(2026, 3, 5, 0, 1)),
    (datetime(2026, 3, 5, 0, 1), -2, "mi", datetime(2026, 3, 4, 23, 59)),
    (datetime(2026, 3, 4, 12, 0, 30, 5), 90, "Mi", datetime(2026, 3, 4, 13, 30, 30, 5)),
    (datetime(2026, 3, 4), 0, "D", datetime(2026, 3, 4)),
    (datetime(2026, 3, 4), 2.0, "D", datetime(2026, 3, 6)),
])
def test_date_add(start, amount, unit, expected):
    assert date_add(start, amount, unit) == expected


@pytest.mark.parametrize("unit", ["S", "W", "year", "month", "day", "minute", "", "MS"])
def test_date_add_rejects_other_units(unit):
    with pytest.raises(FunctionError):
        date_add(datetime(2026, 3, 4), 1, unit)


def test_date_add_rejects_decimal_amount_and_overflow():
    with pytest.raises(FunctionError):
        date_add(datetime(2026, 3, 4), 1.5, "D")
    with pytest.raises(FunctionError):
        date_add(datetime(9999, 12, 31), 1, "D")
    with pytest.raises(FunctionError):
        date_add(datetime(9999, 12, 31), 1, "M")


# --- DateDiff ---------------------------------------------------------------------------------

@pytest.mark.parametrize("unit", ["Y", "M", "D", "H", "MI", "y", "mi"])
def test_date_diff_counts_one_boundary_at_new_year(unit):
    assert date_diff(datetime(2025, 12, 31, 23, 59), datetime(2026, 1, 1, 0, 0), unit) == 1


@pytest.mark.parametrize("start, end, unit, expected", [
    (datetime(2026, 3, 4, 1, 0), datetime(2026, 3, 5, 0, 0), "D", 1),  # 23 hours across midnight
    (datetime(2026, 3, 4, 0, 30), datetime(2026, 3, 4, 23, 59), "D", 0),
    (datetime(2026, 3, 4, 23, 0), datetime(2026, 3, 5, 22, 0), "D", 1),
    (datetime(2026, 3, 4), datetime(2026, 1, 4), "M", -2),
    (datetime(2024, 11, 15), datetime(2026, 2, 1), "M", 15),
    (datetime(2026, 1, 1), datetime(2025, 12, 31), "Y", -1),
    (datetime(2026, 1, 1), datetime(2026, 12, 31), "Y", 0),
    (datetime(2024, 1, 1), datetime(2025, 1, 1), "D", 366),
    (datetime(2026, 3, 4, 10, 59), datetime(2026, 3, 4, 11, 0), "H", 1),
    (datetime(2026, 3, 4, 10, 0), datetime(2026, 3, 4, 10, 59), "H", 0),
    (datetime(2026, 3, 4, 22, 0), datetime(2026, 3, 6, 1, 0), "H", 27),
    (datetime(2026, 3, 4, 10, 0, 59), datetime(2026, 3, 4, 10, 1, 0), "MI", 1),
    (datetime(2026, 3, 4, 10, 0, 0), datetime(2026, 3, 4, 10, 0, 59), "MI", 0),
    (datetime(2026, 3, 5, 0, 1), datetime(2026, 3, 4, 23, 59), "MI", -2),
    (datetime(2026, 3, 5, 0, 0), datetime(2026, 3, 4, 23, 0), "D", -1),
])
def test_date_diff(start, end, unit, expected):
    assert date_diff(start, end, unit) == expected


def test_date_diff_rejects_other_units():
    with pytest.raises(FunctionError, match="W"):
        date_diff(datetime(2026, 3, 4), datetime(2026, 3, 5), "W")


# --- DatePart ---------------------------------------------------------------------------------

@pytest.mark.parametrize("part, expected", [
    ("Y", "2026"), ("year", "2026"), ("YEAR", "2026"),
    ("M", "03"), ("month", "03"),
    ("D", "04"), ("Day", "04"),
    ("H", "7"), ("hour", "7"),
    ("MI", "35"), ("minute", "35"),
    ("monthName", "March"), ("MONTHNAME", "March"),
])
def test_date_part(part, expected):
    assert date_part(datetime(2026, 3, 4, 19, 35, 7), part) == expected


def test_date_part_hour_and_minute_edges():
    assert date_part(datetime(2026, 12, 25, 0, 5), "H") == "12"
    assert date_part(datetime(2026, 12, 25, 0, 5), "MI") == "5"
    assert date_part(datetime(2026, 12, 25, 12, 0), "H") == "12"
    assert date_part(datetime(2026, 12, 25, 9, 0), "H") == "9"
    assert date_part(datetime(2026, 12, 25, 9, 0), "M") == "12"
    assert date_part(datetime(2026, 12, 25, 9, 0), "D") == "25"
    assert date_part(datetime(2026, 12, 25, 9, 0), "monthName") == "December"


@pytest.mark.parametrize("part", ["S", "second", "weekday", "DW", ""])
def test_date_part_rejects_other_parts(part):
    with pytest.raises(FunctionError):
        date_part(datetime(2026, 3, 4), part)


# --- local time zones -------------------------------------------------------------------------

@pytest.mark.parametrize("system, local", [
    # New York springs forward on 2026-03-08 at 02:00 EST (07:00 UTC = 01:00 system time).
    (datetime(2026, 3, 7, 12, 0), datetime(2026, 3, 7, 13, 0)),
    (datetime(2026, 3, 9, 12, 0), datetime(2026, 3, 9, 14, 0)),
    (datetime(2026, 3, 8, 0, 59), datetime(2026, 3, 8, 1, 59)),
    (datetime(2026, 3, 8, 1, 0), datetime(2026, 3, 8, 3, 0)),
    # ... and falls back on 2026-11-01 at 02:00 EDT (06:00 UTC = 00:00 system time).
    (datetime(2026, 10, 31, 23, 30), datetime(2026, 11, 1, 1, 30)),
    (datetime(2026, 11, 1, 0, 30), datetime(2026, 11, 1, 1, 30)),
])
def test_system_to_local_new_york(system, local):
    assert system_to_local(system, "America/New_York") == local


@pytest.mark.parametrize("local, system", [
    (datetime(2026, 3, 8, 1, 30), datetime(2026, 3, 8, 0, 30)),  # EST
    (datetime(2026, 3, 8, 3, 30), datetime(2026, 3, 8, 1, 30)),  # EDT
    (datetime(2026, 7, 4, 12, 0), datetime(2026, 7, 4, 10, 0)),
    (datetime(2026, 1, 4, 12, 0), datetime(2026, 1, 4, 11, 0)),
    (datetime(2026, 11, 1, 1, 30), datetime(2026, 11, 1, 0, 30)),  # repeated hour read as standard
])
def test_local_to_system_new_york(local, system):
    assert local_to_system(local, "America/New_York") == system


def test_local_time_skipped_by_spring_forward_is_an_error():
    with pytest.raises(FunctionError):
        local_to_system(datetime(2026, 3, 8, 2, 30), "America/New_York")


@pytest.mark.parametrize("system, local", [
    # Berlin: CET (UTC+1) until 2026-03-29 01:00 UTC, then CEST (UTC+2) until 2026-10-25 01:00 UTC.
    (datetime(2026, 3, 28, 12, 0), datetime(2026, 3, 28, 19, 0)),
    (datetime(2026, 3, 30, 12, 0), datetime(2026, 3, 30, 20, 0)),
    (datetime(2026, 3, 28, 18, 59), datetime(2026, 3, 29, 1, 59)),
    (datetime(2026, 3, 28, 19, 0), datetime(2026, 3, 29, 3, 0)),
    (datetime(2026, 10, 24, 18, 30), datetime(2026, 10, 25, 2, 30)),
    (datetime(2026, 10, 24, 19, 30), datetime(2026, 10, 25, 2, 30)),
])
def test_system_to_local_berlin(system, local):
    assert system_to_local(system, "Europe/Berlin") == local


@pytest.mark.parametrize("local, system", [
    (datetime(2026, 7, 1, 9, 0), datetime(2026, 7, 1, 1, 0)),
    (datetime(2026, 1, 15, 9, 0), datetime(2026, 1, 15, 2, 0)),
    (datetime(2026, 7, 1), datetime(2026, 6, 30, 16, 0)),  # a bare date lands on the previous day
    (datetime(2026, 10, 25, 2, 30), datetime(2026, 10, 24, 19, 30)),  # ambiguous -> CET
])
def test_local_to_system_berlin(local, system):
    assert local_to_system(local, "Europe/Berlin") == system


def test_local_conversions_are_inverse_outside_transitions():
    for month in range(1, 13):
        dt = datetime(2026, month, 15, 10, 20, 30)
        for zone in ("America/New_York", "Europe/Berlin", "Asia/Kolkata", "America/Chicago"):
            assert local_to_system(system_to_local(dt, zone), zone) == dt


def test_unknown_zone():
    with pytest.raises(FunctionError):
        system_to_local(datetime(2026, 3, 4), "Mars/Olympus_Mons")
    with pytest.raises(FunctionError):
        local_to_system(datetime(2026, 3, 4), "../etc/passwd")
