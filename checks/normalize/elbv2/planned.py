"""elbv2.load_balancer and elbv2.listener from the lb/alb LoadBalancer and Listener resources.

Listener rules (lb/alb ListenerRule, linked by `listenerArn`) fold into their listener; a load balancer reads the
protocols of the listeners that name it (`loadBalancerArn`)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from checks.model import UNKNOWN, Asset
from checks.normalize.base import AssetBuilder, Index, first_set, folded, register, tri_all, tri_any, unwrap
from checks.normalize.ec2.routes import SUBNET_TOKENS
from checks.normalize.ec2.sg_usage import group_refs, merge
from checks.normalize.refs import LB_TOKENS, TARGET_GROUP_TOKENS, as_bool, lb_scheme, lb_type, path_value, resolve_refs
from checks.raw import RawResource

LISTENER_TOKENS = ("aws:lb/listener:Listener", "aws:alb/listener:Listener")
RULE_TOKENS = ("aws:lb/listenerRule:ListenerRule", "aws:alb/listenerRule:ListenerRule")
TLS_PROTOCOLS = ("HTTPS", "TLS")
DEFAULT_SSL_POLICY = "ELBSecurityPolicy-2016-08"  # provider docstring: the default when sslPolicy is not set

folded("elbv2.listener", *RULE_TOKENS)

# predefined ELB security policies -> minimum TLS version (AWS "Security policies for your Application Load Balancer")
_FIXED_POLICIES = {
    "ELBSecurityPolicy-2016-08": "1.0",
    "ELBSecurityPolicy-2015-05": "1.0",
    "ELBSecurityPolicy-FS-2018-06": "1.0",
}
_POLICY_PATTERNS = (
    re.compile(r"^ELBSecurityPolicy-TLS13-1-(\d)-"),
    re.compile(r"^ELBSecurityPolicy-TLS-1-(\d)-"),
    re.compile(r"^ELBSecurityPolicy-FS-1-(\d)-"),
)


def tls_min_version(policy: Any) -> Any:
    """The minimum TLS version of a predefined ELB security policy; None for an unrecognised name."""
    policy = unwrap(policy)
    if policy is UNKNOWN or policy is None:
        return policy
    if policy in _FIXED_POLICIES:
        return _FIXED_POLICIES[policy]
    for pattern in _POLICY_PATTERNS:
        match = pattern.match(policy)
        if match:
            return f"1.{match.group(1)}"
    return None


def _blank(value: Any) -> Any:
    """State files write unset strings as "": that is absent."""
    return None if value == "" else value


def _subnets(index: Index, raw: RawResource) -> list[Any]:
    parts = [resolve_refs(index, raw, "subnets", SUBNET_TOKENS)]
    mappings = path_value(raw.props, "subnetMappings[].subnetId")
    if mappings is not None:
        parts.append(resolve_refs(index, raw, "subnetMappings", SUBNET_TOKENS, value=mappings))
    return merge(parts).values()


@register(*LB_TOKENS)
def load_balancer(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    b = AssetBuilder("elbv2.load_balancer", raw)
    kind = lb_type(raw)
    b.set("type", kind)
    b.set("scheme", lb_scheme(raw))
    logs = unwrap(p.get("accessLogs"))
    if logs is UNKNOWN:
        b.set("access_logs", {"enabled": UNKNOWN, "bucket": UNKNOWN, "prefix": UNKNOWN})
    else:
        logs = logs if isinstance(logs, dict) else {}
        # provider default: disabled, even when a bucket is given
        b.set("access_logs", {"enabled": first_set(as_bool(logs.get("enabled")), False),
                              "bucket": _blank(logs.get("bucket")), "prefix": _blank(logs.get("prefix"))})
    # an application load balancer attribute (default false); other types do not have it
    drop = first_set(p.get("dropInvalidHeaderFields"), False)
    b.set("drop_invalid_header_fields", drop if kind == "application" else (UNKNOWN if kind is UNKNOWN else None))
    b.set("deletion_protection", first_set(p.get("enableDeletionProtection"), False))
    b.set("security_groups", group_refs(index, raw).values())
    b.set("subnets", _subnets(index, raw))
    listeners = index.referencing(raw, LISTENER_TOKENS, "loadBalancerArn")
    protocols = sorted_protocols([_protocol(listener, raw) for listener in listeners])
    b.set("listener_protocols", protocols)
    b.set("access_logs_supported", access_logs_supported(kind, protocols))
    return [b.build()]


def sorted_protocols(protocols: list[Any]) -> list[Any]:
    """Listener protocols in a stable order (the views list listeners in different orders), unknown ones last."""
    known = sorted(p for p in protocols if isinstance(p, str))
    return known + [p for p in protocols if not isinstance(p, str)]


def access_logs_supported(kind: Any, protocols: list[Any]) -> Any:
    """Can the load balancer write access logs? Application load balancers log every request; a network load
    balancer logs only the connections of its TLS listeners (AWS writes no access logs for TCP, UDP or TCP_UDP
    listeners); gateway load balancers write none."""
    if kind is UNKNOWN:
        return UNKNOWN
    if kind == "network":
        return tri_any(UNKNOWN if p is UNKNOWN else p == "TLS" for p in protocols)
    return kind == "application"


def _action(index: Index, raw: RawResource, action: Any, single: bool, prop: str = "defaultActions") -> dict[str, Any]:
    """One action of `prop` (a listener's `defaultActions`, a rule's `actions`); `single` when it is the only
    action, so that the dependencies of `prop` name its target group."""
    action = unwrap(action)
    if action is UNKNOWN:
        return dict.fromkeys(("type", "order", "target_group_arn", "redirect_protocol", "redirect_port",
                              "redirect_status_code"), UNKNOWN)
    action = action if isinstance(action, dict) else {}
    kind = action.get("type")
    redirect = unwrap(action.get("redirect"))
    is_redirect = kind == "redirect"
    if redirect is UNKNOWN:
        redirect = {"protocol": UNKNOWN, "port": UNKNOWN, "statusCode": UNKNOWN}
    redirect = redirect if isinstance(redirect, dict) and is_redirect else {}
    return {
        "type": kind,
        "order": action.get("order"),
        "target_group_arn": _target_group(index, raw, action.get("targetGroupArn"), single, prop),
        # redirect defaults (provider docs): protocol #{protocol}, port #{port}
        "redirect_protocol": first_set(redirect.get("protocol"), "#{protocol}") if is_redirect else None,
        "redirect_port": first_set(redirect.get("port"), "#{port}") if is_redirect else None,
        "redirect_status_code": redirect.get("statusCode") if is_redirect else None,
    }


def _target_group(index: Index, raw: RawResource, value: Any, single: bool, prop: str) -> Any:
    if _blank(value) is None:
        return None
    return resolve_refs(index, raw, prop, TARGET_GROUP_TOKENS, value=value, use_deps=single, scalar=True).scalar()


def _redirect_is_https(action: dict[str, Any], protocol: Any) -> Any:
    target = action["redirect_protocol"]
    if target == "#{protocol}":
        target = protocol  # keeps the listener's own protocol
    return UNKNOWN if target is UNKNOWN else str(target).upper() == "HTTPS"


def redirects_to_https(actions: Any, protocol: Any) -> Any:
    """Does a default action (as built by `_action`) redirect to HTTPS? `#{protocol}` keeps the listener's own."""
    if actions is UNKNOWN:
        return UNKNOWN
    found: list[Any] = []
    for a in actions:
        if a["type"] is UNKNOWN:
            found.append(UNKNOWN)
        elif a["type"] == "redirect":
            found.append(_redirect_is_https(a, protocol))
    return tri_any(found)


def rules_redirect_to_https(rules: Any, protocol: Any) -> Any:
    """Does every rule (as built by `_rule`) answer without serving the application over the listener's protocol:
    each of its actions redirects to HTTPS or returns a fixed response? (Authenticate actions only precede another
    action.) True without rules."""
    if rules is UNKNOWN:
        return UNKNOWN
    found: list[Any] = []
    for rule in rules:
        actions = rule["actions"]
        if actions is UNKNOWN:
            found.append(UNKNOWN)
            continue
        for a in actions:
            kind = a["type"]
            if kind is UNKNOWN:
                found.append(UNKNOWN)
            elif kind == "redirect":
                found.append(_redirect_is_https(a, protocol))
            elif not (kind == "fixed-response" or (isinstance(kind, str) and kind.startswith("authenticate-"))):
                found.append(False)  # forward (or a type clearance does not know): the request is served as it came
    return tri_all(found)


def _rule(index: Index, rule: RawResource) -> dict[str, Any]:
    actions = unwrap(rule.props.get("actions"))
    priority = unwrap(rule.props.get("priority"))  # absent: the provider takes the next free priority (computed)
    return {
        "priority": UNKNOWN if priority is None else priority,
        "actions": UNKNOWN if actions is UNKNOWN else [_action(index, rule, a, len(actions) == 1, "actions")
                                                       for a in actions or []],
    }


def _rules(index: Index, raw: RawResource) -> Any:
    """The listener's rules, by priority (unknown priorities last)."""
    rules = [_rule(index, r) for r in index.referencing(raw, RULE_TOKENS, "listenerArn")]
    return sorted(rules, key=lambda r: (not isinstance(r["priority"], int), r["priority"]
                                        if isinstance(r["priority"], int) else 0))


def _protocol(raw: RawResource, lb: RawResource | None) -> Any:
    """`protocol`; absent: HTTP on an application load balancer (provider default), unknown otherwise."""
    protocol = unwrap(raw.props.get("protocol"))
    if protocol is not None:
        return protocol.upper() if isinstance(protocol, str) else protocol
    arn = unwrap(raw.props.get("loadBalancerArn"))
    kind = lb_type(lb) if lb is not None else ("application" if isinstance(arn, str) and ":loadbalancer/app/" in arn
                                               else UNKNOWN)
    if kind is UNKNOWN:
        return UNKNOWN
    return "HTTP" if kind == "application" else (None if kind == "gateway" else UNKNOWN)


@register(*LISTENER_TOKENS)
def listener(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    b = AssetBuilder("elbv2.listener", raw)
    refs = resolve_refs(index, raw, "loadBalancerArn", LB_TOKENS, scalar=True)
    lb = refs.targets[0] if refs.targets else None
    b.set("load_balancer", refs.scalar())
    b.set("load_balancer_scheme", lb_scheme(lb) if lb is not None else UNKNOWN)
    b.set("load_balancer_type", lb_type(lb) if lb is not None else UNKNOWN)
    protocol = _protocol(raw, lb)
    b.set("protocol", protocol)
    b.set("port", p.get("port"))
    policy = p.get("sslPolicy")
    if policy is None or policy == "":
        policy = UNKNOWN if protocol is UNKNOWN else (DEFAULT_SSL_POLICY if protocol in TLS_PROTOCOLS else None)
    b.set("ssl_policy", policy)
    b.set("tls_min_version", tls_min_version(policy))
    certificate = p.get("certificateArn")
    b.set("certificate_arn", _blank(certificate))
    raw_actions = unwrap(p.get("defaultActions"))
    actions = UNKNOWN if raw_actions is UNKNOWN else [_action(index, raw, a, len(raw_actions) == 1)
                                                      for a in raw_actions or []]
    b.set("default_actions", actions)
    b.set("redirects_to_https", redirects_to_https(actions, protocol))
    rules = _rules(index, raw)
    b.set("rules", rules)
    b.set("rules_redirect_to_https", rules_redirect_to_https(rules, protocol))
    return [b.build()]
