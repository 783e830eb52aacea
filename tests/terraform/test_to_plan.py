"""Raw resources -> a Terraform plan that checkov's terraform_plan framework reads (and clearance reads back)."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from checks.model import UNKNOWN, Location, Secret, SourceKind
from checks.raw import RawResource
from checks.terraform.from_plan import load_terraform_plan
from checks.terraform.to_plan import safe_name, to_terraform_plan

SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"


def _urn(token: str, name: str) -> str:
    return f"urn:pulumi:dev::app::{token}::{name}"


def _raw(token: str, name: str, props: dict[str, Any], deps: dict[str, tuple[str, ...]] | None = None,
         **kw: Any) -> RawResource:
    return RawResource(type=token, urn=_urn(token, name), name=name, props=props, source=SourceKind.PLANNED,
                       property_dependencies=deps or {}, **kw)


VPC = _raw("aws:ec2/vpc:Vpc", "main", {"cidrBlock": "10.0.0.0/16", "tags": {"Name": "main"}},
           location=Location("infra/network.py", 12), region="eu-west-1")
FLOW = _raw("aws:ec2/flowLog:FlowLog", "main-flow", {"vpcId": UNKNOWN, "trafficType": "ALL",
                                                     "logDestination": UNKNOWN},
            {"vpcId": (VPC.urn,), "logDestination": ()}, region="eu-west-1")
KEY = _raw("aws:kms/key:Key", "data", {"enableKeyRotation": True}, region="eu-west-1")
BUCKET = _raw("aws:s3/bucketV2:BucketV2", "data", {"bucket": "acme-data"}, region="eu-west-1")
ENCRYPTION = _raw(SSE, "data-sse", {"bucket": UNKNOWN, "rules": [
    {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": UNKNOWN}}]},
    {"bucket": (BUCKET.urn,), "rules": (KEY.urn,)}, dependencies=(BUCKET.urn, KEY.urn), region="eu-west-1")
DB = _raw("aws:rds/instance:Instance", "orders", {"engine": "postgres", "password": Secret("s3cr3t-value"),
                                                  "vpcSecurityGroupIds": ["sg-1", UNKNOWN]}, region="eu-west-1")
QUEUE_COMPONENT = RawResource(type="acme:index:Queue", urn=_urn("acme:index:Queue", "q"), name="q", props={},
                              source=SourceKind.PLANNED, custom=False)
GLUE = _raw("aws:glue/job:Job", "etl", {"roleArn": "arn:aws:iam::1:role/x"})
ALL = [VPC, FLOW, KEY, BUCKET, ENCRYPTION, DB, QUEUE_COMPONENT, GLUE]


def _by_address(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["address"]: item for item in items}


def test_the_plan_has_what_checkov_requires_and_references_for_graph_edges() -> None:
    result = to_terraform_plan(ALL)
    plan = result.plan
    assert plan["terraform_version"] and plan["format_version"] == "1.2"
    planned = _by_address(plan["planned_values"]["root_module"]["resources"])
    assert sorted(planned) == ["aws_db_instance.orders", "aws_flow_log.main-flow", "aws_kms_key.data",
                               "aws_s3_bucket.data", "aws_s3_bucket_server_side_encryption_configuration.data-sse",
                               "aws_vpc.main"]
    assert all(r["mode"] == "managed" for r in planned.values())
    config = _by_address(plan["configuration"]["root_module"]["resources"])
    assert config["aws_flow_log.main-flow"]["expressions"] == {
        "vpc_id": {"references": ["aws_vpc.main.id", "aws_vpc.main"]}, "log_destination": {}}
    assert config["aws_s3_bucket_server_side_encryption_configuration.data-sse"]["expressions"] == {
        "bucket": {"references": ["aws_s3_bucket.data.id", "aws_s3_bucket.data"]},
        "rule": {"references": ["aws_kms_key.data.arn", "aws_kms_key.data"]}}
    assert plan["configuration"]["provider_config"]["aws"]["expressions"] == {
        "region": {"constant_value": "eu-west-1"}}
    assert result.addresses["aws_vpc.main"] == VPC.urn
    assert result.locations == {"aws_vpc.main": Location("infra/network.py", 12)}
    assert result.unmapped == {"aws:glue/job:Job": 1}  # the component is no AWS resource: not counted


def test_unknown_values_are_after_unknown_and_secrets_are_never_written() -> None:
    result = to_terraform_plan(ALL)
    planned = _by_address(result.plan["planned_values"]["root_module"]["resources"])
    changes = _by_address(result.plan["resource_changes"])
    sse = "aws_s3_bucket_server_side_encryption_configuration.data-sse"
    assert planned[sse]["values"] == {"region": "eu-west-1", "rule": [{"apply_server_side_encryption_by_default": [
        {"sse_algorithm": "aws:kms"}]}]}
    assert changes[sse]["change"]["after_unknown"] == {
        "bucket": True, "rule": [{"apply_server_side_encryption_by_default": [{"kms_master_key_id": True}]}]}
    db = "aws_db_instance.orders"
    assert planned[db]["values"] == {"engine": "postgres", "region": "eu-west-1",
                                     "vpc_security_group_ids": ["sg-1", None],
                                     "auto_minor_version_upgrade": True}  # the provider's default, left out
    assert planned[db]["sensitive_values"] == {"password": True}
    assert changes[db]["change"]["after_unknown"] == {"vpc_security_group_ids": [False, True]}
    assert changes[db]["change"]["actions"] == ["create"]
    assert "s3cr3t-value" not in result.to_json()


def test_output_is_deterministic_and_names_are_unique_terraform_names() -> None:
    shuffled = list(ALL)
    random.Random(7).shuffle(shuffled)
    assert to_terraform_plan(shuffled).to_json() == to_terraform_plan(ALL).to_json()
    twins = [_raw("aws:kms/key:Key", "a.b", {}), _raw("aws:kms/key:Key", "a/b", {})]
    assert sorted(to_terraform_plan(twins).addresses) == ["aws_kms_key.a_b", "aws_kms_key.a_b_2"]
    assert safe_name("9lives") == "_9lives"
    assert safe_name("my-key.v2") == "my-key_v2"


def test_a_written_plan_reads_back_into_the_same_resources(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text(to_terraform_plan(ALL).to_json(), encoding="utf-8")
    back = {r.name: r for r in load_terraform_plan(path).resources}
    sse = back["aws_s3_bucket_server_side_encryption_configuration.data-sse"]
    assert sse.type == SSE
    assert sse.props == {**ENCRYPTION.props, "region": "eu-west-1"}
    assert sse.property_dependencies == {"bucket": (back["aws_s3_bucket.data"].urn,),
                                         "rules": (back["aws_kms_key.data"].urn,)}
    assert back["aws_s3_bucket.data"].type == "aws:s3/bucket:Bucket"  # the v7 token
    assert back["aws_flow_log.main-flow"].props == {**FLOW.props, "region": "eu-west-1"}
    assert "password" not in back["aws_db_instance.orders"].props
    assert json.loads(path.read_text(encoding="utf-8"))["planned_values"]
