"""ec2.vpc and ec2.subnet from the live collector's `live:ec2:vpc` / `live:ec2:subnet` raw resources
(collectors/ec2_network.py), with the same attributes and meaning as the planned normalizer (ec2_network.py).

A VPC's flow logs are those attached to the VPC itself (not to a subnet or an interface). Its default security
group allows traffic when it has any rule (the group is the live `default` group of the VPC in the same scan).
A subnet's route table is its explicitly associated table, else its VPC's main table; a default route
(0.0.0.0/0 or ::/0) to an `igw-` gateway makes it public, one to a NAT gateway is recorded too. Blackhole
routes (their target was deleted) route nothing and are ignored.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from checks.live_types import EC2_SECURITY_GROUP, EC2_SUBNET, EC2_VPC, tag_map
from checks.model import UNKNOWN, Asset
from checks.normalize.base import AssetBuilder, Index, register, tri_map
from checks.normalize.ec2.live_sg import group_rules
from checks.normalize.ec2.routes import default_family
from checks.normalize.live import apply_call_errors, build_live
from checks.raw import RawResource

ROUTING = ("routes_to_internet_gateway", "routes_to_nat_gateway", "tier", "route_table_id")
VPC_ERROR_PATHS: dict[str, tuple[str, ...]] = {
    "DescribeFlowLogs": ("flow_logs", "flow_logs_enabled"),
    "DescribeSecurityGroups": ("default_security_group_allows_traffic",),
}
SUBNET_ERROR_PATHS: dict[str, tuple[str, ...]] = {"DescribeRouteTables": ROUTING}


def _default_groups(index: Index) -> dict[str, RawResource]:
    """VPC id -> its live `default` security group (built once)."""
    key = "live_ec2_network.default_groups"
    found = index.memo.get(key)
    if not isinstance(found, dict):
        found = {}
        for raw in index.of_type(EC2_SECURITY_GROUP):
            group = raw.props["group"]
            if group.get("GroupName") == "default" and group.get("VpcId"):
                found.setdefault(group["VpcId"], raw)
        index.memo[key] = found
    return found


def _flow_log(log: dict[str, Any]) -> dict[str, Any]:
    return {
        "traffic_type": log.get("TrafficType"),
        "destination_type": log.get("LogDestinationType") or "cloud-watch-logs",
        "destination": log.get("LogDestination"),
    }


@register(EC2_VPC)
def live_vpc(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    vpc = p["vpc"]
    b = AssetBuilder("ec2.vpc", raw)
    b.set("cidr_block", vpc.get("CidrBlock"))
    b.set("is_default", bool(vpc.get("IsDefault")))
    logs = [_flow_log(log) for log in p.get("flowLogs") or []]
    b.set("flow_logs", logs)
    b.set("flow_logs_enabled", bool(logs))
    group = _default_groups(index).get(p["id"])
    # every VPC has a default group; not finding it in the scan (a group list that failed) leaves the fact unknown
    b.set("default_security_group_allows_traffic", UNKNOWN if group is None else bool(group_rules(index, group)))
    apply_call_errors(b, raw, VPC_ERROR_PATHS)
    return [build_live(b, raw, tags=tag_map(vpc.get("Tags")))]


def default_routes(table: dict[str, Any]) -> tuple[bool, bool, bool]:
    """(IPv4 default route to an internet gateway, IPv6 default route to one, a default route to a NAT gateway) of
    an answered route table. Destinations are compared as networks; blackhole routes route nothing; an egress-only
    internet gateway (`eigw-`, EgressOnlyInternetGatewayId) admits no inbound traffic."""
    igw4 = igw6 = nat = False
    for route in table.get("Routes") or []:
        if route.get("State") == "blackhole":
            continue
        family4 = default_family(route.get("DestinationCidrBlock")) == 4
        family6 = default_family(route.get("DestinationIpv6CidrBlock")) == 6
        to_igw = str(route.get("GatewayId") or "").startswith("igw-")
        igw4 = igw4 or (family4 and to_igw)
        igw6 = igw6 or (family6 and to_igw)
        nat = nat or ((family4 or family6) and bool(route.get("NatGatewayId")))
    return igw4, igw6, nat


def routing(table: dict[str, Any] | None) -> tuple[Any, Any]:
    """(routes to an internet gateway, routes to a NAT gateway) of a route table; UNKNOWN without a table."""
    if table is None:
        return UNKNOWN, UNKNOWN
    igw4, igw6, nat = default_routes(table)
    return igw4 or igw6, nat


def _in_default_vpc(vpc_id: Any, index: Index) -> bool:
    """Whether the subnet's VPC is the default VPC (True when the VPC was not read: AWS's own answer stands)."""
    vpcs = [v for v in index.of_type(EC2_VPC) if (v.props.get("vpc") or {}).get("VpcId") == vpc_id]
    return not vpcs or any(bool((v.props.get("vpc") or {}).get("IsDefault")) for v in vpcs)


@register(EC2_SUBNET)
def live_subnet(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    subnet = p["subnet"]
    table = p.get("routeTable")
    b = AssetBuilder("ec2.subnet", raw)
    b.set("vpc_id", subnet.get("VpcId"))
    b.set("cidr_block", subnet.get("CidrBlock"))
    b.set("availability_zone", subnet.get("AvailabilityZone"))
    # only the default VPC has default subnets (moto also marks the first subnet of a zone in any VPC)
    b.set("is_default", bool(subnet.get("DefaultForAz")) and _in_default_vpc(subnet.get("VpcId"), index))
    b.set("map_public_ip_on_launch", bool(subnet.get("MapPublicIpOnLaunch")))
    b.set("assign_ipv6_address_on_creation", bool(subnet.get("AssignIpv6AddressOnCreation")))
    igw, nat = routing(table)
    b.set("routes_to_internet_gateway", igw)
    b.set("routes_to_nat_gateway", nat)
    b.set("tier", tri_map(igw, lambda public: "public" if public else "private"))
    b.set("route_table_id", table["RouteTableId"] if table is not None and table.get("Explicit") else None)
    apply_call_errors(b, raw, SUBNET_ERROR_PATHS)
    return [build_live(b, raw, tags=tag_map(subnet.get("Tags")))]
