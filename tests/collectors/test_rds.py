"""The rds collector and its live normalizer against moto: DB instances and clusters, ENC-09/10, NET-07/12,
BAK-03/04/05/06. backup_covered comes from the backup collector's selections (moto does not implement
list_backup_selections: the success path is stubbed with test_backup's Stubber)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

import checks.collectors.rds as rds_collector
from checks.catalog.loader import load_catalog
from checks.collectors.base import CollectResult, ListFailure, Scope
from checks.engine import evaluate
from checks.model import Asset, Status
from tests.collectors.conftest import (
    ACCOUNT,
    REGION,
    assets_of,
    by_name,
    collect,
    restricted_session,
    scope,
    with_iam_enforced,
)
from tests.collectors.test_backup import ROLE, denied, make_backup, stub_backup

CONTROLS = ("ENC-09", "ENC-10", "NET-07", "NET-12", "BAK-03", "BAK-04", "BAK-05", "BAK-06")
P, F, NA, E = Status.PASS, Status.FAIL, Status.NOT_APPLICABLE, Status.ERROR
EXPECTED = {
    ("ENC-09", "secure-db"): P, ("NET-07", "secure-db"): P, ("BAK-03", "secure-db"): P, ("BAK-05", "secure-db"): F,
    ("ENC-09", "plain"): F, ("NET-07", "plain"): F, ("BAK-03", "plain"): F, ("BAK-05", "plain"): F,
    ("ENC-09", "awskey"): F, ("NET-07", "awskey"): P, ("BAK-03", "awskey"): F, ("BAK-05", "awskey"): F,
    # moto: KmsKeyId "default_kms_key_id" (no such key) and no PubliclyAccessible when it was not given
    ("ENC-09", "defaults"): E, ("NET-07", "defaults"): E, ("BAK-03", "defaults"): F, ("BAK-05", "defaults"): F,
    ("ENC-09", "aurora-1"): NA, ("NET-07", "aurora-1"): P, ("BAK-03", "aurora-1"): NA, ("BAK-05", "aurora-1"): NA,
    ("ENC-10", "aurora"): P, ("NET-12", "aurora"): NA, ("BAK-04", "aurora"): P, ("BAK-06", "aurora"): F,
    ("ENC-10", "multiaz"): F, ("NET-12", "multiaz"): F, ("BAK-04", "multiaz"): F, ("BAK-06", "multiaz"): F,
}
BACKUP_CONTROLS = {"BAK-05", "BAK-06"}


def by_id(assets: list[Asset]) -> dict[tuple[str, str], Status]:
    """(control, asset id) -> status of this module's controls."""
    catalog = load_catalog()
    controls = [c for cid, c in catalog.controls.items() if cid in CONTROLS]
    ev = evaluate(controls, assets, now=dt.datetime.now(dt.UTC), templates=catalog.templates)
    return {(f.control_id, f.asset_id): f.status for f in ev.findings}


def by_name_status(assets: list[Asset]) -> dict[tuple[str, str], Status]:
    names = {a.id: a.name for a in assets}
    return {(c, names[i]): s for (c, i), s in by_id(assets).items()}


def scan(sc: Scope) -> CollectResult:
    """The rds and backup collectors of one region: backup_covered needs the region's backup selections."""
    rds, backup = collect(sc, "rds"), collect(sc, "backup")
    return CollectResult(rds.resources + backup.resources, rds.errors + backup.errors)


def _estate(session: boto3.Session) -> dict[str, Any]:
    ec2, rds, kms = session.client("ec2"), session.client("rds"), session.client("kms")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"us-east-1{z}")["Subnet"]
               ["SubnetId"] for i, z in ((1, "a"), (2, "b"))]
    sg = ec2.create_security_group(GroupName="db", Description="database", VpcId=vpc)["GroupId"]
    rds.create_db_subnet_group(DBSubnetGroupName="private", DBSubnetGroupDescription="db", SubnetIds=subnets)
    key = kms.create_key(Description="rds")["KeyMetadata"]["Arn"]
    aws_key = kms.describe_key(KeyId="alias/aws/rds")["KeyMetadata"]["Arn"]  # moto creates it on first use
    common = {"DBInstanceClass": "db.t3.micro", "Engine": "postgres", "MasterUsername": "app",
              "MasterUserPassword": "password123", "AllocatedStorage": 20}
    rds.create_db_instance(DBInstanceIdentifier="secure", StorageEncrypted=True, KmsKeyId=key, PubliclyAccessible=False,
                           BackupRetentionPeriod=7, DBSubnetGroupName="private", VpcSecurityGroupIds=[sg],
                           MultiAZ=True, DeletionProtection=True, EnableIAMDatabaseAuthentication=True,
                           Tags=[{"Key": "Name", "Value": "secure-db"}, {"Key": "backup", "Value": "daily"}], **common)
    rds.create_db_instance(DBInstanceIdentifier="plain", PubliclyAccessible=True, BackupRetentionPeriod=1, **common)
    rds.create_db_instance(DBInstanceIdentifier="awskey", StorageEncrypted=True, KmsKeyId=aws_key,
                           PubliclyAccessible=False, **common)
    rds.create_db_instance(DBInstanceIdentifier="defaults", StorageEncrypted=True, **common)
    rds.create_db_cluster(DBClusterIdentifier="aurora", Engine="aurora-postgresql", MasterUsername="app",
                          MasterUserPassword="password123", StorageEncrypted=True, KmsKeyId=key,
                          BackupRetentionPeriod=14, DeletionProtection=True, VpcSecurityGroupIds=[sg])
    rds.create_db_instance(DBInstanceIdentifier="aurora-1", DBInstanceClass="db.r5.large", Engine="aurora-postgresql",
                           DBClusterIdentifier="aurora", PubliclyAccessible=False)
    rds.create_db_cluster(DBClusterIdentifier="multiaz", Engine="postgres", MasterUsername="app",
                          MasterUserPassword="password123", DBClusterInstanceClass="db.m6gd.large",
                          AllocatedStorage=100, StorageType="io1", Iops=1000, PubliclyAccessible=True)
    return {"key": key, "aws_key": aws_key, "sg": sg}


def test_assets_and_controls(session: boto3.Session) -> None:
    estate = _estate(session)
    result = scan(scope(session))
    assert [e for e in result.errors if e.operation.startswith("rds")] == []
    assets = assets_of(result)
    secure = by_name(assets, "secure-db")
    assert (secure.kind, secure.id, secure.region, secure.account) == (
        "rds.db_instance", f"arn:aws:rds:{REGION}:{ACCOUNT}:db:secure", REGION, ACCOUNT)
    assert secure.attributes == {
        "engine": "postgres", "engine_version": secure.attributes["engine_version"],
        "encryption": {"enabled": True, "algorithm": "aws:kms", "kms_key_id": estate["key"],
                       "customer_managed_key": True},
        "backup_retention_days": 7, "deletion_protection": True, "iam_database_authentication": True,
        "security_groups": [estate["sg"]], "cluster": None, "publicly_accessible": False, "multi_az": True,
        "db_subnet_group": "private", "backup_covered": False,  # no backup plan in the region
        "auto_minor_version_upgrade": True, "read_replica": False,
        # moto's default group: AWS's default groups hold the engine defaults (PostgreSQL 9.3: rds.force_ssl 0)
        "tls_parameter": "rds.force_ssl", "tls_enforced": False}
    assert by_name(assets, "plain").attributes["encryption"] == {
        "enabled": False, "algorithm": None, "kms_key_id": None, "customer_managed_key": False}
    assert by_name(assets, "plain").attributes["db_subnet_group"] == "default"
    assert by_name(assets, "awskey").attributes["encryption"]["customer_managed_key"] is False  # alias/aws/rds
    defaults = by_name(assets, "defaults")
    assert defaults.attributes["encryption"]["kms_key_id"] == "default_kms_key_id"  # moto's literal, as reported
    assert defaults.errors["encryption.customer_managed_key"].startswith("NotFoundException kms:DescribeKey")
    assert defaults.errors["publicly_accessible"] == "PubliclyAccessible not reported by rds:DescribeDBInstances"
    member = by_name(assets, "aurora-1").attributes
    assert (member["cluster"], member["multi_az"], member["deletion_protection"]) == ("aurora", False, True)
    aurora = by_name(assets, "aurora").attributes
    assert (aurora["engine_mode"], aurora["publicly_accessible"], aurora["backup_retention_days"]) == (
        "provisioned", None, 14)
    assert by_name(assets, "multiaz").attributes["publicly_accessible"] is True
    assert by_name_status(assets) == EXPECTED


def test_declared_operations_cover_every_call(session: boto3.Session) -> None:
    _estate(session)
    seen: set[str] = set()
    session.events.register("before-call", lambda model, **_: seen.add(
        f"{model.service_model.signing_name}:{model.name}"))
    collect(scope(session), "rds")
    assert seen == set(rds_collector.OPERATIONS)


def test_without_the_backup_collector_coverage_is_an_error(session: boto3.Session) -> None:
    _estate(session)
    assets = assets_of(collect(scope(session), "rds"))
    reasons = {a.errors["backup_covered"] for a in assets}
    assert reasons == {f"AWS Backup selections not read in {REGION} (backup collector not run)"}
    got = by_name_status(assets)
    assert got == {k: E if k[0] in BACKUP_CONTROLS and v is not NA else v for k, v in EXPECTED.items()}


def test_moto_backup_selections_are_an_error(session: boto3.Session) -> None:
    """moto implements list_backup_plans but not list_backup_selections: with a plan, coverage cannot be read."""
    _estate(session)
    baseline = by_id(assets_of(scan(scope(session))))
    make_backup(session)
    assets = [a for a in assets_of(scan(scope(session))) if a.kind.startswith("rds.")]
    reason = "NotImplemented backup:ListBackupSelections (the endpoint does not implement this API)"
    assert {a.errors["backup_covered"] for a in assets} == {reason}
    _assert_only_changed(baseline, by_id(assets), BACKUP_CONTROLS)


def test_backup_selection_gives_coverage(session: boto3.Session) -> None:
    """Real AWS answers, stubbed: one selection naming the Aurora clusters by ARN pattern OR the tag backup=daily."""
    _estate(session)
    key = make_backup(session)
    sc = scope(session)
    selection = {"SelectionName": "databases", "IamRoleArn": ROLE,
                 "Resources": [f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:aur*"],
                 "ListOfTags": [{"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "daily"}]}
    stub = stub_backup(sc, key, selection)
    assets = [a for a in assets_of(scan(sc)) if a.kind.startswith("rds.")]
    stub.deactivate()
    covered = {a.name: a.attributes["backup_covered"] for a in assets}
    assert covered == {"secure-db": True, "plain": False, "awskey": False, "defaults": False, "aurora-1": True,
                       "aurora": True, "multiaz": False}
    assert by_name_status(assets) == {**EXPECTED, ("BAK-05", "secure-db"): P, ("BAK-06", "aurora"): P}


def test_restore_tests_of_tables_do_not_test_the_databases_a_plan_backs_up(session: boto3.Session) -> None:
    """The stubbed restore testing plan restores DynamoDB only: the Aurora cluster and the instance are untested."""
    _estate(session)
    key = make_backup(session)
    sc = scope(session)
    selection = {"SelectionName": "databases", "IamRoleArn": ROLE,
                 "Resources": [f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:aur*", f"arn:aws:rds:{REGION}:{ACCOUNT}:db:*"]}
    stub = stub_backup(sc, key, selection)
    result = scan(sc)
    stub.deactivate()
    plan = next(a for a in assets_of(result) if a.kind == "backup.plan" and a.name == "nightly")
    rt = plan.attributes["restore_testing"]
    # aurora-1 is backed up with its cluster; the other instances are RDS
    assert (rt["backed_up_types"], rt["untested_types"], rt["max_interval_hours"]) == (
        ["Aurora", "RDS"], ["Aurora", "RDS"], None)
    assert _statuses([plan], "BAK-02") == {("BAK-02", "nightly"): F}


@pytest.mark.parametrize(("service", "method", "controls_in_error"), [
    ("kms", "describe_key", {"ENC-09", "ENC-10"}),
    ("backup", "list_backup_plans", BACKUP_CONTROLS),
])
def test_denied_call_errors_only_the_controls_that_read_it(session: boto3.Session, service: str, method: str,
                                                           controls_in_error: set[str]) -> None:
    """Patched clients (moto's IAM enforcement rejects every backup call: SignatureDoesNotMatch, HTTP 403)."""
    _estate(session)
    baseline = by_id(assets_of(scan(scope(session))))
    sc = scope(session)
    client = sc.client(service)
    with denied(client, method):
        assets = assets_of(scan(sc))
    reason = f"AccessDenied {service}:{client.meta.method_to_api_mapping[method]}"
    for a in assets:
        for path, why in a.errors.items():
            assert why == reason or (a.name == "defaults" and path != "backup_covered"), (a.name, path, why)
    _assert_only_changed(baseline, by_id(assets), controls_in_error)


def test_denied_lists_are_scan_errors(session: boto3.Session) -> None:
    _estate(session)
    restricted = restricted_session(session, ["rds:DescribeDBClusters"])
    result = with_iam_enforced(lambda: collect(scope(restricted), "rds"))
    assert result.errors == (ListFailure(
        ACCOUNT, REGION, "rds:DescribeDBClusters", "AccessDenied rds:DescribeDBClusters",
                                         ("live:rds:db_cluster",)),)
    member = by_name(assets_of(result), "aurora-1")
    assert member.errors["deletion_protection"] == "its cluster aurora was not read (rds:DescribeDBClusters)"


def _assert_only_changed(before: dict[tuple[str, str], Status], after: dict[tuple[str, str], Status],
                         controls: set[str]) -> None:
    assert after.keys() == before.keys()
    changed = {k for k in before if after[k] != before[k]}
    assert {c for c, _ in changed} == controls
    assert all(after[k] == E for k in changed)


def _statuses(assets: list[Asset], *controls: str) -> dict[tuple[str, str], Status]:
    catalog = load_catalog()
    ev = evaluate([catalog.controls[c] for c in controls], assets, now=dt.datetime.now(dt.UTC),
                  templates=catalog.templates)
    names = {a.id: a.name for a in assets}
    return {(f.control_id, names[f.asset_id]): f.status for f in ev.findings}


def test_read_replica_neptune_minor_upgrades_and_deletion_protection(session: boto3.Session) -> None:
    rds = session.client("rds")
    common = {"DBInstanceClass": "db.t3.micro", "Engine": "postgres", "MasterUsername": "app",
              "MasterUserPassword": "password123", "AllocatedStorage": 20}
    rds.create_db_instance(DBInstanceIdentifier="src", BackupRetentionPeriod=7, DeletionProtection=True, **common)
    rds.create_db_instance(DBInstanceIdentifier="manual", BackupRetentionPeriod=7, AutoMinorVersionUpgrade=False,
                           **common)
    rds.create_db_instance_read_replica(DBInstanceIdentifier="replica", SourceDBInstanceIdentifier="src")
    rds.create_db_cluster(DBClusterIdentifier="graph", Engine="neptune", MasterUsername="app",
                          MasterUserPassword="password123", BackupRetentionPeriod=7)
    assets = assets_of(scan(scope(session)))
    assert by_name(assets, "replica").attributes["read_replica"] is True
    assert by_name(assets, "graph").attributes["publicly_accessible"] is None  # Neptune: VPC only
    got = _statuses(assets, "BAK-03", "NET-12", "DB-01", "DB-02", "DB-03")
    assert got == {
        ("BAK-03", "src"): P, ("BAK-03", "manual"): P, ("BAK-03", "replica"): NA,
        ("DB-01", "src"): P, ("DB-01", "manual"): F, ("DB-01", "replica"): P,
        ("DB-02", "src"): P, ("DB-02", "manual"): F, ("DB-02", "replica"): P,  # moto copies the source's setting
        ("NET-12", "graph"): NA, ("DB-03", "graph"): F}


def test_documentdb_cluster_is_not_judged_by_net_12(session: boto3.Session) -> None:
    """moto rejects Engine docdb: the answer AWS gives for a DocumentDB cluster (no PubliclyAccessible), stubbed."""
    sc = scope(session)
    arn = f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:docs"
    stub = Stubber(sc.client("rds"))
    stub.add_response("describe_db_instances", {"DBInstances": []})
    stub.add_response("describe_db_clusters", {"DBClusters": [{
        "DBClusterIdentifier": "docs", "DBClusterArn": arn, "Engine": "docdb", "EngineVersion": "5.0.0",
        "StorageEncrypted": False, "BackupRetentionPeriod": 7, "DeletionProtection": True, "MultiAZ": False,
        "DBSubnetGroup": "private", "VpcSecurityGroups": []}]})
    stub.activate()
    assets = assets_of(collect(sc, "rds"))
    docs = by_name(assets, "docs")
    assert docs.attributes["publicly_accessible"] is None and "publicly_accessible" not in docs.errors
    assert _statuses(assets, "NET-12", "DB-03") == {("NET-12", "docs"): NA, ("DB-03", "docs"): P}


def test_tls_from_the_parameter_group_db_04(session: boto3.Session) -> None:
    rds = session.client("rds")
    for name, value in (("tls-on", "1"), ("tls-off", "0")):
        rds.create_db_parameter_group(DBParameterGroupName=name, DBParameterGroupFamily="postgres16", Description="x")
        rds.modify_db_parameter_group(DBParameterGroupName=name, Parameters=[
            {"ParameterName": "rds.force_ssl", "ParameterValue": value, "ApplyMethod": "immediate"}])
    common = {"DBInstanceClass": "db.t3.micro", "Engine": "postgres", "EngineVersion": "16.4", "MasterUsername": "app",
              "MasterUserPassword": "password123", "AllocatedStorage": 20}
    rds.create_db_instance(DBInstanceIdentifier="forced", DBParameterGroupName="tls-on", **common)
    rds.create_db_instance(DBInstanceIdentifier="plain", DBParameterGroupName="tls-off", **common)
    rds.create_db_instance(DBInstanceIdentifier="default16", **common)  # AWS's default group: on from 15
    assets = assets_of(scan(scope(session)))
    assert _statuses(assets, "DB-04") == {("DB-04", "forced"): P, ("DB-04", "plain"): F, ("DB-04", "default16"): P}
    sc = scope(session)
    with denied(sc.client("rds"), "describe_db_parameters"):
        denied_assets = assets_of(scan(sc))
    assert by_name(denied_assets, "forced").errors["tls_enforced"] == "AccessDenied rds:DescribeDBParameters"
    assert set(_statuses(denied_assets, "DB-04").values()) == {E}

