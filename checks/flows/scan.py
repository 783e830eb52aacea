"""`clearance scan`: read a live account (or the sandbox) with boto3, normalize, evaluate, report.

Regions and collectors fan out on a bounded thread pool. Every API call is counted. What could not be read is
summarized by reason, with the IAM action that would fix a denial.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, ProfileNotFound

from checks.collectors import load_collectors
from checks.collectors.base import ClientSettings, Collector, CollectResult, Scope, caller_account
from checks.errors import InputError
from checks.flows.assess import Options, assess, build_report, prepare
from checks.model import Severity, SourceKind
from checks.raw import RawResource
from checks.report import Report

DEFAULT_REGION = "us-east-1"
_DENIED = re.compile(r"^AccessDenied (\S+)")


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


@dataclass
class ScanStats:
    api_calls: int = 0
    seconds: float = 0.0
    by_service: Counter[str] = field(default_factory=Counter)
    collector_seconds: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, event_name: str, **_: Any) -> None:
        service = event_name.split(".")[1] if "." in event_name else "?"
        with self._lock:
            self.api_calls += 1
            self.by_service[service] += 1


def build_session(req: ScanRequest) -> boto3.Session:
    if req.session is not None:
        return req.session
    try:
        session = boto3.Session(profile_name=req.profile)
    except ProfileNotFound:
        raise InputError(f"AWS profile '{req.profile}' not found", where="--profile",
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


def resolve_regions(session: boto3.Session, req: ScanRequest, settings: ClientSettings) -> list[str]:
    if req.regions and req.regions != ("all",):
        return list(dict.fromkeys(req.regions))
    home = session.region_name or DEFAULT_REGION
    if req.regions != ("all",):
        return [home]
    ec2 = session.client("ec2", region_name=home, endpoint_url=req.endpoint_url, config=settings.config())
    try:
        answer = ec2.describe_regions(AllRegions=False)
    except (ClientError, BotoCoreError) as err:
        raise InputError(f"cannot list the enabled regions (ec2:DescribeRegions): {err}", where="--regions all",
                         hint="grant ec2:DescribeRegions or name the regions") from None
    return sorted(r["RegionName"] for r in answer["Regions"])


def _timed(c: Collector, scope: Scope) -> tuple[CollectResult, float]:
    started = time.perf_counter()
    return c.collect(scope), time.perf_counter() - started


def collect(session: boto3.Session, account: str, regions: list[str], collectors: Iterable[Collector], *,
            endpoint_url: str | None, max_workers: int, settings: ClientSettings,
            on_done: Callable[[str], None] | None = None,
            timings: dict[str, float] | None = None) -> tuple[list[RawResource], list[str]]:
    """Run every collector in every region (global collectors once) on a bounded pool."""
    scopes = {r: Scope(session=session, region=r, account=account, endpoint_url=endpoint_url, settings=settings)
              for r in regions}
    tasks: list[tuple[Collector, Scope]] = []
    for c in collectors:
        tasks += [(c, scopes[regions[0]])] if c.global_scope else [(c, scopes[r]) for r in regions]
    resources: list[RawResource] = []
    errors: list[str] = []
    with ThreadPoolExecutor(max_workers=max(1, max_workers), thread_name_prefix="clearance-scan") as pool:
        futures = {pool.submit(_timed, c, scope): (c, scope) for c, scope in tasks}
        for future in as_completed(futures):
            c, scope = futures[future]
            result, seconds = future.result()
            if timings is not None:
                timings[f"{c.name} {scope.region}"] = seconds
            resources.extend(result.resources)
            errors.extend(result.errors)
            if on_done is not None:
                on_done(f"{c.name} {scope.region}")
    return resources, errors


def read_problems(resources: Iterable[RawResource], scan_errors: Iterable[str]) -> list[str]:
    """What could not be read, grouped by reason, with the permission that would fix a denial."""
    reasons: Counter[str] = Counter()
    for raw in resources:
        for reason in raw.errors.values():
            reasons[reason] += 1
    lines = []
    for reason, count in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])):
        denied = _DENIED.match(reason)
        fix = f": grant {denied.group(1)} to the scanning identity" if denied else ""
        lines.append(f"could not read ({count} resource(s)): {reason}{fix}")
    lines += [f"could not list: {e}" for e in sorted(set(scan_errors))]
    return lines


def run_scan(req: ScanRequest, *, progress: Callable[[int], Callable[[str], None]] | None = None) -> Report:
    """Scan, normalize and evaluate; `progress(total)` returns a callback called once per finished task."""
    options = Options(anchor=Path.cwd(), waivers=req.waivers, settings=req.settings, sg_register=req.sg_register,
                      fail_on=req.fail_on)
    prepared = prepare(options)
    client_settings = ClientSettings()
    session = build_session(req)
    stats = ScanStats()
    session.events.register("before-call", stats.count)
    started = time.perf_counter()
    try:
        regions = resolve_regions(session, req, client_settings)
        account = caller_account(session, regions[0], req.endpoint_url, client_settings)
    except NoCredentialsError:
        raise InputError("no AWS credentials", hint="use --profile, AWS_PROFILE, or the sandbox (clearance sandbox up)"
                         ) from None
    except (ClientError, BotoCoreError) as err:
        where = req.endpoint_url or "AWS"
        raise InputError(f"cannot reach the account (sts:GetCallerIdentity): {err}", where=where,
                         hint="check the endpoint, the network and the credentials") from None
    registry = load_collectors()
    chosen = [registry[s] for s in (req.services or tuple(sorted(registry)))]
    total = sum(1 if c.global_scope else len(regions) for c in chosen)
    resources, scan_errors = collect(session, account, regions, chosen, endpoint_url=req.endpoint_url,
                                     max_workers=req.max_workers, settings=client_settings,
                                     on_done=progress(total) if progress else None,
                                     timings=stats.collector_seconds)
    stats.seconds = time.perf_counter() - started
    now = req.now or dt.datetime.now(dt.UTC)
    normalized, result = assess(prepared, resources, now)
    where = f"account {account} ({', '.join(regions)})" + (f" at {req.endpoint_url}" if req.endpoint_url else "")
    slowest = sorted(stats.collector_seconds.items(), key=lambda kv: -kv[1])[:3]
    notes = [f"{stats.api_calls} API calls in {stats.seconds:.1f} s (slowest: "
             + ", ".join(f"{name} {secs:.1f} s" for name, secs in slowest) + ")"]
    notes += read_problems(resources, scan_errors)
    return build_report(prepared, options, normalized, result, view=SourceKind.LIVE, target=where, now=now,
                        warnings=notes)
