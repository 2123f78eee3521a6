"""Whose address a request comes from, behind trusted reverse proxies.

The one rule, shared by the API routes and the pages' event handlers: the direct peer is the
client unless it is a trusted proxy (TRUSTED_PROXIES). Then the forwarding header the proxies
write (`X-Forwarded-For`, or RFC 7239 `Forwarded` when TRUSTED_PROXY_HEADER says so) is walked
from right to left, skipping trusted hops; the first hop that is not trusted is the client. A
client can write anything into the header, but only to the left of what the proxies append, so
a forged entry is never reached while a real untrusted hop stands to its right.

Pure functions over strings: no HTTP framework, no settings.
"""

import ipaddress
from collections.abc import Iterable, Sequence
from typing import Literal

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
ForwardingHeader = Literal["x-forwarded-for", "forwarded"]
UNKNOWN = "unknown"


def parse_networks(value: str) -> tuple[Network, ...]:
    """The comma-separated addresses and CIDR networks in `value`; ValueError naming the first
    entry that is neither."""
    networks: list[Network] = []
    for entry in (part.strip() for part in value.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError as error:
            raise ValueError(f"not an address or CIDR network: {entry!r}") from error
    return tuple(networks)


def parse_address(value: str) -> Address | None:
    """An address as proxies write it (`1.2.3.4`, `1.2.3.4:5678`, `[2001:db8::1]:80`,
    `2001:db8::1`, quoted or not), IPv4-mapped IPv6 as IPv4; None for anything else (`unknown`,
    an obfuscated `_hidden` name)."""
    text = value.strip().strip('"').strip()
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def x_forwarded_for_hops(values: Iterable[str]) -> list[str]:
    """The hops of every `X-Forwarded-For` header line, leftmost (the furthest) first."""
    return [hop.strip() for value in values for hop in value.split(",") if hop.strip()]


def forwarded_hops(values: Iterable[str]) -> list[str]:
    """The `for=` hops of every RFC 7239 `Forwarded` header line, leftmost first; an element
    without `for=` counts as an unknown hop (it cannot be skipped as trusted)."""
    hops: list[str] = []
    for value in values:
        for element in value.split(","):
            pairs = (pair.split("=", 1) for pair in element.split(";") if "=" in pair)
            named = {name.strip().casefold(): found.strip() for name, found in pairs}
            if element.strip():
                hops.append(named.get("for", UNKNOWN))
    return hops


def _trusted(address: Address | None, trusted: Sequence[Network]) -> bool:
    return address is not None and any(address in network for network in trusted)


def client_address(
    peer: str,
    header_values: Iterable[str],
    trusted: Sequence[Network],
    header: ForwardingHeader = "x-forwarded-for",
) -> str:
    """The client's address: `peer` itself unless it is trusted; else the rightmost hop of the
    forwarding header that is not a trusted proxy. A hop that is no address (a proxy's
    `unknown`) stops the walk at the nearest known hop to its right, so a malformed header
    cannot name an address of its choosing."""
    peer_address = parse_address(peer)
    if peer_address is None:
        return peer or UNKNOWN
    if not _trusted(peer_address, trusted):
        return peer_address.compressed
    hops = (
        forwarded_hops(header_values)
        if header == "forwarded"
        else x_forwarded_for_hops(header_values)
    )
    nearest = peer_address
    for hop in reversed(hops):
        address = parse_address(hop)
        if address is None:
            break
        nearest = address
        if not _trusted(address, trusted):
            break
    return nearest.compressed
