"""RDS DB instances and clusters of one account and region: describe_db_instances and describe_db_clusters
(batch, paginated), and who manages each encryption key (kms describe_key, once per key: keys.KeyManagers).

`backup_covered` is decided by the live normalizer from the backup collector's selections of the same
account and region (normalize/backup/live.py): AWS Backup is read once per region, not per database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from checks.collectors.answers import listed, well_formed
from checks.collectors.base import CollectResult, Scope, call, collector, paginate
from checks.collectors.keys import KEY_OPERATIONS, KeyManagers
from checks.live_types import RDS_DB_CLUSTER, RDS_DB_INSTANCE
from checks.model import SourceKind
from checks.raw import RawResource

OPERATIONS = ("rds:DescribeDBInstances", "rds:DescribeDBClusters", "rds:DescribeDBParameters", *KEY_OPERATIONS)
TLS_PARAMETERS = ("rds.force_ssl", "require_secure_transport")  # the parameters that refuse plain connections
COMMON_KEYS = ("Engine", "EngineVersion", "StorageEncrypted", "KmsKeyId", "PubliclyAccessible",
               "BackupRetentionPeriod", "MultiAZ", "DeletionProtection", "IAMDatabaseAuthenticationEnabled",
               "VpcSecurityGroups", "DBClusterIdentifier")
INSTANCE_KEYS = (*COMMON_KEYS, "DBInstanceIdentifier", "DBInstanceArn", "DBSubnetGroup",
                 "ReadReplicaSourceDBInstanceIdentifier", "ReadReplicaSourceDBClusterIdentifier",
                 "AutoMinorVersionUpgrade")
CLUSTER_KEYS = (*COMMON_KEYS, "DBClusterArn", "DBSubnetGroup", "EngineMode")


@collector("rds", OPERATIONS, types=(RDS_DB_INSTANCE, RDS_DB_CLUSTER))
def collect(scope: Scope) -> CollectResult:
    rds = scope.client("rds")
    instances, instance_error = paginate(rds, "describe_db_instances", "DBInstances")
    clusters, cluster_error = paginate(rds, "describe_db_clusters", "DBClusters")
    errors = listed(scope, "rds:DescribeDBInstances", instance_error, RDS_DB_INSTANCE)
    errors += listed(scope, "rds:DescribeDBClusters", cluster_error, RDS_DB_CLUSTER)
    instances, malformed = well_formed(scope, "rds:DescribeDBInstances", instances,
                                       ("DBInstanceArn", "DBInstanceIdentifier"), RDS_DB_INSTANCE)
    errors += malformed
    clusters, malformed = well_formed(scope, "rds:DescribeDBClusters", clusters,
                                      ("DBClusterArn", "DBClusterIdentifier"), RDS_DB_CLUSTER)
    errors += malformed
    keys = KeyManagers(scope)
    groups = ParameterGroups(rds)
    resources = [_raw(scope, RDS_DB_INSTANCE, i, i["DBInstanceArn"], i["DBInstanceIdentifier"], INSTANCE_KEYS, keys,
                      _tls(i, groups)) for i in instances]
    resources += [_raw(scope, RDS_DB_CLUSTER, c, c["DBClusterArn"], c["DBClusterIdentifier"], CLUSTER_KEYS, keys)
                  for c in clusters]
    return CollectResult(tuple(resources), tuple(errors))


def _plain(value: Any) -> Any:
    """A boto3 answer as plain JSON values (datetimes as ISO strings)."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value.isoformat() if hasattr(value, "isoformat") else value


def _pick(item: Mapping[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    return {k: _plain(item[k]) for k in keys if k in item}


def _raw(scope: Scope, token: str, item: dict[str, Any], arn: str, identifier: str, keys: Iterable[str],
         key_managers: KeyManagers, extra: tuple[dict[str, Any], dict[str, str]] = ({}, {})) -> RawResource:
    errors: dict[str, str] = dict(extra[1])
    tags = {t["Key"]: t.get("Value", "") for t in item.get("TagList") or []}
    key_manager = None
    if item.get("StorageEncrypted"):  # moto names a KmsKeyId ("default_kms_key_id") on unencrypted clusters too
        key_manager, key_error = key_managers.manager(item.get("KmsKeyId"))
        if key_error:
            errors["DescribeKey"] = key_error
    props = {"arn": arn, "identifier": identifier, "region": scope.region, "account": scope.account,
             "database": _pick(item, keys), "keyManager": key_manager, "tags": tags, **extra[0]}
    return RawResource(type=token, urn=arn, name=tags.get("Name") or identifier, props=props, source=SourceKind.LIVE,
                       id=arn, errors=errors)


class ParameterGroups:
    """The TLS parameters of each DB parameter group, read once per group (describe_db_parameters, by pages)."""

    def __init__(self, rds: Any) -> None:
        self.rds = rds
        self.read: dict[str, tuple[dict[str, Any] | None, str | None]] = {}

    def tls(self, name: str) -> tuple[dict[str, Any] | None, str | None]:
        if name not in self.read:
            self.read[name] = self._read(name)
        return self.read[name]

    def _read(self, name: str) -> tuple[dict[str, Any] | None, str | None]:
        values: dict[str, Any] = {}
        marker: str | None = None
        while True:
            got = call(self.rds, "describe_db_parameters", absent=("DBParameterGroupNotFound",),
                       DBParameterGroupName=name, **({"Marker": marker} if marker else {}))
            if got.error:
                return None, got.error
            if got.result is None:
                # AWS always has its default groups, whose values are the engine's defaults (moto does not emulate
                # them); a custom group that is gone cannot be read
                return ({}, None) if name.startswith("default.") else (None, f"parameter group {name} not found")
            for param in got.result.get("Parameters") or []:
                if param.get("ParameterName") in TLS_PARAMETERS:
                    values[param["ParameterName"]] = param.get("ParameterValue")
            marker = got.result.get("Marker")
            if not marker:
                return values, None


def _tls(item: Mapping[str, Any], groups: ParameterGroups) -> tuple[dict[str, Any], dict[str, str]]:
    """A standalone instance's parameter group and its TLS parameters (a cluster member's are its cluster's)."""
    names = [g.get("DBParameterGroupName") for g in item.get("DBParameterGroups") or []]
    if item.get("DBClusterIdentifier") or not names or not names[0]:
        return {}, {}
    values, error = groups.tls(names[0])
    return {"parameterGroup": names[0], "tlsParameters": values}, ({"DescribeDBParameters": error} if error else {})
