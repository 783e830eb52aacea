"""Routing facts of subnets: does the subnet's route table send default traffic to an internet or a NAT gateway?

IPv4 (0.0.0.0/0) and IPv6 (::/0) default routes are told apart, since a public address of one family is reachable
only through a default route of the same family; destinations are compared as networks, not strings.

The table of a subnet is the one associated with it (`RouteTableAssociation`), else the main table of its VPC
(`MainRouteTableAssociation`, else a `DefaultRouteTable`; a VPC whose main table is not declared has only the
local route, except the default VPC whose main table routes 0.0.0.0/0 to its internet gateway). Routes are inline
on the table (`routes[]`) or standalone `Route` resources. Every fact is three-valued and memoized in `index.memo`.
"""

from __future__ import annotations

import ipaddress
from typing import Any, NamedTuple

from checks.model import UNKNOWN
from checks.normalize.base import Index, tri_and, tri_any, tri_or, unwrap
from checks.normalize.refs import Refs, resolve_refs
from checks.raw import RawResource

VPC = "aws:ec2/vpc:Vpc"
DEFAULT_VPC = "aws:ec2/defaultVpc:DefaultVpc"
VPC_TOKENS = (VPC, DEFAULT_VPC)
SUBNET = "aws:ec2/subnet:Subnet"
DEFAULT_SUBNET = "aws:ec2/defaultSubnet:DefaultSubnet"
SUBNET_TOKENS = (SUBNET, DEFAULT_SUBNET)
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
DEFAULT_ROUTE_TABLE = "aws:ec2/defaultRouteTable:DefaultRouteTable"
TABLE_TOKENS = (ROUTE_TABLE, DEFAULT_ROUTE_TABLE)
ROUTE = "aws:ec2/route:Route"
ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
MAIN_ASSOCIATION = "aws:ec2/mainRouteTableAssociation:MainRouteTableAssociation"
IGW = "aws:ec2/internetGateway:InternetGateway"
IGW_ATTACHMENT = "aws:ec2/internetGatewayAttachment:InternetGatewayAttachment"
EGRESS_ONLY_IGW = "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway"
NAT = "aws:ec2/natGateway:NatGateway"
EIP = "aws:ec2/eip:Eip"
VPN_GATEWAY = "aws:ec2/vpnGateway:VpnGateway"

DEFAULT_DESTINATIONS = ("0.0.0.0/0", "::/0")


def default_family(destination: Any) -> int | None:
    """4 or 6 when the destination is a default route (any spelling: `0.0.0.0/0`, `::/0`, `0::/0`, ...), else None."""
    if not isinstance(destination, str) or not destination.strip():
        return None
    try:
        network = ipaddress.ip_network(destination.strip(), strict=False)
    except ValueError:
        return None
    return network.version if network.prefixlen == 0 else None


class Routing(NamedTuple):
    """Where default traffic goes: to an internet gateway for IPv4 (0.0.0.0/0) and for IPv6 (::/0), to a NAT
    gateway (either). True, False or UNKNOWN. An egress-only internet gateway admits no inbound traffic: not igw6."""

    igw4: Any
    nat: Any
    igw6: Any = False

    @property
    def igw(self) -> Any:
        """A default route of either family to an internet gateway."""
        return tri_or(self.igw4, self.igw6)


NOWHERE = Routing(False, False)
UNKNOWN_ROUTING = Routing(UNKNOWN, UNKNOWN, UNKNOWN)


def combine(routings: list[Routing]) -> Routing:
    if len(routings) == 1:  # every Routing holds True, False or UNKNOWN: combined alone, it is itself
        return routings[0]
    return Routing(tri_any(r.igw4 for r in routings), tri_any(r.nat for r in routings),
                   tri_any(r.igw6 for r in routings))


def _memo(index: Index, key: tuple[str, str]) -> Routing | None:
    found = index.memo.get(key)
    return found if isinstance(found, Routing) else None


def _is_default(destination: Any, family: int) -> Any:
    """Is the destination the default route of that IP family? UNKNOWN when it is not known."""
    destination = unwrap(destination)
    if destination is UNKNOWN:
        return UNKNOWN
    return default_family(destination) == family


def _gateway_is_igw(index: Index, table: RawResource, prop: str, gateway: Any, inline: bool) -> Any:
    gateway = unwrap(gateway)
    if gateway is None or gateway == "":
        return False
    if isinstance(gateway, str):
        if gateway.startswith("igw-"):
            return True
        refs = resolve_refs(index, table, prop, [IGW], value=gateway, use_deps=not inline)
        return bool(refs.targets)
    # unknown value: the dependencies tell whether it is an internet gateway or a virtual private gateway
    deps = [index.by_urn.get(u) for u in table.property_dependencies.get(prop, ())]
    kinds = {d.type for d in deps if d is not None}
    if IGW in kinds:
        return UNKNOWN if VPN_GATEWAY in kinds else True
    return False if kinds else UNKNOWN


def _nat_set(value: Any) -> Any:
    value = unwrap(value)
    if value is UNKNOWN:
        return True  # the property holds some NAT gateway id, computed later
    return isinstance(value, str) and value != ""


def route_routing(index: Index, owner: RawResource, prop: str, route: Any, *, inline: bool) -> Routing:
    """One route: inline (`cidrBlock`/`ipv6CidrBlock`) or standalone (`destinationCidrBlock`/...)."""
    route = unwrap(route)
    if route is UNKNOWN:
        return UNKNOWN_ROUTING
    if not isinstance(route, dict):
        return NOWHERE
    if inline:
        default4 = _is_default(route.get("cidrBlock"), 4)
        default6 = _is_default(route.get("ipv6CidrBlock"), 6)
    else:
        default4 = _is_default(route.get("destinationCidrBlock"), 4)
        default6 = _is_default(route.get("destinationIpv6CidrBlock"), 6)
        prop = "gatewayId"
    # an egress-only internet gateway is `egressOnlyGatewayId`: outbound IPv6 only, never an inbound path
    to_igw = _gateway_is_igw(index, owner, prop, route.get("gatewayId"), inline)
    nat = tri_and(tri_or(default4, default6), _nat_set(route.get("natGatewayId")))
    return Routing(tri_and(default4, to_igw), nat, tri_and(default6, to_igw))


def table_routing(index: Index, table: RawResource) -> Routing:
    key = ("ec2_network_routes.table", table.urn)
    found = _memo(index, key)
    if found is not None:
        return found
    routings: list[Routing] = []
    inline = unwrap(table.props.get("routes"))
    if inline is UNKNOWN:
        routings.append(UNKNOWN_ROUTING)
    elif isinstance(inline, list):
        routings.extend(route_routing(index, table, "routes", r, inline=True) for r in inline)
    for route in index.referencing(table, [ROUTE], "routeTableId"):
        routings.append(route_routing(index, route, "gatewayId", route.props, inline=False))
    result = combine(routings)
    index.memo[key] = result
    return result


def refs_routing(index: Index, refs: Refs) -> Routing:
    """Routing of the tables a reference names; an undeclared or unresolved table is unknown."""
    routings = [table_routing(index, t) for t in refs.targets]
    if refs.external or refs.unknown:
        routings.append(UNKNOWN_ROUTING)
    return combine(routings)


def main_routing(index: Index, vpc: RawResource) -> Routing:
    """Routing of a declared VPC's main route table."""
    key = ("ec2_network_routes.main", vpc.urn)
    found = _memo(index, key)
    if found is not None:
        return found
    mains = index.referencing(vpc, [MAIN_ASSOCIATION], "vpcId")
    defaults = {r.urn: r for r in index.referencing(vpc, [DEFAULT_ROUTE_TABLE], "defaultRouteTableId")}
    defaults.update({r.urn: r for r in index.referencing(vpc, [DEFAULT_ROUTE_TABLE], "vpcId")})
    if mains:
        result = combine([refs_routing(index, resolve_refs(index, m, "routeTableId", TABLE_TOKENS, scalar=True))
                          for m in mains])
    elif defaults:
        result = combine([table_routing(index, t) for t in defaults.values()])
    elif vpc.type == DEFAULT_VPC:
        result = Routing(True, False)  # AWS default VPC: its main table routes 0.0.0.0/0 to its internet gateway
    else:
        result = NOWHERE  # a new VPC's main table has only the local route
    index.memo[key] = result
    return result


def default_vpc(index: Index) -> RawResource | None:
    found = index.of_type(DEFAULT_VPC)
    return found[0] if found else None


def subnet_vpc(index: Index, subnet: RawResource) -> Refs:
    """The VPC of a subnet; a default subnet belongs to the default VPC (declared or not)."""
    if subnet.type == DEFAULT_SUBNET:
        vpc = default_vpc(index)
        return Refs((vpc,)) if vpc is not None else Refs()
    return resolve_refs(index, subnet, "vpcId", VPC_TOKENS, scalar=True)


def subnet_routing(index: Index, subnet: RawResource) -> Routing:
    """Routing of a declared subnet (memoized: read by subnets, instances and ECS services)."""
    key = ("ec2_network_routes.subnet", subnet.urn)
    found = _memo(index, key)
    if found is not None:
        return found
    associations = index.referencing(subnet, [ASSOCIATION], "subnetId")
    if associations:
        result = combine([refs_routing(index, resolve_refs(index, a, "routeTableId", TABLE_TOKENS, scalar=True))
                          for a in associations])
    else:
        vpc = subnet_vpc(index, subnet)
        if vpc.targets:
            result = combine([main_routing(index, v) for v in vpc.targets])
        elif subnet.type == DEFAULT_SUBNET:
            result = Routing(True, False)  # the default VPC's main table routes to its internet gateway
        else:
            result = UNKNOWN_ROUTING  # the VPC is not declared here: its main table is not known
    index.memo[key] = result
    return result


def maps_public_ip(subnet: RawResource) -> Any:
    """`mapPublicIpOnLaunch`: default false for a subnet, true for a default subnet (AWS default subnets)."""
    value = unwrap(subnet.props.get("mapPublicIpOnLaunch"))
    if value is None:
        return subnet.type == DEFAULT_SUBNET
    return value


def subnets_routing(index: Index, refs: Refs) -> tuple[Routing, Any]:
    """(routing, maps public IP) over the subnets a reference names; undeclared subnets are unknown."""
    routings = [subnet_routing(index, s) for s in refs.targets]
    public = [maps_public_ip(s) for s in refs.targets]
    if refs.external or refs.unknown:
        routings.append(UNKNOWN_ROUTING)
        public.append(UNKNOWN)
    return combine(routings), tri_or(False, *public)
