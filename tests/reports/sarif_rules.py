"""GitHub's ingestion rules for SARIF, as a checker the tests run on every SARIF document clearance writes.

Sources (read 2026): GitHub Docs "SARIF support for code scanning" (required properties, 1024-character
descriptions, 255-character rule names, `security-severity` a score in (0.0, 10.0], `precision` values,
`runAutomationDetails.id` read as `category/run-id`, relative URIs resolved against the repository root) and its
limits table (20 runs per file, 25,000 results and 25,000 rules per run, 1,000 locations per result, 20 tags per
rule); the GitHub rules of Microsoft's SARIF validator (GH1001: every result location has
`physicalLocation.artifactLocation.uri`; GH1003: a region with `startLine`; GH1005: relative URIs or `file` URIs;
GH1007: a related location has a message); codeql-action issue #2459 and microsoft/sarif-sdk#2694 (an upload with a
result without locations, or with an empty `uri`, is rejected whole); SARIF 2.1.0 3.27.10 (`level` other than
`none` only on `kind: fail`). clearance adds its own: no absolute or `file://` URI at all, and a version on the driver.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote, urlsplit

MAX_RUNS = 20
MAX_RESULTS = 25_000
MAX_RULES = 25_000
MAX_LOCATIONS = 1_000
MAX_TAGS = 20
MAX_DESCRIPTION = 1024
MAX_RULE_NAME = 255
LEVELS = {"none", "note", "warning", "error"}
RULE_LEVELS = {"note", "warning", "error"}
PRECISIONS = {"very-high", "high", "medium", "low"}
KINDS = {"pass", "open", "informational", "notApplicable", "review", "fail"}
_URI_CHARS = re.compile(r"^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})+$")


def github_ingestion_problems(sarif: dict[str, Any]) -> list[str]:
    """Every way `sarif` breaks GitHub's ingestion rules, one line each; [] when it follows them all."""
    problems: list[str] = []
    if sarif.get("version") != "2.1.0":
        problems.append(f"version is {sarif.get('version')!r}, not '2.1.0'")
    if not sarif.get("$schema"):
        problems.append("$schema is missing")
    runs = sarif.get("runs") or []
    if not 1 <= len(runs) <= MAX_RUNS:
        problems.append(f"{len(runs)} runs (1 to {MAX_RUNS} accepted)")
    for i, run in enumerate(runs):
        problems += _run_problems(f"runs[{i}]", run)
    return problems


def category_of(automation_id: str) -> str:
    """GitHub's reading: everything before the last `/` (no `/`: no category)."""
    return automation_id.rpartition("/")[0]


def uri_problem(uri: Any) -> str | None:
    """Why `uri` is not a relative URI reference to a repository file (None when it is one)."""
    if not isinstance(uri, str) or not uri:
        return "is empty"
    if not _URI_CHARS.match(uri):
        return "has characters a URI must percent-encode"
    parts = urlsplit(uri)
    if parts.scheme or parts.netloc:
        return "is an absolute URI"
    if uri.startswith("/"):
        return "is an absolute path"
    if ":" in uri.split("/", 1)[0]:
        return "has a ':' in its first segment (read as a scheme)"
    if ".." in unquote(uri).split("/"):
        return "climbs out with '..'"
    return None


def _run_problems(where: str, run: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    driver = (run.get("tool") or {}).get("driver") or {}
    if not driver.get("name"):
        problems.append(f"{where}.tool.driver.name is missing")
    if not (driver.get("version") or driver.get("semanticVersion")):
        problems.append(f"{where}.tool.driver has no version")
    info = driver.get("informationUri")
    if info is not None and not str(info).startswith("https://"):
        problems.append(f"{where}.tool.driver.informationUri {info!r} is not an absolute https URI")
    automation = (run.get("automationDetails") or {}).get("id")
    if not automation or not category_of(automation):
        problems.append(f"{where}.automationDetails.id {automation!r} names no category (category/run-id)")
    rules = driver.get("rules")
    if not isinstance(rules, list):
        return [*problems, f"{where}.tool.driver.rules is missing"]
    if len(rules) > MAX_RULES:
        problems.append(f"{where} has {len(rules)} rules (at most {MAX_RULES})")
    ids = [r.get("id") for r in rules]
    if len(set(ids)) != len(ids):
        problems.append(f"{where} has duplicate rule ids")
    for j, rule in enumerate(rules):
        problems += _rule_problems(f"{where}.rules[{j}]", rule)
    results = run.get("results")
    if not isinstance(results, list):
        return [*problems, f"{where}.results is missing"]
    if len(results) > MAX_RESULTS:
        problems.append(f"{where} has {len(results)} results (at most {MAX_RESULTS})")
    for k, result in enumerate(results):
        problems += _result_problems(f"{where}.results[{k}]", result, ids)
    return problems


def _rule_problems(where: str, rule: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    if not rule.get("id"):
        problems.append(f"{where}.id is missing")
    for key in ("shortDescription", "fullDescription"):
        text = (rule.get(key) or {}).get("text") or ""
        if not text.strip() or len(text) > MAX_DESCRIPTION:
            problems.append(f"{where}.{key}.text has {len(text)} characters (1 to {MAX_DESCRIPTION})")
    if not ((rule.get("help") or {}).get("text") or "").strip():
        problems.append(f"{where}.help.text is missing")
    if len(rule.get("name", "")) > MAX_RULE_NAME:
        problems.append(f"{where}.name is longer than {MAX_RULE_NAME} characters")
    level = (rule.get("defaultConfiguration") or {}).get("level")
    if level is not None and level not in RULE_LEVELS:
        problems.append(f"{where}.defaultConfiguration.level {level!r} is not note, warning or error")
    props = rule.get("properties") or {}
    if len(props.get("tags", [])) > MAX_TAGS:
        problems.append(f"{where} has more than {MAX_TAGS} tags")
    if "precision" in props and props["precision"] not in PRECISIONS:
        problems.append(f"{where}.properties.precision {props['precision']!r} is not a GitHub precision")
    if "security-severity" in props:
        score = props["security-severity"]
        try:
            ok = isinstance(score, str) and 0.0 < float(score) <= 10.0
        except ValueError:
            ok = False
        if not ok:
            problems.append(f"{where}.properties.security-severity {score!r} is not a score string in (0, 10]")
    return problems


def _result_problems(where: str, result: dict[str, Any], rule_ids: list[Any]) -> list[str]:
    problems: list[str] = []
    rule_id = result.get("ruleId")
    if rule_id not in rule_ids:
        problems.append(f"{where}.ruleId {rule_id!r} is not a rule of the driver")
    index = result.get("ruleIndex")
    if index is not None and (not 0 <= index < len(rule_ids) or rule_ids[index] != rule_id):
        problems.append(f"{where}.ruleIndex {index!r} does not point at rule {rule_id!r}")
    if not ((result.get("message") or {}).get("text") or "").strip():
        problems.append(f"{where}.message.text is missing")
    level, kind = result.get("level"), result.get("kind", "fail")
    if kind not in KINDS or (level is not None and level not in LEVELS):
        problems.append(f"{where} has kind {kind!r} and level {level!r}")
    elif kind != "fail" and level not in (None, "none"):
        problems.append(f"{where} has level {level!r} on a {kind!r} result (only 'none' is allowed)")
    if not (result.get("partialFingerprints") or {}).get("primaryLocationLineHash"):
        problems.append(f"{where}.partialFingerprints.primaryLocationLineHash is missing")
    locations = result.get("locations") or []
    if not 1 <= len(locations) <= MAX_LOCATIONS:
        problems.append(f"{where} has {len(locations)} locations (1 to {MAX_LOCATIONS})")
    for n, location in enumerate(locations):
        problems += _location_problems(f"{where}.locations[{n}]", location)
    for n, related in enumerate(result.get("relatedLocations") or []):
        if "message" not in related:
            problems.append(f"{where}.relatedLocations[{n}] has no message")
    return problems


def _location_problems(where: str, location: dict[str, Any]) -> list[str]:
    physical = location.get("physicalLocation")
    if not physical:
        return [f"{where} has no physicalLocation"]
    problems: list[str] = []
    uri = (physical.get("artifactLocation") or {}).get("uri")
    why = uri_problem(uri)
    if why:
        problems.append(f"{where} uri {uri!r} {why}")
    region = physical.get("region") or {}
    start, end = region.get("startLine"), region.get("endLine", region.get("startLine"))
    if not isinstance(start, int) or start < 1 or not isinstance(end, int) or end < start:
        problems.append(f"{where}.region lines {start!r}..{end!r} are not a valid line range")
    if region.get("startColumn", 1) < 1 or region.get("endColumn", 1) < 1:
        problems.append(f"{where}.region columns must be at least 1")
    return problems
