"""rds.db_instance (rds Instance and Aurora ClusterInstance) and rds.db_cluster (rds Cluster).

An Aurora instance takes its storage encryption, backups, subnet group and security groups from its cluster.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from checks.model import UNKNOWN, Asset
from checks.normalize.backup.selection import backup_covered
from checks.normalize.base import AssetBuilder, Index, as_list, first_set, register, tri_map, unwrap
from checks.normalize.ec2.ebs import KEY_TOKENS
from checks.normalize.ec2.sg_usage import group_refs
from checks.normalize.keys import customer_managed_key
from checks.normalize.rds.tls import engine_default, is_on, tls_parameter
from checks.normalize.refs import as_bool, resolve_refs
from checks.raw import RawResource

DB_INSTANCE = "aws:rds/instance:Instance"
CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
CLUSTER = "aws:rds/cluster:Cluster"
SUBNET_GROUP = "aws:rds/subnetGroup:SubnetGroup"
PARAMETER_GROUP = "aws:rds/parameterGroup:ParameterGroup"
MULTI_AZ_CLUSTER_ENGINES = ("mysql", "postgres")  # the non-Aurora engines of a "Multi-AZ DB cluster"


def _blank(value: Any) -> Any:
    return None if value == "" else value


def _copied(raw: RawResource, *props: str) -> bool:
    """Is the database created from a snapshot, a backup or another database (whose settings it keeps)?"""
    return any(_blank(raw.props.get(prop)) is not None for prop in props)


def is_aurora(engine: Any) -> Any:
    return tri_map(engine, lambda e: isinstance(e, str) and e.startswith("aurora"))


def encryption(raw: RawResource, index: Index, enabled: Any) -> dict[str, Any]:
    """{enabled, algorithm, kms_key_id, customer_managed_key}; encrypted storage without a key uses aws/rds."""
    if enabled is False:
        return {"enabled": False, "algorithm": None, "kms_key_id": None, "customer_managed_key": False}
    if _blank(raw.props.get("kmsKeyId")) is None:
        key_id, cmk = None, False
    else:
        key_id = resolve_refs(index, raw, "kmsKeyId", KEY_TOKENS, scalar=True).scalar()
        cmk = customer_managed_key(raw, "kmsKeyId", index)
    return {"enabled": enabled, "algorithm": tri_map(enabled, lambda on: "aws:kms" if on else None),
            "kms_key_id": key_id, "customer_managed_key": cmk}


def _subnet_group(index: Index, raw: RawResource, default: Any) -> Any:
    value = raw.props.get("dbSubnetGroupName")
    if value is None or value == "":
        return default
    return resolve_refs(index, raw, "dbSubnetGroupName", [SUBNET_GROUP], scalar=True).scalar()


def _cluster_of(index: Index, raw: RawResource) -> RawResource | None:
    found = resolve_refs(index, raw, "clusterIdentifier", [CLUSTER], scalar=True).targets
    return found[0] if found else None


def _cluster_encrypted(raw: RawResource) -> Any:
    """storageEncrypted; default false for provisioned, true for serverless engine mode (provider docs)."""
    value = as_bool(raw.props.get("storageEncrypted"))
    if value is not None:
        return value
    if _copied(raw, "snapshotIdentifier", "replicationSourceIdentifier", "restoreToPointInTime", "s3Import"):
        return UNKNOWN  # restored or replicated clusters keep their source's encryption
    return tri_map(_engine_mode(raw), lambda mode: mode == "serverless")


def _engine_mode(raw: RawResource) -> Any:
    return first_set(raw.props.get("engineMode"), "provisioned")  # provider default


def _retention(raw: RawResource, default: Any) -> Any:
    return first_set(unwrap(raw.props.get("backupRetentionPeriod")), default)


def _tls_enforced(raw: RawResource, index: Index, parameter: Any) -> Any:
    """The declared parameter group's setting of `parameter`, else the engine's default (AWS's default groups)."""
    if parameter is None or parameter is UNKNOWN:
        return parameter
    default = engine_default(raw.props.get("engine"), raw.props.get("engineVersion"))
    name = unwrap(raw.props.get("parameterGroupName"))
    if name is None or name == "":
        return default  # the engine's default parameter group
    groups = resolve_refs(index, raw, "parameterGroupName", [PARAMETER_GROUP], scalar=True).targets
    if not groups:  # named by value: AWS's default group, or one managed outside the program
        return default if isinstance(name, str) and name.startswith("default.") else UNKNOWN
    params = unwrap(groups[0].props.get("parameters"))
    if params is UNKNOWN:
        return UNKNOWN
    for item in as_list(params):
        item = unwrap(item)
        if isinstance(item, dict) and unwrap(item.get("name")) == parameter:
            return is_on(item.get("value"))
    return default


@register(DB_INSTANCE)
def db_instance(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    b = AssetBuilder("rds.db_instance", raw)
    engine = p.get("engine")
    b.set("engine", engine)
    b.set("engine_version", p.get("engineVersion"))
    b.set("auto_minor_version_upgrade", first_set(p.get("autoMinorVersionUpgrade"), True))  # provider default true
    b.set("cluster", None)
    b.set("read_replica", _copied(raw, "replicateSourceDb"))  # set, even to a value not known yet: a replica
    copied = _copied(raw, "replicateSourceDb", "snapshotIdentifier", "restoreToPointInTime", "s3Import")
    encrypted = as_bool(p.get("storageEncrypted"))
    if encrypted is None:
        encrypted = UNKNOWN if copied else False  # provider default false; copies keep their source's setting
    b.set("encryption", encryption(raw, index, encrypted))
    b.set("publicly_accessible", first_set(p.get("publiclyAccessible"), False))  # provider default false
    # the provider leaves an absent retention to AWS: CreateDBInstance defaults to 1 day; copies inherit theirs
    b.set("backup_retention_days", _retention(raw, UNKNOWN if copied else 1))
    b.set("multi_az", first_set(p.get("multiAz"), False))
    b.set("deletion_protection", first_set(p.get("deletionProtection"), False))
    b.set("iam_database_authentication", first_set(p.get("iamDatabaseAuthenticationEnabled"), False))
    parameter = tls_parameter(engine)
    b.set("tls_parameter", parameter)
    b.set("tls_enforced", _tls_enforced(raw, index, parameter))
    b.set("db_subnet_group", _subnet_group(index, raw, "default"))  # AWS: the default VPC's "default" group
    b.set("security_groups", group_refs(index, raw).values())
    b.set("backup_covered", backup_covered(raw, index))
    return [b.build()]


@register(CLUSTER_INSTANCE)
def cluster_instance(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    b = AssetBuilder("rds.db_instance", raw)
    cluster = _cluster_of(index, raw)
    b.set("engine", p.get("engine"))
    b.set("engine_version", first_set(p.get("engineVersion"), cluster.props.get("engineVersion") if cluster else None))
    b.set("auto_minor_version_upgrade", first_set(p.get("autoMinorVersionUpgrade"), True))  # provider default true
    b.set("cluster", resolve_refs(index, raw, "clusterIdentifier", [CLUSTER], scalar=True).scalar())
    b.set("read_replica", False)  # a member of its cluster (reader or writer), not a replica of another database
    if cluster is None:
        b.set("encryption", dict.fromkeys(("enabled", "algorithm", "kms_key_id", "customer_managed_key"), UNKNOWN))
        b.set("backup_retention_days", UNKNOWN)
        b.set("deletion_protection", UNKNOWN)
        b.set("iam_database_authentication", UNKNOWN)
        b.set("security_groups", UNKNOWN)
    else:
        b.set("encryption", encryption(cluster, index, _cluster_encrypted(cluster)))
        b.set("backup_retention_days", _retention(cluster, 1))
        b.set("deletion_protection", first_set(cluster.props.get("deletionProtection"), False))
        b.set("iam_database_authentication", first_set(cluster.props.get("iamDatabaseAuthenticationEnabled"), False))
        b.set("security_groups", group_refs(index, cluster).values())
    b.set("publicly_accessible", first_set(p.get("publiclyAccessible"), False))  # provider default false
    b.set("multi_az", False)  # one Aurora instance lives in one AZ; the cluster spans AZs
    b.set("tls_parameter", None)  # TLS of a cluster member is its cluster parameter group's: not modelled here
    b.set("tls_enforced", None)
    cluster_group = _subnet_group(index, cluster, "default") if cluster is not None else UNKNOWN
    b.set("db_subnet_group", _subnet_group(index, raw, cluster_group))
    # a cluster member is backed up with its cluster
    b.set("backup_covered", backup_covered(cluster, index) if cluster is not None else UNKNOWN)
    return [b.build()]


def _cluster_public(index: Index, raw: RawResource, engine: Any) -> Any:
    """Only Multi-AZ DB clusters have the setting: absent, true without a subnet group (or "default"), else false."""
    aurora = is_aurora(engine)
    if aurora is UNKNOWN:
        return UNKNOWN
    if aurora:
        return None  # Aurora: each instance has its own setting
    value = as_bool(raw.props.get("publiclyAccessible"))
    if value is not None:
        return value
    group = _subnet_group(index, raw, "default")
    return UNKNOWN if group is UNKNOWN else group == "default"


@register(CLUSTER)
def db_cluster(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    b = AssetBuilder("rds.db_cluster", raw)
    engine = p.get("engine")
    b.set("engine", engine)
    b.set("engine_version", p.get("engineVersion"))
    b.set("engine_mode", _engine_mode(raw))
    b.set("encryption", encryption(raw, index, _cluster_encrypted(raw)))
    b.set("publicly_accessible", _cluster_public(index, raw, engine))
    b.set("backup_retention_days", _retention(raw, 1))  # provider and AWS default: 1 day
    # Multi-AZ DB clusters always span three AZs; an Aurora cluster's spread depends on its instances
    b.set("multi_az", tri_map(is_aurora(engine), lambda aurora: UNKNOWN if aurora else True))
    b.set("deletion_protection", first_set(p.get("deletionProtection"), False))
    b.set("iam_database_authentication", first_set(p.get("iamDatabaseAuthenticationEnabled"), False))
    b.set("db_subnet_group", _subnet_group(index, raw, "default"))
    b.set("security_groups", group_refs(index, raw).values())
    b.set("backup_covered", backup_covered(raw, index))
    return [b.build()]
