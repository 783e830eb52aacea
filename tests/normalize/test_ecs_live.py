"""The live ecs.service normalizer on collector-shaped raw resources: reachability from the groups AWS reports."""

from __future__ import annotations

from typing import Any

import pytest

from checks.live_types import ECS_SERVICE
from checks.model import SourceKind, Status
from tests.collectors.conftest import statuses
from tests.normalize.conftest import make_raw, one, run_normalize

ARN = "arn:aws:ecs:eu-west-1:123456789012:service/apps/web"
ROUTES = [{"RouteTableId": "rtb-1", "VpcId": "vpc-1", "Associations": [{"SubnetId": "subnet-1"}],
           "Routes": [{"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1"}]}]


def live_service(cidrs: list[tuple[str, str]], *, assign: str = "ENABLED") -> Any:
    ranges: dict[str, list[dict[str, str]]] = {"IpRanges": [], "Ipv6Ranges": []}
    for family, cidr in cidrs:
        ranges["IpRanges" if family == "v4" else "Ipv6Ranges"].append(
            {"CidrIp": cidr} if family == "v4" else {"CidrIpv6": cidr})
    group = {"GroupId": "sg-1", "GroupName": "web", "VpcId": "vpc-1",
             "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, **ranges}]}
    svc = {"serviceArn": ARN, "serviceName": "web", "launchType": "FARGATE", "desiredCount": 1,
           "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-1"], "securityGroups": ["sg-1"],
                                                            "assignPublicIp": assign}}}
    props = {"arn": ARN, "region": "eu-west-1", "account": "123456789012", "service": svc,
             "subnetVpcs": {"subnet-1": "vpc-1"}, "routeTables": ROUTES, "securityGroups": [group], "tags": {}}
    return make_raw(ECS_SERVICE, "web", props, source=SourceKind.LIVE, id=ARN)


@pytest.mark.parametrize(("cidrs", "expected"), [
    ([("v6", "0000:0000::/0")], Status.FAIL), ([("v4", "0.0.0.0/1"), ("v4", "128.0.0.0/1")], Status.FAIL),
    ([("v4", "10.0.0.0/8")], Status.PASS), ([], Status.PASS)])
def test_reachability_compares_networks(cidrs: list[tuple[str, str]], expected: Status) -> None:
    assert statuses(run_normalize(live_service(cidrs)), "NET-13") == {("NET-13", "web"): expected}


def test_malformed_block_is_an_error_unless_no_public_ip_decides() -> None:
    asset = one(run_normalize(live_service([("v4", "0.0.0.0")])), "ecs.service")
    assert "0.0.0.0" in asset.errors["reachable_from_internet"]
    assert statuses([asset], "NET-13") == {("NET-13", "web"): Status.ERROR}
    private = one(run_normalize(live_service([("v4", "0.0.0.0")], assign="DISABLED")), "ecs.service")
    assert private.attributes["reachable_from_internet"] is False
    assert "reachable_from_internet" not in private.errors
