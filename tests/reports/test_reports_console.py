"""The console report: what is listed, what is only counted, and readability at 10,000 findings."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

from rich.console import Console

from checks.model import Finding, Status
from checks.report import Report
from reports.console import ConsoleRenderer, print_report, verdict_line
from tests.reports.conftest import partly_evidenced

ANSI = re.compile(r"\x1b\[[0-9;]*m")

# the sample report has one error result: its verdict says it is incomplete
VERDICT = ("INCOMPLETE: 1 result could not be evaluated (data not read); "
           "3 findings at or above high among the rest")


def terminal(width: int = 200) -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, width=width, force_terminal=True, color_system="truecolor"), buffer


def test_header_and_summary(report: Report) -> None:
    text = ConsoleRenderer().render(report)
    first, second = text.splitlines()[:2]
    assert first == "clearance 0.1.0 - planned view of program infra/ (stack dev)"
    assert second == "11 assets checked at 2026-05-04 09:30:00+00:00; fail on high"
    header = next(line for line in text.splitlines() if "severity" in line and "fail" in line)
    assert header.split() == ["severity", "fail", "error", "unknown", "waived", "pass", "n/a", "total"]
    rows = {line.split()[0]: line.split()[1:] for line in text.splitlines()
            if line.split() and line.split()[0] in {"critical", "high", "medium", "low", "total"}}
    assert rows["high"] == ["2", "1", "0", "0", "1", "1", "5"]
    assert rows["total"] == ["5", "1", "1", "2", "3", "2", "14"]


def test_findings_are_grouped_by_control(report: Report) -> None:
    lines = ConsoleRenderer().render(report).splitlines()
    headings = [line for line in lines if re.match(r"^[A-Z0-9]+-\d+ \[", line)]
    assert [h.split()[0] for h in headings] == ["IAM-01", "NET-01", "KEY-01", "S3-01", "S3-02", "TAG-01"]
    assert headings[2] == "KEY-01 [high] Customer-managed KMS keys rotate automatically  (1 fail, 1 error, 1 n/a)"
    text = "\n".join(lines)
    assert "    FAIL    infra/__main__.py:40  web-sg  Security group web-sg allows 0.0.0.0/0 on port 22" in text
    # no source location: the asset id stands in
    assert "    FAIL    arn:aws:s3:::shop-logs  shop-logs  Bucket shop-logs allows public ACLs" in text
    assert "legacy-key  Key legacy-key rotation could not be read -- AccessDenied kms:GetKeyRotationStatus" in text
    assert "versioning.enabled is unknown at plan time" in text
    assert "ci-deployer  waived by alice@example.com until 2026-12-31: Deployer needs admin" in text


def test_pass_and_not_applicable_are_only_counted(report: Report) -> None:
    text = ConsoleRenderer().render(report)
    for name in ("db-sg", "db-main", "shop-tmp", "aws/s3"):
        assert name not in text
    assert "PASS" not in text and "NOT_APPLICABLE" not in text
    assert "2 controls with nothing to report (pass or not applicable only): RDS-01, LOG-01" in text


def test_tail_lists_unsupported_waiver_problems_warnings_and_verdict(report: Report) -> None:
    lines = ConsoleRenderer().render(report).rstrip().splitlines()
    text = "\n".join(lines)
    assert "    aws:sqs/queue:Queue x2" in text and "does not model yet" in text
    assert "    aws:lambda/function:Function x1" in text
    assert "waiver for S3-01 on old-bucket expired on 2026-01-31" in text
    assert "checkov is not installed: its checks were skipped" in text
    assert lines[-2:] == [VERDICT, "evaluation incomplete: 1 unknown, 1 error"]


def test_clean_report_verdict(make_report: Callable[..., Report], make_finding: Callable[..., Finding]) -> None:
    clean = (make_finding("S3-01", Status.PASS, "b", "b", "ok"),)
    text = ConsoleRenderer().render(make_report(findings=clean, unsupported={}, waiver_problems=(), warnings=()))
    assert text.rstrip().splitlines()[-1] == "no findings at or above high"
    assert "evaluation incomplete" not in text and "not checked" not in text


def test_file_is_plain_and_terminal_is_coloured(report: Report) -> None:
    plain = ConsoleRenderer().render(report)
    assert not ANSI.search(plain)
    console, buffer = terminal()
    print_report(report, console)
    coloured = buffer.getvalue()
    assert ANSI.search(coloured)
    assert "3 findings at or above high" in ANSI.sub("", coloured)


def test_markup_in_messages_is_printed_literally(
    make_report: Callable[..., Report], make_finding: Callable[..., Finding]
) -> None:
    f = make_finding("S3-01", Status.FAIL, "b", "[bold]b[/bold]", "policy [red]allows[/red] :smile: *")
    console, buffer = terminal()
    print_report(make_report(findings=(f,)), console)
    assert "[bold]b[/bold]  policy [red]allows[/red] :smile: *" in ANSI.sub("", buffer.getvalue())


def test_ten_thousand_findings_stay_readable(
    make_report: Callable[..., Report], make_many: Callable[..., tuple[Finding, ...]]
) -> None:
    report = make_report(findings=make_many(9_000, "S3-01") + make_many(1_000, "NET-01"))
    console, buffer = terminal()
    print_report(report, console)
    shown = ANSI.sub("", buffer.getvalue())
    assert shown.count("    FAIL ") == 100
    assert "... and 8950 more" in shown and "... and 950 more" in shown
    assert len(shown.splitlines()) < 150
    full = ConsoleRenderer().render(report)
    assert full.count("    FAIL ") == 10_000
    assert "more (every finding" not in full
    assert "bucket-08999" in full


def test_verdict_line_for_quiet_mode(report: Report, make_report: Callable[..., Report],
                                     make_finding: Callable[..., Finding]) -> None:
    line = verdict_line(report)
    assert line.plain == VERDICT and "red" in str(line.style)
    passed = (make_finding("S3-01", Status.PASS, "b", "b", "ok"),)
    clean = verdict_line(make_report(findings=passed))
    assert clean.plain == "no findings at or above high" and "green" in str(clean.style)
    nothing = verdict_line(make_report(findings=()))
    assert nothing.plain.startswith("NOTHING CHECKED (11 assets checked; 3 resources of types no control covers")
    assert "yellow" in str(nothing.style)


def test_terminal_control_codes_in_messages_are_dropped(
    make_report: Callable[..., Report], make_finding: Callable[..., Finding]
) -> None:
    f = make_finding("S3-01", Status.FAIL, "b", "b", "evil \x1b[2Jclear\x07 bell")
    text = ConsoleRenderer().render(make_report(findings=(f,)))
    assert "\x1b" not in text and "\x07" not in text
    assert "evil [2Jclear bell" in text


def test_terminal_output_drops_escape_codes_too(
    make_report: Callable[..., Report], make_finding: Callable[..., Finding]
) -> None:
    f = make_finding("S3-01", Status.FAIL, "b", "b\x1b]0;title\x07", "two\nlines \x1b[2J")
    console, buffer = terminal()
    print_report(make_report(findings=(f,)), console)
    visible = ANSI.sub("", buffer.getvalue())
    assert "\x1b" not in visible and "\x07" not in visible
    assert "b]0;title  two lines [2J" in visible


# --- compliance coverage -------------------------------------------------------------------------------------


def coverage_rows(text: str) -> dict[str, list[str]]:
    """The compact coverage table: framework id -> [fail, incomplete, partial, pass, no-data, manual, requirements]."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:2] == ["framework", "fail"])
    assert lines[start].split() == ["framework", "fail", "incomplete", "partial", "pass", "no-data", "manual",
                                    "requirements"]
    rows: dict[str, list[str]] = {}
    for line in lines[start + 2:]:
        if not line.strip():
            break
        rows[line.split()[0]] = line.split()[1:]
    return rows


def test_no_frameworks_no_coverage(report: Report) -> None:
    text = ConsoleRenderer().render(report)
    assert "coverage" not in text.lower()


def test_coverage_summary_is_one_row_per_framework(covered_report: Report) -> None:
    text = ConsoleRenderer().render(covered_report)
    assert "Compliance coverage (requirements by status):" in text
    assert coverage_rows(text) == {"nist_800_53": ["1", "0", "0", "1", "0", "1", "3"],
                                   "soc2": ["3", "0", "0", "2", "0", "2", "7"]}
    # after the severity summary, before the findings
    assert text.index("Compliance coverage") < text.index("IAM-01 [critical]")


def test_file_lists_every_requirement_after_the_findings(covered_report: Report) -> None:
    text = ConsoleRenderer().render(covered_report)
    assert text.index("soc2: SOC 2 (2017 Trust Services Criteria)  (7 requirements: 3 fail, 2 pass, 2 manual)") \
        > text.index("TAG-01 [low]")
    rows = {line.split()[0]: line.split()[1:] for line in text.splitlines()
            if line.split() and line.split()[0] in {"CC6.1", "CC6.3", "CC7.3", "A1.2", "SC-12", "IR-4"}}
    assert rows["CC6.1"][:5] == ["fail", "IAM-01,", "KEY-01", "(fail),", "S3-01"]
    assert rows["CC6.3"][:2] == ["pass", "IAM-01"]
    assert rows["CC7.3"][:2] == ["manual", "-"]
    assert rows["A1.2"][:4] == ["fail", "RDS-01,", "S3-02", "(fail)"]
    assert rows["IR-4"][:2] == ["manual", "-"]
    # the file version needs no hint: the tables are there
    assert "--coverage" not in text
    assert text.rstrip().splitlines()[-2:] == [VERDICT,
                                               "evaluation incomplete: 1 unknown, 1 error"]


def test_terminal_shows_requirements_only_on_request(covered_report: Report) -> None:
    console, buffer = terminal()
    print_report(covered_report, console)
    compact = ANSI.sub("", buffer.getvalue())
    assert "soc2" in compact and "Per-requirement coverage: --coverage" in compact
    assert "CC6.3" not in compact
    console, buffer = terminal()
    print_report(covered_report, console, coverage=True)
    full = ANSI.sub("", buffer.getvalue())
    assert "CC6.3" in full and "Least Privilege" in full and "--coverage" not in full


def test_no_data_and_incomplete_requirements(
    make_report: Callable[..., Report], make_finding: Callable[..., Finding]
) -> None:
    from tests.reports.conftest import FRAMEWORKS

    only = (make_finding("KEY-01", Status.UNKNOWN, "k", "k", "rotation unknown", detail="unknown at plan time"),)
    text = ConsoleRenderer().render(make_report(findings=only, frameworks=FRAMEWORKS))
    assert coverage_rows(text) == {"nist_800_53": ["0", "1", "0", "0", "1", "1", "3"],
                                   "soc2": ["0", "1", "0", "0", "4", "2", "7"]}
    cc61 = next(line.strip() for line in text.splitlines() if line.strip().startswith("CC6.1"))
    assert cc61.split()[:5] == ["CC6.1", "incomplete", "IAM-01,", "KEY-01", "(incomplete),"]


def test_headline_says_incomplete_and_what_no_control_covers(report: Report) -> None:
    lines = ConsoleRenderer().render(report).splitlines()
    assert lines[2] == ("3 resources of types no control covers, not checked: aws:sqs/queue:Queue x2, "
                        "aws:lambda/function:Function x1")
    assert lines[3] == ("INCOMPLETE check: 1 result could not be evaluated because data they need could not be read "
                        "(see the error lines and warnings below)")


def test_headline_says_nothing_was_checked(make_report: Callable[..., Report]) -> None:
    lines = ConsoleRenderer().render(make_report(findings=(), unsupported={})).splitlines()
    assert lines[2] == "NOTHING CHECKED: no control covers any resource read"


def test_quiet_verdict_line_counts_unknown_results(make_report: Callable[..., Report],
                                                   make_finding: Callable[..., Finding]) -> None:
    unknown = (make_finding("S3-01", Status.UNKNOWN, "b", "b", "?"), make_finding("S3-02", Status.PASS, "b", "b", "ok"))
    line = verdict_line(make_report(findings=unknown, fail_on=None))
    assert line.plain == "no failing findings (evaluation incomplete: 1 unknown)"


def test_a_partly_evidenced_requirement_is_not_shown_as_met(make_report: Callable[..., Report]) -> None:
    text = ConsoleRenderer().render(make_report(frameworks=partly_evidenced()))
    # CC6.3 passes (IAM-01 waived) but its evidence is partial: counted and listed as partial, with the reason
    assert coverage_rows(text)["soc2"] == ["3", "0", "1", "1", "0", "2", "7"]
    assert "(7 requirements: 3 fail, 1 partial, 1 pass, 2 manual)" in text
    lines = text.splitlines()
    i = next(i for i, line in enumerate(lines) if line.split()[:2] == ["CC6.3", "partial"])
    assert "partial evidence: roles are checked, not who holds them" in " ".join(lines[i:i + 3])
    cc61 = next(line for line in lines if line.split()[:1] == ["CC6.1"] and "fail" in line.split()[1:2])
    assert "fail" in cc61.split()[1]     # a failure stays a failure, partial evidence or not


# --- wrapping, where the full list is, --soft-fail ---------------------------------------------------------------


def test_a_terminal_wraps_long_lines_at_spaces_never_inside_a_word(
    make_report: Callable[..., Report], make_finding: Callable[..., Finding]
) -> None:
    message = ("DB instance orders-main-database-primary is publicly_accessible=true and storage_encrypted=false; "
               "set publicly_accessible=False and storage_encrypted=True on aws.rds.Instance")
    f = make_finding("S3-01", Status.FAIL, "arn:aws:rds:eu-west-1:123456789012:db:orders-main-database-primary",
                     "orders-main-database-primary", message)
    console, buffer = terminal(width=120)
    print_report(make_report(findings=(f,)), console)
    lines = ANSI.sub("", buffer.getvalue()).splitlines()
    assert max(len(line) for line in lines) <= 120
    i = next(i for i, line in enumerate(lines) if line.lstrip().startswith("FAIL "))
    end = next(j for j in range(i, len(lines)) if not lines[j].strip())
    assert end - i >= 2, lines[i:end]  # the finding did need wrapping
    assert message in " ".join(" ".join(lines[i:end]).split())  # joined at the breaks (spaces), no word was cut
    assert all(not line.endswith(("publicly", "publicly_", "storage_")) for line in lines)


def test_the_cut_list_says_where_every_finding_is(
    make_report: Callable[..., Report], make_many: Callable[..., tuple[Finding, ...]]
) -> None:
    report = make_report(findings=make_many(60, "S3-01"))
    console, buffer = terminal()
    print_report(report, console)
    assert "    ... and 10 more (--format json lists every finding)" in ANSI.sub("", buffer.getvalue())
    console, buffer = terminal()
    print_report(report, console, full_list="out/clearance.json")
    assert "    ... and 10 more (every finding is in out/clearance.json)" in ANSI.sub("", buffer.getvalue())
    assert "clearance.txt" not in ANSI.sub("", buffer.getvalue())


def test_soft_fail_is_said_in_the_verdict(report: Report) -> None:
    from checks.errors import ExitCode

    console, buffer = terminal()
    print_report(report, console, soft_fail=(ExitCode.FINDINGS, ExitCode.OK))
    assert ANSI.sub("", buffer.getvalue()).rstrip().splitlines()[-2] == f"{VERDICT} (--soft-fail: exit 0 instead of 1)"
    assert verdict_line(report, soft_fail=(ExitCode.FINDINGS, ExitCode.INCOMPLETE)).plain == (
        f"{VERDICT} (--soft-fail: exit 4 instead of 1)")
    assert verdict_line(report).plain == VERDICT
