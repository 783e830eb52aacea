"""`sandbox apply` of snapshots, images, Lambda functions and IAM policies: a small program declaring one compliant
resource of each type (with the volume, DB instance, role and network they need; the Aurora cluster its snapshot
needs is made with boto3, as the sandbox has no cluster applier) is created in an in-process moto server as
declared, and a live scan of the sandbox gives the same verdicts for NET-14..NET-17, SEC-02 and IAM-08 as the planned
check of the program and the check of the state the apply wrote."""

from __future__ import annotations

import io
import textwrap
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from checks.flows.check import CheckRequest, run_check
from checks.flows.scan import ScanRequest, run_scan
from checks.model import UNKNOWN, SourceKind, Status
from checks.raw import RawResource
from checks.report import Report
from checks.sandbox import running_sandbox
from checks.sandbox.appliers.functions import placeholder_zip
from checks.sandbox.apply import ApplyResult, Outcome, _Deployer, apply_program
from checks.sandbox.context import Sandbox
from checks.sandbox.references import Picker, Waiting
from checks.sandbox.state import reset
from tests.aws_env import fake_aws_env

REGION = "eu-west-1"
ACCOUNT = "123456789012"
PARTNER = "111122223333"
CLUSTER = "ledger"
CONTROLS = ("NET-14", "NET-15", "NET-16", "NET-17", "SEC-02", "IAM-08")
SERVICES = ("snapshots", "lambda", "iam")
SECRET_ARN = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:orders-db-AbCdEf"

PROGRAM = f'''
import json

import pulumi
import pulumi_aws as aws

key = aws.kms.Key("data", description="data key", enable_key_rotation=True)
vpc = aws.ec2.Vpc("vpc", cidr_block="10.30.0.0/16")
subnet = aws.ec2.Subnet("private", vpc_id=vpc.id, cidr_block="10.30.1.0/24", availability_zone="{REGION}a")
group = aws.ec2.SecurityGroup("fn", vpc_id=vpc.id, description="orders function")

volume = aws.ebs.Volume("disk", availability_zone="{REGION}a", size=8, encrypted=True, kms_key_id=key.arn)
snapshot = aws.ebs.Snapshot("disk-backup", volume_id=volume.id, description="nightly", tags={{"env": "test"}})
aws.ec2.SnapshotCreateVolumePermission("disk-backup-dr", snapshot_id=snapshot.id, account_id="{PARTNER}")
image = aws.ec2.Ami("base", name="base", root_device_name="/dev/xvda", virtualization_type="hvm",
                    ebs_block_devices=[{{"device_name": "/dev/xvda", "snapshot_id": snapshot.id, "volume_size": 8}}],
                    tags={{"env": "test"}})
aws.ec2.AmiCopy("base-copy", name="base-copy", source_ami_id=image.id, source_ami_region="{REGION}",
                tags={{"env": "copy"}})
aws.ec2.AmiLaunchPermission("base-partner", image_id=image.id, account_id="{PARTNER}")

db = aws.rds.Instance("db", identifier="orders-db", engine="postgres", instance_class="db.t3.micro",
                      allocated_storage=20, username="app", password=pulumi.Output.secret("not-a-real-password"),
                      storage_encrypted=True, kms_key_id=key.arn, skip_final_snapshot=True)
aws.rds.Snapshot("db-manual", db_instance_identifier=db.identifier, db_snapshot_identifier="orders-db-manual",
                 shared_accounts=["{PARTNER}"], tags={{"env": "test"}})
aws.rds.ClusterSnapshot("ledger-manual", db_cluster_identifier="{CLUSTER}",
                        db_cluster_snapshot_identifier="ledger-manual", shared_accounts=["{PARTNER}"])

role = aws.iam.Role("fn-role", name="orders-fn", assume_role_policy=json.dumps({{
    "Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": "sts:AssumeRole",
                                            "Principal": {{"Service": "lambda.amazonaws.com"}}}}]}}))
policy = aws.iam.Policy("orders-read", name="orders-read", path="/app/", description="read the orders bucket",
                        policy=json.dumps({{"Version": "2012-10-17", "Statement": [{{
                            "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::orders/*"}}]}}))
aws.iam.RolePolicyAttachment("fn-read", role=role.name, policy_arn=policy.arn)
aws.lambda_.Function("orders-fn", name="orders-fn", role=role.arn, runtime="python3.12", handler="app.handler",
                     code=pulumi.AssetArchive({{"app.py": pulumi.StringAsset("def handler(e, c):\\n    return 1\\n")}}),
                     environment={{"variables": {{"DB_PASSWORD_SECRET_ARN": "{SECRET_ARN}", "LOG_LEVEL": "info"}}}},
                     vpc_config={{"subnet_ids": [subnet.id], "security_group_ids": [group.id]}},
                     kms_key_arn=key.arn, memory_size=256, timeout=30, tags={{"data": "customer"}})
'''

# every resource above is compliant: each control passes on it
EXPECTED = {
    ("NET-14", "db-manual"): Status.PASS, ("NET-14", "ledger-manual"): Status.PASS,
    ("NET-15", "disk-backup"): Status.PASS,
    ("NET-16", "base"): Status.PASS, ("NET-16", "base-copy"): Status.PASS,
    ("SEC-02", "orders-fn"): Status.PASS, ("NET-17", "orders-fn"): Status.PASS,
    ("IAM-08", "orders-read"): Status.PASS,
}
# the live asset's ARN is in this output of the applied resource
ARN_OUTPUT = {"aws:rds/snapshot:Snapshot": "dbSnapshotArn", "aws:rds/clusterSnapshot:ClusterSnapshot":
              "dbClusterSnapshotArn"}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Any]:
    with pytest.MonkeyPatch.context() as mp:
        fake_aws_env(mp)
        with running_sandbox(region=REGION) as info:
            reset(info.endpoint, timeout=60)  # moto's state is global to the process: no other module's resources
            info.session(REGION).client("rds").create_db_cluster(
                DBClusterIdentifier=CLUSTER, Engine="aurora-postgresql", MasterUsername="app",
                MasterUserPassword="not-a-real-password", StorageEncrypted=True)
            yield info


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("workloads")
    (folder / "Pulumi.yaml").write_text("name: workloads\nruntime:\n  name: python\n")
    (folder / "Pulumi.dev.yaml").write_text(f"config:\n  aws:region: {REGION}\n")
    (folder / "__main__.py").write_text(textwrap.dedent(PROGRAM))
    return folder


@pytest.fixture(scope="module")
def applied(sandbox: Any, program: Path, tmp_path_factory: pytest.TempPathFactory) -> ApplyResult:
    return apply_program(program, sandbox.session(), sandbox.endpoint,
                         tmp_path_factory.mktemp("apply") / "state.json")


def _applied(result: ApplyResult, type_: str, name: str) -> Outcome:
    found = [o for o in result.applied if o.type == type_ and o.name == name]
    assert len(found) == 1, f"{type_} {name} not applied: {result.problems()} {result.unsupported}"
    return found[0]


def _verdicts(report: Report, names: dict[str, str] | None = None) -> dict[tuple[str, str], Status]:
    """(control, logical name) -> status; live assets are named by their ARN through `names`."""
    found = {}
    for f in report.findings:
        name = f.asset_name if names is None else names.get(f.asset_id)
        if f.control_id in CONTROLS and name is not None:
            found[(f.control_id, name)] = f.status
    return {k: v for k, v in found.items() if k in EXPECTED or names is None}


def test_every_resource_is_applied(applied: ApplyResult) -> None:
    assert applied.problems() == [] and applied.unsupported == []
    assert len(applied.applied) == 17


def test_snapshots_and_images_created_as_declared(applied: ApplyResult, sandbox: Any) -> None:
    session = sandbox.session(REGION)
    ec2, rds = session.client("ec2"), session.client("rds")
    volume = _applied(applied, "aws:ebs/volume:Volume", "disk")
    snapshot = _applied(applied, "aws:ebs/snapshot:Snapshot", "disk-backup")
    described = ec2.describe_snapshots(SnapshotIds=[snapshot.id])["Snapshots"][0]
    assert (described["VolumeId"], described["Description"], described["Encrypted"]) == (volume.id, "nightly", True)
    assert described["Tags"] == [{"Key": "env", "Value": "test"}]
    assert snapshot.outputs["arn"] == f"arn:aws:ec2:{REGION}::snapshot/{snapshot.id}"
    permissions = ec2.describe_snapshot_attribute(SnapshotId=snapshot.id, Attribute="createVolumePermission")
    assert permissions["CreateVolumePermissions"] == [{"UserId": PARTNER}]
    assert _applied(applied, "aws:ec2/snapshotCreateVolumePermission:SnapshotCreateVolumePermission",
                    "disk-backup-dr").id == f"{snapshot.id}-{PARTNER}"

    base = _applied(applied, "aws:ec2/ami:Ami", "base")
    copy = _applied(applied, "aws:ec2/amiCopy:AmiCopy", "base-copy")
    images = {i["ImageId"]: i for i in ec2.describe_images(ImageIds=[base.id, copy.id])["Images"]}
    assert (images[base.id]["Name"], images[base.id]["Public"], images[base.id]["Tags"]) == (
        "base", False, [{"Key": "env", "Value": "test"}])
    assert (images[copy.id]["Name"], images[copy.id]["Tags"]) == ("base-copy", [{"Key": "env", "Value": "copy"}])
    # moto 5.2.5 registers its own placeholder root device: the outputs say what the sandbox holds
    assert base.outputs["rootDeviceName"] == images[base.id]["RootDeviceName"]
    launch = ec2.describe_image_attribute(ImageId=base.id, Attribute="launchPermission")["LaunchPermissions"]
    assert launch == [{"UserId": PARTNER}]

    db_snapshot = rds.describe_db_snapshots(DBSnapshotIdentifier="orders-db-manual")["DBSnapshots"][0]
    assert (db_snapshot["DBInstanceIdentifier"], db_snapshot["SnapshotType"]) == ("orders-db", "manual")
    restore = rds.describe_db_snapshot_attributes(DBSnapshotIdentifier="orders-db-manual")[
        "DBSnapshotAttributesResult"]["DBSnapshotAttributes"]
    assert restore == [{"AttributeName": "restore", "AttributeValues": [PARTNER]}]
    cluster_snapshot = rds.describe_db_cluster_snapshots(DBClusterSnapshotIdentifier="ledger-manual")[
        "DBClusterSnapshots"][0]
    assert cluster_snapshot["DBClusterIdentifier"] == CLUSTER
    assert _applied(applied, "aws:rds/clusterSnapshot:ClusterSnapshot", "ledger-manual").outputs[
        "dbClusterSnapshotArn"] == cluster_snapshot["DBClusterSnapshotArn"]
    restore = rds.describe_db_cluster_snapshot_attributes(DBClusterSnapshotIdentifier="ledger-manual")[
        "DBClusterSnapshotAttributesResult"]["DBClusterSnapshotAttributes"]
    assert restore == [{"AttributeName": "restore", "AttributeValues": [PARTNER]}]


def test_function_and_policy_created_as_declared(applied: ApplyResult, sandbox: Any) -> None:
    session = sandbox.session(REGION)
    key = _applied(applied, "aws:kms/key:Key", "data").outputs["arn"]
    role = _applied(applied, "aws:iam/role:Role", "fn-role")
    fn = _applied(applied, "aws:lambda/function:Function", "orders-fn")
    config = session.client("lambda").get_function_configuration(FunctionName="orders-fn")
    assert fn.outputs["arn"] == config["FunctionArn"] and fn.outputs["role"] == config["Role"] == role.outputs["arn"]
    assert config["Environment"]["Variables"] == {"DB_PASSWORD_SECRET_ARN": SECRET_ARN, "LOG_LEVEL": "info"}
    assert config["VpcConfig"]["SubnetIds"] == [_applied(applied, "aws:ec2/subnet:Subnet", "private").id]
    assert config["VpcConfig"]["SecurityGroupIds"] == [
        _applied(applied, "aws:ec2/securityGroup:SecurityGroup", "fn").id]
    assert (config["KMSKeyArn"], config["MemorySize"], config["Timeout"], config["Handler"]) == (
        key, 256, 30, "app.handler")
    assert session.client("lambda").list_tags(Resource=fn.outputs["arn"])["Tags"] == {"data": "customer"}
    assert fn.props["code"] is UNKNOWN  # the program's archive is not the sandbox's: kept unknown in the state

    policy = _applied(applied, "aws:iam/policy:Policy", "orders-read")
    iam = session.client("iam")
    got = iam.get_policy(PolicyArn=policy.id)["Policy"]
    assert (got["PolicyName"], got["Path"], got["Description"]) == ("orders-read", "/app/", "read the orders bucket")
    document = iam.get_policy_version(PolicyArn=policy.id, VersionId=got["DefaultVersionId"])["PolicyVersion"]
    assert document["Document"]["Statement"][0]["Resource"] == "arn:aws:s3:::orders/*"
    attached = iam.list_attached_role_policies(RoleName="orders-fn")["AttachedPolicies"]
    assert attached == [{"PolicyName": "orders-read", "PolicyArn": policy.id}]


def test_scan_of_the_sandbox_gives_the_planned_verdicts(applied: ApplyResult, sandbox: Any, program: Path) -> None:
    planned = _verdicts(run_check(CheckRequest(program_dir=program)))
    state = _verdicts(run_check(CheckRequest(state=applied.state_file)))
    report = run_scan(ScanRequest(session=sandbox.session(REGION), endpoint_url=sandbox.endpoint,
                                  regions=(REGION,), services=SERVICES, max_workers=2))
    arns = {str(o.outputs.get(ARN_OUTPUT.get(o.type, "arn"))): o.name for o in applied.applied}
    assert planned == EXPECTED
    assert state == EXPECTED
    assert _verdicts(report, arns) == EXPECTED
    # nothing else the sandbox holds (moto's placeholder snapshots of the images) fails or cannot be read
    assert [f for f in report.findings if f.control_id in CONTROLS and f.status not in (
        Status.PASS, Status.NOT_APPLICABLE)] == []


# ---------------------------------------------------------------- what moto cannot emulate; the placeholder code


def _raw(type_: str, name: str, props: dict[str, Any], **deps: tuple[str, ...]) -> RawResource:
    return RawResource(type=type_, urn=f"urn:pulumi:t::p::{type_}::{name}", name=name, props=props,
                       source=SourceKind.PLANNED, property_dependencies=deps)


def _deploy(sandbox: Any, *resources: RawResource) -> dict[str, Outcome]:
    box = Sandbox(session=sandbox.session(REGION), endpoint_url=sandbox.endpoint, region=REGION, account_id=ACCOUNT)
    return {o.name: o for o in _Deployer(list(resources), box, lambda known: {}).deploy()}


def test_snapshot_block_public_access_and_import_are_unsupported(applied: ApplyResult, sandbox: Any) -> None:
    got = _deploy(sandbox, _raw("aws:ebs/snapshotBlockPublicAccess:SnapshotBlockPublicAccess", "block",
                                {"state": "block-all-sharing"}),
                  _raw("aws:ebs/snapshotImport:SnapshotImport", "imported", {"diskContainer": {"format": "VMDK"}}))
    assert (got["block"].status, got["block"].reason) == (
        "unsupported", "moto 5.2.5 does not implement ec2 EnableSnapshotBlockPublicAccess (NotImplementedError)")
    assert (got["imported"].status, got["imported"].reason) == (
        "unsupported", "moto 5.2.5 does not implement ec2 ImportSnapshot (NotImplementedError)")


def test_public_launch_permission_is_applied_as_declared(applied: ApplyResult, sandbox: Any) -> None:
    image = _raw("aws:ec2/ami:Ami", "shared", {"name": "shared", "virtualizationType": "hvm"})
    grant = _raw("aws:ec2/amiLaunchPermission:AmiLaunchPermission", "everyone", {"imageId": UNKNOWN, "group": "all"},
                 imageId=(image.urn,))
    got = _deploy(sandbox, image, grant)
    assert got["everyone"].status == "applied" and got["everyone"].id == f"all/{got['shared'].id}"
    described = sandbox.session(REGION).client("ec2").describe_images(ImageIds=[got["shared"].id])["Images"][0]
    assert described["Public"] is True


def test_archive_code_is_not_waited_for() -> None:
    """A Lambda's `code` archive is unknown to the plan and depends on no resource: the applier supplies its own,
    while a `code` computed from a resource's output still waits for the replay."""
    assert Picker("code", [], strict=True).fill(UNKNOWN, "code", "code") is UNKNOWN
    with pytest.raises(Waiting):
        Picker("environment", [], strict=True).fill({"code": UNKNOWN}, "environment", "environment")
    dep = Outcome(urn="u", type="aws:s3/bucket:Bucket", name="b", status="applied", id="b")
    with pytest.raises(Waiting):
        Picker("code", [dep], strict=True).fill(UNKNOWN, "code", "code")


def test_placeholder_zip_defines_the_declared_handler() -> None:
    with zipfile.ZipFile(io.BytesIO(placeholder_zip("pkg.app.main"))) as archive:
        assert archive.namelist() == ["pkg/app.py"]
        assert archive.read("pkg/app.py").decode().startswith("def main(event, context):")


def test_copies_and_image_from_instance(applied: ApplyResult, sandbox: Any) -> None:
    ec2, rds = sandbox.session(REGION).client("ec2"), sandbox.session(REGION).client("rds")
    source = _applied(applied, "aws:ebs/snapshot:Snapshot", "disk-backup").id
    amazon = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]  # one of moto's stock images
    instance = ec2.run_instances(ImageId=amazon, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    got = _deploy(
        sandbox,
        _raw("aws:ebs/snapshotCopy:SnapshotCopy", "disk-copy", {"sourceSnapshotId": source, "sourceRegion": REGION,
                                                                "description": "copy", "tags": {"env": "copy"}}),
        _raw("aws:rds/snapshotCopy:SnapshotCopy", "db-copy", {"sourceDbSnapshotIdentifier": "orders-db-manual",
                                                              "targetDbSnapshotIdentifier": "orders-db-copy",
                                                              "sharedAccounts": [PARTNER]}),
        _raw("aws:rds/clusterSnapshotCopy:ClusterSnapshotCopy", "ledger-copy",
             {"sourceDbClusterSnapshotIdentifier": "ledger-manual",
              "targetDbClusterSnapshotIdentifier": "ledger-copy"}),
        _raw("aws:ec2/amiFromInstance:AmiFromInstance", "baked", {"name": "baked", "sourceInstanceId": instance}))
    assert {o.status for o in got.values()} == {"applied"}, {o.name: o.reason for o in got.values()}
    copy = ec2.describe_snapshots(SnapshotIds=[got["disk-copy"].id])["Snapshots"][0]
    assert (copy["Description"], copy["Tags"]) == ("copy", [{"Key": "env", "Value": "copy"}])
    restore = rds.describe_db_snapshot_attributes(DBSnapshotIdentifier="orders-db-copy")[
        "DBSnapshotAttributesResult"]["DBSnapshotAttributes"]
    assert restore == [{"AttributeName": "restore", "AttributeValues": [PARTNER]}]
    assert got["ledger-copy"].id == "ledger-copy"
    assert rds.describe_db_cluster_snapshots(DBClusterSnapshotIdentifier="ledger-copy")["DBClusterSnapshots"]
    assert ec2.describe_images(ImageIds=[got["baked"].id])["Images"][0]["Name"] == "baked"
