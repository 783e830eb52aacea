"""Snapshots and AMIs the account owns in one region, and who may use them (NET-14..16).

- RDS: describe_db_snapshots and describe_db_cluster_snapshots with SnapshotType=manual (automated snapshots cannot
  be shared), then per snapshot its attributes (no batch): the `restore` attribute lists the accounts that may
  restore it, `all` for everyone.
- EBS: describe_snapshots OwnerIds=self (and the same as an owner-id filter, which moto applies), then per snapshot
  describe_snapshot_attribute createVolumePermission (no batch); an entry owned by another account is dropped (moto's
  emulation ignores OwnerIds). When a snapshot is shared with `all`, the region's block public access for
  snapshots (get_snapshot_block_public_access_state, once): under `block-all-sharing` AWS treats it as private.
  moto does not implement that call, so in the sandbox a snapshot shared with all is an error naming it, never a
  pass.
- AMIs: describe_images Owners=self (its `Public` field says whether the image is public), then per image
  describe_image_attribute launchPermission for the accounts and organizations it is shared with.
"""

from __future__ import annotations

from typing import Any

from checks.collectors.answers import listed, well_formed
from checks.collectors.base import (
    CollectResult,
    ListFailure,
    Outcome,
    Scope,
    action_of,
    call,
    collector,
    paginate,
)
from checks.live_types import EC2_IMAGE, EC2_SNAPSHOT, RDS_DB_SNAPSHOT, tag_map
from checks.model import SourceKind
from checks.raw import RawResource

OPERATIONS = ("rds:DescribeDBSnapshots", "rds:DescribeDBSnapshotAttributes", "rds:DescribeDBClusterSnapshots",
              "rds:DescribeDBClusterSnapshotAttributes", "ec2:DescribeSnapshots", "ec2:DescribeSnapshotAttribute",
              "ec2:GetSnapshotBlockPublicAccessState",
              "ec2:DescribeImages", "ec2:DescribeImageAttribute")

# (list method, its key, the snapshot's id and ARN fields, attribute method, its id parameter, result key, list key)
RDS_LISTS = (
    ("describe_db_snapshots", "DBSnapshots", "DBSnapshotIdentifier", "DBSnapshotArn",
     "describe_db_snapshot_attributes", "DBSnapshotAttributesResult", "DBSnapshotAttributes"),
    ("describe_db_cluster_snapshots", "DBClusterSnapshots", "DBClusterSnapshotIdentifier", "DBClusterSnapshotArn",
     "describe_db_cluster_snapshot_attributes", "DBClusterSnapshotAttributesResult", "DBClusterSnapshotAttributes"),
)


@collector("snapshots", OPERATIONS, types=(RDS_DB_SNAPSHOT, EC2_SNAPSHOT, EC2_IMAGE))
def collect(scope: Scope) -> CollectResult:
    resources: list[RawResource] = []
    errors: list[ListFailure] = []
    for spec in RDS_LISTS:
        found, failed = _rds_snapshots(scope, *spec)
        resources += found
        errors += failed
    for reader in (_ebs_snapshots, _images):
        found, failed = reader(scope)
        resources += found
        errors += failed
    return CollectResult(tuple(resources), tuple(errors))


def _listed(scope: Scope, client: Any, method: str, key: str, required: tuple[str, ...], type_: str,
            **kwargs: Any) -> tuple[list[Any], list[ListFailure]]:
    items, list_error = paginate(client, method, key, **kwargs)
    operation = f"{client.meta.service_model.service_name}:{client.meta.method_to_api_mapping[method]}"
    errors = listed(scope, operation, list_error, type_)
    items, malformed = well_formed(scope, operation, items, required, type_)
    return items, errors + malformed


def _attribute(client: Any, method: str, result_key: str | None, list_key: str,
               **kwargs: Any) -> tuple[list[Any], str | None]:
    """The list `list_key` of an attribute answer (under `result_key` when given), or the reason it was not read."""
    got = call(client, method, **kwargs)
    if got.error:
        return [], got.error
    answer = got.result or {}
    body = answer.get(result_key) if result_key else answer
    found = body.get(list_key) if isinstance(body, dict) else None
    if not isinstance(found, list):
        return [], f"InvalidResponse {action_of(client, method)} (malformed answer: missing {result_key or list_key})"
    return found, None


def _rds_snapshots(scope: Scope, method: str, key: str, id_field: str, arn_field: str, attributes: str,
                   result_key: str, attributes_key: str) -> tuple[list[RawResource], list[ListFailure]]:
    rds = scope.client("rds")
    snapshots, errors = _listed(scope, rds, method, key, (id_field, arn_field), RDS_DB_SNAPSHOT,
                                SnapshotType="manual")
    cluster = id_field == "DBClusterSnapshotIdentifier"

    def one(s: dict[str, Any]) -> RawResource:
        values, error = _attribute(rds, attributes, result_key, attributes_key, **{id_field: s[id_field]})
        restore = [v for a in values if a.get("AttributeName") == "restore" for v in a.get("AttributeValues") or []]
        arn = s[arn_field]
        props = {
            "arn": arn, "name": s[id_field], "region": scope.region, "account": scope.account, "cluster": cluster,
            "snapshotType": s.get("SnapshotType"), "restore": restore,
            "encrypted": s.get("StorageEncrypted" if cluster else "Encrypted"), "tags": tag_map(s.get("TagList")),
        }
        failed = {rds.meta.method_to_api_mapping[attributes]: error} if error else {}
        return RawResource(type=RDS_DB_SNAPSHOT, urn=arn, name=s[id_field], props=props, source=SourceKind.LIVE,
                           id=arn, errors=failed)

    return scope.map(one, snapshots), errors


def _ebs_snapshots(scope: Scope) -> tuple[list[RawResource], list[ListFailure]]:
    ec2 = scope.client("ec2")
    # the owner-id filter says the same as OwnerIds=self to AWS; moto ignores OwnerIds but applies the filter (else it
    # lists the 1,300 public snapshots of its built-in AMIs in every region: ~1 s of the sandbox's CPU, issue 13)
    snapshots, errors = _listed(scope, ec2, "describe_snapshots", "Snapshots", ("SnapshotId", "OwnerId"),
                                EC2_SNAPSHOT, OwnerIds=["self"],
                                Filters=[{"Name": "owner-id", "Values": [scope.account]}])
    owned = [s for s in snapshots if s["OwnerId"] == scope.account]  # what AWS sends; an emulator may send more

    def one(s: dict[str, Any]) -> tuple[dict[str, Any], list[Any], str | None]:
        permissions, error = _attribute(ec2, "describe_snapshot_attribute", None, "CreateVolumePermissions",
                                        SnapshotId=s["SnapshotId"], Attribute="createVolumePermission")
        return s, permissions, error

    read = scope.map(one, owned)
    block: Outcome = Outcome(None, None)
    if any(p.get("Group") == "all" for _, permissions, _ in read for p in permissions):
        block = call(ec2, "get_snapshot_block_public_access_state")
    return [_ebs_snapshot(scope, s, permissions, error, block) for s, permissions, error in read], errors


def _ebs_snapshot(scope: Scope, s: dict[str, Any], permissions: list[Any], error: str | None,
                  block: Outcome) -> RawResource:
    errors = {"DescribeSnapshotAttribute": error} if error else {}
    state = (block.result or {}).get("State")
    shared_with_all = any(p.get("Group") == "all" for p in permissions)
    if shared_with_all and block.error:
        errors["GetSnapshotBlockPublicAccessState"] = block.error
    elif shared_with_all and not isinstance(state, str):
        errors["GetSnapshotBlockPublicAccessState"] = (
            "InvalidResponse ec2:GetSnapshotBlockPublicAccessState (malformed answer: missing State)")
    arn = f"arn:aws:ec2:{scope.region}::snapshot/{s['SnapshotId']}"
    props = {
        "arn": arn, "name": s["SnapshotId"], "region": scope.region, "account": scope.account,
        "volumeId": s.get("VolumeId"), "encrypted": s.get("Encrypted"), "createVolumePermissions": permissions,
        "blockPublicAccess": state if shared_with_all else None, "tags": tag_map(s.get("Tags")),
    }
    return RawResource(type=EC2_SNAPSHOT, urn=arn, name=s["SnapshotId"], props=props, source=SourceKind.LIVE,
                       id=arn, errors=errors)


def _images(scope: Scope) -> tuple[list[RawResource], list[ListFailure]]:
    ec2 = scope.client("ec2")
    images, errors = _listed(scope, ec2, "describe_images", "Images", ("ImageId",), EC2_IMAGE, Owners=["self"])

    def one(i: dict[str, Any]) -> RawResource:
        failed: dict[str, str] = {}
        public = i.get("Public")
        if not isinstance(public, bool):  # AWS always answers it
            failed["DescribeImages"] = (f"InvalidResponse {action_of(ec2, 'describe_images')} "
                                        "(malformed answer: missing Public)")
            public = None
        permissions, error = _attribute(ec2, "describe_image_attribute", None, "LaunchPermissions",
                                        ImageId=i["ImageId"], Attribute="launchPermission")
        if error:
            failed["DescribeImageAttribute"] = error
        arn = f"arn:aws:ec2:{scope.region}::image/{i['ImageId']}"
        props = {
            "arn": arn, "name": i["ImageId"], "region": scope.region, "account": scope.account,
            "imageName": i.get("Name"), "public": public, "launchPermissions": permissions,
            "tags": tag_map(i.get("Tags")),
        }
        return RawResource(type=EC2_IMAGE, urn=arn, name=i["ImageId"], props=props, source=SourceKind.LIVE,
                           id=arn, errors=failed)

    return scope.map(one, images), errors
