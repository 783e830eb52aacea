"""lambda.function: plain-text secrets in environment variables (SEC-02) and functions handling customer data in the
VPC (NET-17), planned and state; a secret value never reaches an asset or a finding."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from checks.catalog.loader import load_catalog
from checks.engine import evaluate
from checks.model import UNKNOWN, Asset, Secret, SourceKind, Status
from tests.normalize.conftest import make_raw, one, run_normalize

FUNCTION = "aws:lambda/function:Function"
PASSWORD = "hunter2-Sup3r-s3cret"
ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
VPC = {"subnetIds": ["subnet-1", "subnet-2"], "securityGroupIds": ["sg-1"]}


def function(props: dict[str, Any], **kwargs: Any) -> Asset:
    return one(run_normalize(make_raw(FUNCTION, "export", {"name": "export", **props}, **kwargs)), "lambda.function")


def statuses(asset: Asset, *control_ids: str) -> dict[str, Status]:
    catalog = load_catalog()
    controls = [catalog.controls[c] for c in control_ids]
    found = evaluate(controls, [asset], now=dt.datetime.now(dt.UTC), templates=catalog.templates).findings
    return {f.control_id: f.status for f in found}


def env(variables: Any) -> dict[str, Any]:
    return {"environment": {"variables": variables}}


@pytest.mark.parametrize("source", [SourceKind.PLANNED, SourceKind.STATE])
def test_secret_like_names_with_literal_values_fail(source: SourceKind) -> None:
    asset = function(env({"DB_PASSWORD": PASSWORD, "API_TOKEN": "t0k3n", "STAGE": "prod", "aws_key": ACCESS_KEY,
                          "DB_PASSWORD_SECRET_ARN": "arn:aws:secretsmanager:eu-west-1:1:secret:db-AbCdEf",
                          "SIGNING_SECRET": "arn:aws:ssm:eu-west-1:1:parameter/signing", "TOKEN_TTL": "3600",
                          "USE_TOKEN": "true", "EMPTY_SECRET": "", "DATABASE_URL": f"postgres://app:{PASSWORD}@db/app",
                          "CACHE_URL": "redis://cache:6379/0"}), source=source, id="export")
    assert asset.attributes["plaintext_secret_variables"] == ["API_TOKEN", "DATABASE_URL", "DB_PASSWORD", "aws_key"]
    assert statuses(asset, "SEC-02") == {"SEC-02": Status.FAIL}


@pytest.mark.parametrize("source", [SourceKind.PLANNED, SourceKind.STATE])
def test_references_and_plain_settings_pass(source: SourceKind) -> None:
    asset = function(env({"DB_SECRET_ARN": "arn:aws:secretsmanager:eu-west-1:1:secret:db-AbCdEf", "STAGE": "prod"}),
                     source=source, id="export")
    assert asset.attributes["plaintext_secret_variables"] == []
    assert statuses(asset, "SEC-02") == {"SEC-02": Status.PASS}
    assert function({}, source=source, id="export").attributes["plaintext_secret_variables"] == []


def test_a_pulumi_secret_value_is_a_plaintext_secret_whatever_its_name() -> None:
    assert function(env({"CONFIG": Secret(PASSWORD), "STAGE": "prod"})).attributes[
        "plaintext_secret_variables"] == ["CONFIG"]
    assert function(env(Secret({"A": "x", "B": "y"}))).attributes["plaintext_secret_variables"] == ["A", "B"]
    assert function(env({"CONFIG": Secret(UNKNOWN)})).attributes["plaintext_secret_variables"] == ["CONFIG"]


def test_values_computed_at_deployment() -> None:
    # a secret-like name with a computed value may be a literal or a reference: unknown
    asset = function(env({"DB_PASSWORD": UNKNOWN, "DB_HOST": UNKNOWN}))
    assert "plaintext_secret_variables" in asset.unknown
    assert statuses(asset, "SEC-02") == {"SEC-02": Status.UNKNOWN}
    # a computed address under a plain name decides nothing; a literal secret next to it still fails
    assert function(env({"DB_HOST": UNKNOWN})).attributes["plaintext_secret_variables"] == []
    assert function(env({"DB_PASSWORD": UNKNOWN, "API_KEY": "k"})).attributes[
        "plaintext_secret_variables"] == ["API_KEY"]
    assert "plaintext_secret_variables" in function({"environment": UNKNOWN}).unknown
    assert "plaintext_secret_variables" in function(env(UNKNOWN)).unknown


@pytest.mark.parametrize("source", [SourceKind.PLANNED, SourceKind.STATE])
def test_customer_data_functions_run_in_the_vpc(source: SourceKind) -> None:
    tags = {"data": "customer"}
    inside = function({"vpcConfig": VPC, "tags": tags}, source=source, id="export")
    assert inside.attributes["in_vpc"] is True and statuses(inside, "NET-17") == {"NET-17": Status.PASS}
    outside = function({"tags": tags}, source=source, id="export")
    assert outside.attributes["in_vpc"] is False and statuses(outside, "NET-17") == {"NET-17": Status.FAIL}
    other = function({"tags": {"data": "public"}}, source=source, id="export")
    assert statuses(other, "NET-17") == {"NET-17": Status.NOT_APPLICABLE}


def test_state_writes_an_empty_vpc_config_for_a_function_outside_the_vpc() -> None:
    empty = {"subnetIds": [], "securityGroupIds": [], "vpcId": ""}
    asset = function({"vpcConfig": empty, "tags": {"data": "customer"}}, source=SourceKind.STATE, id="export")
    assert asset.attributes["in_vpc"] is False


def test_subnets_computed_at_deployment_are_still_subnets() -> None:
    assert function({"vpcConfig": {"subnetIds": [UNKNOWN], "securityGroupIds": [UNKNOWN]}}).attributes["in_vpc"]
    asset = function({"vpcConfig": {"subnetIds": UNKNOWN}, "tags": {"data": "customer"}})
    assert "in_vpc" in asset.unknown and statuses(asset, "NET-17") == {"NET-17": Status.UNKNOWN}
    assert "in_vpc" in function({"vpcConfig": UNKNOWN}).unknown


def test_a_secret_value_never_reaches_the_asset_or_a_finding() -> None:
    asset = function({**env({"DB_PASSWORD": PASSWORD, "KEY": ACCESS_KEY, "WRAPPED": Secret(PASSWORD + "-2")}),
                      "tags": {"data": "customer"}})
    catalog = load_catalog()
    findings = evaluate(list(catalog.controls.values()), [asset], now=dt.datetime.now(dt.UTC),
                        templates=catalog.templates).findings
    assert {f.control_id: f.status for f in findings if f.control_id == "SEC-02"} == {"SEC-02": Status.FAIL}
    shown = repr(asset) + "".join(f"{f.message} {f.detail} {f!r}" for f in findings)
    for value in (PASSWORD, ACCESS_KEY, "Sup3r"):
        assert value not in shown
