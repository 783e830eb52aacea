"""`sandbox apply`: a Pulumi program's planned resources created in an in-process moto server with boto3, and the
state export written from them.

infra/ and the `basic` fixture program are applied once per module into one sandbox on 127.0.0.1 (moto's state is
global to the process: one server, reset when the module is done). The server loads AWS managed policies
(MOTO_IAM_LOAD_MANAGED_POLICIES) so that role policy attachments work; `test_managed_policy_missing` covers the
case where it does not.
"""

from __future__ import annotations

import fnmatch
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from checks.model import UNKNOWN, SourceKind
from checks.raw import RawResource
from checks.sandbox import running_sandbox
from checks.sandbox.apply import ApplyResult, Outcome, _Deployer, apply_program
from checks.sandbox.context import Sandbox
from checks.sandbox.references import Picker
from checks.sandbox.state import reset
from checks.sources.state import load_state
from tests.aws_env import fake_aws_env

ROOT = Path(__file__).resolve().parents[2]
CLEARANCE = str(Path(sys.executable).parent / "clearance")
REGION = "eu-west-1"
ACCOUNT = "123456789012"
EXPECTED_UNSUPPORTED = {
    "aws:backup/selection:Selection (nightly): moto 5.2.5 does not implement backup CreateBackupSelection "
    "(NotImplementedError)",
    "aws:backup/restoreTestingPlan:RestoreTestingPlan (weekly): moto 5.2.5 has no backup restore-testing API "
    "(CreateRestoreTestingPlan: 404 Not yet implemented)",
    "aws:backup/restoreTestingSelection:RestoreTestingSelection (weekly-s3, weekly-rds): moto 5.2.5 has no backup "
    "restore-testing API (CreateRestoreTestingSelection: 404 Not yet implemented)",
}
APPLY_BUDGET_S = 120.0  # measured ~35 s for infra/ (two program runs ~8 s, moto's EC2 and IAM set-up ~15 s)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Any]:
    with pytest.MonkeyPatch.context() as mp:
        fake_aws_env(mp)
        mp.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")  # read when moto creates the IAM backend
        with running_sandbox(region=REGION) as info:
            reset(info.endpoint, timeout=60)  # an IAM backend made earlier in this process lacks the managed policies
            yield info
            # a reset rebuilds the IAM backend: without the 1,000+ managed policies it fits running_sandbox's 5 s
            mp.delenv("MOTO_IAM_LOAD_MANAGED_POLICIES")
            reset(info.endpoint, timeout=60)


@pytest.fixture(scope="module")
def infra(sandbox: Any, tmp_path_factory: pytest.TempPathFactory) -> ApplyResult:
    out = tmp_path_factory.mktemp("apply") / "infra-state.json"
    started = time.perf_counter()
    result = apply_program(ROOT / "infra", sandbox.session(), sandbox.endpoint, out)
    print(f"\napplying infra/ took {time.perf_counter() - started:.1f} s ({result.replays} replay)")
    return result


@pytest.fixture(scope="module")
def basic(sandbox: Any, tmp_path_factory: pytest.TempPathFactory) -> ApplyResult:
    out = tmp_path_factory.mktemp("apply") / "basic-state.json"
    return apply_program(ROOT / "tests" / "fixtures" / "programs" / "basic", sandbox.session(), sandbox.endpoint, out)


def _applied(result: ApplyResult, type_: str, name: str) -> Outcome:
    found = [o for o in result.applied if o.type == type_ and o.name == name]
    assert len(found) == 1, f"{type_} {name} not applied: {result.problems()}"
    return found[0]


# ---------------------------------------------------------------- infra/


def test_infra_applies_everything_moto_can_emulate(infra: ApplyResult) -> None:
    assert infra.problems() == []
    assert set(infra.unsupported) == EXPECTED_UNSUPPORTED
    custom = [o for o in infra.outcomes if o.status != "component"]
    assert len(infra.applied) == len(custom) - 4 == 106
    assert infra.replays == 1  # the role policies and container definitions are computed with apply()
    assert infra.duration_s < APPLY_BUDGET_S


def test_infra_network_and_security_groups(infra: ApplyResult, sandbox: Any) -> None:
    ec2 = sandbox.session(REGION).client("ec2")
    vpc_id = _applied(infra, "aws:ec2/vpc:Vpc", "vpc").id
    vpc = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]
    assert vpc["CidrBlock"] == "10.20.0.0/16"
    assert {"Key": "Name", "Value": "aptly-dev-vpc"} in vpc["Tags"]
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    assert sorted(s["CidrBlock"] for s in subnets) == ["10.20.0.0/20", "10.20.16.0/20", "10.20.32.0/20",
                                                       "10.20.48.0/20"]
    private_a = _applied(infra, "aws:ec2/subnet:Subnet", "private-a").id
    table = ec2.describe_route_tables(Filters=[{"Name": "association.subnet-id", "Values": [private_a]}])
    routes = table["RouteTables"][0]["Routes"]
    assert any(r.get("NatGatewayId") == _applied(infra, "aws:ec2/natGateway:NatGateway", "nat-a").id for r in routes)

    alb, app, db = (_applied(infra, "aws:ec2/securityGroup:SecurityGroup", n).id for n in ("alb", "app", "db"))
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [alb, app, db]}])
    seen = {(r["GroupId"], r["IsEgress"], r.get("FromPort"), r.get("CidrIpv4") or
             (r.get("ReferencedGroupInfo") or {}).get("GroupId")) for r in rules["SecurityGroupRules"]}
    assert seen == {(alb, False, 443, "0.0.0.0/0"), (alb, False, 80, "0.0.0.0/0"), (alb, True, 8080, app),
                    (app, False, 8080, alb), (app, True, 5432, db), (app, True, 443, "0.0.0.0/0"),
                    (db, False, 5432, app)}  # AWS's default allow-all egress was removed, as Terraform does
    default = ec2.describe_security_groups(GroupIds=[_applied(
        infra, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "default-sg").id])["SecurityGroups"][0]
    assert default["IpPermissions"] == [] and default["IpPermissionsEgress"] == []
    flow = ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc_id]}])["FlowLogs"]
    assert flow[0]["LogDestination"].endswith(":log-group:/aptly/dev/vpc-flow-logs")
    assert flow[0]["TrafficType"] == "ALL"
    assert flow[0]["DeliverLogsPermissionArn"].endswith(":role/aptly-dev-vpc-flow-logs")
    assert ec2.get_ebs_encryption_by_default()["EbsEncryptionByDefault"] is True


def test_infra_keys_buckets_and_account(infra: ApplyResult, sandbox: Any) -> None:
    session = sandbox.session(REGION)
    kms, s3 = session.client("kms"), session.client("s3")
    keys = {o.name: o for o in infra.applied if o.type == "aws:kms/key:Key"}
    assert set(keys) == {"backup-key", "data-key", "logs-key", "platform-key"}
    for key in keys.values():
        assert kms.get_key_rotation_status(KeyId=key.id)["KeyRotationEnabled"] is True
    aliases = {a["AliasName"]: a["TargetKeyId"] for a in kms.list_aliases()["Aliases"] if "TargetKeyId" in a}
    assert aliases["alias/aptly-dev-data"] == keys["data-key"].id

    data = "aptly-dev-customer-data-123456789012-eu-west-1"
    rule = s3.get_bucket_encryption(Bucket=data)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms",
                                                          "KMSMasterKeyID": keys["data-key"].outputs["arn"]}
    logs = "aptly-dev-access-logs-123456789012-eu-west-1"
    assert s3.get_bucket_encryption(Bucket=logs)["ServerSideEncryptionConfiguration"]["Rules"][0][
        "ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert s3.get_bucket_versioning(Bucket=data)["Status"] == "Enabled"
    assert all(s3.get_public_access_block(Bucket=data)["PublicAccessBlockConfiguration"].values())
    assert s3.get_bucket_logging(Bucket=data)["LoggingEnabled"]["TargetBucket"] == logs
    assert s3.get_bucket_logging(Bucket="aptly-dev-cloudtrail-123456789012-eu-west-1")["LoggingEnabled"]
    assert "DenyInsecureTransport" in s3.get_bucket_policy(Bucket=logs)["Policy"]
    assert s3.get_bucket_acl(Bucket=logs)["Grants"] == [g for g in s3.get_bucket_acl(Bucket=logs)["Grants"]
                                                       if "URI" not in g["Grantee"]]  # no log-delivery grant left
    control = sandbox.session(REGION).client("s3control")
    from checks.sandbox.context import _drop_account_host_prefix

    control.meta.events.register("before-send.s3-control", _drop_account_host_prefix)
    assert all(control.get_public_access_block(AccountId=ACCOUNT)["PublicAccessBlockConfiguration"].values())
    policy = session.client("iam").get_account_password_policy()["PasswordPolicy"]
    assert policy["MinimumPasswordLength"] == 14 and policy["PasswordReusePrevention"] == 24


def test_infra_application_tier(infra: ApplyResult, sandbox: Any) -> None:
    session = sandbox.session(REGION)
    trail = session.client("cloudtrail").get_trail(Name="aptly-dev-audit")["Trail"]
    logs_key = _applied(infra, "aws:kms/key:Key", "logs-key").outputs["arn"]
    assert trail["IsMultiRegionTrail"] and trail["LogFileValidationEnabled"] and trail["KmsKeyId"] == logs_key
    assert session.client("cloudtrail").get_trail_status(Name="aptly-dev-audit")["IsLogging"] is True
    group = session.client("logs").describe_log_groups(logGroupNamePrefix="/aptly/dev/ecs/app")["logGroups"][0]
    assert group["retentionInDays"] == 365 and group["kmsKeyId"] == logs_key
    db = session.client("rds").describe_db_instances(DBInstanceIdentifier="aptly-dev-db")["DBInstances"][0]
    assert db["StorageEncrypted"] and db["KmsKeyId"] == _applied(infra, "aws:kms/key:Key", "data-key").outputs["arn"]
    assert db["DBSubnetGroup"]["DBSubnetGroupName"] == "aptly-dev-db" and db["BackupRetentionPeriod"] == 14
    elb = session.client("elbv2")
    listeners = elb.describe_listeners(LoadBalancerArn=_applied(
        infra, "aws:lb/loadBalancer:LoadBalancer", "alb").id)["Listeners"]
    https = next(li for li in listeners if li["Protocol"] == "HTTPS")
    assert https["SslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert https["DefaultActions"][0]["TargetGroupArn"] == _applied(infra, "aws:lb/targetGroup:TargetGroup", "app").id
    service = session.client("ecs").describe_services(
        cluster="aptly-dev-app", services=["aptly-dev-app"])["services"][0]
    assert service["networkConfiguration"]["awsvpcConfiguration"]["assignPublicIp"] == "DISABLED"
    assert len(service["networkConfiguration"]["awsvpcConfiguration"]["subnets"]) == 2
    # the policy names the secret by its name and AWS's random suffix (known before deployment): it matches the ARN
    secret_arn = _applied(infra, "aws:secretsmanager/secret:Secret", "oauth-clients").id
    assert secret_arn is not None and secret_arn.startswith("arn:aws:secretsmanager:"), secret_arn
    document = session.client("iam").get_role_policy(RoleName="aptly-dev-task-execution",
                                                      PolicyName=_applied(infra, "aws:iam/rolePolicy:RolePolicy",
                                                                          "task-execution-secrets").outputs["name"])
    statements = document["PolicyDocument"]["Statement"]
    granted = [s["Resource"] for s in statements if s["Action"] == "secretsmanager:GetSecretValue"]
    assert len(granted) == 1 and fnmatch.fnmatchcase(secret_arn, granted[0]), (secret_arn, granted)
    attached = session.client("iam").list_attached_role_policies(RoleName="aptly-dev-backup")["AttachedPolicies"]
    assert len(attached) == 4
    vault = session.client("backup").describe_backup_vault(BackupVaultName="aptly-dev-vault")
    assert vault["EncryptionKeyArn"] == _applied(infra, "aws:kms/key:Key", "backup-key").outputs["arn"]


def test_infra_export_loads_with_real_ids(infra: ApplyResult) -> None:
    data = json.loads(infra.state_file.read_text())
    assert data["version"] == 3 and "manifest" in data["deployment"]
    entries = {e["urn"]: e for e in data["deployment"]["resources"]}
    provider = next(e for e in entries.values() if e["type"] == "pulumi:providers:aws")
    assert provider["outputs"]["region"] == REGION
    source = load_state(infra.state_file, cwd=ROOT)
    assert source.source is SourceKind.STATE and (source.project, source.stack) == ("aptly", "dev")
    by_name = {(r.type, r.name): r for r in source.resources}
    vpc = by_name[("aws:ec2/vpc:Vpc", "vpc")]
    assert vpc.id == _applied(infra, "aws:ec2/vpc:Vpc", "vpc").id and vpc.props["region"] == REGION
    sse = by_name[("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                   "customer-data")]
    assert sse.props["bucket"] == "aptly-dev-customer-data-123456789012-eu-west-1"
    assert sse.props["rules"][0]["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"].startswith("arn:aws:kms:")
    assert sse.parent and sse.parent.endswith("aptly:storage:SecureBucket::customer-data")
    assert sse.property_dependencies["bucket"] == (by_name[("aws:s3/bucket:Bucket", "customer-data")].urn,)
    selection = by_name[("aws:backup/selection:Selection", "nightly")]
    assert selection.id is None  # declared, not created: moto has no backup selections
    assert entries[selection.urn]["initErrors"][0].startswith("not created in the clearance sandbox: moto 5.2.5")
    assert sorted(selection.props["resources"]) == sorted([
        _applied(infra, "aws:rds/instance:Instance", "db").outputs["arn"],
        "arn:aws:s3:::aptly-dev-customer-data-123456789012-eu-west-1"])
    assert all(r.id for r in source.resources if r.custom and "backup/restoreTesting" not in r.type
               and r.type != "aws:backup/selection:Selection")


def test_check_state_of_infra_has_no_fail(infra: ApplyResult, tmp_path: Path) -> None:
    infra_dir = ROOT / "infra"
    proc = subprocess.run(
        [CLEARANCE, "check", "--state", str(infra.state_file), "--settings", str(infra_dir / "clearance.toml"),
         "--waivers", str(infra_dir / "waivers.yaml"), "--sg-register", str(infra_dir / "security-group-reviews.yaml"),
         "--format", "json", "--out", str(tmp_path)], capture_output=True, text=True, cwd=ROOT, timeout=300,
        check=False, env={k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")})
    report = json.loads((tmp_path / "clearance.json").read_text())
    fails = [f"{f['control']} {f['asset']['name']}: {f['message']}" for f in report["findings"]
             if f["status"] == "fail"]
    assert fails == [] and proc.returncode == 0, proc.stdout + proc.stderr
    assert report["view"] == "state"
    assert sum(f["status"] == "pass" for f in report["findings"]) > 50


# ---------------------------------------------------------------- the basic fixture program


def test_basic_program(basic: ApplyResult, sandbox: Any) -> None:
    assert basic.problems() == [] and basic.unsupported == []
    session = sandbox.session(REGION)
    key = _applied(basic, "aws:kms/key:Key", "data")
    rule = session.client("s3").get_bucket_encryption(Bucket="logs-test")["ServerSideEncryptionConfiguration"]
    assert rule["Rules"][0]["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"] == key.outputs["arn"]
    web = _applied(basic, "aws:ec2/securityGroup:SecurityGroup", "web")
    group = session.client("ec2").describe_security_groups(GroupIds=[web.id])["SecurityGroups"][0]
    assert group["Description"] == "web tier for arn:aws:s3:::logs-test"  # computed by apply(): replayed
    assert sorted(p["FromPort"] for p in group["IpPermissions"]) == [443, 8443]
    db = _applied(basic, "aws:rds/instance:Instance", "db")
    described = session.client("rds").describe_db_instances(DBInstanceIdentifier=db.id)["DBInstances"][0]
    assert described["VpcSecurityGroups"][0]["VpcSecurityGroupId"] == web.id


def test_basic_export_keeps_secrets_out(basic: ApplyResult) -> None:
    text = basic.state_file.read_text()
    assert "not-a-real-password" not in text
    entry = next(e for e in json.loads(text)["deployment"]["resources"] if e["type"] == "aws:rds/instance:Instance")
    assert entry["inputs"]["password"] == {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
                                           "ciphertext": "clearance-sandbox:redacted"}
    db = next(r for r in load_state(basic.state_file).resources if r.type == "aws:rds/instance:Instance")
    assert db.props["password"] is UNKNOWN and db.props["storageEncrypted"] is True


# ---------------------------------------------------------------- failures, dependents, reference resolution


def _raw(type_: str, name: str, props: dict[str, Any], **deps: tuple[str, ...]) -> RawResource:
    return RawResource(type=type_, urn=f"urn:pulumi:t::p::{type_}::{name}", name=name, props=props,
                       source=SourceKind.PLANNED, property_dependencies=deps)


def _deploy(sandbox: Any, *resources: RawResource) -> dict[str, Outcome]:
    box = Sandbox(session=sandbox.session(REGION), endpoint_url=sandbox.endpoint, region=REGION, account_id=ACCOUNT)
    return {o.name: o for o in _Deployer(list(resources), box, lambda known: {}).deploy()}


def test_failed_create_is_reported_and_dependents_skipped(sandbox: Any) -> None:
    vpc = _raw("aws:ec2/vpc:Vpc", "bad", {"cidrBlock": "not-a-cidr"})
    subnet = _raw("aws:ec2/subnet:Subnet", "sub", {"vpcId": UNKNOWN, "cidrBlock": "10.9.0.0/24"}, vpcId=(vpc.urn,))
    got = _deploy(sandbox, subnet, vpc)
    assert got["bad"].status == "failed" and got["bad"].reason.startswith("CreateVpc: InvalidParameterValue")
    assert got["sub"].status == "skipped"
    assert got["sub"].reason.startswith("depends on aws:ec2/vpc:Vpc bad, which failed: CreateVpc:")


def test_computed_value_that_stays_unknown_fails_the_resource(sandbox: Any) -> None:
    key = _raw("aws:kms/key:Key", "k", {"description": "x"})
    role = _raw("aws:iam/role:Role", "r", {"assumeRolePolicy": UNKNOWN}, assumeRolePolicy=(key.urn,))
    got = _deploy(sandbox, key, role)
    assert got["k"].status == "applied"
    assert got["r"].status == "failed" and got["r"].reason.startswith("assumeRolePolicy is computed by the program")


def test_managed_policy_missing(sandbox: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    role = _raw("aws:iam/role:Role", "lonely", {"name": "lonely", "assumeRolePolicy": "{}"})
    attach = _raw("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "a",
                  {"role": UNKNOWN, "policyArn": "arn:aws:iam::aws:policy/NoSuchPolicyAnywhere"}, role=(role.urn,))
    got = _deploy(sandbox, role, attach)
    assert got["a"].status == "failed" and "MOTO_IAM_LOAD_MANAGED_POLICIES=true" in got["a"].reason


def test_picker_matches_references_by_prop_name_and_type() -> None:
    def done(type_: str, name: str, id_: str, **outputs: str) -> Outcome:
        return Outcome(urn=name, type=type_, name=name, status="applied", id=id_, outputs=outputs)

    deps = [done("aws:ec2/subnet:Subnet", "a", "subnet-a"), done("aws:ec2/subnet:Subnet", "b", "subnet-b"),
            done("aws:ec2/securityGroup:SecurityGroup", "sg", "sg-1", arn="arn:sg")]
    network = {"assignPublicIp": False, "securityGroups": [UNKNOWN], "subnets": [UNKNOWN, UNKNOWN]}
    assert Picker("networkConfiguration", deps, strict=True).fill(network, "networkConfiguration", "n") == {
        "assignPublicIp": False, "securityGroups": ["sg-1"], "subnets": ["subnet-a", "subnet-b"]}
    key = [done("aws:kms/key:Key", "k", "key-1", arn="arn:aws:kms:eu-west-1:1:key/key-1", keyId="key-1")]
    rules = [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": UNKNOWN}}]
    filled = Picker("rules", key, strict=True).fill(rules, "rules", "rules")
    assert filled[0]["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"] == "arn:aws:kms:eu-west-1:1:key/key-1"
    assert Picker("targetKeyId", key, strict=True).fill(UNKNOWN, "targetKeyId", "t") == "key-1"
