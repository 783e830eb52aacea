"""DynamoDB tables of one account and region: list_tables (batch), then per table the calls DynamoDB has
no batch for: describe_table, describe_continuous_backups (point-in-time recovery) and list_tags_of_resource
(tags, which AWS Backup selections may match); and who manages the table's KMS key (once per key).
describe_continuous_backups and list_tags_of_resource are made only when something selected needs what they fill
(live_types.OPTIONAL_READS), else recorded as not read.

No SSEDescription means the AWS-owned key (DynamoDB's default). Whether AWS Backup covers the table is
decided by the normalizer from the backup collector's selections (normalize/backup/live.py).
"""

from __future__ import annotations

from typing import Any

from checks.collectors.answers import listed, well_formed
from checks.collectors.base import CollectResult, Scope, action_of, call, collector, paginate
from checks.collectors.keys import KEY_OPERATIONS, KeyManagers
from checks.live_types import DYNAMODB_TABLE, skipped_reason
from checks.model import UNKNOWN, SourceKind
from checks.raw import RawResource

OPERATIONS = ("dynamodb:ListTables", "dynamodb:DescribeTable", "dynamodb:DescribeContinuousBackups",
              "dynamodb:ListTagsOfResource", *KEY_OPERATIONS)


@collector("dynamodb", OPERATIONS, types=(DYNAMODB_TABLE,))
def collect(scope: Scope) -> CollectResult:
    ddb = scope.client("dynamodb")
    names, list_error = paginate(ddb, "list_tables", "TableNames")
    errors = listed(scope, "dynamodb:ListTables", list_error, DYNAMODB_TABLE)
    names, malformed = well_formed(scope, "dynamodb:ListTables", names, (), DYNAMODB_TABLE)
    errors += malformed
    keys = KeyManagers(scope)
    return CollectResult(tuple(scope.map(lambda name: _table(scope, ddb, name, keys), names)), tuple(errors))


def _table(scope: Scope, ddb: Any, name: str, keys: KeyManagers) -> RawResource:
    errors: dict[str, str] = {}
    described = call(ddb, "describe_table", TableName=name)
    if described.error:
        errors["DescribeTable"] = described.error
    table: dict[str, Any] = (described.result or {}).get("Table") or {}
    arn = table.get("TableArn") or f"arn:aws:dynamodb:{scope.region}:{scope.account}:table/{name}"
    pitr = None
    if not scope.needs.wants(DYNAMODB_TABLE, "DescribeContinuousBackups"):  # no selected control reads the PITR
        errors["DescribeContinuousBackups"] = skipped_reason(action_of(ddb, "describe_continuous_backups"))
    else:
        backups = call(ddb, "describe_continuous_backups", TableName=name)
        if backups.error:
            errors["DescribeContinuousBackups"] = backups.error
        pitr = ((backups.result or {}).get("ContinuousBackupsDescription") or {}).get(
            "PointInTimeRecoveryDescription")
    tags: Any = UNKNOWN  # not read: whether a selection by tag assigns the table cannot be decided
    if not scope.needs.wants(DYNAMODB_TABLE, "ListTagsOfResource"):  # nothing selected reads the tags
        errors["ListTagsOfResource"] = skipped_reason(action_of(ddb, "list_tags_of_resource"))
    else:
        tag_list, tag_error = paginate(ddb, "list_tags_of_resource", "Tags", ResourceArn=arn)
        tags = {t["Key"]: t["Value"] for t in tag_list}
        if tag_error:
            errors["ListTagsOfResource"] = tag_error
            tags = UNKNOWN  # the normalizer says why
    sse = table.get("SSEDescription") or {}
    manager, key_error = keys.manager(sse.get("KMSMasterKeyArn"))
    if key_error:
        errors["DescribeKey"] = key_error
    props = {
        "arn": arn, "name": name, "region": scope.region, "account": scope.account,
        "sse": sse, "keyManager": manager,
        "pointInTimeRecovery": pitr,
        "deletionProtectionEnabled": table.get("DeletionProtectionEnabled"),
        "billingMode": (table.get("BillingModeSummary") or {}).get("BillingMode"),
        "streamEnabled": (table.get("StreamSpecification") or {}).get("StreamEnabled"),
        "replicas": [r.get("RegionName") for r in table.get("Replicas") or []],
        "tags": tags,
    }
    return RawResource(type=DYNAMODB_TABLE, urn=arn, name=name, props=props, source=SourceKind.LIVE, id=arn,
                       errors=errors)
