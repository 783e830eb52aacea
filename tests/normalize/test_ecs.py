"""ecs.service: launch type, public IPs, subnet routing and load balancers."""

from __future__ import annotations

from checks.model import UNKNOWN, SourceKind
from tests.normalize.conftest import make_raw, one, run_normalize

SERVICE = "aws:ecs/service:Service"
CLUSTER = "aws:ecs/cluster:Cluster"
VPC = "aws:ec2/vpc:Vpc"
SUBNET = "aws:ec2/subnet:Subnet"
IGW = "aws:ec2/internetGateway:InternetGateway"
NAT = "aws:ec2/natGateway:NatGateway"
RT = "aws:ec2/routeTable:RouteTable"
RTA = "aws:ec2/routeTableAssociation:RouteTableAssociation"
SG = "aws:ec2/securityGroup:SecurityGroup"
TG = "aws:lb/targetGroup:TargetGroup"
STATE = SourceKind.STATE


def subnet_with_route(name: str, route: dict[str, object], gateway_type: str) -> list:
    """A subnet whose associated table sends 0.0.0.0/0 to a gateway of `gateway_type` (planned shape)."""
    vpc = make_raw(VPC, f"{name}-vpc", {"cidrBlock": "10.0.0.0/16"})
    gateway = make_raw(gateway_type, f"{name}-gw", {})
    subnet = make_raw(SUBNET, name, {"vpcId": UNKNOWN}, deps={"vpcId": [vpc.urn]})
    table = make_raw(RT, f"{name}-rt", {"routes": [route]}, deps={"routes": [gateway.urn]})
    assoc = make_raw(RTA, f"{name}-assoc", {"subnetId": UNKNOWN, "routeTableId": UNKNOWN},
                     deps={"subnetId": [subnet.urn], "routeTableId": [table.urn]})
    return [vpc, gateway, subnet, table, assoc]


def test_planned_fargate_service_with_public_ip_in_public_subnet_is_publicly_reachable() -> None:
    network = subnet_with_route("public", {"cidrBlock": "0.0.0.0/0", "gatewayId": UNKNOWN}, IGW)
    group = make_raw(SG, "svc-sg", {})
    cluster = make_raw(CLUSTER, "cluster", {})
    target = make_raw(TG, "tg", {"port": 8080})
    service = make_raw(SERVICE, "api", {
        "cluster": UNKNOWN, "launchType": "FARGATE", "desiredCount": 2,
        "networkConfiguration": {"subnets": [UNKNOWN], "securityGroups": [UNKNOWN], "assignPublicIp": True},
        "loadBalancers": [{"targetGroupArn": UNKNOWN, "containerName": "api", "containerPort": 8080}]},
        deps={"cluster": [cluster.urn], "networkConfiguration": [network[2].urn, group.urn],
              "loadBalancers": [target.urn]})
    assets = run_normalize(*network, group, cluster, target, service)
    asset = one(assets, "ecs.service")
    attrs = asset.attributes
    assert attrs["launch_type"] == "FARGATE"
    assert attrs["assign_public_ip"] is True
    assert attrs["subnets"] == [network[2].urn]
    assert attrs["security_groups"] == [group.urn]
    assert attrs["in_public_subnet"] is True
    assert attrs["publicly_reachable"] is True
    assert attrs["load_balancers"] == [{"target_group_arn": target.urn, "container_name": "api",
                                        "container_port": 8080}]
    assert attrs["desired_count"] == 2
    assert attrs["cluster"] == cluster.urn
    assert asset.unknown == frozenset()
    assert one(assets, "ec2.security_group").attributes["attached_to"] == ["ecs.service"]


def test_service_in_private_subnet_behind_nat_is_not_in_a_public_subnet() -> None:
    network = subnet_with_route("private", {"cidrBlock": "0.0.0.0/0", "natGatewayId": UNKNOWN}, NAT)
    service = make_raw(SERVICE, "api", {"networkConfiguration": {"subnets": [UNKNOWN]}},
                       deps={"networkConfiguration": [network[2].urn]})
    attrs = one(run_normalize(*network, service), "ecs.service").attributes
    assert attrs["in_public_subnet"] is False
    assert attrs["assign_public_ip"] is False  # provider default
    assert attrs["publicly_reachable"] is False


def test_service_defaults_without_network_configuration() -> None:
    attrs = one(run_normalize(make_raw(SERVICE, "api", {"cluster": "arn:aws:ecs:eu-west-1:1:cluster/c"})),
                "ecs.service").attributes
    assert attrs == {"launch_type": "EC2", "assign_public_ip": False, "subnets": [], "security_groups": [],
                     "in_public_subnet": False, "publicly_reachable": False, "reachable_from_internet": False,
                     "load_balancers": [], "desired_count": 0, "cluster": "arn:aws:ecs:eu-west-1:1:cluster/c"}


def test_capacity_provider_strategy_means_no_launch_type_and_daemon_count_is_unknown() -> None:
    service = make_raw(SERVICE, "api", {"capacityProviderStrategies": [{"capacityProvider": "FARGATE_SPOT",
                                                                        "weight": 1}],
                                        "schedulingStrategy": "DAEMON"})
    asset = one(run_normalize(service), "ecs.service")
    assert asset.attributes["launch_type"] is None
    assert "desired_count" in asset.unknown


def test_state_service_links_subnets_by_id() -> None:
    subnet = make_raw(SUBNET, "public", {"id": "subnet-1", "vpcId": "vpc-1", "mapPublicIpOnLaunch": True},
                      source=STATE, id="subnet-1")
    table = make_raw(RT, "rt", {"id": "rtb-1", "routes": [{"cidrBlock": "0.0.0.0/0", "gatewayId": "igw-1"}]},
                     source=STATE, id="rtb-1")
    assoc = make_raw(RTA, "assoc", {"subnetId": "subnet-1", "routeTableId": "rtb-1"}, source=STATE, id="a-1")
    service = make_raw(SERVICE, "api", {"launchType": "FARGATE", "networkConfiguration": {
        "subnets": ["subnet-1"], "securityGroups": ["sg-ext"], "assignPublicIp": False}}, source=STATE,
        id="arn:aws:ecs:eu-west-1:1:service/c/api")
    attrs = one(run_normalize(subnet, table, assoc, service), "ecs.service").attributes
    assert attrs["subnets"] == ["subnet-1"]
    assert attrs["security_groups"] == ["sg-ext"]
    assert attrs["in_public_subnet"] is True
    assert attrs["publicly_reachable"] is False


def test_unknown_subnets_without_dependencies_leave_public_placement_unknown() -> None:
    service = make_raw(SERVICE, "api", {"networkConfiguration": {"subnets": UNKNOWN, "assignPublicIp": True}})
    asset = one(run_normalize(service), "ecs.service")
    assert {"subnets[]", "in_public_subnet", "publicly_reachable"} <= asset.unknown
