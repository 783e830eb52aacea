"""One boto3 session per account of a many-account scan: the role `--role-name` (default ClearanceScan) assumed in
each account with `sts:AssumeRole` (and `--external-id`). A role that cannot be assumed is a `Denied`, never an
exception: the account becomes an error result scoped to it, naming the role and the trust policy it needs.

The temporary credentials are only ever handed to the new session: no message, repr or reason carries them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import boto3
import botocore.session
from botocore.exceptions import BotoCoreError, ClientError

from checks.collectors.base import ClientSettings, classify
from checks.errors import InputError

DEFAULT_ROLE_NAME = "ClearanceScan"
SESSION_NAME = "clearance-scan"
SESSION_SECONDS = 3600  # the most a chained role session may last (a role assumed with a role's credentials)
ASSUME_ROLE = "sts:AssumeRole"
POLICY_COMMAND = "clearance iam-policy --organization"

_NAME = re.compile(r"[\w+=,.@-]{1,64}")
_PATH_PART = re.compile(r"[\x21-\x2e\x30-\x7e]+")  # IAM paths: printable ASCII; `/` separates the parts
_EXTERNAL_ID = re.compile(r"[\w+=,.@:/-]{2,1224}")
_ASSUMED = re.compile(r"arn:(?P<partition>[\w-]+):sts::(?P<account>\d{12}):assumed-role/(?P<role>[^/]+)/.+")


def split_role_name(role_name: str) -> tuple[str, str]:
    """`"path/Name"` -> `("/path/", "Name")`, `"Name"` -> `("/", "Name")`; a name IAM would refuse is an InputError
    (--role-name)."""
    parts = [p for p in role_name.strip().split("/") if p]
    if not parts or not _NAME.fullmatch(parts[-1]) or not all(_PATH_PART.fullmatch(p) for p in parts[:-1]):
        raise InputError(f"{role_name!r} is not an IAM role name", where="--role-name",
                         hint="letters, digits and +=,.@_- (at most 64), after an optional path: path/Name")
    path = "/" + "".join(f"{p}/" for p in parts[:-1])
    return path, parts[-1]


def check_external_id(external_id: str) -> str:
    """`external_id` when STS accepts it as sts:ExternalId (2 to 1,224 of letters, digits and +=,.@:/-), else an
    InputError (--external-id)."""
    if not _EXTERNAL_ID.fullmatch(external_id):
        raise InputError(f"not an STS external id ({len(external_id)} characters)", where="--external-id",
                         hint="2 to 1,224 letters, digits or +=,.@:/-")
    return external_id


def role_arn(account: str, role_name: str, partition: str = "aws") -> str:
    """The ARN of role `role_name` ("Name" or "path/Name") in `account`."""
    path, name = split_role_name(role_name)
    return f"arn:{partition}:iam::{account}:role{path}{name}"


def partition_of(arn: str | None) -> str:
    """The partition of an ARN ("aws", "aws-cn", "aws-us-gov"); "aws" when there is none."""
    parts = (arn or "").split(":")
    return parts[1] if len(parts) > 2 and parts[0] == "arn" and parts[1] else "aws"


def trusted_principal(caller_arn: str) -> str:
    """The principal a trust policy names for the identity `caller_arn`: an assumed-role session
    (`arn:aws:sts::1:assumed-role/Scanner/s`) is trusted through its role (`arn:aws:iam::1:role/Scanner`; a role
    with a path needs the path added); a user or role ARN is itself."""
    match = _ASSUMED.fullmatch(caller_arn)
    if match is None:
        return caller_arn
    return f"arn:{match['partition']}:iam::{match['account']}:role/{match['role']}"


@dataclass(frozen=True)
class Denied:
    """The role could not be assumed in `account`: why (`reason`, as collectors' classify words it: "AccessDenied
    sts:AssumeRole"), and what the account needs (`fix`)."""

    account: str
    role_arn: str
    reason: str
    caller_arn: str | None = None    # the scanning identity, which the role must trust
    external_id: str | None = None   # --external-id, which the trust policy must require

    def fix(self) -> str:
        if not self.reason.startswith("AccessDenied"):  # classify words every 403 so
            if self.reason.startswith("Throttled"):
                return f"scan again later, or scan fewer accounts at once (the scan needs {ASSUME_ROLE})"
            return f"check the endpoint and the network, then scan again (the scan needs {ASSUME_ROLE} on " \
                   f"{self.role_arn})"
        trusting = trusted_principal(self.caller_arn) if self.caller_arn else "the scanning identity"
        condition = f", sts:ExternalId {self.external_id}" if self.external_id else ""
        return (f"deploy role {self.role_arn} trusting {trusting} ({ASSUME_ROLE}{condition}), and grant that "
                f"identity {ASSUME_ROLE} on it: {POLICY_COMMAND} prints both")

    def describe(self) -> str:
        return f"{ASSUME_ROLE} {self.role_arn} (account {self.account}): {self.reason}"


def scanner_arn(session: boto3.Session, *, endpoint_url: str | None, settings: ClientSettings,
                region: str) -> str | None:
    """The ARN of the identity that scans (sts:GetCallerIdentity, which needs no permission); None when it cannot be
    told (the denial then says "the scanning identity")."""
    sts = session.client("sts", region_name=region, endpoint_url=endpoint_url, config=settings.config())
    try:
        return str(sts.get_caller_identity()["Arn"])
    except (ClientError, BotoCoreError, KeyError):
        return None


def plain_session(access_key: str, secret_key: str, token: str, region: str,
                  like: boto3.Session | None = None) -> boto3.Session:
    """A plain boto3.Session holding temporary credentials and nothing else: no profile (AWS_PROFILE is not
    looked up), whatever class the session that assumed the role was (the sandbox's SandboxSession). With `like`,
    it shares that session's botocore data loader: the service models are read and kept once for every account,
    not once per account (21 accounts x 2 regions x 24 services: 1,719 -> 409 MiB, 27 -> 9 s of CPU, measured)."""
    core = botocore.session.Session(session_vars={"profile": (None, None, None, None)})
    base = getattr(like, "_session", None)  # boto3 keeps its botocore session there, with no public accessor
    if isinstance(base, botocore.session.Session):
        core.register_component("data_loader", base.get_component("data_loader"))
    return boto3.Session(aws_access_key_id=access_key, aws_secret_access_key=secret_key, aws_session_token=token,
                         region_name=region, botocore_session=core)


def assume(session: boto3.Session, account: str, *, role_name: str, external_id: str | None,
           endpoint_url: str | None, settings: ClientSettings, region: str,
           caller_arn: str | None = None, sts: Any = None) -> boto3.Session | Denied:
    """A session in `account` with the role `role_name` assumed (RoleSessionName clearance-scan, one hour, the
    ExternalId when given), in `region`; a Denied when AWS refuses or does not answer. `sts`: a client of `session`
    made beforehand (a boto3 Session is not thread-safe, its clients are: callers assuming roles in parallel
    share one)."""
    arn = role_arn(account, role_name, partition_of(caller_arn))
    if sts is None:
        sts = session.client("sts", region_name=region, endpoint_url=endpoint_url, config=settings.config())
    params: dict[str, object] = {"RoleArn": arn, "RoleSessionName": SESSION_NAME, "DurationSeconds": SESSION_SECONDS}
    if external_id:
        params["ExternalId"] = check_external_id(external_id)
    try:
        creds = sts.assume_role(**params)["Credentials"]
    except ClientError as err:
        return Denied(account, arn, classify(err, ASSUME_ROLE), caller_arn, external_id)
    except BotoCoreError as err:  # no credentials, endpoint unreachable, timeouts
        return Denied(account, arn, f"{type(err).__name__} {ASSUME_ROLE}", caller_arn, external_id)
    return plain_session(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"], region, like=session)
