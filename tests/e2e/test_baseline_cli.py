"""`clearance baseline create` and `clearance check --baseline FILE` through the real entry point: adopt clearance on
an estate that already fails, then fail only on what is new, and see what was fixed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from checks.baseline import load_baseline

CLEARANCE = str(Path(sys.executable).parent / "clearance")


def clearance(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLEARANCE, *args], capture_output=True, text=True, cwd=cwd, timeout=300, check=False,
                          env={**os.environ, "COLUMNS": "400"})  # no line of the console report is cut


def preview(folder: Path, name: str, *buckets: str) -> str:
    """A `pulumi preview --json` file creating these S3 buckets, each failing ENC-01 and S3-02 (no SSE-KMS, no TLS
    policy)."""
    steps = []
    for b in buckets:
        urn = f"urn:pulumi:dev::app::aws:s3/bucket:Bucket::{b}"
        steps.append({"op": "create", "urn": urn, "newState": {"urn": urn, "custom": True,
                                                                "type": "aws:s3/bucket:Bucket",
                                                                "inputs": {"bucket": f"{b}-bucket"}}})
    (folder / name).write_text(json.dumps({"config": {"aws:region": "eu-west-1"}, "steps": steps}))
    return name


def fails(report: Path) -> dict[tuple[str, str], bool]:
    """(control, resource name) -> in_baseline, for every fail of a JSON report."""
    doc: dict[str, Any] = json.loads(report.read_text())
    return {(f["control"], f["asset"]["name"]): f["in_baseline"] for f in doc["findings"] if f["status"] == "fail"}


def fingerprints(baseline: Path) -> dict[tuple[str, str], str]:
    return {(e.control, e.name): e.fingerprint for e in load_baseline(baseline).entries}


def test_adopt_with_a_baseline_then_fail_only_on_new_findings(tmp_path: Path) -> None:
    before = preview(tmp_path, "before.json", "logs", "data")
    made = clearance("baseline", "create", "--preview", before, "--output", "b.yaml", cwd=tmp_path)
    assert made.returncode == 0, made.stdout + made.stderr
    assert made.stdout.splitlines() == [
        "recorded 4 failing findings of preview before.json in b.yaml (4 new, 0 kept, 0 dropped)",
        "use it with: clearance check ... --baseline b.yaml"]
    recorded = fingerprints(tmp_path / "b.yaml")
    assert sorted(recorded) == [("ENC-01", "data"), ("ENC-01", "logs"), ("S3-02", "data"), ("S3-02", "logs")]

    # the same estate: every failure is in the baseline, reported but not failing
    same = clearance("check", "--preview", before, "--baseline", "b.yaml", "-f", "console,json", "--out", "same",
                     cwd=tmp_path)
    assert same.returncode == 0, same.stdout + same.stderr
    assert "\n4 findings are in the baseline b.yaml (reported, not failing)\n\nno failing findings\n" in same.stdout
    assert set(fails(tmp_path / "same" / "clearance.json").values()) == {True}
    without = clearance("check", "--preview", before, "--quiet", cwd=tmp_path)
    assert (without.returncode, without.stdout) == (1, "4 failing findings\n")

    # a new bucket: exit 1, and only its failures count
    grown = preview(tmp_path, "grown.json", "logs", "data", "extra")
    new = clearance("check", "--preview", grown, "--baseline", "b.yaml", "-f", "console,json", "--out", "grown",
                    cwd=tmp_path)
    assert new.returncode == 1, new.stdout + new.stderr
    assert "\n4 findings are in the baseline b.yaml (reported, not failing)\n\n2 failing findings\n" in new.stdout
    assert ("the baseline b.yaml was recorded for preview before.json, not preview grown.json: it matches findings by "
            "fingerprint (control and resource) only") in new.stdout
    counted = {k for k, in_baseline in fails(tmp_path / "grown" / "clearance.json").items() if not in_baseline}
    assert counted == {("ENC-01", "extra"), ("S3-02", "extra")}

    # a bucket removed: its entries are listed as gone, so the team can tighten the file
    shrunk = preview(tmp_path, "shrunk.json", "logs")
    fixed = clearance("check", "--preview", shrunk, "--baseline", "b.yaml", cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert (f"\n2 findings are in the baseline b.yaml (reported, not failing); 2 baseline entries no longer occur "
            f"(remove them from the file): ENC-01 data ({recorded['ENC-01', 'data']}), S3-02 data "
            f"({recorded['S3-02', 'data']})\n") in fixed.stdout

    # recreating tightens it: the entries still failing are kept (with their date), the others dropped
    again = clearance("baseline", "create", "--preview", shrunk, "--output", "b.yaml", cwd=tmp_path)
    assert again.stdout.splitlines()[0] == ("recorded 2 failing findings of preview shrunk.json in b.yaml (0 new, 2 "
                                            "kept, 2 dropped)")
    assert sorted(fingerprints(tmp_path / "b.yaml")) == [("ENC-01", "logs"), ("S3-02", "logs")]


def test_default_output_is_beside_the_program(tmp_path: Path) -> None:
    program = tmp_path / "infra"
    program.mkdir()
    (program / "Pulumi.yaml").write_text("name: app\nruntime: python\n")
    shown = preview(tmp_path, "p.json", "logs")
    made = clearance("baseline", "create", "--preview", shown, "--program-dir", "infra", cwd=tmp_path)
    assert made.returncode == 0, made.stdout + made.stderr
    assert "in infra/clearance-baseline.yaml (2 new, 0 kept, 0 dropped)" in made.stdout
    assert (program / "clearance-baseline.yaml").is_file()


def test_malformed_baseline_is_one_line_and_exit_2(tmp_path: Path) -> None:
    shown = preview(tmp_path, "p.json", "logs")
    (tmp_path / "b.yaml").write_text("version: 1\nfindings:\n  - control: S3-01\n")
    proc = clearance("check", "--preview", shown, "--baseline", "b.yaml", "-f", "json", "--out", "out", cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr == "error: b.yaml:3: baseline entry #1: field 'fingerprint' is missing or empty\n"
    assert not (tmp_path / "out").exists()
    create = clearance("baseline", "create", "--preview", shown, "--output", "b.yaml", cwd=tmp_path)
    assert create.returncode == 2  # never overwritten: the user fixes or deletes it
    assert create.stderr == proc.stderr
    assert (tmp_path / "b.yaml").read_text() == "version: 1\nfindings:\n  - control: S3-01\n"


def test_scan_refuses_a_malformed_baseline_before_reading_anything(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text("version: 2\nfindings: []\n")
    proc = subprocess.run([CLEARANCE, "scan", "--endpoint-url", "http://127.0.0.1:9", "--regions", "eu-west-1",
                           "--baseline", "b.yaml", "--timeout", "5"], capture_output=True, text=True, cwd=tmp_path,
                          timeout=120, check=False,
                          env={**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"})
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr == ("error: b.yaml:1: field 'version' is a number (2), but this clearance reads baseline "
                           "version 1 (recreate the file with 'clearance baseline create')\n")
