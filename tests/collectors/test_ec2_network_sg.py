"""The EC2 networking collector on moto, security groups: CIDR blocks compared as networks (an expanded ::/0 is
the internet) and load balancer groups shared with anything else (an instance, a bare network interface)."""

from __future__ import annotations

from typing import Any

import boto3

from checks.collectors import ec2_network
from checks.model import Status
from tests.collectors.conftest import assets_of, by_name, scope, statuses

P, F, NA = Status.PASS, Status.FAIL, Status.NOT_APPLICABLE
AMI = "ami-12c6146b"


def _group(ec2: Any, vpc: str, name: str, permissions: list[dict[str, Any]]) -> str:
    gid = str(ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"])
    if permissions:
        ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=permissions)
    return gid


def test_expanded_ipv6_internet_and_shared_load_balancer_groups(session: boto3.Session) -> None:
    ec2, elb = session.client("ec2"), session.client("elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    a = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    b = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1b")["Subnet"]["SubnetId"]
    web = [{"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    _group(ec2, vpc, "admin", [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                                "Ipv6Ranges": [{"CidrIpv6": "0000:0000::/0"}]}])
    alb = _group(ec2, vpc, "alb", web)  # the ALB's own group
    shared = _group(ec2, vpc, "shared", web)  # the ALB's group, also on an instance (aws-py-fargate's pattern)
    nlb = _group(ec2, vpc, "with-eni", web)  # a second load balancer's group, also on a bare network interface
    _group(ec2, vpc, "behind-shared", [{"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080,
                                         "UserIdGroupPairs": [{"GroupId": shared}]}])
    behind = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["behind-shared"]}])
    app = behind["SecurityGroups"][0]["GroupId"]
    elb.create_load_balancer(Name="web", Subnets=[a, b], SecurityGroups=[alb, shared], Scheme="internet-facing")
    elb.create_load_balancer(Name="other", Subnets=[a, b], SecurityGroups=[nlb], Scheme="internet-facing")
    ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, SubnetId=a, SecurityGroupIds=[shared, app])
    ec2.create_network_interface(SubnetId=a, Groups=[nlb], Description="spare interface")

    assets = assets_of(ec2_network.collect(scope(session)))
    admin = by_name(assets, "admin").attributes
    assert admin["ingress_from_internet"] == [{"protocol": "tcp", "from_port": 22, "to_port": 22}]
    assert by_name(assets, "shared").attributes["attached_to"] == ["ec2.instance", "elbv2.load_balancer"]
    assert by_name(assets, "with-eni").attributes["attached_to"] == ["ec2.network_interface", "elbv2.load_balancer"]
    got = statuses(assets, "NET-02", "NET-03", "NET-10")
    assert {k: got[k] for k in [("NET-03", "admin"), ("NET-02", "admin"), ("NET-02", "alb"), ("NET-02", "shared"),
                                ("NET-02", "with-eni"), ("NET-10", "alb"), ("NET-10", "shared"),
                                ("NET-10", "with-eni"), ("NET-10", "behind-shared")]} == {
        ("NET-03", "admin"): F, ("NET-02", "admin"): F, ("NET-02", "alb"): P, ("NET-02", "shared"): F,
        ("NET-02", "with-eni"): F, ("NET-10", "alb"): NA, ("NET-10", "shared"): F, ("NET-10", "with-eni"): NA,
        ("NET-10", "behind-shared"): F}


def test_other_consumer_kinds() -> None:
    lam = {"NetworkInterfaceId": "eni-1", "InterfaceType": "lambda", "Description": "AWS Lambda VPC ENI-fn"}
    endpoint = {"NetworkInterfaceId": "eni-2", "InterfaceType": "vpc_endpoint"}
    spare = {"NetworkInterfaceId": "eni-3", "InterfaceType": "interface", "Description": "spare"}
    elb = {"NetworkInterfaceId": "eni-4", "Description": "ELB app/web/1", "RequesterId": "amazon-elb"}
    assert [ec2_network.other_consumer(i) for i in (lam, endpoint, spare, elb)] == [
        ("lambda.function", "eni-1"), ("ec2.vpc_endpoint", "eni-2"), ("ec2.network_interface", "eni-3"), None]
