"""S3 buckets of one account: list_buckets (global, paginated), then per bucket, from a client in the
bucket's own region, the bucket settings S3 has no batch call for; and, for SSE-KMS, who manages the key
(kms describe_key, once per key).

Configurations that do not exist are recorded as such, not as errors: no encryption configuration means
S3's default SSE-S3 (AES256) since January 2023; no public access block means the four bucket-level
settings are off (the account-level block may still apply: that is s3.account_public_access_block); no
ownership controls means ACLs are in force (ObjectWriter); no policy, lifecycle or tags means none.
"""

from __future__ import annotations

from typing import Any

from checks.collectors.answers import listed, well_formed
from checks.collectors.base import CollectResult, Scope, call, collector, paginate
from checks.collectors.keys import KeyManagers
from checks.live_types import S3_BUCKET
from checks.model import SourceKind
from checks.raw import RawResource

OPERATIONS = (
    "s3:ListBuckets", "s3:GetBucketLocation", "s3:GetBucketEncryption", "s3:GetPublicAccessBlock",
    "s3:GetBucketPolicy", "s3:GetBucketVersioning", "s3:GetBucketLogging", "s3:GetBucketLifecycleConfiguration",
    "s3:GetBucketOwnershipControls", "s3:GetBucketAcl", "s3:GetBucketTagging", "kms:DescribeKey", "kms:ListAliases",
)

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
)


@collector("s3", OPERATIONS, types=(S3_BUCKET,), global_scope=True)
def collect(scope: Scope) -> CollectResult:
    s3 = scope.client("s3")
    buckets, list_error = paginate(s3, "list_buckets", "Buckets")
    errors = listed(scope, "s3:ListBuckets", list_error, S3_BUCKET, global_scope=True)
    buckets, malformed = well_formed(scope, "s3:ListBuckets", buckets, ("Name",), S3_BUCKET, global_scope=True)
    errors += malformed
    keys = KeyManagers(scope)
    resources = tuple(scope.map(lambda b: _bucket(scope, s3, b["Name"], keys), buckets))
    return CollectResult(resources, tuple(errors))


def _bucket(scope: Scope, s3: Any, name: str, keys: KeyManagers) -> RawResource:
    errors: dict[str, str] = {}
    location = call(s3, "get_bucket_location", Bucket=name)
    region: str | None = scope.region
    if location.error:
        errors["GetBucketLocation"] = location.error
    elif location.result is not None:
        # no constraint: us-east-1; "EU" is the legacy name of eu-west-1
        region = {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(
            location.result.get("LocationConstraint"), location.result.get("LocationConstraint"))
    client = scope.client("s3", region)
    props: dict[str, Any] = {"arn": f"arn:aws:s3:::{name}", "bucket": name, "region": region,
                             "account": scope.account}
    for prop, method, absent, keep in BUCKET_CALLS:
        outcome = call(client, method, absent=absent, Bucket=name)
        if outcome.error:
            errors[client.meta.method_to_api_mapping[method]] = outcome.error
        result = outcome.result
        if result is not None:
            result = {k: v for k, v in result.items() if k != "ResponseMetadata"}
        props[prop] = result.get(keep) if result is not None and keep is not None else result
    if isinstance(props["tags"], list):
        props["tags"] = {t["Key"]: t["Value"] for t in props["tags"]}
    props["keyManager"] = None
    key_id = _kms_key(props["encryption"])
    if key_id is not None:
        outcome = keys.outcome(key_id, region)
        if outcome.error:
            errors["DescribeKey"] = outcome.error
        elif outcome.result is not None:
            props["keyManager"] = outcome.result["manager"]
    return RawResource(type=S3_BUCKET, urn=props["arn"], name=name, props=props, source=SourceKind.LIVE,
                       id=props["arn"], errors=errors)


def _kms_key(encryption: Any) -> str | None:
    """The KMS key of the bucket's default encryption rule, if one is named."""
    rules = (encryption or {}).get("Rules") or [{}]
    key = (rules[0].get("ApplyServerSideEncryptionByDefault") or {}).get("KMSMasterKeyID")
    return key or None
