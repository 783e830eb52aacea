"""SARIF of every view (a program, a preview, a state, a live scan) is valid SARIF 2.1.0 and follows GitHub's
ingestion rules (tests/reports/sarif_rules.py): relative URIs, a category per target, driver metadata."""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator

from checks.flows.check import CheckRequest, run_check
from checks.model import Finding, Location, Severity, SourceKind, Status
from checks.report import Report
from reports._sarif_places import repository_path, sarif_category, slug
from reports.sarif import SarifRenderer
from tests.paths import ROOT, SARIF_SCHEMA
from tests.reports.sarif_rules import category_of, github_ingestion_problems, uri_problem

ACCOUNT = "123456789012"
BUCKET_ARN = "arn:aws:s3:::shop-logs"


@pytest.fixture(scope="module")
def validator() -> Draft4Validator:
    assert SARIF_SCHEMA.is_file(), f"the vendored SARIF schema is missing: {SARIF_SCHEMA}"
    return Draft4Validator(json.loads(SARIF_SCHEMA.read_text(encoding="utf-8")))


def sarif_of(report: Report) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(SarifRenderer().render(report))
    return doc


def assert_valid_for_github(doc: dict[str, Any], validator: Draft4Validator) -> None:
    assert [e.message for e in validator.iter_errors(doc)] == []
    assert github_ingestion_problems(doc) == []


def checked(monkeypatch: pytest.MonkeyPatch, **source: Path) -> Report:
    monkeypatch.chdir(ROOT)  # paths are shown relative to the working folder: the repository root, as in CI
    return run_check(CheckRequest(**source))  # type: ignore[arg-type]


@pytest.mark.slow
def test_program(monkeypatch: pytest.MonkeyPatch, validator: Draft4Validator) -> None:
    doc = sarif_of(checked(monkeypatch, program_dir=Path("examples/noncompliant")))
    assert_valid_for_github(doc, validator)
    run = doc["runs"][0]
    assert category_of(run["automationDetails"]["id"]) == "clearance/planned/program-examples-noncompliant-stack-dev"
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert "examples/noncompliant/__main__.py" in uris and all(u.startswith("examples/noncompliant/") for u in uris)
    assert len(run["results"]) > 100


@pytest.mark.parametrize(("option", "fixture", "view"), [
    ("preview", "tests/fixtures/preview/v7_bucket_with_sse_side_resource.json", "planned"),
    ("state", "tests/fixtures/state/v6_kms_sse_v2_side_resource_sg_secret_rds.json", "state"),
])
def test_preview_and_state(monkeypatch: pytest.MonkeyPatch, validator: Draft4Validator, option: str, fixture: str,
                           view: str) -> None:
    doc = sarif_of(checked(monkeypatch, **{option: Path(fixture)}))
    assert_valid_for_github(doc, validator)
    run = doc["runs"][0]
    assert category_of(run["automationDetails"]["id"]) == f"clearance/{view}/{option}-{slug(fixture)}"
    assert run["results"], "the fixture has failing resources: an empty run would prove nothing"


def live_finding(control: str, asset_id: str, name: str, location: Location | None = None) -> Finding:
    return Finding(control_id=control, severity=Severity.HIGH, status=Status.FAIL, asset_kind="s3.bucket",
                   asset_id=asset_id, asset_name=name, source=SourceKind.LIVE,
                   message=f"Bucket {name} allows public ACLs", fingerprint=f"fp-{name}", location=location)


def live_report(make_report: Callable[..., Report], *findings: Finding, regions: str = "eu-west-1") -> Report:
    key = f"account {ACCOUNT} ({regions})"
    return make_report(findings=findings, view=SourceKind.LIVE, target=f"{key} at https://127.0.0.1:4566",
                       key=key, artifact=None)


def test_live_scan(make_report: Callable[..., Report], validator: Draft4Validator) -> None:
    linked = live_finding("S3-01", BUCKET_ARN, "shop-logs", Location("infra/components/storage.py", 42))
    unlinked = live_finding("S3-01", "arn:aws:s3:::console-made", "console-made")
    doc = sarif_of(live_report(make_report, linked, unlinked))
    assert_valid_for_github(doc, validator)
    run = doc["runs"][0]
    assert category_of(run["automationDetails"]["id"]) == f"clearance/live/account-{ACCOUNT}-eu-west-1"
    (result,) = run["results"]  # the bucket no program declares has no place in code scanning
    (location,) = result["locations"]
    physical = location["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "infra/components/storage.py"
    assert physical["region"]["startLine"] == 42
    assert location["logicalLocations"] == [{"name": "shop-logs", "fullyQualifiedName": BUCKET_ARN,
                                             "kind": "resource", "properties": {"asset_kind": "s3.bucket"}}]
    notes = [n["message"]["text"] for n in run["invocations"][0]["toolExecutionNotifications"]]
    assert any(n.startswith("1 result left out: no file of the repository declares the resource") for n in notes)
    assert "Pulumi.yaml" not in json.dumps(doc)


def test_categories_differ_per_target_and_are_stable(make_report: Callable[..., Report]) -> None:
    finding = live_finding("S3-01", BUCKET_ARN, "shop-logs", Location("infra/__main__.py", 3))
    ids = {
        "eu": live_report(make_report, finding),
        "eu-again": dataclasses.replace(live_report(make_report, finding),
                                        generated_at=make_report().generated_at.replace(year=2027),
                                        target=f"account {ACCOUNT} (eu-west-1) at https://127.0.0.1:9999"),
        "us": live_report(make_report, finding, regions="us-east-1"),
        "infra": make_report(),
        "other program": make_report(target="program other/ (stack dev)"),
        "other stack": make_report(target="program infra/ (stack prod)"),
        "state": make_report(view=SourceKind.STATE, target="state stack.json"),
    }
    categories = {name: category_of(sarif_of(r)["runs"][0]["automationDetails"]["id"]) for name, r in ids.items()}
    assert categories.pop("eu-again") == categories["eu"]  # another time and sandbox port: the same category
    assert len(set(categories.values())) == len(categories), categories


def test_sarif_category_option_wins(make_report: Callable[..., Report]) -> None:
    doc = sarif_of(make_report(sarif_category="iac/prod/"))
    assert doc["runs"][0]["automationDetails"]["id"] == "iac/prod/2026-05-04T09:30:00Z"
    assert sarif_category(make_report(sarif_category=" / ")) == "clearance/planned/program-infra-stack-dev"


def test_check_takes_sarif_category(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                    validator: Draft4Validator) -> None:
    from typer.testing import CliRunner

    from checks.cli import app

    monkeypatch.chdir(ROOT)
    fixture = "tests/fixtures/preview/v7_bucket_with_sse_side_resource.json"
    for extra, category in (([], f"clearance/planned/preview-{slug(fixture)}"),
                            (["--sarif-category", "iac/preview"], "iac/preview")):
        out = tmp_path / str(len(extra))
        result = CliRunner().invoke(app, ["check", "--preview", fixture, "--format", "sarif", "--out", str(out),
                                          "--quiet", *extra])
        assert result.exit_code == 1, result.output  # the fixture has failing resources
        doc = json.loads((out / "clearance.sarif").read_text(encoding="utf-8"))
        assert_valid_for_github(doc, validator)
        assert category_of(doc["runs"][0]["automationDetails"]["id"]) == category


def test_long_targets_keep_distinct_slugs() -> None:
    a, b = slug("program " + "x" * 300 + " (stack a)"), slug("program " + "x" * 300 + " (stack b)")
    assert a != b and len(a) == len(b) == 100


def test_driver_metadata(make_report: Callable[..., Report]) -> None:
    driver = sarif_of(make_report(tool_version="1.4.0-rc.1"))["runs"][0]["tool"]["driver"]
    assert (driver["name"], driver["version"], driver["semanticVersion"]) == ("clearance", "1.4.0-rc.1", "1.4.0-rc.1")
    driver = sarif_of(make_report(tool_version="0.2.dev3+g1a2b3c"))["runs"][0]["tool"]["driver"]
    assert driver["version"] == "0.2.dev3+g1a2b3c" and "semanticVersion" not in driver  # PEP 440, not SemVer


@pytest.mark.parametrize(("path", "uri"), [
    ("infra/__main__.py", "infra/__main__.py"),
    ("./infra\\stacks\\main.py", "infra/stacks/main.py"),
    ("my infra/main#1.py", "my%20infra/main%231.py"),
    ("prod:eu/main.py", "prod%3Aeu/main.py"),
    ("infra/名前.py", "infra/%E5%90%8D%E5%89%8D.py"),
    ("/home/ci/infra/__main__.py", None),
    ("C:\\work\\infra\\__main__.py", None),
    ("../elsewhere/__main__.py", None),
    ("file:///home/ci/__main__.py", None),
    ("", None),
])
def test_only_repository_paths_become_uris(path: str, uri: str | None) -> None:
    assert repository_path(path) == uri
    if uri is not None:
        assert uri_problem(uri) is None


def test_results_carry_baseline_state(make_report: Callable[..., Report], validator: Draft4Validator) -> None:
    base = make_report()
    known = {f.fingerprint for f in base.findings if f.control_id == "NET-01"}
    findings = tuple(dataclasses.replace(f, in_baseline=f.fingerprint in known) for f in base.findings)
    doc = sarif_of(make_report(findings=findings, baseline="clearance-baseline.json",
                               baseline_gone=("S3-09 arn:aws:s3:::gone",)))
    assert_valid_for_github(doc, validator)
    run = doc["runs"][0]
    states = {(r["ruleId"], r["baselineState"]) for r in run["results"] if r["ruleId"] in ("NET-01", "KEY-01")}
    assert states == {("NET-01", "unchanged"), ("KEY-01", "new")}
    assert run["properties"]["baseline_gone"] == ["S3-09 arn:aws:s3:::gone"]
    assert all("baselineState" not in r for r in sarif_of(base)["runs"][0]["results"])


def test_the_checker_finds_what_github_rejects(make_report: Callable[..., Report]) -> None:
    """The rules above prove something only if the checker fails on the documents GitHub rejects."""
    good = sarif_of(make_report())
    assert github_ingestion_problems(good) == []
    cases: dict[str, Callable[[dict[str, Any]], object]] = {
        "uri '/abs/main.py' is an absolute path": lambda r: _first_physical(r).update(
            artifactLocation={"uri": "/abs/main.py"}),
        "uri 'file:///w/main.py' is an absolute URI": lambda r: _first_physical(r).update(
            artifactLocation={"uri": "file:///w/main.py"}),
        "has no physicalLocation": lambda r: r["results"][0]["locations"][0].pop("physicalLocation"),
        "has 0 locations": lambda r: r["results"][0].update(locations=[]),
        "is not a rule of the driver": lambda r: r["results"][0].update(ruleId="NOPE-01"),
        "names no category": lambda r: r.update(automationDetails={"id": "no-category"}),
        "has no version": lambda r: [r["tool"]["driver"].pop(k) for k in ("version", "semanticVersion")],
        "is not a score string": lambda r: r["tool"]["driver"]["rules"][0]["properties"].update(
            {"security-severity": 9.5}),
        "only 'none' is allowed": lambda r: next(x for x in r["results"] if x["kind"] == "review").update(
            level="note"),
    }
    for expected, break_it in cases.items():
        doc = copy.deepcopy(good)
        break_it(doc["runs"][0])
        problems = github_ingestion_problems(doc)
        assert any(expected in p for p in problems), (expected, problems)


def _first_physical(run: dict[str, Any]) -> dict[str, Any]:
    physical: dict[str, Any] = run["results"][0]["locations"][0]["physicalLocation"]
    return physical
