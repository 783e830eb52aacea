"""The EC2 networking collector on moto: VPCs with flow logs, subnets with routing, security groups with rules
and usage; live assets validate, the real catalog gives the expected results, and a denied list gives `error`
for exactly the controls that read what it fills."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from checks import live_types
from checks.catalog.schemas import validate_assets
from checks.collectors import ec2_network
from checks.collectors.base import CollectResult
from checks.model import Asset, SourceKind, Status
from checks.normalize import normalize
from tests.collectors.conftest import by_name, restricted_session, scope, statuses, with_iam_enforced
from tests.normalize.conftest import make_raw

P, F, E, NA = Status.PASS, Status.FAIL, Status.ERROR, Status.NOT_APPLICABLE
CONTROLS = ("LOG-03", "NET-01", "NET-02", "NET-03", "NET-04", "NET-10", "NET-11", "FW-01")
AMI = "ami-12c6146b"


@dataclass
class Estate:
    ids: dict[str, str]


def _tag(ec2: Any, resource: str, name: str, **extra: str) -> None:
    tags = [{"Key": "Name", "Value": name}] + [{"Key": k, "Value": v} for k, v in extra.items()]
    ec2.create_tags(Resources=[resource], Tags=tags)


def _group(ec2: Any, vpc: str, name: str, permissions: list[dict[str, Any]]) -> str:
    gid = str(ec2.create_security_group(GroupName=name, Description=f"{name} tier", VpcId=vpc)["GroupId"])
    if permissions:
        ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=permissions)
    return gid


def _default_group(ec2: Any, vpc: str) -> str:
    groups = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                                   {"Name": "group-name", "Values": ["default"]}])
    return str(groups["SecurityGroups"][0]["GroupId"])


def build(session: boto3.Session) -> Estate:
    ec2 = session.client("ec2")
    ids: dict[str, str] = {}
    prod = ids["prod"] = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    legacy = ids["legacy"] = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    _tag(ec2, prod, "prod")
    _tag(ec2, legacy, "legacy")
    session.client("s3").create_bucket(Bucket="flow-logs")
    ec2.create_flow_logs(ResourceIds=[prod], ResourceType="VPC", TrafficType="ALL", LogDestinationType="s3",
                         LogDestination="arn:aws:s3:::flow-logs")
    ec2.create_flow_logs(ResourceIds=[legacy], ResourceType="VPC", TrafficType="ACCEPT", LogGroupName="legacy-flows",
                         DeliverLogsPermissionArn="arn:aws:iam::123456789012:role/flow-logs")

    # the prod VPC's default group is emptied, the legacy one keeps the AWS default rules
    prod_default = ids["prod-default"] = _default_group(ec2, prod)
    _tag(ec2, prod_default, "prod-default")
    legacy_default = _default_group(ec2, legacy)
    _tag(ec2, legacy_default, "legacy-default")
    # moto gap: its default groups lack AWS's "all inbound from the group itself" rule; add it as AWS has it
    ec2.authorize_security_group_ingress(GroupId=legacy_default, IpPermissions=[
        {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": legacy_default}]}])
    rule_ids = [r["SecurityGroupRuleId"] for r in ec2.describe_security_group_rules(
        Filters=[{"Name": "group-id", "Values": [prod_default]}])["SecurityGroupRules"]]
    rules = ec2.describe_security_group_rules(SecurityGroupRuleIds=rule_ids)["SecurityGroupRules"]
    ec2.revoke_security_group_ingress(GroupId=prod_default, SecurityGroupRuleIds=[
        r["SecurityGroupRuleId"] for r in rules if not r["IsEgress"]])
    ec2.revoke_security_group_egress(GroupId=prod_default, SecurityGroupRuleIds=[
        r["SecurityGroupRuleId"] for r in rules if r["IsEgress"]])

    def subnet(name: str, cidr: str, az: str, **tags: str) -> str:
        sid = str(ec2.create_subnet(VpcId=prod, CidrBlock=cidr, AvailabilityZone=az)["Subnet"]["SubnetId"])
        _tag(ec2, sid, name, **tags)
        ids[name] = sid
        return sid

    public_a = subnet("public-a", "10.0.0.0/24", "us-east-1a", tier="public")
    public_b = subnet("public-b", "10.0.1.0/24", "us-east-1b", tier="public")
    private_ok = subnet("private-ok", "10.0.10.0/24", "us-east-1a", tier="private")
    private_main = subnet("private-main", "10.0.11.0/24", "us-east-1b", tier="private")
    private_igw = subnet("private-igw", "10.0.12.0/24", "us-east-1a", tier="private")
    private_ip = subnet("private-public-ip", "10.0.13.0/24", "us-east-1b", tier="private")
    ec2.modify_subnet_attribute(SubnetId=private_ip, MapPublicIpOnLaunch={"Value": True})
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=prod)
    public_rt = ec2.create_route_table(VpcId=prod)["RouteTable"]["RouteTableId"]
    ids["public-rt"] = public_rt
    ec2.create_route(RouteTableId=public_rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    for sid in (public_a, public_b, private_igw):
        ec2.associate_route_table(RouteTableId=public_rt, SubnetId=sid)
    eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=public_a, AllocationId=eip)["NatGateway"]["NatGatewayId"]
    private_rt = ec2.create_route_table(VpcId=prod)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=private_rt, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    ec2.associate_route_table(RouteTableId=private_rt, SubnetId=private_ok)
    ids["private-rt"] = private_rt
    # private-main stays on the VPC's main table (local route only)

    world = [{"CidrIp": "0.0.0.0/0"}]
    alb = ids["alb"] = _group(ec2, prod, "alb", [
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": world},
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}])
    ids["app"] = _group(ec2, prod, "app", [
        {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080,
         "UserIdGroupPairs": [{"GroupId": alb, "Description": "from the load balancer"}]}])
    ids["bastion"] = _group(ec2, prod, "bastion", [
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
         "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "ssh"}]}])
    internal = ids["internal-lb"] = _group(ec2, prod, "internal-lb", [
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": world}])
    ids["wide-open"] = _group(ec2, prod, "wide-open", [{"IpProtocol": "-1", "IpRanges": world}])
    for name in ("app", "bastion"):
        ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, SubnetId=private_ok, SecurityGroupIds=[ids[name]])
    elb = session.client("elbv2")
    elb.create_load_balancer(Name="web", Subnets=[public_a, public_b], SecurityGroups=[alb], Scheme="internet-facing")
    elb.create_load_balancer(Name="inner", Subnets=[private_ok, private_main], SecurityGroups=[internal],
                             Scheme="internal")
    return Estate(ids)


def _assets(result: CollectResult, reviewed: frozenset[str] = frozenset()) -> list[Asset]:
    assets = normalize(result.resources, reviewed=reviewed).assets
    problems = validate_assets(assets)
    assert not problems, problems
    return assets


def _scan(session: boto3.Session, reviewed: frozenset[str] = frozenset()) -> tuple[CollectResult, list[Asset]]:
    result = ec2_network.collect(scope(session))
    return result, _assets(result, reviewed)


@pytest.fixture
def estate(session: boto3.Session) -> Estate:
    return build(session)


def _app_fingerprints(assets: list[Asset]) -> frozenset[str]:
    return frozenset(r["fingerprint"] for r in by_name(assets, "app").attributes["rules"])


def test_assets_identity_and_attributes(session: boto3.Session, estate: Estate) -> None:
    result, assets = _scan(session)
    assert result.errors == ()
    prod = by_name(assets, "prod")
    assert prod.id == f"arn:aws:ec2:us-east-1:123456789012:vpc/{estate.ids['prod']}"
    assert (prod.kind, prod.region, prod.account, prod.source) == ("ec2.vpc", "us-east-1", "123456789012",
                                                                  SourceKind.LIVE)
    assert prod.attributes["flow_logs"] == [
        {"traffic_type": "ALL", "destination_type": "s3", "destination": "arn:aws:s3:::flow-logs"}]
    assert prod.attributes["default_security_group_allows_traffic"] is False
    legacy = by_name(assets, "legacy").attributes
    assert legacy["flow_logs"][0]["destination"] == "arn:aws:logs:us-east-1:123456789012:log-group:legacy-flows"
    assert legacy["default_security_group_allows_traffic"] is True
    public = by_name(assets, "public-a")
    assert public.tags == {"Name": "public-a", "tier": "public"}
    assert public.attributes["route_table_id"] == estate.ids["public-rt"]
    assert (public.attributes["routes_to_internet_gateway"], public.attributes["tier"]) == (True, "public")
    ok = by_name(assets, "private-ok").attributes
    assert (ok["routes_to_internet_gateway"], ok["routes_to_nat_gateway"], ok["tier"]) == (False, True, "private")
    main = by_name(assets, "private-main").attributes
    assert (main["route_table_id"], main["routes_to_internet_gateway"], main["routes_to_nat_gateway"]) == (
        None, False, False)
    default_subnets = [a for a in assets if a.kind == "ec2.subnet" and a.attributes["is_default"]]
    assert default_subnets and all(a.attributes["map_public_ip_on_launch"] for a in default_subnets)
    # moto gap: its default VPC has no internet gateway and a main table with only the local route (in AWS the main
    # table sends 0.0.0.0/0 to the default VPC's gateway); the live view reports what it reads
    assert not any(a.attributes["routes_to_internet_gateway"] for a in default_subnets)

    app = by_name(assets, "app").attributes
    assert app["attached_to"] == ["ec2.instance"]
    assert (app["used_by_load_balancer"], app["ingress_only_from_load_balancers"]) == (False, True)
    ingress = [r for r in app["rules"] if r["direction"] == "ingress"]
    assert [(r["protocol"], r["from_port"], r["peer_type"], r["peer"], r["description"]) for r in ingress] == [
        ("tcp", 8080, "security_group", "alb", "from the load balancer")]
    alb = by_name(assets, "alb").attributes
    assert alb["attached_to"] == ["elbv2.load_balancer"]
    assert alb["used_by_internet_facing_load_balancer"] is True
    assert sorted((r["protocol"], r["from_port"], r["to_port"]) for r in alb["ingress_from_internet"]) == [
        ("tcp", 80, 80), ("tcp", 443, 443)]
    assert by_name(assets, "internal-lb").attributes["used_by_internet_facing_load_balancer"] is False
    legacy_default = by_name(assets, "legacy-default").attributes
    assert legacy_default["is_default"] is True
    assert {(r["direction"], r["protocol"], r["from_port"], r["to_port"], r["peer_type"], r["peer"])
            for r in legacy_default["rules"]} == {("ingress", "all", 0, 65535, "self", "default"),
                                                  ("egress", "all", 0, 65535, "cidr_ipv4", "0.0.0.0/0")}
    assert by_name(assets, "prod-default").attributes["rules"] == []


def test_catalog_results(session: boto3.Session, estate: Estate) -> None:
    _, first = _scan(session)
    _, assets = _scan(session, reviewed=_app_fingerprints(first))
    got = statuses(assets, *CONTROLS)
    default_vpc = next(a.name for a in assets if a.kind == "ec2.vpc" and a.attributes["is_default"])
    expected = {
        ("LOG-03", "prod"): P, ("LOG-03", "legacy"): F, ("LOG-03", default_vpc): F,
        ("NET-11", "prod"): P, ("NET-11", "legacy"): F, ("NET-11", default_vpc): F,
        ("NET-01", "private-ok"): P, ("NET-01", "private-main"): P, ("NET-01", "private-igw"): F,
        ("NET-01", "private-public-ip"): F, ("NET-01", "public-a"): NA,
        ("NET-04", "prod-default"): P, ("NET-04", "legacy-default"): F, ("NET-04", "app"): NA,
        ("NET-02", "alb"): P, ("NET-02", "app"): P, ("NET-02", "bastion"): F, ("NET-02", "internal-lb"): F,
        ("NET-02", "wide-open"): F,
        ("NET-03", "alb"): P, ("NET-03", "internal-lb"): P, ("NET-03", "bastion"): F, ("NET-03", "wide-open"): F,
        ("NET-10", "app"): P, ("NET-10", "bastion"): F, ("NET-10", "alb"): NA, ("NET-10", "wide-open"): NA,
        ("FW-01", "app"): P, ("FW-01", "bastion"): F, ("FW-01", "prod-default"): P, ("FW-01", "legacy-default"): F,
    }
    assert {k: got[k] for k in expected} == expected


def test_fingerprints_match_the_planned_normalizer(session: boto3.Session, estate: Estate) -> None:
    _, assets = _scan(session)
    sg = "aws:ec2/securityGroup:SecurityGroup"
    planned = [
        make_raw(sg, "alb", {"name": "alb"}, id="sg-planned-alb"),
        make_raw(sg, "app", {"name": "app",
                             "ingress": [{"protocol": "tcp", "fromPort": 8080, "toPort": 8080,
                                          "securityGroups": ["sg-planned-alb"]}],
                             "egress": [{"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}]},
                 id="sg-planned-app"),
    ]
    planned_app = next(a for a in normalize(planned).assets if a.name == "app")
    assert {r["fingerprint"] for r in planned_app.attributes["rules"]} == _app_fingerprints(assets)


def _difference(session: boto3.Session, denied: list[str]) -> tuple[CollectResult, dict[Any, tuple[Status, Status]]]:
    """Scan as a user denied `denied`; the control results that changed from a full scan: (before, after)."""
    _, full = _scan(session)
    before = statuses(full, *CONTROLS)
    limited = restricted_session(session, denied)
    result = with_iam_enforced(lambda: ec2_network.collect(scope(limited)))
    after = statuses(_assets(result), *CONTROLS)
    assert before.keys() == after.keys()
    return result, {k: (before[k], after[k]) for k in before if before[k] != after[k]}


def test_denied_flow_logs_errors_only_log03(session: boto3.Session, estate: Estate) -> None:
    result, changed = _difference(session, ["ec2:DescribeFlowLogs"])
    assert result.errors == ()  # a side list: an error on each VPC, not a ListFailure
    assert {k[0] for k in changed} == {"LOG-03"}
    assert all(after == E for _, after in changed.values())
    assert len(changed) == 3  # every VPC


def test_denied_route_tables_errors_only_net01_of_private_subnets(session: boto3.Session, estate: Estate) -> None:
    _, changed = _difference(session, ["ec2:DescribeRouteTables"])
    assert changed == {("NET-01", n): (s, E) for n, s in [("private-ok", P), ("private-main", P), ("private-igw", F),
                                                           ("private-public-ip", F)]}


def test_denied_interfaces_errors_only_net02_and_net10(session: boto3.Session, estate: Estate) -> None:
    # both need to know whether anything but a load balancer uses a group (used_only_by_load_balancers)
    _, changed = _difference(session, ["ec2:DescribeNetworkInterfaces"])
    assert {k[0] for k in changed} == {"NET-02", "NET-10"}
    assert all(after == E for _, after in changed.values())


def test_denied_load_balancers_errors_only_the_controls_reading_lb_usage(session: boto3.Session,
                                                                         estate: Estate) -> None:
    result, changed = _difference(session, ["elasticloadbalancing:DescribeLoadBalancers"])
    assert result.errors == ()  # a side list: an error on each group, not a ListFailure
    assert {k[0] for k in changed} == {"NET-02", "NET-10"}
    assert all(after == E for _, after in changed.values())


def test_denied_rule_list_falls_back_to_the_groups_rules(session: boto3.Session, estate: Estate) -> None:
    result, changed = _difference(session, ["ec2:DescribeSecurityGroupRules"])
    assert changed == {}
    assert {r.props["rulesSource"] for r in result.resources if r.type == live_types.EC2_SECURITY_GROUP} == {
        "DescribeSecurityGroups"}
    _, full = _scan(session)
    fallback = _assets(result)
    for name in ("app", "bastion", "legacy-default", "alb"):
        assert by_name(fallback, name).attributes["rules"] == by_name(full, name).attributes["rules"]


def test_denied_vpc_list_is_a_scan_error(session: boto3.Session, estate: Estate) -> None:
    limited = restricted_session(session, ["ec2:DescribeVpcs"])
    result = with_iam_enforced(lambda: ec2_network.collect(scope(limited)))
    assert [(e.operation, e.reason, e.types) for e in result.errors] == [
        ("ec2:DescribeVpcs", "AccessDenied ec2:DescribeVpcs", ("live:ec2:vpc",))]
    assert not [r for r in result.resources if r.type == live_types.EC2_VPC]
    assert [r for r in result.resources if r.type == live_types.EC2_SUBNET]


def test_flow_log_on_a_subnet_does_not_count_for_the_vpc(session: boto3.Session, estate: Estate) -> None:
    ec2 = session.client("ec2")
    ec2.create_flow_logs(ResourceIds=[estate.ids["private-ok"]], ResourceType="Subnet", TrafficType="ALL",
                         LogDestinationType="s3", LogDestination="arn:aws:s3:::flow-logs")
    ec2.delete_flow_logs(FlowLogIds=[f["FlowLogId"] for f in ec2.describe_flow_logs(
        Filters=[{"Name": "resource-id", "Values": [estate.ids["prod"]]}])["FlowLogs"]])
    _, assets = _scan(session)
    assert by_name(assets, "prod").attributes["flow_logs_enabled"] is False
    assert statuses(assets, "LOG-03")[("LOG-03", "prod")] == F


@pytest.mark.parametrize(("interface", "expected"), [
    # shapes of real interfaces (AWS docs, "Requester-managed network interfaces")
    ({"Description": "arn:aws:ecs:us-east-1:123456789012:attachment/6c2b4b59", "InterfaceType": "interface",
      "RequesterId": "578734482556", "Attachment": {"InstanceOwnerId": "amazon-aws"}},
     ("ecs.service", "arn:aws:ecs:us-east-1:123456789012:attachment/6c2b4b59")),
    ({"Description": "ELB app/web/50dc6c495c0c9188", "InterfaceType": "interface", "RequesterId": "amazon-elb",
      "Attachment": {"InstanceOwnerId": "amazon-elb"}}, None),
    ({"Description": "ELB net/nlb/50dc6c495c0c9188", "InterfaceType": "network_load_balancer"}, None),
    ({"Description": "RDSNetworkInterface", "NetworkInterfaceId": "eni-1", "RequesterId": "amazon-rds",
      "Attachment": {"InstanceOwnerId": "amazon-rds"}}, ("rds.db_instance", "eni-1")),
    ({"Description": "Interface for NAT Gateway nat-0a1b", "InterfaceType": "nat_gateway"}, None),
    ({"Description": "AWS Lambda VPC ENI-fn", "InterfaceType": "lambda"}, None),
    ({"Description": "", "InterfaceType": "interface",
      "Attachment": {"InstanceId": "i-1", "InstanceOwnerId": "123456789012"}}, ("ec2.instance", "i-1")),
])
def test_interface_consumer(interface: dict[str, Any], expected: tuple[str, str] | None) -> None:
    assert ec2_network.interface_consumer(interface) == expected


def test_operations_declared() -> None:
    from checks.collectors.base import COLLECTORS

    declared = set(COLLECTORS["ec2_network"].operations)
    ec2 = boto3.client("ec2", region_name="us-east-1")
    elb = boto3.client("elbv2", region_name="us-east-1")
    used = {f"ec2:{ec2.meta.method_to_api_mapping[m]}" for m in (
        "describe_vpcs", "describe_flow_logs", "describe_subnets", "describe_route_tables", "describe_security_groups",
        "describe_security_group_rules", "describe_network_interfaces")}
    used.add(f"elbv2:{elb.meta.method_to_api_mapping['describe_load_balancers']}")
    assert declared == used
