"""Snapshot and image appliers: EBS volumes and snapshots (and their copies, and create-volume permissions), AMIs
(registered, copied or made from an instance, and their launch permissions), RDS DB and cluster snapshots (and
their copies, with the accounts they are shared with).

What moto 5.2.5 does not emulate, said here rather than hidden:
- RegisterImage ignores the declared block device mappings, root device name and tags: the image gets a placeholder
  root device (`/dev/sda1` on a snapshot moto makes). The applier tags the image with CreateTags and returns the
  root device and block devices moto reports (the state's outputs then say what the sandbox holds, not what was
  declared). No control reads an image's block devices; NET-16 reads who may launch it, which moto does emulate.
- A snapshot or image is shared as the provider does: one ModifySnapshotAttribute / ModifyImageAttribute /
  ModifyDBSnapshotAttribute call with the declared targets; whatever moto then answers is what a live scan reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checks.sandbox.context import Applier, ApplyContext, Outputs, drop_none, tag_list, tag_specs

# ---------------------------------------------------------------- EBS


def ebs_volume(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    made = ctx.client("ec2").create_volume(AvailabilityZone=props["availabilityZone"], **drop_none(
        Size=props.get("size"), SnapshotId=props.get("snapshotId"), VolumeType=props.get("type"),
        Iops=props.get("iops"), Throughput=props.get("throughput"), Encrypted=props.get("encrypted"),
        KmsKeyId=props.get("kmsKeyId"), MultiAttachEnabled=props.get("multiAttachEnabled"),
        OutpostArn=props.get("outpostArn"), TagSpecifications=tag_specs(props, "volume") or None))
    volume_id = made["VolumeId"]
    return volume_id, {"arn": ctx.arn("ec2", f"volume/{volume_id}"), "encrypted": made.get("Encrypted"),
                       "kmsKeyId": made.get("KmsKeyId"), "size": made.get("Size"), "type": made.get("VolumeType")}


def _snapshot_outputs(ctx: ApplyContext, snapshot_id: str) -> Outputs:
    ec2 = ctx.client("ec2")
    got = ec2.describe_snapshots(SnapshotIds=[snapshot_id])["Snapshots"][0]
    return {"arn": f"arn:aws:ec2:{ctx.region}::snapshot/{snapshot_id}", "encrypted": got.get("Encrypted"),
            "kmsKeyId": got.get("KmsKeyId"), "ownerId": got.get("OwnerId"), "volumeSize": got.get("VolumeSize"),
            "dataEncryptionKeyId": got.get("DataEncryptionKeyId"), "storageTier": got.get("StorageTier")}


def _archive(props: Mapping[str, Any], ctx: ApplyContext, snapshot_id: str) -> None:
    if props.get("storageTier") == "archive":  # the provider moves it after creation, as here
        ctx.client("ec2").modify_snapshot_tier(SnapshotId=snapshot_id, StorageTier="archive")


def ebs_snapshot(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    made = ctx.client("ec2").create_snapshot(VolumeId=props["volumeId"], **drop_none(
        Description=props.get("description"), OutpostArn=props.get("outpostArn"),
        TagSpecifications=tag_specs(props, "snapshot") or None))
    snapshot_id = made["SnapshotId"]
    _archive(props, ctx, snapshot_id)
    return snapshot_id, _snapshot_outputs(ctx, snapshot_id)


def ebs_snapshot_copy(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    made = ctx.client("ec2").copy_snapshot(
        SourceSnapshotId=props["sourceSnapshotId"], SourceRegion=props["sourceRegion"], **drop_none(
            Description=props.get("description"), Encrypted=props.get("encrypted"), KmsKeyId=props.get("kmsKeyId"),
            CompletionDurationMinutes=props.get("completionDurationMinutes"),
            TagSpecifications=tag_specs(props, "snapshot") or None))
    snapshot_id = made["SnapshotId"]
    _archive(props, ctx, snapshot_id)
    return snapshot_id, _snapshot_outputs(ctx, snapshot_id)


def create_volume_permission(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    """The provider grants one account id (UserId), never a group."""
    snapshot_id, account = props["snapshotId"], str(props["accountId"])
    ctx.client("ec2").modify_snapshot_attribute(SnapshotId=snapshot_id, Attribute="createVolumePermission",
                                                OperationType="add", UserIds=[account])
    return f"{snapshot_id}-{account}", {}


# ---------------------------------------------------------------- AMIs


def _block_device(device: Mapping[str, Any]) -> dict[str, Any]:
    ebs = drop_none(SnapshotId=device.get("snapshotId"), VolumeSize=device.get("volumeSize"),
                    VolumeType=device.get("volumeType"), Iops=device.get("iops"),
                    Throughput=device.get("throughput"), Encrypted=device.get("encrypted"),
                    DeleteOnTermination=device.get("deleteOnTermination"), OutpostArn=device.get("outpostArn"))
    return {"DeviceName": device["deviceName"], "Ebs": ebs}


def _tag_image(props: Mapping[str, Any], ctx: ApplyContext, image_id: str) -> None:
    tags = tag_list(props)
    if tags:  # moto 5.2.5 ignores RegisterImage's and CopyImage's TagSpecifications
        ctx.client("ec2").create_tags(Resources=[image_id], Tags=tags)


def _image_outputs(ctx: ApplyContext, image_id: str) -> Outputs:
    """What DescribeImages answers for the image (moto's block devices, not the declared ones: see the module)."""
    got = ctx.client("ec2").describe_images(ImageIds=[image_id])["Images"][0]
    devices = [{"deviceName": m.get("DeviceName"), "snapshotId": m["Ebs"].get("SnapshotId"),
                "volumeSize": m["Ebs"].get("VolumeSize"), "volumeType": m["Ebs"].get("VolumeType"),
                "encrypted": m["Ebs"].get("Encrypted"), "deleteOnTermination": m["Ebs"].get("DeleteOnTermination")}
               for m in got.get("BlockDeviceMappings") or [] if isinstance(m.get("Ebs"), dict)]
    return {"arn": f"arn:aws:ec2:{ctx.region}::image/{image_id}", "name": got.get("Name"),
            "public": got.get("Public"), "ownerId": got.get("OwnerId"), "rootDeviceName": got.get("RootDeviceName"),
            "ebsBlockDevices": devices, "imageType": got.get("ImageType")}


AMI_ARGS = (("description", "Description"), ("architecture", "Architecture"), ("rootDeviceName", "RootDeviceName"),
            ("virtualizationType", "VirtualizationType"), ("enaSupport", "EnaSupport"), ("bootMode", "BootMode"),
            ("imdsSupport", "ImdsSupport"), ("kernelId", "KernelId"), ("ramdiskId", "RamdiskId"),
            ("sriovNetSupport", "SriovNetSupport"), ("tpmSupport", "TpmSupport"), ("uefiData", "UefiData"),
            ("imageLocation", "ImageLocation"))


def ami(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    args = {api: props[key] for key, api in AMI_ARGS if props.get(key) is not None}
    devices = [_block_device(d) for d in props.get("ebsBlockDevices") or []]
    devices += [{"DeviceName": d["deviceName"], "VirtualName": d["virtualName"]}
                for d in props.get("ephemeralBlockDevices") or []]
    made = ctx.client("ec2").register_image(Name=ctx.physical_name(props, max_len=128),
                                            **args, **drop_none(BlockDeviceMappings=devices or None))
    image_id = made["ImageId"]
    _tag_image(props, ctx, image_id)
    return image_id, _image_outputs(ctx, image_id)


def ami_copy(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    made = ctx.client("ec2").copy_image(
        Name=ctx.physical_name(props, max_len=128), SourceImageId=props["sourceAmiId"],
        SourceRegion=props["sourceAmiRegion"], **drop_none(
            Description=props.get("description"), Encrypted=props.get("encrypted"), KmsKeyId=props.get("kmsKeyId"),
            DestinationOutpostArn=props.get("destinationOutpostArn")))
    image_id = made["ImageId"]
    _tag_image(props, ctx, image_id)
    return image_id, _image_outputs(ctx, image_id)


def ami_from_instance(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    made = ctx.client("ec2").create_image(
        InstanceId=props["sourceInstanceId"], Name=ctx.physical_name(props, max_len=128), **drop_none(
            Description=props.get("description"), NoReboot=props.get("snapshotWithoutReboot")))
    image_id = made["ImageId"]
    _tag_image(props, ctx, image_id)
    return image_id, _image_outputs(ctx, image_id)


LAUNCH_TARGETS = (("accountId", "UserId"), ("group", "Group"), ("organizationArn", "OrganizationArn"),
                  ("organizationalUnitArn", "OrganizationalUnitArn"))


def ami_launch_permission(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    """One launch permission: an account, a group (`all`: public), an organization or an OU, as declared."""
    target = {api: str(props[key]) for key, api in LAUNCH_TARGETS if props.get(key)}
    image_id = props["imageId"]
    ctx.client("ec2").modify_image_attribute(ImageId=image_id, LaunchPermission={"Add": [target]})
    return f"{next(iter(target.values()), '')}/{image_id}", {}


# ---------------------------------------------------------------- RDS


def _share(ctx: ApplyContext, cluster: bool, identifier: str, accounts: Any) -> None:
    """`sharedAccounts`: the snapshot's `restore` attribute (`all`: public), as the provider sets it."""
    if not accounts:
        return
    rds = ctx.client("rds")
    if cluster:
        rds.modify_db_cluster_snapshot_attribute(DBClusterSnapshotIdentifier=identifier, AttributeName="restore",
                                                 ValuesToAdd=[str(a) for a in accounts])
    else:
        rds.modify_db_snapshot_attribute(DBSnapshotIdentifier=identifier, AttributeName="restore",
                                         ValuesToAdd=[str(a) for a in accounts])


def _db_snapshot_outputs(ctx: ApplyContext, snap: Mapping[str, Any], props: Mapping[str, Any]) -> Outputs:
    identifier = snap["DBSnapshotIdentifier"]
    _share(ctx, False, identifier, props.get("sharedAccounts"))
    return {"dbSnapshotArn": snap.get("DBSnapshotArn"), "encrypted": snap.get("Encrypted"),
            "kmsKeyId": snap.get("KmsKeyId"), "snapshotType": snap.get("SnapshotType"),
            "engine": snap.get("Engine"), "engineVersion": snap.get("EngineVersion"),
            "allocatedStorage": snap.get("AllocatedStorage"), "status": snap.get("Status")}


def db_snapshot(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    tags = tag_list(props)
    snap = ctx.client("rds").create_db_snapshot(
        DBSnapshotIdentifier=props["dbSnapshotIdentifier"], DBInstanceIdentifier=props["dbInstanceIdentifier"],
        **drop_none(Tags=tags or None))["DBSnapshot"]
    return snap["DBSnapshotIdentifier"], _db_snapshot_outputs(ctx, snap, props)


def db_snapshot_copy(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    tags = tag_list(props)
    snap = ctx.client("rds").copy_db_snapshot(
        SourceDBSnapshotIdentifier=props["sourceDbSnapshotIdentifier"],
        TargetDBSnapshotIdentifier=props["targetDbSnapshotIdentifier"], **drop_none(
            KmsKeyId=props.get("kmsKeyId"), CopyTags=props.get("copyTags"),
            OptionGroupName=props.get("optionGroupName"), Tags=tags or None,
            TargetCustomAvailabilityZone=props.get("targetCustomAvailabilityZone")))["DBSnapshot"]
    return snap["DBSnapshotIdentifier"], _db_snapshot_outputs(ctx, snap, props)


def _cluster_snapshot_outputs(ctx: ApplyContext, snap: Mapping[str, Any], props: Mapping[str, Any]) -> Outputs:
    identifier = snap["DBClusterSnapshotIdentifier"]
    _share(ctx, True, identifier, props.get("sharedAccounts"))
    return {"dbClusterSnapshotArn": snap.get("DBClusterSnapshotArn"), "storageEncrypted": snap.get("StorageEncrypted"),
            "kmsKeyId": snap.get("KmsKeyId"), "snapshotType": snap.get("SnapshotType"), "engine": snap.get("Engine"),
            "engineVersion": snap.get("EngineVersion"), "status": snap.get("Status")}


def cluster_snapshot(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    tags = tag_list(props)
    snap = ctx.client("rds").create_db_cluster_snapshot(
        DBClusterSnapshotIdentifier=props["dbClusterSnapshotIdentifier"],
        DBClusterIdentifier=props["dbClusterIdentifier"], **drop_none(Tags=tags or None))["DBClusterSnapshot"]
    return snap["DBClusterSnapshotIdentifier"], _cluster_snapshot_outputs(ctx, snap, props)


def cluster_snapshot_copy(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    tags = tag_list(props)
    snap = ctx.client("rds").copy_db_cluster_snapshot(
        SourceDBClusterSnapshotIdentifier=props["sourceDbClusterSnapshotIdentifier"],
        TargetDBClusterSnapshotIdentifier=props["targetDbClusterSnapshotIdentifier"], **drop_none(
            KmsKeyId=props.get("kmsKeyId"), CopyTags=props.get("copyTags"), Tags=tags or None))["DBClusterSnapshot"]
    return snap["DBClusterSnapshotIdentifier"], _cluster_snapshot_outputs(ctx, snap, props)


APPLIERS: dict[str, Applier] = {
    "aws:ebs/volume:Volume": ebs_volume,
    "aws:ebs/snapshot:Snapshot": ebs_snapshot,
    "aws:ebs/snapshotCopy:SnapshotCopy": ebs_snapshot_copy,
    "aws:ec2/snapshotCreateVolumePermission:SnapshotCreateVolumePermission": create_volume_permission,
    "aws:ec2/ami:Ami": ami,
    "aws:ec2/amiCopy:AmiCopy": ami_copy,
    "aws:ec2/amiFromInstance:AmiFromInstance": ami_from_instance,
    "aws:ec2/amiLaunchPermission:AmiLaunchPermission": ami_launch_permission,
    "aws:rds/snapshot:Snapshot": db_snapshot,
    "aws:rds/snapshotCopy:SnapshotCopy": db_snapshot_copy,
    "aws:rds/clusterSnapshot:ClusterSnapshot": cluster_snapshot,
    "aws:rds/clusterSnapshotCopy:ClusterSnapshotCopy": cluster_snapshot_copy,
}

# types moto cannot create at all: reported once each, never called
UNSUPPORTED: dict[str, str] = {
    "aws:ebs/snapshotImport:SnapshotImport": "moto 5.2.5 does not implement ec2 ImportSnapshot (NotImplementedError)",
    "aws:ebs/snapshotBlockPublicAccess:SnapshotBlockPublicAccess":
        "moto 5.2.5 does not implement ec2 EnableSnapshotBlockPublicAccess (NotImplementedError)",
}
