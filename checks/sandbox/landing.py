"""`clearance sandbox up --no-default-vpc`: the sandbox's region without the default VPC AWS creates in every region,
as in a production account (CIS AWS Foundations and AWS advise deleting it: it has public subnets and an open default
security group, and nothing declares it)."""

from __future__ import annotations

from typing import Any


def remove_default_vpc(session: Any) -> list[str]:
    """Delete the default VPC of the session's region with its subnets and internet gateway; the ids deleted."""
    ec2 = session.client("ec2")
    removed: list[str] = []
    for vpc in ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]:
        vpc_id = vpc["VpcId"]
        for subnet in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]:
            ec2.delete_subnet(SubnetId=subnet["SubnetId"])
        gateways = ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])
        for igw in gateways["InternetGateways"]:
            ec2.detach_internet_gateway(InternetGatewayId=igw["InternetGatewayId"], VpcId=vpc_id)
            ec2.delete_internet_gateway(InternetGatewayId=igw["InternetGatewayId"])
        ec2.delete_vpc(VpcId=vpc_id)
        removed.append(vpc_id)
    return removed
