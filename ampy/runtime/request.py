"""The inbound HTTP request a CloudPage render sees (Sites functions read it)."""

from __future__ import annotations

from dataclasses import dataclass, field


def _lower_keys(d) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in (d or {}).items()}


@dataclass
class RequestContext:
    """Query-string and form parameters, headers and the page URL; names are case-insensitive."""

    url: str = "https://cloud.example.com/page"
    method: str = "GET"
    query: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    authenticated: dict[str, str] = field(default_factory=dict)  # Authenticated* microsite values

    def __post_init__(self):
        self.query = _lower_keys(self.query)
        self.form = _lower_keys(self.form)
        self.headers = _lower_keys(self.headers)
        self.cookies = _lower_keys(self.cookies)
        self.authenticated = _lower_keys(self.authenticated)
