"""elbv2.load_balancer and elbv2.listener from the live collector's raw resources (boto3 answers, see
collectors/elbv2.py). Same attributes as the planned normalizer (elbv2.py), whose TLS policy mapping and
HTTPS-redirect fact are reused.

Load balancer attributes come as string key/value pairs; a key AWS does not return has its AWS default
(access logs off, invalid header fields kept, no deletion protection). A listener's SslPolicy is read only for
HTTPS and TLS listeners (moto reports one on HTTP listeners too). Listener rules are read for HTTP and HTTPS
listeners; listeners of network and gateway load balancers have none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from checks.live_types import ELBV2_LISTENER, ELBV2_LOAD_BALANCER
from checks.model import Asset
from checks.normalize.base import AssetBuilder, Index, register
from checks.normalize.elbv2.planned import (
    TLS_PROTOCOLS,
    access_logs_supported,
    redirects_to_https,
    rules_redirect_to_https,
    sorted_protocols,
    tls_min_version,
)
from checks.normalize.live import apply_call_errors, build_live
from checks.raw import RawResource

DEFAULT_SCHEME = "internet-facing"  # CreateLoadBalancer default (moto leaves Scheme out when it was not given)
ATTRIBUTE_PATHS = ("access_logs", "drop_invalid_header_fields", "deletion_protection")
LB_ERROR_PATHS: dict[str, tuple[str, ...]] = {
    "DescribeLoadBalancerAttributes": ATTRIBUTE_PATHS,
    "DescribeTags": ("tags",),
}
LISTENER_ERROR_PATHS: dict[str, tuple[str, ...]] = {
    "DescribeTags": ("tags",),
    "DescribeRules": ("rules", "rules_redirect_to_https"),
}
RULE_PROTOCOLS = ("HTTP", "HTTPS")


def _flag(attrs: Mapping[str, Any], key: str) -> bool:
    """A boolean load balancer attribute ("true"/"false"); a missing key is the AWS default, false."""
    return str(attrs.get(key, "false")).lower() == "true"


def _text(value: Any) -> Any:
    return None if value == "" else value


@register(ELBV2_LOAD_BALANCER)
def live_load_balancer(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    lb: Mapping[str, Any] = p.get("loadBalancer") or {}
    b = AssetBuilder("elbv2.load_balancer", raw)
    kind = lb.get("Type")
    b.set("type", kind)
    b.set("scheme", lb.get("Scheme") or DEFAULT_SCHEME)
    attrs: Mapping[str, Any] = p.get("attributes") or {}
    b.set("access_logs", {"enabled": _flag(attrs, "access_logs.s3.enabled"),
                          "bucket": _text(attrs.get("access_logs.s3.bucket")),
                          "prefix": _text(attrs.get("access_logs.s3.prefix"))})
    b.set("drop_invalid_header_fields",
          _flag(attrs, "routing.http.drop_invalid_header_fields.enabled") if kind == "application" else None)
    b.set("deletion_protection", _flag(attrs, "deletion_protection.enabled"))
    b.set("security_groups", list(lb.get("SecurityGroups") or []))
    b.set("subnets", [az["SubnetId"] for az in lb.get("AvailabilityZones") or [] if az.get("SubnetId")])
    protocols = sorted_protocols([x.upper() if isinstance(x, str) else None for x in p.get("listenerProtocols") or []])
    b.set("listener_protocols", protocols)
    b.set("access_logs_supported", access_logs_supported(kind, protocols))
    # unread listeners leave the protocols unknown, which decides only for a network load balancer
    listener_paths = ("listener_protocols", "access_logs_supported") if kind == "network" else ("listener_protocols",)
    apply_call_errors(b, raw, {**LB_ERROR_PATHS, "DescribeListeners": listener_paths})
    return [build_live(b, raw, tags=p.get("tags") or {})]


def _action(action: Mapping[str, Any]) -> dict[str, Any]:
    kind = action.get("Type")
    redirect: Mapping[str, Any] = action.get("RedirectConfig") or {}
    is_redirect = kind == "redirect"
    target = action.get("TargetGroupArn")
    groups = (action.get("ForwardConfig") or {}).get("TargetGroups") or []
    if target is None and len(groups) == 1:
        target = groups[0].get("TargetGroupArn")
    return {
        "type": kind,
        "order": action.get("Order"),
        "target_group_arn": target,
        "redirect_protocol": (redirect.get("Protocol") or "#{protocol}") if is_redirect else None,
        "redirect_port": (redirect.get("Port") or "#{port}") if is_redirect else None,
        "redirect_status_code": redirect.get("StatusCode") if is_redirect else None,
    }


def _priority(value: Any) -> int | None:
    """DescribeRules gives priorities as strings ("1"; "default" for the default rule)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _certificate(certificates: list[Mapping[str, Any]]) -> Any:
    """The listener's default certificate (DescribeListeners returns only that one)."""
    defaults = [c for c in certificates if c.get("IsDefault")] or certificates
    return defaults[0].get("CertificateArn") if defaults else None


@register(ELBV2_LISTENER)
def live_listener(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    item: Mapping[str, Any] = p.get("listener") or {}
    b = AssetBuilder("elbv2.listener", raw)
    b.set("load_balancer", item.get("LoadBalancerArn"))
    b.set("load_balancer_scheme", p.get("loadBalancerScheme") or DEFAULT_SCHEME)
    b.set("load_balancer_type", p.get("loadBalancerType"))
    protocol = item.get("Protocol")
    protocol = protocol.upper() if isinstance(protocol, str) else None  # gateway load balancers have none
    b.set("protocol", protocol)
    b.set("port", item.get("Port"))
    policy = item.get("SslPolicy") if protocol in TLS_PROTOCOLS else None
    b.set("ssl_policy", policy)
    b.set("tls_min_version", tls_min_version(policy))
    b.set("certificate_arn", _certificate(list(item.get("Certificates") or [])))
    actions = [_action(a) for a in item.get("DefaultActions") or []]
    b.set("default_actions", actions)
    b.set("redirects_to_https", redirects_to_https(actions, protocol))
    # rules exist on application load balancer listeners only (HTTP, HTTPS)
    rules = [{"priority": _priority(r.get("Priority")), "actions": [_action(a) for a in r.get("Actions") or []]}
             for r in p.get("rules") or []] if protocol in RULE_PROTOCOLS else []
    rules.sort(key=lambda r: (r["priority"] is None, r["priority"] or 0))
    b.set("rules", rules)
    b.set("rules_redirect_to_https", rules_redirect_to_https(rules, protocol))
    apply_call_errors(b, raw, LISTENER_ERROR_PATHS)
    return [build_live(b, raw, tags=p.get("tags") or {})]
