"""The evidence view for auditors: per framework, requirement and control, every asset evaluated, its result, and
the values of the attributes the control reads (`Control.reads`) from the live asset in `DriftReport.assets`.

A value whose path overlaps one of the asset's `secrets` is "****"; so is any `Secret` inside a value, and any
secret string that would still appear inside another printed value is cut out. A path the asset could not read or
does not know is printed as such, never as a value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from checks.coverage import CoverageStatus
from checks.drift.model import DriftReport
from checks.model import Asset, Finding, Secret, SecretTexts, paths_overlap, secret_strings
from reports.drift.common import REDACTED, shown

MAX_EVIDENCE_VALUE = 120
_MISSING = object()


@dataclass(frozen=True)
class AssetEvidence:
    kind: str
    id: str
    name: str
    status: str                                   # the finding's status
    values: tuple[tuple[str, str], ...]           # (attribute path, printed value), in the control's `reads` order
    found: bool = True                            # the asset is in `DriftReport.assets`

    def text(self) -> str:
        """`rotation.enabled=false; manager=customer` (or why no values are shown)."""
        if not self.found:
            return "(asset not in this run's live assets)"
        return "; ".join(f"{path}={value}" for path, value in self.values)


@dataclass(frozen=True)
class ControlEvidence:
    id: str
    title: str
    status: CoverageStatus
    assets: tuple[AssetEvidence, ...]


@dataclass(frozen=True)
class RequirementEvidence:
    id: str
    title: str
    status: CoverageStatus
    controls: tuple[ControlEvidence, ...]
    partial: bool = False                         # the framework marks its evidence partial (status never `pass`)
    evidence_why: str | None = None               # what the controls leave unchecked

    def evidence_text(self) -> str:
        """`full`, or `partial: <why>`."""
        return f"partial: {self.evidence_why or 'the controls check only part of it'}" if self.partial else "full"


@dataclass(frozen=True)
class FrameworkEvidence:
    id: str
    name: str
    version: str | None
    requirements: tuple[RequirementEvidence, ...]


def evidence(drift: DriftReport) -> list[FrameworkEvidence]:
    """Every framework of the report (by id), every requirement (framework file order), every mapped control (by id),
    every asset the control evaluated (by kind, id)."""
    report = drift.report
    by_control: dict[str, list[Finding]] = {}
    for f in report.findings:
        by_control.setdefault(f.control_id, []).append(f)
    assets = {(a.kind, a.id): a for a in drift.assets}
    cache: dict[str, tuple[AssetEvidence, ...]] = {}

    def control_assets(cid: str) -> tuple[AssetEvidence, ...]:
        if cid not in cache:
            control = report.controls.get(cid)
            reads = control.reads if control else ()
            found = sorted(by_control.get(cid, ()), key=lambda f: (f.asset_kind, f.asset_id, f.fingerprint))
            cache[cid] = tuple(_asset(f, assets.get((f.asset_kind, f.asset_id)), reads) for f in found)
        return cache[cid]

    out: list[FrameworkEvidence] = []
    for fc in report.coverage():
        reqs = tuple(
            RequirementEvidence(r.id, r.title, r.status, tuple(
                ControlEvidence(cid, report.controls[cid].title if cid in report.controls else "", status,
                                control_assets(cid))
                for cid, status in sorted(r.controls.items())), r.partial, r.evidence_why)
            for r in fc.requirements)
        out.append(FrameworkEvidence(fc.id, fc.name, fc.version, reqs))
    return out


def _asset(finding: Finding, asset: Asset | None, reads: Sequence[str]) -> AssetEvidence:
    if asset is None:
        return AssetEvidence(finding.asset_kind, finding.asset_id, finding.asset_name, finding.status.value, (),
                             found=False)
    texts = secret_texts(asset)
    return AssetEvidence(finding.asset_kind, finding.asset_id, finding.asset_name, finding.status.value,
                         tuple((path, asset_value(asset, path, texts)) for path in reads))


def asset_value(asset: Asset, path: str, texts: SecretTexts | None = None) -> str:
    """The printed value of one attribute path of an asset: "****" for a secret, never its plaintext."""
    if any(paths_overlap(path, s) for s in asset.secrets):
        return REDACTED
    error = next((why for p, why in sorted(asset.errors.items()) if paths_overlap(path, p)), None)
    if error is not None:
        return f"(not read: {shown(error, 80)})"
    if any(paths_overlap(path, p) for p in asset.unknown):
        return "(unknown)"
    value = read_path(asset.document(), path)
    if value is _MISSING:
        return "(absent)"
    text = shown(value, limit=1 << 30)   # cut secrets out of the whole text, then shorten it
    texts = secret_texts(asset) if texts is None else texts
    text = texts.cut(text) if texts else text
    return text if len(text) <= MAX_EVIDENCE_VALUE else text[: MAX_EVIDENCE_VALUE - 3] + "..."


def read_path(doc: Any, path: str) -> Any:
    """The value at a dotted path; `rules[].cidr` maps over the list `rules`."""
    return _get(doc, path.split("."))


def _get(value: Any, segments: list[str]) -> Any:
    if not segments:
        return value
    if isinstance(value, Secret):
        return value  # printed as "****" whatever lies below
    head, rest = segments[0], segments[1:]
    key = head.removesuffix("[]")
    if not isinstance(value, Mapping) or key not in value:
        return _MISSING
    inner = value[key]
    if head.endswith("[]") and isinstance(inner, list | tuple):
        return [v for v in (_get(item, rest) for item in inner) if v is not _MISSING]
    return _get(inner, rest)


def secret_texts(asset: Asset) -> SecretTexts:
    """Every plaintext the asset holds as a secret: `Secret` values and values under its secret paths."""
    texts = secret_strings(asset.attributes)
    doc = asset.document()
    for path in asset.secrets:
        value = read_path(doc, path)
        if value is not _MISSING:
            texts |= secret_strings(Secret(value))
    return SecretTexts(texts)
