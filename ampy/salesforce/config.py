"""``[salesforce]`` in ampy.toml: how to reach a real org.

::

    [salesforce]
    login_url = "https://login.salesforce.com"   # or test.salesforce.com, a My Domain URL
    flow = "client_credentials"                  # or "password"
    client_id = "3MVG9..."
    client_secret_env = "SF_CLIENT_SECRET"       # or client_secret = "..."
    username = "api@example.com"                 # password flow only
    password_env = "SF_PASSWORD"                 # password flow only (password = "..." also works)
    security_token_env = "SF_TOKEN"              # password flow, appended to the password
    api_version = "59.0"
    timeout = 30

Without the table (or with it empty) the functions use the local CSV stand-in.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

FLOWS = ("client_credentials", "password")
DEFAULT_LOGIN_URL = "https://login.salesforce.com"
DEFAULT_API_VERSION = "59.0"


class SalesforceConfigError(ValueError):
    """``[salesforce]`` is not what this module documents."""


@dataclass(frozen=True)
class SalesforceConfig:
    login_url: str
    flow: str
    client_id: str
    client_secret: str
    username: str = ""
    password: str = ""
    api_version: str = DEFAULT_API_VERSION
    timeout: float = 30.0


def _secret(table: dict, name: str) -> str:
    value = table.get(name)
    if value is None and table.get(f"{name}_env"):
        value = os.environ.get(str(table[f"{name}_env"]), "")
    if value is not None and not isinstance(value, str):
        raise SalesforceConfigError(f"[salesforce] {name} must be text")
    return value or ""


def config_from_settings(raw: dict) -> SalesforceConfig | None:
    """The org configured in a parsed ampy.toml, or None when there is no ``[salesforce]`` table."""
    table = raw.get("salesforce") if isinstance(raw, dict) else None
    if not table:
        return None
    if not isinstance(table, dict):
        raise SalesforceConfigError("[salesforce] must be a table")
    flow = str(table.get("flow", "client_credentials")).strip().lower()
    if flow not in FLOWS:
        raise SalesforceConfigError(f"[salesforce] flow must be one of {', '.join(FLOWS)}, not '{flow}'")
    client_id = str(table.get("client_id", "")).strip()
    if not client_id:
        raise SalesforceConfigError("[salesforce] needs client_id")
    username = str(table.get("username", "")).strip()
    password = _secret(table, "password") + _secret(table, "security_token")
    if flow == "password" and not (username and password):
        raise SalesforceConfigError("[salesforce] flow = \"password\" needs username and password (or password_env)")
    timeout = table.get("timeout", 30)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        raise SalesforceConfigError("[salesforce] timeout must be a number of seconds greater than 0")
    version = str(table.get("api_version", DEFAULT_API_VERSION)).strip().lstrip("vV")
    return SalesforceConfig(login_url=str(table.get("login_url", DEFAULT_LOGIN_URL)).strip().rstrip("/"),
                            flow=flow, client_id=client_id, client_secret=_secret(table, "client_secret"),
                            username=username, password=password, api_version=version, timeout=float(timeout))
