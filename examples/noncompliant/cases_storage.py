"""Cases of the non-compliant example for the catalog's storage controls (see __main__.py).

Each failing declaration has a `# FAILS <ids>: why` comment directly above it; tests/e2e/test_noncompliant.py
reads those comments as the expected failures."""

from __future__ import annotations

from typing import Any

import pulumi_aws as aws


def declare(shared: dict[str, Any]) -> None:
    """Declare this area's cases; `shared` is the main program's namespace (its VPC, subnets, keys, ...)."""
    prefix, bucket_defaults = shared["prefix"], shared["bucket_defaults"]
    customer = {**shared["tags"], "data": "customer"}

    def lifecycle(name: str, bucket: aws.s3.Bucket, days: int, noncurrent: dict[str, int]) -> None:
        aws.s3.BucketLifecycleConfiguration(name, bucket=bucket.id, rules=[{
            "id": "expire", "status": "Enabled", "filter": {}, "expiration": {"days": days},
            "noncurrent_version_expiration": noncurrent}])

    # FAILS RET-01: the lifecycle keeps the 3 newest noncurrent versions of every object, whatever their age
    drafts = aws.s3.Bucket("drafts", bucket=f"{prefix}-drafts", tags=customer)
    bucket_defaults("drafts", drafts)
    aws.s3.BucketVersioning("drafts", bucket=drafts.id, versioning_configuration={"status": "Enabled"})
    lifecycle("drafts", drafts, 23, {"noncurrent_days": 7, "newer_noncurrent_versions": 3})

    # FAILS RET-01: Object Lock keeps every new object 90 days, whatever the 23 + 7 day lifecycle says
    contracts = aws.s3.Bucket("contracts", bucket=f"{prefix}-contracts", object_lock_enabled=True, tags=customer)
    bucket_defaults("contracts", contracts)
    aws.s3.BucketVersioning("contracts", bucket=contracts.id, versioning_configuration={"status": "Enabled"})
    lifecycle("contracts", contracts, 23, {"noncurrent_days": 7})
    aws.s3.BucketObjectLockConfiguration("contracts", bucket=contracts.id, rule={
        "default_retention": {"mode": "GOVERNANCE", "days": 90}})

    # FAILS RET-01: versioning suspended keeps the versions made before: 20 + 20 days, past the 30 promised
    imports = aws.s3.Bucket("imports", bucket=f"{prefix}-imports", tags=customer)
    bucket_defaults("imports", imports)
    aws.s3.BucketVersioning("imports", bucket=imports.id, versioning_configuration={"status": "Suspended"})
    lifecycle("imports", imports, 20, {"noncurrent_days": 20})
