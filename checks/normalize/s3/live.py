"""s3.bucket from the live collector's `live:s3:bucket` raw resources (boto3 answers, see collectors/s3.py).

Same attributes as the planned normalizer (s3.py), the derived facts from s3_facts. Where a setting is
not configured the value is what S3 then does for this bucket, which is not always the planned default:
no encryption configuration is SSE-S3 (AES256, since January 2023); no bucket public access block means
the four bucket-level settings are off (S3 creates one with all four on for new buckets, so its absence
means it was removed); no ownership controls means ACLs are in force (ObjectWriter); no Object Lock configuration
means no Object Lock; no versioning status means the bucket was never versioned.

The account-level Block Public Access (`live:s3:account_public_access_block`, read once per account) is its own asset
and is folded into each bucket of the account: S3 enforces a setting when the bucket or the account turns it on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from checks.live_types import S3_ACCOUNT_PUBLIC_ACCESS_BLOCK, S3_BUCKET
from checks.model import Asset
from checks.normalize.base import AssetBuilder, Index, register, tri_and
from checks.normalize.live import apply_call_errors, build_live
from checks.normalize.s3 import facts
from checks.raw import RawResource

PAB = (("block_public_acls", "BlockPublicAcls"), ("ignore_public_acls", "IgnorePublicAcls"),
       ("block_public_policy", "BlockPublicPolicy"), ("restrict_public_buckets", "RestrictPublicBuckets"))
POLICY_PATHS = ("policy", "policy_denies_insecure_transport", "policy_allows_public")
ERROR_PATHS: dict[str, tuple[str, ...]] = {
    "GetBucketLocation": ("region",),
    "GetBucketEncryption": ("encryption", "bucket_key_enabled"),
    "DescribeKey": ("encryption.customer_managed_key",),
    "GetPublicAccessBlock": ("public_access_block", "public_access_blocked"),
    "GetBucketPolicy": POLICY_PATHS,
    "GetBucketVersioning": ("versioning",),
    "GetBucketLogging": ("logging",),
    "GetBucketLifecycleConfiguration": ("lifecycle",),
    "GetBucketOwnershipControls": ("object_ownership", "acl_allows_public"),
    "GetBucketAcl": ("acl_allows_public",),
    "GetBucketTagging": ("tags",),
    "GetObjectLockConfiguration": ("object_lock",),
}
ACCOUNT_PATHS = ("block_public_acls", "ignore_public_acls", "block_public_policy", "restrict_public_buckets",
                 "public_access_blocked")


@register(S3_BUCKET)
def live_bucket(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    b = AssetBuilder("s3.bucket", raw)
    name = p["bucket"]
    b.set("bucket_name", name)
    _encryption(b, p)
    versioning = p.get("versioning") or {}
    b.set("versioning", {"enabled": versioning.get("Status") == "Enabled",
                         "status": versioning.get("Status") or "Disabled",  # no Status: never versioned
                         "mfa_delete": versioning.get("MFADelete") == "Enabled"})
    values = _settings(p.get("publicAccessBlock"))
    b.set("public_access_block", {attr: v for (attr, _), v in zip(PAB, values, strict=True)})
    b.set("public_access_blocked", all(values))
    _effective_block(b, raw, values, index)
    _object_lock(b, p.get("objectLock") or {})
    rules = (p.get("ownership") or {}).get("Rules") or [{}]
    ownership = rules[0].get("ObjectOwnership") or "ObjectWriter"
    b.set("object_ownership", ownership)
    b.set("acl", None)  # S3 answers with grants, never with the canned ACL that set them
    grants = [_grant(g) for g in p.get("grants") or []]
    b.set("acl_allows_public", tri_and(facts.acl_allows_public(None, grants), ownership != "BucketOwnerEnforced"))
    doc = facts.policy_document(p.get("policy"))
    b.set("policy", doc)
    b.set("policy_denies_insecure_transport", False if doc is None else facts.denies_insecure_transport(doc, name))
    b.set("policy_allows_public", False if doc is None else facts.allows_public(doc))
    target = (p.get("logging") or {}).get("TargetBucket") or None
    b.set("logging", {"enabled": target is not None, "target_bucket": target})
    _lifecycle(b, p.get("lifecycleRules") or [])
    apply_call_errors(b, raw, ERROR_PATHS)
    tags = p.get("tags")  # UNKNOWN when not read: recorded in errors (GetBucketTagging), never as no tags
    return [build_live(b, raw, tags=tags if isinstance(tags, dict) else {})]


@register(S3_ACCOUNT_PUBLIC_ACCESS_BLOCK)
def live_account_block(raw: RawResource, index: Index) -> Iterable[Asset]:
    b = AssetBuilder("s3.account_public_access_block", raw)
    b.set("account_id", raw.props["account"])
    values = _settings(raw.props.get("publicAccessBlock"))  # none configured: nothing blocked at the account level
    for (attr, _), value in zip(PAB, values, strict=True):
        b.set(attr, value)
    b.set("public_access_blocked", all(values))
    apply_call_errors(b, raw, {"GetPublicAccessBlock": ACCOUNT_PATHS})
    return [build_live(b, raw)]


def _settings(config: Mapping[str, Any] | None) -> list[bool]:
    """The four Block Public Access settings of an answer; a setting left out (or no configuration) is off."""
    return [bool((config or {}).get(key, False)) for _, key in PAB]


def _effective_block(b: AssetBuilder, raw: RawResource, mine: list[bool], index: Index) -> None:
    """The account's settings over this bucket and the settings S3 enforces: on when the bucket or the account turns
    it on; where neither is known on and one of them could not be read, the setting is an error."""
    account = raw.props.get("account")
    found = [r for r in index.of_type(S3_ACCOUNT_PUBLIC_ACCESS_BLOCK) if r.props.get("account") == account]
    theirs: list[bool] | None = None
    if not found:
        their_error: str | None = (f"NotRead s3:GetAccountPublicAccessBlock (the account-level Block Public Access "
                                   f"of account {account} was not collected)")
    else:
        their_error = found[0].errors.get("GetPublicAccessBlock")
        if their_error is None:
            theirs = _settings(found[0].props.get("publicAccessBlock"))
    my_error = raw.errors.get("GetPublicAccessBlock")
    b.set("account_public_access_block",
          None if theirs is None else {attr: v for (attr, _), v in zip(PAB, theirs, strict=True)})
    if their_error is not None:
        b.errors["account_public_access_block"] = their_error
    for i, (attr, _) in enumerate(PAB):
        on = (my_error is None and mine[i]) or (theirs is not None and theirs[i])
        unread = my_error or their_error
        path = f"effective_public_access_block.{attr}"
        b.set(path, True if on else (None if unread else False))
        if not on and unread:
            b.errors[path] = unread


def _object_lock(b: AssetBuilder, config: Mapping[str, Any]) -> None:
    retention = (config.get("Rule") or {}).get("DefaultRetention") or {}
    b.set("object_lock", {
        "enabled": config.get("ObjectLockEnabled") == "Enabled",
        "mode": retention.get("Mode") or None,
        "retention_days": facts.retention_days(retention.get("Days"), retention.get("Years")),
    })


def _encryption(b: AssetBuilder, p: Mapping[str, Any]) -> None:
    rules = (p.get("encryption") or {}).get("Rules") or [{}]
    rule = rules[0]
    default = rule.get("ApplyServerSideEncryptionByDefault") or {}
    algorithm = default.get("SSEAlgorithm") or "AES256"  # no configuration: SSE-S3 since January 2023
    key = default.get("KMSMasterKeyID") or None
    b.set("encryption", {
        "enabled": True,
        "algorithm": algorithm,
        "kms_key_id": key,  # null with aws:kms means the AWS-managed key aws/s3
        "customer_managed_key": key is not None and algorithm != "AES256" and p.get("keyManager") == "customer",
    })
    b.set("bucket_key_enabled", bool(rule.get("BucketKeyEnabled", False)))


def _grant(grant: dict[str, Any]) -> dict[str, Any]:
    """A boto3 ACL grant in the shape s3_facts reads ({"grantee": {"uri": ...}})."""
    grantee = grant.get("Grantee") or {}
    return {"grantee": {"uri": grantee.get("URI"), "type": grantee.get("Type")}, "permission": grant.get("Permission")}


def _lifecycle(b: AssetBuilder, raw_rules: list[dict[str, Any]]) -> None:
    rules = [_rule(r) for r in raw_rules]
    b.set("lifecycle", {
        "rules": rules,
        "expires_objects_within_days": facts.min_days(rules, "expiration_days"),
        "expires_noncurrent_within_days": facts.min_days(rules, "noncurrent_expiration_days",
                                                         unless="newer_noncurrent_versions"),
    })


def _rule(r: dict[str, Any]) -> dict[str, Any]:
    flt = _camel(r.get("Filter"))
    prefix = r.get("Prefix") or (flt or {}).get("prefix") or None
    noncurrent = r.get("NoncurrentVersionExpiration") or {}
    return {
        "id": r.get("ID"),
        "enabled": r.get("Status") == "Enabled",
        "prefix": prefix,
        "whole_bucket": facts.applies_to_whole_bucket(r.get("Prefix"), flt, None),
        "expiration_days": (r.get("Expiration") or {}).get("Days"),
        "noncurrent_expiration_days": noncurrent.get("NoncurrentDays"),
        "newer_noncurrent_versions": facts.count(noncurrent.get("NewerNoncurrentVersions")),
        "abort_incomplete_days": (r.get("AbortIncompleteMultipartUpload") or {}).get("DaysAfterInitiation"),
    }


def _camel(value: Any) -> Any:
    """boto3's PascalCase filter keys (Prefix, Tag, And, ObjectSizeGreaterThan) in the Pulumi spelling."""
    if isinstance(value, dict):
        return {k[:1].lower() + k[1:]: _camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_camel(v) for v in value]
    return value
