"""Load balancer listener rules and the ECR side resources clearance folds into their owners: repository policies
and the registry's scanning configuration."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checks.sandbox.appliers.compute import _action as listener_action
from checks.sandbox.context import Applier, ApplyContext, Outputs, drop_none, tag_list

# ListenerRule condition blocks -> (ELB field, config key, value key)
CONDITIONS = (("pathPattern", "path-pattern", "PathPatternConfig"), ("hostHeader", "host-header", "HostHeaderConfig"),
              ("httpRequestMethod", "http-request-method", "HttpRequestMethodConfig"),
              ("sourceIp", "source-ip", "SourceIpConfig"))


def _conditions(conditions: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for condition in conditions or []:
        for key, field, config in CONDITIONS:
            if condition.get(key):
                values = list(condition[key].get("values") or [])
                out.append({"Field": field, config: {"Values": values}})
        header = condition.get("httpHeader")
        if header:
            out.append({"Field": "http-header", "HttpHeaderConfig": {
                "HttpHeaderName": header["httpHeaderName"], "Values": list(header.get("values") or [])}})
        if condition.get("queryStrings"):
            out.append({"Field": "query-string", "QueryStringConfig": {"Values": [
                drop_none(Key=q.get("key"), Value=q.get("value")) for q in condition["queryStrings"]]}})
    return out


def listener_rule(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    elb = ctx.client("elbv2")
    listener = props["listenerArn"]
    priority = props.get("priority")
    if priority is None:  # the provider takes the next free priority
        taken = [int(r["Priority"]) for r in elb.describe_rules(ListenerArn=listener)["Rules"]
                 if str(r.get("Priority", "")).isdigit()]
        priority = max(taken, default=0) + 1
    tags = tag_list(props)
    rule = elb.create_rule(ListenerArn=listener, Priority=int(priority),
                           Actions=[listener_action(a) for a in props.get("actions") or []],
                           Conditions=_conditions(props.get("conditions")),
                           **drop_none(Tags=tags or None))["Rules"][0]
    return rule["RuleArn"], {"arn": rule["RuleArn"], "priority": int(priority)}


def repository_policy(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    answer = ctx.client("ecr").set_repository_policy(repositoryName=props["repository"], policyText=props["policy"])
    return str(props["repository"]), {"registryId": answer.get("registryId")}


def registry_scanning_configuration(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    rules = [{"scanFrequency": r["scanFrequency"],
              "repositoryFilters": [{"filter": f["filter"], "filterType": f.get("filterType") or "WILDCARD"}
                                    for f in r.get("repositoryFilters") or []]}
             for r in props.get("rules") or []]
    ctx.client("ecr").put_registry_scanning_configuration(scanType=props.get("scanType") or "BASIC", rules=rules)
    return ctx.account_id, {"registryId": ctx.account_id}


APPLIERS: dict[str, Applier] = {
    **{f"aws:{mod}/listenerRule:ListenerRule": listener_rule for mod in ("lb", "alb")},
    "aws:ecr/repositoryPolicy:RepositoryPolicy": repository_policy,
    "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration": registry_scanning_configuration,
}
