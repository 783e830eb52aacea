"""Threat detection and configuration history, per account and region: guardduty.detector, config.recorder and
securityhub.hub, planned and live side by side. Their presence per region is judged on aws.region (LOG-07, LOG-08,
LOG-09: checks/normalize/scopes.py); these assets say whether each one is on.

Planned: aws.guardduty.Detector (`enable`, provider default true); aws.cfg.Recorder with its
aws.cfg.RecorderStatus folded in (a recorder records only once started: without a RecorderStatus whose
`isEnabled` is true it is stopped, as AWS creates it); aws.securityhub.Account (on once declared).
"""

from __future__ import annotations

from collections.abc import Iterable

from checks.live_types import CONFIG_RECORDER, GUARDDUTY_DETECTOR, SECURITYHUB_HUB
from checks.model import Asset
from checks.normalize.base import AssetBuilder, Index, first_set, folded, register, tri_map, unwrap
from checks.normalize.live import apply_call_errors, build_live
from checks.raw import RawResource

DETECTOR = "aws:guardduty/detector:Detector"
RECORDER = "aws:cfg/recorder:Recorder"
RECORDER_STATUS = "aws:cfg/recorderStatus:RecorderStatus"
DELIVERY_CHANNEL = "aws:cfg/deliveryChannel:DeliveryChannel"
HUB = "aws:securityhub/account:Account"

folded("config.recorder", RECORDER_STATUS, DELIVERY_CHANNEL)  # where it delivers: not judged


@register(DETECTOR)
def detector(raw: RawResource, index: Index) -> Iterable[Asset]:
    b = AssetBuilder("guardduty.detector", raw)
    b.set("enabled", first_set(raw.props.get("enable"), True))  # provider default: enabled
    return [b.build()]


@register(GUARDDUTY_DETECTOR)
def live_detector(raw: RawResource, index: Index) -> Iterable[Asset]:
    b = AssetBuilder("guardduty.detector", raw)
    b.set("enabled", raw.props.get("status") == "ENABLED")
    apply_call_errors(b, raw, {"GetDetector": ("enabled",)})
    return [build_live(b, raw, tags=raw.props.get("tags") or {})]


def _group(b: AssetBuilder, group: object) -> None:
    group = unwrap(group)
    if not isinstance(group, dict):
        group = {}
    b.set("all_supported", first_set(group.get("allSupported"), True))  # AWS and provider default: all types
    b.set("include_global_resource_types", first_set(group.get("includeGlobalResourceTypes"), False))


@register(RECORDER)
def recorder(raw: RawResource, index: Index) -> Iterable[Asset]:
    b = AssetBuilder("config.recorder", raw)
    _group(b, raw.props.get("recordingGroup"))
    statuses = index.referencing(raw, [RECORDER_STATUS], "name")
    enabled = [s.props.get("isEnabled") for s in statuses]
    b.set("recording", tri_map(enabled[-1], lambda e: e is True) if enabled else False)  # created stopped
    return [b.build()]


@register(CONFIG_RECORDER)
def live_recorder(raw: RawResource, index: Index) -> Iterable[Asset]:
    b = AssetBuilder("config.recorder", raw)
    group = raw.props.get("recordingGroup") or {}
    b.set("all_supported", bool(group.get("allSupported")))
    b.set("include_global_resource_types", bool(group.get("includeGlobalResourceTypes")))
    b.set("recording", raw.props.get("recording") is True)
    apply_call_errors(b, raw, {"DescribeConfigurationRecorderStatus": ("recording",)})
    return [build_live(b, raw)]


@register(HUB)
def hub(raw: RawResource, index: Index) -> Iterable[Asset]:
    b = AssetBuilder("securityhub.hub", raw)
    b.set("enabled", True)  # declaring the account subscribes it in the provider's region
    return [b.build()]


@register(SECURITYHUB_HUB)
def live_hub(raw: RawResource, index: Index) -> Iterable[Asset]:
    b = AssetBuilder("securityhub.hub", raw)
    b.set("enabled", True)  # DescribeHub answered: subscribed (not subscribed: no asset)
    return [build_live(b, raw)]
