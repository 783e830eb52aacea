"""The baseline file (checks/baseline.py): format, validation with one-line errors, creation and application, and
what the reports say about it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from checks.baseline import (
    Baseline,
    BaselineEntry,
    apply_baseline,
    baseline_entries,
    load_baseline,
    render_baseline,
    summary_line,
    write_baseline,
)
from checks.errors import ExitCode, InputError
from checks.flows.assess import with_baseline
from checks.model import Finding, Status
from checks.report import Report
from reports.console import ConsoleRenderer
from reports.json import JsonRenderer, report_schema_path
from reports.markdown import MarkdownRenderer
from tests.reports.conftest import build_report, finding

TODAY = dt.date(2026, 11, 23)
TARGET = "program infra/ (stack dev)"


def fail(control: str, name: str) -> Finding:
    return finding(control, Status.FAIL, f"urn:pulumi:dev::p::aws:s3/bucket:Bucket::{name}", name, f"{name} fails")


def entry(f: Finding, recorded: dt.date | None = TODAY) -> BaselineEntry:
    return BaselineEntry(f.fingerprint, f.control_id, f.asset_id, f.asset_name, recorded)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "clearance-baseline.yaml"
    path.write_text(text)
    return path


def error_of(path: Path) -> str:
    with pytest.raises(InputError) as err:
        load_baseline(path)
    return str(err.value)


# --- the file ----------------------------------------------------------------------------------------------------


def test_written_file_reads_back_and_is_stable(tmp_path: Path) -> None:
    logs, data = fail("S3-01", "logs"), fail("ENC-01", "data")
    path = tmp_path / "b.yaml"
    write_baseline(path, [entry(logs), entry(data, None)], TARGET)
    text = path.read_text()
    assert text.startswith("# clearance baseline: failing findings accepted when clearance was adopted")
    assert "\nversion: 1\ntarget: program infra/ (stack dev)\nfindings:\n- fingerprint: " in text
    assert f"  control: S3-01\n  asset: {logs.asset_id}\n  name: logs\n  recorded: 2026-11-23\n" in text
    assert text == render_baseline([entry(data, None), entry(logs)], TARGET)  # sorted: the order given is irrelevant
    loaded = load_baseline(path)
    assert loaded.target == TARGET
    assert loaded.entries == (entry(data, None), entry(logs))  # by control, then asset
    assert loaded.fingerprints() == {logs.fingerprint, data.fingerprint}


def test_empty_findings_list_is_a_valid_baseline(tmp_path: Path) -> None:
    assert load_baseline(write(tmp_path, "version: 1\nfindings: []\n")).entries == ()


@pytest.mark.parametrize(("text", "expected"), [
    ("", "clearance-baseline.yaml:1: a baseline is a mapping of version, target, findings, not empty "
         "(create one with 'clearance baseline create')"),
    ("- a\n", "clearance-baseline.yaml:1: a baseline is a mapping of version, target, findings, not a list "
              "(create one with 'clearance baseline create')"),
    ("version: 1\nfindings: []\nowner: me\n",
     "clearance-baseline.yaml:3: unknown field 'owner' (allowed: version, target, findings)"),
    ("findings: []\n",
     "clearance-baseline.yaml:1: field 'version' is missing (this clearance reads baseline version 1)"),
    ("target: x\nversion: 2\nfindings: []\n",
     "clearance-baseline.yaml:2: field 'version' is a number (2), but this clearance reads baseline version 1 "
     "(recreate the file with 'clearance baseline create')"),
    ("version: '1'\nfindings: []\n",
     "clearance-baseline.yaml:1: field 'version' is text ('1'), but this clearance reads baseline version 1 "
     "(recreate the file with 'clearance baseline create')"),
    ("version: true\nfindings: []\n",
     "clearance-baseline.yaml:1: field 'version' is a boolean (true), but this clearance reads baseline version 1 "
     "(recreate the file with 'clearance baseline create')"),
    ("version: 1\ntarget: 5\nfindings: []\n",
     "clearance-baseline.yaml:2: field 'target' must be text, not a number (5)"),
    ("version: 1\n",
     "clearance-baseline.yaml:1: field 'findings' is missing (write 'findings: []' for an empty baseline)"),
    ("version: 1\nfindings:\n  fingerprint: abc\n",
     "clearance-baseline.yaml:2: field 'findings' is a mapping, not a list (write 'findings: []' for an empty "
     "baseline)"),
    ("version: 1\nfindings:\n  - control: S3-01\n    name: logs\n",
     "clearance-baseline.yaml:3: baseline entry #1: field 'fingerprint' is missing or empty"),
    ("version: 1\nfindings:\n  - fingerprint: a1\n    control: S3-01\n  - fingerprint: ''\n    control: S3-01\n",
     "clearance-baseline.yaml:5: baseline entry #2: field 'fingerprint' is missing or empty"),
    ("version: 1\nfindings:\n  - fingerprint: a1\n    control: S3-01\n    owner: me\n",
     "clearance-baseline.yaml:5: baseline entry #1: unknown field 'owner' (allowed: fingerprint, control, asset, name, "
     "recorded)"),
    ("version: 1\nfindings:\n  - fingerprint: a1\n    control: S3-01\n    recorded: last week\n",
     "clearance-baseline.yaml:5: baseline entry #1: field 'recorded' must be a date YYYY-MM-DD"),
    ("version: 1\nfindings:\n  - fingerprint: 12345\n    control: S3-01\n",
     "clearance-baseline.yaml:3: baseline entry #1: field 'fingerprint' must be text, not a number (12345) (quote it "
     "if it is meant as text)"),
    ("version: 1\nfindings:\n  - a1\n",
     "clearance-baseline.yaml:3: each baseline entry must be a mapping of fingerprint, control, asset, name, recorded"),
    ("version: 1\nfindings:\n  - fingerprint: a1\n    control: S3-01\n  - fingerprint: a1\n    control: ENC-01\n",
     "clearance-baseline.yaml:5: baseline entry #2: fingerprint 'a1' is already listed in entry #1 (remove one of "
     "them)"),
    ("version: 1\nfindings: [\n",
     "clearance-baseline.yaml:3:1: invalid YAML: did not find expected node content (fix the YAML syntax)"),
])
def test_malformed_baseline_is_one_line_naming_file_line_and_field(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                    text: str, expected: str) -> None:
    monkeypatch.chdir(tmp_path)
    message = error_of(write(tmp_path, text))
    assert message == expected
    assert "\n" not in message


def test_missing_baseline_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert error_of(tmp_path / "nope.yaml") == "nope.yaml: file not found"


def test_python_tags_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    message = error_of(write(tmp_path, "version: 1\nfindings: !!python/object/apply:os.system ['true']\n"))
    assert message.startswith("clearance-baseline.yaml:2: ")


# --- applying ----------------------------------------------------------------------------------------------------


def test_apply_marks_recorded_fails_only_and_lists_what_is_gone() -> None:
    logs, data, fixed, unread, new = (fail("S3-01", "logs"), fail("ENC-01", "data"), fail("S3-02", "old"),
                                      fail("KEY-01", "k"), fail("S3-01", "new"))
    passing = dataclasses.replace(fixed, status=Status.PASS)
    error = dataclasses.replace(unread, status=Status.ERROR)
    waived_only = dataclasses.replace(fail("TAG-01", "w"), status=Status.WAIVED)
    gone_asset = fail("S3-01", "deleted")
    baseline = Baseline("b.yaml", tuple(entry(f) for f in (logs, data, fixed, unread, waived_only, gone_asset)),
                        target=TARGET)
    applied = apply_baseline(baseline, [logs, data, passing, error, waived_only, new], TARGET)
    assert [f.in_baseline for f in applied.findings] == [True, True, False, False, False, False]
    assert [f.status for f in applied.findings] == [Status.FAIL, Status.FAIL, Status.PASS, Status.ERROR,
                                                    Status.WAIVED, Status.FAIL]  # statuses never change
    assert applied.matched == 2
    # an `error` result keeps its entry (it may still fail); a pass, a waiver or a missing resource does not
    assert applied.gone == (f"S3-01 deleted ({gone_asset.fingerprint})", f"S3-02 old ({fixed.fingerprint})",
                            f"TAG-01 w ({waived_only.fingerprint})")
    assert applied.warnings == ()


def test_a_baseline_of_another_target_applies_with_a_warning() -> None:
    logs = fail("S3-01", "logs")
    baseline = Baseline("b.yaml", (entry(logs),), target="preview old.json")
    applied = apply_baseline(baseline, [logs], TARGET)
    assert applied.matched == 1
    assert applied.warnings == ("the baseline b.yaml was recorded for preview old.json, not program infra/ (stack "
                                "dev): it matches findings by fingerprint (control and resource) only",)
    assert apply_baseline(dataclasses.replace(baseline, target=None), [logs], TARGET).warnings == ()


def test_summary_line() -> None:
    assert summary_line("b.yaml", 1, ()) == "1 finding is in the baseline b.yaml (reported, not failing)"
    assert summary_line("b.yaml", 0, ("S3-01 x (ab)",)) == (
        "0 findings are in the baseline b.yaml (reported, not failing); 1 baseline entry no longer occurs (remove it "
        "from the file): S3-01 x (ab)")
    gone = tuple(f"S3-01 b{i} (f{i})" for i in range(7))
    assert summary_line("b.yaml", 3, gone) == (
        "3 findings are in the baseline b.yaml (reported, not failing); 7 baseline entries no longer occur (remove "
        "them from the file): S3-01 b0 (f0), S3-01 b1 (f1), S3-01 b2 (f2), S3-01 b3 (f3), S3-01 b4 (f4), and 2 more")


# --- creating ----------------------------------------------------------------------------------------------------


def test_create_records_fails_only_and_keeps_dates_of_entries_still_failing() -> None:
    logs, data, gone = fail("S3-01", "logs"), fail("ENC-01", "data"), fail("S3-02", "old")
    unknown = dataclasses.replace(fail("KEY-01", "k"), status=Status.UNKNOWN)
    passing = dataclasses.replace(fail("TAG-01", "t"), status=Status.PASS)
    earlier = dt.date(2026, 1, 5)
    previous = Baseline("b.yaml", (entry(logs, earlier), entry(gone, earlier)))
    created = baseline_entries([logs, unknown, data, passing], TODAY, previous)
    assert created.entries == (entry(data, TODAY), entry(logs, earlier))
    assert (created.new, created.kept, created.dropped, created.not_evaluated) == (1, 1, 1, 1)
    fresh = baseline_entries([logs, data], TODAY)
    assert (fresh.new, fresh.kept, fresh.dropped) == (2, 0, 0)


# --- the report ----------------------------------------------------------------------------------------------------


def baselined_report(*, gone: int = 1) -> tuple[Finding, Finding, Report]:
    logs, data = fail("S3-01", "logs"), fail("ENC-01", "data")
    entries = [entry(logs), *(entry(fail("S3-02", f"old{i}")) for i in range(gone))]
    report = with_baseline(build_report(findings=(logs, data), fail_on=None, warnings=()),
                           Baseline("b.yaml", tuple(entries), target=TARGET))
    return logs, data, report


def test_baselined_fails_do_not_decide_the_exit_code() -> None:
    logs, data = fail("S3-01", "logs"), fail("ENC-01", "data")
    report = build_report(findings=(logs, data), fail_on=None, warnings=())
    assert report.exit_code() is ExitCode.FINDINGS
    both = with_baseline(report, Baseline("b.yaml", (entry(logs), entry(data)), target=TARGET))
    assert both.exit_code() is ExitCode.OK and both.failing() == []
    assert (both.baseline, both.baseline_gone, both.warnings) == ("b.yaml", (), ())
    one = with_baseline(report, Baseline("b.yaml", (entry(logs),)))
    assert one.exit_code() is ExitCode.FINDINGS
    assert [f.asset_name for f in one.failing()] == ["data"]
    assert with_baseline(report, None) is report


def test_json_report_carries_the_baseline_and_validates() -> None:
    logs, data, report = baselined_report()
    doc = json.loads(JsonRenderer().render(report))
    validator = Draft202012Validator(json.loads(report_schema_path().read_text(encoding="utf-8")))
    assert [e.message for e in validator.iter_errors(doc)] == []
    assert doc["schema_version"] == "1.5"
    gone = fail("S3-02", "old0")
    assert doc["baseline"] == {"file": "b.yaml", "matched": 1, "gone": [f"S3-02 old0 ({gone.fingerprint})"]}
    assert {f["asset"]["name"]: (f["status"], f["in_baseline"]) for f in doc["findings"]} == {
        "logs": ("fail", True), "data": ("fail", False)}
    assert doc["summary"]["failing"] == 1
    plain = json.loads(JsonRenderer().render(build_report(findings=(logs, data))))
    assert plain["baseline"] is None and all(f["in_baseline"] is False for f in plain["findings"])
    doc["baseline"] = {"file": "b.yaml", "matched": -1, "gone": []}
    doc["findings"][0]["in_baseline"] = "yes"
    assert len(list(validator.iter_errors(doc))) == 2


def test_a_1_2_document_still_validates() -> None:
    _, _, report = baselined_report()
    doc = json.loads(JsonRenderer().render(report))
    doc["schema_version"] = "1.2"
    del doc["baseline"]
    for f in doc["findings"]:
        del f["in_baseline"]
    validator = Draft202012Validator(json.loads(report_schema_path().read_text(encoding="utf-8")))
    assert [e.message for e in validator.iter_errors(doc)] == []


def test_console_and_markdown_say_so() -> None:
    _, _, report = baselined_report()
    gone = fail("S3-02", "old0")
    line = ("1 finding is in the baseline b.yaml (reported, not failing); 1 baseline entry no longer occurs (remove it "
            f"from the file): S3-02 old0 ({gone.fingerprint})")
    text = ConsoleRenderer().render(report)
    assert f"\n{line}\n\n1 failing finding\n" in text
    markdown = MarkdownRenderer().render(report)
    assert f"\nBaseline: {line}\n" in markdown
    assert "in the baseline" not in ConsoleRenderer().render(build_report(findings=report.findings))
