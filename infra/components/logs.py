"""CloudWatch log groups: always encrypted with the logs key, always with a retention period.

Claim: "There is a detailed log of all actions available for review if needed" -- kept a year (the controls ask
for at least 90 days), encrypted at rest under a customer-managed key.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.settings import Settings

RETENTION_DAYS = 365


def log_group(resource_name: str, log_group_name: str, s: Settings, key: aws.kms.Key,
              opts: pulumi.ResourceOptions | None = None) -> aws.cloudwatch.LogGroup:
    """A log group with an explicit name (so that IAM policies can name its ARN before it exists)."""
    return aws.cloudwatch.LogGroup(
        resource_name,
        name=log_group_name,
        retention_in_days=RETENTION_DAYS,
        kms_key_id=key.arn,
        tags=s.tags(),
        opts=opts,
    )


def log_group_arn(s: Settings, log_group_name: str) -> str:
    return f"arn:aws:logs:{s.region}:{s.account_id}:log-group:{log_group_name}"
