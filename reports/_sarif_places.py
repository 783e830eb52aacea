"""Where a SARIF run and its results belong: the run's category (`automationDetails.id`) and each result's location.

GitHub code scanning keeps one analysis per tool, commit and *category*: a second upload in the same category
replaces the first. `automationDetails.id` is read as `<category>/<run id>` (the category is everything before the
last `/`), and `github/codeql-action/upload-sarif` applies its `category` input only to a run that has no
`automationDetails`. clearance always writes one, so the category comes from `--sarif-category` or, by default,
from the report's target (`clearance/<view>/<history key, as a slug>`): two programs, stacks or accounts never share
one, and runs of the same target always do.

Locations: GitHub rejects a whole upload when any result lacks a `physicalLocation` with an artifact URI, and it
resolves a relative URI against the repository root. A result therefore points at a file of the repository: the
file and line that declared the resource, else the report's artifact (`Pulumi.yaml`, the preview or state file) at
line 1, but only when that path is relative and inside the working folder (an absolute path or one that climbs out
with `..` names no file of the repository). A result with neither (a live resource no state links to a program) has
no place in code scanning and is left out of the SARIF; the JSON report keeps it. Every result also carries a
logical location: the resource's ARN (or id) and kind.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from checks.model import Finding
from checks.report import Report

TOOL_PREFIX = "clearance"
MAX_SLUG = 100
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_DRIVE = re.compile(r"^[A-Za-z]:")
# RFC 3986 path characters but `:`, escaped: in a first segment it would read as a scheme
_URI_SAFE = "/!$&'()*+,;=-._~@"


def sarif_category(report: Report) -> str:
    """`--sarif-category` (without trailing slashes), else `clearance/<view>/<slug of the history key>`."""
    given = (report.sarif_category or "").strip().strip("/").strip()
    if given:
        return given
    return f"{TOOL_PREFIX}/{report.view.value}/{slug(report.history_key)}"


def automation_id(report: Report) -> str:
    """`<category>/<run id>`: the run id is the report's time (GitHub stores it, and groups runs by the category)."""
    return f"{sarif_category(report)}/{run_id(report)}"


def run_id(report: Report) -> str:
    """The report's time in UTC, `2026-05-04T09:30:00Z` (a naive time is taken as UTC)."""
    stamp = report.generated_at
    stamp = stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


def slug(text: str) -> str:
    """`program infra (stack dev)` -> `program-infra-stack-dev`; long texts keep a digest so that they stay distinct."""
    out = _UNSAFE.sub("-", text).strip("-.") or "default"
    if len(out) <= MAX_SLUG:
        return out
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    return f"{out[: MAX_SLUG - 13].rstrip('-.')}-{digest}"


@lru_cache(maxsize=4096)  # one call per result, but a program has few files
def repository_path(path: str | None) -> str | None:
    """The path as a relative URI of a repository file, or None when it cannot name one (absolute, a drive, `..`)."""
    if not path:
        return None
    p = path.replace("\\", "/")
    while p.startswith("./"):
        p = p[2:]
    segments = [s for s in p.split("/") if s not in ("", ".")]
    if p.startswith("/") or _DRIVE.match(p) or "://" in p or ".." in segments or not segments:
        return None
    return artifact_uri("/".join(segments))


def artifact_uri(path: str) -> str:
    """A relative path as a URI reference: forward slashes, no leading `./`, other characters percent-encoded."""
    p = path.replace("\\", "/")
    while p.startswith("./"):
        p = p[2:]
    return quote(p, safe=_URI_SAFE)


def result_location(report: Report, f: Finding) -> dict[str, Any] | None:
    """The declaring file and line, else the report's artifact at line 1, plus the logical location; None when
    neither names a file of the repository."""
    uri, line = (repository_path(f.location.file), max(1, f.location.line)) if f.location else (None, 1)
    if uri is None:
        uri, line = repository_path(report.artifact), 1
    if uri is None:
        return None
    # Without the file's text the line length is unknown; column 1 to 1 marks the start of the line
    # and is valid for any line (the same choice as Trivy's SARIF output).
    region = {"startLine": line, "startColumn": 1, "endLine": line, "endColumn": 1}
    return {"physicalLocation": {"artifactLocation": {"uri": uri}, "region": region},
            "logicalLocations": [logical_location(f)]}


def logical_location(f: Finding) -> dict[str, Any]:
    return {"name": f.asset_name or f.asset_id, "fullyQualifiedName": f.asset_id, "kind": "resource",
            "properties": {"asset_kind": f.asset_kind}}
