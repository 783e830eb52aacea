"""Which CIDR blocks admit the internet: networks, not strings.

Any spelling of 0.0.0.0/0 or ::/0 (`0::/0`, `0000:0000::/0`, `0.0.0.0/00`, a block with host bits set, which the
firewall matches as its network) is the internet, so is a block containing the whole IPv6 internet (the global
unicast range 2000::/3), and so are the blocks of one rule key (protocol and ports) that together cover either.
Text that is not a CIDR block is returned as invalid (the normalizers record an error), never read as "not the
internet".
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from checks.model import UNKNOWN

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# the whole IPv4 internet, and the whole IPv6 internet: every global unicast address is in 2000::/3 (RFC 4291)
INTERNET_NETWORKS: tuple[Network, ...] = (ipaddress.IPv4Network("0.0.0.0/0"), ipaddress.IPv6Network("2000::/3"))
_FAMILY: dict[str | None, int] = {"cidr_ipv4": 4, "cidr_ipv6": 6}


def cidr_network(text: Any, peer_type: Any = None) -> Network | None:
    """The network a rule's CIDR block admits, or None when the text is not a CIDR block (of the peer type's
    family). The grammar is the provider's (Go `net.ParseCIDR`: address, "/", decimal prefix length); host bits are
    dropped: the provider rejects such a block, and should the EC2 API take one, the firewall matches its network."""
    if not isinstance(text, str):
        return None
    return _cidr_network(text, peer_type if isinstance(peer_type, str) else None)


@lru_cache(maxsize=4096)
def _cidr_network(text: str, peer_type: str | None) -> Network | None:
    """`cidr_network` (networks are immutable: an estate's rules repeat a few blocks)."""
    address, slash, prefix = text.partition("/")
    if not slash or not (prefix.isascii() and prefix.isdigit()) or "%" in address:
        return None
    try:
        network: Network = ipaddress.ip_network(f"{address}/{int(prefix)}", strict=False)
    except ValueError:
        return None
    family = _FAMILY.get(peer_type)
    return None if family is not None and network.version != family else network


def covers_internet(networks: Iterable[Network]) -> bool:
    """Do the blocks together contain the whole IPv4 internet (0.0.0.0/0) or the whole IPv6 internet (2000::/3)?"""
    return _covers_internet(tuple(networks))


@lru_cache(maxsize=4096)
def _covers_internet(networks: tuple[Network, ...]) -> bool:
    by_family: dict[int, list[Network]] = {}
    for network in networks:
        by_family.setdefault(network.version, []).append(network)
    for internet in INTERNET_NETWORKS:
        merged = ipaddress.collapse_addresses(by_family.get(internet.version, []))  # type: ignore[type-var]
        if any(internet.subnet_of(block) for block in merged):  # type: ignore[arg-type]
            return True
    return False


def internet_ingress(rules: list[dict[str, Any]]) -> tuple[Any, tuple[str, ...]]:
    """The (protocol, from_port, to_port) of the ingress rules whose CIDR blocks admit the internet (UNKNOWN when a
    peer is not known, or is not a CIDR block and no rule admits the internet), and the peers that are not CIDR
    blocks."""
    found: list[dict[str, Any]] = []
    blocks: dict[tuple[Any, ...], list[Network]] = {}
    invalid: list[str] = []
    unknown = False
    for rule in rules:
        if rule["direction"] == "egress":
            continue
        peer_type, peer = rule["peer_type"], rule["peer"]
        if peer_type in ("security_group", "self", "prefix_list"):
            continue
        if peer is UNKNOWN or peer_type is UNKNOWN or rule["direction"] is UNKNOWN:
            unknown = True
            continue
        network = cidr_network(peer, peer_type)
        if network is None:
            invalid.append(str(peer))
            continue
        entry = {k: rule[k] for k in ("protocol", "from_port", "to_port")}
        key = tuple(str(v) for v in entry.values())
        blocks.setdefault(key, []).append(network)
        if entry not in found and covers_internet(blocks[key]):
            found.append(entry)
    # a peer that is not a CIDR block may be the internet: never "no internet ingress" (callers that know of
    # `invalid` record an error; others, such as ec2.instance's reachability, see UNKNOWN)
    return (UNKNOWN if unknown or (invalid and not found) else found), tuple(dict.fromkeys(invalid))


def invalid_cidr_reason(invalid: tuple[str, ...]) -> str:
    """The error recorded on `ingress_from_internet` when an ingress peer is not a CIDR block."""
    shown = ", ".join(repr(i) for i in invalid)
    return f"ingress peer {shown} is not a valid CIDR block: whether it admits the internet is not known"
