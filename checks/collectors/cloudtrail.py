"""CloudTrail trails of one account and region: describe_trails with shadow trails (every trail that logs this
region: its own, the account's multi-region trails whatever their home region, and organization trails), then, per
trail, get_trail_status (whether it is logging) and get_event_selectors (which events it records; AWS has no batch
for either), both asked in the trail's home region, and who manages each trail's KMS key (once per key).

A trail is read in every region it logs: the normalizer makes one cloudtrail.trail asset of it (in its home region
when that region is scanned) and every scanned region's aws.region asset lists the trails that log it (LOG-01).
"""

from __future__ import annotations

from typing import Any

from checks.collectors.answers import listed, well_formed
from checks.collectors.base import CollectResult, Scope, call, collector
from checks.collectors.keys import KEY_OPERATIONS, KeyManagers
from checks.live_types import CLOUDTRAIL_TRAIL
from checks.model import SourceKind
from checks.raw import RawResource

OPERATIONS = ("cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus", "cloudtrail:GetEventSelectors",
              *KEY_OPERATIONS)


@collector("cloudtrail", OPERATIONS, types=(CLOUDTRAIL_TRAIL,))
def collect(scope: Scope) -> CollectResult:
    ct = scope.client("cloudtrail")
    answer = call(ct, "describe_trails", includeShadowTrails=True)
    errors = listed(scope, "cloudtrail:DescribeTrails", answer.error, CLOUDTRAIL_TRAIL)
    trails, malformed = well_formed(scope, "cloudtrail:DescribeTrails", (answer.result or {}).get("trailList", []),
                                    ("TrailARN", "Name"), CLOUDTRAIL_TRAIL)
    errors += malformed
    keys = KeyManagers(scope)
    return CollectResult(tuple(scope.map(lambda t: _trail(scope, t, keys), trails)), tuple(errors))


def _trail(scope: Scope, t: dict[str, Any], keys: KeyManagers) -> RawResource:
    errors: dict[str, str] = {}
    arn = t["TrailARN"]
    home = t.get("HomeRegion") or scope.region
    ct = scope.client("cloudtrail", home)  # a shadow trail answers in its home region (moto: only there)
    status = call(ct, "get_trail_status", Name=arn)
    if status.error:
        errors["GetTrailStatus"] = status.error
    selectors = call(ct, "get_event_selectors", TrailName=arn)
    if selectors.error:
        errors["GetEventSelectors"] = selectors.error
    manager, key_error = keys.manager(t.get("KmsKeyId"))
    if key_error:
        errors["DescribeKey"] = key_error
    found = selectors.result or {}
    props = {**t, "arn": arn, "name": t["Name"], "region": scope.region, "account": scope.account,
             "isLogging": (status.result or {}).get("IsLogging"), "keyManager": manager,
             "eventSelectors": found.get("EventSelectors") or [],
             "advancedEventSelectors": found.get("AdvancedEventSelectors") or [],
             "shadow": home != scope.region}
    return RawResource(type=CLOUDTRAIL_TRAIL, urn=arn, name=t["Name"], props=props, source=SourceKind.LIVE, id=arn,
                       errors=errors)
