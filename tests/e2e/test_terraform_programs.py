"""Terraform plans of the repository's own programs (infra/ and examples/noncompliant, run under mocks in a child
process: slow): every resource clearance normalizes is mapped, and the flow log -> VPC and encryption configuration
-> bucket references are in the configuration, where checkov's graph makes edges of them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from checks.flows.assess import Options, assess, prepare
from checks.normalize import load_normalizers
from checks.normalize.base import FOLDED, NORMALIZERS
from checks.raw import RawResource
from checks.sources.program import load_program
from checks.terraform.from_plan import load_terraform_plan
from checks.terraform.to_plan import TerraformPlan, safe_name, to_terraform_plan

ROOT = Path(__file__).resolve().parents[2]
NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
SSE_TYPE = "aws_s3_bucket_server_side_encryption_configuration"


@cache
def _plan(folder: str) -> tuple[TerraformPlan, int]:
    run = load_program(ROOT / folder)
    load_normalizers()
    normalized = sum(1 for r in run.resources if r.type in NORMALIZERS or r.type in FOLDED)
    return to_terraform_plan(run.resources), normalized


def _references(plan: dict[str, Any], tf_type: str, attr: str) -> list[list[str]]:
    return [r["expressions"][attr]["references"] for r in plan["configuration"]["root_module"]["resources"]
            if r["type"] == tf_type and attr in r["expressions"] and "references" in r["expressions"][attr]]


@pytest.mark.parametrize("folder", ["infra", "examples/noncompliant"])
def test_the_plan_of_a_program_links_flow_logs_to_vpcs_and_encryption_to_buckets(folder: str) -> None:
    result, normalized = _plan(folder)
    plan = result.plan
    planned = plan["planned_values"]["root_module"]["resources"]
    assert len(planned) >= normalized  # every normalized resource is in the plan (and some others)
    types = {r["type"] for r in planned}
    vpcs = {r["address"] for r in planned if r["type"] == "aws_vpc"}
    buckets = {r["address"] for r in planned if r["type"] == "aws_s3_bucket"}
    flow_refs = _references(plan, "aws_flow_log", "vpc_id")
    assert flow_refs and all(refs[1] in vpcs and refs[0] == f"{refs[1]}.id" for refs in flow_refs)
    sse_refs = _references(plan, SSE_TYPE, "bucket")
    assert SSE_TYPE in types
    assert sse_refs and all(refs[1] in buckets for refs in sse_refs)
    assert set(result.addresses) == {r["address"] for r in planned}
    assert all(result.addresses[a].startswith("urn:pulumi:") for a in result.addresses)
    assert result.locations and all(loc.line > 0 for loc in result.locations.values())


def _results(resources: list[RawResource], anchor: Path, name: Callable[[str], str]) -> list[tuple[str, str, str]]:
    prepared = prepare(Options(anchor=anchor), NOW)
    _, evaluation = assess(prepared, resources, NOW)
    return sorted((f.control_id, f.status.value, name(f.asset_name)) for f in evaluation.findings)


@pytest.mark.parametrize("folder", ["infra", "examples/noncompliant"])
def test_a_program_written_as_a_plan_and_read_back_gives_the_same_results(folder: str, tmp_path: Path) -> None:
    """Both directions read one table. Documents built from outputs (an ECS container definition under mocks) are
    partly known to clearance but wholly unknown in a plan: the controls that read them are left out here."""
    run = load_program(ROOT / folder)
    path = tmp_path / "plan.json"
    path.write_text(to_terraform_plan(run.resources).to_json(), encoding="utf-8")
    back = load_terraform_plan(path).resources
    partial = {safe_name(r.name) for r in run.resources if r.partial}
    original = [f for f in _results(run.resources, tmp_path, safe_name) if f[2] not in partial]
    read_back = [f for f in _results(back, tmp_path, lambda n: n.split(".", 1)[-1]) if f[2] not in partial]
    assert len(original) > 90
    assert read_back == original
