"""Which security groups a resource uses, and which resources use a group (built once for the whole index).

A group is a load balancer's group only when load balancers use it and nothing else declared in the program does
(`used_only_by_load_balancers`): a group shared with instances, ECS tasks, Lambda functions or network interfaces
admits the internet to them too (pulumi/examples `aws-py-fargate`: the ALB's group on the tasks)."""

from __future__ import annotations

from typing import Any

from checks.model import UNKNOWN
from checks.normalize.base import Index, tri_all, tri_any, tri_map, unwrap
from checks.normalize.ec2.sg_rules import DEFAULT_SECURITY_GROUP, GROUP_TOKENS, group_facts
from checks.normalize.refs import LB_TOKENS, Refs, lb_scheme, path_value, resolve_refs
from checks.raw import RawResource

# Pulumi token -> (asset kind, properties naming its security groups)
CONSUMERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "aws:ec2/instance:Instance": ("ec2.instance", ("vpcSecurityGroupIds", "securityGroups")),
    "aws:ec2/launchTemplate:LaunchTemplate": (
        "ec2.launch_template", ("vpcSecurityGroupIds", "securityGroupNames", "networkInterfaces[].securityGroups")),
    "aws:lb/loadBalancer:LoadBalancer": ("elbv2.load_balancer", ("securityGroups",)),
    "aws:alb/loadBalancer:LoadBalancer": ("elbv2.load_balancer", ("securityGroups",)),
    "aws:rds/instance:Instance": ("rds.db_instance", ("vpcSecurityGroupIds",)),
    "aws:rds/cluster:Cluster": ("rds.db_cluster", ("vpcSecurityGroupIds",)),
    "aws:ecs/service:Service": ("ecs.service", ("networkConfiguration.securityGroups",)),
    "aws:ec2/networkInterface:NetworkInterface": ("ec2.network_interface", ("securityGroups",)),
    "aws:ec2/networkInterfaceSecurityGroupAttachment:NetworkInterfaceSecurityGroupAttachment": (
        "ec2.network_interface", ("securityGroupId",)),
    "aws:lambda/function:Function": ("lambda.function", ("vpcConfig.securityGroupIds",)),
    "aws:ec2/vpcEndpoint:VpcEndpoint": ("ec2.vpc_endpoint", ("securityGroupIds",)),
}


def merge(refs: list[Refs]) -> Refs:
    targets = {t.urn: t for r in refs for t in r.targets}
    external = dict.fromkeys(e for r in refs for e in r.external)
    return Refs(tuple(targets.values()), tuple(external), any(r.unknown for r in refs),
                frozenset(e for r in refs for e in r.secret_external))


def group_refs(index: Index, raw: RawResource) -> Refs:
    """The security groups a consumer names (memoized)."""
    key = ("ec2_sg_usage.refs", raw.urn)
    found = index.memo.get(key)
    if isinstance(found, Refs):
        return found
    spec = CONSUMERS.get(raw.type)
    parts: list[Refs] = []
    for path in spec[1] if spec else ():
        value = path_value(raw.props, path)
        if value is None:
            continue
        top = path.split(".", 1)[0].removesuffix("[]")
        parts.append(resolve_refs(index, raw, top, GROUP_TOKENS, value=value))
    result = merge(parts)
    index.memo[key] = result
    return result


def consumers(index: Index) -> dict[str, list[tuple[str, RawResource]]]:
    """Group URN -> [(asset kind, consumer)], built once."""
    key = "ec2_sg_usage.consumers"
    found = index.memo.get(key)
    if isinstance(found, dict):
        return found
    result: dict[str, list[tuple[str, RawResource]]] = {}
    for token, (kind, _) in CONSUMERS.items():
        for raw in index.of_type(token):
            for group in group_refs(index, raw).targets:
                result.setdefault(group.urn, []).append((kind, raw))
    index.memo[key] = result
    return result


def attached_to(index: Index, group: RawResource) -> list[str]:
    return sorted({kind for kind, _ in consumers(index).get(group.urn, [])})


def used_by_load_balancer(index: Index, group: RawResource, *, internet_facing: bool) -> Any:
    """Is the group used by a load balancer (only internet-facing ones when asked)? True, False or UNKNOWN."""
    lbs = [raw for _, raw in consumers(index).get(group.urn, []) if raw.type in LB_TOKENS]
    if not internet_facing:
        return bool(lbs)
    return tri_any(_eq(lb_scheme(lb), "internet-facing") for lb in lbs)


def used_only_by_load_balancers(index: Index, group: RawResource) -> bool:
    """Do load balancers use the group, and nothing else declared in the program?"""
    users = consumers(index).get(group.urn, [])
    return bool(users) and all(raw.type in LB_TOKENS for _, raw in users)


def _eq(value: Any, expected: str) -> Any:
    return UNKNOWN if value is UNKNOWN else value == expected


def ingress_only_from_load_balancers(index: Index, group: RawResource) -> Any:
    """True when every ingress rule admits only security groups that only load balancers use."""
    checks: list[Any] = []
    for peer_type, peer, peer_group in group_facts(index, group).ingress_peers:
        if peer_type in ("cidr_ipv4", "cidr_ipv6", "prefix_list"):
            checks.append(False)
        elif peer_group is not None and peer is not UNKNOWN:
            checks.append(used_only_by_load_balancers(index, peer_group))
        else:
            checks.append(UNKNOWN)  # an undeclared or unknown peer group: whether an LB uses it is not known here
    return tri_all(checks)


def default_group(index: Index, vpc: RawResource | None) -> RawResource | None:
    """The declared `DefaultSecurityGroup` of a declared VPC (None: the default VPC's, when vpc is None)."""
    key = "ec2_sg_usage.default_groups"
    by_vpc = index.memo.get(key)
    if not isinstance(by_vpc, dict):
        by_vpc = {}
        for group in index.of_type(DEFAULT_SECURITY_GROUP):
            vpc_id = unwrap(group.props.get("vpcId"))
            if vpc_id is None:
                by_vpc.setdefault("", group)
            for dep in group.property_dependencies.get("vpcId", ()):
                by_vpc.setdefault(dep, group)
            if isinstance(vpc_id, str):
                by_vpc.setdefault(vpc_id, group)
        index.memo[key] = by_vpc
    if vpc is None:
        return by_vpc.get("")
    for ident in (vpc.urn, *Index.identities(vpc)):
        if ident in by_vpc:
            return by_vpc[ident]
    if vpc.type == "aws:ec2/defaultVpc:DefaultVpc":
        return by_vpc.get("")
    return None


def default_group_allows_traffic(index: Index, vpc: RawResource | None) -> Any:
    """Does the VPC's default security group have any rule? A group not declared keeps the AWS default rules
    (all inbound from itself, all outbound), so it allows traffic."""
    group = default_group(index, vpc)
    if group is None:
        return True
    rules = group_facts(index, group).rules
    if not rules:
        return False
    # a rule list that is itself unknown (peer_type unknown) may turn out empty
    return True if any(r["peer_type"] is not UNKNOWN for r in rules) else UNKNOWN


def groups_admit_internet(index: Index, refs: Refs, vpc: Any) -> tuple[Any, tuple[str, ...]]:
    """Does any of the groups a resource names admit the internet (any protocol and port)? With none named, the
    default group of `vpc` applies (a declared VPC; None: the default VPC; UNKNOWN: not known). Also returns the
    ingress peers of those groups that are not CIDR blocks (the caller records an error unless the answer is true).
    """
    groups = list(refs.targets)
    if not groups and not refs.external and not refs.unknown:
        if vpc is UNKNOWN:
            return UNKNOWN, ()
        group = default_group(index, vpc)
        if group is None:
            return False, ()  # AWS default rules admit only the group's own members
        groups = [group]
    facts = [group_facts(index, g) for g in groups]
    found = [tri_map(f.ingress_from_internet, bool) for f in facts]
    if refs.external or refs.unknown:
        found.append(UNKNOWN)  # a group not declared in the program: its rules are not known here
    return tri_any(found), tuple(i for f in facts for i in f.invalid_cidrs)
