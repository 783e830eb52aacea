"""`clearance sg review` and control FW-01: a rule fails until it is recorded in the review register."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLEARANCE = str(Path(sys.executable).parent / "clearance")


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLEARANCE, *args], capture_output=True, text=True, cwd=cwd, timeout=300, check=False)


def fw01_failures(cwd: Path, out: Path) -> list[dict]:
    run("check", "prog", "--format", "json", "--out", str(out), cwd=cwd)
    report = json.loads((out / "clearance.json").read_text())
    return [f for f in report["findings"] if f["control"] == "FW-01" and f["status"] == "fail"]


def test_review_flow(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "examples" / "sample", tmp_path / "prog")
    listing = run("sg", "review", "prog", cwd=tmp_path)
    assert listing.returncode == 0, listing.stderr
    assert "app ingress tcp 22-22 from cidr_ipv4 0.0.0.0/0  (prog/__main__.py:27)" in listing.stdout
    assert "4 unreviewed rule(s); register: prog/security-group-reviews.yaml (does not exist yet)" in listing.stdout
    assert {f["asset"]["name"] for f in fw01_failures(tmp_path, tmp_path / "out1")} == {"app", "lb"}

    fingerprint = next(line.split()[0] for line in listing.stdout.splitlines() if "tcp 22-22" in line)
    bad = run("sg", "review", "prog", "--fingerprint", fingerprint, cwd=tmp_path)
    assert bad.returncode == 2 and bad.stderr.strip() == (
        "error: --reviewer is required to record a review (e.g. --reviewer security@example.com)")
    unknown = run("sg", "review", "prog", "--reviewer", "sec@example.com", "--fingerprint", "0000", cwd=tmp_path)
    assert unknown.returncode == 2 and "fingerprint 0000 is not an unreviewed rule of this program" in unknown.stderr

    one = run("sg", "review", "prog", "--reviewer", "sec@example.com", "--note", "SEC-1", "--fingerprint", fingerprint,
              cwd=tmp_path)
    assert one.returncode == 0 and "1 review(s) added to prog/security-group-reviews.yaml" in one.stdout
    assert "SEC-1" in (tmp_path / "prog" / "security-group-reviews.yaml").read_text()
    still = fw01_failures(tmp_path, tmp_path / "out2")
    assert {f["asset"]["name"] for f in still} == {"app", "lb"}  # app still has its unreviewed 8080 rule
    assert fingerprint not in next(f["message"] for f in still if f["asset"]["name"] == "app")

    everything = run("sg", "review", "prog", "--reviewer", "sec@example.com", "--all", cwd=tmp_path)
    assert "3 review(s) added" in everything.stdout
    assert "&id" not in (tmp_path / "prog" / "security-group-reviews.yaml").read_text()  # no YAML anchors
    assert fw01_failures(tmp_path, tmp_path / "out3") == []

    # changing a reviewed rule (SSH from anywhere -> from a /8) makes a new, unreviewed fingerprint
    main = tmp_path / "prog" / "__main__.py"
    main.write_text(main.read_text().replace('"to_port": 22, "cidr_blocks": ["0.0.0.0/0"]',
                                             '"to_port": 22, "cidr_blocks": ["10.0.0.0/8"]'))
    assert [f["asset"]["name"] for f in fw01_failures(tmp_path, tmp_path / "out4")] == ["app"]


def test_broken_register_is_one_line(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "examples" / "sample", tmp_path / "prog")
    (tmp_path / "prog" / "security-group-reviews.yaml").write_text("reviews:\n  - fingerprint: abc\n")
    proc = run("check", "prog", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip() == ("error: prog/security-group-reviews.yaml:2: review #1: field 'reviewer' is "
                                   "missing or empty")
