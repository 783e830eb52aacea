"""Cases of the non-compliant example for the catalog's snapshot and image controls: RDS snapshots and AMIs shared
with everyone (see __main__.py). EBS snapshots (NET-15) have no case: the provider's SnapshotCreateVolumePermission
grants one account id and has no group, so no program can publish a snapshot; only a live scan fails NET-15.

Each failing declaration has a `# FAILS <ids>: why` comment directly above it; tests/e2e/test_noncompliant.py
reads those comments as the expected failures."""

from __future__ import annotations

from typing import Any

import pulumi_aws as aws

DR_ACCOUNT = "111122223333"  # the disaster-recovery account


def declare(shared: dict[str, Any]) -> None:
    """Declare this area's cases; `shared` is the main program's namespace (its VPC, subnets, keys, ...)."""
    tags: dict[str, str] = shared["tags"]
    ledger: aws.rds.Cluster = shared["ledger"]

    # compliant: a manual snapshot of the ledger shared with the disaster-recovery account only
    aws.rds.ClusterSnapshot("ledger-dr", db_cluster_identifier=ledger.id, db_cluster_snapshot_identifier="ledger-dr",
                            shared_accounts=[DR_ACCOUNT], tags=tags)
    # FAILS NET-14: shared with "all": any AWS account can copy the snapshot and restore the ledger's customer data
    aws.rds.ClusterSnapshot("ledger-export", db_cluster_identifier=ledger.id,
                            db_cluster_snapshot_identifier="ledger-export", shared_accounts=["all"], tags=tags)

    # compliant: a copy of the base image launched by the disaster-recovery account only
    base = aws.ec2.AmiCopy("base", name="base", source_ami_id=shared["ami"], source_ami_region="eu-west-1", tags=tags)
    aws.ec2.AmiLaunchPermission("base-dr", image_id=base.id, account_id=DR_ACCOUNT)
    # FAILS NET-16: a launch permission for the group "all" below makes the image public
    golden = aws.ec2.AmiCopy("golden", name="golden", source_ami_id=shared["ami"], source_ami_region="eu-west-1",
                             tags=tags)
    aws.ec2.AmiLaunchPermission("golden-public", image_id=golden.id, group="all")
