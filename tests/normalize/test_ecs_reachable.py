"""ecs.service reachability (NET-13): tasks with public IPs, in a subnet routed to an internet gateway, in a
security group (the VPC's default group when none is named) that admits the internet. Planned and state views."""

from __future__ import annotations

from typing import Any

import pytest

from checks.model import UNKNOWN, Asset, SourceKind, Status
from tests.collectors.conftest import statuses
from tests.normalize.conftest import make_raw, one, run_normalize
from tests.normalize.test_ecs import IGW, NAT, SERVICE, SG, subnet_with_route

LB = "aws:lb/loadBalancer:LoadBalancer"
DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
STATE = SourceKind.STATE
WEB = [{"protocol": "tcp", "fromPort": 80, "toPort": 80, "cidrBlocks": ["0.0.0.0/0"]}]


def service(network: list[Any], groups: list[Any], *, assign: Any = True, lb: bool = False) -> list[Asset]:
    """A Fargate service in the network's subnet, in `groups` (none named: the VPC's default group)."""
    config: dict[str, Any] = {"subnets": [UNKNOWN], "assignPublicIp": assign}
    deps = [network[2].urn]
    if groups:
        config["securityGroups"] = [UNKNOWN] * len(groups)
        deps += [g.urn for g in groups]
    svc = make_raw(SERVICE, "api", {"launchType": "FARGATE", "networkConfiguration": config},
                   deps={"networkConfiguration": deps})
    extra = [make_raw(LB, "alb", {"securityGroups": [UNKNOWN]}, deps={"securityGroups": [groups[0].urn]})] if lb else []
    return run_normalize(*network, *groups, *extra, svc)


def public() -> list[Any]:
    return subnet_with_route("public", {"cidrBlock": "0.0.0.0/0", "gatewayId": UNKNOWN}, IGW)


def net13(assets: list[Asset]) -> Status:
    return statuses(assets, "NET-13")[("NET-13", "api")]


def test_fargate_tasks_with_public_ips_in_the_albs_group_are_reachable() -> None:
    """pulumi/examples aws-py-fargate: the ALB's group, open on 80, is also the tasks' group."""
    shared = make_raw(SG, "web", {"ingress": WEB})
    assets = service(public(), [shared], lb=True)
    attrs = one(assets, "ecs.service").attributes
    assert attrs["reachable_from_internet"] is True
    assert net13(assets) is Status.FAIL


def test_tasks_whose_group_admits_only_the_load_balancer_are_not_reachable() -> None:
    lb_group = make_raw(SG, "lb", {"ingress": WEB})
    app = make_raw(SG, "app", {"ingress": [{"protocol": "tcp", "fromPort": 80, "toPort": 80,
                                            "securityGroups": [UNKNOWN]}]}, deps={"ingress": [lb_group.urn]})
    assets = service(public(), [app])
    attrs = one(assets, "ecs.service").attributes
    assert (attrs["publicly_reachable"], attrs["reachable_from_internet"]) == (True, False)
    assert net13(assets) is Status.PASS


def test_tasks_in_a_private_subnet_or_without_public_ip_are_not_reachable() -> None:
    open_group = make_raw(SG, "open", {"ingress": WEB})
    private = subnet_with_route("private", {"cidrBlock": "0.0.0.0/0", "natGatewayId": UNKNOWN}, NAT)
    assert net13(service(private, [open_group])) is Status.PASS
    assert net13(service(public(), [open_group], assign=False)) is Status.PASS


@pytest.mark.parametrize(("declared", "expected"), [(None, False), ([], False), (WEB, True)])
def test_no_group_named_means_the_vpcs_default_group(declared: Any, expected: bool) -> None:
    network = public()
    extra = [] if declared is None else [make_raw(DEFAULT_SG, "default", {"vpcId": UNKNOWN, "ingress": declared},
                                                  deps={"vpcId": [network[0].urn]})]
    assets = service(network + extra, [])
    attrs = one(assets, "ecs.service").attributes
    # not declared: AWS's default rules admit only the group's own members
    assert attrs["reachable_from_internet"] is expected
    assert net13(assets) is (Status.FAIL if expected else Status.PASS)


def test_group_not_declared_leaves_reachability_unknown() -> None:
    network = public()
    svc = make_raw(SERVICE, "api", {"networkConfiguration": {"subnets": [UNKNOWN], "securityGroups": ["sg-ext"],
                                                             "assignPublicIp": True}},
                   deps={"networkConfiguration": [network[2].urn]})
    assets = run_normalize(*network, svc)
    asset = one(assets, "ecs.service")
    assert "reachable_from_internet" in asset.unknown
    assert net13(assets) is Status.UNKNOWN


def test_group_with_a_peer_that_is_not_a_cidr_block_is_an_error() -> None:
    bad = make_raw(SG, "bad", {"ingress": [{"protocol": "tcp", "fromPort": 80, "toPort": 80,
                                            "ipv6CidrBlocks": ["anywhere"]}]})
    assets = service(public(), [bad])
    asset = one(assets, "ecs.service")
    assert "anywhere" in asset.errors["reachable_from_internet"]
    assert net13(assets) is Status.ERROR


def test_service_without_awsvpc_networking_is_not_applicable() -> None:
    assets = run_normalize(make_raw(SERVICE, "api", {"launchType": "EC2"}))
    assert net13(assets) is Status.NOT_APPLICABLE


def test_state_view_links_subnets_and_groups_by_id() -> None:
    subnet = make_raw("aws:ec2/subnet:Subnet", "public", {"id": "subnet-1", "vpcId": "vpc-1"}, source=STATE,
                      id="subnet-1")
    table = make_raw("aws:ec2/routeTable:RouteTable", "rt", {
        "id": "rtb-1", "routes": [{"ipv6CidrBlock": "::/0", "gatewayId": "igw-1"}]}, source=STATE, id="rtb-1")
    assoc = make_raw("aws:ec2/routeTableAssociation:RouteTableAssociation", "assoc",
                     {"subnetId": "subnet-1", "routeTableId": "rtb-1"}, source=STATE, id="a-1")
    group = make_raw(SG, "web", {"id": "sg-web", "name": "web", "ingress": [
        {"protocol": "tcp", "fromPort": 80, "toPort": 80, "ipv6CidrBlocks": ["0::/0"]}]}, source=STATE, id="sg-web")
    svc = make_raw(SERVICE, "api", {"launchType": "FARGATE", "networkConfiguration": {
        "subnets": ["subnet-1"], "securityGroups": ["sg-web"], "assignPublicIp": True}}, source=STATE,
        id="arn:aws:ecs:eu-west-1:1:service/c/api")
    assets = run_normalize(subnet, table, assoc, group, svc)
    assert one(assets, "ecs.service").attributes["reachable_from_internet"] is True
    assert net13(assets) is Status.FAIL
