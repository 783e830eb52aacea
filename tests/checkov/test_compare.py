"""checks/checkov/compare.py: the overlapping checks whose verdicts differ (`make compare-checkov`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from checks.checkov.compare import Difference, differences
from checks.checkov.runner import CheckovRecord, CheckovResult
from checks.errors import InputError
from checks.flows.check import CheckRequest, run_check
from checks.model import Status
from tests.checkov.test_merge import KEY, SG, WHERE, clearance

EQUIVALENTS = {"CKV_AWS_7": ("KEY-01",), "CKV_AWS_24": ("NET-03",), "CKV_AWS_25": ("NET-03",)}
KINDS = {"KEY-01": "kms.key", "NET-03": "ec2.security_group"}


def result(*records: tuple[str, str, str]) -> CheckovResult:
    return CheckovResult(tuple(CheckovRecord(cid, cid, outcome, address) for cid, address, outcome in records), 2, "x")


def test_agreement_is_no_difference_and_split_checks_count_together() -> None:
    ours = [clearance("KEY-01", KEY, Status.FAIL), clearance("NET-03", SG, Status.FAIL)]
    theirs = result(("CKV_AWS_7", "aws_kms_key.data", "FAILED"), ("CKV_AWS_24", "aws_security_group.web", "FAILED"),
                    ("CKV_AWS_25", "aws_security_group.web", "PASSED"))  # NET-03 = SSH and RDP: one bad is bad
    assert differences(ours, theirs, WHERE, EQUIVALENTS, KINDS) == []


def test_disagreements_are_listed_with_both_verdicts() -> None:
    ours = [clearance("KEY-01", KEY, Status.PASS), clearance("NET-03", SG, Status.FAIL)]
    theirs = result(("CKV_AWS_7", "aws_kms_key.data", "FAILED"), ("CKV_AWS_24", "aws_security_group.web", "PASSED"),
                    ("CKV_AWS_25", "aws_security_group.web", "PASSED"))
    found = differences(ours, theirs, WHERE, EQUIVALENTS, KINDS)
    assert [d.line() for d in found] == [
        "KEY-01 vs CKV_AWS_7 on kms.key data (__main__.py:10): clearance ok, checkov bad",
        "NET-03 vs CKV_AWS_24, CKV_AWS_25 on ec2.security_group web (__main__.py:20): clearance bad, checkov ok",
    ]


def test_a_failure_only_clearance_judged_is_a_difference_a_pass_is_not() -> None:
    ours = [clearance("KEY-01", KEY, Status.FAIL), clearance("NET-03", SG, Status.PASS)]
    found = differences(ours, result(), WHERE, EQUIVALENTS, KINDS)
    assert found == [Difference("KEY-01", "CKV_AWS_7", "kms.key data", "not judged", "bad", "__main__.py:10")]


def test_missing_checkov_fails_before_the_program_runs(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"^--checkov .*nope: checkov is not an executable file here"):
        run_check(CheckRequest(program_dir=tmp_path, with_checkov=True, checkov=tmp_path / "nope"))


def test_checkov_path_needs_with_checkov(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        run_check(CheckRequest(program_dir=tmp_path, checkov=tmp_path / "checkov"))
    assert str(err.value) == "--checkov: only with --with-checkov (add --with-checkov)"
