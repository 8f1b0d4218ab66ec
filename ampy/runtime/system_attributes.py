"""System personalisation strings (``%%xtmonth%%``, ``%%_messagecontext%%`` ...) derived per render."""

from __future__ import annotations

from .dates import DAY_NAMES as _DAYS
from .dates import MONTH_NAMES as _MONTHS

_MESSAGE_CONTEXT = {"page": "LANDINGPAGE", "email": "SEND", "sms": "SMS"}


def system_attribute(ctx, key: str) -> object:
    """The value of a system string, or None for an unknown name."""
    if key.startswith("xt"):
        now = ctx.now
        if key == "xtmonth":
            return _MONTHS[now.month - 1]
        if key == "xtmonthnumeric":
            return str(now.month)
        if key == "xtday":
            return str(now.day)
        if key == "xtdayofweek":
            return _DAYS[now.weekday()]
        if key == "xtyear":
            return str(now.year)
        if key == "xtshortdate":
            return f"{now.month}/{now.day}/{now.year}"
        if key == "xtlongdate":
            return f"{_DAYS[now.weekday()]}, {_MONTHS[now.month - 1]} {now.day}, {now.year}"
    if key == "_messagecontext":
        return _MESSAGE_CONTEXT.get(ctx.kind, "LANDINGPAGE")
    if key == "_istestsend":
        return False
    if key == "_impressionregionname":  # the innermost open BeginImpressionRegion
        regions = ctx.cache.get("content.impression_regions")
        return regions[-1] if regions else ""
    if key == "@@execctx":
        return "load"
    if key == "memberid":
        return ctx.settings.member_id
    if key == "pageurl":
        return ctx.request.url if ctx.request is not None else None
    sms = ctx.sms
    if sms is not None:  # MobileConnect inbound strings
        if key == "mobile_number":
            return sms.mobile_number
        if key == "short_code":
            return sms.short_code
        if key == "msg(0)":
            return sms.text
        if key == "msg(0).verb":
            return sms.keyword
        if key == "msg(0).nouns":
            return sms.nouns
        if key.startswith("msg(0).noun(") and key.endswith(")") and key[12:-1].isdigit():
            return sms.noun(int(key[12:-1]))
        if key.startswith("mms_content_url(") and key.endswith(")") and key[16:-1].isdigit():
            return sms.mms_url(int(key[16:-1]))
    return None


# Columns of a sendable data extension that also answer to the system strings of a send.
_SEND_ALIASES = {"subscriberkey": "_subscriberkey", "emailaddress": "emailaddr", "email": "emailaddr",
                 "subscriberid": "subscriberid"}


def subscriber_attributes(row: dict[str, object]) -> dict[str, object]:
    """A data-extension row as a subscriber's attributes: the columns themselves, plus the system
    strings a send derives from them (``_subscriberkey``, ``emailaddr``) unless already present."""
    attrs = {k: ("" if v is None else v) for k, v in row.items()}
    lowered = {k.lower() for k in attrs}
    for column, value in list(attrs.items()):
        alias = _SEND_ALIASES.get(column.lower())
        if alias and alias not in lowered:
            attrs[alias] = value
            lowered.add(alias)
    return attrs
