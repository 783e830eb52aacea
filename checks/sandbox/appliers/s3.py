"""S3 appliers: buckets, their side resources (encryption, versioning, public access block, policy, lifecycle,
logging, ownership controls, Object Lock) and the account-level public access block."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from checks.sandbox.context import Applier, ApplyContext, Outputs, drop_none, tag_list

LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery"


def _sse_rules(rules: Any) -> list[dict[str, Any]]:
    out = []
    for rule in rules or []:
        default = rule.get("applyServerSideEncryptionByDefault") or {}
        if isinstance(default, list):  # BucketV2 inline: plural list shapes
            default = default[0] if default else {}
        apply = drop_none(SSEAlgorithm=default.get("sseAlgorithm"), KMSMasterKeyID=default.get("kmsMasterKeyId"))
        out.append(drop_none(ApplyServerSideEncryptionByDefault=apply or None,
                             BucketKeyEnabled=rule.get("bucketKeyEnabled")))
    return out


def _put_encryption(ctx: ApplyContext, bucket_name: str, rules: Any) -> None:
    ctx.client("s3").put_bucket_encryption(Bucket=bucket_name,
                                           ServerSideEncryptionConfiguration={"Rules": _sse_rules(rules)})


def _put_versioning(ctx: ApplyContext, bucket_name: str, status: str, mfa_delete: Any = None) -> None:
    config = drop_none(Status=status, MFADelete=mfa_delete)
    ctx.client("s3").put_bucket_versioning(Bucket=bucket_name, VersioningConfiguration=config)


def _first(value: Any) -> Any:
    return (value[0] if value else None) if isinstance(value, list) else value


def bucket(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    s3 = ctx.client("s3")
    name = ctx.physical_name(props, "bucket")
    location = {} if ctx.region == "us-east-1" else {
        "CreateBucketConfiguration": {"LocationConstraint": ctx.region}}
    lock = {"ObjectLockEnabledForBucket": True} if props.get("objectLockEnabled") is True else {}
    s3.create_bucket(Bucket=name, **location, **lock)
    if props.get("tags"):
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tag_list(props)})
    # inline (deprecated) settings of the v6 Bucket / BucketV2 shapes
    sse = _first(props.get("serverSideEncryptionConfiguration") or props.get("serverSideEncryptionConfigurations"))
    if sse:
        _put_encryption(ctx, name, sse.get("rules") or ([sse["rule"]] if sse.get("rule") else []))
    versioning = _first(props.get("versioning") or props.get("versionings"))
    if versioning and versioning.get("enabled"):
        _put_versioning(ctx, name, "Enabled")
    return name, {"arn": f"arn:aws:s3:::{name}", "bucket": name, "region": ctx.region,
                  "bucketDomainName": f"{name}.s3.amazonaws.com",
                  "bucketRegionalDomainName": f"{name}.s3.{ctx.region}.amazonaws.com"}


def encryption(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    _put_encryption(ctx, props["bucket"], props.get("rules") or props.get("rule"))
    return props["bucket"], {}


def versioning(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    config = props.get("versioningConfiguration") or {}
    _put_versioning(ctx, props["bucket"], config.get("status", "Enabled"), config.get("mfaDelete"))
    return props["bucket"], {}


def public_access_block(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    ctx.client("s3").put_public_access_block(Bucket=props["bucket"], PublicAccessBlockConfiguration=_pab(props))
    return props["bucket"], {}


def _pab(props: Mapping[str, Any]) -> dict[str, bool]:
    return {"BlockPublicAcls": bool(props.get("blockPublicAcls", False)),
            "IgnorePublicAcls": bool(props.get("ignorePublicAcls", False)),
            "BlockPublicPolicy": bool(props.get("blockPublicPolicy", False)),
            "RestrictPublicBuckets": bool(props.get("restrictPublicBuckets", False))}


def account_public_access_block(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    account = str(props.get("accountId") or ctx.account_id)
    ctx.client("s3control").put_public_access_block(AccountId=account, PublicAccessBlockConfiguration=_pab(props))
    return account, {"accountId": account}


def policy(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    document = props["policy"]
    ctx.client("s3").put_bucket_policy(Bucket=props["bucket"],
                                       Policy=document if isinstance(document, str) else json.dumps(document))
    return props["bucket"], {}


def ownership_controls(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    rule = props.get("rule") or {}
    ctx.client("s3").put_bucket_ownership_controls(
        Bucket=props["bucket"], OwnershipControls={"Rules": [{"ObjectOwnership": rule.get("objectOwnership")}]})
    return props["bucket"], {}


def _lifecycle_filter(value: Any) -> dict[str, Any]:
    value = _first(value) or {}
    out = drop_none(Prefix=value.get("prefix"), ObjectSizeGreaterThan=value.get("objectSizeGreaterThan"),
                    ObjectSizeLessThan=value.get("objectSizeLessThan"))
    if value.get("tag"):
        out["Tag"] = {"Key": value["tag"]["key"], "Value": value["tag"]["value"]}
    return out or {"Prefix": ""}


def _lifecycle_rule(rule: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"ID": rule.get("id"), "Status": rule.get("status", "Enabled"),
                           "Filter": _lifecycle_filter(rule.get("filter"))}
    expiration = _first(rule.get("expiration"))
    if expiration:
        out["Expiration"] = drop_none(Days=expiration.get("days"), Date=expiration.get("date"),
                                      ExpiredObjectDeleteMarker=expiration.get("expiredObjectDeleteMarker"))
    nve = _first(rule.get("noncurrentVersionExpiration"))
    if nve:
        out["NoncurrentVersionExpiration"] = drop_none(NoncurrentDays=nve.get("noncurrentDays"),
                                                       NewerNoncurrentVersions=nve.get("newerNoncurrentVersions"))
    abort = _first(rule.get("abortIncompleteMultipartUpload"))
    if abort:
        out["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": abort.get("daysAfterInitiation")}
    transitions = [drop_none(Days=t.get("days"), Date=t.get("date"), StorageClass=t.get("storageClass"))
                   for t in rule.get("transitions") or []]
    if transitions:
        out["Transitions"] = transitions
    nvt = [drop_none(NoncurrentDays=t.get("noncurrentDays"), StorageClass=t.get("storageClass"))
           for t in rule.get("noncurrentVersionTransitions") or []]
    if nvt:
        out["NoncurrentVersionTransitions"] = nvt
    return drop_none(**out)


def lifecycle(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    ctx.client("s3").put_bucket_lifecycle_configuration(
        Bucket=props["bucket"],
        LifecycleConfiguration={"Rules": [_lifecycle_rule(r) for r in props.get("rules") or []]})
    return props["bucket"], {}


def object_lock(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    retention = _first((_first(props.get("rule")) or {}).get("defaultRetention")) or {}
    rule = drop_none(Mode=retention.get("mode"), Days=retention.get("days"), Years=retention.get("years"))
    config = drop_none(ObjectLockEnabled=props.get("objectLockEnabled", "Enabled"),
                       Rule={"DefaultRetention": rule} if rule else None)
    ctx.client("s3").put_object_lock_configuration(Bucket=props["bucket"], ObjectLockConfiguration=config)
    return props["bucket"], {}


def logging(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    """PutBucketLogging. moto 5.2.5 checks the target bucket's policy more strictly than S3 (its Resource must be
    exactly `<bucket>/<prefix>*`); when only that check fails, the log-delivery ACL grant moto also accepts is added
    for the call and the target's ACL restored after it, so the end state is the one AWS would have."""
    s3 = ctx.client("s3")
    status = {"LoggingEnabled": drop_none(TargetBucket=props["targetBucket"],
                                          TargetPrefix=props.get("targetPrefix", ""))}
    try:
        s3.put_bucket_logging(Bucket=props["bucket"], BucketLoggingStatus=status)
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") != "InvalidTargetBucketForLogging":
            raise
        target = props["targetBucket"]
        acl = s3.get_bucket_acl(Bucket=target)
        original = {"Owner": acl["Owner"], "Grants": acl.get("Grants", [])}
        grants = [{"Grantee": {"Type": "Group", "URI": LOG_DELIVERY}, "Permission": p} for p in ("WRITE", "READ_ACP")]
        s3.put_bucket_acl(Bucket=target, AccessControlPolicy={**original, "Grants": original["Grants"] + grants})
        try:
            s3.put_bucket_logging(Bucket=props["bucket"], BucketLoggingStatus=status)
        finally:
            s3.put_bucket_acl(Bucket=target, AccessControlPolicy=original)
    return props["bucket"], {}


def _both(token: str) -> list[str]:
    """v7 side resources and their deprecated `…V2` spellings."""
    module, _, name = token.rpartition(":")
    mod, _, camel = module.partition("/")
    return [token, f"{mod}/{camel}V2:{name}V2"]


APPLIERS: dict[str, Applier] = {
    "aws:s3/bucket:Bucket": bucket,
    "aws:s3/bucketV2:BucketV2": bucket,
    "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock": account_public_access_block,
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": public_access_block,
    "aws:s3/bucketPolicy:BucketPolicy": policy,
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": ownership_controls,
    **{t: encryption for t in _both(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")},
    **{t: versioning for t in _both("aws:s3/bucketVersioning:BucketVersioning")},
    **{t: lifecycle for t in _both("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")},
    **{t: logging for t in _both("aws:s3/bucketLogging:BucketLogging")},
    **{t: object_lock for t in _both("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration")},
}
