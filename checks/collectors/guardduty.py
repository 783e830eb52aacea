"""GuardDuty detectors of one account and region: list_detectors (batch of ids), then get_detector per detector
(its status; AWS has no batch). A region without a detector has GuardDuty off (LOG-07 on the region)."""

from __future__ import annotations

from typing import Any

from checks.collectors.answers import listed, well_formed
from checks.collectors.base import CollectResult, Scope, call, collector, paginate
from checks.live_types import GUARDDUTY_DETECTOR
from checks.model import SourceKind
from checks.raw import RawResource

OPERATIONS = ("guardduty:ListDetectors", "guardduty:GetDetector")


@collector("guardduty", OPERATIONS, types=(GUARDDUTY_DETECTOR,))
def collect(scope: Scope) -> CollectResult:
    gd = scope.client("guardduty")
    ids, list_error = paginate(gd, "list_detectors", "DetectorIds")
    errors = listed(scope, "guardduty:ListDetectors", list_error, GUARDDUTY_DETECTOR)
    ids, malformed = well_formed(scope, "guardduty:ListDetectors", ids, (), GUARDDUTY_DETECTOR)
    errors += malformed
    return CollectResult(tuple(scope.map(lambda d: _detector(scope, gd, d), ids)), tuple(errors))


def _detector(scope: Scope, gd: Any, detector_id: str) -> RawResource:
    got = call(gd, "get_detector", DetectorId=detector_id)
    arn = f"arn:aws:guardduty:{scope.region}:{scope.account}:detector/{detector_id}"
    found = got.result or {}
    props = {"arn": arn, "name": detector_id, "region": scope.region, "account": scope.account,
             "status": found.get("Status"), "tags": found.get("Tags") or {}}
    return RawResource(type=GUARDDUTY_DETECTOR, urn=arn, name=detector_id, props=props, source=SourceKind.LIVE,
                       id=arn, errors={"GetDetector": got.error} if got.error else {})
