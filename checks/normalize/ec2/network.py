"""ec2.vpc (Vpc, DefaultVpc) with flow logs folded in; ec2.subnet (Subnet, DefaultSubnet) with routing folded in."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from checks.model import UNKNOWN, Asset
from checks.normalize.base import AssetBuilder, Index, first_set, folded, register, tri_map
from checks.normalize.ec2.addresses import assigns_ipv6
from checks.normalize.ec2.routes import (
    ASSOCIATION,
    DEFAULT_ROUTE_TABLE,
    DEFAULT_SUBNET,
    DEFAULT_VPC,
    EGRESS_ONLY_IGW,
    EIP,
    IGW,
    IGW_ATTACHMENT,
    MAIN_ASSOCIATION,
    NAT,
    ROUTE,
    ROUTE_TABLE,
    SUBNET,
    TABLE_TOKENS,
    VPC,
    maps_public_ip,
    subnet_routing,
    subnet_vpc,
)
from checks.normalize.ec2.sg_usage import default_group_allows_traffic
from checks.normalize.refs import resolve_refs
from checks.raw import RawResource

FLOW_LOG = "aws:ec2/flowLog:FlowLog"

folded("ec2.vpc", FLOW_LOG)
folded("ec2.subnet", ROUTE_TABLE, DEFAULT_ROUTE_TABLE, ROUTE, ASSOCIATION, MAIN_ASSOCIATION, IGW, IGW_ATTACHMENT,
       EGRESS_ONLY_IGW, NAT, EIP)


def _flow_log(raw: RawResource) -> dict[str, Any]:
    p = raw.props
    return {
        "traffic_type": p.get("trafficType"),
        "destination_type": first_set(p.get("logDestinationType"), "cloud-watch-logs"),  # provider default
        "destination": p.get("logDestination"),
    }


@register(VPC, DEFAULT_VPC)
def vpc(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    b = AssetBuilder("ec2.vpc", raw)
    # a VPC from an IPAM pool, or the adopted default VPC, learns its CIDR block only once it exists
    b.set("cidr_block", first_set(p.get("cidrBlock"), UNKNOWN))
    b.set("is_default", raw.type == DEFAULT_VPC)
    logs = [_flow_log(f) for f in index.referencing(raw, [FLOW_LOG], "vpcId")]
    b.set("flow_logs", logs)
    b.set("flow_logs_enabled", bool(logs))
    b.set("default_security_group_allows_traffic", default_group_allows_traffic(index, raw))
    return [b.build()]


@register(SUBNET, DEFAULT_SUBNET)
def subnet(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    b = AssetBuilder("ec2.subnet", raw)
    is_default = raw.type == DEFAULT_SUBNET
    vpc_refs = subnet_vpc(index, raw)
    if is_default and not vpc_refs.targets:
        b.set("vpc_id", first_set(p.get("vpcId"), UNKNOWN))  # the default VPC, not declared here
    else:
        b.set("vpc_id", vpc_refs.scalar())
    # a default subnet's CIDR block is chosen by AWS
    b.set("cidr_block", first_set(p.get("cidrBlock"), UNKNOWN if is_default else None))
    b.set("availability_zone", p.get("availabilityZone"))
    b.set("is_default", is_default)
    b.set("map_public_ip_on_launch", maps_public_ip(raw))
    b.set("assign_ipv6_address_on_creation", assigns_ipv6(raw))
    routing = subnet_routing(index, raw)
    b.set("routes_to_internet_gateway", routing.igw)
    b.set("routes_to_nat_gateway", routing.nat)
    b.set("tier", tri_map(routing.igw, lambda igw: "public" if igw else "private"))
    b.set("route_table_id", _route_table_id(index, raw))
    return [b.build()]


def _route_table_id(index: Index, raw: RawResource) -> Any:
    """The associated route table (its id, or its URN while the id is not known); null: the VPC's main table."""
    for association in index.referencing(raw, [ASSOCIATION], "subnetId"):
        return resolve_refs(index, association, "routeTableId", TABLE_TOKENS, scalar=True).scalar()
    return None
