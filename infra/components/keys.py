"""Customer-managed KMS keys, one per purpose, each rotating yearly under a tight key policy.

Claims: "All data is encrypted at rest with AES-256" (every store names one of these keys) and "Only admins and
security officers can manage cryptographic keys" (the key policies).

Every key policy has the same two statements, plus the service statements of its purpose:
- the key administrators' role (admins and security officers), for the management actions;
- the account root, which makes the account's IAM policies effective for the key (without it a key whose
  administrators' role is lost can never be managed again). Any other principal of the account gets only what
  its IAM policies grant, and "Only the Security Officers have permissions to modify Identity and Access
  Management": the application's roles (service_roles.py) may encrypt and decrypt, never manage.
No statement names the principal "*"; service principals are scoped by conditions on the calling resource.
"""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws

from components.settings import Settings

ADMIN_ACTIONS = [
    "kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*", "kms:Revoke*",
    "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource", "kms:UntagResource", "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion", "kms:RotateKeyOnDemand",
]
USE_ACTIONS = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]


def key_policy(s: Settings, *service_statements: dict[str, Any]) -> str:
    """A key policy as literal JSON: every ARN in it is built from configuration, so it is known at plan time."""
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "AccountRootDelegatesToIam", "Effect": "Allow", "Principal": {"AWS": s.account_root},
             "Action": "kms:*", "Resource": "*"},
            {"Sid": "KeyAdministrators", "Effect": "Allow", "Principal": {"AWS": s.key_admin_role_arn},
             "Action": ADMIN_ACTIONS, "Resource": "*"},
            *service_statements,
        ],
    })


def logs_statements(s: Settings, trail_arn: str) -> list[dict[str, Any]]:
    """CloudWatch Logs (log groups of this account and region), CloudTrail (this stack's trail) and AWS Config."""
    return [
        {"Sid": "CloudWatchLogsOfThisAccount", "Effect": "Allow",
         "Principal": {"Service": f"logs.{s.region}.amazonaws.com"}, "Action": USE_ACTIONS, "Resource": "*",
         "Condition": {"ArnLike": {
             "kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{s.region}:{s.account_id}:log-group:*"}}},
        {"Sid": "CloudTrailEncryptsLogFiles", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "kms:GenerateDataKey*", "Resource": "*",
         "Condition": {"StringEquals": {"aws:SourceArn": trail_arn},
                       "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn":
                                      f"arn:aws:cloudtrail:*:{s.account_id}:trail/*"}}},
        {"Sid": "CloudTrailDescribesKey", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "kms:DescribeKey", "Resource": "*", "Condition": {"StringEquals": {"aws:SourceArn": trail_arn}}},
        {"Sid": "ConfigEncryptsHistory", "Effect": "Allow", "Principal": {"Service": "config.amazonaws.com"},
         "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": "*",
         "Condition": {"StringEquals": {"aws:SourceAccount": s.account_id}}},
    ]


class Keys(pulumi.ComponentResource):
    """The stack's keys: `data` (customer data: S3, RDS, secrets), `logs` (CloudWatch Logs, CloudTrail),
    `backup` (the backup vault) and `platform` (container images, EBS default encryption)."""

    data: aws.kms.Key
    logs: aws.kms.Key
    backup: aws.kms.Key
    platform: aws.kms.Key

    def __init__(self, name: str, s: Settings, *, trail_arn: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("aptly:security:Keys", name, None, opts)
        self.data = self._key("data", s, "Customer data: S3 objects, the RDS database, application secrets",
                              key_policy(s))
        self.logs = self._key("logs", s, "Audit and application logs: CloudWatch Logs, CloudTrail",
                              key_policy(s, *logs_statements(s, trail_arn)))
        self.backup = self._key("backup", s, "AWS Backup recovery points", key_policy(s))
        self.platform = self._key("platform", s, "Container images and EBS volumes", key_policy(s))
        self.register_outputs({"data": self.data.arn, "logs": self.logs.arn, "backup": self.backup.arn,
                               "platform": self.platform.arn})

    def _key(self, purpose: str, s: Settings, description: str, policy: str) -> aws.kms.Key:
        key = aws.kms.Key(
            f"{purpose}-key",
            description=f"{s.prefix} {description}",
            enable_key_rotation=True,
            rotation_period_in_days=365,
            deletion_window_in_days=30,
            policy=policy,
            tags=s.tags(purpose=purpose),
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.kms.Alias(f"{purpose}-key", name=f"alias/{s.prefix}-{purpose}", target_key_id=key.key_id,
                      opts=pulumi.ResourceOptions(parent=self))
        return key
