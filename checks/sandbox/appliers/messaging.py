"""Messaging appliers: SQS queues, SNS topics and Kinesis data streams, with their server-side encryption.

moto 5.2.5 emulates all three. Where it answers differently from AWS, the outputs say only what the sandbox
reported: a queue created with a KMS key is also reported with `SqsManagedSseEnabled: true` by moto (AWS reports
SSE-KMS alone), so `sqsManagedSseEnabled` is written only for a queue without a key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checks.sandbox.context import Applier, ApplyContext, Outputs, drop_none, tag_list

# Pulumi prop -> SQS queue attribute (SQS takes every attribute as a string)
QUEUE_ATTRIBUTES = (
    ("delaySeconds", "DelaySeconds"), ("maxMessageSize", "MaximumMessageSize"),
    ("messageRetentionSeconds", "MessageRetentionPeriod"), ("receiveWaitTimeSeconds", "ReceiveMessageWaitTimeSeconds"),
    ("visibilityTimeoutSeconds", "VisibilityTimeout"), ("policy", "Policy"), ("redrivePolicy", "RedrivePolicy"),
    ("redriveAllowPolicy", "RedriveAllowPolicy"), ("fifoQueue", "FifoQueue"),
    ("contentBasedDeduplication", "ContentBasedDeduplication"), ("deduplicationScope", "DeduplicationScope"),
    ("fifoThroughputLimit", "FifoThroughputLimit"), ("kmsMasterKeyId", "KmsMasterKeyId"),
    ("kmsDataKeyReusePeriodSeconds", "KmsDataKeyReusePeriodSeconds"), ("sqsManagedSseEnabled", "SqsManagedSseEnabled"),
)
TOPIC_ATTRIBUTES = (
    ("displayName", "DisplayName"), ("policy", "Policy"), ("deliveryPolicy", "DeliveryPolicy"),
    ("kmsMasterKeyId", "KmsMasterKeyId"), ("fifoTopic", "FifoTopic"),
    ("contentBasedDeduplication", "ContentBasedDeduplication"), ("signatureVersion", "SignatureVersion"),
    ("tracingConfig", "TracingConfig"),
)


def _attribute(value: Any) -> str:
    """A Pulumi value as SQS/SNS want it: booleans lower-case, everything else as text."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _attributes(props: Mapping[str, Any], table: tuple[tuple[str, str], ...]) -> dict[str, str]:
    return {api: _attribute(props[key]) for key, api in table if props.get(key) is not None and props[key] != ""}


def _fifo_name(props: Mapping[str, Any], ctx: ApplyContext, flag: str, max_len: int) -> str:
    """The given name, else a Pulumi auto-name; a FIFO queue's or topic's auto-name ends in `.fifo` (provider)."""
    if isinstance(props.get("name"), str) and props["name"]:
        return str(props["name"])
    fifo = bool(props.get(flag))
    name = ctx.physical_name(props, max_len=max_len - 5 if fifo else max_len)
    return f"{name}.fifo" if fifo else name


def queue(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    sqs = ctx.client("sqs")
    name = _fifo_name(props, ctx, "fifoQueue", 80)
    url = sqs.create_queue(QueueName=name, Attributes=_attributes(props, QUEUE_ATTRIBUTES),
                           **drop_none(tags=props.get("tags") or None))["QueueUrl"]
    got = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn", "SqsManagedSseEnabled"])["Attributes"]
    outputs: Outputs = {"arn": got["QueueArn"], "url": url, "name": name}
    if not props.get("kmsMasterKeyId") and "SqsManagedSseEnabled" in got:  # see the module docstring
        outputs["sqsManagedSseEnabled"] = got["SqsManagedSseEnabled"] == "true"
    return url, outputs  # Pulumi's id of a queue is its URL


def topic(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    name = _fifo_name(props, ctx, "fifoTopic", 256)
    tags = tag_list(props)
    arn = ctx.client("sns").create_topic(Name=name, Attributes=_attributes(props, TOPIC_ATTRIBUTES),
                                         **drop_none(Tags=tags or None))["TopicArn"]
    return arn, {"arn": arn, "name": name, "owner": ctx.account_id}  # Pulumi's id of a topic is its ARN


def stream(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    kinesis = ctx.client("kinesis")
    name = ctx.physical_name(props, max_len=128)
    mode = (props.get("streamModeDetails") or {}).get("streamMode") or "PROVISIONED"  # provider default
    kinesis.create_stream(StreamName=name, StreamModeDetails={"StreamMode": mode},
                          **drop_none(ShardCount=props.get("shardCount") if mode == "PROVISIONED" else None))
    if props.get("tags"):
        kinesis.add_tags_to_stream(StreamName=name, Tags={str(k): str(v) for k, v in props["tags"].items()})
    retention = props.get("retentionPeriod")
    if retention and int(retention) > 24:  # 24 hours: AWS's default and minimum
        kinesis.increase_stream_retention_period(StreamName=name, RetentionPeriodHours=int(retention))
    if props.get("shardLevelMetrics"):
        kinesis.enable_enhanced_monitoring(StreamName=name, ShardLevelMetrics=list(props["shardLevelMetrics"]))
    if props.get("encryptionType") == "KMS":  # the provider starts encryption after creating the stream
        kinesis.start_stream_encryption(StreamName=name, EncryptionType="KMS", KeyId=props["kmsKeyId"])
    summary = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
    arn = summary["StreamARN"]
    return arn, {"arn": arn, "name": name, "encryptionType": summary.get("EncryptionType"),
                 "kmsKeyId": summary.get("KeyId")}  # Pulumi's id of a stream is its ARN


APPLIERS: dict[str, Applier] = {
    "aws:sqs/queue:Queue": queue,
    "aws:sns/topic:Topic": topic,
    "aws:kinesis/stream:Stream": stream,
}
