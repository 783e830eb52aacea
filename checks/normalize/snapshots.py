"""Snapshots and images the account can share, planned and live: who may restore or launch them (NET-14..16).

- rds.db_snapshot from aws:rds/snapshot:Snapshot, aws:rds/clusterSnapshot:ClusterSnapshot and their copies:
  `sharedAccounts` is the snapshot's `restore` attribute, where `all` makes it public (provider docs: "Use `all` to
  make the snapshot public").
- ec2.snapshot from aws:ebs/snapshot:Snapshot (and its copies and imports), with
  aws:ec2/snapshotCreateVolumePermission (linked by `snapshotId`) folded in. That resource grants one account id and
  has no group (the provider cannot publish a snapshot); an account id of `all` asks to share with everyone and is
  read so. A snapshot shared with everyone is not public where the region's block public access for snapshots
  (aws:ebs/snapshotBlockPublicAccess) is `block-all-sharing`: AWS then treats publicly shared snapshots as private.
- ec2.image from aws:ec2/ami:Ami, AmiCopy and AmiFromInstance, with aws:ec2/amiLaunchPermission (linked by
  `imageId`, group `all`: public) folded in; the state's computed `public` output (the provider's read of
  DescribeImages) counts too.

A snapshot or image the program creates is shared with no one until something shares it (AWS's default), so no
grant declared means private. Live: the collector's attribute reads (`restore`, createVolumePermission,
launchPermission) and DescribeImages' `Public`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from checks.live_types import EC2_IMAGE, EC2_SNAPSHOT, RDS_DB_SNAPSHOT
from checks.model import UNKNOWN, Asset
from checks.normalize.base import (
    AssetBuilder,
    Index,
    as_list,
    blank,
    first_set,
    folded,
    register,
    tri_and,
    tri_any,
    tri_not,
    unwrap,
)
from checks.normalize.ec2.ebs import region_of, same_region
from checks.normalize.live import apply_call_errors, build_live
from checks.raw import RawResource

DB_SNAPSHOT = "aws:rds/snapshot:Snapshot"
CLUSTER_SNAPSHOT = "aws:rds/clusterSnapshot:ClusterSnapshot"
DB_SNAPSHOT_COPY = "aws:rds/snapshotCopy:SnapshotCopy"
CLUSTER_SNAPSHOT_COPY = "aws:rds/clusterSnapshotCopy:ClusterSnapshotCopy"
EBS_SNAPSHOT = "aws:ebs/snapshot:Snapshot"
EBS_SNAPSHOT_COPY = "aws:ebs/snapshotCopy:SnapshotCopy"
EBS_SNAPSHOT_IMPORT = "aws:ebs/snapshotImport:SnapshotImport"
VOLUME_PERMISSION = "aws:ec2/snapshotCreateVolumePermission:SnapshotCreateVolumePermission"
AMI = "aws:ec2/ami:Ami"
AMI_COPY = "aws:ec2/amiCopy:AmiCopy"
AMI_FROM_INSTANCE = "aws:ec2/amiFromInstance:AmiFromInstance"
LAUNCH_PERMISSION = "aws:ec2/amiLaunchPermission:AmiLaunchPermission"
SNAPSHOT_BLOCK = "aws:ebs/snapshotBlockPublicAccess:SnapshotBlockPublicAccess"

folded("ec2.snapshot", VOLUME_PERMISSION, SNAPSHOT_BLOCK)
folded("ec2.image", LAUNCH_PERMISSION)

EVERYONE = "all"  # the share target that means every AWS account
BLOCK_ALL = "block-all-sharing"  # the block public access state under which shared snapshots are private
SHARE_PATHS = ("public", "shared_accounts")
EBS_SHARE_PATHS = ("shared_with_all", "public", "shared_accounts")

# token -> (the property naming the snapshot, is it a DB cluster snapshot, the property saying it is encrypted)
RDS_SNAPSHOTS = {
    DB_SNAPSHOT: ("dbSnapshotIdentifier", False, "encrypted"),
    CLUSTER_SNAPSHOT: ("dbClusterSnapshotIdentifier", True, "storageEncrypted"),
    DB_SNAPSHOT_COPY: ("targetDbSnapshotIdentifier", False, "encrypted"),
    CLUSTER_SNAPSHOT_COPY: ("targetDbClusterSnapshotIdentifier", True, "storageEncrypted"),
}


def shares(targets: Any) -> tuple[Any, Any]:
    """(shared with everyone, the account ids) of a list of share targets in which `all` means everyone. A target
    unknown at plan time leaves `public` unknown unless `all` is known to be there."""
    targets = unwrap(targets)
    if targets is UNKNOWN:
        return UNKNOWN, UNKNOWN
    items = [unwrap(t) for t in as_list(targets)]
    items = [t for t in items if t is UNKNOWN or blank(t) is not None]
    public = tri_any(UNKNOWN if t is UNKNOWN else t == EVERYONE for t in items)
    return public, [t for t in items if t != EVERYONE]


@register(*RDS_SNAPSHOTS)
def db_snapshot(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    name_prop, cluster, encrypted_prop = RDS_SNAPSHOTS[raw.type]
    b = AssetBuilder("rds.db_snapshot", raw)
    b.set("snapshot_identifier", first_set(blank(p.get(name_prop)), UNKNOWN))
    b.set("cluster", cluster)
    # CreateDBSnapshot, CreateDBClusterSnapshot and their copies make manual snapshots
    b.set("snapshot_type", first_set(blank(p.get("snapshotType")), "manual"))
    public, accounts = shares(p.get("sharedAccounts"))  # absent: shared with no one
    b.set("public", public)
    b.set("shared_accounts", accounts)
    b.set("encrypted", first_set(p.get(encrypted_prop), UNKNOWN))  # computed from the source at plan time
    return [b.build()]


@register(EBS_SNAPSHOT, EBS_SNAPSHOT_COPY, EBS_SNAPSHOT_IMPORT)
def ebs_snapshot(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    b = AssetBuilder("ec2.snapshot", raw)
    b.set("volume_id", first_set(blank(p.get("volumeId")), UNKNOWN))  # copies and imports: computed
    grants = index.referencing(raw, [VOLUME_PERMISSION], "snapshotId")
    shared_with_all, accounts = shares([r.props.get("accountId") for r in grants])
    b.set("shared_with_all", shared_with_all)
    b.set("public", tri_and(shared_with_all, tri_not(_sharing_blocked(raw, index))))
    b.set("shared_accounts", accounts)
    b.set("encrypted", first_set(p.get("encrypted"), UNKNOWN))  # a snapshot's: computed from its volume
    return [b.build()]


def _sharing_blocked(raw: RawResource, index: Index) -> Any:
    """Does the program block all public sharing of snapshots in `raw`'s region? (none declared: AWS's default,
    unblocked)"""
    region = region_of(index, raw)
    return tri_any(tri_and(same_region(region, region_of(index, block)),
                           _is(block.props.get("state"), BLOCK_ALL))
                   for block in index.of_type(SNAPSHOT_BLOCK))


@register(AMI, AMI_COPY, AMI_FROM_INSTANCE)
def image(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    b = AssetBuilder("ec2.image", raw)
    b.set("image_name", first_set(blank(p.get("name")), UNKNOWN))
    grants = index.referencing(raw, [LAUNCH_PERMISSION], "imageId")
    group_all = tri_any(_is(r.props.get("group"), EVERYONE) for r in grants)
    account_all, accounts = shares([r.props.get("accountId") for r in grants])
    # state: the provider's last read of DescribeImages' Public; planned: computed, and a new AMI is private
    read_public = unwrap(p.get("public")) is True
    b.set("public", tri_any([group_all, account_all, read_public]))
    b.set("shared_accounts", accounts)
    b.set("shared_organizations", [o for r in grants for key in ("organizationArn", "organizationalUnitArn")
                                   if (o := blank(unwrap(r.props.get(key)))) is not None])
    return [b.build()]


def _is(value: Any, expected: str) -> Any:
    value = unwrap(value)
    return UNKNOWN if value is UNKNOWN else value == expected


# ---------------------------------------------------------------- live (props from collectors/snapshots.py)


@register(RDS_DB_SNAPSHOT)
def live_db_snapshot(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    b = AssetBuilder("rds.db_snapshot", raw)
    b.set("snapshot_identifier", p["name"])
    b.set("cluster", bool(p.get("cluster")))
    b.set("snapshot_type", p.get("snapshotType"))
    public, accounts = shares(p.get("restore") or [])  # no `restore` attribute: shared with no one
    b.set("public", public)
    b.set("shared_accounts", accounts)
    b.set("encrypted", p.get("encrypted"))
    apply_call_errors(b, raw, {"DescribeDBSnapshotAttributes": SHARE_PATHS,
                               "DescribeDBClusterSnapshotAttributes": SHARE_PATHS})
    return [build_live(b, raw, tags=p.get("tags") or {})]


@register(EC2_SNAPSHOT)
def live_ebs_snapshot(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    b = AssetBuilder("ec2.snapshot", raw)
    b.set("volume_id", p.get("volumeId"))
    permissions = p.get("createVolumePermissions") or []
    shared_with_all = any(g.get("Group") == EVERYONE for g in permissions)
    b.set("shared_with_all", shared_with_all)
    # the region's block public access, read only for a snapshot shared with all
    b.set("public", shared_with_all and p.get("blockPublicAccess") != BLOCK_ALL)
    b.set("shared_accounts", [g["UserId"] for g in permissions if g.get("UserId")])
    b.set("encrypted", p.get("encrypted"))
    apply_call_errors(b, raw, {"DescribeSnapshotAttribute": EBS_SHARE_PATHS,
                               "GetSnapshotBlockPublicAccessState": ("public",)})
    return [build_live(b, raw, tags=p.get("tags") or {})]


@register(EC2_IMAGE)
def live_image(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    b = AssetBuilder("ec2.image", raw)
    b.set("image_name", p.get("imageName"))
    b.set("public", p.get("public"))  # DescribeImages' Public: the image has public launch permissions
    permissions = p.get("launchPermissions") or []
    b.set("shared_accounts", [g["UserId"] for g in permissions if g.get("UserId")])
    b.set("shared_organizations", [g[k] for g in permissions for k in ("OrganizationArn", "OrganizationalUnitArn")
                                   if g.get(k)])
    apply_call_errors(b, raw, {"DescribeImageAttribute": ("shared_accounts", "shared_organizations"),
                               "DescribeImages": ("public",)})
    return [build_live(b, raw, tags=p.get("tags") or {})]
