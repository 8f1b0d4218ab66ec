"""Culture names and culture data for the .NET-style formatters.

All culture data comes from Babel (CLDR). .NET Framework reads its culture data from Windows (NLS),
which differs from CLDR in a few places that change visible output; those corrections are listed
explicitly in the ``_*_OVERRIDES`` tables below, each with a comment, and kept to the cultures
AMPscript content commonly uses (en-US, en-GB, de-DE, fr-FR, ja-JP).

Culture names: ``en-US``, ``en_US``, ``EN-us``, a bare language (``de`` -> ``de-DE`` through CLDR's
likely subtags). ``None`` or ``""`` means en-US. An unknown name is reported as ``None`` by
``parse_culture``; ``number_culture`` falls back to en-US, ``currency_culture`` to the invariant
culture (generic currency sign ``¤``), ``date_culture`` to en-US.
"""

from __future__ import annotations

import copy
import functools
import pickle
import re
from dataclasses import dataclass

# Babel is imported by the functions below, on the first culture asked for: a template that
# formats nothing does not pay for it at start-up.

DEFAULT_CULTURE = "en-US"
GENERIC_CURRENCY_SIGN = "¤"

# CLDR uses no-break spaces inside currency/percent patterns and before AM/PM; .NET Framework's
# fixed pattern tables ("n $", "n %", "h:mm:ss tt") use a plain space.
_CLDR_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " "})


@dataclass(frozen=True, slots=True)
class NumberCulture:
    """Number formatting data, shaped like .NET's NumberFormatInfo.

    Affixes are (prefix, suffix) pairs around the formatted number; in currency affixes the sign
    ``¤`` stands for the currency symbol, so FormatCurrency's ``symbol`` argument can swap it.
    """

    name: str
    decimal: str
    group: str
    group_sizes: tuple[int, ...]
    minus: str
    percent: str
    per_mille: str
    currency_symbol: str
    currency_digits: int
    currency_group_sizes: tuple[int, ...]
    currency_positive: tuple[str, str]
    currency_negative: tuple[str, str]
    percent_positive: tuple[str, str]
    percent_negative: tuple[str, str]


@dataclass(frozen=True, slots=True)
class DateCulture:
    """Date formatting data, shaped like .NET's DateTimeFormatInfo.

    Day-name tuples are indexed by Python's ``weekday()`` (Monday = 0). Patterns are .NET custom
    date format strings.
    """

    name: str
    months_wide: tuple[str, ...]           # nominative (stand-alone) full names, January first
    months_wide_genitive: tuple[str, ...]  # full names used next to a day number ("4 марта")
    months_abbr: tuple[str, ...]
    days_wide: tuple[str, ...]
    days_abbr: tuple[str, ...]
    am: str
    pm: str
    era: str
    date_separator: str
    time_separator: str
    short_date: str
    long_date: str
    short_time: str
    long_time: str
    month_day: str
    year_month: str


# --- .NET Framework corrections to CLDR (visible output only) -----------------------------------

# en-US: .NET Framework's CurrencyNegativePattern 0 puts negatives in parentheses ("($1,234.56)");
# CLDR's standard pattern uses a minus sign.
_CURRENCY_NEGATIVE_OVERRIDES = {"en-US": ("(¤", ")")}

# en-US: .NET Framework's PercentPositivePattern/NegativePattern 0 ("n %", "-n %"); CLDR has "n%".
_PERCENT_OVERRIDES = {"en-US": (("", "%"), ("-", "%"))}  # the reference shows 12.35%, no space

# fr-FR: Windows/.NET Framework 4.x groups digits with U+00A0; CLDR has U+202F.
_GROUP_OVERRIDES = {"fr-FR": "\u00a0"}

# ja-JP: .NET Framework's CurrencySymbol is the half-width yen sign; CLDR has full-width U+FFE5.
_CURRENCY_SYMBOL_OVERRIDES = {"ja-JP": "¥"}

# Long date (.NET "D"): CLDR's full pattern matches .NET for en-US/de-DE/fr-FR; Windows uses
# "dd MMMM yyyy" for en-GB (no weekday) and the weekday-less long pattern for ja-JP.
_LONG_DATE_OVERRIDES = {"en-GB": "dd MMMM yyyy", "ja-JP": "yyyy'年'M'月'd'日'"}

# Abbreviated month names where Windows differs from CLDR's stand-alone abbreviations
# (index 0 = January): en-GB September is "Sep" (CLDR "Sept"), de-DE March is "Mrz" (CLDR "Mär").
_MONTH_ABBR_OVERRIDES = {"en-GB": {8: "Sep"}, "de-DE": {2: "Mrz"}}


# --- culture names ------------------------------------------------------------------------------


@functools.lru_cache(maxsize=256)
def _locale_for(name: str | None) -> Locale | None:  # noqa: F821 - babel's, imported when called
    """The Babel locale for a culture name (with a territory filled in), or None if unknown."""
    from babel import Locale, UnknownLocaleError
    from babel.core import get_global

    if name is None or not name.strip():
        name = DEFAULT_CULTURE
    try:
        locale = Locale.parse(name.strip().replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return None
    if locale.territory is None:
        # A neutral culture ("de") formats like its most likely specific culture ("de-DE").
        likely = get_global("likely_subtags").get(locale.language)
        if likely:
            try:
                locale = Locale.parse(likely)
            except (UnknownLocaleError, ValueError):
                return None
    return locale


def parse_culture(name: str | None) -> str | None:
    """Normalise a culture name to .NET's spelling ("en_us" -> "en-US"); None if it is unknown.

    None or "" means en-US.
    """
    locale = _locale_for(name)
    if locale is None:
        return None
    parts = [locale.language, locale.script, locale.territory]
    return "-".join(part for part in parts if part)


# --- number data --------------------------------------------------------------------------------


def _group_sizes(grouping: tuple[int, int]) -> tuple[int, ...]:
    """.NET NumberGroupSizes from a CLDR (primary, secondary) grouping."""
    primary, secondary = grouping
    if primary >= 100:  # Babel's marker for "no grouping"
        return ()
    return (primary,) if secondary == primary else (primary, secondary)


def _affixes(prefix: str, suffix: str, minus: str) -> tuple[str, str]:
    """CLDR pattern affixes as literal .NET affixes: plain spaces, the culture's minus sign."""
    return (prefix.translate(_CLDR_SPACES).replace("-", minus),
            suffix.translate(_CLDR_SPACES).replace("-", minus))


def _territory_currency(locale: Locale) -> str | None:  # noqa: F821 - babel's, imported when called
    from babel.numbers import get_territory_currencies

    try:
        codes = get_territory_currencies(locale.territory)
    except Exception:  # noqa: BLE001 - Babel raises different errors for odd territories
        return None
    return codes[0] if codes else None


@functools.lru_cache(maxsize=128)
def _number_culture(canonical: str) -> NumberCulture:
    from babel.numbers import get_currency_precision

    locale = _locale_for(canonical)
    symbols = locale.number_symbols["latn"]
    # Windows (and so .NET Framework) uses the ASCII hyphen-minus; CLDR has U+2212 for some cultures.
    minus = symbols.get("minusSign", "-").replace("\u2212", "-")
    currency_pattern = locale.currency_formats["standard"]
    percent_pattern = locale.percent_formats[None]
    code = _territory_currency(locale)
    if code is None:
        symbol, digits = GENERIC_CURRENCY_SIGN, 2
    else:
        symbol, digits = locale.currency_symbols.get(code, code), get_currency_precision(code)
    percent_affixes = _PERCENT_OVERRIDES.get(canonical) or (
        _affixes(percent_pattern.prefix[0], percent_pattern.suffix[0], minus),
        _affixes(percent_pattern.prefix[1], percent_pattern.suffix[1], minus),
    )
    return NumberCulture(
        name=canonical,
        decimal=symbols.get("decimal", "."),
        group=_GROUP_OVERRIDES.get(canonical, symbols.get("group", ",")),
        group_sizes=_group_sizes(locale.decimal_formats[None].grouping),
        minus=minus,
        percent=symbols.get("percentSign", "%"),
        per_mille=symbols.get("perMille", "‰"),
        currency_symbol=_CURRENCY_SYMBOL_OVERRIDES.get(canonical, symbol),
        currency_digits=digits,
        currency_group_sizes=_group_sizes(currency_pattern.grouping),
        currency_positive=_affixes(currency_pattern.prefix[0], currency_pattern.suffix[0], minus),
        currency_negative=_CURRENCY_NEGATIVE_OVERRIDES.get(canonical) or _affixes(
            currency_pattern.prefix[1], currency_pattern.suffix[1], minus),
        percent_positive=percent_affixes[0],
        percent_negative=percent_affixes[1],
    )


def _invariant_culture() -> NumberCulture:
    """.NET's InvariantCulture: en-US numbers, the generic currency sign, "(¤n)" for negatives."""
    en_us = _number_culture(DEFAULT_CULTURE)
    return NumberCulture(
        name="",
        decimal=en_us.decimal,
        group=en_us.group,
        group_sizes=(3,),
        minus="-",
        percent="%",
        per_mille="‰",
        currency_symbol=GENERIC_CURRENCY_SIGN,
        currency_digits=2,
        currency_group_sizes=(3,),
        currency_positive=("¤", ""),
        currency_negative=("(¤", ")"),
        percent_positive=("", " %"),
        percent_negative=("-", " %"),
    )


@functools.lru_cache(maxsize=256)
def number_culture(name: str | None) -> NumberCulture:
    """Number data for a culture name; en-US when the name is unknown."""
    return _number_culture(parse_culture(name) or DEFAULT_CULTURE)


@functools.lru_cache(maxsize=256)
def currency_culture(name: str | None) -> NumberCulture:
    """Number data for FormatCurrency; the invariant culture (sign ``¤``) when the name is unknown."""
    canonical = parse_culture(name)
    return _number_culture(canonical) if canonical else _invariant_culture()


# --- date data ----------------------------------------------------------------------------------

# A CLDR date pattern: quoted literals, runs of one pattern letter, or any other single character.
_CLDR_TOKEN = re.compile(r"'(?:[^']|'')*'|([A-Za-z])\1*|.", re.DOTALL)
# Characters that mean something in a .NET custom date format and must be escaped as literals.
_DOTNET_SPECIAL = frozenset("dfFghHKmMstyz%\\'\"")


def _cldr_field(run: str) -> str | None:
    """The .NET custom-format token for one CLDR field, or None for a field .NET cannot show."""
    letter, count = run[0], len(run)
    if letter == "y":
        return "yyyy"  # CLDR "y"/"yy" in date patterns; .NET cultures print four-digit years
    if letter in "ML":
        return "M" * min(count, 4)
    if letter in "dhHms":
        return letter * min(count, 2)
    if letter in "Ec":
        return "dddd" if count >= 4 else "ddd"
    if letter in "abB":
        return "tt"
    if letter == "k":
        return "H" * min(count, 2)
    if letter == "K":
        return "h" * min(count, 2)
    if letter == "G":
        return "g"
    return None


def _literal(text: str) -> str:
    """CLDR literal text as .NET literal text."""
    text = text.translate(_CLDR_SPACES)
    return "".join("\\" + ch if ch in _DOTNET_SPECIAL or ch.isalpha() else ch for ch in text)


def cldr_to_dotnet(pattern: str) -> str:
    """Translate a CLDR date pattern into an equivalent .NET custom date format string."""
    out = []
    for match in _CLDR_TOKEN.finditer(pattern):
        token = match.group(0)
        if token.startswith("'"):
            out.append(_literal(token[1:-1].replace("''", "'") if len(token) > 2 else "'"))
        elif match.group(1):
            field = _cldr_field(token)
            out.append(field if field is not None else _literal(token))
        else:
            out.append(_literal(token))
    return "".join(out).strip()


def _date_separator(short_pattern: str) -> str:
    """The text between the first two fields of the short date pattern ("/" for "M/d/yy")."""
    fields = [m for m in _CLDR_TOKEN.finditer(short_pattern) if m.group(1)]
    if len(fields) < 2:
        return "/"
    between = short_pattern[fields[0].end():fields[1].start()].replace("'", "")
    return between or "/"


# Babel 2.18 resolves CLDR aliases lazily and caches the result inside dicts that locales share
# through "root": once ja-JP's stand-alone month names are read, a de-DE locale loaded later gets
# "1月" as its month names. Calendar names are therefore read from a private, fully merged copy
# of the locale data, with aliases resolved here without caching.
_CALENDAR_KEYS = ("months", "days", "day_periods", "eras")


def _parent_locale(name: str) -> str:
    """The CLDR parent of a locale data file, the way babel.localedata.load chooses it."""
    from babel import localedata
    from babel.core import get_global

    parent = get_global("parent_exceptions").get(name)
    if parent:
        return parent
    non_likely_script = getattr(localedata, "_is_non_likely_script", None)
    if non_likely_script is not None and non_likely_script(name):
        return "root"
    parts = name.split("_")
    return "root" if len(parts) == 1 else "_".join(parts[:-1])


@functools.lru_cache(maxsize=64)
def _calendar_data(name: str) -> dict:
    """The calendar part of a locale's CLDR data merged with its parents (a private copy)."""
    from babel import localedata

    with open(localedata.resolve_locale_filename(name), "rb") as fileobj:
        own = pickle.load(fileobj)
    own = {key: own[key] for key in _CALENDAR_KEYS if key in own}
    if name == "root":
        return own
    data = copy.deepcopy(_calendar_data(_parent_locale(name)))
    localedata.merge(data, own)
    return data


def _calendar_lookup(data: dict, *path):
    """Follow *path* through calendar data, resolving CLDR aliases without caching them."""
    from babel import localedata

    node = data
    for key in path:
        node = node[key]
        if isinstance(node, localedata.Alias):
            node = _calendar_lookup(data, *node.keys)
        elif isinstance(node, tuple):  # an alias plus the locale's own partial overrides
            alias, overrides = node
            node = copy.deepcopy(_calendar_lookup(data, *alias.keys))
            localedata.merge(node, overrides)
    return node


def _names(data, count: int, start: int) -> tuple[str, ...]:
    return tuple(data[i] for i in range(start, start + count))


@functools.lru_cache(maxsize=128)
def _date_culture(canonical: str) -> DateCulture:
    locale = _locale_for(canonical)
    calendar = _calendar_data(str(locale))
    months_abbr = list(_names(_calendar_lookup(calendar, "months", "stand-alone", "abbreviated"), 12, 1))
    for index, name in _MONTH_ABBR_OVERRIDES.get(canonical, {}).items():
        months_abbr[index] = name
    periods = _calendar_lookup(calendar, "day_periods", "format", "abbreviated")
    short_date = locale.date_formats["short"].pattern
    skeletons = locale.datetime_skeletons
    return DateCulture(
        name=canonical,
        months_wide=_names(_calendar_lookup(calendar, "months", "stand-alone", "wide"), 12, 1),
        months_wide_genitive=_names(_calendar_lookup(calendar, "months", "format", "wide"), 12, 1),
        months_abbr=tuple(months_abbr),
        days_wide=_names(_calendar_lookup(calendar, "days", "format", "wide"), 7, 0),
        # .NET's abbreviated day names carry no trailing period in de-DE ("Mi"), like CLDR's
        # stand-alone forms.
        days_abbr=_names(_calendar_lookup(calendar, "days", "stand-alone", "abbreviated"), 7, 0),
        am=periods.get("am", "AM"),
        pm=periods.get("pm", "PM"),
        era=_calendar_lookup(calendar, "eras", "abbreviated")[1],
        date_separator=_date_separator(short_date),
        time_separator=locale.number_symbols["latn"].get("timeSeparator", ":"),
        short_date=cldr_to_dotnet(short_date),
        long_date=_LONG_DATE_OVERRIDES.get(canonical) or cldr_to_dotnet(locale.date_formats["full"].pattern),
        short_time=cldr_to_dotnet(locale.time_formats["short"].pattern),
        long_time=cldr_to_dotnet(locale.time_formats["medium"].pattern),
        month_day=cldr_to_dotnet(skeletons["MMMMd"].pattern if "MMMMd" in skeletons else "MMMM d"),
        year_month=cldr_to_dotnet(skeletons["yMMMM"].pattern if "yMMMM" in skeletons else "MMMM y"),
    )


@functools.lru_cache(maxsize=256)
def date_culture(name: str | None) -> DateCulture:
    """Date data for a culture name; en-US when the name is unknown."""
    return _date_culture(parse_culture(name) or DEFAULT_CULTURE)
