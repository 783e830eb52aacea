"""Markdown for pull-request comments and job summaries: content, escaping and GitHub's size limits."""

from __future__ import annotations

import re
from collections.abc import Callable

from checks.model import Finding, Status
from checks.report import Report
from reports.markdown import COMMENT_LIMIT, MarkdownRenderer, code_cell, escape_cell, render_markdown
from tests.reports.conftest import partly_evidenced

_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")

# the sample report has one error result: its verdict says it is incomplete
VERDICT = ("INCOMPLETE: 1 result could not be evaluated (data not read); "
           "3 findings at or above high among the rest")


def cells(row: str) -> list[str]:
    """The cells of a GFM table row, split on unescaped pipes."""
    return [c.strip() for c in _UNESCAPED_PIPE.split(row.strip())[1:-1]]


def section(text: str, heading: str) -> str:
    """From `heading` to the next heading or <details> block."""
    start = text.index(heading)
    ends = [e for e in (text.find("\n### ", start + 1), text.find("\n<details>", start + 1)) if e >= 0]
    return text[start:min(ends)] if ends else text[start:]


def test_title_badge_and_summary_table(report: Report) -> None:
    text = MarkdownRenderer().render(report)
    lines = text.splitlines()
    assert lines[0] == f"## clearance: {VERDICT}"
    assert lines[2].startswith("**Result: FAIL**")
    assert "evaluation incomplete: 1 unknown, 1 error" in lines[2]
    assert "view: planned" in lines[2] and "11 assets" in lines[2]
    summary = section(text, "### Summary").splitlines()
    header = cells(next(line for line in summary if line.startswith("| Severity")))
    assert header == ["Severity", "fail", "error", "unknown", "waived", "pass", "n/a", "total"]
    rows = {cells(line)[0]: cells(line)[1:] for line in summary if line.startswith("| ") and "---" not in line}
    assert rows["critical"] == ["1", "0", "0", "1", "1", "0", "3"]
    assert rows["high"] == ["2", "1", "0", "0", "1", "1", "5"]
    assert rows["**total**"] == ["**5**", "**1**", "**1**", "**2**", "**3**", "**2**", "**14**"]


def test_failing_table_is_sorted_by_severity(report: Report) -> None:
    failing = section(MarkdownRenderer().render(report), "### Failing findings")
    assert failing.startswith("### Failing findings (5)")
    rows = [cells(line) for line in failing.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert [r[0] for r in rows] == ["critical", "high", "high", "medium", "low"]
    assert [r[1].split("**")[1] for r in rows] == ["NET-01", "KEY-01", "S3-01", "S3-02", "TAG-01"]
    net = rows[0]
    assert net[2] == "web-sg (`ec2.security_group`)"
    assert net[3] == "`infra/__main__.py:40`"
    assert net[4] == "Security group web-sg allows 0.0.0.0/0 on port 22"
    assert rows[2][3] == ""  # S3-01 on shop-logs has no source location


def test_details_for_incomplete_and_waived_then_not_checked(report: Report) -> None:
    text = MarkdownRenderer().render(report)
    assert "<summary>Could not evaluate: 1 unknown, 1 error</summary>\n\n| Status" in text
    assert "| error | **KEY-01** Customer-managed KMS keys rotate automatically | legacy-key (`kms.key`) |  | " \
           "AccessDenied kms:GetKeyRotationStatus |" in text
    assert "<summary>Waived (2)</summary>" in text
    waived = text[text.index("<summary>Waived"):]
    waived = waived[: waived.index("</details>")]
    assert "| alice@example.com | 2026-12-31 |" in waived and "Deployer needs admin until the split lands" in waived
    order = [text.index(s) for s in ("### Failing", "Could not evaluate", "Waived (2)", "### Not checked")]
    assert order == sorted(order)
    assert "| `aws:sqs/queue:Queue` | 2 |" in text
    assert "- waiver for S3-01 on old-bucket expired on 2026-01-31" in text
    assert "- checkov is not installed: its checks were skipped" in text


def test_passing_report_says_so(make_report: Callable[..., Report], make_finding: Callable[..., Finding]) -> None:
    clean = (make_finding("S3-01", Status.PASS, "b", "b", "ok"),)
    text = MarkdownRenderer().render(make_report(findings=clean, unsupported={}, waiver_problems=(), warnings=()))
    assert text.startswith("## clearance: no findings at or above high\n")
    assert "**Result: PASS** · evaluation complete" in text
    assert "### Failing findings\n\nNone." in text
    assert "<details>" not in text and "Not checked" not in text


def test_cells_escape_pipes_newlines_html_and_markup() -> None:
    assert escape_cell("a|b") == "a\\|b"
    assert escape_cell("one\ntwo\r\nthree") == "one<br>two<br>three"
    assert escape_cell("<script>x</script> & *bold* _it_ `code` [link](u)") == (
        "\\<script\\>x\\</script\\> &amp; \\*bold\\* \\_it\\_ \\`code\\` \\[link\\](u)"
    )
    assert escape_cell("x" * 600).endswith("...") and len(escape_cell("x" * 600)) == 500


def test_hostile_message_stays_in_its_cell(
    make_report: Callable[..., Report], make_finding: Callable[..., Finding]
) -> None:
    f = make_finding("S3-01", Status.FAIL, "b|x", "b|x", "ports 22|3389\nopen <img src=x>")
    text = MarkdownRenderer().render(make_report(findings=(f,)))
    row = next(line for line in text.splitlines() if line.startswith("| high | **S3-01**"))
    assert len(cells(row)) == 5
    assert cells(row)[4] == "ports 22\\|3389<br>open \\<img src=x\\>"
    assert cells(row)[2] == "b\\|x (`s3.bucket`)"


def test_large_reports_are_cut_to_fit(make_report: Callable[..., Report], make_many: Callable[..., tuple]) -> None:
    report = make_report(findings=make_many(20_000))
    full = render_markdown(report, max_bytes=10 * 1024 * 1024)
    assert "bucket-19999" in full and "shortened" not in full
    summary = render_markdown(report)  # the step-summary budget (1 MiB)
    assert 65_536 < len(summary.encode()) <= 1024 * 1024
    comment = render_markdown(report, max_bytes=COMMENT_LIMIT)
    assert len(comment.encode()) <= COMMENT_LIMIT
    assert "### Failing findings (20000)" in comment
    assert re.search(r"_\.\.\. and \d+ more \(shortened to fit GitHub's size limit\)_", comment)
    assert "the full list is in clearance.json" in comment
    assert comment.rstrip().endswith("clearance.sarif._")


def test_the_written_file_fits_a_pull_request_comment(make_report: Callable[..., Report],
                                                      make_many: Callable[..., tuple]) -> None:
    """clearance.md is offered for pull-request comments: GitHub refuses a comment body over 65,536 characters."""
    assert COMMENT_LIMIT == 65_536
    text = MarkdownRenderer().render(make_report(findings=make_many(5_000)))
    assert len(text) <= 65_536 and len(text.encode()) <= 65_536
    assert "### Failing findings (5000)" in text
    assert text.rstrip().endswith("_Tables are cut at 200 rows to fit GitHub's size limit; the full list is in "
                                  "clearance.json and clearance.sarif._")
    small = make_report()
    assert MarkdownRenderer().render(small) == render_markdown(small)  # a report that fits is not cut


def test_hard_cut_when_nothing_else_fits(report: Report) -> None:
    text = render_markdown(report, max_bytes=400)
    assert len(text.encode()) <= 400
    assert text.startswith(f"## clearance: {VERDICT}")
    assert text.rstrip().endswith("the full report is in clearance.json._")


def test_control_characters_are_dropped() -> None:
    assert escape_cell("a\x1b[31mred\x07\tb") == "a\\[31mred b"
    assert code_cell("infra/__main__.py:3") == "`infra/__main__.py:3`"
    assert code_cell("x\x1by") == "xy"
    assert code_cell("a|b") == "`a\\|b`"


# --- compliance coverage -------------------------------------------------------------------------------------


def test_no_frameworks_no_coverage_sections(report: Report) -> None:
    text = MarkdownRenderer().render(report)
    assert "Compliance coverage" not in text and "Coverage by requirement" not in text


def test_coverage_table_follows_the_summary(covered_report: Report) -> None:
    text = MarkdownRenderer().render(covered_report)
    table = section(text, "### Compliance coverage").splitlines()
    header = cells(next(line for line in table if line.startswith("| Framework")))
    assert header == ["Framework", "fail", "incomplete", "partial", "pass", "no-data", "manual", "requirements"]
    rows = {cells(line)[0]: cells(line)[1:] for line in table if line.startswith("| **")}
    assert rows["**soc2** SOC 2 (2017 Trust Services Criteria)"] == ["**3**", "0", "0", "2", "0", "2", "7"]
    assert rows["**nist\\_800\\_53** NIST SP 800-53 Revision 5"] == ["**1**", "0", "0", "1", "0", "1", "3"]
    order = [text.index(s) for s in ("### Summary", "### Compliance coverage", "### Failing findings",
                                     "### Not checked", "### Coverage by requirement", "### Waiver problems")]
    assert order == sorted(order)


def test_one_details_table_per_framework(covered_report: Report) -> None:
    text = MarkdownRenderer().render(covered_report)
    by_req = text[text.index("### Coverage by requirement"):]
    # HTML in <summary>: no Markdown backslashes there
    assert "<summary>nist_800_53: NIST SP 800-53 Revision 5 (3 requirements: 1 fail, 1 pass, 1 manual)</summary>" \
        in by_req
    soc2 = by_req[by_req.index("<summary>soc2: SOC 2"):]
    soc2 = soc2[: soc2.index("</details>")]
    assert "| Requirement | Title | Controls | Status |" in soc2
    rows = {cells(line)[0]: cells(line)[1:] for line in soc2.splitlines() if line.startswith("| `")}
    assert list(rows) == ["`CC6.1`", "`CC6.3`", "`CC6.6`", "`CC7.2`", "`CC7.3`", "`CC9.2`", "`A1.2`"]
    assert rows["`CC6.1`"] == ["Logical access security software, infrastructure and architectures",
                               "IAM-01, **KEY-01** (fail), **S3-01** (fail)", "**fail**"]
    assert rows["`CC6.3`"][1:] == ["IAM-01", "pass"]
    assert rows["`CC9.2`"][1:] == ["none", "manual"]


def test_a_partly_evidenced_requirement_is_not_shown_as_met(make_report: Callable[..., Report]) -> None:
    text = MarkdownRenderer().render(make_report(frameworks=partly_evidenced()))
    table = section(text, "### Compliance coverage")
    assert "_partial_ its controls pass but evidence it only in part" in table
    rows = {cells(line)[0]: cells(line)[1:] for line in table.splitlines() if line.startswith("| **")}
    assert rows["**soc2** SOC 2 (2017 Trust Services Criteria)"] == ["**3**", "0", "1", "1", "0", "2", "7"]
    by_req = text[text.index("<summary>soc2: SOC 2"):]
    assert "(7 requirements: 3 fail, 1 partial, 1 pass, 2 manual)</summary>" in by_req
    reqs = {cells(line)[0]: cells(line)[1:] for line in by_req.splitlines() if line.startswith("| `")}
    assert reqs["`CC6.3`"] == ["Access based on roles and least privilege<br>*partial evidence:* roles are checked, "
                               "not who holds them", "IAM-01", "partial"]
    assert reqs["`CC6.1`"][2] == "**fail**" and "*partial evidence:* a proxy" in reqs["`CC6.1`"][0]
    assert reqs["`CC6.6`"][0] == "Protection against threats from outside the system boundaries"


def test_coverage_rows_are_cut_with_the_rest(covered_report: Report, make_many: Callable[..., tuple]) -> None:
    import dataclasses

    big = dataclasses.replace(covered_report, findings=covered_report.findings + make_many(5_000))
    comment = render_markdown(big, max_bytes=COMMENT_LIMIT)
    assert len(comment.encode()) <= COMMENT_LIMIT
    assert "### Compliance coverage" in comment and "| **soc2** SOC 2" in comment


def test_details_summary_is_html_text() -> None:
    from reports.markdown import html_text

    assert html_text("cis_aws_v3: a <b> & *c*\nd\x1b[1m") == "cis_aws_v3: a &lt;b&gt; &amp; *c* d[1m"
