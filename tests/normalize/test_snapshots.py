"""rds.db_snapshot, ec2.snapshot and ec2.image: snapshots and AMIs shared with everyone (NET-14..16), planned and
state views."""

from __future__ import annotations

from typing import Any

from checks.model import UNKNOWN, Asset, SourceKind
from tests.normalize.conftest import make_raw, one, run_normalize, urn

DB_SNAPSHOT = "aws:rds/snapshot:Snapshot"
CLUSTER_SNAPSHOT = "aws:rds/clusterSnapshot:ClusterSnapshot"
DB_SNAPSHOT_COPY = "aws:rds/snapshotCopy:SnapshotCopy"
EBS_SNAPSHOT = "aws:ebs/snapshot:Snapshot"
EBS_SNAPSHOT_COPY = "aws:ebs/snapshotCopy:SnapshotCopy"
VOLUME_PERMISSION = "aws:ec2/snapshotCreateVolumePermission:SnapshotCreateVolumePermission"
AMI = "aws:ec2/ami:Ami"
AMI_FROM_INSTANCE = "aws:ec2/amiFromInstance:AmiFromInstance"
LAUNCH_PERMISSION = "aws:ec2/amiLaunchPermission:AmiLaunchPermission"
SNAPSHOT_BLOCK = "aws:ebs/snapshotBlockPublicAccess:SnapshotBlockPublicAccess"
ACCOUNT = "111122223333"


def db_snapshot(props: dict[str, Any], type_: str = DB_SNAPSHOT, **kwargs: Any) -> Asset:
    return one(run_normalize(make_raw(type_, "orders-snap", props, **kwargs)), "rds.db_snapshot")


# ---------------------------------------------------------------- rds.db_snapshot


def test_a_declared_db_snapshot_is_private_unless_shared() -> None:
    asset = db_snapshot({"dbSnapshotIdentifier": "orders-1", "dbInstanceIdentifier": "orders"})
    assert asset.attributes == {"snapshot_identifier": "orders-1", "cluster": False, "snapshot_type": "manual",
                                "public": False, "shared_accounts": [], "encrypted": None}
    assert asset.unknown == {"encrypted"}  # computed from the instance: not known at plan time


def test_shared_with_all_is_public_and_accounts_are_listed() -> None:
    attrs = db_snapshot({"dbSnapshotIdentifier": "orders-1", "sharedAccounts": ["all", ACCOUNT]}).attributes
    assert (attrs["public"], attrs["shared_accounts"]) == (True, [ACCOUNT])
    attrs = db_snapshot({"dbSnapshotIdentifier": "orders-1", "sharedAccounts": [ACCOUNT]}).attributes
    assert (attrs["public"], attrs["shared_accounts"]) == (False, [ACCOUNT])


def test_an_unknown_share_is_unknown_unless_all_is_known() -> None:
    asset = db_snapshot({"dbSnapshotIdentifier": "orders-1", "sharedAccounts": UNKNOWN})
    assert {"public", "shared_accounts"} <= asset.unknown
    asset = db_snapshot({"dbSnapshotIdentifier": "orders-1", "sharedAccounts": [ACCOUNT, UNKNOWN]})
    assert asset.attributes["public"] is None and "public" in asset.unknown
    asset = db_snapshot({"dbSnapshotIdentifier": "orders-1", "sharedAccounts": [UNKNOWN, "all"]})
    assert asset.attributes["public"] is True and "public" not in asset.unknown


def test_cluster_snapshots_and_copies() -> None:
    attrs = db_snapshot({"dbClusterSnapshotIdentifier": "ledger-1", "sharedAccounts": ["all"]},
                        CLUSTER_SNAPSHOT).attributes
    assert (attrs["snapshot_identifier"], attrs["cluster"], attrs["public"]) == ("ledger-1", True, True)
    attrs = db_snapshot({"targetDbSnapshotIdentifier": "orders-copy", "sourceDbSnapshotIdentifier": "orders-1"},
                        DB_SNAPSHOT_COPY).attributes
    assert (attrs["snapshot_identifier"], attrs["cluster"], attrs["public"]) == ("orders-copy", False, False)


def test_state_view_reads_encryption_and_type() -> None:
    asset = db_snapshot({"dbSnapshotIdentifier": "orders-1", "encrypted": True, "snapshotType": "manual",
                         "sharedAccounts": ["all"], "dbSnapshotArn": "arn:aws:rds:eu-west-1:1:snapshot:orders-1"},
                        source=SourceKind.STATE, id="orders-1")
    assert asset.attributes["encrypted"] is True and asset.attributes["public"] is True
    assert asset.unknown == frozenset()
    cluster = db_snapshot({"dbClusterSnapshotIdentifier": "ledger-1", "storageEncrypted": False,
                           "sharedAccounts": []}, CLUSTER_SNAPSHOT, source=SourceKind.STATE, id="ledger-1")
    assert (cluster.attributes["encrypted"], cluster.attributes["public"]) == (False, False)


# ---------------------------------------------------------------- ec2.snapshot


def ebs(*raws: Any) -> Asset:
    return one(run_normalize(*raws), "ec2.snapshot")


def snapshot_raw(props: dict[str, Any] | None = None, type_: str = EBS_SNAPSHOT, **kwargs: Any) -> Any:
    return make_raw(type_, "backup", props if props is not None else {"volumeId": "vol-1"}, **kwargs)


def permission(name: str, account: Any, **kwargs: Any) -> Any:
    return make_raw(VOLUME_PERMISSION, name, {"snapshotId": UNKNOWN, "accountId": account},
                    deps={"snapshotId": [urn(EBS_SNAPSHOT, "backup")]}, **kwargs)


def test_an_ebs_snapshot_without_permissions_is_private() -> None:
    asset = ebs(snapshot_raw())
    assert asset.attributes == {"volume_id": "vol-1", "shared_with_all": False, "public": False,
                                "shared_accounts": [], "encrypted": None}
    assert asset.unknown == {"encrypted"}
    copy = ebs(snapshot_raw({"sourceSnapshotId": "snap-1", "sourceRegion": "eu-west-1", "encrypted": True},
                            EBS_SNAPSHOT_COPY))
    assert (copy.attributes["encrypted"], copy.attributes["public"]) == (True, False)


def test_create_volume_permissions_fold_into_the_snapshot() -> None:
    attrs = ebs(snapshot_raw(), permission("to-dr", ACCOUNT)).attributes
    assert (attrs["public"], attrs["shared_accounts"]) == (False, [ACCOUNT])
    # the provider sends account_id as a user id; `all` asks to share with everyone: read as public
    attrs = ebs(snapshot_raw(), permission("to-all", "all")).attributes
    assert (attrs["shared_with_all"], attrs["public"], attrs["shared_accounts"]) == (True, True, [])
    asset = ebs(snapshot_raw(), permission("to-who", UNKNOWN))
    assert asset.attributes["public"] is None and "public" in asset.unknown


def test_state_view_links_permissions_by_snapshot_id() -> None:
    snap = snapshot_raw({"volumeId": "vol-1", "encrypted": False, "arn": "arn:aws:ec2:eu-west-1::snapshot/snap-9"},
                        source=SourceKind.STATE, id="snap-9")
    perm = make_raw(VOLUME_PERMISSION, "to-dr", {"snapshotId": "snap-9", "accountId": ACCOUNT},
                    source=SourceKind.STATE, id=f"snap-9-{ACCOUNT}")
    asset = ebs(snap, perm)
    assert asset.attributes == {"volume_id": "vol-1", "shared_with_all": False, "public": False,
                                "shared_accounts": [ACCOUNT], "encrypted": False}
    assert asset.unknown == frozenset()


def block(state: Any, region: str | None = None) -> Any:
    return make_raw(SNAPSHOT_BLOCK, "snapshots", {"state": state, **({"region": region} if region else {})})


def test_block_all_sharing_in_the_region_keeps_a_snapshot_shared_with_all_private() -> None:
    attrs = ebs(snapshot_raw(), permission("to-all", "all"), block("block-all-sharing")).attributes
    assert (attrs["shared_with_all"], attrs["public"]) == (True, False)
    # new sharing blocked only: a snapshot already shared stays public; another region's block does not apply
    assert ebs(snapshot_raw(), permission("to-all", "all"), block("block-new-sharing")).attributes["public"] is True
    regional = snapshot_raw({"volumeId": "vol-1", "region": "eu-west-1"})
    assert ebs(regional, permission("to-all", "all"), block("block-all-sharing", "us-east-1")).attributes[
        "public"] is True
    asset = ebs(snapshot_raw(), permission("to-all", "all"), block(UNKNOWN))
    assert asset.attributes["shared_with_all"] is True and "public" in asset.unknown


# ---------------------------------------------------------------- ec2.image


def image(*raws: Any) -> Asset:
    return one(run_normalize(*raws), "ec2.image")


def ami_raw(props: dict[str, Any] | None = None, type_: str = AMI, **kwargs: Any) -> Any:
    return make_raw(type_, "golden", props if props is not None else {"name": "golden-1"}, **kwargs)


def launch(name: str, props: dict[str, Any], **kwargs: Any) -> Any:
    return make_raw(LAUNCH_PERMISSION, name, {"imageId": UNKNOWN, **props}, deps={"imageId": [urn(AMI, "golden")]},
                    **kwargs)


def test_an_ami_without_launch_permissions_is_private() -> None:
    assert image(ami_raw()).attributes == {"image_name": "golden-1", "public": False, "shared_accounts": [],
                                           "shared_organizations": []}
    assert image(ami_raw({"name": "golden-2", "sourceInstanceId": "i-1"}, AMI_FROM_INSTANCE)).attributes[
        "public"] is False


def test_launch_permissions_fold_into_the_ami() -> None:
    org = "arn:aws:organizations::111122223333:organization/o-abc"
    attrs = image(ami_raw(), launch("everyone", {"group": "all"}), launch("dr", {"accountId": ACCOUNT}),
                  launch("org", {"organizationArn": org})).attributes
    assert (attrs["public"], attrs["shared_accounts"], attrs["shared_organizations"]) == (True, [ACCOUNT], [org])
    asset = image(ami_raw(), launch("maybe", {"group": UNKNOWN}))
    assert asset.attributes["public"] is None and "public" in asset.unknown


def test_state_view_reads_the_public_output() -> None:
    arn = "arn:aws:ec2:eu-west-1::image/ami-1"
    asset = image(ami_raw({"name": "golden-1", "public": True, "arn": arn}, source=SourceKind.STATE, id="ami-1"))
    assert asset.attributes["public"] is True
    stale = ami_raw({"name": "golden-1", "public": False, "arn": arn}, source=SourceKind.STATE, id="ami-1")
    perm = make_raw(LAUNCH_PERMISSION, "everyone", {"imageId": "ami-1", "group": "all"}, source=SourceKind.STATE,
                    id="ami-1-all")
    assert image(stale, perm).attributes["public"] is True
