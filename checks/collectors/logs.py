"""CloudWatch Logs log groups of one account and region: describe_log_groups (batch; retention, KMS key
and class come with it), and who manages each group's KMS key (once per key). No retentionInDays means
events never expire; no kmsKeyId means keys CloudWatch Logs owns."""

from __future__ import annotations

from typing import Any

from checks.collectors.answers import listed, well_formed
from checks.collectors.base import CollectResult, Scope, collector, paginate
from checks.collectors.keys import KEY_OPERATIONS, KeyManagers
from checks.live_types import LOGS_LOG_GROUP
from checks.model import SourceKind
from checks.raw import RawResource

OPERATIONS = ("logs:DescribeLogGroups", *KEY_OPERATIONS)


@collector("logs", OPERATIONS, types=(LOGS_LOG_GROUP,))
def collect(scope: Scope) -> CollectResult:
    logs = scope.client("logs")
    groups, list_error = paginate(logs, "describe_log_groups", "logGroups")
    errors = listed(scope, "logs:DescribeLogGroups", list_error, LOGS_LOG_GROUP)
    groups, malformed = well_formed(scope, "logs:DescribeLogGroups", groups, ("logGroupName",), LOGS_LOG_GROUP)
    errors += malformed
    keys = KeyManagers(scope)
    return CollectResult(tuple(_group(scope, g, keys) for g in groups), tuple(errors))


def _group(scope: Scope, g: dict[str, Any], keys: KeyManagers) -> RawResource:
    name = g["logGroupName"]
    arn = g.get("logGroupArn") or str(g.get("arn", "")).removesuffix(":*")
    manager, key_error = keys.manager(g.get("kmsKeyId"))
    props = {
        "arn": arn, "name": name, "region": scope.region, "account": scope.account,
        "retentionInDays": g.get("retentionInDays"), "kmsKeyId": g.get("kmsKeyId"), "keyManager": manager,
        "logGroupClass": g.get("logGroupClass"), "deletionProtectionEnabled": g.get("deletionProtectionEnabled"),
    }
    return RawResource(type=LOGS_LOG_GROUP, urn=arn, name=name, props=props, source=SourceKind.LIVE, id=arn,
                       errors={"DescribeKey": key_error} if key_error else {})
