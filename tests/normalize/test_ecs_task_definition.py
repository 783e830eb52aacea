"""ecs.task_definition: privileged containers (NET-18) and plain-text secrets in the containers' environment (SEC-03),
planned and state; the container definitions are a JSON string; a secret value never reaches an asset or a finding."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from checks.catalog.loader import load_catalog
from checks.engine import evaluate
from checks.model import UNKNOWN, Asset, Secret, SourceKind, Status
from tests.normalize.conftest import make_raw, one, run_normalize

TASK = "aws:ecs/taskDefinition:TaskDefinition"
PASSWORD = "hunter2-Sup3r-s3cret"
WEB = {"name": "web", "image": "nginx:1.27", "essential": True,
       "environment": [{"name": "STAGE", "value": "prod"}, {"name": "DB_HOST", "value": "db.internal"}],
       "secrets": [{"name": "DB_PASSWORD", "valueFrom": "arn:aws:secretsmanager:eu-west-1:1:secret:db-AbCdEf"}]}


def task(containers: Any, **kwargs: Any) -> Asset:
    value = json.dumps(containers) if isinstance(containers, list) else containers
    props = {"family": "app", "containerDefinitions": value}
    return one(run_normalize(make_raw(TASK, "app", props, **kwargs)), "ecs.task_definition")


def statuses(asset: Asset, *control_ids: str) -> dict[str, Status]:
    catalog = load_catalog()
    found = evaluate([catalog.controls[c] for c in control_ids], [asset], now=dt.datetime.now(dt.UTC),
                     templates=catalog.templates).findings
    return {f.control_id: f.status for f in found}


@pytest.mark.parametrize("source", [SourceKind.PLANNED, SourceKind.STATE])
def test_secrets_from_secrets_manager_and_unprivileged_containers_pass(source: SourceKind) -> None:
    asset = task([WEB], source=source, id="arn:aws:ecs:eu-west-1:1:task-definition/app:3")
    assert asset.attributes == {"family": "app", "privileged_containers": [], "plaintext_secret_variables": []}
    assert statuses(asset, "SEC-03", "NET-18") == {"SEC-03": Status.PASS, "NET-18": Status.PASS}


@pytest.mark.parametrize("source", [SourceKind.PLANNED, SourceKind.STATE])
def test_privileged_container_and_password_in_environment_fail(source: SourceKind) -> None:
    agent = {"name": "agent", "image": "agent:1", "privileged": True,
             "environment": [{"name": "API_KEY", "value": "k-123"}, {"name": "DEBUG", "value": "false"}]}
    web = {**WEB, "privileged": False, "environment": [{"name": "DB_PASSWORD", "value": PASSWORD}]}
    asset = task([web, agent], source=source, id="arn:aws:ecs:eu-west-1:1:task-definition/app:3")
    assert asset.attributes["privileged_containers"] == ["agent"]
    assert asset.attributes["plaintext_secret_variables"] == ["agent/API_KEY", "web/DB_PASSWORD"]
    assert statuses(asset, "SEC-03", "NET-18") == {"SEC-03": Status.FAIL, "NET-18": Status.FAIL}


def test_container_definitions_computed_at_deployment_are_unknown() -> None:
    # infra/ and most programs build the JSON from outputs (image URL, database address): no part is known
    asset = task(UNKNOWN)
    assert {"privileged_containers", "plaintext_secret_variables"} <= asset.unknown
    assert statuses(asset, "SEC-03", "NET-18") == {"SEC-03": Status.UNKNOWN, "NET-18": Status.UNKNOWN}


def test_container_definitions_that_are_not_a_list_of_objects_are_an_error_never_a_pass() -> None:
    for value in ("not json", json.dumps({"name": "web"}), json.dumps(["web"])):
        asset = task(value)
        assert statuses(asset, "SEC-03", "NET-18") == {"SEC-03": Status.ERROR, "NET-18": Status.ERROR}


def test_secret_container_definitions_are_read_and_never_shown() -> None:
    # a Pulumi secret inside the JSON makes the whole string secret; its plaintext is parsed, not printed
    web = {**WEB, "environment": [{"name": "DB_PASSWORD", "value": PASSWORD}]}
    asset = task(Secret(json.dumps([web])))
    assert asset.attributes["plaintext_secret_variables"] == ["web/DB_PASSWORD"]
    catalog = load_catalog()
    findings = evaluate(list(catalog.controls.values()), [asset], now=dt.datetime.now(dt.UTC),
                        templates=catalog.templates).findings
    assert {f.control_id: f.status for f in findings} == {"SEC-03": Status.FAIL, "NET-18": Status.PASS}
    shown = repr(asset) + "".join(f"{f.message} {f.detail} {f!r}" for f in findings)
    assert PASSWORD not in shown and "Sup3r" not in shown


def test_a_plain_password_never_reaches_the_asset_or_a_finding() -> None:
    web = {**WEB, "environment": [{"name": "DB_PASSWORD", "value": PASSWORD},
                                  {"name": "AWS_ACCESS_KEY_ID", "value": "AKIAIOSFODNN7EXAMPLE"}]}
    asset = task([web])
    catalog = load_catalog()
    findings = evaluate(list(catalog.controls.values()), [asset], now=dt.datetime.now(dt.UTC),
                        templates=catalog.templates).findings
    assert asset.attributes["plaintext_secret_variables"] == ["web/AWS_ACCESS_KEY_ID", "web/DB_PASSWORD"]
    shown = repr(asset) + "".join(f"{f.message} {f.detail} {f!r}" for f in findings)
    assert PASSWORD not in shown and "AKIAIOSFODNN7EXAMPLE" not in shown
