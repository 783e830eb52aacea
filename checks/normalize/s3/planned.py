"""s3.bucket from aws:s3/bucket:Bucket (v6 legacy inline shape, v7 singular shape) and aws:s3/bucketV2:BucketV2
(plural list shape), with every bucket side resource folded in. The shape is read from the props present.

A side resource (`bucket` names the bucket) replaces the matching inline setting. Defaults are those S3
applies to a new bucket: SSE-S3 encryption (every bucket since January 2023), Block Public Access on and
ACLs disabled (BucketOwnerEnforced, every new bucket since April 2023), versioning, logging and Object Lock off.
The account-level Block Public Access declared with the bucket's provider is folded in (`account.py`): S3 enforces a
setting when the bucket or its account turns it on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from checks.model import UNKNOWN, Asset, SourceKind
from checks.normalize.base import (
    AssetBuilder,
    Index,
    blank,
    first_set,
    folded,
    register,
    tri_all,
    tri_and,
    tri_map,
    tri_or,
    unwrap,
)
from checks.normalize.keys import customer_managed_key_value
from checks.normalize.s3 import account, facts
from checks.raw import RawResource

BUCKET = "aws:s3/bucket:Bucket"
BUCKET_V2 = "aws:s3/bucketV2:BucketV2"


def _with_v2(camel: str) -> tuple[str, str]:
    pascal = camel[0].upper() + camel[1:]
    return f"aws:s3/{camel}:{pascal}", f"aws:s3/{camel}V2:{pascal}V2"


SSE = _with_v2("bucketServerSideEncryptionConfiguration")
VERSIONING = _with_v2("bucketVersioning")
LOGGING = _with_v2("bucketLogging")
LIFECYCLE = _with_v2("bucketLifecycleConfiguration")
ACL = _with_v2("bucketAcl")
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
POLICY = "aws:s3/bucketPolicy:BucketPolicy"
OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
OBJECT_LOCK = _with_v2("bucketObjectLockConfiguration")

folded("s3.bucket", *SSE, *VERSIONING, *LOGGING, *LIFECYCLE, *ACL, PUBLIC_ACCESS_BLOCK, POLICY, OWNERSHIP,
       *OBJECT_LOCK)

PAB_FIELDS = ("block_public_acls", "ignore_public_acls", "block_public_policy", "restrict_public_buckets")
PAB_PROPS = ("blockPublicAcls", "ignorePublicAcls", "blockPublicPolicy", "restrictPublicBuckets")


def pick(obj: Any, *names: str) -> Any:
    """The first present `names` field of obj; a list (BucketV2 / Terraform block) gives its first item."""
    obj = unwrap(obj)
    if obj is UNKNOWN:
        return UNKNOWN
    if type(obj) is not dict and not isinstance(obj, Mapping):  # a dict without the ABC's instance check
        return None
    for name in names:
        value = unwrap(obj.get(name))
        if value is None:
            continue
        if isinstance(value, list):
            return unwrap(value[0]) if value else None
        return value
    return None


SIDE_TOKENS = (*SSE, *VERSIONING, *LOGGING, *LIFECYCLE, *ACL, PUBLIC_ACCESS_BLOCK, POLICY, OWNERSHIP, *OBJECT_LOCK)
Sides = dict[str, tuple[int, RawResource]]  # side-resource token -> (position, the last of that token) of a bucket


def _sides(raw: RawResource, index: Index) -> Sides:
    """The bucket's side resources, looked up once: the last of each token, with its position among them."""
    return {r.type: (i, r) for i, r in enumerate(index.referencing(raw, SIDE_TOKENS, "bucket"))}


def _side(sides: Sides, *tokens: str) -> RawResource | None:
    """The last side resource of `tokens` (= `index.referencing(raw, tokens, "bucket")[-1]`)."""
    best: tuple[int, RawResource] | None = None
    for token in tokens:
        hit = sides.get(token)
        if hit is not None and (best is None or hit[0] > best[0]):
            best = hit
    return None if best is None else best[1]


@register(BUCKET, BUCKET_V2)
def bucket(raw: RawResource, index: Index) -> Iterable[Asset]:
    b = AssetBuilder("s3.bucket", raw)
    # absent: Pulumi auto-names the bucket; the name is known only once the provider has checked it
    name = first_set(raw.props.get("bucket"), UNKNOWN)
    b.set("bucket_name", name)
    sides = _sides(raw, index)
    _encryption(b, raw, index, sides)
    _versioning(b, raw, sides)
    _public_access_block(b, raw, index, sides)
    ownership = _ownership(b, sides)
    _acl(b, raw, sides, ownership)
    _policy(b, raw, sides, name)
    _logging(b, raw, sides)
    _lifecycle(b, raw, sides)
    _object_lock(b, raw, sides)
    return [b.build()]


def _encryption(b: AssetBuilder, raw: RawResource, index: Index, sides: Sides) -> None:
    side = _side(sides, *SSE)
    if side is not None:
        src, dep_prop = side, "rules"
        rule = pick(side.props, "rules", "rule")
    else:
        src = raw
        dep_prop = next((k for k in ("serverSideEncryptionConfiguration", "serverSideEncryptionConfigurations")
                         if k in raw.props), "serverSideEncryptionConfiguration")
        config = pick(raw.props, "serverSideEncryptionConfiguration", "serverSideEncryptionConfigurations")
        rule = tri_map(config, lambda c: pick(c, "rule", "rules"))
    by_default = tri_map(rule, lambda r: pick(r, "applyServerSideEncryptionByDefault",
                                              "applyServerSideEncryptionByDefaults"))
    # no configuration: S3 encrypts every bucket with SSE-S3 (AES256) by default since January 2023
    algorithm = tri_map(by_default, lambda d: first_set(blank(pick(d, "sseAlgorithm")), "AES256"))
    key = tri_map(by_default, lambda d: blank(pick(d, "kmsMasterKeyId")))
    b.set("encryption", {
        "enabled": True,
        "algorithm": algorithm,
        "kms_key_id": key,  # null with aws:kms means the AWS-managed key aws/s3
        "customer_managed_key": customer_managed_key_value(src, key, dep_prop, index),
    })
    b.set("bucket_key_enabled", tri_map(rule, lambda r: first_set(pick(r, "bucketKeyEnabled"), False)))


def _versioning(b: AssetBuilder, raw: RawResource, sides: Sides) -> None:
    side = _side(sides, *VERSIONING)
    if side is not None:
        config = pick(side.props, "versioningConfiguration", "versioningConfigurations")
        status = tri_map(config, lambda c: first_set(pick(c, "status"), UNKNOWN))  # Enabled, Suspended, Disabled
        mfa = tri_map(config, lambda c: first_set(pick(c, "mfaDelete"), "Disabled"))
        b.set("versioning", {"enabled": tri_map(status, lambda s: s == "Enabled"), "status": status,
                             "mfa_delete": tri_map(mfa, lambda m: m == "Enabled")})
        return
    inline = pick(raw.props, "versioning", "versionings")  # absent: S3 buckets start unversioned
    enabled = tri_map(inline, lambda v: first_set(pick(v, "enabled"), False))
    # off: a bucket the program creates is never versioned; in state, the provider writes enabled=false for a bucket
    # never versioned and for one whose versioning is suspended (which keeps its old versions) alike
    off = "Disabled" if raw.source is SourceKind.PLANNED else UNKNOWN
    b.set("versioning", {
        "enabled": enabled,
        "status": tri_map(enabled, lambda e: "Enabled" if e else off),
        "mfa_delete": tri_map(inline, lambda v: first_set(pick(v, "mfaDelete"), False)),
    })


def _public_access_block(b: AssetBuilder, raw: RawResource, index: Index, sides: Sides) -> None:
    side = _side(sides, PUBLIC_ACCESS_BLOCK)
    if side is None:
        # no BucketPublicAccessBlock: S3 turns all four settings on for every bucket created since April 2023
        values = [True] * 4
    else:
        values = [first_set(side.props.get(prop), False) for prop in PAB_PROPS]  # provider default: false
    b.set("public_access_block", dict(zip(PAB_FIELDS, values, strict=True)))
    b.set("public_access_blocked", tri_all(values))
    account_values = account.account_settings_for(raw, index)
    b.set("account_public_access_block", account.as_settings(account_values))
    b.set("effective_public_access_block", account.as_settings(account.effective(values, account_values)))


def _ownership(b: AssetBuilder, sides: Sides) -> Any:
    side = _side(sides, OWNERSHIP)
    if side is None:
        value = "BucketOwnerEnforced"  # ACLs are disabled on every bucket created since April 2023
    else:
        value = tri_map(pick(side.props, "rule", "rules"), lambda r: pick(r, "objectOwnership"))
    b.set("object_ownership", value)
    return value


def _acl(b: AssetBuilder, raw: RawResource, sides: Sides, ownership: Any) -> None:
    side = _side(sides, *ACL)
    if side is not None:
        canned = side.props.get("acl")
        policy = pick(side.props, "accessControlPolicy", "accessControlPolicies")
        grants = tri_map(policy, lambda p: first_set(unwrap(p.get("grants")), []) if isinstance(p, dict) else [])
    else:
        canned = first_set(blank(raw.props.get("acl")), "private")  # S3 default canned ACL
        grants = first_set(unwrap(raw.props.get("grants")), [])
    b.set("acl", canned)
    public = UNKNOWN if grants is UNKNOWN else facts.acl_allows_public(canned, grants)
    enforced = tri_map(ownership, lambda o: o == "BucketOwnerEnforced")  # ACLs are ignored when enforced
    b.set("acl_allows_public", tri_and(public, tri_map(enforced, lambda e: not e)))


def _policy(b: AssetBuilder, raw: RawResource, sides: Sides, name: Any) -> None:
    side = _side(sides, POLICY)
    doc = facts.policy_document(side.props.get("policy") if side is not None else raw.props.get("policy"))
    b.set("policy", doc)
    b.set("policy_denies_insecure_transport", False if doc is None else facts.denies_insecure_transport(doc, name))
    b.set("policy_allows_public", False if doc is None else facts.allows_public(doc))


def _logging(b: AssetBuilder, raw: RawResource, sides: Sides) -> None:
    side = _side(sides, *LOGGING)
    config = side.props if side is not None else pick(raw.props, "logging", "loggings")  # absent: logging off
    target = tri_map(config, lambda c: blank(pick(c, "targetBucket")))
    b.set("logging", {
        "enabled": tri_map(target, lambda t: t is not None),
        "target_bucket": target,
    })


def _lifecycle(b: AssetBuilder, raw: RawResource, sides: Sides) -> None:
    side = _side(sides, *LIFECYCLE)
    if side is not None:
        rules = tri_map(side.props.get("rules"), lambda rs: [_side_rule(r) for r in rs])
    else:
        rules = tri_map(first_set(raw.props.get("lifecycleRules"), []), lambda rs: [_inline_rule(r) for r in rs])
    if rules is UNKNOWN:
        b.set("lifecycle", {"rules": UNKNOWN, "expires_objects_within_days": UNKNOWN,
                            "expires_noncurrent_within_days": UNKNOWN})
        return
    b.set("lifecycle", {
        "rules": rules,
        "expires_objects_within_days": facts.min_days(rules, "expiration_days"),
        "expires_noncurrent_within_days": facts.min_days(rules, "noncurrent_expiration_days",
                                                         unless="newer_noncurrent_versions"),
    })


def _rule(rule_id: Any, enabled: Any, prefix: Any, whole: Any, expiration: Any, noncurrent: Any,
          abort: Any, newer: Any = None) -> dict[str, Any]:
    return {"id": rule_id, "enabled": enabled, "prefix": prefix, "whole_bucket": whole,
            "expiration_days": expiration, "noncurrent_expiration_days": noncurrent,
            "newer_noncurrent_versions": newer, "abort_incomplete_days": abort}


def _side_rule(r: Any) -> dict[str, Any]:
    """A rule of BucketLifecycleConfiguration[V2]: status, filter, expiration.days, noncurrentDays."""
    r = unwrap(r)
    if r is UNKNOWN or not isinstance(r, dict):
        return _rule(*([UNKNOWN] * 8))
    flt = unwrap(r.get("filter"))
    prefix = first_set(blank(r.get("prefix")), tri_map(flt, lambda f: blank(pick(f, "prefix"))))
    return _rule(
        r.get("id"),
        tri_map(r.get("status"), lambda s: s == "Enabled"),
        prefix,
        facts.applies_to_whole_bucket(r.get("prefix"), flt, None),
        tri_map(pick(r, "expiration", "expirations"), lambda e: pick(e, "days")),
        tri_map(pick(r, "noncurrentVersionExpiration", "noncurrentVersionExpirations"),
                lambda e: pick(e, "noncurrentDays", "days")),
        tri_map(pick(r, "abortIncompleteMultipartUpload", "abortIncompleteMultipartUploads"),
                lambda e: pick(e, "daysAfterInitiation")),
        tri_map(pick(r, "noncurrentVersionExpiration", "noncurrentVersionExpirations"),
                lambda e: facts.count(pick(e, "newerNoncurrentVersions"))),
    )


def _inline_rule(r: Any) -> dict[str, Any]:
    """An inline `lifecycleRules` item of Bucket / BucketV2: enabled, prefix, tags, expiration.days."""
    r = unwrap(r)
    if r is UNKNOWN or not isinstance(r, dict):
        return _rule(*([UNKNOWN] * 8))
    return _rule(
        r.get("id"),
        first_set(r.get("enabled"), False),
        blank(r.get("prefix")),
        facts.applies_to_whole_bucket(r.get("prefix"), None, r.get("tags")),
        tri_map(pick(r, "expiration", "expirations"), lambda e: pick(e, "days")),
        tri_map(pick(r, "noncurrentVersionExpiration", "noncurrentVersionExpirations"), lambda e: pick(e, "days")),
        blank(r.get("abortIncompleteMultipartUploadDays")),
    )


def _object_lock(b: AssetBuilder, raw: RawResource, sides: Sides) -> None:
    """Object Lock and its default retention: from BucketObjectLockConfiguration[V2], else the bucket's deprecated
    inline objectLockConfiguration. Absent: S3 creates buckets without Object Lock."""
    side = _side(sides, *OBJECT_LOCK)
    inline = pick(raw.props, "objectLockConfiguration", "objectLockConfigurations")
    if side is not None:
        enabled: Any = True  # a lock configuration exists only on a bucket with Object Lock enabled
        rule = pick(side.props, "rule", "rules")
    else:
        flag = unwrap(raw.props.get("objectLockEnabled"))  # v7 Bucket and BucketV2: a boolean
        enabled = tri_or(flag if flag is UNKNOWN else flag is True,
                         tri_map(inline, lambda c: pick(c, "objectLockEnabled") == "Enabled"))
        rule = tri_map(inline, lambda c: pick(c, "rule", "rules"))
    retention = tri_map(rule, lambda r: pick(r, "defaultRetention", "defaultRetentions"))
    b.set("object_lock", {
        "enabled": enabled,
        "mode": tri_map(retention, lambda d: blank(pick(d, "mode"))),
        "retention_days": tri_map(retention, lambda d: facts.retention_days(pick(d, "days"), pick(d, "years"))),
    })
