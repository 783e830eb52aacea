"""rds.db_instance and rds.db_cluster from the live collector's raw resources (boto3 answers, see
collectors/rds.py). Same attributes as the planned normalizer (rds.py).

What AWS reports is taken as is; where the answer leaves a field out (moto omits PubliclyAccessible when it
was not given at creation; real AWS always reports it), the attribute is an error with that reason, never a
guessed default. `backup_covered` applies the AWS Backup selections the backup collector read in the same
account and region (normalize/backup/live.py). An Aurora instance takes its deletion protection and
backup coverage from its cluster, as in the planned view.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from checks.live_types import RDS_DB_CLUSTER, RDS_DB_INSTANCE
from checks.model import UNKNOWN, Asset
from checks.normalize.backup.live import live_backup_covered
from checks.normalize.base import AssetBuilder, Index, register
from checks.normalize.live import apply_call_errors, build_live, key_encryption
from checks.normalize.rds.planned import is_aurora
from checks.normalize.rds.tls import engine_default, is_on, tls_parameter
from checks.raw import RawResource

ERROR_PATHS: dict[str, tuple[str, ...]] = {"DescribeKey": ("encryption.customer_managed_key",),
                                           "DescribeDBParameters": ("tls_enforced",)}
# cluster engines that describe_db_clusters also returns (DocumentDB, Neptune): their clusters cannot be made
# publicly accessible, their endpoints resolve to addresses of the VPC only
VPC_ONLY_ENGINES = ("docdb", "neptune")
NOT_ENCRYPTED = {"enabled": False, "algorithm": None, "kms_key_id": None, "customer_managed_key": False}


def encryption(db: Mapping[str, Any], key_manager: str | None) -> dict[str, Any]:
    """{enabled, algorithm, kms_key_id, customer_managed_key} from StorageEncrypted, KmsKeyId and the key's
    manager; the AWS-managed aws/rds key is "the default key" (kms_key_id null), as in the planned view."""
    if not db.get("StorageEncrypted"):  # moto names a KmsKeyId ("default_kms_key_id") on unencrypted clusters too
        return dict(NOT_ENCRYPTED)
    return key_encryption("aws:kms", db.get("KmsKeyId"), key_manager)


def _common(b: AssetBuilder, raw: RawResource, db: Mapping[str, Any]) -> None:
    b.set("engine", db.get("Engine"))
    b.set("engine_version", db.get("EngineVersion"))
    b.set("encryption", encryption(db, raw.props.get("keyManager")))
    b.set("backup_retention_days", db.get("BackupRetentionPeriod"))
    b.set("iam_database_authentication", db.get("IAMDatabaseAuthenticationEnabled"))
    b.set("security_groups", [g["VpcSecurityGroupId"] for g in db.get("VpcSecurityGroups") or []
                              if g.get("VpcSecurityGroupId")])


def _reported(b: AssetBuilder, db: Mapping[str, Any], path: str, field: str, operation: str) -> None:
    """An attribute AWS always reports: left out of the answer, it is an error, never a guessed default."""
    value = db.get(field)
    b.set(path, value)
    if value is None:
        b.errors[path] = f"{field} not reported by rds:{operation}"


def _public(b: AssetBuilder, db: Mapping[str, Any], operation: str) -> None:
    _reported(b, db, "publicly_accessible", "PubliclyAccessible", operation)


def _cluster_raw(index: Index, identifier: str) -> RawResource | None:
    for r in index.of_type(RDS_DB_CLUSTER):
        if r.props.get("identifier") == identifier:
            return r
    return None


@register(RDS_DB_INSTANCE)
def live_instance(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    db: Mapping[str, Any] = p.get("database") or {}
    b = AssetBuilder("rds.db_instance", raw)
    _common(b, raw, db)
    cluster_id = db.get("DBClusterIdentifier")
    b.set("cluster", cluster_id)
    _reported(b, db, "auto_minor_version_upgrade", "AutoMinorVersionUpgrade", "DescribeDBInstances")
    b.set("read_replica", bool(db.get("ReadReplicaSourceDBInstanceIdentifier")
                               or db.get("ReadReplicaSourceDBClusterIdentifier")))
    _public(b, db, "DescribeDBInstances")
    b.set("multi_az", False if cluster_id else db.get("MultiAZ"))  # an Aurora instance lives in one AZ
    b.set("db_subnet_group", (db.get("DBSubnetGroup") or {}).get("DBSubnetGroupName") or "default")
    cluster = _cluster_raw(index, cluster_id) if cluster_id else None
    live_backup_covered(b, cluster or raw, index)  # a cluster member is backed up with its cluster
    if cluster is not None:
        _reported(b, cluster.props.get("database") or {}, "deletion_protection", "DeletionProtection",
                  "DescribeDBClusters")
    elif not cluster_id:
        _reported(b, db, "deletion_protection", "DeletionProtection", "DescribeDBInstances")
    else:
        for path in ("deletion_protection", "backup_covered"):
            b.set(path, None)
            b.errors[path] = f"its cluster {cluster_id} was not read (rds:DescribeDBClusters)"
    _tls(b, raw, db, cluster_id)
    apply_call_errors(b, raw, ERROR_PATHS)
    return [build_live(b, raw, tags=p.get("tags") or {})]


def _tls(b: AssetBuilder, raw: RawResource, db: Mapping[str, Any], cluster_id: Any) -> None:
    """The parameter group's TLS setting (collectors/rds.py read it), else the engine's default."""
    parameter = None if cluster_id else tls_parameter(db.get("Engine"))
    b.set("tls_parameter", parameter)
    b.set("tls_enforced", None)
    if parameter is None or "DescribeDBParameters" in raw.errors:
        return  # not applicable, or the call's error (ERROR_PATHS)
    values = raw.props.get("tlsParameters")
    if values is None:
        b.errors["tls_enforced"] = "the instance's DB parameter group was not reported by rds:DescribeDBInstances"
        return
    value = values.get(parameter)
    enforced = is_on(value) if value is not None else engine_default(db.get("Engine"), db.get("EngineVersion"))
    if enforced is UNKNOWN:
        b.errors["tls_enforced"] = f"default of {parameter} for engine version {db.get('EngineVersion')} not known"
        return
    b.set("tls_enforced", enforced)


@register(RDS_DB_CLUSTER)
def live_cluster(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    db: Mapping[str, Any] = p.get("database") or {}
    b = AssetBuilder("rds.db_cluster", raw)
    _common(b, raw, db)
    b.set("engine_mode", db.get("EngineMode") or "provisioned")
    if is_aurora(db.get("Engine")):
        b.set("publicly_accessible", None)  # Aurora: each instance has its own setting
    elif db.get("Engine") in VPC_ONLY_ENGINES:
        b.set("publicly_accessible", None)  # DocumentDB and Neptune have no such setting: reachable in the VPC only
    else:
        _public(b, db, "DescribeDBClusters")
    b.set("multi_az", db.get("MultiAZ"))
    _reported(b, db, "deletion_protection", "DeletionProtection", "DescribeDBClusters")
    b.set("db_subnet_group", db.get("DBSubnetGroup") or "default")
    live_backup_covered(b, raw, index)
    apply_call_errors(b, raw, ERROR_PATHS)
    return [build_live(b, raw, tags=p.get("tags") or {})]
