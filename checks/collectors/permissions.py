"""Which IAM action each API operation needs: what `clearance iam-policy` grants and what a denial names."""

from __future__ import annotations

# botocore operation -> IAM action, where the IAM action is not `<service>:<Operation>`
IAM_ACTION_OVERRIDES = {
    "s3:ListBuckets": "s3:ListAllMyBuckets",
    "s3:GetBucketEncryption": "s3:GetEncryptionConfiguration",
    "s3:GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
    "s3:GetBucketLifecycleConfiguration": "s3:GetLifecycleConfiguration",
    "s3:GetObjectLockConfiguration": "s3:GetBucketObjectLockConfiguration",
    "s3control:GetPublicAccessBlock": "s3:GetAccountPublicAccessBlock",
}
NO_PERMISSION_NEEDED = frozenset({"sts:GetCallerIdentity"})
# what the scan itself calls besides the collectors (checks/flows/scan.py): `--regions all` lists the enabled regions
# (resolve_regions); sts:GetCallerIdentity, which names the account, needs no permission
SCAN_ACTIONS = ("ec2:DescribeRegions",)


# client service name -> IAM service prefix, where they differ
IAM_PREFIXES = {"elbv2": "elasticloadbalancing", "efs": "elasticfilesystem", "opensearch": "es"}


def iam_action(operation: str) -> str:
    """`"s3:GetBucketEncryption"` -> `"s3:GetEncryptionConfiguration"`, `"elbv2:DescribeListeners"` ->
    `"elasticloadbalancing:DescribeListeners"`; most operations are their own action."""
    operation = IAM_ACTION_OVERRIDES.get(operation, operation)
    service, _, name = operation.partition(":")
    return f"{IAM_PREFIXES.get(service, service)}:{name}"
