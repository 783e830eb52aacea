"""The live ec2.security_group normalizer on collector-shaped raw resources: CIDR blocks compared as networks, and
a group shared by a load balancer with anything else (an instance, an ECS task, any other network interface)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from checks.live_types import EC2_SECURITY_GROUP
from checks.model import Asset, SourceKind, Status
from tests.collectors.conftest import statuses
from tests.normalize.conftest import make_raw, one, run_normalize

ACCOUNT = "123456789012"
LB = {"kind": "elbv2.load_balancer", "id": "arn:aws:elasticloadbalancing:eu-west-1:1:loadbalancer/app/web/1",
      "internetFacing": True}


def live_group(gid: str, rules: list[dict[str, Any]], usage: list[dict[str, Any]],
               errors: dict[str, str] | None = None) -> Any:
    arn = f"arn:aws:ec2:eu-west-1:{ACCOUNT}:security-group/{gid}"
    props = {"arn": arn, "id": gid, "region": "eu-west-1", "account": ACCOUNT,
             "group": {"GroupId": gid, "GroupName": gid, "Description": "d", "VpcId": "vpc-1"},
             "rules": rules, "rulesSource": "DescribeSecurityGroupRules", "usage": usage}
    raw = make_raw(EC2_SECURITY_GROUP, gid, props, source=SourceKind.LIVE, id=arn)
    return raw if errors is None else replace(raw, errors=errors)


def ingress(port: int, **peer: Any) -> dict[str, Any]:
    return {"GroupId": "x", "IsEgress": False, "IpProtocol": "tcp", "FromPort": port, "ToPort": port, **peer}


def assets(*raws: Any) -> list[Asset]:
    return run_normalize(*raws)


@pytest.mark.parametrize("cidr", ["0::/0", "0000:0000::/0", "::0/0", "2000::/3"])
def test_expanded_ipv6_internet_is_the_internet(cidr: str) -> None:
    found = assets(live_group("sg-admin", [ingress(22, CidrIpv6=cidr)], []))
    assert one(found, "ec2.security_group").attributes["ingress_from_internet"] == [
        {"protocol": "tcp", "from_port": 22, "to_port": 22}]
    assert statuses(found, "NET-03") == {("NET-03", "sg-admin"): Status.FAIL}


def test_blocks_of_one_rule_key_add_up_to_the_internet() -> None:
    group = live_group("sg-a", [ingress(22, CidrIpv4="0.0.0.0/1"), ingress(22, CidrIpv4="128.0.0.0/1")], [])
    assert one(assets(group), "ec2.security_group").attributes["ingress_from_internet"] == [
        {"protocol": "tcp", "from_port": 22, "to_port": 22}]


def test_malformed_block_from_aws_is_an_error() -> None:
    found = assets(live_group("sg-a", [ingress(22, CidrIpv4="0.0.0.0")], []))
    asset = one(found, "ec2.security_group")
    assert "0.0.0.0" in asset.errors["ingress_from_internet"]
    assert statuses(found, "NET-02", "NET-03") == {("NET-02", "sg-a"): Status.ERROR, ("NET-03", "sg-a"): Status.ERROR}


@pytest.mark.parametrize("other", [
    {"kind": "ec2.instance", "id": "i-1"},
    {"kind": "ecs.service", "id": "arn:aws:ecs:eu-west-1:1:attachment/1"},
    {"kind": "ec2.network_interface", "id": "eni-1"},
])
def test_load_balancer_group_shared_with_anything_else_fails_net02_and_net10(other: dict[str, Any]) -> None:
    web = live_group("sg-web", [ingress(80, CidrIpv4="0.0.0.0/0")], [LB, other])
    app = live_group("sg-app", [ingress(8080, ReferencedGroupInfo={"GroupId": "sg-web"})],
                     [{"kind": "ec2.instance", "id": "i-2"}])
    found = assets(web, app)
    attrs = one(found, "ec2.security_group", "sg-web").attributes
    assert (attrs["used_by_internet_facing_load_balancer"], attrs["used_only_by_load_balancers"]) == (True, False)
    assert one(found, "ec2.security_group", "sg-app").attributes["ingress_only_from_load_balancers"] is False
    got = statuses(found, "NET-02", "NET-10")
    assert got[("NET-02", "sg-web")] is Status.FAIL
    assert got[("NET-10", "sg-app")] is Status.FAIL
    app_server = other["kind"] in ("ec2.instance", "ecs.service")
    assert got[("NET-10", "sg-web")] is (Status.FAIL if app_server else Status.NOT_APPLICABLE)


def test_load_balancer_only_group_keeps_its_exemption() -> None:
    web = live_group("sg-web", [ingress(80, CidrIpv4="0.0.0.0/0")], [LB])
    app = live_group("sg-app", [ingress(8080, ReferencedGroupInfo={"GroupId": "sg-web"})],
                     [{"kind": "ecs.service", "id": "arn:aws:ecs:eu-west-1:1:attachment/1"}])
    found = assets(web, app)
    assert one(found, "ec2.security_group", "sg-web").attributes["used_only_by_load_balancers"] is True
    got = statuses(found, "NET-02", "NET-10")
    assert (got[("NET-02", "sg-web")], got[("NET-10", "sg-app")]) == (Status.PASS, Status.PASS)


def test_unread_interfaces_make_sharing_an_error() -> None:
    web = live_group("sg-web", [ingress(80, CidrIpv4="0.0.0.0/0")], [LB],
                     errors={"DescribeNetworkInterfaces": "AccessDenied ec2:DescribeNetworkInterfaces"})
    asset = one(assets(web), "ec2.security_group")
    assert {"attached_to", "used_only_by_load_balancers", "ingress_only_from_load_balancers"} <= set(asset.errors)
    assert statuses([asset], "NET-02") == {("NET-02", "sg-web"): Status.ERROR}
