"""Terraform plans (hand-written from Terraform's documented JSON format) checked like the equivalent Pulumi
resources: the same control results, exact failing control ids, one-line errors for files that are not plans."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from checks.cli import app
from checks.errors import InputError
from checks.flows.assess import Options, assess, prepare
from checks.flows.check import CheckRequest, run_check
from checks.model import UNKNOWN, Location, Secret, SourceKind, Status
from checks.raw import RawResource
from checks.terraform.from_plan import load_terraform_plan

PLANS = Path(__file__).resolve().parents[1] / "fixtures" / "terraform"
NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
REGEN = "terraform show -json tfplan > {path}"


def _urn(token: str, name: str) -> str:
    return f"urn:pulumi:dev::app::{token}::{name}"


def _raw(token: str, name: str, props: dict[str, Any], deps: dict[str, tuple[str, ...]] | None = None,
         region: str | None = "eu-west-1") -> RawResource:
    """A resource as a Pulumi preview gives it: camelCase inputs, unknown outputs, property dependencies."""
    return RawResource(type=token, urn=_urn(token, name), name=name,
                       props={**props, "region": region} if region else props,
                       source=SourceKind.PLANNED, property_dependencies=deps or {},
                       dependencies=tuple(u for us in (deps or {}).values() for u in us), region=region)


PULUMI: dict[str, list[RawResource]] = {
    "buckets": [
        _raw("aws:kms/key:Key", "data", {"description": "data key", "enableKeyRotation": True}),
        _raw("aws:s3/bucket:Bucket", "encrypted", {"bucket": "acme-encrypted", "tags": {"team": "data"}}),
        _raw("aws:s3/bucket:Bucket", "plain", {"bucket": "acme-plain"}),
        _raw(SSE, "encrypted", {"bucket": UNKNOWN, "rules": [{
            "applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": UNKNOWN},
            "bucketKeyEnabled": True}]},
             {"bucket": (_urn("aws:s3/bucket:Bucket", "encrypted"),), "rules": (_urn("aws:kms/key:Key", "data"),)}),
    ],
    "kms_no_rotation": [
        _raw("aws:kms/key:Key", "logs", {"description": "logs key", "deletionWindowInDays": 7,
                                         "enableKeyRotation": False}),
    ],
    "network": [
        _raw("aws:ec2/vpc:Vpc", "main", {"cidrBlock": "10.0.0.0/16"}),
        _raw("aws:ec2/securityGroup:SecurityGroup", "bastion", {
            "name": "bastion", "description": "bastion access", "vpcId": UNKNOWN, "tags": {"Name": "bastion"},
            "ingress": [{"cidrBlocks": ["0.0.0.0/0"], "fromPort": 22, "toPort": 22, "protocol": "tcp",
                         "description": "ssh"}],
            "egress": [{"cidrBlocks": ["10.0.0.0/16"], "fromPort": 443, "toPort": 443, "protocol": "tcp"}]}),
    ],
    "checkov_secret": [  # the format of checkov's own plan fixtures (its example_SecretManagerSecretEncrypted)
        _raw("aws:secretsmanager/secret:Secret", "not_specified", {"name": "the-site-secret",
                                                                  "recoveryWindowInDays": 30}, region=None),
    ],
    "rds_public": [
        _raw("aws:rds/instance:Instance", "orders", {
            "identifier": "orders", "engine": "postgres", "engineVersion": "16.3", "instanceClass": "db.t4g.micro",
            "allocatedStorage": 20, "publiclyAccessible": True, "storageEncrypted": False,
            "backupRetentionPeriod": 0, "skipFinalSnapshot": True, "username": "app",
            "password": Secret("hunter2-do-not-print")}),
    ],
}

FAILING = {
    "buckets": [("ENC-01", "plain"), ("S3-02", "encrypted"), ("S3-02", "plain")],
    "checkov_secret": [("ENC-05", "not_specified"), ("SEC-01", "not_specified")],
    "kms_no_rotation": [("KEY-01", "logs")],
    "network": [("FW-01", "bastion"), ("LOG-03", "main"), ("NET-02", "bastion"), ("NET-03", "bastion"),
                ("NET-11", "main")],
    "rds_public": [("BAK-03", "orders"), ("BAK-05", "orders"), ("DB-02", "orders"), ("ENC-09", "orders"),
                   ("ENC-13", "orders"), ("NET-07", "orders")],
}


def _results(resources: list[RawResource], anchor: Path) -> list[tuple[str, str, str]]:
    prepared = prepare(Options(anchor=anchor), NOW)
    _, evaluation = assess(prepared, resources, NOW)
    return sorted((f.control_id, f.status.value, f.asset_name.rsplit(".", 1)[-1]) for f in evaluation.findings)


@pytest.mark.parametrize("plan", sorted(PULUMI))
def test_a_plan_gives_the_results_of_the_equivalent_pulumi_resources(plan: str, tmp_path: Path) -> None:
    from_plan = load_terraform_plan(PLANS / f"{plan}.json").resources
    assert _results(from_plan, tmp_path) == _results(PULUMI[plan], tmp_path)


@pytest.mark.parametrize("plan", sorted(FAILING))
def test_check_terraform_plan_fails_exactly_these_controls(plan: str, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    report = run_check(CheckRequest(terraform_plan=PLANS / f"{plan}.json", now=NOW))
    failing = sorted((f.control_id, f.asset_name.rsplit(".", 1)[-1]) for f in report.findings
                     if f.status is Status.FAIL)
    assert failing == FAILING[plan]
    assert report.view is SourceKind.PLANNED
    assert report.target == f"terraform plan {PLANS / f'{plan}.json'}"


def test_findings_name_the_resource_address_and_its_line_in_the_plan(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = PLANS / "rds_public.json"
    report = run_check(CheckRequest(terraform_plan=path, now=NOW))
    found = next(f for f in report.findings if f.control_id == "NET-07")
    assert found.asset_name == "aws_db_instance.orders"
    assert found.location == Location("tests/fixtures/terraform/rds_public.json", 5)
    assert report.warnings[0] == ("Terraform plan JSON records no source file or line: findings name each "
                                  "resource's line in tests/fixtures/terraform/rds_public.json and its address")


def test_unknown_references_secrets_modules_and_data_sources() -> None:
    src = load_terraform_plan(PLANS / "buckets.json")
    by_name = {r.name: r for r in src.resources}
    sse = by_name["aws_s3_bucket_server_side_encryption_configuration.encrypted"]
    assert sse.type == SSE
    assert sse.props["bucket"] is UNKNOWN
    assert sse.props["rules"][0]["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"] is UNKNOWN
    assert dict(sse.property_dependencies) == {
        "bucket": (by_name["aws_s3_bucket.encrypted"].urn,), "rules": (by_name["aws_kms_key.data"].urn,)}
    # computed attributes the configuration does not set are left out, as Pulumi inputs leave them out
    assert "serverSideEncryptionConfiguration" not in by_name["aws_s3_bucket.plain"].props
    rds = load_terraform_plan(PLANS / "rds_public.json").resources[0]
    assert rds.props["password"] == Secret("hunter2-do-not-print")
    assert rds.props["username"] == "app"
    network = load_terraform_plan(PLANS / "network.json")
    assert sorted(r.name for r in network.resources) == ["aws_security_group.bastion", "module.net.aws_vpc.main"]


def test_no_secret_reaches_any_report(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["check", "--terraform-plan", str(PLANS / "rds_public.json"), "--out",
                                      str(tmp_path / "out"), "-f", "console", "-f", "json", "-f", "sarif"])
    assert result.exit_code == 1, result.output
    assert "NET-07" in result.output
    written = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "out").rglob("*") if p.is_file())
    assert "clearance" in written and "hunter2" not in written + result.output


def test_a_value_either_sensitive_mark_names_is_secret(tmp_path: Path) -> None:
    plan = json.loads((PLANS / "rds_public.json").read_text(encoding="utf-8"))
    plan["resource_changes"][0]["change"]["after_sensitive"] = {"username": True}
    path = tmp_path / "tfplan.json"
    path.write_text(json.dumps(plan), encoding="utf-8")
    props = load_terraform_plan(path).resources[0].props
    assert props["password"] == Secret("hunter2-do-not-print")
    assert props["username"] == Secret("app")


def test_a_reference_without_after_unknown_still_links_the_resources(tmp_path: Path) -> None:
    """checkov's fixture plans often leave out `after_unknown`: a null attribute with a reference is unknown."""
    plan = json.loads((PLANS / "buckets.json").read_text(encoding="utf-8"))
    for change in plan["resource_changes"]:
        change["change"].pop("after_unknown")
    path = tmp_path / "tfplan.json"
    path.write_text(json.dumps(plan), encoding="utf-8")
    by_name = {r.name: r for r in load_terraform_plan(path).resources}
    sse = by_name["aws_s3_bucket_server_side_encryption_configuration.encrypted"]
    assert sse.props["bucket"] is UNKNOWN
    assert sse.property_dependencies["bucket"] == (by_name["aws_s3_bucket.encrypted"].urn,)


@pytest.mark.parametrize(("content", "message"), [
    ("{not json", "{p}: not valid JSON (Expecting property name enclosed in double quotes at line 1, column 2): "
                  "a binary plan file is read with '" + REGEN + "'"),
    ("[1, 2]", "{p}: this is not a Terraform plan (the JSON is not an object): write one with '" + REGEN + "'"),
    ('{"steps": []}', "{p}: this is not a Terraform plan (no 'terraform_version' at the top level): write one "
                      "with '" + REGEN + "'"),
    ('{"terraform_version": "1.9.0"}', "{p}: this is not a Terraform plan (no 'planned_values' at the top level): "
                                       "write one with '" + REGEN + "'"),
    ('{"terraform_version": "1.9.0", "planned_values": []}',
     "{p}: 'planned_values' is not an object: the file is not a complete Terraform plan; regenerate it with '"
     + REGEN + "'"),
    ('{"terraform_version": "1.9.0", "planned_values": {"root_module": {"resources": [{"address": "aws_vpc.a", '
     '"mode": "managed", "name": "a"}]}}}',
     "{p}: 'planned_values.root_module.resources[0]' has no 'type': the file is not a complete Terraform plan; "
     "regenerate it with '" + REGEN + "'"),
    ('{"terraform_version": "1.9.0", "planned_values": {"root_module": {"child_modules": [{"resources": {}}]}}}',
     "{p}: 'planned_values.root_module.child_modules[0].resources' is not a list: the file is not a complete "
     "Terraform plan; regenerate it with '" + REGEN + "'"),
])
def test_a_file_that_is_not_a_plan_is_one_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "tfplan.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_terraform_plan(path)
    assert str(err.value) == message.format(p=path, path=path)


def test_a_missing_plan_and_two_sources_are_usage_errors(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    result = CliRunner().invoke(app, ["check", "--terraform-plan", str(missing), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert f"{missing}: file not found: check the path, or create it with 'terraform show -json tfplan > " \
           f"{missing}'" in " ".join(result.output.split())
    both = CliRunner().invoke(app, ["check", "infra", "--terraform-plan", str(PLANS / "buckets.json")])
    assert both.exit_code == 2
    assert "give exactly one of PROGRAM_DIR, --preview FILE, --state FILE or --terraform-plan FILE" in \
        " ".join(both.output.split())


def test_types_the_table_does_not_map_are_counted_and_named(tmp_path: Path) -> None:
    plan = json.loads((PLANS / "kms_no_rotation.json").read_text(encoding="utf-8"))
    plan["planned_values"]["root_module"]["resources"].append(
        {"address": "aws_glue_job.etl", "mode": "managed", "type": "aws_glue_job", "name": "etl", "values": {}})
    path = tmp_path / "tfplan.json"
    path.write_text(json.dumps(plan), encoding="utf-8")
    src = load_terraform_plan(path)
    assert [r.name for r in src.resources] == ["aws_kms_key.logs"]
    assert src.unmapped == {"aws_glue_job": 1}
    assert src.warnings[-1] == ("1 resource(s) of Terraform types clearance does not map are not checked: "
                                "aws_glue_job (1)")
