"""bench/stack_floor.py, the floor `make bench` prints beside the planned rows: it makes exactly the findings it is
asked for, in the JSON report's order, from every resource of the preview. The benchmark itself is not a test."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.paths import ROOT, load_script

PREVIEW = ROOT / "tests" / "fixtures" / "secrets" / "preview.json"


@pytest.fixture(scope="module")
def floor() -> ModuleType:
    return load_script(ROOT / "bench" / "stack_floor.py", "bench_stack_floor")


def test_every_step_of_the_preview_is_a_resource(floor: Any) -> None:
    steps = json.loads(PREVIEW.read_text(encoding="utf-8"))["steps"]
    resources = floor._resources(PREVIEW)
    assert len(resources) == len(steps) > 0
    assert all(r["id"].startswith("urn:pulumi:") and r["name"] == r["id"].rpartition("::")[2] for r in resources)


@pytest.mark.parametrize("count", [0, 1, 7, 50])
def test_the_floor_makes_as_many_findings_as_asked_in_report_order(floor: Any, count: int) -> None:
    resources = floor._resources(PREVIEW)
    findings = floor._findings(resources, count)
    assert len(findings) == count
    keys = [(f["control"], f["asset"]["id"]) for f in findings]
    assert keys == sorted(keys) and len(set(keys)) == count
    assert all(len(f["fingerprint"]) == 32 and f["asset"]["name"] in f["message"] for f in findings)


def test_main_writes_the_findings_and_prints_its_stages(floor: Any, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert floor.main([str(PREVIEW), str(tmp_path), "--findings", "9"]) == 0
    stages = json.loads(capsys.readouterr().out)
    assert stages["findings"] == 9 and set(stages) >= {"imports_s", "read_s", "judge_s", "report_s"}
    assert len(json.loads((tmp_path / "floor.json").read_text(encoding="utf-8"))["findings"]) == 9
    assert floor.main([str(PREVIEW), str(tmp_path)]) == 2
