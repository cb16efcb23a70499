"""The address of the browser behind a request, for the login rate limit and the audit log.

Behind nginx every connection comes from the proxy, so the console would put every caseworker in
one rate-limit bucket. The proxy writes the client's address into ``X-Real-IP`` (overwriting
whatever the client sent); that header is believed only when the connection itself comes from a
configured trusted proxy (``CONSOLE_TRUSTED_PROXIES``). From anywhere else it is ignored, so a
client that sends it directly gains nothing.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
REAL_IP_HEADER = "x-real-ip"


def parse_networks(value: str) -> tuple[Network, ...]:
    """``"127.0.0.1, 10.0.0.0/8"`` → networks; raises ValueError on a malformed entry."""
    return tuple(
        ipaddress.ip_network(part.strip(), strict=False) for part in value.split(",") if part.strip()
    )


def _address(value: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address((value or "").strip())
    except ValueError:
        return None


def client_address(peer: str | None, headers: dict | object, trusted: Iterable[Network]) -> str:
    """``peer`` (the connection's address), or the proxy's ``X-Real-IP`` when ``peer`` is a trusted proxy."""
    peer_address = _address(peer)
    if peer_address is None:
        return peer or "?"
    if any(peer_address in network for network in trusted):
        forwarded = _address(headers.get(REAL_IP_HEADER))  # type: ignore[attr-defined]
        if forwarded is not None:
            return str(forwarded)
    return str(peer_address)
