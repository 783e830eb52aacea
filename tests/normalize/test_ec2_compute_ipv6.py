"""Public addresses of EC2 instances, IPv4 and IPv6, and the routes that make them reachable (planned and state)."""

from __future__ import annotations

from typing import Any

from checks.model import UNKNOWN, SourceKind
from checks.raw import RawResource
from tests.normalize.conftest import make_raw, one, run_normalize

VPC = "aws:ec2/vpc:Vpc"
SUBNET = "aws:ec2/subnet:Subnet"
IGW = "aws:ec2/internetGateway:InternetGateway"
EIGW = "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway"
RT = "aws:ec2/routeTable:RouteTable"
ROUTE = "aws:ec2/route:Route"
RTA = "aws:ec2/routeTableAssociation:RouteTableAssociation"
SG = "aws:ec2/securityGroup:SecurityGroup"
INSTANCE = "aws:ec2/instance:Instance"
LT = "aws:ec2/launchTemplate:LaunchTemplate"
STATE = SourceKind.STATE
OPEN_HTTPS_V6 = [{"protocol": "tcp", "fromPort": 443, "toPort": 443, "ipv6CidrBlocks": ["::/0"]}]


def dual_stack(routes: list[dict[str, Any]], subnet_props: dict[str, Any] | None = None,
               gateway: str = IGW) -> list[RawResource]:
    """A VPC with an IPv6 block, a gateway and a subnet whose table holds `routes` (gatewayId: the gateway)."""
    vpc = make_raw(VPC, "main", {"cidrBlock": "10.0.0.0/16", "assignGeneratedIpv6CidrBlock": True})
    gw = make_raw(gateway, "gw", {"vpcId": UNKNOWN}, deps={"vpcId": [vpc.urn]})
    subnet = make_raw(SUBNET, "dual", {"vpcId": UNKNOWN, "cidrBlock": "10.0.1.0/24", "ipv6CidrBlock": UNKNOWN,
                                       **(subnet_props or {})}, deps={"vpcId": [vpc.urn]})
    table = make_raw(RT, "rt", {"routes": routes}, deps={"routes": [gw.urn]})
    assoc = make_raw(RTA, "assoc", {"subnetId": UNKNOWN, "routeTableId": UNKNOWN},
                     deps={"subnetId": [subnet.urn], "routeTableId": [table.urn]})
    return [vpc, gw, subnet, table, assoc]


def vm(network: list[RawResource], group: RawResource, props: dict[str, Any]) -> RawResource:
    return make_raw(INSTANCE, "api", {"subnetId": UNKNOWN, "vpcSecurityGroupIds": [UNKNOWN], **props},
                    deps={"subnetId": [network[2].urn], "vpcSecurityGroupIds": [group.urn]})


def test_instance_with_an_ipv6_address_in_a_subnet_routing_ipv6_to_an_internet_gateway_is_reachable() -> None:
    network = dual_stack([{"ipv6CidrBlock": "::/0", "gatewayId": UNKNOWN}])
    group = make_raw(SG, "https", {"ingress": OPEN_HTTPS_V6})
    instance = vm(network, group, {"ipv6AddressCount": 1})
    assets = run_normalize(*network, group, instance)
    attrs = one(assets, "ec2.instance").attributes
    assert attrs["public_ipv4"] is False and attrs["public_ipv6"] is True
    assert attrs["public_ip"] is True
    assert attrs["public_ip_reason"] == "ipv6_address_count or ipv6_addresses on the instance gives it an IPv6 address"
    assert attrs["subnet_routes_to_internet_gateway"] is True
    assert attrs["reachable_from_internet"] is True
    assert one(assets, "ec2.subnet").attributes["routes_to_internet_gateway"] is True


def test_subnet_assigning_ipv6_addresses_gives_instances_a_public_address() -> None:
    network = dual_stack([{"ipv6CidrBlock": "::/0", "gatewayId": UNKNOWN}], {"assignIpv6AddressOnCreation": True})
    group = make_raw(SG, "https", {"ingress": OPEN_HTTPS_V6})
    assets = run_normalize(*network, group, vm(network, group, {"associatePublicIpAddress": False}))
    attrs = one(assets, "ec2.instance").attributes
    assert attrs["public_ip"] is True and attrs["reachable_from_internet"] is True
    assert attrs["public_ip_reason"] == ("its subnet assigns IPv6 addresses on creation "
                                         "(assign_ipv6_address_on_creation)")
    assert one(assets, "ec2.subnet").attributes["assign_ipv6_address_on_creation"] is True


def test_egress_only_internet_gateway_is_not_an_inbound_path() -> None:
    network = dual_stack([{"ipv6CidrBlock": "::/0", "egressOnlyGatewayId": UNKNOWN}], gateway=EIGW)
    group = make_raw(SG, "https", {"ingress": OPEN_HTTPS_V6})
    assets = run_normalize(*network, group, vm(network, group, {"ipv6AddressCount": 1}))
    attrs = one(assets, "ec2.instance").attributes
    assert attrs["public_ip"] is True  # NET-05: it still has a global address
    assert attrs["subnet_routes_to_internet_gateway"] is False
    assert attrs["reachable_from_internet"] is False
    assert one(assets, "ec2.subnet").attributes["routes_to_internet_gateway"] is False


def test_an_address_is_reachable_only_through_a_default_route_of_its_own_family() -> None:
    network = dual_stack([{"ipv6CidrBlock": "::/0", "gatewayId": UNKNOWN}])
    group = make_raw(SG, "open", {"ingress": [{"protocol": "-1", "fromPort": 0, "toPort": 0,
                                               "cidrBlocks": ["0.0.0.0/0"], "ipv6CidrBlocks": ["::/0"]}]})
    attrs = one(run_normalize(*network, group, vm(network, group, {"associatePublicIpAddress": True})),
                "ec2.instance").attributes
    assert attrs["public_ipv4"] is True and attrs["public_ipv6"] is False
    assert attrs["subnet_routes_to_internet_gateway"] is True  # ::/0 only: no IPv4 way back from the internet
    assert attrs["reachable_from_internet"] is False


def test_standalone_ipv6_default_route_spelled_differently_is_a_default_route() -> None:
    network = dual_stack([])
    route = make_raw(ROUTE, "v6", {"routeTableId": UNKNOWN, "destinationIpv6CidrBlock": "0::/0",
                                   "gatewayId": UNKNOWN}, deps={"routeTableId": [network[3].urn],
                                                                "gatewayId": [network[1].urn]})
    group = make_raw(SG, "https", {"ingress": OPEN_HTTPS_V6})
    assets = run_normalize(*network, route, group, vm(network, group, {"ipv6Addresses": ["2600:1f18::10"]}))
    assert one(assets, "ec2.subnet").attributes["routes_to_internet_gateway"] is True
    assert one(assets, "ec2.instance").attributes["reachable_from_internet"] is True


def test_launch_template_interface_asking_for_ipv6_gives_the_instance_an_ipv6_address() -> None:
    network = dual_stack([{"ipv6CidrBlock": "::/0", "gatewayId": UNKNOWN}])
    template = make_raw(LT, "tpl", {"networkInterfaces": [{"ipv6AddressCount": 1}]})
    group = make_raw(SG, "https", {"ingress": OPEN_HTTPS_V6})
    instance = make_raw(INSTANCE, "api", {"subnetId": UNKNOWN, "vpcSecurityGroupIds": [UNKNOWN],
                                          "launchTemplate": {"id": UNKNOWN}},
                        deps={"subnetId": [network[2].urn], "vpcSecurityGroupIds": [group.urn],
                              "launchTemplate": [template.urn]})
    attrs = one(run_normalize(*network, template, group, instance), "ec2.instance").attributes
    assert attrs["public_ipv6"] is True and attrs["reachable_from_internet"] is True
    assert attrs["public_ip_reason"] == "its launch template's network interface asks for an IPv6 address"


def test_unknown_ipv6_address_count_leaves_the_public_address_unknown() -> None:
    network = dual_stack([{"ipv6CidrBlock": "::/0", "gatewayId": UNKNOWN}])
    group = make_raw(SG, "https", {"ingress": OPEN_HTTPS_V6})
    asset = one(run_normalize(*network, group, vm(network, group, {"ipv6AddressCount": UNKNOWN})), "ec2.instance")
    assert {"public_ip", "public_ipv6", "public_ip_reason", "reachable_from_internet"} <= asset.unknown


def test_state_instance_with_ipv6_addresses_in_a_public_subnet_by_ids() -> None:
    subnet = make_raw(SUBNET, "dual", {"id": "subnet-1", "vpcId": "vpc-1",
                                       "mapPublicIpOnLaunch": False, "assignIpv6AddressOnCreation": False},
                      source=STATE, id="subnet-1")
    instance = make_raw(INSTANCE, "api", {"id": "i-1", "subnetId": "subnet-1", "associatePublicIpAddress": False,
                                          "ipv6AddressCount": 1, "ipv6Addresses": ["2600:1f18::10"]},
                        source=STATE, id="i-1")
    attrs = one(run_normalize(subnet, instance), "ec2.instance").attributes
    assert attrs["public_ipv6"] is True and attrs["public_ip"] is True


def test_reason_names_the_assumed_default_subnet_and_a_refusal() -> None:
    attrs = one(run_normalize(make_raw(INSTANCE, "vm", {})), "ec2.instance").attributes
    assert attrs["public_ip_reason"] == ("no subnet_id: launched in a default subnet of the default VPC, which maps "
                                         "public IPv4 addresses")
    refused = one(run_normalize(make_raw(INSTANCE, "vm", {"associatePublicIpAddress": False})), "ec2.instance")
    assert refused.attributes["public_ip"] is False
    assert refused.attributes["public_ip_reason"] == ("no public address (associate_public_ip_address false on the "
                                                      "instance; no IPv6 address)")


def test_an_ipv6_address_is_not_reached_through_a_group_admitting_only_the_ipv4_internet() -> None:
    network = dual_stack([{"ipv6CidrBlock": "::/0", "gatewayId": UNKNOWN}])
    group = make_raw(SG, "v4", {"ingress": [{"protocol": "tcp", "fromPort": 443, "toPort": 443,
                                             "cidrBlocks": ["0.0.0.0/0"]}]})
    attrs = one(run_normalize(*network, group, vm(network, group, {"ipv6AddressCount": 1})), "ec2.instance").attributes
    assert attrs["security_groups_allow_internet_ingress"] is True
    assert attrs["reachable_from_internet"] is False
