"""ec2.vpc and ec2.subnet: flow logs, route tables, associations and gateways folded into derived routing facts."""

from __future__ import annotations

from checks.model import UNKNOWN, SourceKind
from checks.normalize import normalize
from tests.normalize.conftest import make_raw, one, run_normalize

VPC = "aws:ec2/vpc:Vpc"
DEFAULT_VPC = "aws:ec2/defaultVpc:DefaultVpc"
SUBNET = "aws:ec2/subnet:Subnet"
DEFAULT_SUBNET = "aws:ec2/defaultSubnet:DefaultSubnet"
IGW = "aws:ec2/internetGateway:InternetGateway"
EIGW = "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway"
NAT = "aws:ec2/natGateway:NatGateway"
EIP = "aws:ec2/eip:Eip"
RT = "aws:ec2/routeTable:RouteTable"
DRT = "aws:ec2/defaultRouteTable:DefaultRouteTable"
ROUTE = "aws:ec2/route:Route"
RTA = "aws:ec2/routeTableAssociation:RouteTableAssociation"
MRTA = "aws:ec2/mainRouteTableAssociation:MainRouteTableAssociation"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
STATE = SourceKind.STATE


def planned_network(routes: list[dict[str, object]], route_deps: list[str] | None = None) -> list:
    """A VPC, an internet gateway, one subnet associated with a route table holding `routes` (planned shape)."""
    vpc = make_raw(VPC, "main", {"cidrBlock": "10.0.0.0/16"})
    igw = make_raw(IGW, "igw", {"vpcId": UNKNOWN}, deps={"vpcId": [vpc.urn]})
    subnet = make_raw(SUBNET, "app", {"vpcId": UNKNOWN, "cidrBlock": "10.0.1.0/24", "availabilityZone": "eu-west-1a"},
                      deps={"vpcId": [vpc.urn]})
    deps = [igw.urn] if route_deps is None else route_deps
    table = make_raw(RT, "rt", {"vpcId": UNKNOWN, "routes": routes}, deps={"vpcId": [vpc.urn], "routes": deps})
    assoc = make_raw(RTA, "assoc", {"subnetId": UNKNOWN, "routeTableId": UNKNOWN},
                     deps={"subnetId": [subnet.urn], "routeTableId": [table.urn]})
    return [vpc, igw, subnet, table, assoc]


def test_planned_subnet_whose_table_routes_default_traffic_to_internet_gateway_is_public() -> None:
    raws = planned_network([{"cidrBlock": "0.0.0.0/0", "gatewayId": UNKNOWN}])
    subnet = one(run_normalize(*raws), "ec2.subnet", "app")
    attrs = subnet.attributes
    assert attrs["routes_to_internet_gateway"] is True
    assert attrs["routes_to_nat_gateway"] is False
    assert attrs["tier"] == "public"
    assert attrs["vpc_id"] == raws[0].urn  # the VPC id is not known yet: its URN names it
    assert attrs["route_table_id"] == raws[3].urn
    assert attrs["map_public_ip_on_launch"] is False  # provider default
    assert attrs["cidr_block"] == "10.0.1.0/24" and attrs["availability_zone"] == "eu-west-1a"
    assert subnet.unknown == frozenset()


def test_state_subnet_routing_is_resolved_by_ids() -> None:
    vpc = make_raw(VPC, "main", {"id": "vpc-1", "cidrBlock": "10.0.0.0/16", "arn": "arn:aws:ec2:eu-west-1:1:vpc/vpc-1"},
                   source=STATE, id="vpc-1")
    igw = make_raw(IGW, "igw", {"id": "igw-1", "vpcId": "vpc-1"}, source=STATE, id="igw-1")
    subnet = make_raw(SUBNET, "web", {"id": "subnet-1", "vpcId": "vpc-1", "cidrBlock": "10.0.0.0/24",
                                      "mapPublicIpOnLaunch": True}, source=STATE, id="subnet-1")
    table = make_raw(RT, "rt", {"id": "rtb-1", "vpcId": "vpc-1", "routes": [
        {"cidrBlock": "0.0.0.0/0", "gatewayId": "igw-1", "natGatewayId": "", "ipv6CidrBlock": ""}]},
        source=STATE, id="rtb-1")
    assoc = make_raw(RTA, "assoc", {"id": "rtbassoc-1", "subnetId": "subnet-1", "routeTableId": "rtb-1"},
                     source=STATE, id="rtbassoc-1")
    attrs = one(run_normalize(vpc, igw, subnet, table, assoc), "ec2.subnet").attributes
    assert attrs["routes_to_internet_gateway"] is True
    assert attrs["tier"] == "public"
    assert attrs["vpc_id"] == "vpc-1"
    assert attrs["route_table_id"] == "rtb-1"
    assert attrs["map_public_ip_on_launch"] is True


def test_igw_id_in_state_counts_even_when_the_gateway_is_not_declared() -> None:
    table = make_raw(RT, "rt", {"id": "rtb-1", "routes": [{"cidrBlock": "0.0.0.0/0", "gatewayId": "igw-ext"}]},
                     source=STATE, id="rtb-1")
    subnet = make_raw(SUBNET, "web", {"id": "subnet-1", "vpcId": "vpc-ext"}, source=STATE, id="subnet-1")
    assoc = make_raw(RTA, "assoc", {"subnetId": "subnet-1", "routeTableId": "rtb-1"}, source=STATE, id="a-1")
    assert one(run_normalize(table, subnet, assoc), "ec2.subnet").attributes["routes_to_internet_gateway"] is True


def test_nat_route_makes_a_private_subnet_that_routes_to_nat() -> None:
    vpc = make_raw(VPC, "main", {"cidrBlock": "10.0.0.0/16"})
    eip = make_raw(EIP, "nat-ip", {"domain": "vpc"})
    nat = make_raw(NAT, "nat", {"allocationId": UNKNOWN, "subnetId": UNKNOWN}, deps={"allocationId": [eip.urn]})
    raws = planned_network([{"cidrBlock": "0.0.0.0/0", "natGatewayId": UNKNOWN}], route_deps=[nat.urn])
    subnet = one(run_normalize(vpc, eip, nat, *raws[1:]), "ec2.subnet", "app")
    assert subnet.attributes["routes_to_internet_gateway"] is False
    assert subnet.attributes["routes_to_nat_gateway"] is True
    assert subnet.attributes["tier"] == "private"


def test_standalone_route_to_internet_gateway_is_folded_into_the_table() -> None:
    raws = planned_network([])
    igw, table = raws[1], raws[3]
    route = make_raw(ROUTE, "default-route", {"routeTableId": UNKNOWN, "destinationCidrBlock": "0.0.0.0/0",
                                              "gatewayId": UNKNOWN},
                     deps={"routeTableId": [table.urn], "gatewayId": [igw.urn]})
    result = normalize([*raws, route])
    assert one(result.assets, "ec2.subnet").attributes["routes_to_internet_gateway"] is True
    assert result.folded == 4  # gateway, table, association, route
    assert result.unsupported == {}


def test_egress_only_gateway_for_ipv6_is_not_an_internet_gateway() -> None:
    eigw = make_raw(EIGW, "eigw", {"vpcId": UNKNOWN})
    raws = planned_network([{"ipv6CidrBlock": "::/0", "egressOnlyGatewayId": UNKNOWN}], route_deps=[eigw.urn])
    attrs = one(run_normalize(*raws, eigw), "ec2.subnet").attributes
    assert attrs["routes_to_internet_gateway"] is False
    assert attrs["tier"] == "private"


def test_ipv6_default_route_to_internet_gateway_counts() -> None:
    raws = planned_network([{"ipv6CidrBlock": "::/0", "gatewayId": UNKNOWN}])
    assert one(run_normalize(*raws), "ec2.subnet").attributes["routes_to_internet_gateway"] is True


def test_route_to_internet_gateway_for_a_narrow_destination_is_not_a_default_route() -> None:
    raws = planned_network([{"cidrBlock": "192.0.2.0/24", "gatewayId": UNKNOWN}])
    assert one(run_normalize(*raws), "ec2.subnet").attributes["routes_to_internet_gateway"] is False


def test_unknown_gateway_without_dependency_leaves_routing_and_tier_unknown() -> None:
    raws = planned_network([{"cidrBlock": "0.0.0.0/0", "gatewayId": UNKNOWN}], route_deps=[])
    subnet = one(run_normalize(*raws), "ec2.subnet", "app")
    assert subnet.attributes["routes_to_internet_gateway"] is None
    assert subnet.attributes["tier"] is None
    assert {"routes_to_internet_gateway", "tier"} <= subnet.unknown
    assert subnet.attributes["routes_to_nat_gateway"] is False  # no NAT gateway named: known


def test_subnet_without_association_uses_the_main_route_table_association() -> None:
    vpc = make_raw(VPC, "main", {"cidrBlock": "10.0.0.0/16"})
    igw = make_raw(IGW, "igw", {"vpcId": UNKNOWN}, deps={"vpcId": [vpc.urn]})
    table = make_raw(RT, "public-rt", {"vpcId": UNKNOWN, "routes": [{"cidrBlock": "0.0.0.0/0", "gatewayId": UNKNOWN}]},
                     deps={"vpcId": [vpc.urn], "routes": [igw.urn]})
    main = make_raw(MRTA, "main-assoc", {"vpcId": UNKNOWN, "routeTableId": UNKNOWN},
                    deps={"vpcId": [vpc.urn], "routeTableId": [table.urn]})
    subnet = make_raw(SUBNET, "app", {"vpcId": UNKNOWN}, deps={"vpcId": [vpc.urn]})
    attrs = one(run_normalize(vpc, igw, table, main, subnet), "ec2.subnet").attributes
    assert attrs["routes_to_internet_gateway"] is True
    assert attrs["route_table_id"] is None  # the main table applies


def test_subnet_without_association_uses_the_declared_default_route_table() -> None:
    vpc = make_raw(VPC, "main", {"cidrBlock": "10.0.0.0/16"})
    igw = make_raw(IGW, "igw", {"vpcId": UNKNOWN}, deps={"vpcId": [vpc.urn]})
    default_table = make_raw(DRT, "main-rt", {"defaultRouteTableId": UNKNOWN, "routes": [
        {"cidrBlock": "0.0.0.0/0", "gatewayId": UNKNOWN}]},
        deps={"defaultRouteTableId": [vpc.urn], "routes": [igw.urn]})
    subnet = make_raw(SUBNET, "app", {"vpcId": UNKNOWN}, deps={"vpcId": [vpc.urn]})
    assert one(run_normalize(vpc, igw, default_table, subnet), "ec2.subnet").attributes[
        "routes_to_internet_gateway"] is True


def test_subnet_of_a_vpc_whose_main_table_is_not_declared_has_only_the_local_route() -> None:
    vpc = make_raw(VPC, "main", {"cidrBlock": "10.0.0.0/16"})
    igw = make_raw(IGW, "igw", {"vpcId": UNKNOWN}, deps={"vpcId": [vpc.urn]})
    subnet = make_raw(SUBNET, "app", {"vpcId": UNKNOWN}, deps={"vpcId": [vpc.urn]})
    attrs = one(run_normalize(vpc, igw, subnet), "ec2.subnet").attributes
    assert attrs["routes_to_internet_gateway"] is False
    assert attrs["routes_to_nat_gateway"] is False
    assert attrs["tier"] == "private"


def test_subnet_in_a_vpc_not_declared_in_the_program_has_unknown_routing() -> None:
    subnet = one(run_normalize(make_raw(SUBNET, "app", {"vpcId": "vpc-0abc"})), "ec2.subnet")
    assert subnet.attributes["vpc_id"] == "vpc-0abc"
    assert subnet.attributes["routes_to_internet_gateway"] is None
    assert "routes_to_internet_gateway" in subnet.unknown


def test_default_subnet_maps_public_ips_and_routes_through_the_default_vpc_gateway() -> None:
    default_vpc = make_raw(DEFAULT_VPC, "default")
    subnet = one(run_normalize(default_vpc, make_raw(DEFAULT_SUBNET, "default-a", {"availabilityZone": "eu-west-1a"})),
                 "ec2.subnet")
    assert subnet.attributes["is_default"] is True
    assert subnet.attributes["map_public_ip_on_launch"] is True
    assert subnet.attributes["routes_to_internet_gateway"] is True
    assert subnet.attributes["vpc_id"] == default_vpc.urn
    assert "cidr_block" in subnet.unknown  # AWS chose it


def test_vpc_flow_logs_count_only_flow_logs_on_the_vpc() -> None:
    vpc = make_raw(VPC, "main", {"cidrBlock": "10.0.0.0/16"})
    subnet = make_raw(SUBNET, "app", {"vpcId": UNKNOWN}, deps={"vpcId": [vpc.urn]})
    on_subnet = make_raw(FLOW_LOG, "subnet-log", {"subnetId": UNKNOWN, "trafficType": "ALL"},
                         deps={"subnetId": [subnet.urn]})
    assets = run_normalize(vpc, subnet, on_subnet)
    attrs = one(assets, "ec2.vpc").attributes
    assert attrs["flow_logs"] == [] and attrs["flow_logs_enabled"] is False

    on_vpc = make_raw(FLOW_LOG, "vpc-log", {"vpcId": UNKNOWN, "trafficType": "REJECT", "logDestination": UNKNOWN},
                      deps={"vpcId": [vpc.urn]})
    vpc_asset = one(run_normalize(vpc, subnet, on_subnet, on_vpc), "ec2.vpc")
    assert vpc_asset.attributes["flow_logs_enabled"] is True
    assert vpc_asset.attributes["flow_logs"] == [
        {"traffic_type": "REJECT", "destination_type": "cloud-watch-logs", "destination": None}]
    assert "flow_logs[].destination" in vpc_asset.unknown


def test_state_flow_log_links_by_vpc_id() -> None:
    vpc = make_raw(VPC, "main", {"id": "vpc-1", "cidrBlock": "10.0.0.0/16"}, source=STATE, id="vpc-1")
    log = make_raw(FLOW_LOG, "log", {"vpcId": "vpc-1", "trafficType": "ALL", "logDestinationType": "s3",
                                     "logDestination": "arn:aws:s3:::logs"}, source=STATE, id="fl-1")
    attrs = one(run_normalize(vpc, log), "ec2.vpc").attributes
    assert attrs["flow_logs"] == [{"traffic_type": "ALL", "destination_type": "s3", "destination": "arn:aws:s3:::logs"}]


def test_default_vpc_is_default_with_unknown_cidr_and_default_group_rules() -> None:
    vpc = one(run_normalize(make_raw(DEFAULT_VPC, "default")), "ec2.vpc")
    assert vpc.attributes["is_default"] is True
    assert "cidr_block" in vpc.unknown
    assert vpc.attributes["default_security_group_allows_traffic"] is True  # AWS default rules


def test_declared_default_security_group_without_rules_allows_nothing() -> None:
    vpc = make_raw(VPC, "main", {"cidrBlock": "10.0.0.0/16"})
    group = make_raw(DEFAULT_SG, "default-sg", {"vpcId": UNKNOWN}, deps={"vpcId": [vpc.urn]})
    assert one(run_normalize(vpc, group), "ec2.vpc").attributes["default_security_group_allows_traffic"] is False
    other = make_raw(VPC, "other", {"cidrBlock": "10.1.0.0/16"})
    assert one(run_normalize(vpc, group, other), "ec2.vpc", "other").attributes[
        "default_security_group_allows_traffic"] is True


def test_live_subnet_is_default_only_in_the_default_vpc() -> None:
    """AWS has default subnets only in the default VPC; moto marks the first subnet of a zone in any VPC."""
    from checks.live_types import EC2_SUBNET, EC2_VPC

    def live(type_: str, name: str, props: dict[str, object]) -> object:
        return make_raw(type_, name, {"region": "eu-west-1", "account": "123456789012", **props},
                        source=SourceKind.LIVE, id=name)

    raws = [live(EC2_VPC, "vpc-app", {"arn": "arn:vpc-app", "id": "vpc-app",
                                      "vpc": {"VpcId": "vpc-app", "IsDefault": False}}),
            live(EC2_VPC, "vpc-def", {"arn": "arn:vpc-def", "id": "vpc-def",
                                      "vpc": {"VpcId": "vpc-def", "IsDefault": True}}),
            live(EC2_SUBNET, "subnet-app", {"arn": "arn:subnet-app", "subnet": {
                "VpcId": "vpc-app", "DefaultForAz": True, "MapPublicIpOnLaunch": False}, "routeTable": None}),
            live(EC2_SUBNET, "subnet-def", {"arn": "arn:subnet-def", "subnet": {
                "VpcId": "vpc-def", "DefaultForAz": True, "MapPublicIpOnLaunch": True}, "routeTable": None})]
    subnets = {a.name: a for a in normalize(raws).assets if a.kind == "ec2.subnet"}  # type: ignore[arg-type]
    assert subnets["subnet-app"].attributes["is_default"] is False
    assert subnets["subnet-def"].attributes["is_default"] is True


def test_live_default_routes_are_networks_of_each_family_and_egress_only_gateways_let_nothing_in() -> None:
    from checks.normalize.ec2.live_network import default_routes

    def table(*routes: dict[str, str]) -> dict[str, object]:
        return {"RouteTableId": "rtb-1", "Routes": [{"GatewayId": "local", "DestinationCidrBlock": "10.0.0.0/16"},
                                                    *routes]}

    assert default_routes(table({"DestinationIpv6CidrBlock": "0::/0", "GatewayId": "igw-1"})) == (False, True, False)
    assert default_routes(table({"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1"})) == (True, False, False)
    assert default_routes(table({"DestinationIpv6CidrBlock": "::/0", "EgressOnlyInternetGatewayId": "eigw-1"})) == (
        False, False, False)
    assert default_routes(table({"DestinationIpv6CidrBlock": "::/0", "GatewayId": "igw-1",
                                 "State": "blackhole"})) == (False, False, False)
