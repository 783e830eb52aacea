"""EC2 networking of one account and region: VPCs (with their flow logs), subnets (with the route table that
applies to each) and security groups (with their rules and what uses them). Every read is a batch call:

describe_vpcs, describe_flow_logs, describe_subnets, describe_route_tables, describe_security_groups,
describe_security_group_rules, describe_network_interfaces (which instances, DB instances, ECS tasks and other
network interfaces use a group) and elbv2 describe_load_balancers (which load balancers use a group, and their scheme).

A failed list of the VPCs, subnets or groups themselves is a ListFailure (every resource of that kind in the
region is unread). A failed supplementary list is recorded on every resource whose attributes it would have
filled (the flow logs on each VPC, the route tables on each subnet ...), so that the controls reading them
report `error`.
When describe_security_group_rules fails, the rules are taken from describe_security_groups (the same rules).
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from checks.collectors.answers import listed, region_list, well_formed
from checks.collectors.base import CollectResult, ListFailure, Scope, collector, operation_name
from checks.live_types import EC2_SECURITY_GROUP, EC2_SUBNET, EC2_VPC, tag_map
from checks.model import SourceKind
from checks.raw import RawResource

OPERATIONS = (
    "ec2:DescribeVpcs", "ec2:DescribeFlowLogs", "ec2:DescribeSubnets", "ec2:DescribeRouteTables",
    "ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules", "ec2:DescribeNetworkInterfaces",
    "elbv2:DescribeLoadBalancers",
)
FLOW_LOG_KEYS = ("FlowLogId", "ResourceId", "TrafficType", "LogDestinationType", "LogDestination", "LogGroupName",
                 "FlowLogStatus", "DeliverLogsStatus")
ECS_ATTACHMENT = re.compile(r"^arn:aws[\w-]*:ecs:")
OTHER_INTERFACE_KINDS = {"lambda": "lambda.function", "vpc_endpoint": "ec2.vpc_endpoint"}  # by InterfaceType


class _Lists:
    """The account-wide lists of one region, failures remembered by operation; a failed list of the resources
    themselves (`feeds` a raw type) is a ListFailure, a malformed entry of it too."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.errors: list[ListFailure] = []
        self.failed: dict[str, str] = {}

    def read(self, service: str, method: str, key: str, feeds: tuple[str, str] | None = None) -> list[Any]:
        client = self.scope.client(service)
        items, error = region_list(self.scope, service, method, key)  # shared with ec2_compute (groups, tables)
        operation = operation_name(client, method)
        if error:
            self.failed[operation] = error
        if feeds is None:
            return items
        raw_type, ident = feeds
        self.errors += listed(self.scope, f"{service}:{operation}", error, raw_type)
        items, malformed = well_formed(self.scope, f"{service}:{operation}", items, (ident,), raw_type)
        self.errors += malformed
        return items

    def errors_of(self, *operations: str) -> dict[str, str]:
        return {op: self.failed[op] for op in operations if op in self.failed}


@collector("ec2_network", OPERATIONS, types=(EC2_VPC, EC2_SUBNET, EC2_SECURITY_GROUP))
def collect(scope: Scope) -> CollectResult:
    lists = _Lists(scope)
    resources: list[RawResource] = []
    vpcs = lists.read("ec2", "describe_vpcs", "Vpcs", (EC2_VPC, "VpcId"))
    subnets = lists.read("ec2", "describe_subnets", "Subnets", (EC2_SUBNET, "SubnetId"))
    groups = lists.read("ec2", "describe_security_groups", "SecurityGroups", (EC2_SECURITY_GROUP, "GroupId"))
    flow_logs = lists.read("ec2", "describe_flow_logs", "FlowLogs") if vpcs else []
    tables = lists.read("ec2", "describe_route_tables", "RouteTables") if subnets else []
    rules = lists.read("ec2", "describe_security_group_rules", "SecurityGroupRules") if groups else []
    interfaces = lists.read("ec2", "describe_network_interfaces", "NetworkInterfaces") if groups else []
    balancers = lists.read("elbv2", "describe_load_balancers", "LoadBalancers") if groups else []

    logs_by_vpc: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for log in flow_logs:
        logs_by_vpc[log.get("ResourceId", "")].append(_flow_log(scope, log))
    vpc_errors = lists.errors_of("DescribeFlowLogs", "DescribeSecurityGroups")
    resources.extend(_vpc(scope, v, logs_by_vpc.get(v["VpcId"], []), vpc_errors) for v in vpcs)

    routing = _RouteTables(tables)
    subnet_errors = lists.errors_of("DescribeRouteTables")
    resources.extend(_subnet(scope, s, routing.of(s), subnet_errors) for s in subnets)

    rules_by_group: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for rule in rules:
        rules_by_group[rule["GroupId"]].append(_plain(rule))
    usage = _usage(interfaces, balancers)
    group_errors = lists.errors_of("DescribeNetworkInterfaces", "DescribeLoadBalancers")
    rules_failed = "DescribeSecurityGroupRules" in lists.failed
    resources.extend(_group(scope, g, None if rules_failed else rules_by_group.get(g["GroupId"], []),
                            usage.get(g["GroupId"], []), group_errors) for g in groups)
    return CollectResult(tuple(resources), tuple(lists.errors))


def _vpc(scope: Scope, vpc: dict[str, Any], logs: list[dict[str, Any]], errors: dict[str, str]) -> RawResource:
    account = vpc.get("OwnerId") or scope.account
    arn = f"arn:aws:ec2:{scope.region}:{account}:vpc/{vpc['VpcId']}"
    props = {"arn": arn, "id": vpc["VpcId"], "region": scope.region, "account": account, "vpc": _plain(vpc),
             "flowLogs": logs}
    return RawResource(type=EC2_VPC, urn=arn, name=tag_map(vpc.get("Tags")).get("Name") or vpc["VpcId"],
                       props=props, source=SourceKind.LIVE, id=arn, errors=dict(errors))


def _flow_log(scope: Scope, log: dict[str, Any]) -> dict[str, Any]:
    kept = {k: log[k] for k in FLOW_LOG_KEYS if k in log}
    if not kept.get("LogDestination") and kept.get("LogGroupName"):
        # older CloudWatch Logs flow logs (and moto) name only the log group
        kept["LogDestination"] = f"arn:aws:logs:{scope.region}:{scope.account}:log-group:{kept['LogGroupName']}"
    return kept


class _RouteTables:
    """The route table of each subnet: its explicit association, else its VPC's main table."""

    def __init__(self, tables: list[dict[str, Any]]) -> None:
        self.explicit: dict[str, dict[str, Any]] = {}
        self.main: dict[str, dict[str, Any]] = {}
        for table in tables:
            kept = {"RouteTableId": table["RouteTableId"], "Routes": _plain(table.get("Routes", []))}
            for association in table.get("Associations", []):
                if association.get("Main"):
                    self.main[table.get("VpcId", "")] = kept
                elif association.get("SubnetId"):
                    self.explicit[association["SubnetId"]] = kept

    def of(self, subnet: dict[str, Any]) -> dict[str, Any] | None:
        table = self.explicit.get(subnet["SubnetId"])
        if table is not None:
            return dict(table, Explicit=True)
        main = self.main.get(subnet.get("VpcId", ""))
        return None if main is None else dict(main, Explicit=False)


def _subnet(scope: Scope, subnet: dict[str, Any], table: dict[str, Any] | None,
            errors: dict[str, str]) -> RawResource:
    account = subnet.get("OwnerId") or scope.account
    arn = subnet.get("SubnetArn") or f"arn:aws:ec2:{scope.region}:{account}:subnet/{subnet['SubnetId']}"
    props = {"arn": arn, "id": subnet["SubnetId"], "region": scope.region, "account": account,
             "subnet": _plain(subnet), "routeTable": table}
    return RawResource(type=EC2_SUBNET, urn=arn, name=tag_map(subnet.get("Tags")).get("Name") or subnet["SubnetId"],
                       props=props, source=SourceKind.LIVE, id=arn, errors=dict(errors))


def _group(scope: Scope, group: dict[str, Any], rules: list[dict[str, Any]] | None, usage: list[dict[str, Any]],
           errors: dict[str, str]) -> RawResource:
    account = group.get("OwnerId") or scope.account
    arn = group.get("SecurityGroupArn") or f"arn:aws:ec2:{scope.region}:{account}:security-group/{group['GroupId']}"
    from_groups = permission_rules(group)
    if rules is None:
        rules, source = from_groups, "DescribeSecurityGroups"
    else:
        rules, source = _with_descriptions(rules, from_groups), "DescribeSecurityGroupRules"
    props = {"arn": arn, "id": group["GroupId"], "region": scope.region, "account": account,
             "group": {k: _plain(v) for k, v in group.items() if k not in ("IpPermissions", "IpPermissionsEgress")},
             "rules": rules, "rulesSource": source, "usage": usage}
    name = tag_map(group.get("Tags")).get("Name") or group.get("GroupName") or group["GroupId"]
    return RawResource(type=EC2_SECURITY_GROUP, urn=arn, name=name, props=props, source=SourceKind.LIVE, id=arn,
                       errors=dict(errors))


def permission_rules(group: dict[str, Any]) -> list[dict[str, Any]]:
    """describe_security_groups' IpPermissions as describe_security_group_rules entries, one per (rule, peer)."""
    out: list[dict[str, Any]] = []
    for egress, key in ((False, "IpPermissions"), (True, "IpPermissionsEgress")):
        for perm in group.get(key, []):
            base = {"GroupId": group["GroupId"], "IsEgress": egress, "IpProtocol": perm.get("IpProtocol"),
                    "FromPort": perm.get("FromPort", -1), "ToPort": perm.get("ToPort", -1)}
            peers: list[tuple[dict[str, Any], dict[str, Any]]] = []
            peers += [({"CidrIpv4": r["CidrIp"]}, r) for r in perm.get("IpRanges", [])]
            peers += [({"CidrIpv6": r["CidrIpv6"]}, r) for r in perm.get("Ipv6Ranges", [])]
            peers += [({"PrefixListId": r["PrefixListId"]}, r) for r in perm.get("PrefixListIds", [])]
            peers += [({"ReferencedGroupInfo": {k: p[k] for k in ("GroupId", "UserId", "VpcPeeringConnectionId")
                                                if k in p}}, p) for p in perm.get("UserIdGroupPairs", [])]
            for peer, item in peers:
                entry = dict(base, **peer)
                if item.get("Description"):
                    entry["Description"] = item["Description"]
                out.append(entry)
    return out


def _rule_key(rule: dict[str, Any]) -> tuple[Any, ...]:
    ref = (rule.get("ReferencedGroupInfo") or {}).get("GroupId")
    return (rule.get("IsEgress"), str(rule.get("IpProtocol")), rule.get("FromPort"), rule.get("ToPort"),
            rule.get("CidrIpv4"), rule.get("CidrIpv6"), rule.get("PrefixListId"), ref)


def _with_descriptions(rules: list[dict[str, Any]], from_groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Fill a rule's missing description from describe_security_groups (moto drops it on group references)."""
    described = {_rule_key(r): r["Description"] for r in from_groups if r.get("Description")}
    return [r if r.get("Description") or _rule_key(r) not in described
            else dict(r, Description=described[_rule_key(r)]) for r in rules]


def interface_consumer(interface: dict[str, Any]) -> tuple[str, str] | None:
    """(asset kind, resource id) of what uses a network interface, for the kinds that use security groups.

    Load balancers' interfaces are skipped: load balancers are read from elbv2 (with their scheme).
    """
    description = interface.get("Description") or ""
    attachment = interface.get("Attachment") or {}
    owner = attachment.get("InstanceOwnerId") or ""
    kind_of_interface = interface.get("InterfaceType") or "interface"
    eni = interface.get("NetworkInterfaceId", "")
    if ECS_ATTACHMENT.match(description):  # awsvpc tasks: "arn:aws:ecs:<region>:<account>:attachment/<id>"
        return "ecs.service", description
    if is_load_balancer_interface(interface):
        return None
    if description == "RDSNetworkInterface" or owner == "amazon-rds":
        return "rds.db_instance", eni
    if kind_of_interface == "interface" and attachment.get("InstanceId") and not owner.startswith("amazon-"):
        return "ec2.instance", attachment["InstanceId"]
    return None


def is_load_balancer_interface(interface: dict[str, Any]) -> bool:
    """An elbv2 or classic load balancer's interface (requester-managed by ELB)."""
    owner = (interface.get("Attachment") or {}).get("InstanceOwnerId") or ""
    return ((interface.get("Description") or "").startswith("ELB ") or owner == "amazon-elb"
            or interface.get("RequesterId") == "amazon-elb"
            or (interface.get("InterfaceType") or "").endswith("load_balancer"))


def is_nat_gateway_interface(interface: dict[str, Any]) -> bool:
    """A NAT gateway's interface: AWS gives it no security group that could admit anything (type nat_gateway,
    described "Interface for NAT Gateway nat-...")."""
    return (interface.get("InterfaceType") == "nat_gateway"
            or (interface.get("Description") or "").startswith("Interface for NAT Gateway "))


def other_consumer(interface: dict[str, Any]) -> tuple[str, str] | None:
    """(kind, interface id) of a network interface in a group that is neither a load balancer's nor one of
    `interface_consumer`'s kinds (a Lambda function's, a VPC endpoint's, an EFS mount target's, one not attached):
    it shares the group, so the group is not a load balancer's alone."""
    if is_load_balancer_interface(interface) or is_nat_gateway_interface(interface):
        return None
    kind = OTHER_INTERFACE_KINDS.get(interface.get("InterfaceType") or "", "ec2.network_interface")
    return kind, interface.get("NetworkInterfaceId", "")


def _usage(interfaces: list[dict[str, Any]], balancers: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Group id -> what uses it: [{kind, id, internetFacing (load balancers only)}], one entry per resource."""
    found: dict[str, dict[tuple[str, str], dict[str, Any]]] = defaultdict(dict)
    for interface in interfaces:
        consumer = interface_consumer(interface) or other_consumer(interface)
        if consumer is None:
            continue
        for group in interface.get("Groups", []):
            found[group["GroupId"]][consumer] = {"kind": consumer[0], "id": consumer[1]}
    for lb in balancers:
        entry = {"kind": "elbv2.load_balancer", "id": lb["LoadBalancerArn"],
                 "internetFacing": lb.get("Scheme") == "internet-facing"}
        for group_id in lb.get("SecurityGroups") or []:
            found[group_id][("elbv2.load_balancer", lb["LoadBalancerArn"])] = entry
    return {group: list(entries.values()) for group, entries in found.items()}


def _plain(value: Any) -> Any:
    """A boto3 answer as plain JSON values (datetimes as ISO strings)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value.isoformat() if hasattr(value, "isoformat") else value
