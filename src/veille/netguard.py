"""Which network addresses veille may reach: public ones, and the internal hosts an admin names.

Every connection the fetcher opens (first request, redirect, robots.txt) and every webhook an alert
channel posts to is checked against the addresses its host name RESOLVES to, at connect time, and the
connection is made to the checked address (so a DNS answer that changes between check and connect,
"DNS rebinding", cannot slip through). Refused: loopback, private, link-local, shared (CGNAT,
100.64.0.0/10), multicast, unspecified, reserved and cloud metadata addresses, IPv4 addresses carried
inside IPv6 ones included. ``Settings.allowed_internal_hosts`` names the exceptions: host names (all
their addresses are allowed) or IP addresses and CIDR networks.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from functools import lru_cache

from veille.errors import VeilleError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

SETTING = "VEILLE_ALLOWED_INTERNAL_HOSTS"
METADATA = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean, Hetzner...
        "169.254.170.2",  # AWS ECS task metadata
        "169.254.170.23",  # AWS EKS pod identity
        "100.100.100.200",  # Alibaba Cloud
        "192.0.0.192",  # Oracle Cloud (classic)
        "fd00:ec2::254",  # AWS over IPv6
        "fd00:ec2::23",  # AWS EKS pod identity over IPv6
    )
)
SHARED = ipaddress.ip_network("100.64.0.0/10")
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class AddressRefused(VeilleError):
    """A host resolves to an address veille does not connect to (never retried)."""


def address_class(ip: IPAddress) -> str | None:
    """Why ``ip`` is refused ("loopback", "private"...), or None for a public address."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None and (reason := address_class(inner)):
            return reason
    if ip in METADATA:
        return "cloud metadata"
    checks = (
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("shared (CGNAT)", isinstance(ip, ipaddress.IPv4Address) and ip in SHARED),
        ("multicast", ip.is_multicast),
        ("unspecified", ip.is_unspecified),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private),
    )
    for name, hit in checks:
        if hit:
            return name
    return None if ip.is_global else "non-public"


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, Teredo client, NAT64), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _ip(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


class AddressGuard:
    """Checks hosts and addresses against the refused classes and the allowed internal hosts."""

    def __init__(self, allowed: Iterable[str] = ()) -> None:
        self.names: set[str] = set()
        self.networks: list[IPNetwork] = []
        for entry in (e.strip() for e in allowed):
            if not entry:
                continue
            try:
                self.networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                self.names.add(_name(entry))

    def refusal(self, ip: IPAddress) -> str | None:
        """Why ``ip`` may not be reached, or None."""
        candidates = [ip]
        if isinstance(ip, ipaddress.IPv6Address) and (inner := _embedded_ipv4(ip)) is not None:
            candidates.append(inner)
        if any(c in net for c in candidates for net in self.networks if c.version == net.version):
            return None
        return address_class(ip)

    def _refuse(self, host: str, ip: IPAddress, reason: str) -> AddressRefused:
        shown = host if host == str(ip) else f"{host} ({ip})"
        article = "an" if reason[0] in "aeiou" else "a"
        return AddressRefused(
            f"refused to connect to {shown}: {article} {reason} address ({SETTING} names the internal "
            "hosts veille may reach)"
        )

    def checked(self, host: str, addresses: Iterable[str]) -> list[str]:
        """``addresses`` (resolved from ``host``) if every one may be reached; raises AddressRefused."""
        kept: list[str] = []
        for text in addresses:
            ip = _ip(text)
            if ip is None:
                raise AddressRefused(f"{host} resolved to {text!r}, not an IP address")
            reason = self.refusal(ip)
            if reason:
                raise self._refuse(host, ip, reason)
            if text not in kept:
                kept.append(text)
        return kept

    def literal(self, host: str) -> list[str] | None:
        """[host] when no resolution is needed (an allowed name, or a checked IP literal), else None."""
        if _name(host) in self.names:
            return [host]
        ip = _ip(host)
        if ip is None:
            return None
        return self.checked(host, [str(ip)])

    async def resolve(self, host: str, port: int) -> list[str]:
        """The addresses to connect to for ``host``, each checked (OSError when it does not resolve)."""
        known = self.literal(host)
        if known is not None:
            return known
        return self.checked(host, await self.lookup(host, port))

    def resolve_now(self, host: str, port: int) -> list[str]:
        """``resolve`` without an event loop (for alert channels, which send from worker threads)."""
        known = self.literal(host)
        if known is not None:
            return known
        return self.checked(host, self.lookup_now(host, port))

    async def lookup(self, host: str, port: int) -> list[str]:
        """Every address ``host`` resolves to (the system resolver; tests put another in its place)."""
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        return [str(info[4][0]) for info in infos]

    def lookup_now(self, host: str, port: int) -> list[str]:
        """``lookup`` without an event loop."""
        return [str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def _name(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


@lru_cache(maxsize=64)
def guard_for(allowed: tuple[str, ...]) -> AddressGuard:
    """One guard per allow list (``Settings.allowed_internal_hosts``)."""
    return AddressGuard(allowed)
