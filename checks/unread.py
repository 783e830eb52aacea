"""Scopes that could not be read: an account- or region-wide list that failed (denied, throttled, unreachable)
hides every resource it would have listed. Each such scope becomes, for every control of the asset kinds it
feeds, one `error` finding scoped to (account, region, kind), naming the call and the permission to grant, so that
a resource the scan could not see never looks compliant by its absence.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from checks.catalog.controls import Control
from checks.model import Finding, SourceKind, Status


@dataclass(frozen=True)
class UnreadScope:
    """Every asset of `kind` in `account` (and `region`; None: account-wide) is unknown because `operation`
    failed with `reason`. `action` is the IAM action that would fix a denial."""

    account: str
    region: str | None
    kind: str
    operation: str      # "kms:ListKeys"
    action: str         # "kms:ListKeys"; "s3:ListAllMyBuckets" for s3:ListBuckets
    reason: str         # "AccessDenied kms:ListKeys", "EndpointConnectionError ec2:DescribeRegions"

    @property
    def id(self) -> str:
        """`scope:123456789012/eu-west-1/kms.key`: stable, so the finding can be compared across scans."""
        return f"scope:{self.account}/{self.region or 'global'}/{self.kind}"

    @property
    def name(self) -> str:
        where = f"account {self.account}" + (f", {self.region}" if self.region else "")
        return f"every {self.kind} in {where}"

    @property
    def fix(self) -> str:
        return fix_for(self.reason, self.action)


def fix_for(reason: str, action: str) -> str:
    """What to do about a read that failed with `reason`; `action` is the IAM action the read needs."""
    if reason.startswith("NotReported"):  # a shard of a run group (checks/flows/groups.py) never recorded its read
        return "run the missing shard with the same --run-group, then render the report again"
    if reason.startswith("AccessDenied sts:AssumeRole"):  # the reason names the role and its trust policy
        return "deploy the role or fix its trust policy as the reason says, then scan again"
    if reason.startswith("AccessDenied"):
        return f"grant {action} to the scanning identity"
    if reason.startswith("Throttled"):
        return f"scan again later or with fewer --max-workers (the read needs {action})"
    if reason.startswith("Timeout"):
        if "--timeout" in reason:  # the scan's deadline: the reason says what to do
            return f"the read needs {action}"
        return f"raise the scan deadline with --timeout (the read needs {action})"
    if reason.startswith("InvalidResponse"):
        return f"check what answers at the endpoint, then scan again (the read needs {action})"
    return f"check the endpoint and the network, then scan again (the read needs {action})"


def unread_fingerprint(control_id: str, scope: UnreadScope) -> str:
    return hashlib.sha256(f"{control_id}|{scope.kind}|{scope.id}".encode()).hexdigest()[:32]


def unread_findings(controls: Iterable[Control], scopes: Iterable[UnreadScope]) -> list[Finding]:
    """One `error` finding per control of each unread scope's kind (duplicates of a scope counted once)."""
    by_kind: dict[str, list[Control]] = {}
    for control in controls:
        by_kind.setdefault(control.kind, []).append(control)
    findings: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    for scope in scopes:
        for control in by_kind.get(scope.kind, ()):
            if (control.id, scope.id) in seen:
                continue
            seen.add((control.id, scope.id))
            findings.append(Finding(
                control_id=control.id, severity=control.severity, status=Status.ERROR, asset_kind=scope.kind,
                asset_id=scope.id, asset_name=scope.name, source=SourceKind.LIVE,
                message=f"{control.title}: not evaluated, {scope.operation} could not be read in {scope.name[6:]}",
                fingerprint=unread_fingerprint(control.id, scope),
                detail=f"{scope.operation} failed: {scope.reason}; {scope.fix}", account=scope.account,
                region=scope.region,
            ))
    return findings
