"""Reviewed security-group rules end to end: a program with auto-named groups applied to an in-process sandbox; the
live groups, linked to their state, carry the planned fingerprints (and the state view's are the planned ones too).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from checks.drift.config import compare
from checks.drift.ignore import IgnoreRules
from checks.drift.link import group_names, link_to_state
from checks.drift.model import DriftClass
from checks.drift.rules import unreviewed_rules
from checks.model import Asset
from checks.normalize import normalize
from checks.raw import RawResource
from checks.sources.program import load_program
from checks.sources.state import load_state

pytest.importorskip("moto", reason="the sandbox needs the extra clearance[sandbox] (moto)")

from checks.flows.scan import ScanRequest, read_live  # noqa: E402
from checks.sandbox import SandboxInfo, running_sandbox  # noqa: E402
from checks.sandbox.apply import apply_program  # noqa: E402
from tests.aws_env import fake_aws_env

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = ROOT / "tests" / "fixtures" / "programs" / "autonamed_sg"
REGION = "eu-west-1"
GROUPS = ("web", "api", "named")


@dataclass(frozen=True)
class Views:
    planned: list[Asset]
    state_raw: list[RawResource]
    live_raw: list[RawResource]
    ids: dict[str, str]   # logical name -> live group id (sg-...)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxInfo]:
    with pytest.MonkeyPatch.context() as mp:
        fake_aws_env(mp)
        with running_sandbox(region=REGION) as info:
            yield info


@pytest.fixture(scope="module")
def views(sandbox: SandboxInfo, tmp_path_factory: pytest.TempPathFactory) -> Views:
    out = tmp_path_factory.mktemp("apply") / "state.json"
    result = apply_program(PROGRAM, sandbox.session(), sandbox.endpoint, out)
    assert result.problems() == []
    state = load_state(out).resources
    live = read_live(ScanRequest(session=sandbox.session(REGION), endpoint_url=sandbox.endpoint,
                                 regions=(REGION,), services=("ec2_network",), max_workers=2)).resources
    planned = normalize(load_program(PROGRAM).resources).assets
    ids = {o.name: str(o.id) for o in result.applied if o.type == "aws:ec2/securityGroup:SecurityGroup"}
    return Views(planned, state, live, ids)


def _fingerprints(assets: list[Asset], group: str, views: Views) -> set[str]:
    """The rule fingerprints of one group (by logical name) in a view."""
    wanted = views.ids[group]
    found = [a for a in assets if a.kind == "ec2.security_group"
             and (a.name == group if a.urn and a.source.value == "planned" else a.id.endswith("/" + wanted))]
    assert len(found) == 1, [a.id for a in assets if a.kind == "ec2.security_group"]
    return {r["fingerprint"] for r in found[0].attributes["rules"]}


def test_pass_linked_live_fingerprints_equal_planned_for_auto_named_groups(views: Views) -> None:
    live = normalize(views.live_raw, group_names=group_names(views.state_raw)).assets
    for group in GROUPS:
        planned = _fingerprints(views.planned, group, views)
        assert planned and _fingerprints(live, group, views) == planned, group


def test_fail_unlinked_live_fingerprints_of_auto_named_groups_differ_from_planned(views: Views) -> None:
    live = normalize(views.live_raw).assets  # no linking: the auto-named groups carry their physical names
    assert _fingerprints(live, "web", views).isdisjoint(_fingerprints(views.planned, "web", views))
    assert _fingerprints(live, "api", views).isdisjoint(_fingerprints(views.planned, "api", views))
    assert _fingerprints(live, "named", views) == _fingerprints(views.planned, "named", views)  # named: no change


def test_pass_state_fingerprints_equal_planned(views: Views) -> None:
    state = normalize(views.state_raw).assets
    for group in GROUPS:
        assert _fingerprints(state, group, views) == _fingerprints(views.planned, group, views), group


def test_pass_linked_groups_in_sync_and_aws_defaults_ignored(views: Views) -> None:
    state = normalize(views.state_raw).assets
    live = normalize(link_to_state(views.live_raw, views.state_raw)).assets  # as the drift flow links them
    drift = compare(state, live, ignore=IgnoreRules())
    # keyed by the Pulumi name (the urn's last part): drift items carry the live (AWS) name, as findings do
    groups = {(i.urn or "").rsplit("::", 1)[-1]: i for i in drift.items
              if i.kind == "ec2.security_group" and i.drift is not DriftClass.UNMANAGED}
    assert {n: (g.drift, g.changes) for n, g in groups.items()} == {n: (DriftClass.IN_SYNC, ()) for n in GROUPS}
    unmanaged = [(i.kind, i.name) for i in drift.of(DriftClass.UNMANAGED)]
    assert all(kind != "ec2.security_group" for kind, _ in unmanaged), unmanaged  # default groups are AWS's
    assert drift.ignored >= 2  # the default VPC, its subnets, the default groups


def test_pass_unreviewed_live_rules_carry_the_planned_fingerprint_and_review_command(views: Views) -> None:
    live = normalize(views.live_raw, group_names=group_names(views.state_raw)).assets
    rules = unreviewed_rules(live, "tests/fixtures/programs/autonamed_sg")
    [web] = [r for r in rules if r.group_id.endswith(views.ids["web"])]
    [fp] = _fingerprints(views.planned, "web", views)
    assert web.fingerprint == fp and web.rule == "ingress tcp 443 from 0.0.0.0/0"
    assert web.command == ("clearance sg review tests/fixtures/programs/autonamed_sg --reviewer <you> "
                           f"--fingerprint {fp}")
