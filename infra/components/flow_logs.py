"""VPC flow logs of ALL traffic (accepted and rejected) into an encrypted CloudWatch log group.

Claim: "All internal data is transferred within our private Virtual Private Cloud" -- the flow logs are the
evidence of what crossed the VPC's network interfaces, kept a year.
"""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from components.logs import log_group, log_group_arn
from components.settings import Settings


class FlowLogs(pulumi.ComponentResource):
    def __init__(self, name: str, s: Settings, *, vpc: aws.ec2.Vpc, key: aws.kms.Key,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("aptly:network:FlowLogs", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        group_name = f"/aptly/{s.env}/vpc-flow-logs"
        group = log_group("flow-logs", group_name, s, key, child)

        role = aws.iam.Role(
            "flow-logs",
            name=f"{s.prefix}-vpc-flow-logs",
            assume_role_policy=json.dumps({
                "Version": "2012-10-17",
                "Statement": [{
                    "Effect": "Allow", "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:SourceAccount": s.account_id}},
                }],
            }),
            tags=s.tags(),
            opts=child,
        )
        aws.iam.RolePolicy(
            "flow-logs",
            role=role.id,
            policy=json.dumps({
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow",
                     "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                     "Resource": [log_group_arn(s, group_name), f"{log_group_arn(s, group_name)}:*"]},
                    {"Effect": "Allow", "Action": "logs:DescribeLogGroups", "Resource": log_group_arn(s, "*")},
                ],
            }),
            opts=child,
        )
        aws.ec2.FlowLog(
            "vpc",
            vpc_id=vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=60,
            tags=s.tags(Name=f"{s.prefix}-vpc-flow-logs"),
            opts=child,
        )
        self.register_outputs({"log_group": group.name})
