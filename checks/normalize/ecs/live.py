"""ecs.service from the live collector's raw resources (boto3 answers, see collectors/ecs.py). Same attributes
as the planned normalizer (ecs.py).

`in_public_subnet`: one of the service's subnets sends default traffic (0.0.0.0/0 or ::/0) to an internet
gateway, through the route table associated with the subnet, else the main table of its VPC (the rule of
ec2_network_routes, on the route tables AWS reports). `reachable_from_internet` reads the tasks' groups (the
collector gives the VPC's default group when the service names none): does an ingress rule admit the internet
(blocks compared as networks, ec2/sg_internet.py)?
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from checks.live_types import ECS_SERVICE
from checks.model import UNKNOWN, Asset
from checks.normalize.base import AssetBuilder, Index, register, tri_and
from checks.normalize.ec2.live_network import default_routes
from checks.normalize.ec2.sg_rules import permissions_internet
from checks.normalize.ecs.planned import set_reachability
from checks.normalize.live import apply_call_errors, build_live
from checks.raw import RawResource

ATTRIBUTES = ("launch_type", "assign_public_ip", "subnets", "security_groups", "in_public_subnet",
              "publicly_reachable", "reachable_from_internet", "load_balancers", "desired_count", "cluster")
ROUTING = ("in_public_subnet", "publicly_reachable", "reachable_from_internet")
ROUTING_CALLS = ("DescribeServices", "DescribeSubnets", "DescribeRouteTables")
ERROR_PATHS: dict[str, tuple[str, ...]] = {
    "DescribeServices": ATTRIBUTES,
    "DescribeSubnets": ROUTING,  # and the VPC, hence its default group: not known
    "DescribeRouteTables": ROUTING,
    "DescribeSecurityGroups": ("reachable_from_internet",),
}


def _default_to_igw(route: Mapping[str, Any]) -> bool:
    """A default route (IPv4 or IPv6, compared as networks) to an internet gateway: the rule of ec2/live_network."""
    igw4, igw6, _ = default_routes({"Routes": [route]})
    return igw4 or igw6


def subnet_routes_to_igw(subnet: str, vpc: str | None, tables: list[Mapping[str, Any]]) -> bool | None:
    """Does the subnet's route table (its own, else its VPC's main table) route to an internet gateway?
    None when the subnet or its table was not found."""
    if vpc is None:
        return None
    own = [t for t in tables if any(a.get("SubnetId") == subnet for a in t.get("Associations") or [])]
    chosen = own or [t for t in tables if t.get("VpcId") == vpc and any(a.get("Main") for a in t.get("Associations")
                                                                          or [])]
    if not chosen:
        return None
    return any(_default_to_igw(r) for t in chosen for r in t.get("Routes") or [])


def _in_public_subnet(b: AssetBuilder, p: Mapping[str, Any], subnets: list[str]) -> Any:
    vpcs: Mapping[str, Any] = p.get("subnetVpcs") or {}
    routing = {s: subnet_routes_to_igw(s, vpcs.get(s), list(p.get("routeTables") or [])) for s in subnets}
    if any(routing.values()):
        return True
    missing = sorted(s for s, igw in routing.items() if igw is None)
    if missing:
        reason = f"route table of subnet {', '.join(missing)} not found (ec2:DescribeSubnets/DescribeRouteTables)"
        for path in ROUTING:
            b.errors.setdefault(path, reason)
        return None
    return False


@register(ECS_SERVICE)
def live_service(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    svc: Mapping[str, Any] = p.get("service") or {}
    b = AssetBuilder("ecs.service", raw)
    strategy = svc.get("capacityProviderStrategy") or []
    b.set("launch_type", svc.get("launchType") or (None if strategy else "EC2"))
    awsvpc: Mapping[str, Any] = (svc.get("networkConfiguration") or {}).get("awsvpcConfiguration") or {}
    assign = awsvpc.get("assignPublicIp") == "ENABLED"  # no awsvpc configuration: no public IP of their own
    b.set("assign_public_ip", assign)
    subnets = list(awsvpc.get("subnets") or [])
    b.set("subnets", subnets)
    b.set("security_groups", list(awsvpc.get("securityGroups") or []))
    read_failed = any(call_name in raw.errors for call_name in ROUTING_CALLS)  # its reason is recorded below
    in_public = False if not subnets else None if read_failed else _in_public_subnet(b, p, subnets)
    b.set("in_public_subnet", in_public)
    b.set("publicly_reachable", None if in_public is None else tri_and(assign, in_public))
    # no awsvpc configuration: no network interface of its own; else the groups the collector read
    permissions = [perm for g in p.get("securityGroups") or [] for perm in g.get("IpPermissions") or []]
    admits, invalid = permissions_internet(permissions) if subnets else (False, ())
    set_reachability(b, assign, UNKNOWN if in_public is None else in_public, admits, invalid)
    b.set("load_balancers", [{"target_group_arn": lb.get("targetGroupArn"), "container_name": lb.get("containerName"),
                              "container_port": lb.get("containerPort")} for lb in svc.get("loadBalancers") or []])
    b.set("desired_count", svc.get("desiredCount"))
    b.set("cluster", svc.get("clusterArn"))
    apply_call_errors(b, raw, ERROR_PATHS)
    return [build_live(b, raw, tags=p.get("tags") or {})]
