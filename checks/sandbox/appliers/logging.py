"""Logging and audit appliers: CloudWatch log groups and CloudTrail trails."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checks.sandbox.context import Applier, ApplyContext, Outputs, drop_none, tag_list

FIELD_SELECTOR_OPS = (("equals", "Equals"), ("startsWiths", "StartsWith"), ("endsWiths", "EndsWith"),
                      ("notEquals", "NotEquals"), ("notStartsWiths", "NotStartsWith"), ("notEndsWiths", "NotEndsWith"))


def log_group(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    logs = ctx.client("logs")
    name = ctx.physical_name(props, max_len=512)
    logs.create_log_group(logGroupName=name, **drop_none(kmsKeyId=props.get("kmsKeyId"), tags=props.get("tags") or None,
                                                         logGroupClass=props.get("logGroupClass")))
    if props.get("retentionInDays"):
        logs.put_retention_policy(logGroupName=name, retentionInDays=int(props["retentionInDays"]))
    return name, {"arn": ctx.arn("logs", f"log-group:{name}"), "name": name}


def _advanced_selectors(selectors: Any) -> list[dict[str, Any]]:
    out = []
    for sel in selectors or []:
        fields = []
        for fs in sel.get("fieldSelectors") or []:
            field = {"Field": fs["field"]}
            field.update({api: list(fs[key]) for key, api in FIELD_SELECTOR_OPS if fs.get(key)})
            fields.append(field)
        out.append(drop_none(Name=sel.get("name"), FieldSelectors=fields))
    return out


def _basic_selectors(selectors: Any) -> list[dict[str, Any]]:
    return [drop_none(ReadWriteType=s.get("readWriteType"), IncludeManagementEvents=s.get("includeManagementEvents"),
                      DataResources=[{"Type": d["type"], "Values": list(d.get("values") or [])}
                                     for d in s.get("dataResources") or []] or None,
                      ExcludeManagementEventSources=s.get("excludeManagementEventSources"))
            for s in selectors or []]


def trail(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    ct = ctx.client("cloudtrail")
    name = ctx.physical_name(props, max_len=128)
    tags = tag_list(props)
    created = ct.create_trail(Name=name, S3BucketName=props["s3BucketName"], **drop_none(
        S3KeyPrefix=props.get("s3KeyPrefix"), SnsTopicName=props.get("snsTopicName"),
        IncludeGlobalServiceEvents=props.get("includeGlobalServiceEvents"),
        IsMultiRegionTrail=props.get("isMultiRegionTrail"),
        EnableLogFileValidation=props.get("enableLogFileValidation"),
        CloudWatchLogsLogGroupArn=props.get("cloudWatchLogsGroupArn"),
        CloudWatchLogsRoleArn=props.get("cloudWatchLogsRoleArn"), KmsKeyId=props.get("kmsKeyId"),
        IsOrganizationTrail=props.get("isOrganizationTrail"), TagsList=tags or None))
    arn = created["TrailARN"]
    if props.get("advancedEventSelectors"):
        ct.put_event_selectors(TrailName=name,
                               AdvancedEventSelectors=_advanced_selectors(props["advancedEventSelectors"]))
    elif props.get("eventSelectors"):
        ct.put_event_selectors(TrailName=name, EventSelectors=_basic_selectors(props["eventSelectors"]))
    if props.get("enableLogging", True):
        ct.start_logging(Name=name)
    return arn, {"arn": arn, "name": name, "homeRegion": ctx.region}


APPLIERS: dict[str, Applier] = {
    "aws:cloudwatch/logGroup:LogGroup": log_group,
    "aws:cloudtrail/trail:Trail": trail,
}
