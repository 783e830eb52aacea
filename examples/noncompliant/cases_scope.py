"""Cases of the non-compliant example for the catalog's account- and region-level controls (see __main__.py).

Each failing declaration has a `# FAILS <ids>: why` comment directly above it; tests/e2e/test_noncompliant.py
reads those comments as the expected failures. The program manages its account (it declares account settings), so
every region it deploys to is judged: us-east-1 here, through an explicit provider.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws


def declare(shared: dict[str, Any]) -> None:
    """A second region with data but no backup plan, no trail and EBS encryption by default off; a legacy trail."""
    tags = shared["tags"]
    east = aws.Provider("us-east-1", region="us-east-1")
    in_east = pulumi.ResourceOptions(provider=east)
    # FAILS ENC-08, LOG-01, BAK-09, LOG-07, LOG-08, LOG-09: off in us-east-1; no multi-region trail logs the region;
    # data there but no backup plan; no GuardDuty, AWS Config or Security Hub there
    aws.ebs.EncryptionByDefault("us-east-1", enabled=False, opts=in_east)
    aws.ebs.Volume("east-data", availability_zone="us-east-1a", size=50, type="gp3", encrypted=True,
                   kms_key_id=shared["data_key"].arn, tags=tags, opts=in_east)
    # FAILS LOG-05, LOG-06: provider defaults: no log file validation, SSE-S3 only
    aws.cloudtrail.Trail("legacy", s3_bucket_name=shared["trail_bucket"].id, tags=tags)
