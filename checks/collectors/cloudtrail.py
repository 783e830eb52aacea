"""CloudTrail trails of one account and region: describe_trails (batch, without shadow trails: a
multi-region trail is reported once, in its home region), then get_trail_status per trail (whether it is
logging; AWS has no batch for it), and who manages each trail's KMS key (once per key)."""

from __future__ import annotations

from typing import Any

from checks.collectors.answers import listed, well_formed
from checks.collectors.base import CollectResult, Scope, call, collector
from checks.collectors.keys import KEY_OPERATIONS, KeyManagers
from checks.live_types import CLOUDTRAIL_TRAIL
from checks.model import SourceKind
from checks.raw import RawResource

OPERATIONS = ("cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus", *KEY_OPERATIONS)


@collector("cloudtrail", OPERATIONS, types=(CLOUDTRAIL_TRAIL,))
def collect(scope: Scope) -> CollectResult:
    ct = scope.client("cloudtrail")
    answer = call(ct, "describe_trails", includeShadowTrails=False)
    errors = listed(scope, "cloudtrail:DescribeTrails", answer.error, CLOUDTRAIL_TRAIL)
    trails, malformed = well_formed(scope, "cloudtrail:DescribeTrails", (answer.result or {}).get("trailList", []),
                                    ("TrailARN", "Name"), CLOUDTRAIL_TRAIL)
    errors += malformed
    keys = KeyManagers(scope)
    return CollectResult(tuple(_trail(scope, ct, t, keys) for t in trails), tuple(errors))


def _trail(scope: Scope, ct: Any, t: dict[str, Any], keys: KeyManagers) -> RawResource:
    errors: dict[str, str] = {}
    arn = t["TrailARN"]
    status = call(ct, "get_trail_status", Name=arn)
    if status.error:
        errors["GetTrailStatus"] = status.error
    manager, key_error = keys.manager(t.get("KmsKeyId"))
    if key_error:
        errors["DescribeKey"] = key_error
    props = {**t, "arn": arn, "name": t["Name"], "region": scope.region, "account": scope.account,
             "isLogging": (status.result or {}).get("IsLogging"), "keyManager": manager}
    return RawResource(type=CLOUDTRAIL_TRAIL, urn=arn, name=t["Name"], props=props, source=SourceKind.LIVE, id=arn,
                       errors=errors)
