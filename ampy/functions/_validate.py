"""Syntax checks for IsEmailAddress and IsPhoneNumber (no network look-ups)."""

from __future__ import annotations

import re

# Local part: RFC 5322 dot-atom (no quoted strings, no leading/trailing/double dots).
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
# Domain: dot-separated labels of letters, digits and inner hyphens, ending in an alphabetic TLD of
# two or more letters. Marketing Cloud rejects a domain without a TLD ("user@localhost").
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+[A-Za-z]{{2,63}}", re.ASCII)

# North American Numbering Plan: NXX NXX XXXX (area code and exchange start with 2-9), the area
# code optionally in parentheses, groups separated by nothing or one dash, dot or space. A leading
# "+" or country digit "1" fails, as in Marketing Cloud.
_PHONE = re.compile(r"(?:\([2-9]\d{2}\) ?|[2-9]\d{2}[-. ]?)[2-9]\d{2}[-. ]?\d{4}", re.ASCII)

MAX_EMAIL_LENGTH = 254


def is_email_address(text: str) -> bool:
    """True when ``text`` is a syntactically valid address (surrounding spaces make it invalid)."""
    if len(text) > MAX_EMAIL_LENGTH:
        return False
    if _EMAIL.fullmatch(text) is None:
        return False
    return len(text.split("@", 1)[0]) <= 64


def is_phone_number(text: str) -> bool:
    """True when ``text`` is a ten-digit NANP number in one of the common spellings."""
    return _PHONE.fullmatch(text) is not None
