"""IPv6 addresses and routes (NET-05, NET-09), volumes of instances and launch templates (ENC-11, ENC-12) and the
per-region EBS encryption default, live against moto (ec2_compute and ec2_network collectors)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from checks.collectors.base import Scope
from checks.model import Status
from tests.collectors.conftest import (
    ACCOUNT,
    FAST,
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
OTHER_REGION = "eu-west-1"


def _tags(name: str, kind: str = "instance") -> list[dict[str, Any]]:
    return [{"ResourceType": kind, "Tags": [{"Key": "Name", "Value": name}]}]


def make_estate(session: boto3.Session) -> dict[str, str]:
    """A dual-stack VPC: `v6-public` routes only ::/0 to the internet gateway, `v6-egress` routes ::/0 to an
    egress-only internet gateway; a group open to the internet on both families; five instances, three templates."""
    ec2, kms = session.client("ec2"), session.client("kms")
    ids: dict[str, str] = {"cmk": kms.create_key(Description="ebs")["KeyMetadata"]["Arn"]}
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]["VpcId"]
    block = ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]
    blocks = ipaddress.ip_network(block).subnets(new_prefix=64)
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    eigw = ec2.create_egress_only_internet_gateway(VpcId=vpc)["EgressOnlyInternetGateway"]
    subnets = {}
    egress_only = {"EgressOnlyInternetGatewayId": eigw["EgressOnlyInternetGatewayId"]}
    for n, (name, target) in enumerate((("v6-public", {"GatewayId": igw}), ("v6-egress", egress_only))):
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{n}.0/24", Ipv6CidrBlock=str(next(blocks)),
                                   TagSpecifications=_tags(name, "subnet"))["Subnet"]["SubnetId"]
        table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        ec2.create_route(RouteTableId=table, DestinationIpv6CidrBlock="::/0", **target)
        ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
        subnets[name] = ids[name] = subnet
    ec2.modify_subnet_attribute(SubnetId=subnets["v6-public"], AssignIpv6AddressOnCreation={"Value": True})
    group = ec2.create_security_group(GroupName="open", Description="https from anywhere", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
         "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}])
    ami = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]

    def run(name: str, **kwargs: Any) -> None:
        found = ec2.run_instances(ImageId=ami, MinCount=1, MaxCount=1, TagSpecifications=_tags(name), **kwargs)
        ids[name] = found["Instances"][0]["InstanceId"]

    encrypted = [{"DeviceName": "/dev/sda1", "Ebs": {"VolumeSize": 8, "Encrypted": True, "KmsKeyId": ids["cmk"]}}]
    run("v6-web", SubnetId=subnets["v6-public"], SecurityGroupIds=[group], Ipv6AddressCount=1,
        BlockDeviceMappings=encrypted)
    run("v6-egress", SubnetId=subnets["v6-egress"], SecurityGroupIds=[group], Ipv6AddressCount=1,
        BlockDeviceMappings=encrypted)
    # a public IPv4 address in a subnet whose only default route is ::/0: no IPv4 way in
    run("v4-in-v6-subnet", NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": subnets["v6-egress"],
                                               "Groups": [group], "AssociatePublicIpAddress": True}],
        BlockDeviceMappings=encrypted)
    run("plain-root", SubnetId=subnets["v6-egress"], SecurityGroupIds=[group])  # moto: an unencrypted root volume
    v4_only = ec2.create_security_group(GroupName="v4-only", Description="https from the IPv4 internet",
                                        VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=v4_only, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    run("v6-behind-v4-group", SubnetId=subnets["v6-public"], SecurityGroupIds=[v4_only], Ipv6AddressCount=1,
        BlockDeviceMappings=encrypted)
    ec2.create_launch_template(LaunchTemplateName="lt-cmk", LaunchTemplateData={"BlockDeviceMappings": [
        {"DeviceName": "/dev/xvda", "Ebs": {"Encrypted": True, "KmsKeyId": ids["cmk"]}}]})
    ec2.create_launch_template(LaunchTemplateName="lt-plain", LaunchTemplateData={"BlockDeviceMappings": [
        {"DeviceName": "/dev/sdb", "Ebs": {"VolumeSize": 50}}]})
    ec2.create_launch_template(LaunchTemplateName="lt-ami", LaunchTemplateData={"InstanceType": "t3.micro"})
    return ids


@pytest.fixture
def estate(session: boto3.Session) -> Iterator[dict[str, str]]:
    yield make_estate(session)


def test_ipv6_addresses_and_routes_decide_net_05_and_net_09(session: boto3.Session, estate: dict[str, str]) -> None:
    assets = assets_of(collect(scope(session), "ec2_compute"))
    got = statuses(assets, "NET-05", "NET-09")
    names = ("v6-web", "v6-egress", "v4-in-v6-subnet", "v6-behind-v4-group")
    assert {k: v for k, v in got.items() if k[1] in names} == {
        ("NET-05", "v6-web"): F, ("NET-09", "v6-web"): F,
        ("NET-05", "v6-egress"): F, ("NET-09", "v6-egress"): P,  # an egress-only gateway lets nothing in
        ("NET-05", "v4-in-v6-subnet"): F, ("NET-09", "v4-in-v6-subnet"): P,  # no 0.0.0.0/0 route
        ("NET-05", "v6-behind-v4-group"): F, ("NET-09", "v6-behind-v4-group"): P,  # its group admits IPv4 only
    }
    web = by_name(assets, "v6-web").attributes
    assert (web["public_ipv4"], web["public_ipv6"], web["reachable_from_internet"]) == (False, True, True)
    assert web["public_ip_reason"].startswith("it has IPv6 address ")
    egress = by_name(assets, "v6-egress").attributes
    assert (egress["public_ipv6"], egress["subnet_routes_to_internet_gateway"]) == (True, False)


def test_subnets_route_ipv6_to_the_internet_gateway_only(session: boto3.Session, estate: dict[str, str]) -> None:
    assets = assets_of(collect(scope(session), "ec2_network"))
    public, egress = by_name(assets, "v6-public").attributes, by_name(assets, "v6-egress").attributes
    assert (public["routes_to_internet_gateway"], public["assign_ipv6_address_on_creation"]) == (True, True)
    assert (egress["routes_to_internet_gateway"], egress["assign_ipv6_address_on_creation"]) == (False, False)


def test_volumes_of_instances_and_templates(session: boto3.Session, estate: dict[str, str]) -> None:
    assets = assets_of(collect(scope(session), "ec2_compute"))
    got = statuses(assets, "ENC-11", "ENC-12")
    assert got[("ENC-11", "v6-web")] is P and got[("ENC-11", "plain-root")] is F
    assert (got[("ENC-12", "lt-cmk")], got[("ENC-12", "lt-plain")], got[("ENC-12", "lt-ami")]) == (P, F, NA)
    assert by_name(assets, "plain-root").attributes["volumes_without_customer_key"] == [
        "root volume /dev/sda1 is not encrypted"]


def test_denied_describe_key_errors_enc_11_and_enc_12_where_a_key_is_named(session: boto3.Session,
                                                                          estate: dict[str, str]) -> None:
    restricted = restricted_session(session, ["kms:DescribeKey"])
    assets = assets_of(with_iam_enforced(lambda: collect(scope(restricted), "ec2_compute")))
    got = statuses(assets, "ENC-11", "ENC-12")
    assert (got[("ENC-11", "v6-web")], got[("ENC-12", "lt-cmk")]) == (E, E)
    assert (got[("ENC-11", "plain-root")], got[("ENC-12", "lt-plain")]) == (F, F)  # no key to ask about


def test_a_template_takes_the_encryption_default_of_its_own_region(session: boto3.Session) -> None:
    for region in (REGION, OTHER_REGION):
        session.client("ec2", region_name=region).create_launch_template(
            LaunchTemplateName=f"lt-{region}", LaunchTemplateData={"BlockDeviceMappings": [
                {"DeviceName": "/dev/sdb", "Ebs": {"VolumeSize": 50}}]})
    session.client("ec2", region_name=OTHER_REGION).enable_ebs_encryption_by_default()
    here = assets_of(collect(scope(session), "ec2_compute"))
    there = assets_of(collect(Scope(session, OTHER_REGION, ACCOUNT, settings=FAST), "ec2_compute"))
    assert by_name(here, f"lt-{REGION}").attributes["volumes_without_customer_key"] == ["/dev/sdb is not encrypted"]
    encryption = by_name(there, f"lt-{OTHER_REGION}").attributes["block_devices"][0]["encryption"]
    assert encryption["enabled"] is True  # the other region encrypts new volumes by default
