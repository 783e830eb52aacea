"""One S3 bucket with every safeguard, as pulumi-aws v7 side resources.

Claims: "All data is encrypted at rest with AES-256" (SSE-KMS under a customer-managed key, AES-256-GCM),
"All external data transfers ... are encrypted in transit with TLS" (the bucket policy denies any request
without TLS), "Data is automatically removed from the system when past the negotiated retention period"
(lifecycle rules).

Every bucket gets: Block Public Access (all four settings), ACLs disabled (BucketOwnerEnforced), versioning,
default encryption, a lifecycle configuration, a bucket policy that denies non-TLS requests on the bucket and
its objects, and server access logging into the access-log bucket (except that bucket itself: logging a bucket
into itself would log its own log deliveries forever).

The bucket name is given, not generated, so that the bucket policy is a literal document known at plan time.
"""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws

from components.settings import Settings


def deny_insecure_transport(bucket_arn: str) -> dict[str, Any]:
    return {
        "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


class SecureBucket(pulumi.ComponentResource):
    bucket: aws.s3.Bucket
    policy: aws.s3.BucketPolicy
    name: str
    arn: str

    def __init__(self, resource_name: str, s: Settings, *, bucket_name: str, kms_key: aws.kms.Key | None,
                 lifecycle_rules: list[dict[str, Any]], access_log_bucket: aws.s3.Bucket | None,
                 extra_statements: list[dict[str, Any]] | None = None, tags: dict[str, str] | None = None,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        """`kms_key` None means SSE-S3 (AES256): only for buckets AWS services can deliver to in no other way."""
        super().__init__("aptly:storage:SecureBucket", resource_name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.name = bucket_name
        self.arn = f"arn:aws:s3:::{bucket_name}"

        self.bucket = aws.s3.Bucket(resource_name, bucket=bucket_name, force_destroy=False,
                                    tags=tags or s.tags(), opts=child)
        bucket_id = self.bucket.id

        public_access = aws.s3.BucketPublicAccessBlock(
            resource_name, bucket=bucket_id, block_public_acls=True, ignore_public_acls=True,
            block_public_policy=True, restrict_public_buckets=True, opts=child)
        aws.s3.BucketOwnershipControls(resource_name, bucket=bucket_id,
                                       rule={"object_ownership": "BucketOwnerEnforced"}, opts=child)

        if kms_key is not None:
            by_default: dict[str, Any] = {"sse_algorithm": "aws:kms", "kms_master_key_id": kms_key.arn}
        else:
            by_default = {"sse_algorithm": "AES256"}
        aws.s3.BucketServerSideEncryptionConfiguration(
            resource_name, bucket=bucket_id,
            rules=[{"apply_server_side_encryption_by_default": by_default, "bucket_key_enabled": kms_key is not None}],
            opts=child)

        versioning = aws.s3.BucketVersioning(
            resource_name, bucket=bucket_id, versioning_configuration={"status": "Enabled"}, opts=child)
        aws.s3.BucketLifecycleConfiguration(
            resource_name, bucket=bucket_id, rules=lifecycle_rules,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[versioning]))

        if access_log_bucket is not None:
            aws.s3.BucketLogging(
                resource_name, bucket=bucket_id, target_bucket=access_log_bucket.bucket,
                target_prefix=f"s3/{bucket_name}/", opts=child)

        self.policy = aws.s3.BucketPolicy(
            resource_name, bucket=bucket_id,
            policy=json.dumps({"Version": "2012-10-17",
                               "Statement": [deny_insecure_transport(self.arn), *(extra_statements or [])]}),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[public_access]))
        self.register_outputs({"bucket": self.bucket.bucket, "arn": self.bucket.arn})


def expire_everything(days: int, noncurrent_days: int) -> list[dict[str, Any]]:
    """Lifecycle rules over the whole bucket: current objects expire after `days`, the versions they leave
    behind `noncurrent_days` later; expired delete markers and incomplete uploads are cleaned up."""
    return [
        {"id": "expire-objects", "status": "Enabled", "filter": {},
         "expiration": {"days": days},
         "noncurrent_version_expiration": {"noncurrent_days": noncurrent_days},
         "abort_incomplete_multipart_upload": {"days_after_initiation": 1}},
        {"id": "remove-expired-delete-markers", "status": "Enabled", "filter": {},
         "expiration": {"expired_object_delete_marker": True}},
    ]
