"""Cases of the non-compliant example for the catalog's messaging controls: SQS queues, SNS topics and Kinesis
streams encrypted at rest (see __main__.py).

Each failing declaration has a `# FAILS <ids>: why` comment directly above it; tests/e2e/test_noncompliant.py
reads those comments as the expected failures."""

from __future__ import annotations

from typing import Any

import pulumi_aws as aws


def declare(shared: dict[str, Any]) -> None:
    """Declare this area's cases; `shared` is the main program's namespace (its VPC, subnets, keys, ...)."""
    tags: dict[str, str] = shared["tags"]
    data_key: aws.kms.Key = shared["data_key"]

    # compliant: the queue names the customer-managed data key
    aws.sqs.Queue("orders", name="orders", kms_master_key_id=data_key.arn, tags=tags)
    # FAILS ENC-15: no key named: AWS encrypts with SSE-SQS, keys SQS owns that the account cannot control or audit
    aws.sqs.Queue("jobs", name="jobs", tags=tags)
    # FAILS ENC-15: the AWS-managed key alias/aws/sqs: its key policy cannot be changed
    aws.sqs.Queue("events", name="events", kms_master_key_id="alias/aws/sqs", tags=tags)

    # FAILS ENC-16: no kms_master_key_id: the topic's messages have no server-side encryption
    aws.sns.Topic("notices", name="notices", tags=tags)

    # FAILS ENC-17: encryption_type defaults to NONE: the stream's records are stored unencrypted
    aws.kinesis.Stream("telemetry", name="telemetry", shard_count=1, retention_period=24, tags=tags)
    # FAILS ENC-17: KMS under the AWS-managed key alias/aws/kinesis
    aws.kinesis.Stream("audit-events", name="audit-events", shard_count=1, retention_period=24,
                       encryption_type="KMS", kms_key_id="alias/aws/kinesis", tags=tags)
