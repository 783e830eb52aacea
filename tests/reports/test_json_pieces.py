"""The JSON report encoded a slice of findings at a time (issue 13): the same bytes as one encode of the whole
document, in the same order, and a failure half-way through changes nothing visible."""

from __future__ import annotations

import dataclasses
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

import reports.json
from checks.model import Finding, Status
from checks.report import Report
from reports import EXTENSIONS, format_names
from reports.base import json_bytes, output_name, renderers, report_names, write_reports
from reports.json import JsonRenderer, json_order, report_document
from tests.reports.conftest import FRAMEWORKS, build_report, finding, many_findings
from tests.reports.test_report_speed_shapes import tricky_report


def _whole(report: Report) -> bytes:
    return json_bytes(report_document(report))


def _old_order(f: Finding) -> tuple[str, str, str, str, str]:
    return (f.control_id, f.asset_kind, f.asset_id, f.fingerprint, f.status)


@pytest.mark.parametrize("size", [1, 3, 4096])
def test_the_pieces_are_the_whole_document_byte_for_byte(size: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reports.json, "SLICE", size)
    report = dataclasses.replace(tricky_report(), frameworks=FRAMEWORKS)
    pieces = list(JsonRenderer().render_pieces(report))
    assert b"".join(pieces) == _whole(report)
    assert len(pieces) == 4 + 2 * -(-len(report.findings) // size)  # head, "[", (comma, slice) each, "]", tail


def test_a_report_without_findings_is_one_piece() -> None:
    report = build_report(findings=())
    assert list(JsonRenderer().render_pieces(report)) == [_whole(report)]


def test_a_lone_surrogate_in_one_slice_becomes_a_question_mark_there_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reports.json, "SLICE", 2)
    findings = (*many_findings(3), finding("S3-01", Status.FAIL, "b", "b", "bad \udc80 byte"), *many_findings(2))
    data = JsonRenderer().render_bytes(build_report(findings=findings))
    messages = [f["message"] for f in json.loads(data)["findings"]]
    assert "bad ? byte" in messages and len(messages) == 6
    assert data == json.dumps(json.loads(data), indent=2, ensure_ascii=False).encode() + b"\n"


def test_json_order_is_sorted_by_control_then_asset() -> None:
    rng = random.Random(13)
    findings = [*tricky_report().findings, *many_findings(50, "KEY-01"), *many_findings(50)]
    findings += [dataclasses.replace(f, status=Status.PASS) for f in findings[:20]]  # ties but for the status
    rng.shuffle(findings)
    report = build_report(findings=tuple(findings))
    assert json_order(report) == sorted(findings, key=_old_order)


def test_a_failure_half_way_through_the_findings_changes_nothing(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    report = build_report(findings=many_findings(10))
    write_reports(report, ["json", "markdown"], tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if not p.name.startswith(".")}
    monkeypatch.setattr(reports.json, "SLICE", 2)
    real = reports.json._finding
    made: list[int] = []

    def fails_on_the_fifth(f: Finding) -> dict[str, object]:
        made.append(1)
        if len(made) == 5:
            raise RuntimeError("encoder exploded")
        return real(f)

    monkeypatch.setattr(reports.json, "_finding", fails_on_the_fifth)
    with pytest.raises(RuntimeError, match="encoder exploded"):
        write_reports(build_report(findings=many_findings(12)), ["json", "markdown"], tmp_path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if not p.name.startswith(".")} == before
    assert [p.name for p in (tmp_path / ".clearance-reports").iterdir() if p.name.startswith("run-")] == [
        (tmp_path / ".clearance-reports" / "current").readlink().name]


def test_the_extensions_table_is_every_formats_own() -> None:
    assert {name: r.extension for name, r in renderers().items() if name in format_names()} == EXTENSIONS
    assert report_names() == {output_name(r) for r in renderers().values()}


def test_writing_one_format_imports_no_other_format(tmp_path: Path) -> None:
    code = (
        "import sys; from pathlib import Path; from reports.base import write_reports\n"
        "from tests.reports.conftest import build_report\n"
        f"write_reports(build_report(), ['json'], Path({str(tmp_path)!r}))\n"
        "print(sorted(m for m in sys.modules if m.startswith('reports.')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.stdout.split("\n")[0] == "['reports._publish', 'reports.base', 'reports.json']"
    assert json.loads((tmp_path / "clearance.json").read_bytes())["summary"]["findings"] == len(build_report().findings)
