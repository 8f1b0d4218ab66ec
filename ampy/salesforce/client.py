"""A small Salesforce REST client: an OAuth2 token, then sObject create/update, describe and SOQL.

Requests made (``<v>`` is the configured API version):

- ``POST <login_url>/services/oauth2/token`` with ``grant_type=client_credentials`` (client id and
  secret) or ``grant_type=password`` (plus username and password); the answer's ``access_token``
  and ``instance_url`` are kept until a call answers 401, then a new token is fetched once.
- ``GET /services/data/v<v>/sobjects/<Object>/describe`` (once per object): field names and types;
- ``POST /services/data/v<v>/sobjects/<Object>`` (create, JSON body) → ``{"id": ...}``;
- ``PATCH /services/data/v<v>/sobjects/<Object>/<Id>`` (update, JSON body) → 204;
- ``GET /services/data/v<v>/query?q=<SOQL>`` and every ``nextRecordsUrl`` page.

An error answer (``[{"message", "errorCode"}]``) raises ``SalesforceError`` with its code and message.
"""

from __future__ import annotations

import re
import threading

import requests

from .config import SalesforceConfig


class SalesforceError(Exception):
    """The org refused a request, or could not be reached."""


class SalesforceClient:
    def __init__(self, config: SalesforceConfig, session: requests.Session | None = None):
        self.config = config
        self.http = session or requests.Session()
        self._token: tuple[str, str] | None = None   # (access token, instance URL)
        self._fields: dict[str, dict[str, dict]] = {}
        self._lock = threading.Lock()

    # ---- authentication
    def _login(self) -> tuple[str, str]:
        c = self.config
        form = {"grant_type": c.flow, "client_id": c.client_id, "client_secret": c.client_secret}
        if c.flow == "password":
            form.update(username=c.username, password=c.password)
        try:
            reply = self.http.post(f"{c.login_url}/services/oauth2/token", data=form, timeout=c.timeout)
        except requests.RequestException as e:
            raise SalesforceError(f"cannot reach the Salesforce login URL {c.login_url}: {e}") from None
        try:
            body = reply.json()
        except ValueError:
            body = {}
        if reply.status_code != 200 or not isinstance(body, dict) or not body.get("access_token"):
            detail = body.get("error_description") or body.get("error") if isinstance(body, dict) else None
            raise SalesforceError(f"Salesforce login failed ({reply.status_code}): {detail or reply.text[:200]}")
        return str(body["access_token"]), str(body.get("instance_url") or c.login_url).rstrip("/")

    def _request(self, method: str, path: str, **kwargs) -> requests.Response:
        for attempt in (1, 2):
            with self._lock:
                if self._token is None:
                    self._token = self._login()
                token, instance = self._token
            url = path if path.startswith("http") else instance + path
            try:
                reply = self.http.request(method, url, headers={"Authorization": f"Bearer {token}"},
                                          timeout=self.config.timeout, **kwargs)
            except requests.RequestException as e:
                raise SalesforceError(f"cannot reach the Salesforce org: {e}") from None
            if reply.status_code == 401 and attempt == 1:
                with self._lock:
                    self._token = None   # expired or revoked: log in again, once
                continue
            if reply.status_code >= 400:
                raise SalesforceError(_error_text(reply))
            return reply
        raise SalesforceError(_error_text(reply))

    def _data(self, tail: str) -> str:
        return f"/services/data/v{self.config.api_version}{tail}"

    # ---- operations
    def fields(self, obj: str) -> dict[str, dict]:
        """The object's fields by lower-cased name: ``{"name", "type"}`` (describe, cached)."""
        key = obj.lower()
        if key not in self._fields:
            body = self._request("GET", self._data(f"/sobjects/{obj}/describe")).json()
            self._fields[key] = {str(f["name"]).lower(): {"name": str(f["name"]), "type": str(f.get("type", ""))}
                                 for f in body.get("fields", [])}
        return self._fields[key]

    def create(self, obj: str, values: dict[str, object]) -> str:
        body = self._request("POST", self._data(f"/sobjects/{obj}"), json=values).json()
        return str(body["id"])

    def update(self, obj: str, record_id: str, values: dict[str, object]) -> None:
        self._request("PATCH", self._data(f"/sobjects/{obj}/{record_id}"), json=values)

    def query(self, soql: str) -> list[dict]:
        body = self._request("GET", self._data("/query"), params={"q": soql}).json()
        records = list(body.get("records", []))
        while not body.get("done", True) and body.get("nextRecordsUrl"):
            body = self._request("GET", body["nextRecordsUrl"]).json()
            records.extend(body.get("records", []))
        return records


def _error_text(reply: requests.Response) -> str:
    try:
        body = reply.json()
    except ValueError:
        body = None
    if isinstance(body, list) and body and isinstance(body[0], dict):
        return f"{body[0].get('errorCode', reply.status_code)}: {body[0].get('message', '')}"
    return f"HTTP {reply.status_code}: {reply.text[:200]}"


_NUMERIC = frozenset({"int", "double", "currency", "percent", "long"})
_UNQUOTED = frozenset({"boolean", "date", "datetime", "time"}) | _NUMERIC


_BARE = {
    "number": re.compile(r"-?\d+(\.\d+)?"),
    "date": re.compile(r"\d{4}-\d{2}-\d{2}"),
    "datetime": re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})"),
    "time": re.compile(r"\d{2}:\d{2}:\d{2}(\.\d+)?Z?"),
}
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def soql_literal(value: str, field_type: str) -> str:
    """A value as a SOQL literal for a field of this type: numbers, booleans and dates bare (as
    SOQL wants them, checked so that nothing else reaches the query), everything else a quoted
    string with backslash escapes. A ValueError for a value the field type cannot take."""
    kind = field_type.lower()
    if kind in _UNQUOTED and value.strip():
        text = value.strip()
        if kind == "boolean":
            if text.lower() not in ("true", "false", "1", "0"):
                raise ValueError(f"'{value}' is not a boolean")
            return "true" if text.lower() in ("true", "1") else "false"
        pattern = _BARE["number" if kind in _NUMERIC else kind]
        if not pattern.fullmatch(text):
            raise ValueError(f"'{value}' is not a {kind} value")
        return text
    escaped = value.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("\r", "\\r")
    return f"'{escaped}'"
