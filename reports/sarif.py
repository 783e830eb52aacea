"""SARIF 2.1.0 for GitHub code scanning (see docs/report-format.md, "Notes on SARIF").

- One run; the rules are the controls that have results, plus `clearance/incomplete` when some
  controls could not be evaluated. `automationDetails.id` is `<category>/<run id>`, the category from
  `--sarif-category` or the report's target (`reports/_sarif_places.py`), so that uploads for two programs or
  two accounts never replace each other.
- The driver carries `version` (and `semanticVersion` when the version is a SemVer 2.0 string) and the
  project's `informationUri` when the installed distribution declares one.
- fail -> a result of kind `fail` whose level follows the severity; waived -> the same, with an
  `external` suppression carrying reason, approver and expiry.
- unknown/error -> kind `review` under the `clearance/incomplete` rule. The SARIF spec (3.27.10)
  requires `level` to be `none` (or absent) when kind is not `fail`, and GitHub applies a rule's
  `security-severity` to every result of that rule: filing "could not read" under a high control
  would raise a high security alert. The dedicated rule has no security severity and a default
  level of `note`, which GitHub shows since the result itself sets no level.
- pass / not_applicable are omitted; so is a result with no file of the repository to point at (GitHub rejects
  the whole upload otherwise), counted in a notification.
- With `--baseline`, every result has a `baselineState`: `unchanged` when the baseline records it, else `new`.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC
from importlib import metadata
from typing import Any

from checks.catalog.controls import Control
from checks.model import Finding, Severity, Status
from checks.report import Report
from reports._sarif_places import artifact_uri, automation_id, result_location
from reports.base import api_calls_document, json_bytes, plural, register

__all__ = ["SarifRenderer", "artifact_uri", "line_hash", "sarif_document"]

SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
TOOL_NAME = "clearance"
INCOMPLETE_RULE_ID = "clearance/incomplete"
FINGERPRINT_KEY = "clearance/v1"
# SemVer 2.0 (semver.org's regular expression): GitHub reads `semanticVersion` as one.
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
                    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
                    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$")

SECURITY_SEVERITY = {Severity.CRITICAL: "9.5", Severity.HIGH: "8.0", Severity.MEDIUM: "5.5", Severity.LOW: "3.0"}
LEVEL = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "note"}

# GitHub limits (sarif-limits.md).
MAX_TEXT = 1024
MAX_RULE_NAME = 255
MAX_TAGS = 20
MAX_RESULTS = 25_000

_FAILED = (Status.FAIL, Status.WAIVED)
_INCOMPLETE = (Status.UNKNOWN, Status.ERROR)


def sarif_document(report: Report) -> dict[str, Any]:
    failed: list[tuple[Finding, dict[str, Any]]] = []
    incomplete: list[tuple[Finding, dict[str, Any]]] = []
    unplaced = 0
    # Failures before incomplete results, each most severe first (the report's order): what is kept if the
    # GitHub cap is hit.
    for f in report.sorted_findings:
        into = failed if f.status in _FAILED else incomplete if f.status in _INCOMPLETE else None
        if into is None:
            continue
        location = result_location(report, f)
        if location is None:
            unplaced += 1
        else:
            into.append((f, location))
    placed = failed + incomplete
    kept, dropped = placed[:MAX_RESULTS], len(placed) - min(len(placed), MAX_RESULTS)
    rules = _rules(report, [f for f, _ in kept])
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    run: dict[str, Any] = {
        "tool": {"driver": {**driver(report), "rules": rules}},
        "automationDetails": {"id": automation_id(report)},
        "invocations": [_invocation(report, dropped, unplaced)],
        "columnKind": "utf16CodeUnits",
        "results": [_result(report, f, location, index) for f, location in kept],
        "properties": _run_properties(report),
    }
    return {"$schema": SARIF_SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


def driver(report: Report) -> dict[str, Any]:
    """Name, version (`semanticVersion` too when it is SemVer) and, when the distribution declares one, the
    project's URL."""
    out: dict[str, Any] = {"name": TOOL_NAME, "version": report.tool_version}
    if SEMVER.match(report.tool_version):
        out["semanticVersion"] = report.tool_version
    uri = information_uri()
    if uri:
        out["informationUri"] = uri
    return out


def _run_properties(report: Report) -> dict[str, Any]:
    props: dict[str, Any] = {"target": report.target, "assets": report.asset_count}
    calls = api_calls_document(report)
    if calls is not None:
        props["api_calls"] = calls
    if report.baseline is not None:
        # Entries the baseline records that no finding matches any more. Not `absent` results: GitHub does not
        # read `baselineState` and would open an alert for each.
        props["baseline"] = report.baseline
        props["baseline_gone"] = list(report.baseline_gone)
    return props


def information_uri() -> str | None:
    """The project's home page from the installed distribution's metadata (`[project.urls]`), if any."""
    try:
        urls = metadata.metadata(TOOL_NAME).get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        return None
    by_label = dict(entry.split(", ", 1) for entry in urls if ", " in entry)
    for label in ("Homepage", "Repository", "Source", "Documentation"):
        if by_label.get(label, "").startswith("https://"):
            return by_label[label]
    return None


# --- rules --------------------------------------------------------------------------------------


def _rules(report: Report, findings: list[Finding]) -> list[dict[str, Any]]:
    ids = sorted({f.control_id for f in findings if f.status in _FAILED})
    rules = [_rule(report.controls[cid]) if cid in report.controls else _unknown_control_rule(cid, findings)
             for cid in ids]
    if any(f.status in _INCOMPLETE for f in findings):
        rules.append(_incomplete_rule())
    return rules


def _rule(c: Control) -> dict[str, Any]:
    tags = ["security", "compliance", *c.tags]
    tags += [f"{fw}:{ref}" for fw, refs in sorted(c.frameworks.items()) for ref in refs]
    return {
        "id": c.id,
        "name": _rule_name(c.title) or c.id,
        "shortDescription": {"text": _clip(c.title or c.id)},
        "fullDescription": {"text": _clip(c.description or c.title or c.id)},
        "help": {"text": c.help_text, "markdown": _help_markdown(c)},
        "defaultConfiguration": {"level": LEVEL[c.severity]},
        "properties": {
            "tags": list(dict.fromkeys(tags))[:MAX_TAGS],
            "precision": "very-high",
            "security-severity": SECURITY_SEVERITY[c.severity],
        },
    }


def _unknown_control_rule(control_id: str, findings: list[Finding]) -> dict[str, Any]:
    """A finding of a control the report does not describe: still a valid rule for GitHub."""
    severity = max((f.severity for f in findings if f.control_id == control_id), key=lambda s: s.rank)
    text = f"Control {control_id}"
    return {
        "id": control_id,
        "shortDescription": {"text": text},
        "fullDescription": {"text": text},
        "help": {"text": f"See `clearance controls show {control_id}`."},
        "defaultConfiguration": {"level": LEVEL[severity]},
        "properties": {"tags": ["security", "compliance"], "precision": "very-high",
                       "security-severity": SECURITY_SEVERITY[severity]},
    }


def _incomplete_rule() -> dict[str, Any]:
    text = (
        "A control could not be evaluated on a resource: an attribute it reads was unknown at plan time, "
        "or could not be read (for example AccessDenied). clearance never passes or fails on data it did not read."
    )
    help_text = (
        f"{text}\nUnknown at plan time: check the state or live view after the change is applied.\n"
        "Error: grant the read permission named in the result (see `clearance iam-policy`) and scan again."
    )
    return {
        "id": INCOMPLETE_RULE_ID,
        "name": "IncompleteEvaluation",
        "shortDescription": {"text": "Control could not be evaluated"},
        "fullDescription": {"text": text},
        "help": {"text": help_text, "markdown": help_text.replace("\n", "\n\n")},
        "defaultConfiguration": {"level": "note"},
        "properties": {"tags": ["compliance", "incomplete"], "precision": "very-high"},
    }


def _rule_name(title: str) -> str:
    """`Customer-managed KMS keys rotate` -> `CustomerManagedKMSKeysRotate` (SARIF rule names are identifiers)."""
    words = re.findall(r"[A-Za-z0-9]+", title)
    return "".join(w[:1].upper() + w[1:] for w in words)[:MAX_RULE_NAME]


def _help_markdown(c: Control) -> str:
    parts = [c.description or c.title, f"**Remediation (Pulumi)**\n\n{c.remediation.pulumi}"]
    if c.remediation.cli:
        parts.append(f"**Remediation (CLI)**\n\n{c.remediation.cli}")
    if c.frameworks:
        refs = "; ".join(f"{fw} {', '.join(ids)}" for fw, ids in sorted(c.frameworks.items()))
        parts.append(f"**Frameworks:** {refs}")
    if c.claim:
        parts.append(f"**Claim backed by this control:** {c.claim}")
    return "\n\n".join(parts)


def _clip(text: str, limit: int = MAX_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --- results ------------------------------------------------------------------------------------


def _result(report: Report, f: Finding, location: dict[str, Any], index: dict[str, int]) -> dict[str, Any]:
    incomplete = f.status in _INCOMPLETE
    rule_id = INCOMPLETE_RULE_ID if incomplete else f.control_id
    result: dict[str, Any] = {"ruleId": rule_id, "ruleIndex": index[rule_id]}
    if incomplete:
        result["kind"] = "review"  # no level: it defaults to "none" (spec) / the rule's "note" (GitHub)
        reason = f.detail or f.message
        text = f"{f.control_id} could not be evaluated on {f.asset_name or f.asset_id} ({f.status.value}): {reason}"
    else:
        result["kind"] = "fail"
        result["level"] = LEVEL[f.severity]
        text = f.message or f"{f.control_id} failed on {f.asset_name or f.asset_id}"
    result["message"] = {"text": text}
    result["locations"] = [location]
    result["partialFingerprints"] = {"primaryLocationLineHash": line_hash(f), FINGERPRINT_KEY: f.fingerprint}
    if report.baseline is not None:
        result["baselineState"] = "unchanged" if f.in_baseline else "new"
    # The spec wants `suppressions` on every result of a run or on none.
    result["suppressions"] = [_suppression(f)] if f.status is Status.WAIVED else []
    result["properties"] = {
        "control_id": f.control_id,
        "severity": f.severity.value,
        "status": f.status.value,
        "asset_id": f.asset_id,
        "asset_kind": f.asset_kind,
        "asset_name": f.asset_name,
    }
    if f.detail:
        result["properties"]["detail"] = f.detail
    if f.account is not None:  # a live scan's: which account, and region, the resource is in
        result["properties"]["account"] = f.account
    if f.region is not None:
        result["properties"]["region"] = f.region
    return result


def line_hash(f: Finding) -> str:
    """A stand-in for GitHub's line hash, derived from the finding's identity so it survives moved lines."""
    digest = hashlib.sha256(f"{f.control_id}\0{f.fingerprint}".encode()).hexdigest()[:16]
    return f"{digest}:1"


def _suppression(f: Finding) -> dict[str, Any]:
    w = f.waiver
    if w is None:
        return {"kind": "external", "status": "accepted", "justification": "waived"}
    return {
        "kind": "external",
        "status": "accepted",
        "justification": f"{w.reason} (approved by {w.approver}, expires {w.expires})",
        "properties": {"approver": w.approver, "expires": w.expires, "asset_pattern": w.asset},
    }


def _invocation(report: Report, dropped: int, unplaced: int) -> dict[str, Any]:
    notes: list[tuple[str, str]] = [("warning", w) for w in report.warnings]
    notes += [("warning", p) for p in report.waiver_problems]
    if report.unsupported:
        listed = ", ".join(f"{t} x{n}" for t, n in sorted(report.unsupported.items()))
        notes.append(("note", f"not checked (no controls for these resource types): {listed}"))
    if unplaced:
        notes.append(("warning", f"{plural(unplaced, 'result')} left out: no file of the repository declares the "
                                 "resource (GitHub code scanning rejects a result without one); clearance.json "
                                 "lists them"))
    if dropped:
        notes.append(("warning", f"{plural(dropped, 'result')} left out: GitHub accepts {MAX_RESULTS} per run"))
    return {
        "executionSuccessful": True,
        "endTimeUtc": _utc(report),
        "toolExecutionNotifications": [{"level": level, "message": {"text": text}} for level, text in notes],
    }


def _utc(report: Report) -> str:
    stamp = report.generated_at
    stamp = stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


class SarifRenderer:
    name = "sarif"
    extension = "sarif"

    def render(self, report: Report) -> str:
        return self.render_bytes(report).decode("utf-8")

    def render_bytes(self, report: Report) -> bytes:
        return json_bytes(sarif_document(report))


register(SarifRenderer())
