"""The network interfaces AWS creates for managed services, created in the sandbox as AWS would.

An RDS instance in a VPC and an ECS service in `awsvpc` mode get elastic network interfaces that carry their
security groups; a live scan sees a group's use through them (`ec2:DescribeNetworkInterfaces`). moto creates none,
so without these a group the program attaches to a database would look unused live and differ from the state.
The descriptions are AWS's own: `RDSNetworkInterface`, and `arn:aws:ecs:<region>:<account>:attachment/<id>`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from checks.sandbox.context import ApplyContext


def service_interface(ctx: ApplyContext, subnets: Sequence[str], groups: Sequence[str], description: str) -> None:
    """One interface in the first subnet, with the service's groups (nothing when either is missing)."""
    if subnets and groups:
        ctx.client("ec2").create_network_interface(SubnetId=subnets[0], Groups=list(groups), Description=description)


def rds_interface(ctx: ApplyContext, subnet_group: str | None, groups: Sequence[str]) -> None:
    if not subnet_group or not groups:
        return
    found = ctx.client("rds").describe_db_subnet_groups(DBSubnetGroupName=subnet_group)["DBSubnetGroups"]
    subnets = [s["SubnetIdentifier"] for g in found for s in g.get("Subnets", [])]
    service_interface(ctx, subnets, groups, "RDSNetworkInterface")


def ecs_interface(ctx: ApplyContext, subnets: Sequence[str], groups: Sequence[str]) -> None:
    service_interface(ctx, subnets, groups, ctx.arn("ecs", f"attachment/{uuid.uuid4()}"))
