"""checkov's results as clearance findings, merged into clearance's report.

- A checkov result becomes a `Finding` whose `control_id` is the checkov id (`CKV_AWS_7`), on the Pulumi resource the
  converter made the Terraform resource from: the clearance asset of that URN when there is one (same id, name, kind
  and location, so fingerprints, waivers and the baseline treat it like any finding), else the resource itself (a side
  resource clearance folds into its owner: a security-group rule, a bucket's encryption configuration).
- Each checkov id gets a synthetic `Control` in `report.controls` (title = checkov's check name), so every renderer
  describes it (SARIF rules, JSON controls, console). Severity: checkov's when it gives one; built-in checks have none
  without a Prisma Cloud API key (and `--skip-download` never asks for one), so `DEFAULT_SEVERITY` (medium) applies.
- Waivers (`Prepared.other_waivers`: waivers whose control is a checkov id) turn failures into `waived` as the engine
  does; the baseline applies afterwards, by fingerprint, with the rest of the report.
- Equivalents (policies/checkov/equivalents.yaml): a checkov result whose equivalent clearance control judged the
  same asset with the same verdict is not added again; the clearance finding's detail says "also checkov CKV_AWS_7".
  When they disagree both stay (`make compare-checkov` lists them; docs/checkov.md explains them).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from checks.catalog.controls import Control, Remediation
from checks.catalog.expressions import Expression
from checks.checkov.runner import CheckovRecord, CheckovResult
from checks.engine import fingerprint
from checks.errors import InputError
from checks.model import Asset, Finding, Severity, SourceKind, Status
from checks.paths import display_path, policies_dir
from checks.raw import RawResource, normalize_urn
from checks.report import Report
from checks.waivers import Waiver, waiver_problems
from checks.yamlfile import load_yaml

DEFAULT_SEVERITY = Severity.MEDIUM
CONTROL_KIND = "checkov"          # the synthetic controls' kind: a checkov check covers several resource types
_STATUS = {"PASSED": Status.PASS, "FAILED": Status.FAIL}
_SEVERITY = {"CRITICAL": Severity.CRITICAL, "HIGH": Severity.HIGH, "MEDIUM": Severity.MEDIUM, "LOW": Severity.LOW,
             "INFO": Severity.LOW}
_AGREE = {Status.PASS: {Status.PASS}, Status.FAIL: {Status.FAIL, Status.WAIVED}}


def is_checkov_id(value: str) -> bool:
    """`CKV_AWS_7`, `CKV2_AWS_12`: the ids a waiver may name with --with-checkov."""
    head, _, rest = value.partition("_")
    return head in ("CKV", "CKV2") and bool(rest) and rest.replace("_", "").isalnum() and rest.upper() == rest


def equivalents_path() -> Path:
    return policies_dir() / "checkov" / "equivalents.yaml"


def load_equivalents(path: Path | None = None) -> dict[str, tuple[str, ...]]:
    """checkov id -> the clearance controls that test the same fact."""
    path = path or equivalents_path()
    shown = display_path(path)
    doc = load_yaml(path, shown)
    table = doc.data.get("equivalents") if isinstance(doc.data, dict) else None
    if not isinstance(table, dict):
        raise InputError("expected a mapping 'equivalents: {CKV_ID: [CONTROL, ...]}'", where=f"{shown}:1")
    out: dict[str, tuple[str, ...]] = {}
    for key, ids in table.items():
        if not isinstance(key, str) or not is_checkov_id(key) or not isinstance(ids, list) \
                or not all(isinstance(i, str) for i in ids):
            raise InputError(f"'{key}' must be a checkov id mapped to a list of control ids",
                             where=f"{shown}:{doc.line_of(('equivalents', key))}")
        out[key] = tuple(ids)
    return out


def checkov_control(record: CheckovRecord) -> Control:
    """The report's description of a checkov check."""
    guide = record.guideline or "https://www.checkov.io/5.Policy%20Index/terraform.html"
    return Control(
        id=record.check_id, title=record.check_name, severity=severity_of(record), kind=CONTROL_KIND, reads=(),
        assert_=Expression("`true`"), applies_if=None, params={}, message=record.check_name,
        remediation=Remediation(pulumi=f"See checkov's guideline for {record.check_id}: {guide}"), frameworks={},
        description=f"checkov {record.check_id}: {record.check_name}", claim=None, tags=("checkov",), file="", line=1)


def severity_of(record: CheckovRecord) -> Severity:
    return _SEVERITY.get((record.severity or "").upper(), DEFAULT_SEVERITY)


@dataclass(frozen=True)
class Target:
    """The Pulumi side of a Terraform address: the asset the finding is about."""

    asset: Asset
    address: str
    owners: tuple[Asset, ...] = ()   # a side resource without an asset: the assets it depends on (a rule's group)

    def candidates(self) -> tuple[Asset, ...]:
        return (self.asset, *self.owners)


def targets(addresses: Mapping[str, str], resources: Sequence[RawResource], assets: Sequence[Asset],
            view: SourceKind) -> dict[str, Target]:
    """Terraform address -> the clearance asset of its URN, else an asset made from the raw resource itself."""
    by_urn: dict[str, Asset] = {}
    for asset in assets:
        if asset.urn:
            by_urn.setdefault(normalize_urn(asset.urn), asset)
    raw_by_urn = {normalize_urn(r.urn): r for r in resources}
    out: dict[str, Target] = {}
    for address, urn in addresses.items():
        key = normalize_urn(urn)
        found = by_urn.get(key)
        if found is not None:
            out[address] = Target(found, address)
            continue
        raw = raw_by_urn.get(key)
        asset = Asset(kind=raw.type if raw else "pulumi:resource", id=urn, name=raw.name if raw else urn,
                      source=view, attributes={}, urn=urn, location=raw.location if raw else None)
        needs = [] if raw is None else [*raw.dependencies, *(u for v in raw.property_dependencies.values() for u in v)]
        owners = {k: by_urn[k] for k in map(normalize_urn, needs) if k in by_urn}  # in order, once each
        out[address] = Target(asset, address, tuple(owners.values()))
    return out


@dataclass(frozen=True)
class Merged:
    findings: tuple[Finding, ...]
    controls: dict[str, Control]
    waiver_problems: tuple[str, ...]
    warnings: tuple[str, ...]
    provider_results: int = 0     # results on the converter's provider block, left out


def merge_results(clearance: Sequence[Finding], result: CheckovResult, where: Mapping[str, Target], *,
                  equivalents: Mapping[str, tuple[str, ...]], waivers: Sequence[Waiver],
                  now: dt.datetime, view: SourceKind) -> Merged:
    today = now.date()
    active = [w for w in waivers if not w.expired(today)]
    used: set[int] = set()
    judged = {(f.control_id, f.asset_kind, f.asset_id): i for i, f in enumerate(clearance)}
    merged = list(clearance)
    also: dict[int, list[str]] = {}
    added: list[Finding] = []
    controls: dict[str, Control] = {}
    skipped, unmapped, provider = 0, set(), 0
    for rec in result.records:
        status = _STATUS.get(rec.result)
        if status is None:
            skipped += 1
            continue
        if is_provider(rec.address):  # the converter's own `provider "aws"` block: no Pulumi resource, no fact
            provider += 1
            continue
        target = where.get(rec.address)
        asset = target.asset if target else Asset(kind=f"terraform:{rec.resource_type}", id=rec.address,
                                                   name=rec.address, source=view, attributes={})
        if target is None:
            unmapped.add(rec.address)
        twin = next((judged[k] for k in ((cid, a.kind, a.id) for a in (target.candidates() if target else ())
                                         for cid in equivalents.get(rec.check_id, ()))
                     if k in judged and merged[judged[k]].status in _AGREE[status]), None)
        if twin is not None:
            also.setdefault(twin, []).append(rec.check_id)
            continue
        controls.setdefault(rec.check_id, checkov_control(rec))
        waiver = None
        if status is Status.FAIL:
            waiver = next((w for w in active if w.control == rec.check_id and w.matches(asset)), None)
            if waiver is not None:
                used.add(id(waiver))
        added.append(Finding(
            control_id=rec.check_id, severity=severity_of(rec),
            status=Status.WAIVED if waiver else status, asset_kind=asset.kind, asset_id=asset.id,
            asset_name=asset.name, source=view, message=_message(rec, asset, status), fingerprint=fingerprint(
                rec.check_id, asset), location=asset.location, detail=_detail(rec),
            waiver=waiver.ref() if waiver else None, account=asset.account, region=asset.region))
    for i, ids in also.items():
        f = merged[i]
        note = f"also checkov {', '.join(sorted(set(ids)))}"
        merged[i] = dataclasses.replace(f, detail=f"{f.detail}; {note}" if f.detail else note)
    problems = waiver_problems(waivers, used, today)
    warnings = []
    if skipped:
        warnings.append(f"checkov skipped {skipped} check result{'s' if skipped != 1 else ''}")
    if unmapped:
        warnings.append(f"checkov judged {len(unmapped)} address(es) that are no Pulumi resource: "
                        f"{', '.join(sorted(unmapped)[:5])}")
    return Merged(tuple(merged + added), controls, tuple(problems), tuple(warnings), provider)


def is_provider(address: str) -> bool:
    """`aws.default`: a provider configuration, not a resource (resource types are `aws_<name>`)."""
    return "_" not in address.split(".", 1)[0]


def _message(rec: CheckovRecord, asset: Asset, status: Status) -> str:
    if status is Status.PASS:
        return rec.check_name
    return f"{asset.name}: {rec.check_name} (checkov {rec.check_id})"


def _detail(rec: CheckovRecord) -> str:
    keys = f"; evaluated {', '.join(rec.evaluated_keys)}" if rec.evaluated_keys else ""
    return f"checkov {rec.check_id} on {rec.address}{keys}"


def merged_report(report: Report, merged: Merged, result: CheckovResult, converted: int) -> Report:
    """The report with checkov's findings, its checks as controls and a line saying what checkov scanned."""
    note = (f"checkov {result.version} scanned {result.resource_count} of the {converted} converted Terraform "
            f"resource{'s' if converted != 1 else ''} (checkov severities default to {DEFAULT_SEVERITY.value}: "
            "checkov gives none without a Prisma Cloud API key)")
    if merged.provider_results:
        note += (f"; {merged.provider_results} result{'s' if merged.provider_results != 1 else ''} on the converted "
                 "plan's provider block left out (the converter makes it; the program does not declare it)")
    return dataclasses.replace(report, findings=merged.findings, controls={**report.controls, **merged.controls},
                               waiver_problems=(*report.waiver_problems, *merged.waiver_problems),
                               warnings=(*report.warnings, *merged.warnings, note))
