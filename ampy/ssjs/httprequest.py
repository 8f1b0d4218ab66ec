"""HTTP from SSJS: Core's ``HTTP.Get``/``HTTP.Post`` and ``Script.Util.HttpRequest``/``HttpGet``.

Every request goes through the render's transport, the one AMPscript's HTTPGet uses
(``ampy.http.transport``): the ``[http]`` allowlist, address checks, size cap, per-request
deadline and the render's total HTTP time. A refused URL always throws (a setup problem, never
swallowed by ``continueOnError``), as in AMPscript.

``timeout`` of an HttpRequest is accepted and bounded by ``[http] timeout`` of ampy.toml: the
transport's deadline is the account's, and a script cannot lengthen it.
"""

from __future__ import annotations

import codecs

from ..errors import FunctionError
from ..http.errors import HttpDenied, HttpFailed
from ..http.transport import Response
from .bridge import register_host
from .filters import scalar_text

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
DEFAULT_ENCODING = "windows-1252"   # HttpRequest's documented default for the request body
# send().returnStatus
RETURN_OK, RETURN_EMPTY_URL, RETURN_FAILED, RETURN_EMPTY = 0, 1, 2, 3


@register_host("http")
class HttpHost:
    def __init__(self, render):
        self.render = render

    def _request(self, method: str, url: str, headers: list[tuple[str, str]], body: bytes | None) -> Response:
        return self.render.http.request(method, url, headers, body)

    # ---- Core HTTP ------------------------------------------------------------------------------
    def get(self, url, names=None, values=None) -> dict:
        """HTTP.Get: ``{Status, Content}``; Status 0 when the answer is 2xx, -1 for 404, -2 for
        another failure (as AMPscript HTTPGet's status)."""
        target = _url(url)
        try:
            response = self._request("GET", target, _headers(names, values), None)
        except HttpDenied:
            raise
        except HttpFailed:
            return {"Status": -2, "Content": ""}
        if not 200 <= response.status < 300:
            return {"Status": -1 if response.status == 404 else -2, "Content": response.text}
        return {"Status": 0, "Content": response.text}

    def post(self, url, content_type, body, names=None, values=None) -> dict:
        """HTTP.Post: ``{StatusCode, Response: [body]}``; a failed connection throws."""
        target = _url(url)
        headers = [("Content-Type", scalar_text(content_type))] if content_type else []
        headers += [h for h in _headers(names, values) if not (headers and h[0].lower() == "content-type")]
        response = self._request("POST", target, headers, scalar_text(body or "").encode("utf-8"))
        return {"StatusCode": response.status, "Response": [response.text]}

    # ---- Script.Util.HttpRequest / HttpGet ---------------------------------------------------------
    def send(self, spec) -> dict:
        """One ``send()``: ``spec`` holds the request object's properties (url, method,
        contentType, encoding, postData, retries, continueOnError, emptyContentHandling, headers,
        cached)."""
        if not isinstance(spec, dict):
            raise FunctionError("send() needs the request's properties")
        keep_going = bool(spec.get("continueOnError"))
        url = scalar_text(spec.get("url") or "").strip()
        if not url:
            if keep_going:
                return _answer(0, "", RETURN_EMPTY_URL)
            raise FunctionError("the request's URL is empty")
        method = scalar_text(spec.get("method") or "GET").strip().upper()
        if method not in METHODS:
            raise FunctionError(f"'{method}' is not an HTTP method ({', '.join(METHODS)})")
        mode = _whole(spec.get("emptyContentHandling"), "emptyContentHandling")
        if mode not in (0, 1, 2):
            raise FunctionError(f"emptyContentHandling must be 0, 1 or 2, not {mode}")
        headers = [(scalar_text(k), scalar_text(v)) for k, v in (spec.get("headers") or {}).items()]
        body = None
        if spec.get("postData") is not None and method != "GET":
            body = scalar_text(spec["postData"]).encode(_codec(spec.get("encoding")), errors="replace")
        if spec.get("contentType") and body is not None:
            headers = [("Content-Type", scalar_text(spec["contentType"]))] + [
                h for h in headers if h[0].lower() != "content-type"]
        cache = self.render.context.cache.setdefault("ssjs.httpget", {}) if spec.get("cached") else None
        key = (url, tuple(headers))
        if cache is not None and key in cache:
            return cache[key]
        attempts = 1 + max(_whole(spec.get("retries"), "retries"), 0)
        result: Response | HttpFailed | None = None
        for _ in range(attempts):
            try:
                result = self._request(method, url, headers, body)
            except HttpDenied:
                raise
            except HttpFailed as e:
                result = e
                continue
            if result.status < 500:
                break
        if isinstance(result, HttpFailed):
            if keep_going:
                return _answer(0, "", RETURN_FAILED)
            raise result
        if not 200 <= result.status < 300 and not keep_going:
            raise FunctionError(f"{method} {url} answered HTTP {result.status}")
        text = result.text
        status = RETURN_OK if 200 <= result.status < 300 else RETURN_FAILED
        if text == "" and status == RETURN_OK:
            if mode == 1:
                raise FunctionError(f"{method} {url} returned an empty body")
            if mode == 2:
                from ..functions.utilities import ScriptRaisedError

                raise ScriptRaisedError(f"{method} {url} returned an empty body; subscriber skipped",
                                        True, "", "", False)
            status = RETURN_EMPTY
        answer = _answer(result.status, text, status, result)
        if cache is not None and status == RETURN_OK:
            cache[key] = answer
        return answer


def _answer(code: int, content: str, return_status: int, response: Response | None = None) -> dict:
    headers: dict[str, str] = {}
    for name, value in response.headers if response is not None else ():
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return {"statusCode": code, "content": content,
            "contentType": (response.header("Content-Type") or "") if response is not None else "",
            "headers": headers, "returnStatus": return_status}


def _whole(value, what: str) -> int:
    if value is None or value == "":
        return 0
    try:
        return int(scalar_text(value))
    except ValueError:
        raise FunctionError(f"{what} must be a whole number, not '{scalar_text(value)}'") from None


def _url(value) -> str:
    url = scalar_text(value if value is not None else "").strip()
    if not url:
        raise FunctionError("the URL is empty")
    return url


def _headers(names, values) -> list[tuple[str, str]]:
    names = names if isinstance(names, list) else [] if names is None else [names]
    values = values if isinstance(values, list) else [] if values is None else [values]
    if len(names) != len(values):
        raise FunctionError(f"{len(names)} header name(s) but {len(values)} value(s)")
    return [(scalar_text(n).strip(), scalar_text(v)) for n, v in zip(names, values)]


def _codec(name) -> str:
    encoding = scalar_text(name or DEFAULT_ENCODING).strip() or DEFAULT_ENCODING
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise FunctionError(f"'{encoding}' is not a known encoding") from None
