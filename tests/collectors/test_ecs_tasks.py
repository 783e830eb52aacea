"""The ecs_tasks collector and the live ecs.task_definition normalizer (SEC-03, NET-18): the latest ACTIVE revision of
each family; container environment values never leave the collector."""

from __future__ import annotations

import boto3

from checks.collectors import ecs_tasks as ecs_tasks_collector  # registers the collector
from checks.model import Status
from tests.collectors.conftest import (
    ACCOUNT,
    REGION,
    assets_of,
    by_name,
    collect,
    restricted_session,
    results,
    scope,
    statuses,
    with_iam_enforced,
)
from tests.collectors.test_list_failures import answer

P, F, E = Status.PASS, Status.FAIL, Status.ERROR
PASSWORD = "hunter2-Sup3r-s3cret"
SECRET_ARN = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:db-AbCdEf"


def make_task_definitions(session: boto3.Session) -> None:
    """web: revision 1 had a password in its environment, revision 2 (the latest) takes it from Secrets Manager;
    agent: a privileged container with an API key in its environment; old: its only revision is deregistered."""
    ecs = session.client("ecs")
    web = {"name": "web", "image": "nginx:1.27", "memory": 512}
    ecs.register_task_definition(family="web", containerDefinitions=[
        {**web, "environment": [{"name": "DB_PASSWORD", "value": PASSWORD}]}])
    ecs.register_task_definition(family="web", tags=[{"key": "data", "value": "customer"}], containerDefinitions=[
        {**web, "environment": [{"name": "STAGE", "value": "prod"}],
         "secrets": [{"name": "DB_PASSWORD", "valueFrom": SECRET_ARN}]}])
    ecs.register_task_definition(family="agent", containerDefinitions=[
        {"name": "agent", "image": "agent:1", "memory": 256, "privileged": True,
         "environment": [{"name": "API_KEY", "value": PASSWORD}]}])
    old = ecs.register_task_definition(family="old", containerDefinitions=[
        {"name": "old", "image": "old:1", "memory": 256, "privileged": True}])["taskDefinition"]["taskDefinitionArn"]
    ecs.deregister_task_definition(taskDefinition=old)


def test_latest_active_revisions_normalize_validate_and_evaluate(session: boto3.Session) -> None:
    make_task_definitions(session)
    result = collect(scope(session), "ecs_tasks")
    assert result.errors == () and all(r.errors == {} for r in result.resources)
    assets = assets_of(result)
    assert sorted(a.name for a in assets) == ["agent", "web"]
    web = by_name(assets, "web")
    assert web.id == f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/web:2"
    assert (web.region, web.account, web.tags) == (REGION, ACCOUNT, {"data": "customer"})
    assert web.attributes == {"family": "web", "privileged_containers": [], "plaintext_secret_variables": []}
    assert by_name(assets, "agent").attributes == {
        "family": "agent", "privileged_containers": ["agent"], "plaintext_secret_variables": ["agent/API_KEY"]}
    assert statuses(assets, "SEC-03", "NET-18") == {
        ("SEC-03", "web"): P, ("SEC-03", "agent"): F, ("NET-18", "web"): P, ("NET-18", "agent"): F}


def test_environment_values_never_leave_the_collector(session: boto3.Session) -> None:
    make_task_definitions(session)
    result = collect(scope(session), "ecs_tasks")
    assets = assets_of(result)
    shown = repr(result) + repr(assets) + "".join(f"{s} {d}" for s, d in results(assets).values())
    assert PASSWORD not in shown and "Sup3r" not in shown


def test_no_task_definition_is_an_empty_list(session: boto3.Session) -> None:
    result = collect(scope(session), "ecs_tasks")
    assert (result.resources, result.errors) == ((), ())


def test_denied_describe_errors_both_controls_never_pass(session: boto3.Session) -> None:
    make_task_definitions(session)
    restricted = restricted_session(session, ["ecs:DescribeTaskDefinition"])
    assets = assets_of(with_iam_enforced(lambda: collect(scope(restricted), "ecs_tasks")))
    got = results(assets, "SEC-03", "NET-18")
    assert {k: s for k, (s, _) in got.items()} == {(c, n): E for c in ("SEC-03", "NET-18") for n in ("web", "agent")}
    assert all("AccessDenied ecs:DescribeTaskDefinition" in (d or "") for _, d in got.values())


def test_an_arn_without_a_revision_is_a_malformed_list(session: boto3.Session) -> None:
    bad = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/web"
    answer(session, {"ecs:ListTaskDefinitions": lambda: (200, {"taskDefinitionArns": [bad]})})
    result = collect(scope(session), "ecs_tasks")
    assert result.resources == ()
    assert [f.reason for f in result.errors] == [
        "InvalidResponse ecs:ListTaskDefinitions (malformed answer: missing a task definition ARN ending in "
        "family:revision)"]


def test_declared_operations_cover_every_call(session: boto3.Session) -> None:
    make_task_definitions(session)
    seen: set[str] = set()
    session.events.register("before-call", lambda model, **_: seen.add(
        f"{model.service_model.signing_name}:{model.name}"))
    collect(scope(session), "ecs_tasks")
    assert seen == set(ecs_tasks_collector.OPERATIONS)
