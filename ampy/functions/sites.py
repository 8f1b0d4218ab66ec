"""Sites builtins (13): request parameters, page URLs, redirects, authenticated-user values.

The request comes from ``ctx.request`` (ampy.runtime.request.RequestContext); without one (an
email, an SMS, a script run outside a page) every parameter is absent.

Page links. ``CloudPagesURL`` and ``MicrositeURL`` fold the page ID and the name/value pairs into
one opaque ``qs`` token, as the real engine does. ampy's token is a Fernet token (AES-128-CBC
with an HMAC-SHA256 tag, random IV, from the ``cryptography`` package) over a small JSON document,
so it differs on every call, cannot be read or altered without the key, and ampy can decode its
own links: ``RequestParameter`` reads the pairs of a ``qs`` query parameter, and
``decode_page_token`` is there for servers and tools. The key is the workspace key named
``CloudPages`` (``[keys.CloudPages]`` in ampy.toml); without one it is derived from the member ID,
which keeps links working across runs but is not a secret. Rendered by ``ampy serve`` (the request
carries ``pages_base``), links point at that server instead of the published domain, so they can
be followed locally.

Workspace settings (``[cloudpages]`` in ampy.toml, all optional)::

    [cloudpages]
    domain = "example.com"        # links are https://cloud.example.com/<page>?qs=...
    [cloudpages.pages]
    1234 = "welcome"              # page ID -> published path (under cloudpages/ when served
                                  # locally); with a table, unknown IDs abort
"""

from __future__ import annotations

import base64
import hashlib
import json

from ..errors import FunctionError, Redirected
from ..registry import NOT_EMAIL, builtin
from ..runtime.values import is_empty, to_text
from ._args import pairs

CAT = "Sites"

PAGE_KEY_NAME = "CloudPages"
DEFAULT_DOMAIN = "example.com"


# ---- page tokens --------------------------------------------------------------------------------

def _fernet(settings):
    from cryptography.fernet import Fernet

    key = settings.key(PAGE_KEY_NAME)
    secret = str(key.get("value") or "") if key else ""
    if not secret:
        secret = f"ampy-cloudpages:{settings.member_id}"
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(secret.encode("utf-8")).digest()))


def encode_page_token(settings, page: str, params: list[tuple[str, str]]) -> str:
    """The opaque ``qs`` token for a page and its parameters (new random IV on every call)."""
    doc = json.dumps({"page": page, "params": params}, separators=(",", ":"), ensure_ascii=False)
    return _fernet(settings).encrypt(doc.encode("utf-8")).decode("ascii")


def decode_page_token(settings, token: str) -> tuple[str, dict[str, str]] | None:
    """(page, {lower-cased name: value}) from a token ampy made with the same key, else None."""
    from cryptography.fernet import InvalidToken

    try:
        doc = json.loads(_fernet(settings).decrypt(token.strip().encode("ascii")))
        params: dict[str, str] = {}
        for name, value in doc["params"]:
            params.setdefault(str(name).lower(), str(value))
        return str(doc["page"]), params
    except (InvalidToken, ValueError, KeyError, TypeError, UnicodeError):
        return None


def _cloudpages_settings(ctx) -> dict:
    section = ctx.settings.raw.get("cloudpages", {})
    return section if isinstance(section, dict) else {}


def page_domain(ctx) -> str:
    """The account's pages domain (links are https://cloud.<domain>/...)."""
    return str(_cloudpages_settings(ctx).get("domain") or DEFAULT_DOMAIN).strip().strip("/")


def _page_path(ctx, page_id) -> str:
    return page_path(ctx.settings, to_text(page_id))


def page_path(settings, page_id: str) -> str:
    """The published path of a page ID: from ``[cloudpages.pages]`` when that table is set (an
    unknown ID is a FunctionError), else the ID itself."""
    page = str(page_id).strip()
    if not page:
        raise FunctionError("the page ID is empty")
    section = settings.raw.get("cloudpages", {})
    table = section.get("pages") if isinstance(section, dict) else None
    if isinstance(table, dict) and table:
        for key, path in table.items():
            if str(key).strip().lower() == page.lower():
                return str(path).strip("/")
        raise FunctionError(f"no CloudPage with ID '{page}' ([cloudpages.pages] in ampy.toml)")
    return page


def _pages_base(ctx, host: str) -> str:
    """Scheme and host of page links: the local server answering this request, if any (ampy
    serve), else the account's published domain."""
    local = ctx.request.pages_base if ctx.request is not None else None
    return local.rstrip("/") if local else f"https://{host}.{page_domain(ctx)}"


def _link_pairs(extra) -> list[tuple[str, str]]:
    if len(extra) % 2:
        raise FunctionError("name/value arguments must come in pairs (the last name has no value)")
    return [(name, to_text(value)) for name, value in pairs(extra, "name/value")]


@builtin("CloudPagesURL", min_args=1, max_args=None, category=CAT, needs_context=True,
         signature="CloudPagesURL(pageId, [name, value]...)")
def cloud_pages_url(ctx, page_id, *extra):
    """Published CloudPage URL with the pairs folded into one encrypted qs token (new on every call)."""
    path = _page_path(ctx, page_id)
    token = encode_page_token(ctx.settings, to_text(page_id).strip(), _link_pairs(extra))
    return f"{_pages_base(ctx, 'cloud')}/{path}?qs={token}"


@builtin("MicrositeURL", min_args=1, max_args=None, category=CAT, needs_context=True,
         signature="MicrositeURL(pageId, [name, value]...)")
def microsite_url(ctx, page_id, *extra):
    """Classic microsite URL carrying the page ID and pairs in one encrypted token; IDs are not checked."""
    page = to_text(page_id).strip()
    if not page:
        raise FunctionError("the page ID is empty")
    token = encode_page_token(ctx.settings, page, _link_pairs(extra))
    return f"{_pages_base(ctx, 'pages')}/page.aspx?QS={token}"


@builtin("LiveContentMicrositeURL", min_args=2, max_args=2, category=CAT,
         signature="LiveContentMicrositeURL(contentType, externalKey)")
def live_content_microsite_url(content_type, external_key):
    """Dead: Live Offers was removed in 2019 and Classic microsites retired in 2022; every call aborts."""
    raise FunctionError("unavailable: Live Offers was removed in 2019 and Classic microsites were retired "
                        "in 2022, so no coupon link can be built")


# ---- request parameters -------------------------------------------------------------------------

def _token_params(ctx) -> dict[str, str]:
    """Pairs carried by a ``qs`` token of ampy's own making in the request (cached per render)."""
    cached = ctx.cache.get("sites.qs")
    if cached is None:
        cached = {}
        token = ctx.request.query_value("qs")
        if token:
            decoded = decode_page_token(ctx.settings, token)
            if decoded is not None:
                cached = decoded[1]
        ctx.cache["sites.qs"] = cached
    return cached


def _name(name) -> str:
    key = to_text(name).strip()
    if not key:
        raise FunctionError("the parameter name is empty")
    return key


@builtin("QueryParameter", min_args=1, max_args=1, category=CAT, needs_context=True,
         signature="QueryParameter(name)")
def query_parameter(ctx, name):
    """A query-string value (name in any case, escapes decoded, repeats comma-joined); '' when absent."""
    key = _name(name)
    if ctx.request is None:
        return ""
    value = ctx.request.query_value(key)
    return "" if value is None else value


@builtin("RequestParameter", min_args=1, max_args=1, category=CAT, needs_context=True,
         signature="RequestParameter(name)")
def request_parameter(ctx, name):
    """A value from a CloudPagesURL token, the query string, the form post or cookies; '' when absent."""
    key = _name(name)
    if ctx.request is None:
        return ""
    # Pairs from an encrypted link win: they cannot be forged, a plain query parameter can.
    value = _token_params(ctx).get(key.lower())
    if value is None:
        value = ctx.request.param_value(key)
    return "" if value is None else value


@builtin("Redirect", min_args=1, max_args=1, category=CAT, needs_context=True, contexts=NOT_EMAIL,
         context_error="10005: needs an HTTP response to act on", signature="Redirect(url)")
def redirect(ctx, url):
    """Answers the page with HTTP 302 to the URL, throws away the output so far and stops the script."""
    target = to_text(url)
    ctx.cache["redirect"] = target
    if ctx.request is not None:
        ctx.request.redirect = target
    raise Redirected(target)


@builtin("IsNullDefault", min_args=2, max_args=2, category=CAT, needs_context=True,
         signature="IsNullDefault(value, default)")
def is_null_default(ctx, value, default):
    """The value when present; a blank value gives the default only in a Smart Capture form, else ''."""
    if not is_empty(value):
        return value
    if ctx.request is not None and ctx.request.smart_capture:
        return default
    return ""


# ---- authenticated user and account -------------------------------------------------------------

# The live engine answers every Authenticated* call with a real value even on an anonymous public
# CloudPage (catalogue Δ), so without a request user or [account] setting these stand in for the
# local account's user: a numeric ID, two distinct email-shaped addresses and a display name.
DEFAULT_EMPLOYEE_ID = "700000001"
DEFAULT_NOTIFICATION_ADDRESS = "notifications@example.com"
DEFAULT_USER_NAME = "developer@example.com"
DEFAULT_MEMBER_NAME = "Local Business Unit"

def _authenticated(ctx, key: str, account_keys: tuple[str, ...], fallback: str = "") -> str:
    """A value from the request's authenticated user, else the workspace [account] table, else fallback."""
    if ctx.request is not None and ctx.request.authenticated.get(key):
        return ctx.request.authenticated[key]
    account = ctx.settings.raw.get("account", {})
    if isinstance(account, dict):
        for k in account_keys:
            if account.get(k) not in (None, ""):
                return str(account[k])
    return fallback


@builtin("AuthenticatedEmployeeID", min_args=0, max_args=0, category=CAT, needs_context=True,
         signature="AuthenticatedEmployeeID()")
def authenticated_employee_id(ctx):
    """Numeric ID of the signed-in user (request, else [account] employee_id)."""
    return _authenticated(ctx, "employeeid", ("employee_id",), DEFAULT_EMPLOYEE_ID)


@builtin("AuthenticatedEmployeeNotificationAddress", min_args=0, max_args=0, category=CAT, needs_context=True,
         signature="AuthenticatedEmployeeNotificationAddress()")
def authenticated_employee_notification_address(ctx):
    """Notification email address of the signed-in user."""
    return _authenticated(ctx, "employeenotificationaddress", ("employee_notification_address",),
                         DEFAULT_NOTIFICATION_ADDRESS)


@builtin("AuthenticatedEmployeeUserName", min_args=0, max_args=0, category=CAT, needs_context=True,
         signature="AuthenticatedEmployeeUserName()")
def authenticated_employee_user_name(ctx):
    """Login username of the signed-in user."""
    return _authenticated(ctx, "employeeusername", ("employee_username",), DEFAULT_USER_NAME)


@builtin("AuthenticatedEnterpriseID", min_args=0, max_args=0, category=CAT, needs_context=True,
         signature="AuthenticatedEnterpriseID()")
def authenticated_enterprise_id(ctx):
    """Enterprise (parent) MID; defaults to the account's member ID."""
    return _authenticated(ctx, "enterpriseid", ("enterprise_id",), ctx.settings.member_id)


@builtin("AuthenticatedMemberID", min_args=0, max_args=0, category=CAT, needs_context=True,
         signature="AuthenticatedMemberID()")
def authenticated_member_id(ctx):
    """MID of the business unit running the code (the account's member ID)."""
    return _authenticated(ctx, "memberid", (), ctx.settings.member_id)


@builtin("AuthenticatedMemberName", min_args=0, max_args=0, category=CAT, needs_context=True,
         signature="AuthenticatedMemberName()")
def authenticated_member_name(ctx):
    """Display name of the running business unit (request, else [account] member_name)."""
    return _authenticated(ctx, "membername", ("member_name", "name"), DEFAULT_MEMBER_NAME)
