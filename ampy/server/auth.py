"""Who may call a workspace's server: SOAP users (UsernameToken) and API clients (OAuth2 client
credentials), stored hashed in ``<workspace>/.ampy/users.json``, plus the tokens the server issues.

Passwords and client secrets are never stored: each entry keeps a random salt and an scrypt
digest. ``ampy serve --add-user`` / ``--add-client`` write the file (a new file swapped in whole,
so a reader never sees half of one); a running server notices the change at the next credential
check (it looks at the file's identity, size and mtime, a stat per check) and from then on takes
the new set: a rotated secret's old value is refused, a new user or client is accepted, no restart.
A file that does not read as a users file keeps the previous credentials in force, with a warning.

Tokens live in memory only (a restart logs every client out, as an expired token would) and
expire after ``token_lifetime`` seconds; the clock is injectable so tests need not wait. A token
issued before its client's secret was rotated stays valid until it expires, as on the platform.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import os
import secrets
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

USERS_FILE = os.path.join(".ampy", "users.json")
DEFAULT_TOKEN_LIFETIME = 1080  # seconds, what the real /v2/token answers

log = logging.getLogger("ampy.server")

# scrypt cost: about 30 ms per check on a laptop, which makes offline guessing expensive while a
# verified-credentials cache keeps repeated UsernameToken calls cheap.
_SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1, "dklen": 32}


def users_path(workspace: str) -> str:
    return os.path.join(workspace, USERS_FILE)


def hash_secret(secret: str, salt: bytes | None = None) -> dict:
    """A storable record of ``secret``: algorithm, parameters, salt and digest (hex)."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode("utf-8"), salt=salt, **_SCRYPT)
    return {"algorithm": "scrypt", **{k: v for k, v in _SCRYPT.items() if k != "dklen"},
            "salt": salt.hex(), "hash": digest.hex()}


def verify_secret(secret: str, record: dict) -> bool:
    if record.get("algorithm") != "scrypt":
        return False
    try:
        salt = bytes.fromhex(record["salt"])
        expected = bytes.fromhex(record["hash"])
        digest = hashlib.scrypt(secret.encode("utf-8"), salt=salt, n=int(record["n"]), r=int(record["r"]),
                                p=int(record["p"]), dklen=len(expected))
    except (KeyError, ValueError, TypeError):
        return False
    return hmac.compare_digest(digest, expected)


# ------------------------------------------------------------------------ the users file


def _read(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError:
        return {"users": {}, "clients": {}}
    if not isinstance(data, dict):
        raise TypeError(f"{path} does not hold a JSON object")
    data.setdefault("users", {})
    data.setdefault("clients", {})
    if not isinstance(data["users"], dict) or not isinstance(data["clients"], dict):
        raise TypeError(f"{path}: users and clients must be JSON objects")
    return data


def _write(path: str, data: dict) -> None:
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    # A uniquely named temporary file, flushed to disk, then swapped in: a running server (or a
    # second writer) sees the old file or the new one, never a part of either. mkstemp makes it
    # owner-only: the file holds no secrets, but its digests are still worth guarding.
    fd, temporary = tempfile.mkstemp(prefix=".users.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=2, sort_keys=True)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def add_user(workspace: str, name: str, password: str) -> None:
    """Add (or re-key) a SOAP user of the workspace."""
    if not name or not password:
        raise ValueError("a user needs a name and a password")
    path = users_path(workspace)
    data = _read(path)
    data["users"][name] = hash_secret(password)
    _write(path, data)


def add_client(workspace: str, client_id: str, client_secret: str, account_id: str | None = None) -> None:
    """Add (or re-key) an API client (OAuth2 client credentials) of the workspace."""
    if not client_id or not client_secret:
        raise ValueError("an API client needs an id and a secret")
    path = users_path(workspace)
    data = _read(path)
    data["clients"][client_id] = {**hash_secret(client_secret), "account_id": account_id}
    _write(path, data)


def _signature(path: str) -> tuple | None:
    """What tells one version of the users file from another: a writer swaps in a new file (a new
    inode), and size and mtime catch an edit in place. None while there is no file."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    except OSError:
        return ("unreadable",)
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


# ------------------------------------------------------------------------------ at run time


@dataclass
class IssuedToken:
    token: str
    client_id: str
    expires_at: float


class ServerAuth:
    """Credential checks and token issuing for one running server (thread-safe)."""

    def __init__(self, users: dict | None = None, clients: dict | None = None, *,
                 token_lifetime: int = DEFAULT_TOKEN_LIFETIME, clock: Callable[[], float] = time.monotonic,
                 path: str | None = None):
        self.users = dict(users or {})
        self.clients = dict(clients or {})
        self.token_lifetime = token_lifetime
        self.clock = clock
        self.path = path  # the users file to follow; None: the credentials given are all there is
        self._signature = _signature(path) if path else None
        self._tokens: dict[str, IssuedToken] = {}
        self._verified: set[bytes] = set()
        self._lock = threading.Lock()
        self._reload_lock = threading.Lock()

    @classmethod
    def for_workspace(cls, workspace: str, **kwargs) -> ServerAuth:
        path = users_path(workspace)
        signature = _signature(path)
        data = _read(path)
        auth = cls(data["users"], data["clients"], path=path, **kwargs)
        auth._signature = signature  # taken before the read: a change during it is seen next time
        return auth

    def refresh(self) -> None:
        """Take the users file's current credentials if it changed since they were read. A file
        that does not read as a users file leaves the credentials as they were (with a warning,
        once per version of the file)."""
        if self.path is None:
            return
        signature = _signature(self.path)
        if signature == self._signature:
            return
        with self._reload_lock:
            if signature == self._signature:
                return  # another request reloaded it meanwhile
            self._signature = signature
            try:
                data = _read(self.path)
            except (OSError, TypeError, ValueError) as e:
                reason = str(e).removeprefix(f"{self.path}: ").removeprefix(f"{self.path} ")
                log.warning("ampy serve: %s cannot be read (%s); the previous credentials stay in force",
                            self.path, reason)
                return
            # Whole dicts are swapped, never edited, so a check running meanwhile sees one set.
            self.users, self.clients = dict(data["users"]), dict(data["clients"])
            with self._lock:
                self._verified.clear()
            log.info("ampy serve: credentials reloaded from %s", self.path)

    def _check(self, kind: str, name: str, secret: str) -> bool:
        self.refresh()
        records = self.users if kind == "user" else self.clients
        record = records.get(name)
        if not isinstance(record, dict):
            return False
        if record is None:
            return False
        # Remember successful checks by a keyed digest of the exact credentials, so a client
        # sending its UsernameToken on every call pays scrypt once.
        memo = hashlib.sha256(f"{kind}\0{name}\0{secret}\0{record.get('hash')}".encode()).digest()
        with self._lock:
            if memo in self._verified:
                return True
        if not verify_secret(secret, record):
            return False
        with self._lock:
            self._verified.add(memo)
        return True

    def check_user(self, name: str, password: str) -> bool:
        return self._check("user", name, password)

    def check_client(self, client_id: str, client_secret: str) -> bool:
        return self._check("client", client_id, client_secret)

    def issue_token(self, client_id: str) -> IssuedToken:
        issued = IssuedToken(secrets.token_urlsafe(32), client_id, self.clock() + self.token_lifetime)
        with self._lock:
            now = self.clock()
            for token in [t for t, i in self._tokens.items() if i.expires_at <= now - 3600]:
                del self._tokens[token]  # long-expired tokens need not be remembered as "expired"
            self._tokens[issued.token] = issued
        return issued

    def token_status(self, token: str) -> str:
        """``valid``, ``expired`` (issued here, now past its lifetime) or ``unknown``."""
        with self._lock:
            issued = self._tokens.get(token)
        if issued is None:
            return "unknown"
        return "valid" if self.clock() < issued.expires_at else "expired"
