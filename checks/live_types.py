"""The contract between live collectors and live normalizers: the raw types a collector emits (by the
`live:<service>:<kind>` convention) and the few facts both sides compute the same way.

Collectors and normalizers never import each other; they meet here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from checks.model import IDENTITY_FIELDS
from checks.raw import RawResource

KMS_KEY = "live:kms:key"
S3_BUCKET = "live:s3:bucket"
S3_ACCOUNT_PUBLIC_ACCESS_BLOCK = "live:s3:account_public_access_block"

EC2_INSTANCE = "live:ec2:instance"
EC2_LAUNCH_TEMPLATE = "live:ec2:launch_template"
EC2_VOLUME = "live:ec2:volume"
EC2_EBS_ENCRYPTION_DEFAULT = "live:ec2:ebs_encryption_default"
EC2_VPC = "live:ec2:vpc"
EC2_SUBNET = "live:ec2:subnet"
EC2_SECURITY_GROUP = "live:ec2:security_group"

ELBV2_LOAD_BALANCER = "live:elbv2:load_balancer"
ELBV2_LISTENER = "live:elbv2:listener"
RDS_DB_INSTANCE = "live:rds:db_instance"
RDS_DB_CLUSTER = "live:rds:db_cluster"
ECS_SERVICE = "live:ecs:service"
DYNAMODB_TABLE = "live:dynamodb:table"

BACKUP_VAULT = "live:backup:vault"
BACKUP_PLAN = "live:backup:plan"
BACKUP_SELECTION = "live:backup:selection"
BACKUP_RESTORE_TESTING_PLAN = "live:backup:restore_testing_plan"
BACKUP_RESTORE_TESTING_SELECTION = "live:backup:restore_testing_selection"
BACKUP_REGION = "live:backup:region"  # marker: were the region's selections read?

CLOUDTRAIL_TRAIL = "live:cloudtrail:trail"
LOGS_LOG_GROUP = "live:logs:log_group"
IAM_PASSWORD_POLICY = "live:iam:password_policy"
IAM_USER = "live:iam:user"
IAM_ROLE = "live:iam:role"
IAM_POLICY = "live:iam:policy"  # customer-managed policies
SECRETSMANAGER_SECRET = "live:secretsmanager:secret"
ECR_REPOSITORY = "live:ecr:repository"
EFS_FILE_SYSTEM = "live:efs:file_system"
ELASTICACHE_REPLICATION_GROUP = "live:elasticache:replication_group"
OPENSEARCH_DOMAIN = "live:opensearch:domain"
SQS_QUEUE = "live:sqs:queue"
SNS_TOPIC = "live:sns:topic"
KINESIS_STREAM = "live:kinesis:stream"
GUARDDUTY_DETECTOR = "live:guardduty:detector"
CONFIG_RECORDER = "live:config:recorder"
SECURITYHUB_HUB = "live:securityhub:hub"
IAM_ROOT_USER = "live:iam:root_user"
RDS_DB_SNAPSHOT = "live:rds:db_snapshot"  # manual DB snapshots and DB cluster snapshots
EC2_SNAPSHOT = "live:ec2:snapshot"
EC2_IMAGE = "live:ec2:image"
LAMBDA_FUNCTION = "live:lambda:function"
ECS_TASK_DEFINITION = "live:ecs:task_definition"

# the asset kinds each live raw type feeds (as the asset itself or folded into another): when the list of a type
# cannot be read, every control of these kinds is `error` for that account and region
FEEDS: dict[str, tuple[str, ...]] = {
    KMS_KEY: ("kms.key",),
    S3_BUCKET: ("s3.bucket",),
    S3_ACCOUNT_PUBLIC_ACCESS_BLOCK: ("s3.account_public_access_block",),
    EC2_INSTANCE: ("ec2.instance",),
    EC2_LAUNCH_TEMPLATE: ("ec2.launch_template",),
    EC2_VOLUME: ("ec2.volume",),
    EC2_EBS_ENCRYPTION_DEFAULT: ("ec2.ebs_encryption_default",),
    EC2_VPC: ("ec2.vpc",),
    EC2_SUBNET: ("ec2.subnet",),
    EC2_SECURITY_GROUP: ("ec2.security_group",),
    ELBV2_LOAD_BALANCER: ("elbv2.load_balancer",),
    ELBV2_LISTENER: ("elbv2.listener",),
    RDS_DB_INSTANCE: ("rds.db_instance",),
    RDS_DB_CLUSTER: ("rds.db_cluster",),
    ECS_SERVICE: ("ecs.service",),
    DYNAMODB_TABLE: ("dynamodb.table",),
    BACKUP_VAULT: ("backup.vault",),
    BACKUP_PLAN: ("backup.plan",),
    BACKUP_SELECTION: ("backup.plan",),
    BACKUP_RESTORE_TESTING_PLAN: ("backup.plan",),
    BACKUP_RESTORE_TESTING_SELECTION: ("backup.plan",),
    BACKUP_REGION: ("backup.plan",),
    CLOUDTRAIL_TRAIL: ("cloudtrail.trail",),
    LOGS_LOG_GROUP: ("logs.log_group",),
    IAM_PASSWORD_POLICY: ("iam.password_policy",),
    IAM_USER: ("iam.user",),
    IAM_ROLE: ("iam.role",),
    IAM_POLICY: ("iam.policy",),
    SECRETSMANAGER_SECRET: ("secretsmanager.secret",),
    ECR_REPOSITORY: ("ecr.repository",),
    EFS_FILE_SYSTEM: ("efs.file_system",),
    ELASTICACHE_REPLICATION_GROUP: ("elasticache.replication_group",),
    OPENSEARCH_DOMAIN: ("opensearch.domain",),
    SQS_QUEUE: ("sqs.queue",),
    SNS_TOPIC: ("sns.topic",),
    KINESIS_STREAM: ("kinesis.stream",),
    GUARDDUTY_DETECTOR: ("guardduty.detector",),
    CONFIG_RECORDER: ("config.recorder",),
    SECURITYHUB_HUB: ("securityhub.hub",),
    IAM_ROOT_USER: ("iam.root_user",),
    RDS_DB_SNAPSHOT: ("rds.db_snapshot",),
    EC2_SNAPSHOT: ("ec2.snapshot",),
    EC2_IMAGE: ("ec2.image",),
    LAMBDA_FUNCTION: ("lambda.function",),
    ECS_TASK_DEFINITION: ("ecs.task_definition",),
}

# kinds derived from the other assets of an account and region (checks/normalize/scopes.py): they describe a scope, not
# a resource, so no collector feeds them and configuration drift never compares them
DERIVED_KINDS = ("aws.region",)

# the live raw types of the resources AWS Backup can protect that clearance collects; a backup selection's
# `covered` lists those read in the plan's account and region
BACKUP_CANDIDATES = (DYNAMODB_TABLE, RDS_DB_INSTANCE, RDS_DB_CLUSTER, EC2_VOLUME, EC2_INSTANCE, S3_BUCKET,
                     EFS_FILE_SYSTEM)


def is_aws_managed(key_manager: Any, aliases: Iterable[str]) -> bool:
    """KeyManager AWS, or an `alias/aws/...` alias: moto reports AWS-managed keys as CUSTOMER."""
    return key_manager == "AWS" or any(a.startswith("alias/aws/") for a in aliases)


def tag_map(tags: Any) -> dict[str, str]:
    """EC2's `[{Key, Value}]` tags as a mapping (moto answers `[]`, AWS leaves the key out)."""
    return {t["Key"]: t.get("Value", "") for t in tags or [] if "Key" in t}


def account_public_access_block_id(account: str) -> str:
    """The account-level S3 Block Public Access has no ARN; one per account."""
    return f"s3-account-public-access-block:{account}"


def password_policy_id(account: str) -> str:
    """The password policy has no ARN; one per account."""
    return f"iam-account-password-policy:{account}"


# names of environment variables that hold a secret (compared on the upper-cased name, `-` and `.` read as `_`)
SECRET_NAME_PARTS = ("PASSWORD", "PASSWD", "SECRET", "TOKEN", "API_KEY", "APIKEY", "PRIVATE_KEY", "ACCESS_KEY",
                     "CREDENTIAL", "SIGNING_KEY", "ENCRYPTION_KEY")
# a name ending so holds where the secret is, not the secret (SECRET_ARN, DB_PASSWORD_PARAMETER)
REFERENCE_NAME_SUFFIXES = ("_ARN", "_NAME", "_ID", "_PATH", "_FILE", "_PARAM", "_PARAMETER", "_REGION", "_URL",
                           "_TTL", "_EXPIRY", "_TYPE")
# a value that points at a key management system instead of holding the secret
REFERENCE_VALUE_PREFIXES = ("arn:aws:secretsmanager:", "arn:aws:ssm:", "arn:aws-cn:secretsmanager:",
                            "arn:aws-cn:ssm:", "arn:aws-us-gov:secretsmanager:", "arn:aws-us-gov:ssm:", "{{resolve:")
# patterns compiled by `re` on first use (and kept in its cache), not at import: most runs read no environment
# variables (~0.3 ms of every start-up, issue 13)
ACCESS_KEY_ID = r"(?<![A-Z0-9])(AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])"
URL_PASSWORD = r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]*:[^/\s@]+@"  # scheme://user:password@host


def secret_like_name(name: str) -> bool:
    """The variable's name says it holds a secret (PASSWORD, SECRET, TOKEN, API_KEY, ...), not where one is."""
    upper = re.sub(r"[-.]", "_", name.upper())
    return any(part in upper for part in SECRET_NAME_PARTS) and not upper.endswith(REFERENCE_NAME_SUFFIXES)


def plaintext_secret(name: str, value: str) -> bool:
    """An environment variable `name=value` keeps a secret in plain text: the value looks like an AWS access key
    id or is a URL with a password in it (postgres://user:password@host), or the name looks like a secret's and the
    value is a literal (not empty, not a boolean, not a reference to Secrets Manager or SSM). Callers keep only the
    verdict, never the value."""
    if re.search(ACCESS_KEY_ID, value) or re.match(URL_PASSWORD, value.strip()):
        return True
    literal = value.strip()
    if not literal or literal.lower() in ("true", "false") or literal.startswith(REFERENCE_VALUE_PREFIXES):
        return False
    return secret_like_name(name)


# ---------------------------------------------------------------- what a per-resource read is for

ANY = "*"  # an attribute path standing for every attribute of its kind
TAGS = "tags"  # the identity field some collectors read per resource (S3 GetBucketTagging, DynamoDB ListTagsOfResource)

# per live raw type, the per-resource reads a collector may leave out, by API operation, with the (asset kind,
# attribute path) pairs each one fills, directly or through another asset (a bucket's tags decide which backup
# selections cover it). The normalizer maps the same operations to the same paths (normalize/s3/live.py
# ERROR_PATHS); a read left out is recorded in the raw resource's `errors` under skipped_reason, so its paths are
# never known, only not read.
OPTIONAL_READS: dict[str, dict[str, tuple[tuple[str, str], ...]]] = {
    S3_BUCKET: {
        "GetBucketEncryption": (("s3.bucket", "encryption"), ("s3.bucket", "bucket_key_enabled")),
        "DescribeKey": (("s3.bucket", "encryption"),),
        "GetPublicAccessBlock": (("s3.bucket", "public_access_block"), ("s3.bucket", "public_access_blocked"),
                                 ("s3.bucket", "effective_public_access_block")),
        "GetBucketPolicy": (("s3.bucket", "policy"), ("s3.bucket", "policy_denies_insecure_transport"),
                            ("s3.bucket", "policy_allows_public")),
        "GetBucketVersioning": (("s3.bucket", "versioning"),),
        "GetBucketLogging": (("s3.bucket", "logging"),),
        "GetBucketLifecycleConfiguration": (("s3.bucket", "lifecycle"),),
        "GetBucketOwnershipControls": (("s3.bucket", "object_ownership"), ("s3.bucket", "acl_allows_public")),
        "GetBucketAcl": (("s3.bucket", "acl_allows_public"),),
        # a backup plan's `covered` matches its selections' tags (an aws.region only counts the buckets: not tags)
        "GetBucketTagging": (("s3.bucket", "tags"), ("backup.plan", ANY)),
        "GetObjectLockConfiguration": (("s3.bucket", "object_lock"),),
    },
    KMS_KEY: {
        "GetKeyRotationStatus": (("kms.key", "rotation"),),
        "GetKeyPolicy": (("kms.key", "policy"), ("kms.key", "policy_allows_anyone_unconditionally")),
    },
    DYNAMODB_TABLE: {
        "DescribeContinuousBackups": (("dynamodb.table", "point_in_time_recovery"),),
        "ListTagsOfResource": (("dynamodb.table", "tags"), ("dynamodb.table", "backup_covered"),
                               ("backup.plan", ANY)),
    },
    ECR_REPOSITORY: {
        "GetRepositoryPolicy": (("ecr.repository", "policy_allows_anyone"),
                                ("ecr.repository", "policy_public_actions")),
    },
    IAM_USER: {
        "GetAccessKeyLastUsed": (("iam.user", "access_keys"), ("iam.user", "stalest_credential"),
                                 ("iam.user", "stalest_credential_unused_since")),
    },
}

SKIPPED = "NotSelected"
NOT_APPLICABLE = "NotApplicable"


def skipped_reason(action: str) -> str:
    """Why a read was left out: `action` (s3:GetBucketLogging) fills only attributes no selected control reads."""
    return f"{SKIPPED} {action} (no selected control reads what it returns; not read)"


def not_applicable_reason(action: str) -> str:
    """Why a read was left out: every selected control that reads what `action` returns is not applicable to the
    resource, as decided from what was read before (checks/flows/scan_needs.py)."""
    return f"{NOT_APPLICABLE} {action} (no selected control that reads what it returns applies to this resource; " \
           "not read)"


def is_skipped(reason: str) -> bool:
    """A read left out on purpose (not selected, or not applicable): its attributes are not read, never known."""
    return reason.startswith((f"{SKIPPED} ", f"{NOT_APPLICABLE} "))


# judges, for one raw resource read so far (the reads still to make recorded in its `errors`), which of those reads
# some selected control may still need: the others are left out as not applicable
Judge = Callable[[RawResource, frozenset[str]], frozenset[str]]


@dataclass(frozen=True)
class Needs:
    """What the selected controls read: per asset kind, the root attributes of their `reads` (an expression may read
    anything under a listed root, and the identity fields, tags and region among them, without listing them).
    `roots` None: everything is needed (drift, which compares every attribute; a scan of every control).

    `tags_listed`: `roots` names `tags` for every kind whose tags something may read (checks/flows/scan_needs.py
    decides it from the controls' expressions and templates); otherwise tags, an identity field, are always needed.

    `gated`: per live raw type, the optional reads (OPTIONAL_READS) that only controls with an `applies_if` need,
    made last and only when `judge` says one of those controls may apply to the resource (checks/flows/scan_needs.py
    builds both from the selected controls)."""

    roots: Mapping[str, frozenset[str]] | None = None
    gated: Mapping[str, frozenset[str]] = field(default_factory=dict)
    judge: Judge | None = None
    tags_listed: bool = False

    def deferred(self, raw_type: str) -> frozenset[str]:
        """The reads of `raw_type` to make last, once the judge has seen the others."""
        return self.gated.get(raw_type, frozenset()) if self.judge is not None else frozenset()

    def still_wanted(self, partial: RawResource, pending: frozenset[str]) -> frozenset[str]:
        """Of the `pending` reads of `partial` (recorded in its errors), those some selected control may need."""
        if not pending or self.judge is None:
            return pending
        return self.judge(partial, pending)

    @classmethod
    def of(cls, controls: Iterable[Any], reads_tags: Callable[[Any], bool] | None = None) -> Needs:
        """From controls with `kind` and `reads` (checks.catalog.controls.Control). `reads_tags(control)`: may the
        control read its asset's tags (listed or not)? Without it, every kind's tags are needed."""
        roots: dict[str, set[str]] = {}
        for control in controls:
            found = roots.setdefault(control.kind, set())
            found.update(_root(p) for p in control.reads)
            if reads_tags is not None and reads_tags(control):
                found.add(TAGS)
        return cls({kind: frozenset(found) for kind, found in roots.items()}, tags_listed=reads_tags is not None)

    def fills(self, kind: str, path: str) -> bool:
        """Does some selected control read `path` of `kind` (ANY: any attribute)?"""
        if self.roots is None:
            return True
        read = self.roots.get(kind)
        if read is None:
            return False
        root = _root(path)
        return root == ANY or root in read or (root in IDENTITY_FIELDS and not (self.tags_listed and root == TAGS))

    def wants(self, raw_type: str, operation: str) -> bool:
        """Must the per-resource read `operation` of `raw_type` be made? Yes unless every attribute it fills is read by
        no selected control (a read not in OPTIONAL_READS is always made)."""
        fills = OPTIONAL_READS.get(raw_type, {}).get(operation)
        return fills is None or any(self.fills(kind, path) for kind, path in fills)


def _root(path: str) -> str:
    return path.split(".", 1)[0].removesuffix("[]")


EVERYTHING = Needs()  # every read is made
