"""S3 buckets of one account: list_buckets (global, paginated), then per bucket, from a client in the
bucket's own region, the bucket settings S3 has no batch call for; and, for SSE-KMS, who manages the key
(kms describe_key, once per key).

Configurations that do not exist are recorded as such, not as errors: no encryption configuration means
S3's default SSE-S3 (AES256) since January 2023; no public access block means the four bucket-level
settings are off (the account-level block may still apply: that is s3.account_public_access_block); no
ownership controls means ACLs are in force (ObjectWriter); no policy, lifecycle, Object Lock or tags means none.

Once per account, the account-level Block Public Access (s3control get_public_access_block): one
`live:s3:account_public_access_block` resource, always; NoSuchPublicAccessBlockConfiguration means none is
configured (nothing blocked at the account level); a failed read is recorded in its `errors`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from checks.collectors.answers import listed, well_formed
from checks.collectors.base import CollectResult, Scope, action_of, call, collector, paginate
from checks.collectors.keys import KeyManagers
from checks.collectors.permissions import iam_action
from checks.live_types import (
    S3_ACCOUNT_PUBLIC_ACCESS_BLOCK,
    S3_BUCKET,
    account_public_access_block_id,
    not_applicable_reason,
    skipped_reason,
)
from checks.model import UNKNOWN, SourceKind
from checks.raw import RawResource

OPERATIONS = (
    "s3:ListBuckets", "s3:GetBucketLocation", "s3:GetBucketEncryption", "s3:GetPublicAccessBlock",
    "s3:GetBucketPolicy", "s3:GetBucketVersioning", "s3:GetBucketLogging", "s3:GetBucketLifecycleConfiguration",
    "s3:GetBucketOwnershipControls", "s3:GetBucketAcl", "s3:GetBucketTagging", "s3:GetObjectLockConfiguration",
    "s3control:GetPublicAccessBlock", "kms:DescribeKey", "kms:ListAliases",
)
ACCOUNT_BLOCK_OPERATION = "s3control:GetPublicAccessBlock"
MAX_BUCKETS = 10000  # the largest ListBuckets page
AWS_DOMAINS = (".amazonaws.com", ".amazonaws.com.cn", ".api.aws")

# per-bucket calls: (raw prop, client method, the error codes that mean "not configured", what to keep)
BUCKET_CALLS: tuple[tuple[str, str, tuple[str, ...], str | None], ...] = (
    ("encryption", "get_bucket_encryption", ("ServerSideEncryptionConfigurationNotFoundError",),
     "ServerSideEncryptionConfiguration"),
    ("publicAccessBlock", "get_public_access_block", ("NoSuchPublicAccessBlockConfiguration",),
     "PublicAccessBlockConfiguration"),
    ("policy", "get_bucket_policy", ("NoSuchBucketPolicy",), "Policy"),
    ("versioning", "get_bucket_versioning", (), None),
    ("logging", "get_bucket_logging", (), "LoggingEnabled"),
    ("lifecycleRules", "get_bucket_lifecycle_configuration", ("NoSuchLifecycleConfiguration",), "Rules"),
    ("ownership", "get_bucket_ownership_controls", ("OwnershipControlsNotFoundError",), "OwnershipControls"),
    ("grants", "get_bucket_acl", (), "Grants"),
    ("tags", "get_bucket_tagging", ("NoSuchTagSet",), "TagSet"),
    ("objectLock", "get_object_lock_configuration", ("ObjectLockConfigurationNotFoundError",),
     "ObjectLockConfiguration"),
)


@collector("s3", OPERATIONS, types=(S3_BUCKET, S3_ACCOUNT_PUBLIC_ACCESS_BLOCK), global_scope=True)
def collect(scope: Scope) -> CollectResult:
    account_block = _account_block(scope)
    s3 = scope.client("s3")
    # with MaxBuckets AWS lists each bucket's region too (BucketRegion): no GetBucketLocation per bucket
    buckets, list_error = paginate(s3, "list_buckets", "Buckets", PaginationConfig={"PageSize": MAX_BUCKETS})
    errors = listed(scope, "s3:ListBuckets", list_error, S3_BUCKET, global_scope=True)
    buckets, malformed = well_formed(scope, "s3:ListBuckets", buckets, ("Name",), S3_BUCKET, global_scope=True)
    errors += malformed
    keys = KeyManagers(scope)
    resources = (account_block, *scope.map(lambda b: _bucket(scope, s3, b, keys), buckets))
    return CollectResult(resources, tuple(errors))


def _account_block(scope: Scope) -> RawResource:
    """Always one resource: the account's settings, None when none are configured (nothing blocked)."""
    control = scope.client("s3control")
    control.meta.events.register("before-send.s3-control", _no_account_host_off_aws,
                                 unique_id="clearance-s3control-host")
    got = call(control, "get_public_access_block", absent=("NoSuchPublicAccessBlockConfiguration",),
               AccountId=scope.account)
    ident = account_public_access_block_id(scope.account)
    props = {"account": scope.account, "region": None,
             "publicAccessBlock": (got.result or {}).get("PublicAccessBlockConfiguration") or {}
             if got.error is None else None}
    errors = {"GetPublicAccessBlock": _account_action(got.error)} if got.error else {}
    return RawResource(type=S3_ACCOUNT_PUBLIC_ACCESS_BLOCK, urn=ident, name="account-public-access-block",
                       props=props, source=SourceKind.LIVE, id=ident, errors=errors)


def _account_action(reason: str) -> str:
    """s3control signs its requests as `s3`, so a failed call's reason names the bucket-level action of the same
    operation name (s3:GetBucketPublicAccessBlock); the permission it needs is the account-level one."""
    return reason.replace(iam_action("s3:GetPublicAccessBlock"), iam_action(ACCOUNT_BLOCK_OPERATION))


def _no_account_host_off_aws(request: Any, **_: Any) -> None:
    """botocore puts the account id in front of the s3control host (123456789012.s3-control.<region>.amazonaws.com);
    in front of another endpoint (the sandbox's 127.0.0.1, a proxy) that names no host: the request goes to the
    endpoint itself, which reads the account from the x-amz-account-id header."""
    parts = urlsplit(request.url)
    head, _, rest = parts.netloc.partition(".")
    host = (parts.hostname or "").lower()
    if head.isdigit() and rest and not host.endswith(AWS_DOMAINS):
        request.url = urlunsplit(parts._replace(netloc=rest))


def _bucket(scope: Scope, s3: Any, listed_bucket: dict[str, Any], keys: KeyManagers) -> RawResource:
    name = listed_bucket["Name"]
    errors: dict[str, str] = {}
    region: str | None = listed_bucket.get("BucketRegion") or None  # AWS lists it when asked with MaxBuckets
    if region is None:
        region = scope.region
        location = call(s3, "get_bucket_location", Bucket=name)
        if location.error:
            errors["GetBucketLocation"] = location.error
        elif location.result is not None:
            # no constraint: us-east-1; "EU" is the legacy name of eu-west-1
            region = {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(
                location.result.get("LocationConstraint"), location.result.get("LocationConstraint"))
    client = scope.client("s3", region)
    props: dict[str, Any] = {"arn": f"arn:aws:s3:::{name}", "bucket": name, "region": region,
                             "account": scope.account, "keyManager": None}
    # reads only controls with an applies_if need come last, and only if one of them may apply (scan_needs.py)
    deferred = scope.needs.deferred(S3_BUCKET)
    later = [spec for spec in BUCKET_CALLS if client.meta.method_to_api_mapping[spec[1]] in deferred]
    for spec in BUCKET_CALLS:
        if spec not in later:
            _setting(scope, client, name, spec, props, errors)
    if "DescribeKey" not in deferred:
        _key_manager(scope, props, errors, keys)
    pending = frozenset(client.meta.method_to_api_mapping[spec[1]] for spec in later) | (deferred & {"DescribeKey"})
    if not pending:
        return _raw(props, errors)
    reasons = {op: not_applicable_reason(_action(client, op)) for op in pending}
    wanted = scope.needs.still_wanted(_raw({**props, **{spec[0]: None for spec in later}}, {**errors, **reasons}),
                                      pending)
    for spec in later:
        operation = client.meta.method_to_api_mapping[spec[1]]
        if operation in wanted:
            _setting(scope, client, name, spec, props, errors)
        else:
            props[spec[0]], errors[operation] = None, reasons[operation]
    if "DescribeKey" in wanted:
        _key_manager(scope, props, errors, keys)
    elif "DescribeKey" in pending and _kms_key(props["encryption"]) is not None:
        errors["DescribeKey"] = reasons["DescribeKey"]
    return _raw(props, errors)


def _raw(props: dict[str, Any], errors: dict[str, str]) -> RawResource:
    return RawResource(type=S3_BUCKET, urn=props["arn"], name=props["bucket"], props=props, source=SourceKind.LIVE,
                       id=props["arn"], errors=errors)


def _action(client: Any, operation: str) -> str:
    return "kms:DescribeKey" if operation == "DescribeKey" else iam_action(f"s3:{operation}")


def _setting(scope: Scope, client: Any, name: str, spec: tuple[str, str, tuple[str, ...], str | None],
             props: dict[str, Any], errors: dict[str, str]) -> None:
    """One per-bucket read into props[prop] (None when not configured or not read; tags not read are UNKNOWN, so
    that a backup selection by tag is never decided on them) and errors[operation]."""
    prop, method, absent, keep = spec
    operation = client.meta.method_to_api_mapping[method]
    if not scope.needs.wants(S3_BUCKET, operation):
        errors[operation] = skipped_reason(action_of(client, method))
        props[prop] = UNKNOWN if prop == "tags" else None
        return
    if method == "get_bucket_acl" and _owner_enforced(props.get("ownership")):
        props[prop] = []  # ACLs are disabled: the grants grant nothing, whatever they say
        return
    outcome = call(client, method, absent=absent, Bucket=name)
    if outcome.error:
        errors[operation] = outcome.error
    result = outcome.result
    if result is not None:
        result = {k: v for k, v in result.items() if k != "ResponseMetadata"}
    props[prop] = result.get(keep) if result is not None and keep is not None else result
    if prop == "tags":  # NoSuchTagSet: no tags; a failed read: not known (the normalizer records why)
        props["tags"] = UNKNOWN if outcome.error else {t["Key"]: t["Value"] for t in props["tags"] or ()}


def _key_manager(scope: Scope, props: dict[str, Any], errors: dict[str, str], keys: KeyManagers) -> None:
    """Who manages the key of the bucket's default encryption (props keyManager), when one is named."""
    key_id = _kms_key(props.get("encryption"))
    if key_id is not None and not scope.needs.wants(S3_BUCKET, "DescribeKey"):
        errors["DescribeKey"] = skipped_reason("kms:DescribeKey")
    elif key_id is not None:
        outcome = keys.outcome(key_id, props["region"])
        if outcome.error:
            errors["DescribeKey"] = outcome.error
        elif outcome.result is not None:
            props["keyManager"] = outcome.result["manager"]


def _owner_enforced(ownership: Any) -> bool:
    """Object Ownership BucketOwnerEnforced: ACLs are disabled, so the bucket's ACL need not be read."""
    rules = (ownership or {}).get("Rules") or [{}]
    return bool(rules[0].get("ObjectOwnership") == "BucketOwnerEnforced")


def _kms_key(encryption: Any) -> str | None:
    """The KMS key of the bucket's default encryption rule, if one is named."""
    rules = (encryption or {}).get("Rules") or [{}]
    key = (rules[0].get("ApplyServerSideEncryptionByDefault") or {}).get("KMSMasterKeyID")
    return key or None
