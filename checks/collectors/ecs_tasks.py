"""ECS task definitions of one account and region: list_task_definitions (status ACTIVE; every revision of every
family), keeping the latest revision of each family (the one a service or `run-task` given only the family uses),
then describe_task_definition per revision (no batch; with its tags).

The containers' environment values are readable by whoever may describe the task definition. They never leave this
module: the raw resource keeps only the names of the variables that keep a secret in plain text
(`live_types.plaintext_secret`), as `container/NAME`, and the names of the privileged containers.
"""

from __future__ import annotations

from typing import Any

from checks.collectors.answers import listed, malformed_reason, well_formed
from checks.collectors.base import CollectResult, Scope, call, collector, paginate
from checks.live_types import ECS_TASK_DEFINITION, plaintext_secret
from checks.model import SourceKind
from checks.raw import RawResource

OPERATIONS = ("ecs:ListTaskDefinitions", "ecs:DescribeTaskDefinition")


@collector("ecs_tasks", OPERATIONS, types=(ECS_TASK_DEFINITION,))
def collect(scope: Scope) -> CollectResult:
    ecs = scope.client("ecs")
    arns, list_error = paginate(ecs, "list_task_definitions", "taskDefinitionArns", status="ACTIVE")
    errors = listed(scope, "ecs:ListTaskDefinitions", list_error, ECS_TASK_DEFINITION)
    arns, malformed = well_formed(scope, "ecs:ListTaskDefinitions", arns, (), ECS_TASK_DEFINITION)
    errors += malformed
    latest: dict[str, tuple[int, str]] = {}
    for arn in arns:
        family, revision = split_arn(arn)
        if family is None or revision is None:
            errors.append(scope.failure("ecs:ListTaskDefinitions", malformed_reason(
                "ecs:ListTaskDefinitions", "a task definition ARN ending in family:revision"), ECS_TASK_DEFINITION))
            continue
        if family not in latest or revision > latest[family][0]:
            latest[family] = (revision, arn)
    chosen = [latest[f][1] for f in sorted(latest)]
    return CollectResult(tuple(scope.map(lambda arn: _task_definition(scope, ecs, arn), chosen)), tuple(errors))


def split_arn(arn: str) -> tuple[str | None, int | None]:
    """`arn:aws:ecs:<region>:<account>:task-definition/<family>:<revision>` -> (family, revision)."""
    _, _, tail = arn.rpartition("task-definition/")
    family, _, revision = tail.rpartition(":")
    if not family or not revision.isdigit():
        return None, None
    return family, int(revision)


def container_facts(containers: Any) -> tuple[list[str], list[str]]:
    """(privileged container names, `container/NAME` of the plain-text secrets); no value leaves."""
    privileged: list[str] = []
    secrets: set[str] = set()
    for position, c in enumerate(containers if isinstance(containers, list) else []):
        if not isinstance(c, dict):
            continue
        name: str = c["name"] if isinstance(c.get("name"), str) and c["name"] else f"#{position + 1}"
        if c.get("privileged") is True:
            privileged.append(name)
        for entry in c.get("environment") or []:
            if isinstance(entry, dict) and plaintext_secret(str(entry.get("name")), str(entry.get("value") or "")):
                secrets.add(f"{name}/{entry.get('name')}")
    return privileged, sorted(secrets)


def _task_definition(scope: Scope, ecs: Any, arn: str) -> RawResource:
    errors: dict[str, str] = {}
    family, _ = split_arn(arn)
    got = call(ecs, "describe_task_definition", taskDefinition=arn, include=["TAGS"])
    if got.error:
        errors["DescribeTaskDefinition"] = got.error
    definition = (got.result or {}).get("taskDefinition")
    if got.error is None and not isinstance(definition, dict):
        errors["DescribeTaskDefinition"] = malformed_reason("ecs:DescribeTaskDefinition", "taskDefinition")
    definition = definition if isinstance(definition, dict) else {}
    privileged, secrets = container_facts(definition.get("containerDefinitions"))
    tags = {t["key"]: t.get("value", "") for t in (got.result or {}).get("tags") or [] if "key" in t}
    props = {"arn": arn, "family": family, "region": scope.region, "account": scope.account,
             "privilegedContainers": privileged, "plaintextSecretVariables": secrets, "tags": tags}
    return RawResource(type=ECS_TASK_DEFINITION, urn=arn, name=family or arn, props=props, source=SourceKind.LIVE,
                       id=arn, errors=errors)
