"""Strict mode: a subscriber attribute the render does not have is an error, not an empty string.

Only the strict variant of a template (compiled on request, see ampy.compiler) calls into here.
The platform refuses such an email at send time; strict mode finds it before.
"""

from __future__ import annotations

from ..errors import FunctionError
from .values import to_text

# System strings every send has (their value may be empty locally), besides the ones
# ampy.runtime.system_attributes derives (xt*, _messagecontext, memberid ...).
SYSTEM_ATTRIBUTES = frozenset({
    "emailaddr", "_subscriberkey", "subscriberkey", "subscriberid", "memberid", "_messagecontext",
    "_istestsend", "_emailid", "_jobid", "jobid", "_job_id", "_listid", "listid", "_listname", "listname",
    "_batchid", "_datasourcename", "_dataextensionname", "emailname_", "_subject", "_preheader",
    "_replycontactid", "_unsubscribed", "_messagetypepreference", "_impressionregionname", "replyemailaddress",
    "replyname", "fromname", "fromemail", "member_busname", "member_addr", "member_city", "member_state",
    "member_postalcode", "member_country", "mobile_number", "short_code", "pageurl", "@@execctx",
    "xtmonth", "xtmonthnumeric", "xtday", "xtdayofweek", "xtyear", "xtshortdate", "xtlongdate",
    "additionalemailattribute1", "additionalemailattribute2", "additionalemailattribute3",
    "additionalemailattribute4", "additionalemailattribute5", "view_email_url", "profile_center_url",
    "subscription_center_url", "unsub_center_url", "linkname", "__additionalemailattribute1",
})


def _missing(spelled: str) -> FunctionError:
    return FunctionError(f"attribute '{spelled}' is not defined for this subscriber (strict mode)")


def strict_attribute(ctx, key: str, spelled: str) -> object:
    """``%%name%%`` or a bare ``name`` in strict mode."""
    if ctx.has_attribute(key, spelled) or key in SYSTEM_ATTRIBUTES or key.startswith("msg("):
        return ctx.attribute(key, spelled)
    raise _missing(spelled)


def strict_attribute_value(ctx, name) -> object:
    """``AttributeValue(name)`` in strict mode."""
    spelled = to_text(name).strip()
    key = spelled.lower()
    if not key:
        raise FunctionError("the attribute name is empty")
    value = strict_attribute(ctx, key, spelled)
    return "" if value is None else value
