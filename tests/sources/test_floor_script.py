"""bench/floor.py: the bare mock run `clearance check PROGRAM` is measured against (issue 13) must stay honest."""

from __future__ import annotations

import gc
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from checks import tune_gc
from checks.sources.stack_config import DEFAULT_REGION, choose_stack, read_project

FLOOR = Path(__file__).resolve().parents[2] / "bench" / "floor.py"
PROGRAM = '''
import pulumi_aws as aws
key = aws.kms.Key("key", enable_key_rotation=True)
aws.s3.BucketV2("bucket", tags={"key": key.arn})
'''


def _floor() -> ModuleType:
    spec = importlib.util.spec_from_file_location("clearance_floor", FLOOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_floor_tunes_gc_and_chooses_stack_and_region_as_clearance(tmp_path: Path) -> None:
    floor = _floor()
    before = gc.get_threshold()
    try:
        tune_gc()
        assert gc.get_threshold() == floor.GC_FREEZE_THEN_THRESHOLD
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
    assert floor.DEFAULT_REGION == DEFAULT_REGION
    (tmp_path / "Pulumi.yaml").write_text("name: bench  # a comment\nruntime:\n  name: python\nmain: src/\n")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "__main__.py").write_text(PROGRAM)
    project = read_project(tmp_path)
    assert floor._project(str(tmp_path)) == (project.name, str(project.main_file))
    assert choose_stack(project, None)[0] == floor.STACK


def test_a_floor_run_counts_the_programs_resources(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: tiny\nruntime: python\n")
    (tmp_path / "__main__.py").write_text(PROGRAM)
    done = subprocess.run([sys.executable, str(FLOOR), str(tmp_path)], capture_output=True, text=True, timeout=300,
                          check=False)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["resources"] == 2 and out["seconds"] > 0


def test_the_floor_refuses_a_folder_without_a_project(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="no Pulumi.yaml with a name in"):
        _floor()._project(str(tmp_path))
