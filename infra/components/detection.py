"""Detection: GuardDuty, AWS Config and Security Hub in the stack's region.

Claim: "All changes to users, roles and policies are monitored via AWS and audited monthly". CloudTrail records the
changes (components/audit.py); GuardDuty watches those records for compromised credentials and unusual IAM activity,
AWS Config keeps the history of every resource's configuration (including global IAM resources) for the monthly
audit, and Security Hub gathers their findings for review. Each works per region: a stack in another region needs
its own (LOG-07, LOG-08, LOG-09 are judged per region).
"""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from components.audit import CONFIG_PREFIX
from components.settings import Settings

CONFIG_POLICY = "arn:aws:iam::aws:policy/service-role/AWS_ConfigRole"


class Detection(pulumi.ComponentResource):
    def __init__(self, name: str, s: Settings, *, history_bucket: aws.s3.Bucket, key: aws.kms.Key,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("aptly:security:Detection", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        aws.guardduty.Detector("guardduty", enable=True, finding_publishing_frequency="FIFTEEN_MINUTES",
                               tags=s.tags(), opts=child)
        aws.securityhub.Account("securityhub", enable_default_standards=True, opts=child)

        role = aws.iam.Role(
            "config", name=f"{s.prefix}-config",
            assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "config.amazonaws.com"}, "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": s.account_id}}}]}),
            tags=s.tags(), opts=child)
        attached = aws.iam.RolePolicyAttachment("config", role=role.name, policy_arn=CONFIG_POLICY, opts=child)
        recorder = aws.cfg.Recorder(
            "config", name=f"{s.prefix}-config", role_arn=role.arn,
            recording_group={"all_supported": True, "include_global_resource_types": True},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[attached]))
        channel = aws.cfg.DeliveryChannel(
            "config", name=f"{s.prefix}-config", s3_bucket_name=history_bucket.bucket, s3_key_prefix=CONFIG_PREFIX,
            s3_kms_key_arn=key.arn, snapshot_delivery_properties={"delivery_frequency": "TwentyFour_Hours"},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[recorder]))
        aws.cfg.RecorderStatus("config", name=f"{s.prefix}-config", is_enabled=True,
                               opts=pulumi.ResourceOptions(parent=self, depends_on=[channel]))
        self.register_outputs({})
