"""The report writers' fast paths (issue 13) write exactly what the straightforward ones wrote, do their costly
work once per report, and skip what cannot be shown; and the AWS API call count appears in every format.

Speed itself is measured by bench/bench_reports.py, not here: these tests pin the shapes that make it fast (one
encoder call per document, coverage computed once, Markdown rows built only while they fit) and the equivalences
that keep the output the same (orjson vs the stdlib encoder, the JUnit writer vs ElementTree, the translate
tables vs the per-character escapes, the bucketed sort vs `sorted`).
"""

from __future__ import annotations

import dataclasses
import io
import json
import random
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from rich.console import Console

import checks.report
import reports.json
import reports.markdown
from checks.model import Finding, Status
from checks.report import Report, finding_sort_key
from reports.base import json_bytes, write_reports
from reports.console import ConsoleRenderer, print_report
from reports.json import JsonRenderer, report_document
from reports.junit import JUnitRenderer, junit_tree
from reports.markdown import COMMENT_LIMIT, MarkdownRenderer, code_cell, escape_cell, html_text, render_markdown
from reports.sarif import SarifRenderer, sarif_document
from tests.reports.conftest import FRAMEWORKS, build_report, many_findings

CALLS = {"s3:ListBuckets": 1, "ec2:DescribeSecurityGroups": 12, "s3:GetBucketPolicy": 290}
TRICKY = ("a\x01b\x1b[31m|*_`[x](y)<b>&amp;~\\ c\u2028d é “q” \n\r\n\r\t end\x7f\x85\x9f", "plain", "", " ", "\t\n",
          'quote " and \' apostrophe', "ünïcödé 漢字 😀")


def tricky_report() -> Report:
    """The sample report plus findings whose texts hold every character the writers escape."""
    base = build_report(frameworks=FRAMEWORKS)
    extra = tuple(dataclasses.replace(f, message=f.message + text, asset_name=f.asset_name + text,
                                      detail=(f.detail or "") + text or None)
                  for f in base.findings for text in TRICKY)
    return dataclasses.replace(base, findings=base.findings + extra)


# --- the same output -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("document", [report_document, sarif_document])
def test_orjson_writes_what_the_stdlib_encoder_wrote(document: Callable[[Report], dict[str, Any]]) -> None:
    doc = document(dataclasses.replace(tricky_report(), api_calls=CALLS))
    expected = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    assert json_bytes(doc) == expected.encode("utf-8")


def test_a_lone_surrogate_falls_back_to_the_stdlib_and_becomes_a_question_mark(
        make_finding: Callable[..., Finding]) -> None:
    f = make_finding("S3-01", Status.FAIL, "b", "b", "bad \udc80 byte")
    report = build_report(findings=(f,))
    with pytest.raises(orjson.JSONEncodeError):
        orjson.dumps(report_document(report))
    data = JsonRenderer().render_bytes(report)
    assert json.loads(data)["findings"][0]["message"] == "bad ? byte"
    assert JsonRenderer().render(report) == data.decode("utf-8")


def test_non_string_keys_fall_back_to_the_stdlib() -> None:
    doc = {"a": {1: "one"}, "b": [True, None]}
    assert json_bytes(doc) == (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode()


def _element_tree_junit(report: Report) -> str:
    """The reference: the text the writer replaced, through ElementTree (`ET.indent`, `ET.tostring`)."""
    root = junit_tree(report, host="host<&>\"'")
    for element in root.iter():          # drop the parsed whitespace, as a freshly built tree has none
        if element.text is not None and not element.text.strip():
            element.text = None
        element.tail = None
    ET.indent(root)
    return ET.tostring(root, encoding="unicode")


def test_the_junit_writer_writes_what_element_tree_wrote() -> None:
    from reports.junit import junit_xml

    # A parser reads a carriage return in element text as a line feed, so the reference (parsed, then written
    # by ElementTree) cannot carry one: these reports have none; the next assertion checks it is kept as written.
    tricky = tricky_report()
    no_cr = dataclasses.replace(tricky, findings=tuple(
        dataclasses.replace(f, message=f.message.replace("\r", ""), detail=f.detail and f.detail.replace("\r", ""))
        for f in tricky.findings))
    for report in (no_cr, build_report(findings=()),
                   dataclasses.replace(no_cr, duration_seconds=1.5, control_seconds={"S3-01": 0.25})):
        assert junit_xml(report, host="host<&>\"'") == _element_tree_junit(report)
    assert "message: Bucket shop-logs allows public ACLs" + TRICKY[0].replace("&", "&amp;").replace(
        "<", "&lt;").replace(">", "&gt;").replace("\x01", "\ufffd").replace("\x1b", "\ufffd") in junit_xml(tricky)
    text = JUnitRenderer().render(tricky_report())
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n  <testsuite name=')
    assert text.endswith("    <system-out />\n    <system-err />\n  </testsuite>\n</testsuites>\n")


def _escape_cell_reference(text: str, limit: int = 500) -> str:
    text = text if len(text) <= limit else text[: limit - 3] + "..."
    out: list[str] = []
    for ch in text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " "):
        if ch == "\n":
            out.append("<br>")
        elif ch == "&":
            out.append("&amp;")
        elif ch in set("\\`*_[]<>|~"):
            out.append("\\" + ch)
        elif ch < " " or "\x7f" <= ch <= "\x9f":
            continue
        else:
            out.append(ch)
    return "".join(out)


def _html_text_reference(text: str, limit: int = 500) -> str:
    text = text if len(text) <= limit else text[: limit - 3] + "..."
    text = "".join(" " if ch in "\r\n\t" else ch for ch in text if not (ch < " " and ch not in "\r\n\t")
                   and not "\x7f" <= ch <= "\x9f")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def test_markdown_escapes_match_the_per_character_reference() -> None:
    rng = random.Random(13)
    alphabet = [chr(c) for c in range(0, 0xA5)] + ["é", "漢", "😀", "\u2028"]
    samples = [*TRICKY, *("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(2000))]
    samples.append("x" * 498 + "\r\n" + "y")     # the cut falls on a line break
    for text in samples:
        assert escape_cell(text) == _escape_cell_reference(text), repr(text)
        assert escape_cell(text, 7) == _escape_cell_reference(text, 7), repr(text)
        assert html_text(text) == _html_text_reference(text), repr(text)
    assert code_cell("a|b") == "`a\\|b`" and code_cell("a\x01b") == "ab" and code_cell("a`b") == "a\\`b"


def test_the_bucketed_sort_is_sorted_by_the_key() -> None:
    rng = random.Random(7)
    findings = list(tricky_report().findings) * 3 + list(many_findings(300, "KEY-01"))
    rng.shuffle(findings)
    report = build_report(findings=tuple(findings))
    assert list(report.sorted_findings) == sorted(findings, key=finding_sort_key)


# --- once per report, and only what fits ----------------------------------------------------------------------------


def test_every_format_shares_one_coverage_one_sort_and_one_encoder_call(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    coverage_calls: list[int] = []
    real_coverage = checks.report.coverage

    def counted(*args: Any, **kwargs: Any) -> Any:
        coverage_calls.append(1)
        return real_coverage(*args, **kwargs)

    monkeypatch.setattr(checks.report, "coverage", counted)
    dumps_calls: list[int] = []
    real_dumps = orjson.dumps

    def counted_dumps(*args: Any, **kwargs: Any) -> bytes:
        dumps_calls.append(1)
        return real_dumps(*args, **kwargs)

    monkeypatch.setattr(orjson, "dumps", counted_dumps)
    monkeypatch.setattr(json, "dumps", lambda *a, **k: pytest.fail("the stdlib encoder was called"))
    report = build_report(findings=many_findings(2000), frameworks=FRAMEWORKS)
    written = write_reports(report, ["json", "sarif", "junit", "markdown", "console"], tmp_path)
    print_report(report, Console(file=io.StringIO()))
    assert [p.name for p in written] == ["clearance.json", "clearance.sarif", "clearance.junit.xml", "clearance.md",
                                         "clearance.txt"]
    assert coverage_calls == [1]                 # JSON, Markdown, the file and the terminal console
    # SARIF: one per document; the JSON report: one for the rest of the document and one per SLICE of findings
    # (never one per finding)
    assert len(dumps_calls) == 1 + 1 + -(-2000 // reports.json.SLICE) == 3
    assert report.sorted_findings is report.sorted_findings
    assert json.loads((tmp_path / "clearance.json").read_bytes())["summary"]["findings"] == 2000


def test_the_cached_views_are_copies_a_caller_may_change(report: Report) -> None:
    counts = report.status_counts()
    counts[Status.FAIL] += 100
    failing = report.failing()
    failing.clear()
    report.by_control()["S3-01"].clear()
    report.coverage().clear()
    assert report.status_counts()[Status.FAIL] == 5 and len(report.failing()) == 3 == report.failing_count
    assert len(report.by_control()["S3-01"]) == 2


def test_markdown_builds_only_the_rows_that_can_fit(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[str] = []
    real = reports.markdown._resource

    def counted(f: Finding) -> str:
        built.append(f.asset_id)
        return real(f)

    monkeypatch.setattr(reports.markdown, "_resource", counted)
    report = build_report(findings=many_findings(20_000))
    text = render_markdown(report, COMMENT_LIMIT)
    assert len(text) <= COMMENT_LIMIT and "_... and 19800 more (shortened to fit GitHub's size limit)_" in text
    assert len(built) < 1000          # not 20,000: rows past the size limit are never escaped


# --- the API call count -----------------------------------------------------------------------------------------


def test_every_format_says_how_many_aws_api_calls_a_live_run_made() -> None:
    live = build_report(api_calls=CALLS)
    console = ConsoleRenderer().render(live).splitlines()
    assert console[2] == "303 AWS API calls"
    terminal = io.StringIO()
    print_report(live, Console(file=terminal, width=200))
    assert "303 AWS API calls\n" in terminal.getvalue()
    badge = MarkdownRenderer().render(live).splitlines()[2]
    assert " · 11 assets · 303 AWS API calls · 2026-05-04T09:30:00+00:00 · clearance 0.1.0" in badge
    run = json.loads(SarifRenderer().render(live))["runs"][0]
    assert run["properties"]["api_calls"] == {"total": 303, "operations": {
        "ec2:DescribeSecurityGroups": 12, "s3:GetBucketPolicy": 290, "s3:ListBuckets": 1}}
    assert json.loads(JsonRenderer().render(live))["api_calls"]["total"] == 303
    one = build_report(api_calls={"sts:GetCallerIdentity": 1})
    assert ConsoleRenderer().render(one).splitlines()[2] == "1 AWS API call"


def test_no_api_call_line_without_aws(report: Report) -> None:
    assert "API call" not in ConsoleRenderer().render(report)
    assert "API call" not in MarkdownRenderer().render(report)
    assert "api_calls" not in json.loads(SarifRenderer().render(report))["runs"][0]["properties"]
