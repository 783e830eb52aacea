"""rds.db_instance (Instance, Aurora ClusterInstance) and rds.db_cluster."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checks.model import UNKNOWN, SourceKind
from checks.raw import RawResource
from tests.normalize.conftest import make_raw, one, run_normalize

DB = "aws:rds/instance:Instance"
CLUSTER = "aws:rds/cluster:Cluster"
CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
SUBNET_GROUP = "aws:rds/subnetGroup:SubnetGroup"
SG = "aws:ec2/securityGroup:SecurityGroup"
KEY = "aws:kms/key:Key"
STATE = SourceKind.STATE
NOT_ENCRYPTED = {"enabled": False, "algorithm": None, "kms_key_id": None, "customer_managed_key": False}


def test_db_instance_defaults() -> None:
    asset = one(run_normalize(make_raw(DB, "db", {"engine": "postgres", "instanceClass": "db.t3.micro"})),
                "rds.db_instance")
    assert asset.attributes == {
        "engine": "postgres", "engine_version": None, "auto_minor_version_upgrade": True, "cluster": None,
        "read_replica": False, "encryption": NOT_ENCRYPTED,
        "publicly_accessible": False, "backup_retention_days": 1, "multi_az": False, "deletion_protection": False,
        "iam_database_authentication": False, "db_subnet_group": "default", "security_groups": [],
        "backup_covered": False, "tls_parameter": "rds.force_ssl", "tls_enforced": None}
    # no engine version: AWS picks its current default, whose rds.force_ssl default (on from PostgreSQL 15) is not
    # known here
    assert asset.unknown == frozenset({"tls_enforced"})


def test_planned_db_instance_encrypted_with_declared_key_in_declared_subnet_group() -> None:
    key = make_raw(KEY, "db-key", {})
    group = make_raw(SG, "db-sg", {})
    subnets = make_raw(SUBNET_GROUP, "db-subnets", {"subnetIds": [UNKNOWN]})
    db = make_raw(DB, "db", {"engine": "postgres", "engineVersion": "16.3", "storageEncrypted": True,
                             "kmsKeyId": UNKNOWN, "backupRetentionPeriod": 14, "multiAz": True,
                             "deletionProtection": True, "iamDatabaseAuthenticationEnabled": True,
                             "publiclyAccessible": False, "dbSubnetGroupName": UNKNOWN,
                             "vpcSecurityGroupIds": [UNKNOWN]},
                  deps={"kmsKeyId": [key.urn], "dbSubnetGroupName": [subnets.urn], "vpcSecurityGroupIds": [group.urn]})
    assets = run_normalize(key, group, subnets, db)
    asset = one(assets, "rds.db_instance")
    attrs = asset.attributes
    assert attrs["encryption"] == {"enabled": True, "algorithm": "aws:kms", "kms_key_id": key.urn,
                                   "customer_managed_key": True}
    assert asset.unknown == frozenset()
    assert attrs["backup_retention_days"] == 14 and attrs["multi_az"] is True
    assert attrs["db_subnet_group"] == subnets.urn
    assert attrs["security_groups"] == [group.urn]
    assert one(assets, "ec2.security_group").attributes["attached_to"] == ["rds.db_instance"]


def test_encrypted_db_instance_without_key_uses_the_aws_managed_key() -> None:
    db = make_raw(DB, "db", {"engine": "mysql", "storageEncrypted": True})
    assert one(run_normalize(db), "rds.db_instance").attributes["encryption"] == {
        "enabled": True, "algorithm": "aws:kms", "kms_key_id": None, "customer_managed_key": False}


def test_state_db_instance_reads_outputs() -> None:
    arn = "arn:aws:rds:eu-west-1:1:db:db-1"
    db = make_raw(DB, "db", {"arn": arn, "engine": "mysql", "storageEncrypted": True,
                             "kmsKeyId": "arn:aws:kms:eu-west-1:1:key/abc", "publiclyAccessible": True,
                             "backupRetentionPeriod": 0, "dbSubnetGroupName": "db-subnets",
                             "vpcSecurityGroupIds": ["sg-1"]}, source=STATE, id="db-1")
    asset = one(run_normalize(db), "rds.db_instance")
    assert asset.id == arn
    attrs = asset.attributes
    assert attrs["publicly_accessible"] is True
    assert attrs["backup_retention_days"] == 0
    assert attrs["encryption"]["kms_key_id"] == "arn:aws:kms:eu-west-1:1:key/abc"
    assert attrs["db_subnet_group"] == "db-subnets" and attrs["security_groups"] == ["sg-1"]


def test_replica_keeps_its_source_settings_which_are_unknown_here() -> None:
    replica = make_raw(DB, "replica", {"engine": "postgres", "replicateSourceDb": UNKNOWN})
    asset = one(run_normalize(replica), "rds.db_instance")
    assert {"backup_retention_days", "encryption.enabled"} <= asset.unknown
    assert asset.attributes["read_replica"] is True and "read_replica" not in asset.unknown  # known at plan time


def test_read_replica_and_minor_upgrades_in_the_state_view() -> None:
    replica = make_raw(DB, "replica", {"engine": "postgres", "replicateSourceDb": "arn:aws:rds:eu-west-1:1:db:src",
                                       "autoMinorVersionUpgrade": False, "backupRetentionPeriod": 0},
                       source=STATE, id="replica")
    source = make_raw(DB, "src", {"engine": "postgres", "replicateSourceDb": "", "autoMinorVersionUpgrade": True},
                      source=STATE, id="src")
    assets = run_normalize(replica, source)
    a = one(assets, "rds.db_instance", "replica").attributes
    assert (a["read_replica"], a["auto_minor_version_upgrade"], a["backup_retention_days"]) == (True, False, 0)
    b = one(assets, "rds.db_instance", "src").attributes
    assert (b["read_replica"], b["auto_minor_version_upgrade"]) == (False, True)  # state writes "" when unset


def test_minor_upgrades_planned_explicit_unknown_and_cluster_member() -> None:
    off = one(run_normalize(make_raw(DB, "db", {"engine": "postgres", "autoMinorVersionUpgrade": False})),
              "rds.db_instance")
    assert off.attributes["auto_minor_version_upgrade"] is False
    unknown = one(run_normalize(make_raw(DB, "db", {"engine": "postgres", "autoMinorVersionUpgrade": UNKNOWN})),
                  "rds.db_instance")
    assert "auto_minor_version_upgrade" in unknown.unknown
    member = one(run_normalize(make_raw(CLUSTER_INSTANCE, "m", {"engine": "aurora-postgresql",
                                                                 "clusterIdentifier": "c"})), "rds.db_instance")
    assert (member.attributes["auto_minor_version_upgrade"], member.attributes["read_replica"]) == (True, False)


def test_cluster_defaults_and_serverless_encryption() -> None:
    cluster = make_raw(CLUSTER, "aurora", {"engine": "aurora-postgresql"})
    attrs = one(run_normalize(cluster), "rds.db_cluster").attributes
    assert attrs["engine_mode"] == "provisioned"
    assert attrs["encryption"] == NOT_ENCRYPTED
    assert attrs["backup_retention_days"] == 1
    assert attrs["publicly_accessible"] is None  # per instance on Aurora
    assert attrs["deletion_protection"] is False and attrs["iam_database_authentication"] is False
    serverless = make_raw(CLUSTER, "serverless", {"engine": "aurora-mysql", "engineMode": "serverless"})
    assert one(run_normalize(serverless), "rds.db_cluster").attributes["encryption"]["enabled"] is True


def test_aurora_cluster_multi_az_is_unknown_and_multi_az_db_cluster_is_multi_az() -> None:
    aurora = one(run_normalize(make_raw(CLUSTER, "aurora", {"engine": "aurora-mysql"})), "rds.db_cluster")
    assert "multi_az" in aurora.unknown
    taz = one(run_normalize(make_raw(CLUSTER, "taz", {"engine": "postgres"})), "rds.db_cluster")
    assert taz.attributes["multi_az"] is True


def test_multi_az_db_cluster_is_public_by_default_only_without_a_subnet_group() -> None:
    public = make_raw(CLUSTER, "public", {"engine": "mysql"})
    assert one(run_normalize(public), "rds.db_cluster").attributes["publicly_accessible"] is True
    subnets = make_raw(SUBNET_GROUP, "db-subnets", {})
    private = make_raw(CLUSTER, "private", {"engine": "mysql", "dbSubnetGroupName": UNKNOWN},
                       deps={"dbSubnetGroupName": [subnets.urn]})
    assert one(run_normalize(subnets, private), "rds.db_cluster").attributes["publicly_accessible"] is False
    unresolved = make_raw(CLUSTER, "unresolved", {"engine": "mysql", "dbSubnetGroupName": UNKNOWN})
    assert "publicly_accessible" in one(run_normalize(unresolved), "rds.db_cluster").unknown


def test_cluster_instance_takes_storage_backups_and_groups_from_its_cluster() -> None:
    key = make_raw(KEY, "k", {})
    group = make_raw(SG, "db-sg", {})
    cluster = make_raw(CLUSTER, "aurora", {"engine": "aurora-postgresql", "storageEncrypted": True,
                                           "kmsKeyId": UNKNOWN, "backupRetentionPeriod": 7,
                                           "vpcSecurityGroupIds": [UNKNOWN]},
                       deps={"kmsKeyId": [key.urn], "vpcSecurityGroupIds": [group.urn]})
    member = make_raw(CLUSTER_INSTANCE, "aurora-1", {"clusterIdentifier": UNKNOWN, "engine": "aurora-postgresql",
                                                     "instanceClass": "db.r6g.large", "publiclyAccessible": True},
                      deps={"clusterIdentifier": [cluster.urn]})
    assets = run_normalize(key, group, cluster, member)
    attrs = one(assets, "rds.db_instance").attributes
    assert attrs["cluster"] == cluster.urn
    assert attrs["encryption"]["enabled"] is True and attrs["encryption"]["customer_managed_key"] is True
    assert attrs["backup_retention_days"] == 7
    assert attrs["security_groups"] == [group.urn]
    assert attrs["publicly_accessible"] is True
    assert one(assets, "rds.db_cluster").attributes["backup_retention_days"] == 7


def test_cluster_instance_of_an_undeclared_cluster_has_unknown_cluster_settings() -> None:
    member = make_raw(CLUSTER_INSTANCE, "aurora-1", {"clusterIdentifier": "shared-cluster",
                                                     "engine": "aurora-mysql"})
    asset = one(run_normalize(member), "rds.db_instance")
    assert asset.attributes["cluster"] == "shared-cluster"
    assert asset.attributes["publicly_accessible"] is False  # provider default
    assert {"encryption.enabled", "backup_retention_days", "security_groups", "db_subnet_group"} <= asset.unknown


PARAMETER_GROUP = "aws:rds/parameterGroup:ParameterGroup"


def _tls(props: dict[str, Any], *others: RawResource, source: SourceKind = SourceKind.PLANNED) -> Mapping[str, Any]:
    raws = [make_raw(DB, "db", props, source=source, id="db"), *others]
    return one(run_normalize(*raws), "rds.db_instance", "db").attributes


def test_tls_enforced_by_the_declared_parameter_group_else_the_engine_default() -> None:
    group = make_raw(PARAMETER_GROUP, "pg", {"family": "postgres14", "parameters": [
        {"name": "rds.force_ssl", "value": "1"}]})
    declared = {"engine": "postgres", "engineVersion": "14.12", "parameterGroupName": UNKNOWN}
    raws = [make_raw(DB, "db", declared, deps={"parameterGroupName": [group.urn]}), group]
    attrs = one(run_normalize(*raws), "rds.db_instance").attributes
    assert (attrs["tls_parameter"], attrs["tls_enforced"]) == ("rds.force_ssl", True)
    assert _tls({"engine": "postgres", "engineVersion": "14.12"})["tls_enforced"] is False  # PostgreSQL < 15: off
    assert _tls({"engine": "postgres", "engineVersion": "16.4"})["tls_enforced"] is True  # on from 15
    mysql = _tls({"engine": "mysql", "engineVersion": "8.0", "parameterGroupName": "default.mysql8.0"})
    assert (mysql["tls_parameter"], mysql["tls_enforced"]) == ("require_secure_transport", False)
    oracle = _tls({"engine": "oracle-ee", "engineVersion": "19"})
    assert (oracle["tls_parameter"], oracle["tls_enforced"]) == (None, None)


def test_tls_off_in_a_declared_group_unknown_for_an_outside_group_and_state_by_value() -> None:
    off = make_raw(PARAMETER_GROUP, "pg", {"family": "postgres16", "parameters": [
        {"name": "rds.force_ssl", "value": "0"}]})
    raws = [make_raw(DB, "db", {"engine": "postgres", "engineVersion": "16.4", "parameterGroupName": UNKNOWN},
                     deps={"parameterGroupName": [off.urn]}), off]
    assert one(run_normalize(*raws), "rds.db_instance").attributes["tls_enforced"] is False
    outside = one(run_normalize(make_raw(DB, "db", {"engine": "postgres", "engineVersion": "16.4",
                                                    "parameterGroupName": "shared-pg16"})), "rds.db_instance")
    assert "tls_enforced" in outside.unknown
    group = make_raw(PARAMETER_GROUP, "pg", {"name": "tls-pg", "family": "mysql8.0", "parameters": [
        {"name": "require_secure_transport", "value": "ON"}]}, source=STATE, id="tls-pg")
    state = _tls({"engine": "mysql", "engineVersion": "8.0.39", "parameterGroupName": "tls-pg"}, group,
                 source=STATE)
    assert state["tls_enforced"] is True

