"""Account settings a render may consult: time zone, culture, keys, HTTP policy, mail delivery.

A workspace keeps them in ``ampy.toml``; without a workspace the defaults apply. Secrets (key
values, SMTP passwords, API credentials) may be given as ``value_env = "VAR"`` so that the
file holds only a *reference*.
"""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass, field

from .limits import DEFAULT_LIMITS, Limits, limits_from_table


@dataclass
class Settings:
    time_zone: str = "America/Chicago"        # the account's local zone (SystemDateToLocalDate)
    culture: str = "en-US"                    # default culture for formats
    member_id: str = "100000001"              # MID, also %%memberid%%
    # Named keys for EncryptSymmetric/DecryptSymmetric/GetJWTByKeyName: name -> {"type", "value"}
    keys: dict[str, dict] = field(default_factory=dict)
    # HTTP functions: hosts ("api.example.com", "*.example.com"), addresses or networks allowed
    # ("127.0.0.1", "10.0.0.0/8"); empty = deny everything
    http_allow: list[str] = field(default_factory=list)
    http_timeout: float = 10.0
    http_max_bytes: int = 1_000_000
    # Mail delivery for sends: {"host", "port", "username", "password_env", "starttls"}; None = outbox
    smtp: dict | None = None
    limits: Limits = DEFAULT_LIMITS           # [limits]: the resource budget of every render
    raw: dict = field(default_factory=dict)   # the whole parsed file, for sections others own

    def key(self, name: str) -> dict | None:
        """A named key with its value resolved (``value`` or ``value_env``), matched ignoring case."""
        low = name.strip().lower()
        for k, v in self.keys.items():
            if k.lower() == low:
                resolved = dict(v)
                if "value" not in resolved and resolved.get("value_env"):
                    resolved["value"] = os.environ.get(resolved["value_env"], "")
                return resolved
        return None


DEFAULT_SETTINGS = Settings()
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8080"


def public_url(settings: Settings | None) -> str:
    """``[server] public_url``: where ``ampy serve`` answers the links of delivered mail and
    pages (click tracking, social sharing), without a trailing slash."""
    raw = getattr(settings, "raw", None) or {}
    server = raw.get("server", {}) if isinstance(raw, dict) else {}
    url = server.get("public_url") if isinstance(server, dict) else None
    return (url if isinstance(url, str) and url.strip() else DEFAULT_PUBLIC_URL).strip().rstrip("/")


def load_settings(path: str) -> Settings:
    """Settings from an ``ampy.toml``; a missing file gives the defaults, a broken one a ValueError."""
    if not os.path.exists(path):
        return Settings()
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise ValueError(f"{path}: invalid TOML: {e}") from None
    account = _table(data, "account", path)
    http = _table(data, "http", path)
    allow = http.get("allow", [])
    if not isinstance(allow, list) or not all(isinstance(h, str) for h in allow):
        raise ValueError(f"{path}: [http] allow must be a list of host names")
    _check_allow(allow, path)
    keys = _keys(_table(data, "keys", path), path)
    smtp = data.get("smtp")
    if smtp is not None and not isinstance(smtp, dict):
        raise ValueError(f"{path}: [smtp] must be a table")
    return Settings(
        time_zone=str(account.get("time_zone", Settings.time_zone)),
        culture=str(account.get("culture", Settings.culture)),
        member_id=str(account.get("member_id", Settings.member_id)),
        keys=dict(keys),
        http_allow=list(allow),
        http_timeout=_number(http, "timeout", Settings.http_timeout, float, path),
        http_max_bytes=_number(http, "max_bytes", Settings.http_max_bytes, int, path),
        smtp=smtp,
        limits=_limits(data, path),
        raw=data,
    )


def _limits(data: dict, path: str) -> Limits:
    table = _table(data, "limits", path)
    try:
        return limits_from_table(table)
    except ValueError as e:
        raise ValueError(f"{path}: [limits] {e}") from None


def _check_allow(allow: list[str], path: str) -> None:
    """An address or network entry must be well formed (a host name entry needs no check)."""
    from .http.addresses import parse_network

    for entry in allow:
        try:
            parse_network(entry)
        except ValueError as e:
            raise ValueError(f"{path}: [http] allow: {e}") from None


def _table(data: dict, name: str, path: str) -> dict:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise ValueError(f"{path}: [{name}] must be a table")
    return value


def _keys(table: dict, path: str) -> dict:
    """[keys.NAME] tables: each a table whose type, value and value_env are text."""
    for name, key in table.items():
        if not isinstance(key, dict):
            raise ValueError(f"{path}: [keys] {name} must be a table ([keys.{name}] with value or value_env),"
                             f" not {key!r}")
        for field_name in ("type", "value", "value_env"):
            if field_name in key and not isinstance(key[field_name], str):
                raise ValueError(f"{path}: [keys.{name}] {field_name} must be text, not {key[field_name]!r}")
    return dict(table)


def _number(table: dict, key: str, default, kind, path: str):
    value = table.get(key, default)
    # TOML numbers only: a bool is not a count, inf/nan are no limit at all
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{path}: [http] {key} must be a number, not {value!r}")
    if kind is int and value != int(value):
        raise ValueError(f"{path}: [http] {key} must be a whole number, not {value!r}")
    number = kind(value)
    if number <= 0:
        raise ValueError(f"{path}: [http] {key} must be greater than 0")
    return number
