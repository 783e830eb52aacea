"""ecs.task_definition from aws:ecs/taskDefinition:TaskDefinition: privileged containers (NET-18) and plain-text
secrets in the containers' environment (SEC-03).

`containerDefinitions` is a JSON string: it is parsed here. A program usually builds it from other resources'
outputs (the image's repository URL, a database address), and then the whole string is unknown at plan time (Pulumi
knows no part of it): both attributes are unknown, and the state or a live scan decides.

- `privileged_containers`: the containers with `privileged: true` (root on the host, every device; AWS Fargate
  refuses it, the EC2 launch type allows it).
- `plaintext_secret_variables`: `container/NAME` for each `environment` entry that keeps a secret in plain text
  (`env_secrets`); `secrets` entries (valueFrom a Secrets Manager secret or an SSM parameter) are the right way and
  are not read. The values never reach the asset.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from checks.live_types import ECS_TASK_DEFINITION
from checks.model import UNKNOWN, Asset
from checks.normalize.base import AssetBuilder, Index, first_set, partial_json, register
from checks.normalize.env_secrets import offending_names, variable_verdict
from checks.normalize.live import apply_call_errors, build_live
from checks.raw import RawResource

TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
MALFORMED = "the container definitions are not a JSON list of objects"


@register(TASK_DEFINITION)
def task_definition(raw: RawResource, index: Index) -> Iterable[Asset]:
    b = AssetBuilder("ecs.task_definition", raw)
    b.set("family", first_set(raw.props.get("family"), UNKNOWN))
    containers = partial_json(raw, "containerDefinitions")  # only the parts built from unknown outputs are unknown
    if containers is UNKNOWN:
        b.set("privileged_containers", UNKNOWN)
        b.set("plaintext_secret_variables", UNKNOWN)
    elif not isinstance(containers, list) or not all(isinstance(c, dict) for c in containers):
        for path in ("privileged_containers", "plaintext_secret_variables"):  # read but not understood
            b.set(path, None)
            b.errors[path] = MALFORMED
    else:
        named = [(_container_name(c, i), c) for i, c in enumerate(containers)]
        privileged = [n for n, c in named if c.get("privileged") is True]
        # a flag or an environment built from an output not known at plan time: not known (unless one is found)
        b.set("privileged_containers", privileged or (
            UNKNOWN if any(c.get("privileged") is UNKNOWN for _, c in named) else []))
        verdicts = [(f"{n}/{v.get('name')}", variable_verdict(v.get("name"), v.get("value"))) for n, c in named
                    for v in _environment(c)]
        verdicts += [(f"{n}/*", UNKNOWN) for n, c in named if c.get("environment") is UNKNOWN]
        b.set("plaintext_secret_variables", offending_names(verdicts))
    return [b.build()]


def _container_name(container: dict[str, Any], position: int) -> str:
    name = container.get("name")
    return name if isinstance(name, str) and name else f"#{position + 1}"


def _environment(container: dict[str, Any]) -> list[dict[str, Any]]:
    entries = container.get("environment")
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []


@register(ECS_TASK_DEFINITION)
def live_task_definition(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    b = AssetBuilder("ecs.task_definition", raw)
    b.set("family", p["family"])
    b.set("privileged_containers", list(p.get("privilegedContainers") or []))
    b.set("plaintext_secret_variables", list(p.get("plaintextSecretVariables") or []))
    apply_call_errors(b, raw, {})  # DescribeTaskDefinition failed: nothing of it was read
    return [build_live(b, raw, tags=p.get("tags") or {})]
