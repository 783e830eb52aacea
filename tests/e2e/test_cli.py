"""The `clearance` command end to end, through its real entry point: exit codes, one-line errors, files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from tests.paths import SARIF_SCHEMA

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
CLEARANCE = str(Path(sys.executable).parent / "clearance")
UNKNOWN_AT_PLAN_TIME = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # Pulumi's sentinel for a value known only after apply


def clearance(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLEARANCE, *args], capture_output=True, text=True, cwd=cwd, timeout=300, check=False)


def assert_one_line_error(proc: subprocess.CompletedProcess[str], expected: str) -> None:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert expected in lines[0]


SampleRun = tuple[subprocess.CompletedProcess[str], Path]  # `clearance check examples/sample` and its output folder


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> SampleRun:
    out = tmp_path_factory.mktemp("out")
    proc = clearance("check", "examples/sample", "--format", "console,json,sarif,markdown,junit", "--out", str(out))
    return proc, out


def test_sample_program_fails_with_findings_at_file_and_line(sample_run: SampleRun) -> None:
    proc, out = sample_run
    assert proc.returncode == 1, proc.stderr
    assert "examples/sample/__main__.py:11" in proc.stdout  # logs-key declared without rotation
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "clearance.json", "clearance.junit.xml", "clearance.md", "clearance.sarif"]


def test_sample_sarif_validates_against_the_schema(sample_run: SampleRun) -> None:
    _, out = sample_run
    sarif = json.loads((out / "clearance.sarif").read_text())
    jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text())).validate(sarif)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
    assert "examples/sample/__main__.py" in uris


def test_fail_on_threshold_decides_the_exit_code() -> None:
    state = str(FIXTURES / "state" / "sample_export_v6_legacy_bucket.json")  # two medium failures (ENC-01, S3-02)
    above = clearance("check", "--state", state, "--fail-on", "high", "--quiet")
    assert above.returncode == 0, above.stdout + above.stderr
    assert "no findings at or above high" in above.stdout
    at = clearance("check", "--state", state, "--fail-on", "medium", "--quiet")
    assert at.returncode == 1, at.stdout + at.stderr


def test_truncated_preview_is_one_line_and_leaves_good_output_alone(tmp_path: Path) -> None:
    good = tmp_path / "clearance.sarif"
    good.write_text("previous good report")
    proc = clearance("check", "--preview", str(FIXTURES / "preview" / "truncated_preview.json"),
                     "--format", "sarif", "--out", str(tmp_path))
    assert_one_line_error(proc, "truncated_preview.json:")
    assert "invalid JSON" in proc.stderr
    assert good.read_text() == "previous good report"
    assert [p.name for p in tmp_path.iterdir()] == ["clearance.sarif"]


def test_state_file_of_another_version(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"version": 2, "deployment": {"resources": []}}))
    proc = clearance("check", "--state", str(state))
    assert_one_line_error(proc, "stack export version 2 is not supported")


def test_preview_given_as_state_says_which_option_to_use() -> None:
    proc = clearance("check", "--state", str(FIXTURES / "preview" / "v7_bucket_with_sse_side_resource.json"))
    assert_one_line_error(proc, "--preview")


def test_program_that_raises() -> None:
    proc = clearance("check", "tests/fixtures/programs/raises")
    assert_one_line_error(proc, "the Pulumi program raised")


def test_missing_stack_config_names_the_key() -> None:
    proc = clearance("check", "tests/fixtures/programs/missing_config")
    assert_one_line_error(proc, "--config")


def test_not_a_program_folder(tmp_path: Path) -> None:
    proc = clearance("check", str(tmp_path / "nope"))
    assert_one_line_error(proc, "not a folder")


def test_two_sources_at_once_is_a_usage_error() -> None:
    proc = clearance("check", "examples/sample", "--preview", "x.json")
    assert_one_line_error(proc,
                          "give exactly one of PROGRAM_DIR, --preview FILE, --state FILE or --terraform-plan FILE")


def test_unknown_format() -> None:
    proc = clearance("check", "examples/sample", "--format", "pdf")
    assert_one_line_error(proc, "--format: unknown format 'pdf'")


def test_bad_waivers_file(tmp_path: Path) -> None:
    waivers = tmp_path / "w.yaml"
    waivers.write_text("waivers:\n  - control: NOPE-01\n")
    proc = clearance("check", "examples/sample", "--waivers", str(waivers))
    assert_one_line_error(proc, "w.yaml:2: waiver #1: field 'asset' is missing or empty")


def test_state_file_checks_the_state_view(tmp_path: Path) -> None:
    state = "tests/fixtures/state/v6_kms_sse_v2_side_resource_sg_secret_rds.json"
    proc = clearance("check", "--state", state, "--format", "json", "--out", str(tmp_path), "--quiet")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    report = json.loads((tmp_path / "clearance.json").read_text())
    assert (report["view"], report["target"]) == ("state", f"state {state}")


def test_output_folder_that_cannot_be_created_is_one_line_error() -> None:
    proc = clearance("check", "--state", str(FIXTURES / "state" / "v6_kms_sse_v2_side_resource_sg_secret_rds.json"),
                     "--format", "json", "--out", "/dev/null/x")
    assert_one_line_error(proc, "/dev/null/x")


def test_strict_exits_4_when_results_are_incomplete(tmp_path: Path) -> None:
    complete = FIXTURES / "preview" / "v7_bucket_with_sse_side_resource.json"  # no critical failure, nothing unknown
    doc = json.loads(complete.read_text())
    [key] = [s["newState"] for s in doc["steps"] if s["newState"]["type"] == "aws:kms/key:Key"]
    key["inputs"]["enableKeyRotation"] = UNKNOWN_AT_PLAN_TIME  # KEY-01 becomes unknown
    incomplete = tmp_path / "incomplete.json"
    incomplete.write_text(json.dumps(doc))
    assert clearance("check", "--preview", str(complete), "--strict", "--fail-on", "critical").returncode == 0
    lenient = clearance("check", "--preview", str(incomplete), "--fail-on", "critical", "--quiet")
    assert lenient.returncode == 0, lenient.stdout + lenient.stderr
    strict = clearance("check", "--preview", str(incomplete), "--strict", "--fail-on", "critical")
    assert strict.returncode == 4, strict.stdout + strict.stderr
    assert "evaluation incomplete: 1 unknown" in strict.stdout


def test_controls_list_show_lint() -> None:
    listing = clearance("controls", "list", "--framework", "cis_aws_v3")
    assert listing.returncode == 0 and "KEY-01" in listing.stdout and "3.6" in listing.stdout
    show = clearance("controls", "show", "key-01")
    assert show.returncode == 0 and "enable_key_rotation=True" in show.stdout
    lint = clearance("controls", "lint")
    assert lint.returncode == 0 and "controls and" in lint.stdout
    assert_one_line_error(clearance("controls", "show", "NOPE-99"), "no control 'NOPE-99'")
    assert_one_line_error(clearance("controls", "list", "--framework", "pci"), "unknown framework 'pci'")


def test_no_report_prints_a_secret_value(sample_run: SampleRun) -> None:
    proc, out = sample_run
    # examples/sample passes the database password as a Pulumi secret
    for text in [proc.stdout, proc.stderr, *(p.read_text() for p in out.iterdir() if p.is_file())]:
        assert "change-me-please" not in text


def test_broken_control_catalog_is_reported_per_problem_with_exit_2(tmp_path: Path) -> None:
    import os
    import shutil

    policies = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", policies)
    key = policies / "controls" / "key-01.yaml"
    key.write_text(key.read_text().replace("kind: kms.key", "kind: kms.key\nasert: typo"))
    (policies / "controls" / "key-02.yaml").write_text("id: [KEY-02\n")
    env = dict(os.environ, CLEARANCE_POLICIES=str(policies))
    empty_state = str(FIXTURES / "state" / "empty_stack_after_destroy.json")
    for args in (["controls", "lint"], ["check", "--state", empty_state]):
        proc = subprocess.run([CLEARANCE, *args], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120,
                              check=False)
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert "Traceback" not in proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 2, lines
        assert lines[0].startswith(
            "error: policies/controls/key-01.yaml:5: control KEY-01: field 'asert': unknown field")
        assert lines[1].startswith("error: policies/controls/key-02.yaml:2:1: invalid YAML:")


def test_a_program_of_only_uncovered_types_is_never_a_clean_strict_run(tmp_path: Path) -> None:
    program = tmp_path / "zones"
    program.mkdir()
    (program / "Pulumi.yaml").write_text("name: zones\nruntime: python\n")
    (program / "__main__.py").write_text("import pulumi_aws as aws\n"
                                         "aws.route53.Zone('public', name='example.com')\n"
                                         "aws.route53.Zone('internal', name='example.internal')\n"
                                         "aws.ssm.Parameter('mode', type='String', value='prod')\n")
    lenient = clearance("check", str(program), "-q")
    assert lenient.returncode == 0, lenient.stdout + lenient.stderr
    verdict = ("NOTHING CHECKED (0 assets checked; 3 resources of types no control covers (aws:route53/zone:Zone x2, "
               "aws:ssm/parameter:Parameter x1)): no failing findings")
    assert lenient.stdout.strip() == verdict
    strict = clearance("check", str(program), "--strict")
    assert strict.returncode == 4, strict.stdout + strict.stderr
    assert "NOTHING CHECKED: no control covers any resource read" in strict.stdout
    assert ("3 resources of types no control covers, not checked: aws:route53/zone:Zone x2, "
            "aws:ssm/parameter:Parameter x1") in strict.stdout


def test_check_records_its_runs_in_a_history_store(tmp_path: Path) -> None:
    preview = str(FIXTURES / "preview" / "replacement_steps_read_and_import.json")
    store = tmp_path / "history.db"
    first = clearance("check", "--preview", preview, "--store", str(store))
    assert first.returncode == 1, first.stdout + first.stderr
    assert first.stdout.rstrip().splitlines()[-1].endswith(
        f"in sqlite:///{store}: the first of preview {preview} (planned)") or "the first of" in first.stdout
    second = clearance("check", "--preview", preview, "--store", str(store))
    assert second.stdout.rstrip().splitlines()[-1].endswith(
        "0 new, 3 recurring, 0 regressed, 0 resolved since the previous run"), second.stdout
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"not a database at all" * 100)
    bad = clearance("check", "--preview", preview, "--store", str(corrupt))
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1, bad.stderr
