"""`clearance sandbox org`: an AWS Organization in the sandbox (checks/sandbox/org.py).

One in-process sandbox for the module (moto's state is global to the process: reset when the module is done). What
each account holds is read back as the scan would read it: with the credentials of the role `ClearanceScan`, assumed
from the management account.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from checks.errors import InputError
from checks.sandbox import running_sandbox
from checks.sandbox.org import MARKER, VIOLATIONS, OrgSandbox, create_organization, violations_for
from checks.sandbox.state import SandboxError, SandboxInfo
from tests.aws_env import fake_aws_env
from tests.sandbox.conftest import clearance

REGIONS = ("us-east-1", "eu-west-1")
ROLE = "ClearanceScan"
RESOURCES = 12  # per account: 6 a region, the violations included


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxInfo]:
    with pytest.MonkeyPatch.context() as mp:
        fake_aws_env(mp)
        with running_sandbox() as info:
            yield info


@pytest.fixture(scope="module")
def org(sandbox: SandboxInfo) -> OrgSandbox:
    return create_organization(sandbox.session(), endpoint_url=sandbox.endpoint, accounts=3, regions=REGIONS,
                               role_name=ROLE, resources=RESOURCES)


class _Scanner:
    """Clients in `account` through the scan's role, assumed from the management account."""

    def __init__(self, sandbox: SandboxInfo, account: str) -> None:
        self.session = sandbox.session()
        self.creds = self.session.client("sts").assume_role(RoleArn=f"arn:aws:iam::{account}:role/{ROLE}",
                                                            RoleSessionName="test")["Credentials"]

    def client(self, service: str, region_name: str = "us-east-1") -> Any:
        return self.session.client(service, region_name=region_name, aws_access_key_id=self.creds["AccessKeyId"],
                                   aws_secret_access_key=self.creds["SecretAccessKey"],
                                   aws_session_token=self.creds["SessionToken"])


def _observed(scanner: _Scanner, region: str) -> tuple[set[str], int]:
    """The violations found in one account and region, and how many resources it holds."""
    def c(service: str) -> Any:
        return scanner.client(service, region)

    found: set[str] = set()
    groups = [g for g in c("ec2").describe_security_groups()["SecurityGroups"] if g["GroupName"] != "default"]
    if any(p.get("FromPort") == 22 and {"CidrIp": "0.0.0.0/0"} in p["IpRanges"]
           for g in groups for p in g["IpPermissions"]):
        found.add("ssh-open")
    s3 = c("s3")
    buckets = [b["Name"] for b in s3.list_buckets()["Buckets"] if b["Name"].endswith(region)]
    for name in buckets:
        try:
            rules = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"]
        except ClientError:
            rules = []
        if not any(r["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms" for r in rules):
            found.add("s3-unencrypted")
    kms = c("kms")
    keys = [k["KeyId"] for k in kms.list_keys()["Keys"]]
    if any(not kms.get_key_rotation_status(KeyId=k)["KeyRotationEnabled"] for k in keys):
        found.add("kms-no-rotation")
    logs = c("logs").describe_log_groups()["logGroups"]
    if any("retentionInDays" not in g for g in logs):
        found.add("log-no-retention")
    repos = c("ecr").describe_repositories()["repositories"]
    if any(not r["imageScanningConfiguration"]["scanOnPush"] for r in repos):
        found.add("ecr-no-scan")
    volumes = c("ec2").describe_volumes()["Volumes"]
    if any(not v["Encrypted"] for v in volumes):
        found.add("ebs-unencrypted")
    ddb = c("dynamodb")
    tables = ddb.list_tables()["TableNames"]
    if any(ddb.describe_continuous_backups(TableName=t)["ContinuousBackupsDescription"]
           ["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] != "ENABLED" for t in tables):
        found.add("table-no-pitr")
    users = []
    if region == REGIONS[0]:  # IAM is global: the estate's users are counted once
        iam = c("iam")
        users = [u["UserName"] for u in iam.list_users()["Users"]]
        for user in users:
            try:
                iam.get_login_profile(UserName=user)
                found.add("console-no-mfa")
            except ClientError:
                pass
    count = len(groups) + len(buckets) + len(keys) + len(logs) + len(repos) + len(volumes) + len(tables) + len(users)
    return found, count


def test_violations_for_differ_between_accounts() -> None:
    sets = [violations_for(i) for i in range(1, 257)]
    assert len(set(sets)) == 256  # no two of 256 accounts alike
    assert sets[0] == ()  # sandbox-1 is the clean account
    assert {v for s in sets for v in s} == {v.name for v in VIOLATIONS}
    assert [violations_for(i, seed=5) for i in range(1, 4)] != sets[:3]


def test_accounts_are_active_members(sandbox: SandboxInfo, org: OrgSandbox) -> None:
    client = sandbox.session().client("organizations")
    assert client.describe_organization()["Organization"]["Id"] == org.organization_id
    active = {a["Id"]: a["Name"] for a in client.list_accounts()["Accounts"] if a["Status"] == "ACTIVE"}
    assert org.names == ("sandbox-1", "sandbox-2", "sandbox-3")
    assert len(set(org.member_ids)) == 3 and org.management_account not in org.member_ids
    assert all(active.get(m.account_id) == m.name for m in org.members)
    assert org.management_account in active
    assert all(m.created and m.seeded >= RESOURCES for m in org.members)
    assert org.scan_command() == f"clearance scan --organization --role-name {ROLE} --regions us-east-1,eu-west-1"


def test_every_account_has_the_scan_role(sandbox: SandboxInfo, org: OrgSandbox) -> None:
    for account in (*org.member_ids, org.management_account):
        iam = _Scanner(sandbox, account).client("iam")
        role = iam.get_role(RoleName=ROLE)["Role"]
        assert role["Arn"] == f"arn:aws:iam::{account}:role/{ROLE}"
        trust = role["AssumeRolePolicyDocument"]
        trust = json.loads(trust) if isinstance(trust, str) else trust
        assert trust["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{org.management_account}:root"}
        policy = iam.get_role_policy(RoleName=ROLE, PolicyName="ClearanceReadOnly")["PolicyDocument"]
        policy = json.loads(policy) if isinstance(policy, str) else policy
        actions = policy["Statement"][0]["Action"]
        assert "s3:ListAllMyBuckets" in actions and not any(a.endswith(":*") or "Create" in a for a in actions)


def test_each_account_and_region_holds_its_estate(sandbox: SandboxInfo, org: OrgSandbox) -> None:
    seen = []
    for member in org.members:
        scanner = _Scanner(sandbox, member.account_id)
        found: set[str] = set()
        for region in REGIONS:
            violations, count = _observed(scanner, region)
            recorded = json.loads(scanner.client("ssm", region).get_parameter(Name=MARKER)["Parameter"]["Value"])
            assert count == recorded["resources"] >= RESOURCES // len(REGIONS), (member.name, region)
            regional = {v.name for v in VIOLATIONS if v.regional}
            assert violations & regional == set(member.violations) & regional, (member.name, region)
            found |= violations
        assert found == set(member.violations) == set(violations_for(int(member.name.split("-")[1])))
        seen.append(frozenset(found))
    assert len(set(seen)) == len(seen)  # each account its own violations
    assert frozenset() in seen  # and one clean account


def test_rerun_is_idempotent_and_adds_accounts(sandbox: SandboxInfo, org: OrgSandbox) -> None:
    again = create_organization(sandbox.session(), endpoint_url=sandbox.endpoint, accounts=3, regions=REGIONS,
                                role_name=ROLE, resources=RESOURCES)
    assert again.organization_id == org.organization_id and again.member_ids == org.member_ids
    assert [(m.created, m.seeded) for m in again.members] == [(False, 0)] * 3
    assert [m.violations for m in again.members] == [m.violations for m in org.members]
    before = _observed(_Scanner(sandbox, org.member_ids[1]), REGIONS[1])

    more = create_organization(sandbox.session(), endpoint_url=sandbox.endpoint, accounts=4, regions=REGIONS,
                               role_name=ROLE, resources=RESOURCES)
    assert more.member_ids[:3] == org.member_ids and len(more.members) == 4
    assert [(m.created, m.seeded > 0) for m in more.members] == [(False, False)] * 3 + [(True, True)]
    assert _observed(_Scanner(sandbox, org.member_ids[1]), REGIONS[1]) == before
    active = [a for a in sandbox.session().client("organizations").list_accounts()["Accounts"]
              if a["Name"].startswith("sandbox-")]
    assert len(active) == 4


def test_bad_arguments_are_one_line_errors(sandbox: SandboxInfo) -> None:
    with pytest.raises(SandboxError, match="at least one account and one region"):
        create_organization(sandbox.session(), endpoint_url=sandbox.endpoint, accounts=1, regions=[])
    with pytest.raises(InputError, match="--regions: unknown region 'nowhere-1'"):
        create_organization(sandbox.session(), endpoint_url=sandbox.endpoint, accounts=1, regions=["nowhere-1"])


def test_cli_without_a_running_sandbox(tmp_path: Path) -> None:
    done = clearance("org", "--out", str(tmp_path / "out"))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip() == (f"error: no sandbox is running in {tmp_path / 'out'} "
                                   f"(start one with 'clearance sandbox up --out {tmp_path / 'out'}')")


def test_cli_adds_the_organization_to_the_running_sandbox(out: Path) -> None:
    up = clearance("up", "--out", str(out))
    assert up.returncode == 0, up.stderr
    done = clearance("org", "--out", str(out), "--accounts", "2", "--regions", "eu-west-1", "--resources", "3")
    assert done.returncode == 0, done.stderr
    record = json.loads((out / "org.json").read_text())
    assert [m["name"] for m in record["members"]] == ["sandbox-1", "sandbox-2"]
    assert record["members"][1]["violations"] == list(violations_for(2))
    lines = done.stdout.splitlines()
    assert any(line.split()[:2] == ["sandbox-1", record["members"][0]["account_id"]] and "none (clean)" in line
               for line in lines)
    assert lines[-1] == (f"scan it with: clearance scan --organization --role-name ClearanceScan "
                         f"--regions eu-west-1 --sandbox-dir {out}")
    status = clearance("status", "--out", str(out))
    assert f"organization: {record['organization_id']}, 2 member account(s), role ClearanceScan" in status.stdout
