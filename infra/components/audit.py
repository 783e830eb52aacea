"""CloudTrail: every API call in every region, in a bucket of its own, encrypted and tamper-evident.

Claims: "All changes to users, roles and policies are monitored via AWS and audited monthly" and "There is a
detailed log of all actions available for review if needed".

The trail is multi-region, includes global service events (IAM), validates its log files (a signed digest every
hour proves a log file was not changed or deleted) and encrypts them with the logs key. It also records the
object-level (data) events of the customer-data bucket: who read or wrote customer data.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.buckets import SecureBucket, expire_everything
from components.settings import Settings

TRAIL_LOG_DAYS = 400  # more than a year: one full audit cycle plus the time to run it
CONFIG_PREFIX = "config"  # AWS Config's configuration history, in the same bucket


class Audit(pulumi.ComponentResource):
    bucket: SecureBucket

    def __init__(self, name: str, s: Settings, *, key: aws.kms.Key, access_logs: SecureBucket,
                 customer_data: SecureBucket, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("aptly:audit:Audit", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        bucket_name = s.bucket_name("cloudtrail")
        arn = f"arn:aws:s3:::{bucket_name}"
        from_this_trail = {"StringEquals": {"aws:SourceArn": s.trail_arn}}
        from_this_account = {"StringEquals": {"aws:SourceAccount": s.account_id}}
        bucket = SecureBucket(
            "cloudtrail", s, bucket_name=bucket_name, kms_key=key,
            lifecycle_rules=expire_everything(TRAIL_LOG_DAYS, 30), access_log_bucket=access_logs.bucket,
            extra_statements=[
                {"Sid": "CloudTrailAclCheck", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
                 "Action": "s3:GetBucketAcl", "Resource": arn, "Condition": from_this_trail},
                {"Sid": "CloudTrailWrite", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
                 "Action": "s3:PutObject", "Resource": f"{arn}/AWSLogs/{s.account_id}/*",
                 "Condition": {"StringEquals": {"aws:SourceArn": s.trail_arn,
                                                "s3:x-amz-acl": "bucket-owner-full-control"}}},
                # AWS Config delivers its configuration history here too (components/detection.py)
                {"Sid": "ConfigAclCheck", "Effect": "Allow", "Principal": {"Service": "config.amazonaws.com"},
                 "Action": ["s3:GetBucketAcl", "s3:ListBucket"], "Resource": arn, "Condition": from_this_account},
                {"Sid": "ConfigWrite", "Effect": "Allow", "Principal": {"Service": "config.amazonaws.com"},
                 "Action": "s3:PutObject", "Resource": f"{arn}/{CONFIG_PREFIX}/AWSLogs/{s.account_id}/Config/*",
                 "Condition": {"StringEquals": {"aws:SourceAccount": s.account_id,
                                                "s3:x-amz-acl": "bucket-owner-full-control"}}},
            ],
            tags=s.tags(data="audit-logs"), opts=child)

        aws.cloudtrail.Trail(
            "audit",
            name=s.trail_name,
            s3_bucket_name=bucket.bucket.bucket,
            kms_key_id=key.arn,
            is_multi_region_trail=True,
            include_global_service_events=True,
            enable_log_file_validation=True,
            enable_logging=True,
            advanced_event_selectors=[
                {"name": "All management events",
                 "field_selectors": [{"field": "eventCategory", "equals": ["Management"]}]},
                {"name": "Customer data object access",
                 "field_selectors": [{"field": "eventCategory", "equals": ["Data"]},
                                     {"field": "resources.type", "equals": ["AWS::S3::Object"]},
                                     {"field": "resources.ARN", "starts_withs": [f"{customer_data.arn}/"]}]},
            ],
            tags=s.tags(),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[bucket.policy]),
        )
        self.bucket = bucket
        self.register_outputs({"trail": s.trail_arn, "bucket": bucket.bucket.bucket})
