"""Detection appliers: GuardDuty detectors, AWS Config (recorder, delivery channel, recorder status) and the Security
Hub subscription."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checks.sandbox.context import Applier, ApplyContext, Outputs, drop_none


def detector(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    made = ctx.client("guardduty").create_detector(
        Enable=bool(props.get("enable", True)), **drop_none(
            FindingPublishingFrequency=props.get("findingPublishingFrequency"), Tags=props.get("tags") or None))
    detector_id = made["DetectorId"]
    return detector_id, {"arn": ctx.arn("guardduty", f"detector/{detector_id}"), "accountId": ctx.account_id}


def recorder(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    name = ctx.physical_name(props, max_len=256)
    group = props.get("recordingGroup") or {}
    ctx.client("config").put_configuration_recorder(ConfigurationRecorder={
        "name": name, "roleARN": props["roleArn"],
        "recordingGroup": drop_none(allSupported=group.get("allSupported", True),
                                    includeGlobalResourceTypes=group.get("includeGlobalResourceTypes"))})
    return name, {"name": name}


def delivery_channel(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    name = ctx.physical_name(props, max_len=256)
    snapshot = props.get("snapshotDeliveryProperties") or {}
    ctx.client("config").put_delivery_channel(DeliveryChannel=drop_none(
        name=name, s3BucketName=props["s3BucketName"], s3KeyPrefix=props.get("s3KeyPrefix"),
        s3KmsKeyArn=props.get("s3KmsKeyArn"), snsTopicARN=props.get("snsTopicArn"),
        configSnapshotDeliveryProperties=drop_none(deliveryFrequency=snapshot.get("deliveryFrequency")) or None))
    return name, {"name": name}


def recorder_status(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    name = str(props["name"])
    config = ctx.client("config")
    if props.get("isEnabled"):
        config.start_configuration_recorder(ConfigurationRecorderName=name)
    else:
        config.stop_configuration_recorder(ConfigurationRecorderName=name)
    return name, {"name": name}


def security_hub(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    ctx.client("securityhub").enable_security_hub(
        EnableDefaultStandards=bool(props.get("enableDefaultStandards", True)))
    return ctx.account_id, {"arn": ctx.arn("securityhub", "hub/default")}


APPLIERS: dict[str, Applier] = {
    "aws:guardduty/detector:Detector": detector,
    "aws:cfg/recorder:Recorder": recorder,
    "aws:cfg/deliveryChannel:DeliveryChannel": delivery_channel,
    "aws:cfg/recorderStatus:RecorderStatus": recorder_status,
    "aws:securityhub/account:Account": security_hub,
}
