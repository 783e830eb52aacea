"""Compare clearance and checkov where they test the same fact (policies/checkov/equivalents.yaml).

For every pair (checkov check, Pulumi resource) whose check has an equivalent clearance control of the resource's
asset kind, the two verdicts are put side by side: `bad` (fail, waived), `ok` (pass, not_applicable) or `open`
(unknown, error: clearance did not decide). A pair where one says `bad` and the other `ok`, or where only one of them
judged the resource, is a difference. `make compare-checkov` prints them; docs/checkov.md explains each one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from checks.checkov.merge import Target, is_provider
from checks.checkov.runner import CheckovResult
from checks.model import Finding, Status

_VERDICT = {Status.FAIL: "bad", Status.WAIVED: "bad", Status.PASS: "ok", Status.NOT_APPLICABLE: "ok",
            Status.UNKNOWN: "open", Status.ERROR: "open"}
_CHECKOV = {"FAILED": "bad", "PASSED": "ok"}


@dataclass(frozen=True, order=True)
class Difference:
    control_id: str           # the clearance control
    checkov_ids: str          # the checkov checks equivalent to it (together they test the same fact)
    asset: str                # "<kind> <name>"
    checkov: str              # bad | ok | not judged
    clearance: str            # bad | ok | open | not judged
    location: str = ""

    def line(self) -> str:
        where = f" ({self.location})" if self.location else ""
        return (f"{self.control_id} vs {self.checkov_ids} on {self.asset}{where}: clearance {self.clearance}, "
                f"checkov {self.checkov}")


def differences(findings: Sequence[Finding], result: CheckovResult, where: Mapping[str, Target],
                equivalents: Mapping[str, tuple[str, ...]], kinds: Mapping[str, str]) -> list[Difference]:
    """The overlapping checks whose verdicts differ, per clearance control and asset (sorted). Several checkov
    checks may make up one control (CKV_AWS_24 SSH and CKV_AWS_25 RDP are NET-03): checkov's verdict is then the
    worst of theirs. `kinds`: control id -> its asset kind (a check mapped to VUL-02 and VUL-03 is compared on
    instances with VUL-02 and on launch templates with VUL-03)."""
    clearance: dict[tuple[str, str, str], Finding] = {(f.control_id, f.asset_kind, f.asset_id): f for f in findings}
    inverse: dict[str, list[str]] = {}
    for ckv_id, control_ids in equivalents.items():
        for cid in control_ids:
            inverse.setdefault(cid, []).append(ckv_id)
    # checkov's verdict per (clearance control, asset): the worst of its results on the resources that make it up
    checkov: dict[tuple[str, str, str], str] = {}
    assets = {(t.asset.kind, t.asset.id): t.asset for t in where.values()}
    for rec in result.records:
        verdict = _CHECKOV.get(rec.result)
        target = where.get(rec.address)
        if verdict is None or target is None or is_provider(rec.address):
            continue
        for cid in equivalents.get(rec.check_id, ()):
            judged = next((a for a in target.candidates() if (cid, a.kind, a.id) in clearance), target.asset)
            if judged.kind != kinds.get(cid) and judged.kind in kinds.values():
                continue  # an asset of another kind than this control's: another equivalent control judges it
            if judged is target.asset and (cid, judged.kind, judged.id) not in clearance and verdict == "ok":
                continue  # checkov passed a resource this control does not judge: no contradiction
            key = (cid, judged.kind, judged.id)
            assets.setdefault((judged.kind, judged.id), judged)
            checkov[key] = "bad" if verdict == "bad" or checkov.get(key) == "bad" else "ok"
    out: set[Difference] = set()
    for (kind, asset_id), asset in assets.items():
        for cid, ckv_ids in inverse.items():
            theirs = checkov.get((cid, kind, asset_id))
            if kinds.get(cid) != kind and kind in kinds.values():
                continue
            ours = clearance.get((cid, kind, asset_id))
            mine = _VERDICT[ours.status] if ours is not None else "not judged"
            if theirs is None and mine != "bad" or theirs == mine:
                continue  # only clearance judged it and passed it (checkov's check may not cover it), or they agree
            out.add(Difference(cid, ", ".join(sorted(ckv_ids)), f"{kind} {asset.name}", theirs or "not judged", mine,
                               str(asset.location or "")))
    return sorted(out)
