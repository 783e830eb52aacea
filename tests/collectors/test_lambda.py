"""The lambda collector and the live lambda.function normalizer (SEC-02, NET-17); environment values never leave."""

from __future__ import annotations

import io
import json
import zipfile

import boto3

from checks.collectors import lambda_ as lambda_collector  # registers the collector
from checks.model import Status
from tests.collectors.conftest import (
    ACCOUNT,
    REGION,
    assets_of,
    by_name,
    collect,
    results,
    scope,
    statuses,
)
from tests.collectors.test_list_failures import answer, denied

P, F, E, NA = Status.PASS, Status.FAIL, Status.ERROR, Status.NOT_APPLICABLE
PASSWORD = "hunter2-Sup3r-s3cret"
ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"


def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("index.py", "def handler(event, context):\n    return 1\n")
    return out.getvalue()


def make_functions(session: boto3.Session) -> None:
    """export: customer data, in the VPC, a secret ARN only; report: customer data outside the VPC with a password
    and an access key in its environment; thumbnails: no customer data, outside the VPC, nothing secret."""
    role = session.client("iam").create_role(RoleName="fn", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    ec2 = session.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="fn", Description="fn", VpcId=vpc)["GroupId"]
    fn = session.client("lambda")
    common = {"Runtime": "python3.12", "Role": role, "Handler": "index.handler", "Code": {"ZipFile": _zip()}}
    fn.create_function(FunctionName="export", Tags={"data": "customer"},
                       VpcConfig={"SubnetIds": [subnet], "SecurityGroupIds": [group]},
                       Environment={"Variables": {"DB_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:1:secret:x",
                                                  "STAGE": "prod"}}, **common)
    fn.create_function(FunctionName="report", Tags={"data": "customer"},
                       Environment={"Variables": {"DB_PASSWORD": PASSWORD, "UPLOAD_KEY": ACCESS_KEY}}, **common)
    fn.create_function(FunctionName="thumbnails", Tags={"data": "public"}, **common)


def test_functions_normalize_validate_and_evaluate(session: boto3.Session) -> None:
    make_functions(session)
    result = collect(scope(session), "lambda")
    assert result.errors == () and all(r.errors == {} for r in result.resources)
    assets = assets_of(result)
    export = by_name(assets, "export")
    assert export.id == f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:export"
    assert (export.region, export.account, export.tags) == (REGION, ACCOUNT, {"data": "customer"})
    assert export.attributes == {"function_name": "export", "in_vpc": True, "plaintext_secret_variables": []}
    assert by_name(assets, "report").attributes["plaintext_secret_variables"] == ["DB_PASSWORD", "UPLOAD_KEY"]
    assert statuses(assets, "SEC-02", "NET-17") == {
        ("SEC-02", "export"): P, ("SEC-02", "report"): F, ("SEC-02", "thumbnails"): P,
        ("NET-17", "export"): P, ("NET-17", "report"): F, ("NET-17", "thumbnails"): NA}


def test_environment_values_never_leave_the_collector(session: boto3.Session) -> None:
    make_functions(session)
    result = collect(scope(session), "lambda")
    assets = assets_of(result)
    shown = repr(result) + repr(assets) + "".join(f"{s} {d}" for s, d in results(assets).values())
    assert PASSWORD not in shown and ACCESS_KEY not in shown and "Sup3r" not in shown


def test_no_function_is_an_empty_list(session: boto3.Session) -> None:
    result = collect(scope(session), "lambda")
    assert (result.resources, result.errors) == ((), ())


def test_denied_tags_error_only_net_17(session: boto3.Session) -> None:
    # moto's IAM enforcement rejects every Lambda request's signature: the denial is answered here instead
    make_functions(session)
    answer(session, denied(["lambda:ListTags"]))
    assets = assets_of(collect(scope(session), "lambda"))
    got = results(assets, "SEC-02", "NET-17")
    assert {k: s for k, (s, _) in got.items()} == {
        ("SEC-02", "export"): P, ("SEC-02", "report"): F, ("SEC-02", "thumbnails"): P,
        ("NET-17", "export"): E, ("NET-17", "report"): E, ("NET-17", "thumbnails"): E}
    assert all("AccessDenied lambda:ListTags" in (d or "") for (c, _), (_, d) in got.items() if c == "NET-17")


def test_an_environment_lambda_could_not_decrypt_is_an_error_not_a_pass(session: boto3.Session) -> None:
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:export"
    broken = {"FunctionName": "export", "FunctionArn": arn, "Environment": {"Error": {
        "ErrorCode": "KMSAccessDeniedException", "Message": f"cannot decrypt {PASSWORD}"}}}
    answer(session, {"lambda:ListFunctions": lambda: (200, {"Functions": [broken]}),
                     "lambda:ListTags": lambda: (200, {"Tags": {}})})
    assets = assets_of(collect(scope(session), "lambda"))
    status, detail = results(assets, "SEC-02")[("SEC-02", "export")]
    assert status is E and "KMSAccessDeniedException" in (detail or "") and PASSWORD not in (detail or "")


def test_declared_operations_cover_every_call(session: boto3.Session) -> None:
    make_functions(session)
    seen: set[str] = set()
    session.events.register("before-call", lambda model, **_: seen.add(
        f"{model.service_model.signing_name}:{model.name}"))
    collect(scope(session), "lambda")
    assert seen == set(lambda_collector.OPERATIONS)
