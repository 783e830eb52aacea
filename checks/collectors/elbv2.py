"""Application, network and gateway load balancers of one account and region, and their listeners:
describe_load_balancers (batch, paginated), then per load balancer describe_load_balancer_attributes and
describe_listeners (AWS has no batch for either), per HTTP/HTTPS listener describe_rules (listener rules exist on
application load balancers only), and describe_tags in batches of 20 ARNs.

A failed describe_listeners is a list that failed: the load balancer's listeners are not known, which is a
scan-level error (no listener asset can carry it); the load balancer records it too (its listener protocols are
not known). A failed describe_rules is recorded on its listener.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import partial
from typing import Any

from checks.collectors.answers import listed, well_formed
from checks.collectors.base import CollectResult, Scope, call, collector, paginate
from checks.live_types import ELBV2_LISTENER, ELBV2_LOAD_BALANCER
from checks.model import SourceKind
from checks.raw import RawResource

OPERATIONS = (
    "elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeLoadBalancerAttributes",
    "elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeRules", "elasticloadbalancing:DescribeTags",
)
RULE_PROTOCOLS = ("HTTP", "HTTPS")  # the listeners of application load balancers: only they have rules
TAG_BATCH = 20  # DescribeTags takes at most 20 ARNs
LB_KEYS = ("LoadBalancerArn", "LoadBalancerName", "Type", "Scheme", "VpcId", "SecurityGroups", "AvailabilityZones",
           "IpAddressType")
LISTENER_KEYS = ("ListenerArn", "LoadBalancerArn", "Port", "Protocol", "SslPolicy", "Certificates", "DefaultActions")
RULE_KEYS = ("RuleArn", "Priority", "Actions")


@collector("elbv2", OPERATIONS, types=(ELBV2_LOAD_BALANCER, ELBV2_LISTENER))
def collect(scope: Scope) -> CollectResult:
    elb = scope.client("elbv2")
    lbs, list_error = paginate(elb, "describe_load_balancers", "LoadBalancers")
    # the listeners are listed per load balancer: a failed load balancer list hides them too
    errors = listed(scope, "elbv2:DescribeLoadBalancers", list_error, ELBV2_LOAD_BALANCER, ELBV2_LISTENER)
    lbs, malformed = well_formed(scope, "elbv2:DescribeLoadBalancers", lbs, ("LoadBalancerArn", "LoadBalancerName"),
                                 ELBV2_LOAD_BALANCER, ELBV2_LISTENER)
    errors += malformed
    found: list[tuple[dict[str, Any], dict[str, str], list[tuple[dict[str, Any], dict[str, str]]]]] = []
    for lb in lbs:
        props, raw_errors = _load_balancer(scope, elb, lb)
        arn = lb["LoadBalancerArn"]
        listeners, listener_error = paginate(elb, "describe_listeners", "Listeners", LoadBalancerArn=arn)
        errors += listed(scope, "elbv2:DescribeListeners", listener_error, ELBV2_LISTENER)
        listeners, malformed = well_formed(scope, "elbv2:DescribeListeners", listeners, ("ListenerArn",),
                                           ELBV2_LISTENER)
        errors += malformed
        if listener_error or malformed:  # some listeners not read: their protocols are not known
            raw_errors["DescribeListeners"] = listener_error or malformed[0].reason
        else:
            props["listenerProtocols"] = [item.get("Protocol") for item in listeners]
        found.append((props, raw_errors, scope.map(partial(_listener, scope, elb, lb), listeners)))
    arns = [p["arn"] for props, _, listeners in found for p in (props, *(item for item, _ in listeners))]
    tags, tag_errors = _tags(elb, arns)
    resources: list[RawResource] = []
    for props, raw_errors, listeners in found:
        name = props["loadBalancer"]["LoadBalancerName"]
        resources.append(_raw(ELBV2_LOAD_BALANCER, props, raw_errors, tags, tag_errors, name))
        for listener, listener_errors in listeners:
            default_name = f"{props['loadBalancer']['LoadBalancerName']}:{listener['listener'].get('Port')}"
            resources.append(_raw(ELBV2_LISTENER, listener, listener_errors, tags, tag_errors, default_name))
    return CollectResult(tuple(resources), tuple(errors))


def _pick(item: Mapping[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    return {k: item[k] for k in keys if k in item}


def _load_balancer(scope: Scope, elb: Any, lb: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    arn = lb["LoadBalancerArn"]
    errors: dict[str, str] = {}
    attributes = call(elb, "describe_load_balancer_attributes", LoadBalancerArn=arn)
    if attributes.error:
        errors["DescribeLoadBalancerAttributes"] = attributes.error
    attrs = None if attributes.result is None else {
        a["Key"]: a.get("Value") for a in attributes.result.get("Attributes", [])}
    props = {"arn": arn, "region": scope.region, "account": scope.account, "loadBalancer": _pick(lb, LB_KEYS),
             "attributes": attrs}
    return props, errors


def _listener(scope: Scope, elb: Any, lb: dict[str, Any],
              item: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    props = {"arn": item["ListenerArn"], "region": scope.region, "account": scope.account,
             "listener": _pick(item, LISTENER_KEYS), "loadBalancerType": lb.get("Type"),
             "loadBalancerScheme": lb.get("Scheme")}
    errors: dict[str, str] = {}
    if str(item.get("Protocol")).upper() in RULE_PROTOCOLS:
        rules, rule_error = paginate(elb, "describe_rules", "Rules", ListenerArn=item["ListenerArn"])
        if rule_error:
            errors["DescribeRules"] = rule_error
        else:  # the default rule repeats the listener's default actions
            props["rules"] = [_pick(r, RULE_KEYS) for r in rules if not r.get("IsDefault")]
    return props, errors


def _tags(elb: Any, arns: list[str]) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """Tags by ARN, and the reason by ARN where describe_tags failed."""
    tags: dict[str, dict[str, str]] = {}
    errors: dict[str, str] = {}
    for start in range(0, len(arns), TAG_BATCH):
        batch = arns[start:start + TAG_BATCH]
        outcome = call(elb, "describe_tags", ResourceArns=batch)
        if outcome.error:
            errors.update(dict.fromkeys(batch, outcome.error))
            continue
        for desc in (outcome.result or {}).get("TagDescriptions", []):
            tags[desc["ResourceArn"]] = {t["Key"]: t.get("Value", "") for t in desc.get("Tags", [])}
    return tags, errors


def _raw(token: str, props: dict[str, Any], errors: dict[str, str], tags: Mapping[str, dict[str, str]],
         tag_errors: Mapping[str, str], default_name: str) -> RawResource:
    arn = props["arn"]
    props["tags"] = tags.get(arn, {})
    if arn in tag_errors:
        errors = {**errors, "DescribeTags": tag_errors[arn]}
    name = props["tags"].get("Name") or default_name
    return RawResource(type=token, urn=arn, name=name, props=props, source=SourceKind.LIVE, id=arn, errors=errors)
