"""Public addresses of a planned EC2 instance: a public IPv4 address and a (global) IPv6 address, each with the
setting that decides it, in plain words for the findings.

IPv4: `associatePublicIpAddress` on the instance, else its launch template's network interface setting, else its
subnet's `mapPublicIpOnLaunch`; without a subnet, a default subnet of the default VPC, which maps public IPs; an
Elastic IP associated with the instance is a public address whatever those say.
IPv6: `ipv6AddressCount`/`ipv6Addresses` on the instance or its launch template's network interface, else its
subnet's `assignIpv6AddressOnCreation` (default false; a default subnet has no IPv6 block of its own). Addresses from
a VPC's IPv6 block are global unicast addresses, reachable from the internet through an internet gateway (an IPv6
block from a private IPAM pool is not told apart here).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from checks.model import UNKNOWN
from checks.normalize.base import tri_any, tri_or, unwrap
from checks.normalize.refs import as_bool, path_value
from checks.raw import RawResource

Fact = tuple[Any, str]  # (True / False / UNKNOWN / None when nothing says, what says so in plain words)


class Addresses(NamedTuple):
    ipv4: Fact
    ipv6: Fact

    @property
    def public(self) -> Any:
        return tri_or(self.ipv4[0], self.ipv6[0])

    def reason(self) -> Any:
        """What gives the instance a public address, or why it has none; UNKNOWN while that is not known."""
        public = self.public
        if public is UNKNOWN:
            return UNKNOWN
        if public:
            return "; ".join(why for value, why in (self.ipv4, self.ipv6) if value is True)
        return f"no public address ({self.ipv4[1]}; {self.ipv6[1]})"


def _count(value: Any) -> Any:
    """A number of addresses or a list of them: True when it asks for some, None when it does not say."""
    value = unwrap(value)
    if value is UNKNOWN:
        return UNKNOWN
    if isinstance(value, list):
        return True if value else None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return True if float(value) > 0 else None  # 0 is not sent: the subnet decides
    except ValueError:
        return UNKNOWN


def asks_for_ipv6(props: Any, count: str = "ipv6AddressCount", addresses: str = "ipv6Addresses") -> Any:
    """True when the settings ask for IPv6 addresses, None when they do not say, UNKNOWN when not known."""
    said = [_count(path_value(props, count)), _count(path_value(props, addresses))]
    return True if True in said else UNKNOWN if UNKNOWN in said else None


def template_ipv6(template: RawResource) -> Any:
    interfaces = unwrap(template.props.get("networkInterfaces"))
    if interfaces is UNKNOWN:
        return UNKNOWN
    said = [asks_for_ipv6(i) for i in interfaces or []]
    return tri_any(said) if any(v is not None for v in said) else None


def ipv4_fact(explicit: Any, template: Any, subnet: Fact) -> Fact:
    """The IPv4 decision: the instance's own setting, else its template's, else the subnet's."""
    if explicit is not None:
        word = "not known" if explicit is UNKNOWN else str(explicit).lower()
        return explicit, f"associate_public_ip_address {word} on the instance"
    if template is not None:
        word = "not known" if template is UNKNOWN else "asks for" if template else "refuses"
        return template, f"its launch template's network interface {word} a public IPv4 address"
    return subnet


def ipv6_fact(instance: Any, template: Any, subnet: Fact) -> Fact:
    if instance is not None:
        return instance, "ipv6_address_count or ipv6_addresses on the instance gives it an IPv6 address"
    if template is not None:
        return template, "its launch template's network interface asks for an IPv6 address"
    return subnet


def subnet_ipv4(maps_public: Any) -> Fact:
    if maps_public is True:
        return True, "its subnet maps public IPv4 addresses on launch (map_public_ip_on_launch)"
    if maps_public is False:
        return False, "its subnet does not map public IPv4 addresses"
    return UNKNOWN, "its subnet's map_public_ip_on_launch is not known"


def subnet_ipv6(assigns: Any) -> Fact:
    if assigns is True:
        return True, "its subnet assigns IPv6 addresses on creation (assign_ipv6_address_on_creation)"
    if assigns is False:
        return False, "no IPv6 address"
    return UNKNOWN, "its subnet's assign_ipv6_address_on_creation is not known"


def assigns_ipv6(subnet: RawResource) -> Any:
    """`assignIpv6AddressOnCreation`: default false (provider default; AWS default subnets too)."""
    value = as_bool(subnet.props.get("assignIpv6AddressOnCreation"))
    return False if value is None else value


DEFAULT_SUBNET_IPV4: Fact = (True, "no subnet_id: launched in a default subnet of the default VPC, which maps "
                                   "public IPv4 addresses")
DEFAULT_SUBNET_IPV6: Fact = (False, "no IPv6 address")
UNKNOWN_INTERFACE: Fact = (UNKNOWN, "its network interface (declared elsewhere) decides")
ELASTIC_IP: Fact = (True, "an Elastic IP is associated with it")
