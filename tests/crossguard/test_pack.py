"""The CrossGuard pack's policies called as the analyzer calls them, on the resources of infra/ and
examples/noncompliant captured under mocks (load_program starts the program in a child process: slow)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pulumi_policy", reason="the CrossGuard pack's tests need pulumi-policy (see policies/pulumi)")

from pulumi_policy import EnforcementLevel, StackValidationArgs, StackValidationPolicy  # noqa: E402
from pulumi_policy.proxy import UNKNOWN_BOOLEAN_VALUE, UnknownValueError  # noqa: E402

from checks.catalog.loader import load_catalog  # noqa: E402
from checks.flows.crossguard import PackEvaluator, policy_pack_policies  # noqa: E402
from checks.model import Severity  # noqa: E402
from checks.raw import RawResource  # noqa: E402
from checks.sources.program import ProgramRun, load_program  # noqa: E402
from tests.crossguard.stack import stack_args, violations  # noqa: E402
from tests.e2e.test_noncompliant import LIVE_ONLY, STATE_ONLY, declared_fails  # noqa: E402
from tests.paths import ROOT  # noqa: E402

pytestmark = pytest.mark.slow

PACK = ROOT / "policies" / "pulumi"
SSE_CONFIG = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"


class Program:
    def __init__(self, folder: str) -> None:
        self.run: ProgramRun = load_program(ROOT / folder)
        self.policies: list[StackValidationPolicy] = policy_pack_policies(
            PackEvaluator(ROOT / folder, unknown_errors=(UnknownValueError,)))
        self.args: StackValidationArgs = stack_args(self.run)

    def violations(self, args: StackValidationArgs | None = None) -> list[tuple[str, str, str | None]]:
        return violations(self.policies, args or self.args)


@pytest.fixture(scope="module")
def infra() -> Program:
    return Program("infra")


@pytest.fixture(scope="module")
def noncompliant() -> Program:
    return Program("examples/noncompliant")


def test_one_stack_policy_per_control_with_its_title_and_the_level_of_its_severity(infra: Program) -> None:
    controls = load_catalog().controls
    assert [p.name for p in infra.policies] == sorted(c.lower() for c in controls)
    for policy in infra.policies:
        control = controls[policy.name.upper()]
        assert isinstance(policy, StackValidationPolicy)
        assert policy.description == control.title
        assert policy.severity is not None
        assert (policy.severity.value, policy.remediation_steps) == (control.severity.value, control.remediation.pulumi)
        mandatory = control.severity in (Severity.CRITICAL, Severity.HIGH)
        assert policy.enforcement_level == (EnforcementLevel.MANDATORY if mandatory else EnforcementLevel.ADVISORY)
    levels = Counter(p.enforcement_level for p in infra.policies)
    assert levels[EnforcementLevel.MANDATORY] and levels[EnforcementLevel.ADVISORY]


def test_infra_has_no_violation(infra: Program) -> None:
    assert infra.violations() == []


def test_noncompliant_violates_every_control_its_planned_view_fails(noncompliant: Program) -> None:
    catalog = load_catalog().controls
    found = noncompliant.violations()
    assert {name.upper() for name, _, _ in found} == set(catalog) - set(LIVE_ONLY) - set(STATE_ONLY)
    for name, message, _ in found:
        assert message.startswith(f"[{name.upper()}] ")


def test_each_violation_is_on_the_resource_clearance_check_places_it_on(noncompliant: Program) -> None:
    """Every `# FAILS` declaration of the program is one violation on its resource's URN; a region's expectations
    (kind aws.region: no resource declares them) are violations of the stack."""
    regional = {cid for cid, c in load_catalog().controls.items() if c.kind == "aws.region"}
    assert regional
    located = {r.urn: str(r.location) for r in noncompliant.run.resources}
    found = sorted((name.upper(), located[urn] if urn else "(stack)") for name, _, urn in noncompliant.violations())
    expected = sorted((cid, "(stack)" if cid in regional else where) for cid, where in declared_fails())
    assert found == expected


def test_messages_are_clearance_messages(noncompliant: Program) -> None:
    key = next(r for r in noncompliant.run.resources if r.type == "aws:kms/key:Key" and r.name == "legacy")
    assert [(m, u) for n, m, u in noncompliant.violations() if n == "key-01"] == [
        ("[KEY-01] KMS key legacy does not rotate at least every 365 days (automatic rotation: false; rotation "
         "period in days: none)", key.urn)]
    regional = [m for n, m, u in noncompliant.violations() if n == "log-07"]
    assert regional == [
        "[LOG-07] Region eu-west-1 has no enabled GuardDuty detector: nothing watches its CloudTrail events for "
        "compromised credentials",
        "[LOG-07] Region us-east-1 has no enabled GuardDuty detector: nothing watches its CloudTrail events for "
        "compromised credentials"]


def test_a_value_unknown_during_preview_is_no_violation(noncompliant: Program) -> None:
    def unknown_rotation(raw: RawResource, props: dict[str, Any]) -> dict[str, Any]:
        if raw.type == "aws:kms/key:Key" and raw.name == "legacy":
            return {**props, "enableKeyRotation": UNKNOWN_BOOLEAN_VALUE}
        return props

    before = noncompliant.violations()
    after = noncompliant.violations(stack_args(noncompliant.run, unknown_rotation))
    assert [v for v in before if v[0] == "key-01"] and [v for v in after if v[0] == "key-01"] == []
    assert [v for v in before if v[0] != "key-01"] == after


def test_a_side_resource_decides_its_owner_s_verdict(infra: Program) -> None:
    """Why the policies are stack policies: a bucket's encryption is another resource of the stack."""
    bucket = next(r for r in infra.args.resources if r.resource_type == "aws:s3/bucket:Bucket"
                  and r.name == "customer-data")
    without = StackValidationArgs([r for r in infra.args.resources if not (
        r.resource_type == SSE_CONFIG and bucket in r.property_dependencies.get("bucket", []))])
    assert len(without.resources) == len(infra.args.resources) - 1
    assert [(name, urn) for name, _, urn in infra.violations(without)] == [("enc-01", bucket.urn)]


def test_the_requirements_pin_the_pulumi_policy_the_tests_ran_with() -> None:
    from importlib.metadata import version

    lines = (ROOT / "policies" / "pulumi" / "requirements.txt").read_text(encoding="utf-8").splitlines()
    assert f"pulumi-policy=={version('pulumi-policy')}" in lines
    assert "runtime: python" in (ROOT / "policies" / "pulumi" / "PulumiPolicy.yaml").read_text(encoding="utf-8")


def pack_process(program: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "CLEARANCE_PROGRAM": str(program), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.Popen([sys.executable, "__main__.py", "127.0.0.1:1", "."], cwd=PACK, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_the_pack_starts_and_serves_on_a_port() -> None:
    """The pack's __main__.py builds every policy and starts CrossGuard's analyzer, which prints its port."""
    with pack_process(ROOT / "infra") as proc:
        try:
            assert proc.stdout is not None and proc.stderr is not None
            line = proc.stdout.readline()
            assert line.strip().isdigit(), line + (proc.stderr.read() if proc.poll() is not None else "")
        finally:
            proc.terminate()


def test_a_broken_project_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "clearance.toml").write_text("fail_on = 'severe'\n", encoding="utf-8")
    with pack_process(tmp_path) as proc:
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1 and out == ""
    assert err.startswith("clearance policy pack: ") and err.count("\n") == 1 and "Traceback" not in err, err
