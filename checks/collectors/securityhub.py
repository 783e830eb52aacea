"""Security Hub of one account and region: describe_hub. An account not subscribed in the region answers
InvalidAccessException: Security Hub is off there (no hub), which LOG-09 fails on the region."""

from __future__ import annotations

from checks.collectors.answers import listed
from checks.collectors.base import CollectResult, Scope, call, collector
from checks.live_types import SECURITYHUB_HUB
from checks.model import SourceKind
from checks.raw import RawResource

OPERATIONS = ("securityhub:DescribeHub",)


@collector("securityhub", OPERATIONS, types=(SECURITYHUB_HUB,))
def collect(scope: Scope) -> CollectResult:
    hub = call(scope.client("securityhub"), "describe_hub", absent=("InvalidAccessException",))
    errors = listed(scope, "securityhub:DescribeHub", hub.error, SECURITYHUB_HUB)
    if hub.result is None:
        return CollectResult((), tuple(errors))
    arn = hub.result.get("HubArn") or f"arn:aws:securityhub:{scope.region}:{scope.account}:hub/default"
    props = {"arn": arn, "name": "security-hub", "region": scope.region, "account": scope.account,
             "subscribedAt": hub.result.get("SubscribedAt")}
    return CollectResult((RawResource(type=SECURITYHUB_HUB, urn=arn, name=f"security-hub ({scope.region})",
                                      props=props, source=SourceKind.LIVE, id=arn),), tuple(errors))
