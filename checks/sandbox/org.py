"""An AWS Organization in the sandbox (`clearance sandbox org`): member accounts, the scanning role in each, and a
small estate in each account and region whose violations differ from account to account.

moto stands in for AWS Organizations: the sandbox's account (123456789012) becomes the management account, and
each account it creates gets `OrganizationAccountAccessRole`, as in AWS. Everything in a member account is created
with the credentials of that role (`sts:AssumeRole`), as a person would: the role `role_name` that a many-account
scan assumes (trusting the management account, with the scan's read-only policy inline), then the estate.

Idempotent: the organization, the accounts `sandbox-<i>`, the roles and each (account, region) estate are made only
when missing (an SSM parameter, which no collector reads, records each estate), so a second run with more accounts
or another region adds just those. Account `sandbox-<i>` carries the violations `violations_for(i, seed)`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from checks.errors import InputError
from checks.sandbox.state import SandboxError

ORG_FILE = "org.json"  # what `clearance sandbox org` records in the sandbox's folder
DEFAULT_ROLE_NAME = "ClearanceScan"
ACCESS_ROLE = "OrganizationAccountAccessRole"  # made by Organizations in every account it creates
ACCOUNT_NAME = re.compile(r"sandbox-(\d+)")
MARKER = "/clearance/sandbox-org/estate"  # SSM parameter: the estate seeded in this account and region
SESSION_NAME = "clearance-sandbox-org"
POLICY_NAME = "ClearanceReadOnly"

Clients = Callable[[str, str], Any]  # (service, region) -> boto3 client


@dataclass(frozen=True)
class Violation:
    name: str
    control: str
    kind: str  # what _Estate makes, in its violating form
    regional: bool = True  # False: made once per account (IAM is global), in the first region


VIOLATIONS = (
    Violation("ssh-open", "NET-03", "security_group"),
    Violation("s3-unencrypted", "ENC-01", "bucket"),
    Violation("kms-no-rotation", "KEY-01", "kms_key"),
    Violation("log-no-retention", "LOG-02", "log_group"),
    Violation("ecr-no-scan", "VUL-01", "ecr_repository"),
    Violation("ebs-unencrypted", "ENC-07", "volume"),
    Violation("table-no-pitr", "BAK-08", "dynamodb_table"),
    Violation("console-no-mfa", "IAM-03", "iam_user", regional=False),
)
FILLERS = ("log_group", "security_group", "kms_key", "dynamodb_table", "ecr_repository", "bucket", "volume")


def violations_for(index: int, seed: int = 0) -> tuple[str, ...]:
    """The violations seeded in account `sandbox-<index>` (1-based): the bits of `(index - 1) * 37 + seed` modulo
    2^8, so that no two of 256 consecutive accounts share a set; with seed 0, sandbox-1 is clean."""
    mask = ((index - 1) * 37 + seed) % (1 << len(VIOLATIONS))
    return tuple(v.name for bit, v in enumerate(VIOLATIONS) if mask >> bit & 1)


@dataclass(frozen=True)
class MemberAccount:
    account_id: str
    name: str
    violations: tuple[str, ...]  # as seeded (read back from each region's record when seeded before)
    created: bool = False  # by this call
    seeded: int = 0  # resources this call created in it (0: its estate was there already)


@dataclass(frozen=True)
class OrgSandbox:
    organization_id: str
    management_account: str
    members: tuple[MemberAccount, ...]
    role_name: str
    regions: tuple[str, ...]

    @property
    def member_ids(self) -> tuple[str, ...]:
        return tuple(m.account_id for m in self.members)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.members)

    def scan_command(self, sandbox_dir: str | None = None) -> str:
        """The command that scans this organization in the running sandbox."""
        where = f" --sandbox-dir {sandbox_dir}" if sandbox_dir else ""
        return (f"clearance scan --organization --role-name {self.role_name} --regions {','.join(self.regions)}"
                f"{where}")

    def to_json(self) -> dict[str, Any]:
        return {"organization_id": self.organization_id, "management_account": self.management_account,
                "role_name": self.role_name, "regions": list(self.regions),
                "members": [{"account_id": m.account_id, "name": m.name, "violations": list(m.violations)}
                            for m in self.members]}

    @classmethod
    def from_json(cls, data: Any) -> OrgSandbox:
        try:
            return cls(organization_id=str(data["organization_id"]),
                       management_account=str(data["management_account"]), role_name=str(data["role_name"]),
                       regions=tuple(str(r) for r in data["regions"]),
                       members=tuple(MemberAccount(str(m["account_id"]), str(m["name"]),
                                                   tuple(str(v) for v in m["violations"])) for m in data["members"]))
        except (KeyError, TypeError) as err:
            raise ValueError(f"not an organization record ({err})") from None


def create_organization(session: Any, *, endpoint_url: str, accounts: int, regions: Sequence[str],
                        role_name: str = DEFAULT_ROLE_NAME, resources: int = 40, seed: int = 0,
                        progress: Callable[[MemberAccount], None] | None = None) -> OrgSandbox:
    """Make (or complete) the organization of the sandbox at `endpoint_url`, whose caller `session` becomes its
    management account: at least `accounts` member accounts `sandbox-<i>`, the role `role_name` in each (and in the
    management account), and in each member account about `resources` resources spread over `regions`;
    `progress` is called with each member account once it is ready.

    Raises InputError for an unknown region, SandboxError (one line) when a call fails."""
    from checks.collectors import load_collectors
    from checks.collectors.base import iam_policy

    regions = tuple(dict.fromkeys(r.strip() for r in regions if r.strip()))
    if accounts < 1 or not regions or resources < 0:
        raise SandboxError("an organization needs at least one account and one region, and resources >= 0")
    known = session.get_available_regions("ec2")
    unknown = [r for r in regions if known and r not in known]
    if unknown:
        raise InputError(f"unknown region {unknown[0]!r}", where="--regions", hint="e.g. us-east-1,eu-west-1")
    home = regions[0]
    try:
        org = session.client("organizations", region_name=home, endpoint_url=endpoint_url)
        org_id, management = _ensure_organization(org)
        policy = iam_policy(load_collectors().values())  # what `clearance iam-policy` prints
        _ensure_role(session.client("iam", region_name=home, endpoint_url=endpoint_url), role_name, management,
                     policy)
        sts = session.client("sts", region_name=home, endpoint_url=endpoint_url)
        budget = resources // len(regions)  # the violations are made even beyond it
        members = []
        for index, account_id, created in _ensure_accounts(org, accounts):
            clients = _member_clients(session, sts, account_id, endpoint_url)
            _ensure_role(clients("iam", home), role_name, management, policy)
            wanted = violations_for(index, seed)
            made, seen = 0, set[str]()
            for region in regions:
                n, had = _seed(clients, account_id, region, wanted, budget, with_global=region == home)
                made, seen = made + n, seen | set(had)
            member = MemberAccount(account_id, f"sandbox-{index}",
                                   tuple(v.name for v in VIOLATIONS if v.name in seen), created, made)
            members.append(member)
            if progress is not None:
                progress(member)
    except (ClientError, BotoCoreError) as err:
        raise SandboxError(f"cannot build the sandbox organization: {_reason(err)}", where=endpoint_url) from None
    return OrgSandbox(org_id, management, tuple(members), role_name, regions)


def _reason(err: ClientError | BotoCoreError) -> str:
    if isinstance(err, ClientError):
        e = err.response.get("Error", {})
        said = (str(e.get("Message", "")).strip().splitlines() or [""])[0][:200]  # not a server's whole traceback
        return f"{err.operation_name}: {e.get('Code', '?')}: {said}".strip()
    return f"{type(err).__name__}: {err}"


def _code(err: ClientError) -> str:
    return str(err.response.get("Error", {}).get("Code", ""))


def _ensure_organization(org: Any) -> tuple[str, str]:
    try:
        got = org.describe_organization()["Organization"]
    except ClientError as err:
        if _code(err) != "AWSOrganizationsNotInUseException":
            raise
        got = org.create_organization(FeatureSet="ALL")["Organization"]
    return str(got["Id"]), str(got["MasterAccountId"])


def _ensure_accounts(org: Any, wanted: int) -> list[tuple[int, str, bool]]:
    """(index, account id, created now) of `sandbox-1` .. `sandbox-<wanted>` and of any other `sandbox-<i>`."""
    existing: dict[int, str] = {}
    for page in org.get_paginator("list_accounts").paginate():
        for acc in page["Accounts"]:
            match = ACCOUNT_NAME.fullmatch(str(acc.get("Name", "")))
            if match and acc.get("Status") == "ACTIVE":
                existing[int(match[1])] = str(acc["Id"])
    out = []
    for index in sorted(set(range(1, wanted + 1)) | set(existing)):
        if index in existing:
            out.append((index, existing[index], False))
            continue
        status = org.create_account(Email=f"sandbox-{index}@example.com",
                                    AccountName=f"sandbox-{index}")["CreateAccountStatus"]
        if status.get("State") != "SUCCEEDED":  # moto makes accounts at once (AWS answers IN_PROGRESS first)
            raise SandboxError(f"creating account sandbox-{index} ended {status.get('State')}: "
                               f"{status.get('FailureReason', 'no reason given')}")
        out.append((index, str(status["AccountId"]), True))
    return out


def _member_clients(session: Any, sts: Any, account_id: str, endpoint_url: str) -> Clients:
    """Clients acting in `account_id` through its OrganizationAccountAccessRole (made by `session`, whose loaded
    service models they share, with the assumed credentials only)."""
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account_id}:role/{ACCESS_ROLE}",
                            RoleSessionName=SESSION_NAME)["Credentials"]
    cache: dict[tuple[str, str], Any] = {}

    def client(service: str, region: str) -> Any:
        if (service, region) not in cache:
            cache[service, region] = session.client(
                service, region_name=region, endpoint_url=endpoint_url, aws_access_key_id=creds["AccessKeyId"],
                aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])
        return cache[service, region]

    return client


def _ensure_role(iam: Any, role_name: str, management: str, policy: dict[str, Any]) -> None:
    """The scanning role: trusted by the management account, allowed the scan's reads (`clearance iam-policy`)."""
    *path, name = [p for p in role_name.split("/") if p] or [role_name]
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{management}:root"}, "Action": "sts:AssumeRole"}]})
    try:
        iam.create_role(RoleName=name, Path="/" + "".join(f"{p}/" for p in path), AssumeRolePolicyDocument=trust,
                        Description="clearance: read-only scan from the management account (sandbox organization)")
    except ClientError as err:
        if _code(err) != "EntityAlreadyExists":
            raise
        iam.update_assume_role_policy(RoleName=name, PolicyDocument=trust)
    iam.put_role_policy(RoleName=name, PolicyName=POLICY_NAME, PolicyDocument=json.dumps(policy))


def _seed(clients: Clients, account_id: str, region: str, wanted: Sequence[str], budget: int, *,
          with_global: bool) -> tuple[int, tuple[str, ...]]:
    """Seed one account and region unless done before: (resources made now, violations seeded there)."""
    ssm = clients("ssm", region)
    try:
        recorded = json.loads(ssm.get_parameter(Name=MARKER)["Parameter"]["Value"])
        return 0, tuple(str(v) for v in recorded.get("violations", ()))
    except ClientError as err:
        if _code(err) != "ParameterNotFound":
            raise
    estate = _Estate(lambda service: clients(service, region), account_id, region)
    chosen = [v for v in VIOLATIONS if v.name in wanted and (v.regional or with_global)]
    for violation in chosen:
        getattr(estate, violation.kind)(bad=True)
    turn = 0
    while estate.made < budget:
        getattr(estate, FILLERS[turn % len(FILLERS)])(bad=False)
        turn += 1
    names = tuple(v.name for v in chosen)
    ssm.put_parameter(Name=MARKER, Type="String", Overwrite=True,
                      Value=json.dumps({"violations": names, "resources": estate.made}),
                      Description="clearance sandbox organization: the estate seeded here")
    return estate.made, names


class _Estate:
    """Resources of one account and region, each compliant or breaking exactly one control (its Violation)."""

    def __init__(self, client: Callable[[str], Any], account_id: str, region: str) -> None:
        self.client, self.account_id, self.region = client, account_id, region
        self.made = 0
        self._serial = 0
        self._key: str | None = None

    def _name(self) -> str:
        self._serial += 1
        return f"sandbox-org-{self._serial}"

    def key(self) -> str:
        """The estate's customer-managed key (rotating), for the compliant buckets and volumes."""
        if self._key is None:
            self._key = self.kms_key(bad=False)
        return self._key

    def security_group(self, *, bad: bool) -> None:
        ec2 = self.client("ec2")
        group = ec2.create_security_group(GroupName=self._name(), Description="clearance sandbox organization")
        ec2.authorize_security_group_ingress(GroupId=group["GroupId"], IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": 22 if bad else 443, "ToPort": 22 if bad else 443,
            "IpRanges": [{"CidrIp": "0.0.0.0/0" if bad else "10.0.0.0/8"}]}])
        self.made += 1

    def bucket(self, *, bad: bool) -> None:
        s3 = self.client("s3")
        name = f"{self._name()}-{self.account_id}-{self.region}"  # bucket names are global
        where = {} if self.region == "us-east-1" else {
            "CreateBucketConfiguration": {"LocationConstraint": self.region}}
        s3.create_bucket(Bucket=name, **where)
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True})
        if not bad:
            s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": [{
                "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": self.key()}}]})
        self.made += 1

    def kms_key(self, *, bad: bool) -> str:
        kms = self.client("kms")
        key = str(kms.create_key(Description=f"clearance sandbox organization {self._name()}")["KeyMetadata"]["KeyId"])
        if not bad:
            kms.enable_key_rotation(KeyId=key)
        self.made += 1
        return key

    def log_group(self, *, bad: bool) -> None:
        logs = self.client("logs")
        name = f"/{self._name()}"
        logs.create_log_group(logGroupName=name)
        if not bad:
            logs.put_retention_policy(logGroupName=name, retentionInDays=365)
        self.made += 1

    def ecr_repository(self, *, bad: bool) -> None:
        self.client("ecr").create_repository(repositoryName=self._name(), imageTagMutability="IMMUTABLE",
                                             imageScanningConfiguration={"scanOnPush": not bad})
        self.made += 1

    def volume(self, *, bad: bool) -> None:
        secured = {} if bad else {"KmsKeyId": self.key()}
        self.client("ec2").create_volume(AvailabilityZone=f"{self.region}a", Size=8, Encrypted=not bad, **secured)
        self.made += 1

    def dynamodb_table(self, *, bad: bool) -> None:
        ddb = self.client("dynamodb")
        name = self._name()
        ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
        if not bad:
            ddb.update_continuous_backups(TableName=name, PointInTimeRecoverySpecification={
                "PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": 30})
        self.made += 1

    def iam_user(self, *, bad: bool) -> None:
        iam = self.client("iam")
        name = self._name()
        iam.create_user(UserName=name)
        if bad:  # a console password and no MFA device
            iam.create_login_profile(UserName=name, Password="Sandbox-only-1!")
        self.made += 1
