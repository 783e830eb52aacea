"""What the planned and live views of AWS Backup share: the raw types a plan's related resources come as
(`Family`), the AWS Backup resource type of a protected resource, and small readers of provider-shaped props."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from checks.model import UNKNOWN
from checks.normalize.backup import selection
from checks.normalize.base import AssetBuilder, Index, as_list, tri_map, unwrap
from checks.normalize.schedule import ScheduleError, interval_hours
from checks.raw import RawResource

VAULT = "aws:backup/vault:Vault"
VAULT_LOCK = "aws:backup/vaultLockConfiguration:VaultLockConfiguration"
PLAN = "aws:backup/plan:Plan"
RESTORE_PLAN = "aws:backup/restoreTestingPlan:RestoreTestingPlan"
RESTORE_SELECTION = "aws:backup/restoreTestingSelection:RestoreTestingSelection"

# AWS Backup's resource type (a restore testing selection's ProtectedResourceType) of each Pulumi type it protects
PLANNED_RESOURCE_TYPES = {
    "aws:dynamodb/table:Table": "DynamoDB", "aws:rds/instance:Instance": "RDS", "aws:efs/fileSystem:FileSystem": "EFS",
    "aws:ebs/volume:Volume": "EBS", "aws:ec2/instance:Instance": "EC2", "aws:s3/bucket:Bucket": "S3",
    "aws:s3/bucketV2:BucketV2": "S3", "aws:fsx/lustreFileSystem:LustreFileSystem": "FSx",
    "aws:fsx/windowsFileSystem:WindowsFileSystem": "FSx", "aws:fsx/ontapFileSystem:OntapFileSystem": "FSx",
    "aws:fsx/openZfsFileSystem:OpenZfsFileSystem": "FSx", "aws:docdb/cluster:Cluster": "DocumentDB",
    "aws:neptune/cluster:Cluster": "Neptune", "aws:redshift/cluster:Cluster": "Redshift",
    "aws:timestreamwrite/table:Table": "Timestream",
}
RDS_CLUSTER = "aws:rds/cluster:Cluster"


def cluster_type(engine: Any) -> Any:
    """An RDS API cluster's resource type by engine: Aurora, DocumentDB, Neptune, else a Multi-AZ DB cluster (RDS)."""
    def of(e: Any) -> str:
        e = e if isinstance(e, str) else ""
        return ("Aurora" if e.startswith("aurora") else "DocumentDB" if e == "docdb"
                else "Neptune" if e == "neptune" else "RDS")
    return tri_map(unwrap(engine), of)


def planned_resource_type(r: RawResource) -> Any:
    if r.type == RDS_CLUSTER:
        return cluster_type(r.props.get("engine"))
    return PLANNED_RESOURCE_TYPES.get(r.type)


@dataclass(frozen=True)
class Family:
    """The raw types a plan's related resources come as: the Pulumi tokens, or the live collector's.

    `same_place`: only resources of the plan's own account and region are related (the live view reads
    every region into one index; AWS Backup plans, selections and restore testing are regional).
    `resource_type`: a protected resource's AWS Backup resource type (None: not one AWS Backup tests; UNKNOWN).
    """

    candidates: tuple[str, ...] = selection.SUPPORTED
    selection_type: str = selection.SELECTION
    restore_plan: str = RESTORE_PLAN
    restore_selection: str = RESTORE_SELECTION
    vault: str = VAULT
    same_place: bool = False
    resource_type: Callable[[RawResource], Any] = planned_resource_type

    def related(self, index: Index, raw: RawResource, *tokens: str) -> list[RawResource]:
        found = index.of_type(*tokens)
        if not self.same_place:
            return found
        place = (raw.props.get("account"), raw.props.get("region"))
        return [r for r in found if (r.props.get("account"), r.props.get("region")) == place]


PLANNED = Family()


def interval(b: AssetBuilder, path: str, schedule: Any) -> Any:
    """The schedule's longest gap in hours; UNKNOWN when not known; None plus an error at `path` when unreadable."""
    schedule = unwrap(schedule)
    if schedule is UNKNOWN:
        return UNKNOWN
    try:
        return interval_hours(schedule)
    except ScheduleError as err:
        b.errors[path] = f"cannot read schedule: {err}"
        return None


def field(obj: Any, name: str) -> Any:
    obj = unwrap(obj)
    return UNKNOWN if obj is UNKNOWN else obj.get(name) if isinstance(obj, dict) else None


def known_list(value: Any) -> list[Any]:
    value = unwrap(value)
    return [] if value is UNKNOWN else as_list(value)
