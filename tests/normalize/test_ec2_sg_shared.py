"""ec2.security_group usage: a group that a load balancer shares with application servers is not a load balancer's
group (planned and state). pulumi/examples `aws-py-fargate`: Fargate tasks with public IPs in the ALB's group,
which is open to the internet on port 80."""

from __future__ import annotations

import pytest

from checks.model import UNKNOWN, Asset, SourceKind, Status
from tests.collectors.conftest import statuses
from tests.normalize.conftest import make_raw, one, run_normalize

SG = "aws:ec2/securityGroup:SecurityGroup"
LB = "aws:lb/loadBalancer:LoadBalancer"
INSTANCE = "aws:ec2/instance:Instance"
SERVICE = "aws:ecs/service:Service"
ENI = "aws:ec2/networkInterface:NetworkInterface"
ENI_ATTACHMENT = "aws:ec2/networkInterfaceSecurityGroupAttachment:NetworkInterfaceSecurityGroupAttachment"
LAMBDA = "aws:lambda/function:Function"
WEB = [{"protocol": "tcp", "fromPort": 80, "toPort": 80, "cidrBlocks": ["0.0.0.0/0"]}]
STATE = SourceKind.STATE


def fargate(view: SourceKind) -> list[Asset]:
    """aws-py-fargate: one group for the ALB and the tasks, open on 80; an app group admitting that group."""
    if view is STATE:
        shared = make_raw(SG, "web", {"id": "sg-web", "name": "web", "ingress": WEB}, source=STATE, id="sg-web")
        app = make_raw(SG, "app", {"id": "sg-app", "name": "app", "ingress": [
            {"protocol": "tcp", "fromPort": 8080, "toPort": 8080, "securityGroups": ["sg-web"]}]},
            source=STATE, id="sg-app")
        alb = make_raw(LB, "alb", {"securityGroups": ["sg-web"], "internal": False}, source=STATE, id="arn:alb")
        svc = make_raw(SERVICE, "svc", {"networkConfiguration": {"securityGroups": ["sg-web"], "subnets": [],
                                                                 "assignPublicIp": True}}, source=STATE, id="arn:svc")
        vm = make_raw(INSTANCE, "vm", {"vpcSecurityGroupIds": ["sg-app"]}, source=STATE, id="i-1")
        return run_normalize(shared, app, alb, svc, vm)
    shared = make_raw(SG, "web", {"name": "web", "ingress": WEB})
    app = make_raw(SG, "app", {"name": "app", "ingress": [
        {"protocol": "tcp", "fromPort": 8080, "toPort": 8080, "securityGroups": [UNKNOWN]}]},
        deps={"ingress": [shared.urn]})
    alb = make_raw(LB, "alb", {"securityGroups": [UNKNOWN]}, deps={"securityGroups": [shared.urn]})
    svc = make_raw(SERVICE, "svc", {"networkConfiguration": {"securityGroups": [UNKNOWN], "assignPublicIp": True}},
                   deps={"networkConfiguration": [shared.urn]})
    vm = make_raw(INSTANCE, "vm", {"vpcSecurityGroupIds": [UNKNOWN]}, deps={"vpcSecurityGroupIds": [app.urn]})
    return run_normalize(shared, app, alb, svc, vm)


@pytest.mark.parametrize("view", [SourceKind.PLANNED, STATE])
def test_group_shared_by_an_internet_facing_load_balancer_and_tasks_fails_net02_and_net10(view: SourceKind) -> None:
    assets = fargate(view)
    web = one(assets, "ec2.security_group", "web").attributes
    assert web["attached_to"] == ["ecs.service", "elbv2.load_balancer"]
    assert web["used_by_internet_facing_load_balancer"] is True
    assert web["used_only_by_load_balancers"] is False
    got = statuses(assets, "NET-02", "NET-10")
    assert got[("NET-02", "web")] is Status.FAIL
    assert got[("NET-10", "web")] is Status.FAIL
    # a group admitting the shared group admits the tasks in it, not only a load balancer
    assert one(assets, "ec2.security_group", "app").attributes["ingress_only_from_load_balancers"] is False
    assert got[("NET-10", "app")] is Status.FAIL


def test_group_of_load_balancers_only_keeps_its_exemption() -> None:
    lb_group = make_raw(SG, "lb", {"ingress": WEB})
    app = make_raw(SG, "app", {"ingress": [
        {"protocol": "tcp", "fromPort": 8080, "toPort": 8080, "securityGroups": [UNKNOWN]}]},
        deps={"ingress": [lb_group.urn]})
    alb = make_raw(LB, "alb", {"securityGroups": [UNKNOWN]}, deps={"securityGroups": [lb_group.urn]})
    inner = make_raw(LB, "inner", {"internal": True, "securityGroups": [UNKNOWN]},
                     deps={"securityGroups": [lb_group.urn]})
    vm = make_raw(INSTANCE, "vm", {"vpcSecurityGroupIds": [UNKNOWN]}, deps={"vpcSecurityGroupIds": [app.urn]})
    assets = run_normalize(lb_group, app, alb, inner, vm)
    assert one(assets, "ec2.security_group", "lb").attributes["used_only_by_load_balancers"] is True
    assert one(assets, "ec2.security_group", "app").attributes["ingress_only_from_load_balancers"] is True
    got = statuses(assets, "NET-02", "NET-10")
    assert (got[("NET-02", "lb")], got[("NET-10", "lb")]) == (Status.PASS, Status.NOT_APPLICABLE)
    assert got[("NET-10", "app")] is Status.PASS


def test_unused_group_is_not_a_load_balancers_group() -> None:
    attrs = one(run_normalize(make_raw(SG, "g", {"ingress": WEB})), "ec2.security_group").attributes
    assert (attrs["attached_to"], attrs["used_only_by_load_balancers"]) == ([], False)


@pytest.mark.parametrize(("token", "kind", "props"), [
    (ENI, "ec2.network_interface", {"securityGroups": [UNKNOWN]}),
    (ENI_ATTACHMENT, "ec2.network_interface", {"securityGroupId": UNKNOWN, "networkInterfaceId": "eni-1"}),
    (LAMBDA, "lambda.function", {"vpcConfig": {"securityGroupIds": [UNKNOWN], "subnetIds": ["subnet-1"]}}),
])
def test_other_resources_in_a_load_balancers_group_end_its_exemption(token: str, kind: str,
                                                                     props: dict[str, object]) -> None:
    group = make_raw(SG, "lb", {"ingress": WEB})
    alb = make_raw(LB, "alb", {"securityGroups": [UNKNOWN]}, deps={"securityGroups": [group.urn]})
    prop = next(iter(props))
    other = make_raw(token, "other", props, deps={prop: [group.urn]})
    assets = run_normalize(group, alb, other)
    attrs = one(assets, "ec2.security_group", "lb").attributes
    assert attrs["attached_to"] == sorted([kind, "elbv2.load_balancer"])
    assert attrs["used_only_by_load_balancers"] is False
    assert statuses(assets, "NET-02")[("NET-02", "lb")] is Status.FAIL
