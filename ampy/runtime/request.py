"""The inbound HTTP request a CloudPage render sees (Sites functions read it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit


def _text(value) -> str:
    # A repeated parameter (a list or tuple of values) reads as its values joined by commas,
    # as ASP.NET's NameValueCollection does.
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


def _lower_keys(d) -> dict[str, str]:
    return {str(k).lower(): _text(v) for k, v in (d or {}).items()}


def parse_query_string(query: str) -> dict[str, str]:
    """``a=1&b=x%20y&a=2`` -> {"a": "1,2", "b": "x y"}: names lower-cased, escapes decoded,
    repeated names comma-joined."""
    out: dict[str, str] = {}
    for k, v in parse_qsl(query, keep_blank_values=True):
        key = k.lower()
        out[key] = f"{out[key]},{v}" if key in out else v
    return out


@dataclass
class RequestContext:
    """Query-string and form parameters, headers and the page URL; names are case-insensitive.

    Parameters written into ``url`` after ``?`` are read as query parameters too (decoded);
    ``query`` given explicitly overrides them name by name.
    """

    url: str = "https://cloud.example.com/page"
    method: str = "GET"
    query: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    authenticated: dict[str, str] = field(default_factory=dict)  # Authenticated* microsite values
    smart_capture: bool = False   # the page is a Smart Capture form post (IsNullDefault's default)
    redirect: str | None = None   # the response side: where Redirect() sent the visitor (HTTP 302)
    # Where pages are served when a local server answers the request (``http://127.0.0.1:8080``):
    # CloudPagesURL and MicrositeURL then link there instead of the account's published domain.
    pages_base: str | None = None
    # The raw body of a POST as sent (SSJS's Platform.Request.GetPostData). When not given, a POST's
    # form fields stand for it, URL-encoded as a browser sends them.
    body: bytes | None = None

    def __post_init__(self):
        if self.body is None and self.method.upper() == "POST" and self.form:
            self.body = urlencode([(str(k), _text(v)) for k, v in self.form.items()]).encode("utf-8")
        from_url = parse_query_string(urlsplit(self.url).query) if "?" in self.url else {}
        self.query = {**from_url, **_lower_keys(self.query)}
        self.form = _lower_keys(self.form)
        self.headers = _lower_keys(self.headers)
        self.cookies = _lower_keys(self.cookies)
        self.authenticated = _lower_keys(self.authenticated)

    def query_value(self, name: str) -> str | None:
        """A query-string parameter, or None when absent."""
        return self.query.get(name.strip().lower())

    def param_value(self, name: str) -> str | None:
        """A request parameter the way ASP.NET's ``Request[name]`` finds it: query string, then
        form, then cookies, then the server variable ``PAGEURL``; None when absent."""
        key = name.strip().lower()
        for source in (self.query, self.form, self.cookies):
            if key in source:
                return source[key]
        if key == "pageurl":
            return self.url
        return None
