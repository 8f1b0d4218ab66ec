"""Which IP addresses a render may connect to, and how host names become addresses.

Only public (globally routable) addresses are reachable by default. Loopback, private, link-local,
multicast, reserved, unspecified and carrier-grade-NAT addresses are refused, and so are the IPv6
forms that carry one of them inside (IPv4-mapped, 6to4, NAT64, Teredo) — unless that exact address
or a network containing it is on the ``[http] allow`` list.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# resolve(host, port) -> the addresses (as text) the name stands for
Resolver = Callable[[str, int], Iterable[str]]

_CGNAT = ipaddress.IPv4Network("100.64.0.0/10")
_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))


def system_resolve(host: str, port: int) -> list[str]:
    """The operating system's answer for ``host`` (every address, IPv4 and IPv6)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [info[4][0] for info in infos]


def canonical(ip: IPAddress) -> IPAddress:
    """An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is the IPv4 address it maps: it is checked,
    allowlisted and dialled as that address."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def forbidden_kind(ip: IPAddress) -> str | None:
    """Why ``ip`` is not a public address ("a loopback address", ...), or None when it is."""
    ip = canonical(ip)
    if isinstance(ip, ipaddress.IPv6Address):
        for form, inner in _embedded_ipv4(ip):
            kind = forbidden_kind(inner)
            if kind:
                return f"{form} of {kind} ({inner})"
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT:
        return "a shared (carrier-grade NAT) address"
    if ip.is_reserved:
        return "a reserved address"
    if ip.is_private:
        return "a private address"
    if not ip.is_global:
        return "a non-public address"
    return None


def _embedded_ipv4(ip: ipaddress.IPv6Address):
    if ip.sixtofour is not None:
        yield "a 6to4 form", ip.sixtofour
    if ip.teredo is not None:
        yield "a Teredo form", ip.teredo[1]
    if any(ip in net for net in _NAT64):
        yield "a NAT64 form", ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)


class AllowList:
    """The ``[http] allow`` entries: host names (``api.example.com``), sub-domain wildcards
    (``*.example.com``, which does not match ``example.com`` itself), IP addresses (``127.0.0.1``,
    ``::1``) and networks (``10.0.0.0/8``).

    A name entry lets a script *ask* for that host; the addresses it resolves to must still be
    public unless they are allowlisted too. An address or network entry allows that address both
    as a URL host and as the place a name resolves to.
    """

    def __init__(self, entries: Iterable[str] = ()):
        self.names: set[str] = set()
        self.suffixes: list[str] = []      # ".example.com" for "*.example.com"
        self.networks: list[IPNetwork] = []
        for raw in entries:
            entry = (raw or "").strip().lower().rstrip(".")
            if not entry:
                continue
            network = parse_network(entry)
            if network is not None:
                self.networks.append(network)
            elif entry.startswith("*."):
                self.suffixes.append(entry[1:])
            else:
                self.names.add(entry)

    def host_allowed(self, host: str) -> bool:
        """May a script ask for this host (a name, or an address literal)?"""
        host = host.lower().rstrip(".")
        if host in self.names:
            return True
        if any(host.endswith(s) and len(host) > len(s) for s in self.suffixes):
            return True
        try:
            return self.address_allowed(ipaddress.ip_address(host))
        except ValueError:
            return False

    def address_allowed(self, ip: IPAddress) -> bool:
        """Is this exact address (or a network around it) allowlisted?"""
        ip = canonical(ip)
        return any(ip.version == net.version and ip in net for net in self.networks)


def parse_network(entry: str) -> IPNetwork | None:
    """An allow entry as an address or network; None when it is a host name. A malformed
    network (``10.0.0.1/8``, ``1.2.3.4/40``) raises ValueError with a message for the user."""
    text = entry.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if "/" not in text:
        try:
            return ipaddress.ip_network(canonical(ipaddress.ip_address(text)))
        except ValueError:
            return None
    address = text.partition("/")[0]
    try:
        ipaddress.ip_address(address)
    except ValueError:
        raise ValueError(f"'{entry}' is not a host name, an address or a network") from None
    try:
        return ipaddress.ip_network(text)
    except ValueError as e:
        raise ValueError(f"'{entry}' is not a valid address or network ({e})") from None
