"""Date & Time builtins (10). System time is US Central Standard Time, no DST (rule 23)."""

from __future__ import annotations

from datetime import datetime, timedelta

from ..dotnet.datetimes import format_date_ampscript
from ..errors import FunctionError
from ..registry import builtin
from ..runtime.dates import (
    date_add,
    date_diff,
    date_part,
    local_to_system,
    parse_date,
    system_to_local,
)
from ..runtime.values import to_bool, to_int, to_text

CAT = "Date & Time"

# System time is a fixed UTC-6, so UTC is always six hours later.
SYSTEM_TO_UTC = timedelta(hours=6)


def read_date(ctx, value: object, what: str = "date") -> datetime:
    """A date argument: a date passes through, text is parsed (a time alone takes the render's date)."""
    if isinstance(value, datetime):
        return value
    text = to_text(value)
    result = parse_date(text, today=ctx.now)
    if result is None:
        raise FunctionError(f'"{text}" is not a valid {what}')
    return result


def _job_start(ctx) -> datetime | None:
    """When the running send started, if this render is part of one that records it."""
    return getattr(ctx.send, "started_at", None) if ctx.send is not None else None


@builtin("Now", min_args=0, max_args=1, category=CAT, needs_context=True, signature="Now([persist])")
def now(ctx, persist=None):
    """Current system time, identical for every call in one render; true in a send = job start."""
    if persist is not None and to_bool(persist):
        return _job_start(ctx) or ctx.now
    return ctx.now


@builtin("GetSendTime", min_args=0, max_args=1, category=CAT, needs_context=True,
         signature="GetSendTime([allSubscribers])")
def get_send_time(ctx, all_subscribers=None):
    """The time of this subscriber's send (job start with a true flag); outside a send, Now()."""
    if all_subscribers is not None and to_bool(all_subscribers):
        return _job_start(ctx) or ctx.now
    return ctx.now


@builtin("DateAdd", min_args=3, max_args=3, category=CAT, needs_context=True,
         signature="DateAdd(date, amount, unit)")
def date_add_builtin(ctx, value, amount, unit):
    """Adds whole years, months, days, hours or minutes (Y, M, D, H, MI); months clamp to month end."""
    dt = read_date(ctx, value)
    return date_add(dt, to_int(amount, "amount"), to_text(unit))


@builtin("DateDiff", min_args=3, max_args=3, category=CAT, needs_context=True,
         signature="DateDiff(startDate, endDate, unit)")
def date_diff_builtin(ctx, start, end, unit):
    """Number of unit boundaries (Y, M, D, H, MI) crossed from the start to the end date."""
    return date_diff(read_date(ctx, start, "start date"), read_date(ctx, end, "end date"), to_text(unit))


@builtin("DatePart", min_args=2, max_args=2, category=CAT, needs_context=True, signature="DatePart(date, part)")
def date_part_builtin(ctx, value, part):
    """Year, month, day (two digits), hour (12-hour), minute or monthName of a date, as text."""
    return date_part(read_date(ctx, value), to_text(part))


@builtin("FormatDate", min_args=1, max_args=4, category=CAT, needs_context=True,
         signature="FormatDate(date, [datePattern], [timePattern], [locale])")
def format_date(ctx, value, date_pattern=None, time_pattern=None, locale=None):
    """A date in FormatDate's own token dialect (date and time patterns apart); unreadable dates give ''."""
    if isinstance(value, datetime):
        dt = value
    else:
        dt = parse_date(to_text(value), today=ctx.now)
        if dt is None:
            return ""
    culture = ctx.settings.culture if locale is None or to_text(locale) == "" else to_text(locale)
    try:
        return format_date_ampscript(dt, None if date_pattern is None else to_text(date_pattern),
                                     None if time_pattern is None else to_text(time_pattern), culture)
    except ValueError as exc:
        raise FunctionError(str(exc)) from None


@builtin("DateParse", min_args=1, max_args=2, category=CAT, needs_context=True,
         signature="DateParse(dateString, [useUtc])")
def date_parse(ctx, value, use_utc=None):
    """Reads text as a date (month-first, ISO 8601, offsets honoured); a true flag returns UTC."""
    dt = read_date(ctx, value)
    if use_utc is not None and to_bool(use_utc):
        # .NET's ToUniversalTime clamps to DateTime.MaxValue instead of overflowing
        return dt + SYSTEM_TO_UTC if dt <= datetime.max - SYSTEM_TO_UTC else datetime.max
    return dt


@builtin("StringToDate", min_args=1, max_args=1, category=CAT, needs_context=True,
         signature="StringToDate(dateString)")
def string_to_date(ctx, value):
    """Reads text as a date, like DateParse without the UTC option."""
    return read_date(ctx, value)


@builtin("SystemDateToLocalDate", min_args=1, max_args=1, category=CAT, needs_context=True,
         signature="SystemDateToLocalDate(systemDate)")
def system_date_to_local_date(ctx, value):
    """System time to the account's time zone (daylight saving applies there)."""
    return system_to_local(read_date(ctx, value), ctx.settings.time_zone)


@builtin("LocalDateToSystemDate", min_args=1, max_args=1, category=CAT, needs_context=True,
         signature="LocalDateToSystemDate(localDate)")
def local_date_to_system_date(ctx, value):
    """The account's local time to system time (the offset follows daylight saving)."""
    return local_to_system(read_date(ctx, value), ctx.settings.time_zone)
