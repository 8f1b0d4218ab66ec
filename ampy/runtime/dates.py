"""AMPscript dates (ampscript-semantics.md, rules 23-26).

Every date value is a naive ``datetime`` in *system time*: US Central Standard Time, UTC-6 all year,
no daylight saving. Time zones only appear at the edges: offsets in parsed text, and the account
time zone in ``system_to_local`` / ``local_to_system``. Which zone an account uses is the caller's
business (there is deliberately no default here).
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import FunctionError

SYSTEM_TZ = timezone(timedelta(hours=-6))

MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def system_now() -> datetime:
    """The current system time (naive, UTC-6), microseconds kept."""
    return datetime.now(SYSTEM_TZ).replace(tzinfo=None)


# --- formatting ---------------------------------------------------------------------------------

# Hour of day -> (12-hour clock text, designator); a table lookup keeps format_default branch-free.
_HOUR12 = tuple((str(h % 12 or 12), "AM" if h < 12 else "PM") for h in range(24))
_TWO_DIGITS = tuple(f"{n:02d}" for n in range(60))


def format_default(dt: datetime) -> str:
    """en-US ``M/d/yyyy h:mm:ss tt`` (``8/6/2023 1:41:23 PM``), the way every date prints."""
    hour, designator = _HOUR12[dt.hour]
    year = dt.year
    year_text = str(year) if year >= 1000 else f"{year:04d}"  # .NET pads yyyy to four digits
    return (f"{dt.month}/{dt.day}/{year_text} {hour}:{_TWO_DIGITS[dt.minute]}:"
            f"{_TWO_DIGITS[dt.second]} {designator}")


# --- parsing ------------------------------------------------------------------------------------

# Month and weekday names: full English names and any unambiguous prefix of at least three letters
# (.NET accepts the abbreviated and full names; "Sept" is a common spelling too).
_MONTHS: dict[str, int] = {}
for _number, _name in enumerate(MONTH_NAMES, start=1):
    for _cut in range(3, len(_name) + 1):
        _MONTHS[_name[:_cut].lower()] = _number
_WEEKDAYS: dict[str, int] = {}
for _number, _name in enumerate(DAY_NAMES):
    for _cut in range(3, len(_name) + 1):
        _WEEKDAYS[_name[:_cut].lower()] = _number
del _number, _name, _cut

# A clock time: h[:mm[:ss[.fraction]]] with an optional AM/PM. An hour alone needs the designator.
_TIME = (r"(?P<hour>\d{1,2})(?::(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d+))?)?)?"
         r"(?:\s*(?P<ampm>[AaPp]\.?[Mm]\.?))?")
# A zone suffix: Z, GMT, UTC, or a numeric offset (+02:00, -0500, +02).
_ZONE = r"(?:\s*(?P<zone>[Zz]|GMT|UTC|gmt|utc|(?:GMT|UTC)?[+-]\d{1,2}(?::?\d{2})?))?"
_OPT_TIME = rf"(?:(?:\s+|\s*[Tt]\s*|\s*,\s*){_TIME})?{_ZONE}"
_WEEKDAY = r"(?:(?P<weekday>[A-Za-z]{3,9})\.?,?\s+)?"

_ISO = re.compile(rf"(?P<year>\d{{4}})-(?P<month>\d{{1,2}})-(?P<day>\d{{1,2}}){_OPT_TIME}")
_YMD_SLASH = re.compile(rf"(?P<year>\d{{4}})[/.](?P<month>\d{{1,2}})[/.](?P<day>\d{{1,2}}){_OPT_TIME}")
# US month-first with / or - (the same separator twice); two- or four-digit year.
_US = re.compile(rf"(?P<month>\d{{1,2}})(?P<sep>[/-])(?P<day>\d{{1,2}})(?P=sep)(?P<year>\d{{4}}|\d{{2}})"
                 rf"{_OPT_TIME}")
# "4 March 2026", "04 Mar 2026", "4-Mar-2026", RFC 1123 "Wed, 04 Mar 2026 19:05:09 GMT".
_DAY_MONTH_NAME = re.compile(
    rf"{_WEEKDAY}(?P<day>\d{{1,2}})(?:\s+|\s*-\s*)(?P<monthname>[A-Za-z]{{3,9}})\.?,?"
    rf"(?:\s+|\s*-\s*)(?P<year>\d{{4}}){_OPT_TIME}")
# "March 4, 2026", "Mar 4 2026", "Wednesday, March 4, 2026", "March 4" (this year).
_MONTH_NAME_DAY = re.compile(
    rf"{_WEEKDAY}(?P<monthname>[A-Za-z]{{3,9}})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?"
    rf"(?:,?\s+(?P<year>\d{{4}}))?{_OPT_TIME}")
# "March 2026" is the first of the month.
_MONTH_NAME_YEAR = re.compile(rf"(?P<monthname>[A-Za-z]{{3,9}})\.?,?\s+(?P<year>\d{{4}}){_OPT_TIME}")
_TIME_ONLY = re.compile(rf"{_TIME}{_ZONE}")

_FORMS = (_ISO, _US, _DAY_MONTH_NAME, _MONTH_NAME_DAY, _MONTH_NAME_YEAR, _YMD_SLASH, _TIME_ONLY)


class _Fields(NamedTuple):
    """What a string said, before it is checked against the calendar. ``None`` = not given."""

    year: int | None
    month: int | None
    day: int | None
    hour: int
    minute: int
    second: int
    microsecond: int
    offset_minutes: int | None  # east of UTC; None = no zone (already system time)
    weekday: int | None  # Monday = 0, checked against the date like .NET does


def _two_digit_year(year: int) -> int:
    """.NET's default window (TwoDigitYearMax 2049): 00-49 -> 20xx, 50-99 -> 19xx."""
    return 2000 + year if year < 50 else 1900 + year


def _zone_minutes(zone: str | None) -> int | None:
    if zone is None:
        return None
    zone = zone.upper()
    if zone in ("Z", "GMT", "UTC"):
        return 0
    if zone.startswith(("GMT", "UTC")):
        zone = zone[3:]
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    if len(digits) <= 2:
        hours, minutes = int(digits), 0
    else:
        hours, minutes = int(digits[:-2]), int(digits[-2:])
    if hours > 14 or minutes > 59:
        raise ValueError("offset out of range")
    return sign * (hours * 60 + minutes)


def _clock(m: re.Match) -> tuple[int, int, int, int] | None:
    """(hour, minute, second, microsecond) from the _TIME groups; None when they make no sense."""
    hour_text = m.group("hour")
    if hour_text is None:
        return 0, 0, 0, 0
    hour = int(hour_text)
    minute_text = m.group("minute")
    ampm = m.group("ampm")
    if minute_text is None and ampm is None:
        return None  # a bare number is not a time
    minute = int(minute_text or 0)
    second = int(m.group("second") or 0)
    fraction = m.group("fraction")
    microsecond = int((fraction + "00000")[:6]) if fraction else 0  # truncates past microseconds
    if ampm is not None:
        # .NET: with a designator the hour must be 0-12; 12 AM is midnight, 12 PM is noon.
        if hour > 12:
            return None
        if ampm[0] in "Aa":
            hour = 0 if hour == 12 else hour
        elif hour != 12:
            hour += 12
    if hour > 23 or minute > 59 or second > 59:
        return None
    return hour, minute, second, microsecond


@lru_cache(maxsize=512)
def _scan(text: str) -> _Fields | None:
    """The fields of the first form that matches the whole text (cached: templates repeat dates)."""
    for form in _FORMS:
        m = form.fullmatch(text)
        if m is not None:
            fields = _fields(m)
            if fields is not None:
                return fields
    return None


def _fields(m: re.Match) -> _Fields | None:
    groups = m.groupdict()
    clock = _clock(m)
    if clock is None:
        return None
    try:
        offset = _zone_minutes(groups.get("zone"))
    except ValueError:
        return None
    month: int | None
    if "monthname" in groups:
        month = _MONTHS.get(groups["monthname"].lower())
        if month is None:
            return None
    else:
        month = int(groups["month"]) if groups.get("month") else None
    year_text = groups.get("year")
    year = int(year_text) if year_text else None
    if year is not None and len(year_text) == 2:
        year = _two_digit_year(year)
    day_text = groups.get("day")
    day = int(day_text) if day_text else None
    if day is None and month is not None:
        day = 1  # "March 2026"
    weekday = None
    if groups.get("weekday"):
        weekday = _WEEKDAYS.get(groups["weekday"].lower())
        if weekday is None:
            return None
    return _Fields(year, month, day, *clock, offset, weekday)


def parse_date(text: str, *, today: datetime | date | None = None) -> datetime | None:
    """Text to a system-time date, or None when it does not read as one (rule 24).

    Forms: ISO 8601 (``2026-03-04``, ``T13:05[:09[.fff]]``, ``Z``/``+02:00``/``-0500``), ``2026-03-04
    13:05:09``, US month-first ``5/8/2026`` (May 8) with an optional ``h:mm[:ss] [AM|PM]``,
    ``4 March 2026``, ``March 4, 2026``, ``Mar 4 2026``, ``Wednesday, March 4, 2026``, RFC 1123
    (``Wed, 04 Mar 2026 19:05:09 GMT``), ``2026/03/04``, and a time alone, which takes ``today``'s
    date (default: the system date). A zone converts into system time (UTC-6).
    """
    fields = _scan(text.strip())
    if fields is None:
        return None
    year, month, day = fields.year, fields.month, fields.day
    if year is None or month is None:
        base = today if today is not None else system_now()
        year = base.year if year is None else year
        if month is None:
            month, day = base.month, base.day
    try:
        result = datetime(year, month, day, fields.hour, fields.minute, fields.second,  # type: ignore[arg-type]
                          fields.microsecond)
    except ValueError:
        return None  # Feb 30, month 13 ...
    if fields.weekday is not None and fields.weekday != result.weekday():
        return None  # .NET refuses a weekday that contradicts the date
    if fields.offset_minutes is not None:
        try:
            zone = timezone(timedelta(minutes=fields.offset_minutes))
            result = result.replace(tzinfo=zone).astimezone(SYSTEM_TZ).replace(tzinfo=None)
        except OverflowError:
            return None
    return result


# --- arithmetic ---------------------------------------------------------------------------------

_UNITS = ("Y", "M", "D", "H", "MI")


def _unit(unit: str) -> str:
    key = str(unit).strip().upper()
    if key not in _UNITS:
        raise FunctionError(f'"{unit}" is not a valid date unit (use Y, M, D, H or MI)')
    return key


def _add_months(dt: datetime, months: int) -> datetime:
    """Month steps keep the day when it exists and clamp to the month end when not."""
    index = dt.year * 12 + (dt.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    if not 1 <= year <= 9999:
        raise FunctionError("DateAdd result is outside the supported date range")
    day = min(dt.day, calendar.monthrange(year, month)[1])
    return dt.replace(year=year, month=month, day=day)


def date_add(dt: datetime, amount: int, unit: str) -> datetime:
    """``DateAdd``: whole units Y, M, D, H or MI (any case); negative amounts subtract."""
    key = _unit(unit)
    if isinstance(amount, float):
        if not amount.is_integer():
            raise FunctionError(f"DateAdd needs a whole number, not {amount}")
        amount = int(amount)
    if key == "Y":
        return _add_months(dt, 12 * amount)
    if key == "M":
        return _add_months(dt, amount)
    step = {"D": timedelta(days=1), "H": timedelta(hours=1), "MI": timedelta(minutes=1)}[key]
    try:
        return dt + step * amount
    except OverflowError:
        raise FunctionError("DateAdd result is outside the supported date range") from None


def date_diff(start: datetime, end: datetime, unit: str) -> int:
    """``DateDiff``: unit boundaries crossed from start to end (both truncated to the unit)."""
    key = _unit(unit)
    if key == "Y":
        return end.year - start.year
    if key == "M":
        return (end.year - start.year) * 12 + end.month - start.month
    days = (end.date() - start.date()).days
    if key == "D":
        return days
    hours = days * 24 + end.hour - start.hour
    if key == "H":
        return hours
    return hours * 60 + end.minute - start.minute


_PARTS = {"y": "Y", "year": "Y", "m": "M", "month": "M", "d": "D", "day": "D", "h": "H", "hour": "H",
          "mi": "MI", "minute": "MI", "monthname": "monthName"}


def date_part(dt: datetime, part: str) -> str:
    """``DatePart``: year, two-digit month and day, 12-hour hour and minute unpadded, monthName."""
    key = _PARTS.get(str(part).strip().lower())
    if key is None:
        raise FunctionError(f'"{part}" is not a valid date part')
    if key == "Y":
        return str(dt.year)
    if key == "M":
        return f"{dt.month:02d}"
    if key == "D":
        return f"{dt.day:02d}"
    if key == "H":
        return str(dt.hour % 12 or 12)
    if key == "MI":
        return str(dt.minute)
    return MONTH_NAMES[dt.month - 1]


# --- time zones ---------------------------------------------------------------------------------

def _zone(tz_name: str) -> ZoneInfo:
    try:
        return ZoneInfo(str(tz_name))
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise FunctionError(f'"{tz_name}" is not a known time zone') from None


def system_to_local(dt: datetime, tz_name: str) -> datetime:
    """System time (fixed UTC-6) to the wall clock of an IANA zone, daylight saving included."""
    zone = _zone(tz_name)
    try:
        return dt.replace(tzinfo=SYSTEM_TZ).astimezone(zone).replace(tzinfo=None)
    except OverflowError:
        raise FunctionError("date is outside the supported range") from None


def local_to_system(dt: datetime, tz_name: str) -> datetime:
    """The wall clock of an IANA zone to system time (fixed UTC-6).

    Like .NET's ``TimeZoneInfo.ConvertTime``, an ambiguous wall time (the repeated hour when clocks
    go back) is read as standard time, and a wall time skipped when clocks go forward is an error.
    """
    zone = _zone(tz_name)
    first = dt.replace(tzinfo=zone, fold=0)
    second = dt.replace(tzinfo=zone, fold=1)
    first_offset, second_offset = first.utcoffset(), second.utcoffset()
    chosen = first
    if first_offset != second_offset:
        if first_offset < second_offset:  # type: ignore[operator]
            # In a gap PEP 495 gives fold=0 the offset from before the change: smaller when springing
            # forward, so the wall time never happened.
            raise FunctionError(f"{format_default(dt)} does not exist in time zone {tz_name}")
        chosen = second  # repeated hour: fold=1 is the later, standard-time reading
    try:
        return chosen.astimezone(SYSTEM_TZ).replace(tzinfo=None)
    except OverflowError:
        raise FunctionError("date is outside the supported range") from None
