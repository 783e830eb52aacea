"""A scan runs only the collectors its selected controls need (checks/flows/scan_services.py): each control judges
an account read without the other collectors as it judges it read by all of them, and the collectors left out
are the ones that feed no kind it reads."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import boto3
import pytest

from checks.catalog.controls import Control
from checks.catalog.loader import load_catalog
from checks.collectors import load_collectors
from checks.collectors.base import Collector, Scope
from checks.engine import evaluate
from checks.flows.scan import ScanRequest, run_scan
from checks.flows.scan_needs import scan_needs
from checks.flows.scan_services import needed_collectors, needed_kinds
from checks.live_types import EVERYTHING, FEEDS
from checks.model import Status
from checks.normalize import Scopes, normalize
from checks.raw import RawResource
from checks.selection import Selection
from tests.collectors.conftest import ACCOUNT, REGION, scope

NOW = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
Verdicts = dict[str, tuple[Status, str, str | None]]


def _estate(session: boto3.Session) -> None:
    """A little of every service, with the links the derived kinds follow (a trail, a detector, a backup plan and
    resources it may cover, tagged)."""
    ec2, s3, kms = session.client("ec2"), session.client("s3"), session.client("kms")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    ec2.run_instances(ImageId="ami-12c6146b", InstanceType="t3.micro", MinCount=1, MaxCount=1, SubnetId=subnet,
                      SecurityGroupIds=[group])
    volume = ec2.create_volume(AvailabilityZone=f"{REGION}a", Size=8, Encrypted=False)["VolumeId"]
    ec2.create_snapshot(VolumeId=volume)
    key = kms.create_key(Description="data")["KeyMetadata"]["KeyId"]
    for bucket in ("logs-bucket", "data-bucket"):
        s3.create_bucket(Bucket=bucket)
    s3.put_bucket_tagging(Bucket="data-bucket", Tagging={"TagSet": [{"Key": "backup", "Value": "daily"}]})
    session.client("dynamodb").create_table(
        TableName="orders", BillingMode="PAY_PER_REQUEST", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        Tags=[{"Key": "backup", "Value": "daily"}])
    session.client("rds").create_db_instance(
        DBInstanceIdentifier="db", DBInstanceClass="db.t3.micro", Engine="postgres", MasterUsername="admin",
        MasterUserPassword="not-a-real-pass-1", AllocatedStorage=20)
    session.client("logs").create_log_group(logGroupName="/app")
    session.client("cloudtrail").create_trail(Name="main", S3BucketName="logs-bucket", IsMultiRegionTrail=True)
    session.client("guardduty").create_detector(Enable=True)
    backup = session.client("backup")
    backup.create_backup_vault(BackupVaultName="vault", EncryptionKeyArn=f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{key}")
    backup.create_backup_plan(BackupPlan={"BackupPlanName": "nightly", "Rules": [{
        "RuleName": "nightly", "TargetBackupVaultName": "vault", "ScheduleExpression": "cron(0 3 * * ? *)"}]})
    session.client("ecr").create_repository(repositoryName="app")
    session.client("secretsmanager").create_secret(Name="app/db", SecretString="not-a-real-secret")
    session.client("sqs").create_queue(QueueName="jobs")
    session.client("sns").create_topic(Name="alerts")
    iam = session.client("iam")
    iam.create_user(UserName="deploy")
    iam.create_access_key(UserName="deploy")
    role = iam.create_role(RoleName="fn", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return 1\n")
    session.client("lambda").create_function(
        FunctionName="worker", Runtime="python3.12", Role=role["Role"]["Arn"], Handler="index.handler",
        Code={"ZipFile": code.getvalue()}, Environment={"Variables": {"MODE": "batch"}})


def _verdicts(control_id: str, resources: Sequence[RawResource], collectors: Sequence[Collector]) -> Verdicts:
    """The control's verdicts on `resources`, normalized as a scan of `collectors` would (their kinds read)."""
    control = load_catalog().controls[control_id]
    kinds = frozenset(k for c in collectors for t in c.types for k in FEEDS.get(t, ()))
    assets = normalize(resources, scopes=Scopes(regions=[(ACCOUNT, REGION)], read_kinds=kinds)).assets
    found = evaluate([control], assets, now=NOW, templates=load_catalog().templates).findings
    return {f.asset_id: (f.status, f.message, f.detail) for f in found}


def test_every_control_judges_the_same_without_the_collectors_it_does_not_need(session: boto3.Session) -> None:
    _estate(session)
    sc = scope(session)
    collectors = list(load_collectors().values())
    read = {c.name: c.collect(sc).resources for c in collectors}
    everything = [r for c in collectors for r in read[c.name]]
    judged = 0
    for control in load_catalog().controls.values():
        needed = needed_collectors(collectors, scan_needs([control], NOW))
        assert len(needed) < len(collectors), control.id  # every control leaves some collector out
        subset = [r for c in needed for r in read[c.name]]
        full = _verdicts(control.id, everything, collectors)
        assert _verdicts(control.id, subset, needed) == full, control.id
        judged += bool(full)
    assert judged >= 40  # the estate gives most controls something to judge


TAG_READS = {"s3": "s3.GetBucketTagging", "dynamodb": "dynamodb.ListTagsOfResource"}


def _needs_tags(control: Control, collector: str) -> bool:
    """Stated apart from the code under test: a bucket's or table's tags are needed by a control of that kind whose
    file names `tags`, by the backup plans (their `covered` matches the selections' tags), and for a table by a
    control reading `backup_covered` (a selection by tag decides it). Nothing else reads them (an aws.region only
    counts buckets and tables)."""
    own = {"s3": "s3.bucket", "dynamodb": "dynamodb.table"}[collector]
    text = " ".join([*control.reads, control.assert_.source, control.message,
                     control.applies_if.source if control.applies_if else ""])
    return control.kind == "backup.plan" or (control.kind == own and (
        "tags" in text or (collector == "dynamodb" and "backup_covered" in control.reads)))


def test_tags_are_read_exactly_when_a_control_needs_them_and_findings_are_unchanged(session: boto3.Session) -> None:
    """Per control, S3 and DynamoDB read with that control's needs: GetBucketTagging and ListTagsOfResource are made
    (once a bucket, once a table) exactly when the control needs the tags, and its verdicts are those of a full read."""
    _estate(session)
    sc = scope(session)
    collectors = list(load_collectors().values())
    read = {c.name: c.collect(sc).resources for c in collectors}
    everything = [r for c in collectors for r in read[c.name]]
    counts = {"s3": 2, "dynamodb": 1}  # the estate's buckets and tables
    calls: Counter[str] = Counter()
    for event in TAG_READS.values():
        session.events.register(f"before-call.{event}", lambda event_name, **_: calls.update([event_name]))
    made: dict[str, set[str]] = {name: set() for name in TAG_READS}
    for control in load_catalog().controls.values():
        needs = scan_needs([control], NOW)
        needed = needed_collectors(collectors, needs)
        mine = {c.name for c in needed} & set(TAG_READS)
        subset = {c.name: read[c.name] for c in needed}
        for name in mine:
            calls.clear()
            narrow = Scope(sc.session, sc.region, sc.account, settings=sc.settings, needs=needs)
            subset[name] = load_collectors()[name].collect(narrow).resources
            got = calls[f"before-call.{TAG_READS[name]}"]
            assert got == (counts[name] if _needs_tags(control, name) else 0), (control.id, name, got)
            if got:
                made[name].add(control.id)
        full = _verdicts(control.id, everything, collectors)
        assert _verdicts(control.id, [r for rs in subset.values() for r in rs], needed) == full, control.id
    assert "RET-01" in made["s3"] and "BAK-07" in made["dynamodb"] and "BAK-02" in made["s3"] & made["dynamodb"]
    assert not {"LOG-01", "LOG-07", "BAK-09", "S3-01", "ENC-02"} & (made["s3"] | made["dynamodb"])


def test_the_collectors_left_out_feed_no_kind_the_controls_read() -> None:
    controls = [load_catalog().controls[c] for c in ("S3-01", "KEY-01")]
    needed = {c.name for c in needed_collectors(load_collectors().values(), scan_needs(controls, NOW))}
    assert needed == {"s3", "kms"}


def test_derived_kinds_bring_the_kinds_they_are_made_from() -> None:
    controls = load_catalog().controls
    region = needed_kinds(scan_needs([controls["LOG-07"]], NOW))  # GuardDuty on in every region: aws.region
    assert region is not None and {"guardduty.detector", "cloudtrail.trail", "backup.plan", "s3.bucket",
                                   "dynamodb.table"} <= region
    plans = {c.name for c in needed_collectors(load_collectors().values(), scan_needs([controls["BAK-02"]], NOW))}
    assert {"backup", "dynamodb", "rds", "s3", "ec2_compute", "efs"} <= plans
    assert "kms" not in plans and "snapshots" not in plans


def test_drift_reads_every_collector() -> None:
    assert needed_kinds(EVERYTHING) is None
    assert len(needed_collectors(load_collectors().values(), EVERYTHING)) == len(load_collectors())


def test_a_scan_of_one_control_calls_only_its_services(session: boto3.Session, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    session.client("s3").create_bucket(Bucket="plain")
    monkeypatch.chdir(tmp_path)
    report = run_scan(ScanRequest(session=session, max_workers=2, now=NOW, selection=Selection.of(check=["S3-01"])))
    services = {op.split(":")[0] for op in report.api_calls}
    assert services <= {"s3", "s3control", "sts", "kms"}, services
    assert [f.status for f in report.findings if f.control_id == "S3-01"] == [Status.FAIL]


def test_the_ec2_collectors_read_the_region_s_groups_and_route_tables_once(session: boto3.Session, tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    ec2 = session.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    ec2.run_instances(ImageId="ami-12c6146b", InstanceType="t3.micro", MinCount=1, MaxCount=1, SubnetId=subnet)
    monkeypatch.chdir(tmp_path)
    report = run_scan(ScanRequest(session=session, max_workers=2, now=NOW, services=("ec2_compute", "ec2_network"),
                                  selection=Selection.of(check=["NET-*"])))
    calls = report.api_calls
    assert calls["ec2:DescribeSecurityGroups"] == 1 and calls["ec2:DescribeRouteTables"] == 1
    reachable = [f for f in report.findings if f.asset_kind == "ec2.instance"]
    assert reachable and all(f.status is not Status.ERROR for f in reachable)


def test_the_snapshots_of_other_owners_are_not_listed(session: boto3.Session) -> None:
    """moto lists the public snapshots of its built-in AMIs whatever OwnerIds says; the owner-id filter (the same
    to AWS) keeps the answer to the account's own."""
    ec2 = session.client("ec2")
    volume = ec2.create_volume(AvailabilityZone=f"{REGION}a", Size=8)["VolumeId"]
    mine = ec2.create_snapshot(VolumeId=volume)["SnapshotId"]
    assert len(ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]) > 100  # the emulator's built-in ones
    calls: list[dict[str, object]] = []
    session.events.register("provide-client-params.ec2.DescribeSnapshots", lambda params, **_: calls.append(params))
    found = [r for r in load_collectors()["snapshots"].collect(scope(session)).resources
             if r.type == "live:ec2:snapshot"]
    assert len(found) == 1 and (found[0].id or "").endswith(f"snapshot/{mine}")
    assert calls and calls[0]["Filters"] == [{"Name": "owner-id", "Values": [ACCOUNT]}]
