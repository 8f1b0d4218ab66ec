"""Parse an outbound URL exactly once, into the one structure every later step uses.

The host that is checked, the address that is dialled, the ``Host`` header and the TLS name all
come from this parse, so no second parser can read the URL differently. URLs that parsers are
known to disagree on are refused instead of guessed at: backslashes, user info, control
characters or spaces in the authority, percent-encoded or numeric-but-not-dotted-quad hosts,
ports that are not plain decimal numbers.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import quote

from .errors import HttpDenied

DEFAULT_PORTS = {"http": 80, "https": 443}

_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
# A last label that is a number (decimal, or 0x... hex) makes a WHATWG parser read the whole host
# as an IPv4 address in one of its legacy forms (2130706433, 0x7f.1, 0177.0.0.1).
_NUMERIC_LABEL = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)")
# Characters kept as they are in the request target; everything else is percent-encoded
# (spaces and non-ASCII text, as browsers and requests send them). '%' stays: the script may
# already have encoded its path or query.
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?"


@dataclass(frozen=True)
class Target:
    """One parsed http(s) URL."""

    url: str                         # as the script gave it
    scheme: str                      # "http" or "https"
    host: str                        # lower-case ASCII name, or an IP address without brackets
    port: int
    target: str                      # the request target sent on the request line: path + query
    address: ipaddress.IPv4Address | ipaddress.IPv6Address | None   # when the host is an IP literal

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"

    @property
    def origin(self) -> tuple[str, str, int]:
        return (self.scheme, self.host, self.port)


def parse_url(url: str) -> Target:
    """Split ``url`` into a Target, or raise HttpDenied saying what is wrong with it."""
    if _CONTROL.search(url):
        raise HttpDenied(f"the URL '{_shown(url)}' contains a control character (a line break, tab ...)")
    m = _SCHEME.match(url)
    scheme = m.group(1).lower() if m else ""
    if scheme not in DEFAULT_PORTS:
        raise HttpDenied(f"only http and https URLs can be requested, not '{url}'")
    rest = url[m.end():]
    head = re.split(r"[?#]", rest, maxsplit=1)[0]
    if "\\" in head:
        raise HttpDenied(f"the URL '{url}' contains a backslash; write '/' (or %5C inside the path)")
    if not rest.startswith("//"):
        raise HttpDenied(f"the URL '{url}' has no host (it must start with {scheme}://)")
    rest = rest[2:]
    end = len(rest)
    for mark in "/?#":
        i = rest.find(mark)
        if i != -1:
            end = min(end, i)
    authority, tail = rest[:end], rest[end:]
    host, port = _split_authority(url, authority, scheme)
    address = None
    if host.startswith("["):
        address = _ipv6_literal(url, host)
        host = str(address)
    else:
        host = _name_or_ipv4(url, host)
        try:
            address = ipaddress.IPv4Address(host)
        except ValueError:
            address = None
    tail = tail.split("#", 1)[0]   # the fragment never goes on the wire
    path, mark, query = tail.partition("?")
    target = quote(path or "/", safe=_PATH_SAFE) + (mark + quote(query, safe=_QUERY_SAFE) if mark else "")
    return Target(url, scheme, host, port, target, address)


def _split_authority(url: str, authority: str, scheme: str) -> tuple[str, int]:
    if not authority:
        raise HttpDenied(f"the URL '{url}' has no host")
    if "@" in authority:
        raise HttpDenied(f"the URL '{url}' carries a user name or password (user@host); "
                         "send credentials in a header instead")
    if any(c.isspace() for c in authority):
        raise HttpDenied(f"the host of the URL '{url}' contains a space")
    if "%" in authority:
        raise HttpDenied(f"the host of the URL '{url}' is percent-encoded; write it out")
    if authority.startswith("["):
        close = authority.find("]")
        if close == -1:
            raise HttpDenied(f"the URL '{url}' has an unclosed '[' in its host")
        host, after = authority[:close + 1], authority[close + 1:]
        if after and not after.startswith(":"):
            raise HttpDenied(f"the URL '{url}' has text after its IPv6 address")
        port_text = after[1:] if after else None
    else:
        host, colon, port_text = authority.partition(":")
        if not colon:
            port_text = None
    if not host:
        raise HttpDenied(f"the URL '{url}' has no host")
    if port_text is None:
        return host, DEFAULT_PORTS[scheme]
    if not (port_text.isascii() and port_text.isdigit()) or not 0 < int(port_text) < 65536:
        raise HttpDenied(f"the port '{port_text}' in the URL '{url}' is not a number from 1 to 65535")
    return host, int(port_text)


def _ipv6_literal(url: str, bracketed: str) -> ipaddress.IPv6Address:
    try:
        return ipaddress.IPv6Address(bracketed[1:-1])
    except ValueError:
        raise HttpDenied(f"'{bracketed}' in the URL '{url}' is not an IPv6 address") from None


def _name_or_ipv4(url: str, host: str) -> str:
    """The host as lower-case ASCII: an international name becomes its punycode form."""
    host = host.lower()
    if host.endswith("."):
        host = host[:-1]
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise HttpDenied(f"the host of the URL '{url}' is not a valid international name") from None
    labels = host.split(".")
    if _NUMERIC_LABEL.fullmatch(labels[-1]):
        try:
            return str(ipaddress.IPv4Address(host))
        except ValueError:
            raise HttpDenied(f"the host '{host}' in the URL '{url}' is not a valid IPv4 address; "
                             "write it as four decimal numbers (127.0.0.1), not in hex, octal "
                             "or as one number") from None
    if len(host) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise HttpDenied(f"the host '{host}' in the URL '{url}' is not a valid host name")
    return host


def _shown(url: str) -> str:
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", url)
