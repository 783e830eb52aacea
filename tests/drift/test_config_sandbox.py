"""Configuration drift on infra/ applied to an in-process sandbox: its state export (what `clearance sandbox apply
infra` writes) against the sandbox's live scan is in sync, but for what moto does not emulate."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from checks.drift.config import compare
from checks.drift.ignore import IgnoreRules
from checks.drift.link import group_names
from checks.drift.model import ConfigurationDrift, DriftClass
from checks.normalize import normalize
from checks.sources.state import load_state

pytest.importorskip("moto", reason="the sandbox needs the extra clearance[sandbox] (moto)")

from checks.flows.scan import ScanRequest, read_live  # noqa: E402
from checks.sandbox import SandboxInfo, running_sandbox  # noqa: E402
from checks.sandbox.apply import apply_program  # noqa: E402
from checks.sandbox.state import reset  # noqa: E402
from tests.aws_env import fake_aws_env

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
REGION = "eu-west-1"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxInfo]:
    with pytest.MonkeyPatch.context() as mp:
        fake_aws_env(mp)
        mp.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")  # role policy attachments of infra/ need them
        with running_sandbox(region=REGION) as info:
            reset(info.endpoint, timeout=60)
            yield info
            mp.delenv("MOTO_IAM_LOAD_MANAGED_POLICIES")
            reset(info.endpoint, timeout=60)


@pytest.fixture(scope="module")
def drift(sandbox: SandboxInfo, tmp_path_factory: pytest.TempPathFactory) -> ConfigurationDrift:
    out = tmp_path_factory.mktemp("apply") / "sandbox-state.json"
    apply_program(ROOT / "infra", sandbox.session(), sandbox.endpoint, out)
    source = load_state(out)
    live = read_live(ScanRequest(session=sandbox.session(REGION), endpoint_url=sandbox.endpoint, regions=(REGION,),
                                 max_workers=2))
    state_assets = normalize(source.resources).assets
    live_assets = normalize(live.resources, group_names=group_names(source.resources)).assets
    stacks = {a.urn: f"{source.project}/{source.stack}" for a in state_assets if a.urn}
    return compare(state_assets, live_assets, ignore=IgnoreRules(), stacks=stacks,
                   unread_kinds={s.kind for s in live.unread})


def test_pass_infra_state_matches_its_live_scan(drift: ConfigurationDrift) -> None:
    assert drift.of(DriftClass.MISSING) == [] and drift.of(DriftClass.UNMANAGED) == []
    # the sandbox creates the interfaces AWS gives ECS tasks and RDS instances (moto does not): groups match live
    assert drift.of(DriftClass.CHANGED) == []
    assert len(drift.of(DriftClass.IN_SYNC)) >= 25
    assert all(i.stack == "aptly/dev" for i in drift.items)
    assert drift.not_read == ()  # every kind infra declares has a live collector


def test_pass_aws_defaults_ignored_and_coverage_counts_managed(drift: ConfigurationDrift) -> None:
    assert drift.ignored >= 3  # the default VPC, its default security group, the RDS-owned master secret ...
    coverage = {c.kind: (c.live, c.managed) for c in drift.coverage}
    assert coverage["ec2.security_group"] == (4, 4) and coverage["kms.key"] == (4, 4)
    assert all(c.share == 1.0 for c in drift.coverage)
