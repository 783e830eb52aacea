"""The ecs collector and its live normalizer against moto: services, their network placement, NET-08."""

from __future__ import annotations

from typing import Any
from unittest import mock

import boto3
import pytest

import checks.collectors.ecs as ecs_collector
from checks.model import Status
from checks.normalize.ecs import live as live_ecs
from tests.collectors.conftest import (
    ACCOUNT,
    REGION,
    assets_of,
    by_name,
    collect,
    restricted_session,
    scope,
    statuses,
    with_iam_enforced,
)

P, F, E, NA = Status.PASS, Status.FAIL, Status.ERROR, Status.NOT_APPLICABLE
EXPECTED = {("NET-08", "public-web"): F, ("NET-08", "private"): P, ("NET-08", "bridge"): P,
            ("NET-08", "main-table"): F, ("NET-08", "spot"): P, ("NET-08", "exposed"): F, ("NET-08", "defaulted"): F,
            ("NET-13", "public-web"): P, ("NET-13", "private"): P, ("NET-13", "bridge"): NA,
            ("NET-13", "main-table"): P, ("NET-13", "spot"): P, ("NET-13", "exposed"): F, ("NET-13", "defaulted"): P}


def _estate(session: boto3.Session) -> dict[str, Any]:
    ec2, ecs, elb = session.client("ec2"), session.client("ecs"), session.client("elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]

    def subnet(i: int) -> str:
        return str(ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone="us-east-1a")
                   ["Subnet"]["SubnetId"])

    public, private, unassociated = subnet(1), subnet(2), subnet(3)
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    public_rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=public_rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.associate_route_table(RouteTableId=public_rt, SubnetId=public)
    private_rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=private_rt, SubnetId=private)
    sg = ec2.create_security_group(GroupName="svc", Description="service", VpcId=vpc)["GroupId"]
    # aws-py-fargate's pattern: the tasks in a group open to the internet (::/0 written in full)
    open_sg = ec2.create_security_group(GroupName="open", Description="web", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=open_sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "Ipv6Ranges": [{"CidrIpv6": "0000:0000::/0"}]}])
    tg = elb.create_target_group(Name="web", Protocol="HTTP", Port=80, VpcId=vpc,
                                 TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]
    cluster = ecs.create_cluster(clusterName="apps")["cluster"]["clusterArn"]
    ecs.register_task_definition(family="app", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256",
                                 memory="512", containerDefinitions=[{"name": "web", "image": "nginx", "memory": 128}])

    def service(name: str, **kw: Any) -> None:
        ecs.create_service(cluster="apps", serviceName=name, taskDefinition="app", desiredCount=2, **kw)

    def awsvpc(subnet_id: str, assign: str, groups: list[str] | None = None) -> dict[str, Any]:
        return {"awsvpcConfiguration": {"subnets": [subnet_id], "securityGroups": [sg] if groups is None else groups,
                                        "assignPublicIp": assign}}

    service("web", launchType="FARGATE", networkConfiguration=awsvpc(public, "ENABLED"),
            loadBalancers=[{"targetGroupArn": tg, "containerName": "web", "containerPort": 80}],
            tags=[{"key": "Name", "value": "public-web"}])
    service("private", launchType="FARGATE", networkConfiguration=awsvpc(private, "DISABLED"))
    service("bridge", launchType="EC2")  # no awsvpc configuration: the container instances' network
    service("main-table", launchType="FARGATE", networkConfiguration=awsvpc(unassociated, "ENABLED"))
    service("spot", capacityProviderStrategy=[{"capacityProvider": "FARGATE_SPOT", "weight": 1}],
            networkConfiguration=awsvpc(private, "DISABLED"))
    service("exposed", launchType="FARGATE", networkConfiguration=awsvpc(public, "ENABLED", [open_sg]))
    # no group named: the VPC's default group (moto's admits nothing from outside)
    service("defaulted", launchType="FARGATE", networkConfiguration=awsvpc(public, "ENABLED", []))
    return {"cluster": cluster, "tg": tg, "sg": sg, "public": public, "private": private}


def test_assets_and_controls(session: boto3.Session) -> None:
    estate = _estate(session)
    result = collect(scope(session), "ecs")
    assert result.errors == ()
    assets = assets_of(result)
    web = by_name(assets, "public-web")
    assert (web.kind, web.id, web.region, web.account, web.tags) == (
        "ecs.service", f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/apps/web", REGION, ACCOUNT, {"Name": "public-web"})
    assert web.attributes == {
        "launch_type": "FARGATE", "assign_public_ip": True, "subnets": [estate["public"]],
        "security_groups": [estate["sg"]], "in_public_subnet": True, "publicly_reachable": True,
        "reachable_from_internet": False,
        "load_balancers": [{"target_group_arn": estate["tg"], "container_name": "web", "container_port": 80}],
        "desired_count": 2, "cluster": estate["cluster"]}
    private = by_name(assets, "private").attributes
    assert (private["in_public_subnet"], private["publicly_reachable"]) == (False, False)
    bridge = by_name(assets, "bridge").attributes
    assert (bridge["launch_type"], bridge["assign_public_ip"], bridge["subnets"], bridge["in_public_subnet"]) == (
        "EC2", False, [], False)
    main = by_name(assets, "main-table").attributes  # the VPC's main table has only the local route
    assert (main["assign_public_ip"], main["in_public_subnet"], main["publicly_reachable"]) == (True, False, False)
    # moto drops the capacity provider strategy and reports launchType EC2 (see the next test for real AWS)
    assert by_name(assets, "spot").attributes["launch_type"] == "EC2"
    exposed = by_name(assets, "exposed").attributes
    assert exposed["reachable_from_internet"] is True
    assert by_name(assets, "defaulted").attributes["security_groups"] == []
    assert statuses(assets, "NET-08", "NET-13") == EXPECTED


def test_capacity_provider_strategy_has_no_launch_type(session: boto3.Session) -> None:
    """Real AWS answers a service placed by a capacity provider strategy without launchType."""
    _estate(session)
    sc = scope(session)
    client = sc.client("ecs")
    real = client.describe_services

    def realistic(**kwargs: Any) -> dict[str, Any]:
        answer = real(**kwargs)
        for svc in answer["services"]:
            if svc["serviceName"] == "spot":
                svc.pop("launchType", None)
                svc["capacityProviderStrategy"] = [{"capacityProvider": "FARGATE_SPOT", "weight": 1, "base": 0}]
        return answer

    with mock.patch.object(client, "describe_services", side_effect=realistic):
        assets = assets_of(collect(sc, "ecs"))
    assert by_name(assets, "spot").attributes["launch_type"] is None
    assert statuses(assets, "NET-08", "NET-13") == EXPECTED


def test_declared_operations_cover_every_call(session: boto3.Session) -> None:
    _estate(session)
    seen: set[str] = set()
    session.events.register("before-call", lambda model, **_: seen.add(
        f"{model.service_model.signing_name}:{model.name}"))
    collect(scope(session), "ecs")
    assert seen == set(ecs_collector.OPERATIONS)


NET13_WITH_SUBNETS = {k for k in EXPECTED if k[0] == "NET-13" and k[1] != "bridge"}


@pytest.mark.parametrize(("denied", "paths", "changed"), [
    ("ec2:DescribeRouteTables", {"in_public_subnet", "publicly_reachable", "reachable_from_internet"},
     NET13_WITH_SUBNETS),
    ("ec2:DescribeSubnets", {"in_public_subnet", "publicly_reachable", "reachable_from_internet"},
     NET13_WITH_SUBNETS),
    ("ec2:DescribeSecurityGroups", {"reachable_from_internet"}, NET13_WITH_SUBNETS),
    ("ecs:DescribeServices", set(live_ecs.ATTRIBUTES), set(EXPECTED)),
])
def test_denied_call(session: boto3.Session, denied: str, paths: set[str], changed: set[tuple[str, str]]) -> None:
    _estate(session)
    restricted = restricted_session(session, [denied])
    result = with_iam_enforced(lambda: collect(scope(restricted), "ecs"))
    assert result.errors == ()
    assets = assets_of(result)
    with_subnets = {"web", "private", "main-table", "spot", "exposed", "defaulted"}
    for a in assets:
        name = a.id.rsplit("/", 1)[-1]
        expected = paths if name in with_subnets or denied.startswith("ecs:") else set()
        assert set(a.errors) == expected, (a.name, a.errors)
        assert set(a.errors.values()) <= {f"AccessDenied {denied}"}
    after = statuses(assets, "NET-08", "NET-13")
    if denied.startswith("ecs:"):  # names fall back to the service name read from the ARN
        after = {(c, "public-web" if n == "web" else n): s for (c, n), s in after.items()}
    assert after == {k: E if k in changed else v for k, v in EXPECTED.items()}


def test_denied_list_is_a_scan_error(session: boto3.Session) -> None:
    _estate(session)
    restricted = restricted_session(session, ["ecs:ListServices"])
    result = with_iam_enforced(lambda: collect(scope(restricted), "ecs"))
    assert result.resources == ()
    assert [(e.operation, e.reason, e.types) for e in result.errors] == [
        ("ecs:ListServices", "AccessDenied ecs:ListServices", ("live:ecs:service",))]
