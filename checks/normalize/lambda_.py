"""lambda.function from aws:lambda/function:Function: plain-text secrets in its environment variables (SEC-02) and
whether it runs in a VPC (NET-17).

- `plaintext_secret_variables`: the names of the variables that keep a secret in plain text (`env_secrets`). The
  values never reach the asset: Lambda shows them to anyone who may read the function's configuration.
- `in_vpc`: `vpc_config` names at least one subnet. Without `vpc_config` (or with an empty one, as the provider
  writes it to state) Lambda runs the function in a network AWS manages, outside the account's VPCs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from checks.live_types import LAMBDA_FUNCTION
from checks.model import UNKNOWN, Asset, Secret
from checks.normalize.base import AssetBuilder, Index, first_set, register, unwrap
from checks.normalize.env_secrets import offending_names, variable_verdict
from checks.normalize.live import apply_call_errors, build_live
from checks.raw import RawResource

FUNCTION = "aws:lambda/function:Function"
ENVIRONMENT = ("plaintext_secret_variables",)
TAGS = ("tags",)


@register(FUNCTION)
def function(raw: RawResource, index: Index) -> Iterable[Asset]:
    b = AssetBuilder("lambda.function", raw)
    b.set("function_name", first_set(raw.props.get("name"), UNKNOWN))  # absent: auto-named by Pulumi
    b.set("in_vpc", _in_vpc(raw.props.get("vpcConfig")))
    b.set("plaintext_secret_variables", _plaintext(raw.props.get("environment")))
    return [b.build()]


def _in_vpc(config: Any) -> Any:
    config = unwrap(config)
    if config is UNKNOWN:
        return UNKNOWN
    if not isinstance(config, dict):
        return False  # no vpc_config: not in a VPC
    subnets = unwrap(config.get("subnetIds"))
    if subnets is UNKNOWN:
        return UNKNOWN
    return bool(subnets)  # an unknown subnet id is still a subnet


def _plaintext(environment: Any) -> Any:
    plain = unwrap(environment)
    if plain is UNKNOWN:
        return UNKNOWN
    variables = plain.get("variables") if isinstance(plain, dict) else None
    names = unwrap(variables)
    if names is UNKNOWN:
        return UNKNOWN
    if not isinstance(names, dict):
        return []  # no environment variables
    if isinstance(environment, Secret) or isinstance(variables, Secret):
        return sorted(names)  # the whole map is a Pulumi secret: every variable holds a secret in plain text
    return offending_names((name, variable_verdict(name, value)) for name, value in names.items())


@register(LAMBDA_FUNCTION)
def live_function(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    b = AssetBuilder("lambda.function", raw)
    b.set("function_name", p["name"])
    b.set("in_vpc", bool((p.get("vpcConfig") or {}).get("SubnetIds")))
    b.set("plaintext_secret_variables", list(p.get("plaintextSecretVariables") or []))
    # a failed ListTags taints the tags (NET-17 reads them); an environment Lambda could not decrypt taints SEC-02
    apply_call_errors(b, raw, {"ListTags": TAGS, "Environment": ENVIRONMENT})
    return [build_live(b, raw, tags=p.get("tags") or {})]
