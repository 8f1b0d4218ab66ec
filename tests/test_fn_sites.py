"""Sites builtins: request parameters, CloudPage/microsite links and their tokens, Redirect,
IsNullDefault and the Authenticated* values."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

import ampy
from ampy.functions.sites import decode_page_token, encode_page_token
from ampy.runtime.context import RenderContext
from ampy.runtime.request import RequestContext
from ampy.settings import DEFAULT_SETTINGS, Settings


def error(source: str, **kw) -> str:
    with pytest.raises(ampy.AmpscriptError) as e:
        ampy.render(source, **kw)
    return e.value.message


# ---- QueryParameter / RequestParameter ---------------------------------------------------------

def test_query_parameter_names_ignore_case_and_url_parameters_are_decoded():
    req = RequestContext(url="https://cloud.example.com/p?a=1&b=x%20y&A=2&e=", query={"Name": "Ann"})
    src = "[%%=QueryParameter('NAME')=%%][%%=QueryParameter('a')=%%][%%=QueryParameter('b')=%%]" \
          "[%%=QueryParameter('e')=%%][%%=QueryParameter('missing')=%%]"
    assert ampy.render(src, request=req) == "[Ann][1,2][x y][][]"


def test_repeated_values_given_as_a_list_are_comma_joined():
    req = RequestContext(query={"tag": ["a", "b"]})
    assert ampy.render("%%=QueryParameter('tag')=%%", request=req) == "a,b"


def test_without_a_request_parameters_are_empty():
    src = "[%%=QueryParameter('a')=%%][%%=RequestParameter('a')=%%]"
    assert ampy.render(src) == "[][]"
    assert ampy.render(src, context="email") == "[][]"


def test_request_parameter_reads_query_then_form_then_cookies_then_pageurl():
    req = RequestContext(url="https://cloud.example.com/landing?x=q", form={"x": "f", "y": "form-y"},
                         cookies={"z": "cookie-z"})
    src = "%%=RequestParameter('X')=%%|%%=RequestParameter('y')=%%|%%=RequestParameter('z')=%%|" \
          "%%=RequestParameter('PageURL')=%%|%%=QueryParameter('y')=%%|"
    assert ampy.render(src, request=req) == "q|form-y|cookie-z|https://cloud.example.com/landing?x=q||"
    # A query parameter named like the server variable overrides it.
    spoofed = RequestContext(url="https://cloud.example.com/p?pageurl=evil")
    assert ampy.render("%%=RequestParameter('pageurl')=%%", request=spoofed) == "evil"


def test_empty_parameter_name_aborts():
    assert error("%%=RequestParameter('')=%%", request=RequestContext()) == \
        "RequestParameter: the parameter name is empty"


# ---- CloudPagesURL / MicrositeURL --------------------------------------------------------------

TOKEN = r"[A-Za-z0-9_\-]+=*"


def test_cloud_pages_url_shape_and_a_new_token_on_every_call():
    first = ampy.render("%%=CloudPagesURL(1234, 'id', 42, 'name', 'Zoë')=%%")
    second = ampy.render("%%=CloudPagesURL('1234', 'id', 42, 'name', 'Zoë')=%%")
    assert re.fullmatch(rf"https://cloud\.example\.com/1234\?qs={TOKEN}", first)
    assert first != second
    for url in (first, second):
        token = parse_qs(urlsplit(url).query)["qs"][0]
        assert decode_page_token(DEFAULT_SETTINGS, token) == ("1234", {"id": "42", "name": "Zoë"})


def test_a_page_reads_the_pairs_of_its_own_link():
    url = ampy.render("%%=CloudPagesURL(77, 'SubKey', 'S-1', 'offer', 'gold')=%%")
    req = RequestContext(url=url + "&offer=forged&plain=yes")
    src = "%%=RequestParameter('subkey')=%%|%%=RequestParameter('offer')=%%|%%=RequestParameter('plain')=%%|" \
          "%%=QueryParameter('offer')=%%"
    # Encrypted pairs win over a forged plain parameter; QueryParameter sees only the real query string.
    assert ampy.render(src, request=req) == "S-1|gold|yes|forged"


def test_tokens_from_another_key_or_tampered_are_ignored():
    token = encode_page_token(DEFAULT_SETTINGS, "1", [("a", "1")])
    other = Settings(keys={"CloudPages": {"value": "another secret"}})
    assert decode_page_token(other, token) is None
    assert decode_page_token(DEFAULT_SETTINGS, token[:-4] + "AAAA") is None
    assert decode_page_token(DEFAULT_SETTINGS, "garbage") is None
    req = RequestContext(query={"qs": token, "a": "plain"})
    assert ampy.render("%%=RequestParameter('a')=%%", request=req, settings=other) == "plain"
    assert ampy.render("%%=RequestParameter('a')=%%", request=req) == "1"


def test_workspace_domain_and_page_table():
    settings = Settings(raw={"cloudpages": {"domain": "mc.acme.test", "pages": {"1234": "welcome/index"}}})
    url = ampy.render("%%=CloudPagesURL(1234)=%%", settings=settings)
    assert re.fullmatch(rf"https://cloud\.mc\.acme\.test/welcome/index\?qs={TOKEN}", url)
    assert error("%%=CloudPagesURL(99)=%%", settings=settings) == \
        "CloudPagesURL: no CloudPage with ID '99' ([cloudpages.pages] in ampy.toml)"


def test_link_argument_errors():
    assert error("%%=CloudPagesURL(1, 'a')=%%") == \
        "CloudPagesURL: name/value arguments must come in pairs (the last name has no value)"
    assert error("%%=CloudPagesURL('')=%%") == "CloudPagesURL: the page ID is empty"


def test_microsite_url_carries_the_page_in_its_token():
    url = ampy.render("%%=MicrositeURL(555, 'k', 'v')=%%")
    m = re.fullmatch(rf"https://pages\.example\.com/page\.aspx\?QS=({TOKEN})", url)
    assert m and decode_page_token(DEFAULT_SETTINGS, m.group(1)) == ("555", {"k": "v"})


def test_live_content_microsite_url_is_dead():
    assert error("%%=LiveContentMicrositeURL('coupon', 'key')=%%") == (
        "LiveContentMicrositeURL: unavailable: Live Offers was removed in 2019 and Classic microsites were "
        "retired in 2022, so no coupon link can be built")


# ---- Redirect ----------------------------------------------------------------------------------

def test_redirect_stops_the_script_and_throws_away_the_output():
    from ampy.errors import Redirected
    from ampy.runtime.request import RequestContext

    ctx = RenderContext(kind="page")
    with pytest.raises(Redirected):
        ampy.compile("before%%[Redirect('https://example.com/next?a=1') SET @after = 1]%%").run(ctx)
    assert ctx.cache["redirect"] == "https://example.com/next?a=1"
    assert "@after" not in ctx.vars
    request = RequestContext()
    src = "before%%[ SET @a = 1 ]%%%%=ContentBlockByKey('x', '', 0)=%%%%[ Redirect(Concat('https://x/', @a)) ]%%after"
    assert ampy.render(src, request=request) == ""
    assert request.redirect == "https://x/1"


def test_redirect_is_refused_in_email_before_anything_runs():
    with pytest.raises(ampy.AmpscriptRuntimeError) as e:
        ampy.render("Hi\n%%[ Redirect('https://example.com') ]%%", context="email")
    assert (e.value.message, e.value.line, e.value.column) == (
        "Redirect is not allowed in email content (10005: needs an HTTP response to act on)", 2, 5)


# ---- IsNullDefault -----------------------------------------------------------------------------

def test_is_null_default():
    src = "[%%=IsNullDefault('x', 'd')=%%][%%=IsNullDefault('', 'd')=%%][%%=IsNullDefault(@unset, 'd')=%%]"
    assert ampy.render(src) == "[x][][]"
    assert ampy.render(src, request=RequestContext(smart_capture=True)) == "[x][d][d]"


# ---- Authenticated* ----------------------------------------------------------------------------

AUTH_SRC = ("%%=AuthenticatedEmployeeID()=%%|%%=AuthenticatedEmployeeNotificationAddress()=%%|"
            "%%=AuthenticatedEmployeeUserName()=%%|%%=AuthenticatedEnterpriseID()=%%|"
            "%%=AuthenticatedMemberID()=%%|%%=AuthenticatedMemberName()=%%")


def test_authenticated_values_from_the_request():
    req = RequestContext(authenticated={"EmployeeID": "42", "EmployeeNotificationAddress": "n@acme.test",
                                        "EmployeeUserName": "ann@acme.test", "EnterpriseID": "7000",
                                        "MemberID": "7001", "MemberName": "Acme EU"})
    assert ampy.render(AUTH_SRC, request=req) == "42|n@acme.test|ann@acme.test|7000|7001|Acme EU"


def test_authenticated_values_fall_back_to_the_account_settings():
    settings = Settings(member_id="5550001", raw={"account": {"member_name": "Acme", "employee_id": "9",
                                                              "employee_username": "dev@acme.test"}})
    assert ampy.render(AUTH_SRC, settings=settings) == \
        "9|notifications@example.com|dev@acme.test|5550001|5550001|Acme"
    # Never empty, even on an anonymous page (catalogue Δ: each returns a value there).
    assert ampy.render(AUTH_SRC, context="email") == \
        "700000001|notifications@example.com|developer@example.com|100000001|100000001|Local Business Unit"
