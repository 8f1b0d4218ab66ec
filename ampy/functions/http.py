"""HTTP builtins (9): outbound GET/POST through the account's HTTP policy, inbound request
headers, URL helpers. Every request goes through ``ampy.http.transport`` (one pluggable
transport: URL, host allowlist and address checked at every hop, a deadline per request, the
render's total HTTP time, a size cap). continueOnError and retries cover failed requests
(HttpFailed), never a refused URL (HttpDenied) or a used-up render budget."""

from __future__ import annotations

import re

from ..errors import FunctionError
from ..http.errors import HttpDenied, HttpFailed
from ..http.transport import Response, transport_for
from ..registry import NOT_EMAIL, builtin
from ..runtime.rowsets import Row, Rowset
from ..runtime.values import is_empty, to_bool, to_int, to_text
from ._args import pairs

CAT = "HTTP"

# HTTPGet @status codes (catalogue)
STATUS_OK, STATUS_NOT_FOUND, STATUS_FAILED, STATUS_EMPTY = 0, -1, -2, -3
# What the POST family returns when no HTTP answer arrived at all (connection failed, timeout)
NO_RESPONSE = -1


def _url(value) -> str:
    url = to_text(value).strip()
    if not url:
        raise FunctionError("the URL is empty")
    return url


def _flag(value, default: bool) -> bool:
    return default if value is None else to_bool(value)


def _ok(status: int) -> bool:
    return 200 <= status < 300


def _describe(method: str, url: str, response: Response) -> str:
    return f"{method} {url} answered HTTP {response.status}"


@builtin("HTTPGet", min_args=1, max_args=4, category=CAT, needs_context=True, out_params=(3,),
         signature="HTTPGet(url, [continueOnError], [emptyContentHandling], [@status])")
def http_get(ctx, url, continue_on_error=None, empty_handling=None, status=None):
    """The body of a GET; @status gets 0 OK, -1 not found, -2 failed, -3 empty body."""
    target = _url(url)
    keep_going = _flag(continue_on_error, False)
    mode = 0 if empty_handling is None or to_text(empty_handling) == "" else to_int(empty_handling,
                                                                                   "empty content handling")
    if mode not in (0, 1, 2):
        raise FunctionError(f"emptyContentHandling must be 0 (allow), 1 (error) or 2 (skip), not {mode}")

    def give(code: int, text: str = "") -> str:
        if status is not None:
            status.set(ctx, code)
        return text

    try:
        response = transport_for(ctx).request("GET", target, [], None)
    except HttpDenied:
        raise   # a policy refusal is a setup problem, never silently swallowed
    except HttpFailed:
        if keep_going:
            return give(STATUS_FAILED)
        raise
    if not _ok(response.status):
        if keep_going:
            return give(STATUS_NOT_FOUND if response.status == 404 else STATUS_FAILED)
        raise FunctionError(_describe("GET", target, response))
    text = response.text
    if text == "":
        if mode == 1:
            raise FunctionError(f"GET {target} returned an empty body")
        if mode == 2:
            from .utilities import ScriptRaisedError

            raise ScriptRaisedError(f"GET {target} returned an empty body; subscriber skipped",
                                    True, "", "", False)
        return give(STATUS_EMPTY)
    return give(STATUS_OK, text)


def _headers(args) -> list[tuple[str, str]]:
    out = []
    for name, value in pairs(args, "header name/value"):
        name = name.strip()
        if not name:
            raise FunctionError("a header name is empty")
        if any(c in name for c in "\r\n:") or any(c in to_text(value) for c in "\r\n"):
            raise FunctionError(f"the header '{name}' contains a line break or a colon")
        out.append((name, to_text(value)))
    return out


def _post(ctx, url, content_type, body, extra_headers, attempts: int = 1):
    """One POST (retried on failure or a 5xx answer when ``attempts`` > 1). Returns the response,
    or the HttpFailed of the last attempt."""
    target = _url(url)
    # The contentType argument wins over a Content-Type given again as a header pair.
    headers = [("Content-Type", to_text(content_type))] if to_text(content_type) else []
    headers += [h for h in extra_headers if not (headers and h[0].lower() == "content-type")]
    payload = to_text(body).encode("utf-8")
    transport = transport_for(ctx)
    result: Response | HttpFailed | None = None
    for _ in range(max(attempts, 1)):
        try:
            result = transport.request("POST", target, headers, payload)
        except HttpFailed as e:
            result = e
            continue
        if result.status < 500:
            break
    return target, result


def _header_rowset(response: Response) -> Rowset:
    return Rowset(Row(("Name", "Value"), (k, v)) for k, v in response.headers)


def _post2(ctx, url, content_type, body, exception_on_error, response_ref, headers_ref, header_args,
           attempts: int = 1):
    raise_errors = _flag(exception_on_error, True)
    target, result = _post(ctx, url, content_type, body, _headers(header_args), attempts)
    if isinstance(result, HttpFailed):
        if raise_errors:
            raise result
        if response_ref is not None:
            response_ref.set(ctx, "")
        if headers_ref is not None:
            headers_ref.set(ctx, Rowset())
        return NO_RESPONSE
    if response_ref is not None:
        response_ref.set(ctx, result.text)
    if headers_ref is not None:
        headers_ref.set(ctx, _header_rowset(result))
    if raise_errors and not _ok(result.status):
        raise FunctionError(_describe("POST", target, result))
    return result.status


@builtin("HTTPPost", min_args=3, max_args=None, category=CAT, needs_context=True, out_params=(3,),
         signature="HTTPPost(url, contentType, body, [@response], [headerName, headerValue]...)")
def http_post(ctx, url, content_type, body, response_ref=None, *header_args):
    """POSTs the body and returns the HTTP status; @response gets the response body; a non-2xx
    answer aborts."""
    target, result = _post(ctx, url, content_type, body, _headers(header_args))
    if isinstance(result, HttpFailed):
        raise result
    if response_ref is not None:
        response_ref.set(ctx, result.text)
    if not _ok(result.status):
        raise FunctionError(_describe("POST", target, result))
    return result.status


@builtin("HTTPPost2", min_args=3, max_args=None, category=CAT, needs_context=True, out_params=(4, 5),
         signature="HTTPPost2(url, contentType, body, [exceptionOnError], [@response], [@responseHeaders], "
                   "[headerName, headerValue]...)")
def http_post2(ctx, url, content_type, body, exception_on_error=None, response_ref=None, headers_ref=None,
               *header_args):
    """POSTs and returns the HTTP status; @response gets the body, @responseHeaders a Name/Value
    rowset; with exceptionOnError false a failure returns its status instead of aborting."""
    return _post2(ctx, url, content_type, body, exception_on_error, response_ref, headers_ref, header_args)


@builtin("HTTPPostWithRetry", min_args=3, max_args=None, category=CAT, needs_context=True, out_params=(6, 7),
         signature="HTTPPostWithRetry(url, contentType, body, [retries], [reschedule], [exceptionOnError], "
                   "[@response], [@responseHeaders], [headerName, headerValue]...)")
def http_post_with_retry(ctx, url, content_type, body, retries=None, reschedule=None, exception_on_error=None,
                         response_ref=None, headers_ref=None, *header_args):
    """HTTPPost2 that retries a failed attempt or a 5xx answer (3 retries by default)."""
    n = 3 if retries is None or to_text(retries) == "" else to_int(retries, "retry count")
    if n < 0:
        raise FunctionError(f"the retry count must not be negative, not {n}")
    # reschedule (retry 15 minutes later) only means something inside a send job; outside one the
    # attempts below are all there is.
    to_bool(reschedule)
    return _post2(ctx, url, content_type, body, exception_on_error, response_ref, headers_ref, header_args,
                  attempts=1 + n)


@builtin("HTTPRequestHeader", min_args=1, max_args=1, category=CAT, needs_context=True,
         contexts=NOT_EMAIL, context_error="10004: needs an inbound HTTP request",
         signature="HTTPRequestHeader(headerName)")
def http_request_header(ctx, name):
    """A header of the inbound page request (any header, name in any case); '' when absent."""
    key = to_text(name).strip().lower()
    if not key:
        raise FunctionError("the header name is empty")
    request = ctx.request
    if request is None:
        return ""
    return request.headers.get(key, "")


# Compact-HTML (i-mode style) feature phones: NTT DoCoMo i-mode, KDDI/au (UP.Browser), i-mode abroad.
_CHTML_AGENTS = re.compile(r"docomo/|kddi-|up\.browser|portalmmm|i-mode|\bimode\b", re.IGNORECASE)


@builtin("IsCHTMLBrowser", min_args=1, max_args=1, category=CAT, contexts=NOT_EMAIL,
         context_error="10004: non-sendable content only", signature="IsCHTMLBrowser(userAgent)")
def is_chtml_browser(user_agent):
    """True for compact-HTML feature-phone user agents (i-mode, KDDI); an empty value aborts."""
    if is_empty(user_agent) or to_text(user_agent).strip() == "":
        raise FunctionError("the user agent is empty")
    return _CHTML_AGENTS.search(to_text(user_agent)) is not None


@builtin("RedirectTo", min_args=1, max_args=1, category=CAT, signature="RedirectTo(url)",
         local="returns the URL; in the local cloud's sends every HTML link is click-tracked through ampy serve.",
         soap="returns the URL; the tenant tracks links in its own sends.")
def redirect_to(url):
    """Marks a URL from a variable as a tracked link in a send; returns it unchanged."""
    return to_text(url)


@builtin("WrapLongURL", min_args=1, max_args=1, category=CAT, signature="WrapLongURL(url)",
         local="returns the URL; in the local cloud's sends every HTML link is click-tracked through ampy serve.",
         soap="returns the URL; the tenant tracks links in its own sends.")
def wrap_long_url(url):
    """Shortens long links only during a real send; here the URL comes back unchanged."""
    return to_text(url)


_URL = re.compile(r"^https?://", re.IGNORECASE)
# .NET HttpUtility.UrlEncode leaves these alone; everything else is %xx (lowercase), space is '+'.
_URL_SAFE = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.!*()")


def encode_all(text: str) -> str:
    """HttpUtility.UrlEncode: UTF-8 bytes, lowercase escapes, space as '+'."""
    out = []
    for b in text.encode("utf-8"):
        if b in _URL_SAFE:
            out.append(chr(b))
        elif b == 0x20:
            out.append("+")
        else:
            out.append(f"%{b:02x}")
    return "".join(out)


def _encode_query(query: str) -> str:
    # Names and values are encoded; '&' and '=' stay, so the query keeps its shape.
    return "&".join("=".join(encode_all(p) for p in part.split("=", 1)) for part in query.split("&"))


@builtin("URLEncode", min_args=1, max_args=3, category=CAT,
         signature="URLEncode(value, [encodeAllChars], [encodeAllStrings])")
def url_encode(value, encode_all_chars=None, encode_all_strings=None):
    """Spaces in a URL's query become %20; with encodeAllChars reserved characters become %xx and
    spaces '+'; text that is not an http(s) URL changes only with encodeAllStrings (rule 35)."""
    text = to_text(value)
    all_chars = to_bool(encode_all_chars)
    if _URL.match(text):
        base, mark, query = text.partition("?")
        if not mark:
            return text
        return base + "?" + (_encode_query(query) if all_chars else query.replace(" ", "%20"))
    if not to_bool(encode_all_strings):
        return text
    return encode_all(text) if all_chars else text.replace(" ", "%20")
