"""Per-account rollups (issue 14): `Report.accounts` worst first with its counts, and how each format shows the
accounts: the JSON `accounts` list and each finding's account and region (schema 1.5), a "By account" table in the
console and Markdown reports when the findings span two or more accounts, SARIF result properties."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from checks.model import Finding, Severity, SourceKind, Status
from checks.report import AccountRollup, Report, account_rollups
from reports.console import ConsoleRenderer
from reports.json import JsonRenderer, report_schema_path
from reports.markdown import MarkdownRenderer, render_markdown
from reports.sarif import sarif_document
from tests.reports.conftest import build_report, finding

A, B, C, D, E = "111111111111", "222222222222", "333333333333", "444444444444", "555555555555"
SEVERITY_OF = {"NET-01": Severity.CRITICAL, "S3-01": Severity.HIGH, "S3-02": Severity.MEDIUM, "TAG-01": Severity.LOW}


def at(account: str | None, control: str, status: Status, n: int = 1, *, region: str | None = "eu-west-1",
       baseline: bool = False) -> list[Finding]:
    """`n` findings of `control` in `account`, each on its own live asset."""
    out = []
    for i in range(n):
        asset = f"arn:aws:s3:::{account}-{control}-{status.value}-{i}"
        f = finding(control, status, asset, asset.rsplit(":", 1)[-1], f"{control} on {asset}", line=1)
        out.append(dataclasses.replace(f, source=SourceKind.LIVE, location=None, account=account, region=region,
                                       in_baseline=baseline))
    return out


def org_findings() -> tuple[Finding, ...]:
    return (
        *at(A, "NET-01", Status.FAIL), *at(A, "S3-01", Status.PASS, 3),
        *at(B, "S3-01", Status.FAIL, 3), *at(B, "TAG-01", Status.FAIL, 2),
        *at(C, "S3-02", Status.ERROR, 2, region=None), *at(C, "S3-01", Status.UNKNOWN),
        *at(D, "S3-01", Status.PASS, 2),
        *at(E, "NET-01", Status.FAIL), *at(E, "S3-01", Status.FAIL),
        *at(None, "NET-01", Status.FAIL, 4),   # no known account: in no rollup
    )


def org_report(**changes: Any) -> Report:
    return build_report(findings=org_findings(), view=SourceKind.LIVE, **changes)


def test_rollups_worst_first_with_their_counts() -> None:
    accounts = org_report().accounts
    assert [r.account for r in accounts] == [E, A, B, C, D]  # critical fails, then high ..., then errors, then id
    e, a, b, c, d = accounts
    assert dict(e.fail_by_severity) == {Severity.CRITICAL: 1, Severity.HIGH: 1, Severity.MEDIUM: 0, Severity.LOW: 0}
    assert (a.by_status[Status.FAIL], a.by_status[Status.PASS], a.findings) == (1, 3, 4)
    assert dict(b.fail_by_severity) == {Severity.CRITICAL: 0, Severity.HIGH: 3, Severity.MEDIUM: 0, Severity.LOW: 2}
    assert (c.by_status[Status.ERROR], c.by_status[Status.UNKNOWN], c.findings) == (2, 1, 3)
    assert d.by_status == {s: (2 if s is Status.PASS else 0) for s in Status}
    assert sum(r.findings for r in accounts) == len(org_findings()) - 4


def test_ties_go_by_account_id_and_errors_rank_below_fails() -> None:
    found = (*at(D, "TAG-01", Status.FAIL), *at(B, "TAG-01", Status.FAIL), *at(C, "S3-02", Status.ERROR, 5),
             *at(A, "S3-01", Status.PASS))
    assert [r.account for r in account_rollups(found)] == [B, D, C, A]


def test_failing_follows_the_threshold_and_the_baseline() -> None:
    found = (*at(A, "NET-01", Status.FAIL), *at(A, "S3-01", Status.FAIL, baseline=True), *at(A, "TAG-01", Status.FAIL))
    (rollup,) = account_rollups(found, Severity.HIGH)
    assert rollup.failing == 1                      # the low fail is under the threshold, the high one in the baseline
    assert rollup.by_status[Status.FAIL] == 3 and rollup.fail_by_severity[Severity.HIGH] == 1
    assert account_rollups(found)[0].failing == 2   # no threshold: the low fail counts too
    report = build_report(findings=found, fail_on=Severity.HIGH)
    assert report.accounts[0].failing == report.failing_count


def test_accounts_are_computed_once_and_empty_without_accounts() -> None:
    report = org_report()
    assert report.accounts is report.accounts
    assert isinstance(report.accounts[0], AccountRollup)
    assert build_report().accounts == ()           # a planned view: no finding knows its account


# --- JSON --------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = json.loads(report_schema_path().read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def test_json_carries_accounts_and_each_findings_account_and_region(validator: Draft202012Validator) -> None:
    doc = json.loads(JsonRenderer().render(org_report()))
    assert [e.message for e in validator.iter_errors(doc)] == []
    assert doc["schema_version"] == "1.5"
    assert [a["account"] for a in doc["accounts"]] == [E, A, B, C, D]
    assert doc["accounts"][2] == {
        "account": B, "failing": 3, "findings": 5,
        "by_status": {"fail": 5, "error": 0, "unknown": 0, "waived": 0, "pass": 0, "not_applicable": 0},
        "fail_by_severity": {"critical": 0, "high": 3, "medium": 0, "low": 2}}
    where = {(f["asset"]["id"].rsplit(":", 1)[-1]): (f["account"], f["region"]) for f in doc["findings"]}
    assert where[f"{C}-S3-02-error-0"] == (C, None)
    assert where[f"{A}-NET-01-fail-0"] == (A, "eu-west-1")
    assert where["None-NET-01-fail-0"] == (None, "eu-west-1")


def test_json_without_accounts_has_an_empty_list(validator: Draft202012Validator) -> None:
    doc = json.loads(JsonRenderer().render(build_report()))
    assert doc["accounts"] == []
    assert {(f["account"], f["region"]) for f in doc["findings"]} == {(None, None)}
    assert [e.message for e in validator.iter_errors(doc)] == []


def test_schema_rejects_a_malformed_account_entry(validator: Draft202012Validator) -> None:
    doc = json.loads(JsonRenderer().render(org_report()))
    doc["accounts"][0]["fail_by_severity"]["critical"] = -1
    del doc["accounts"][1]["by_status"]
    doc["findings"][0]["account"] = ""
    doc["findings"][1]["region"] = 3
    assert len(list(validator.iter_errors(doc))) == 4


def test_a_14_document_still_validates(validator: Draft202012Validator) -> None:
    """Readers of 1.x: a document written before 1.5 has no accounts, account or region; the schema accepts it."""
    doc = json.loads(JsonRenderer().render(org_report()))
    doc["schema_version"] = "1.4"
    del doc["accounts"]
    for f in doc["findings"]:
        del f["account"], f["region"]
    assert [e.message for e in validator.iter_errors(doc)] == []


# --- console and Markdown ----------------------------------------------------------------------------------------


def table_rows(text: str, heading: str) -> list[list[str]]:
    """The rows of the table under `heading`, each split into cells, up to the next blank line after it."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    rows = []
    for line in lines[start + 1:]:
        cells = [c.strip("`") for c in line.replace("|", " ").split()]
        if cells and cells[0].isdigit() and len(cells[0]) == 12:
            rows.append(cells)
        elif rows and not line.strip():
            break
    return rows


def test_console_shows_accounts_worst_first() -> None:
    text = ConsoleRenderer().render(org_report())
    assert "By account (failing results by severity; worst first):" in text
    rows = table_rows(text, "By account")
    assert [r[0] for r in rows] == [E, A, B, C, D]
    assert rows[2] == [B, "0", "3", "0", "2", "0", "0", "0", "5"]  # critical high medium low error unknown pass total
    assert rows[3] == [C, "0", "0", "0", "0", "2", "1", "0", "3"]
    assert text.index("By account") < text.index("NET-01")  # after the summary, before the findings


def test_console_lists_ten_accounts_and_counts_the_rest() -> None:
    found = tuple(f for i in range(13) for f in at(f"{i:012d}", "S3-01", Status.FAIL, 13 - i))
    text = ConsoleRenderer().render(build_report(findings=found))
    rows = table_rows(text, "By account")
    assert [r[0] for r in rows] == [f"{i:012d}" for i in range(10)]  # the most high fails first
    assert "3 more accounts in the JSON report" in text


def test_one_account_shows_no_table() -> None:
    one = tuple(f for f in org_findings() if f.account in (A, None))
    report = build_report(findings=one)
    assert len(report.accounts) == 1
    assert "By account" not in ConsoleRenderer().render(report)
    assert "By account" not in MarkdownRenderer().render(report)
    assert "By account" not in ConsoleRenderer().render(build_report())  # no account at all


def test_markdown_shows_the_same_table() -> None:
    text = MarkdownRenderer().render(org_report())
    assert "### By account (5)" in text
    assert "| account | critical | high | medium | low | error | unknown | pass | total |" in text
    rows = table_rows(text, "### By account")
    assert [r[0] for r in rows] == [E, A, B, C, D]
    assert f"| `{B}` | 0 | 3 | 0 | 2 | 0 | 0 | 0 | 5 |" in text
    assert text.index("### By account") < text.index("### Failing findings")


def test_markdown_cuts_the_account_table_like_the_others() -> None:
    found = tuple(f for i in range(300) for f in at(f"{i:012d}", "S3-01", Status.FAIL))
    full = render_markdown(build_report(findings=found))
    assert len(table_rows(full, "### By account")) == 300
    cut = render_markdown(build_report(findings=found), 20_000)
    kept = table_rows(cut, "### By account")
    assert 0 < len(kept) < 300 and len(cut.encode()) <= 20_000
    assert f"_... and {300 - len(kept)} more (shortened to fit GitHub's size limit)_" in cut


# --- SARIF -------------------------------------------------------------------------------------------------------


def test_sarif_results_carry_account_and_region_when_known() -> None:
    report = org_report(artifact="infra/Pulumi.yaml")
    results = sarif_document(report)["runs"][0]["results"]
    props = {r["properties"]["asset_id"].rsplit(":", 1)[-1]: r["properties"] for r in results}
    assert (props[f"{A}-NET-01-fail-0"]["account"], props[f"{A}-NET-01-fail-0"]["region"]) == (A, "eu-west-1")
    assert props[f"{C}-S3-02-error-0"]["account"] == C and "region" not in props[f"{C}-S3-02-error-0"]
    assert "account" not in props["None-NET-01-fail-0"]
    planned = sarif_document(build_report())["runs"][0]["results"]
    assert all("account" not in r["properties"] and "region" not in r["properties"] for r in planned)
