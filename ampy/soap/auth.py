"""Credentials for a real tenant (or ``ampy serve``) and the SOAP headers that carry them.

Where credentials come from — never from a script or ``ampy.toml``:

- environment variables: ``AMPY_CLIENT_ID``, ``AMPY_CLIENT_SECRET``, ``AMPY_ACCOUNT_ID`` (MID),
  ``AMPY_SUBDOMAIN`` or ``AMPY_AUTH_URL`` + ``AMPY_SOAP_URL``; for the legacy WS-Security login
  ``AMPY_USERNAME`` + ``AMPY_PASSWORD`` (with ``AMPY_SOAP_URL``/``AMPY_SUBDOMAIN``);
- a credentials file outside the workspace: ``$AMPY_CREDENTIALS`` or
  ``~/.config/ampy/credentials.toml``, one table per named profile::

      [profiles.sandbox]
      subdomain = "mc563885gzs27c5t9-63k636ttgm"
      client_id = "..."
      client_secret = "..."
      account_id = "123456"

  Keys: ``client_id``, ``client_secret``, ``account_id``, ``scope``, ``subdomain``, ``auth_url``,
  ``soap_url``, ``username``, ``password``, ``timeout``. A bare ``[sandbox]`` table works too.

A named profile is read from the file; without one the environment is used when it names a
client or user, else the file's ``default`` profile.

``OAuthSession`` fetches client-credentials tokens from ``/v2/token``, caches them, refreshes a
few minutes before expiry, and is told by the client to drop a token the server calls expired.
The token answer's ``soap_instance_url`` and ``rest_instance_url`` are kept (the REST one serves
Content Builder assets such as images).
"""

from __future__ import annotations

import os
import threading
import time
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from lxml import etree

from ..backends.base import BackendError
from .codec import WSSE_NS, fueloauth_header

PASSWORD_TEXT = ("http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
                 "#PasswordText")
_FIELDS = ("client_id", "client_secret", "account_id", "scope", "subdomain", "auth_url", "soap_url",
           "username", "password", "timeout")


class CredentialsError(BackendError):
    """No usable credentials, or the token endpoint refused them."""


@dataclass
class TenantCredentials:
    client_id: str | None = None
    client_secret: str | None = None
    account_id: str | None = None
    scope: str | None = None
    auth_url: str | None = None      # base (https://SUB.auth.marketingcloudapis.com) or the /v2/token URL
    soap_url: str | None = None      # base or the full .../Service.asmx URL; OAuth may supply it
    username: str | None = None
    password: str | None = None
    timeout: float | None = None
    source: str = ""                 # where they came from, for error messages

    @property
    def uses_oauth(self) -> bool:
        return bool(self.client_id)

    @property
    def token_url(self) -> str:
        base = (self.auth_url or "").rstrip("/")
        return base if base.endswith("/v2/token") else base + "/v2/token"

    @property
    def endpoint(self) -> str | None:
        return soap_endpoint(self.soap_url) if self.soap_url else None


def soap_endpoint(url: str) -> str:
    """``https://host/`` → ``https://host/Service.asmx``; a URL naming the .asmx stays as is."""
    url = url.strip()
    return url if url.lower().endswith(".asmx") else url.rstrip("/") + "/Service.asmx"


def _complete(values: Mapping[str, object], source: str) -> TenantCredentials:
    fields = {k: (str(v) if v is not None and k != "timeout" else v)
              for k, v in values.items() if k in _FIELDS}
    subdomain = fields.pop("subdomain", None)
    if subdomain:
        fields.setdefault("auth_url", f"https://{subdomain}.auth.marketingcloudapis.com")
        fields.setdefault("soap_url", f"https://{subdomain}.soap.marketingcloudapis.com/Service.asmx")
    if fields.get("timeout") is not None:
        fields["timeout"] = float(fields["timeout"])
    creds = TenantCredentials(**fields, source=source)
    if creds.uses_oauth:
        if not creds.client_secret or not creds.auth_url:
            raise CredentialsError(f"{source}: a client id needs a client secret and a subdomain or auth URL")
    elif creds.username:
        if creds.password is None or not creds.soap_url:
            raise CredentialsError(f"{source}: a username needs a password and a subdomain or SOAP URL")
    else:
        raise CredentialsError(f"{source}: no client id or username")
    return creds


def default_credentials_file(environ: Mapping[str, str] = os.environ) -> str:
    if environ.get("AMPY_CREDENTIALS"):
        return environ["AMPY_CREDENTIALS"]
    config = environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(config, "ampy", "credentials.toml")


def _inside(path: str, folder: str) -> bool:
    path, folder = os.path.realpath(path), os.path.realpath(folder)
    return os.path.commonpath([path, folder]) == folder


def load_credentials(profile: str | None = None, *, workspace: str | None = None,
                     environ: Mapping[str, str] = os.environ) -> TenantCredentials:
    """The credentials of ``profile`` (see the module docs for the lookup order)."""
    if profile is None and (environ.get("AMPY_CLIENT_ID") or environ.get("AMPY_USERNAME")):
        values = {name: environ.get(f"AMPY_{name.upper()}") for name in _FIELDS}
        return _complete({k: v for k, v in values.items() if v}, "environment")
    path = default_credentials_file(environ)
    if workspace and _inside(path, workspace):
        raise CredentialsError(f"credentials file {path} is inside the workspace; keep secrets out of it")
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise CredentialsError(
            "no tenant credentials: set AMPY_CLIENT_ID, AMPY_CLIENT_SECRET and AMPY_SUBDOMAIN "
            f"(or AMPY_AUTH_URL/AMPY_SOAP_URL), or add a profile to {path}") from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CredentialsError(f"cannot read {path}: {exc}") from None
    name = profile or "default"
    table = (data.get("profiles") or {}).get(name, data.get(name))
    if not isinstance(table, dict):
        raise CredentialsError(f"{path} has no profile '{name}'")
    return _complete(table, f"{path} [{name}]")


# --------------------------------------------------------------------------- OAuth 2.0


class OAuthSession:
    """Client-credentials tokens for one API client, shared by every call (thread-safe)."""

    def __init__(self, creds: TenantCredentials, http, *, timeout: float = 30.0,
                 refresh_margin: float = 300.0, clock: Callable[[], float] = time.monotonic):
        self.creds = creds
        self.http = http                 # a requests.Session (zeep's transport session)
        self.timeout = timeout
        self.refresh_margin = refresh_margin
        self.clock = clock
        self.soap_instance_url: str | None = None
        self.rest_instance_url: str | None = None   # Content Builder assets (REST) live here
        self._token: str | None = None
        self._refresh_at = 0.0
        self._lock = threading.Lock()

    def token(self) -> str:
        with self._lock:
            if self._token is None or self.clock() >= self._refresh_at:
                self._fetch()
            return self._token

    def invalidate(self, token: str) -> None:
        """The server called ``token`` expired: the next ``token()`` fetches a new one."""
        with self._lock:
            if self._token == token:
                self._token = None

    def headers(self) -> list[etree._Element]:
        return [fueloauth_header(self.token())]

    def _fetch(self) -> None:
        import requests

        payload = {"grant_type": "client_credentials", "client_id": self.creds.client_id,
                   "client_secret": self.creds.client_secret}
        if self.creds.account_id:
            payload["account_id"] = self.creds.account_id
        if self.creds.scope:
            payload["scope"] = self.creds.scope
        try:
            reply = self.http.post(self.creds.token_url, json=payload, timeout=self.timeout)
        except requests.RequestException as exc:
            from .reasons import network_reason

            raise CredentialsError(f"cannot reach the token endpoint {self.creds.token_url}: "
                                   f"{network_reason(exc)}") from None
        try:
            data = reply.json()
        except ValueError:
            data = {}
        if reply.status_code != 200 or not data.get("access_token"):
            reason = data.get("error_description") or data.get("error") or f"HTTP {reply.status_code}"
            raise CredentialsError(f"the token endpoint refused the client credentials: {reason}")
        lifetime = float(data.get("expires_in") or 1080)
        # Refresh a few minutes early; for short-lived tokens, after three quarters of their life.
        margin = min(self.refresh_margin, lifetime / 4)
        self._token = data["access_token"]
        self._refresh_at = self.clock() + lifetime - margin
        self.soap_instance_url = data.get("soap_instance_url") or self.soap_instance_url
        self.rest_instance_url = data.get("rest_instance_url") or self.rest_instance_url


class UsernameTokenLogin:
    """The legacy WS-Security login: a UsernameToken with a PasswordText password on every call."""

    def __init__(self, username: str, password: str):
        self.username = username
        self.password = password
        self.soap_instance_url = None
        self.rest_instance_url = None   # no OAuth token: no REST API

    def headers(self) -> list[etree._Element]:
        return [username_token_header(self.username, self.password)]

    def invalidate(self, token: str) -> None:
        """Nothing cached to drop."""


def username_token_header(username: str, password: str) -> etree._Element:
    security = etree.Element(f"{{{WSSE_NS}}}Security", nsmap={"wsse": WSSE_NS})
    token = etree.SubElement(security, f"{{{WSSE_NS}}}UsernameToken")
    etree.SubElement(token, f"{{{WSSE_NS}}}Username").text = username
    element = etree.SubElement(token, f"{{{WSSE_NS}}}Password")
    element.set("Type", PASSWORD_TEXT)
    element.text = password
    return element.getparent().getparent()
