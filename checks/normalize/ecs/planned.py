"""ecs.service from aws:ecs/service:Service: launch type, network placement, reachability and load balancers.

`reachable_from_internet` (NET-13, as NET-09 for instances): the tasks get public IPs, one of the service's subnets
routes to an internet gateway, and one of its security groups admits the internet (any protocol and port); with no
group named, AWS puts the tasks in the default group of the subnets' VPC. A service without an awsvpc network
configuration has no network interface of its own (its tasks use their container instances', which NET-09 checks).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from checks.model import UNKNOWN, Asset
from checks.normalize.base import AssetBuilder, Index, first_set, register, tri_and, unwrap
from checks.normalize.ec2.routes import DEFAULT_SUBNET, SUBNET_TOKENS, subnet_vpc, subnets_routing
from checks.normalize.ec2.sg_internet import invalid_cidr_reason
from checks.normalize.ec2.sg_usage import group_refs, groups_admit_internet
from checks.normalize.refs import TARGET_GROUP_TOKENS, Refs, as_bool, path_value, resolve_refs
from checks.raw import RawResource

SERVICE = "aws:ecs/service:Service"
CLUSTER = "aws:ecs/cluster:Cluster"


def _launch_type(p: Any) -> Any:
    """`launchType`; absent: EC2 (provider default), or none when a capacity provider strategy places the tasks."""
    value = p.get("launchType")
    if value is not None and value != "":
        return value
    strategies = unwrap(p.get("capacityProviderStrategies"))
    if strategies is UNKNOWN:
        return UNKNOWN
    return None if strategies else "EC2"


def _load_balancers(index: Index, raw: RawResource) -> Any:
    items = unwrap(raw.props.get("loadBalancers"))
    if items is UNKNOWN:
        return UNKNOWN
    items = items or []
    out = []
    for item in items:
        item = unwrap(item)
        if not isinstance(item, dict):
            out.append({"target_group_arn": UNKNOWN, "container_name": UNKNOWN, "container_port": UNKNOWN})
            continue
        arn = item.get("targetGroupArn")
        refs = resolve_refs(index, raw, "loadBalancers", TARGET_GROUP_TOKENS, value=arn, use_deps=len(items) == 1,
                            scalar=True)
        out.append({"target_group_arn": None if arn is None or arn == "" else refs.scalar(),
                    "container_name": item.get("containerName"), "container_port": item.get("containerPort")})
    return out


def _vpc(index: Index, subnets: Refs) -> Any:
    """The VPC of the service's subnets (a declared VPC; None: the default VPC), UNKNOWN when not declared."""
    if subnets.external or subnets.unknown or not subnets.targets:
        return UNKNOWN
    first = subnets.targets[0]
    vpcs = subnet_vpc(index, first).targets
    if vpcs:
        return vpcs[0]
    return None if first.type == DEFAULT_SUBNET else UNKNOWN


def set_reachability(b: AssetBuilder, assign: Any, in_public: Any, admits: Any, invalid: tuple[str, ...]) -> None:
    """`reachable_from_internet` (planned and live) from whether the tasks' groups admit the internet (`admits`,
    not an attribute of the service: it describes the groups, whose changes are their own drift). A group peer that
    is not a CIDR block leaves it unread (an error) unless another rule admits the internet, or a missing public IP
    or route decides."""
    reachable = tri_and(assign, in_public, UNKNOWN if invalid and admits is not True else admits)
    if invalid and admits is not True and reachable is UNKNOWN:
        b.set("reachable_from_internet", None)
        b.errors["reachable_from_internet"] = invalid_cidr_reason(invalid)
    else:
        b.set("reachable_from_internet", reachable)


@register(SERVICE)
def service(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    b = AssetBuilder("ecs.service", raw)
    b.set("launch_type", _launch_type(p))
    network = unwrap(p.get("networkConfiguration"))
    # no awsvpc network configuration: tasks use their container instances' network, and have no subnet of their own
    assign = first_set(as_bool(path_value(p, "networkConfiguration.assignPublicIp")),
                       UNKNOWN if network is UNKNOWN else False)  # provider default false
    b.set("assign_public_ip", assign)
    subnet_value = path_value(p, "networkConfiguration.subnets")
    groups = group_refs(index, raw)
    if subnet_value is None:
        b.set("subnets", [])
        in_public: Any = False
        admits: Any = False  # no network interface of its own
        invalid: tuple[str, ...] = ()
    else:
        refs = resolve_refs(index, raw, "networkConfiguration", SUBNET_TOKENS, value=subnet_value)
        b.set("subnets", refs.values())
        in_public = subnets_routing(index, refs)[0].igw if refs.targets or refs.external or refs.unknown else False
        admits, invalid = groups_admit_internet(index, groups, _vpc(index, refs))
    b.set("security_groups", groups.values())
    b.set("in_public_subnet", in_public)
    b.set("publicly_reachable", tri_and(assign, in_public))
    set_reachability(b, assign, in_public, admits, invalid)
    b.set("load_balancers", _load_balancers(index, raw))
    desired = p.get("desiredCount")
    daemon = p.get("schedulingStrategy") == "DAEMON"
    # provider default 0; a DAEMON service runs one task per container instance
    b.set("desired_count", first_set(desired, UNKNOWN if daemon else 0))
    b.set("cluster", resolve_refs(index, raw, "cluster", [CLUSTER], scalar=True).scalar())
    return [b.build()]
