"""What `clearance scan` is asked to read (ScanRequest), and how it reaches the account: the boto3 session (injected,
else from --profile / AWS_PROFILE, then --role-arn), where its credentials come from (named, never shown), and the
regions to read."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import boto3
import botocore.session
from botocore.exceptions import BotoCoreError, ClientError, ProfileNotFound

from checks.collectors.base import ClientSettings
from checks.collectors.endpoints import Health, watch
from checks.digests import SecretDigests
from checks.errors import InputError
from checks.flows.scan_org import OrgRequest
from checks.model import Severity
from checks.selection import Selection

DEFAULT_REGION = "us-east-1"
DEFAULT_TIMEOUT = 300.0  # seconds for the whole scan


@dataclass(frozen=True)
class ScanRequest:
    profile: str | None = None
    regions: tuple[str, ...] = ()          # empty: the session's region; ("all",): every enabled region
    endpoint_url: str | None = None
    role_arn: str | None = None
    max_workers: int = 8
    services: tuple[str, ...] = ()         # empty: every collector
    session: boto3.Session | None = None   # injected (tests, the sandbox); else built from profile / role
    waivers: Path | None = None
    settings: Path | None = None
    sg_register: Path | None = None
    fail_on: Severity | None = None
    now: dt.datetime | None = None
    timeout: float | None = DEFAULT_TIMEOUT  # seconds for the whole scan (--timeout); None: no deadline
    secret_digests: SecretDigests | None = None  # the sandbox's secrets (checks/digests.py), to find in what is read
    selection: Selection = Selection()     # --check, --skip-check, --severity, --framework (checks/selection.py)
    program_dir: Path | None = None  # the program that deployed the account: settings and register looked up there
    baseline: Path | None = None     # `--baseline FILE`: accepted failures (checks/baseline.py)
    sarif_category: str | None = None  # `--sarif-category`: the SARIF run's category; None: from the target
    states: tuple[Path, ...] = ()    # `--state FILE`: what Pulumi deployed, so findings point at declaring lines
    org: OrgRequest | None = None    # many accounts (--organization, --accounts): checks/flows/scan_org.py


def build_session(req: ScanRequest) -> boto3.Session:
    """The injected session, else one from --profile (or AWS_PROFILE; empty means none), then --role-arn."""
    if req.session is not None:
        return req.session
    env_profile = os.environ.get("AWS_PROFILE")
    profile = req.profile or None
    try:
        if profile is None and env_profile is not None and not env_profile.strip():
            # AWS_PROFILE="" means no profile (botocore would look for a profile named "")
            core = botocore.session.Session(session_vars={"profile": (None, None, None, None)})
            session = boto3.Session(botocore_session=core)
        else:
            session = boto3.Session(profile_name=profile)
    except ProfileNotFound:
        name, where = (profile, "--profile") if profile else (env_profile, "AWS_PROFILE")
        raise InputError(f"AWS profile '{name}' not found", where=where,
                         hint="list them with 'aws configure list-profiles'") from None
    if req.role_arn:
        sts = session.client("sts", endpoint_url=req.endpoint_url, region_name=session.region_name or DEFAULT_REGION)
        try:
            creds = sts.assume_role(RoleArn=req.role_arn, RoleSessionName="clearance-scan")["Credentials"]
        except (ClientError, BotoCoreError) as err:
            raise InputError(f"cannot assume role {req.role_arn}: {err}", where="--role-arn",
                             hint="check the role's trust policy and your permission sts:AssumeRole") from None
        session = boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                                aws_session_token=creds["SessionToken"], region_name=session.region_name)
    return session


def credentials_source(session: boto3.Session, req: ScanRequest) -> str:
    """Where the scan's credentials come from ("env", "shared-credentials-file", "assume-role ...", "sandbox"),
    never the credentials themselves."""
    if type(session).__name__ == "SandboxSession":
        return "sandbox"
    if req.role_arn:
        return f"assume-role {req.role_arn}"
    creds = session.get_credentials()
    method = creds.method if creds is not None else "none"
    return f"{method} (profile {session.profile_name})" if req.profile or os.environ.get("AWS_PROFILE") else method


def resolve_regions(session: boto3.Session, req: ScanRequest, settings: ClientSettings,
                    health: Health | None = None) -> list[str]:
    if req.regions and req.regions != ("all",):
        return list(dict.fromkeys(req.regions))
    home = session.region_name or DEFAULT_REGION
    if req.regions != ("all",):
        return [home]
    ec2 = session.client("ec2", region_name=home, endpoint_url=req.endpoint_url, config=settings.config(health))
    if health is not None:
        watch(ec2, health, f"ec2 {home}", settings.timeout_attempts)
    try:
        answer = ec2.describe_regions(AllRegions=False)
    except (ClientError, BotoCoreError) as err:
        raise InputError(f"cannot list the enabled regions (ec2:DescribeRegions): {err}", where="--regions all",
                         hint="grant ec2:DescribeRegions or name the regions") from None
    return sorted(r["RegionName"] for r in answer["Regions"])
