"""The application's buckets: the access-log bucket and the customer-data bucket.

The access-log bucket receives the load balancer's access logs (`alb/`) and the S3 server access logs of the
other buckets (`s3/<bucket>/`). AWS delivers both only to buckets whose default encryption is SSE-S3: "The only
server-side encryption option that's supported is Amazon S3-managed keys (SSE-S3)" (ELB access logs) and
"default bucket encryption on the destination bucket [is supported] only if you use SSE-S3" (S3 server access
logs). So it is the one bucket encrypted with SSE-S3 (AES-256, S3-managed keys): ENC-01 is waived for it in
`waivers.yaml`, with that reason. It holds request metadata, not customer data.

The customer-data bucket (`data: customer`) holds transient customer content (draft attachments, exports): an
object is deleted 23 days after it was written and its last version 7 days later, so nothing outlives 30 days
("Data is deleted within 30 days").
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from components.buckets import SecureBucket, expire_everything
from components.settings import Settings

# Regions opened before August 2022 deliver ALB access logs as the region's Elastic Load Balancing account, newer
# ones as the logdelivery.elasticloadbalancing.amazonaws.com service principal: the policy grants both.
ELB_ACCOUNTS = {
    "us-east-1": "127311923021", "us-east-2": "033677994240", "us-west-1": "027434742980",
    "us-west-2": "797873946194", "eu-west-1": "156460612806", "eu-west-2": "652711504416",
    "eu-west-3": "009996457667", "eu-central-1": "054676820928", "eu-north-1": "897822967062",
}
ALB_LOG_PREFIX = "alb"
CUSTOMER_DATA_DAYS = 23  # current objects
CUSTOMER_DATA_NONCURRENT_DAYS = 7  # the versions they leave behind: 23 + 7 = 30 days in total
ACCESS_LOG_DAYS = 365


def _log_delivery_statements(s: Settings, arn: str) -> list[dict[str, Any]]:
    alb_objects = f"{arn}/{ALB_LOG_PREFIX}/AWSLogs/{s.account_id}/*"
    statements: list[dict[str, Any]] = [
        {"Sid": "AlbAccessLogDelivery", "Effect": "Allow",
         "Principal": {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"},
         "Action": "s3:PutObject", "Resource": alb_objects},
        {"Sid": "S3ServerAccessLogDelivery", "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"},
         "Action": "s3:PutObject", "Resource": f"{arn}/s3/*",
         "Condition": {"StringEquals": {"aws:SourceAccount": s.account_id},
                       "ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{s.prefix}-*"}}},
    ]
    if s.region in ELB_ACCOUNTS:
        statements.append({"Sid": "AlbAccessLogDeliveryLegacyRegion", "Effect": "Allow",
                           "Principal": {"AWS": f"arn:aws:iam::{ELB_ACCOUNTS[s.region]}:root"},
                           "Action": "s3:PutObject", "Resource": alb_objects})
    return statements


def access_log_bucket(s: Settings, opts: pulumi.ResourceOptions | None = None) -> SecureBucket:
    name = s.bucket_name("access-logs")
    return SecureBucket(
        "access-logs", s, bucket_name=name, kms_key=None,
        lifecycle_rules=expire_everything(ACCESS_LOG_DAYS, 30), access_log_bucket=None,
        extra_statements=_log_delivery_statements(s, f"arn:aws:s3:::{name}"),
        tags=s.tags(data="access-logs"), opts=opts)


def customer_data_bucket(s: Settings, *, key: aws.kms.Key, access_logs: SecureBucket,
                         opts: pulumi.ResourceOptions | None = None) -> SecureBucket:
    return SecureBucket(
        "customer-data", s, bucket_name=s.bucket_name("customer-data"), kms_key=key,
        lifecycle_rules=expire_everything(CUSTOMER_DATA_DAYS, CUSTOMER_DATA_NONCURRENT_DAYS),
        access_log_bucket=access_logs.bucket, tags=s.tags(data="customer"), opts=opts)
