"""elbv2.load_balancer and elbv2.listener."""

from __future__ import annotations

import pytest

from checks.model import UNKNOWN, SourceKind
from checks.normalize.elbv2.planned import tls_min_version
from checks.raw import RawResource
from tests.normalize.conftest import make_raw, one, run_normalize

LB = "aws:lb/loadBalancer:LoadBalancer"
ALB = "aws:alb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
SUBNET = "aws:ec2/subnet:Subnet"
SG = "aws:ec2/securityGroup:SecurityGroup"
STATE = SourceKind.STATE
LB_ARN = "arn:aws:elasticloadbalancing:eu-west-1:1:loadbalancer/app/web/50dc6c495c0c9188"


def test_load_balancer_defaults_to_internet_facing_application_without_logs() -> None:
    asset = one(run_normalize(make_raw(LB, "web", {})), "elbv2.load_balancer")
    assert asset.attributes == {
        "type": "application", "scheme": "internet-facing",
        "access_logs": {"enabled": False, "bucket": None, "prefix": None},
        "drop_invalid_header_fields": False, "deletion_protection": False, "security_groups": [], "subnets": [],
        "listener_protocols": [], "access_logs_supported": True}
    assert asset.unknown == frozenset()


def test_planned_load_balancer_names_its_subnets_groups_and_log_bucket() -> None:
    subnets = [make_raw(SUBNET, f"public-{i}", {"vpcId": "vpc-1"}) for i in range(2)]
    group = make_raw(SG, "lb", {})
    lb = make_raw(ALB, "web", {"internal": False, "subnets": [UNKNOWN, UNKNOWN], "securityGroups": [UNKNOWN],
                               "dropInvalidHeaderFields": True, "enableDeletionProtection": True,
                               "accessLogs": {"bucket": UNKNOWN, "enabled": True, "prefix": "web"}},
                  deps={"subnets": [s.urn for s in subnets], "securityGroups": [group.urn]})
    asset = one(run_normalize(*subnets, group, lb), "elbv2.load_balancer")
    attrs = asset.attributes
    assert attrs["subnets"] == [s.urn for s in subnets]
    assert attrs["security_groups"] == [group.urn]
    assert attrs["access_logs"] == {"enabled": True, "bucket": None, "prefix": "web"}
    assert "access_logs.bucket" in asset.unknown
    assert attrs["drop_invalid_header_fields"] is True and attrs["deletion_protection"] is True


def test_internal_network_load_balancer_has_no_header_setting() -> None:
    lb = make_raw(LB, "nlb", {"internal": True, "loadBalancerType": "network",
                              "subnetMappings": [{"subnetId": "subnet-1"}, {"subnetId": "subnet-2"}]})
    attrs = one(run_normalize(lb), "elbv2.load_balancer").attributes
    assert attrs["scheme"] == "internal" and attrs["type"] == "network"
    assert attrs["drop_invalid_header_fields"] is None
    assert attrs["subnets"] == ["subnet-1", "subnet-2"]


def test_unknown_internal_flag_leaves_scheme_unknown() -> None:
    asset = one(run_normalize(make_raw(LB, "web", {"internal": UNKNOWN})), "elbv2.load_balancer")
    assert "scheme" in asset.unknown


def test_planned_http_listener_redirecting_to_https_reads_its_load_balancer_scheme() -> None:
    lb = make_raw(LB, "web", {})
    listener = make_raw(LISTENER, "http", {
        "loadBalancerArn": UNKNOWN, "port": 80, "protocol": "HTTP",
        "defaultActions": [{"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443",
                                                              "statusCode": "HTTP_301"}}]},
        deps={"loadBalancerArn": [lb.urn]})
    asset = one(run_normalize(lb, listener), "elbv2.listener")
    attrs = asset.attributes
    assert attrs["load_balancer"] == lb.urn
    assert attrs["load_balancer_scheme"] == "internet-facing"
    assert attrs["load_balancer_type"] == "application"
    assert attrs["protocol"] == "HTTP" and attrs["port"] == 80
    assert attrs["ssl_policy"] is None and attrs["tls_min_version"] is None
    assert attrs["default_actions"] == [{"type": "redirect", "order": None, "target_group_arn": None,
                                         "redirect_protocol": "HTTPS", "redirect_port": "443",
                                         "redirect_status_code": "HTTP_301"}]
    assert attrs["redirects_to_https"] is True
    assert asset.unknown == frozenset()


def test_forwarding_http_listener_and_protocol_keeping_redirect_do_not_redirect_to_https() -> None:
    lb = make_raw(LB, "web", {})
    forward = make_raw(LISTENER, "forward", {"loadBalancerArn": UNKNOWN, "port": 80, "defaultActions": [
        {"type": "forward", "targetGroupArn": UNKNOWN}]}, deps={"loadBalancerArn": [lb.urn]})
    keep = make_raw(LISTENER, "keep", {"loadBalancerArn": UNKNOWN, "port": 80, "defaultActions": [
        {"type": "redirect", "redirect": {"port": "8080", "statusCode": "HTTP_302"}}]},
        deps={"loadBalancerArn": [lb.urn]})
    assets = run_normalize(lb, forward, keep)
    forward_attrs = one(assets, "elbv2.listener", "forward").attributes
    assert forward_attrs["protocol"] == "HTTP"  # provider default on an application load balancer
    assert forward_attrs["redirects_to_https"] is False
    keep_attrs = one(assets, "elbv2.listener", "keep").attributes
    assert keep_attrs["default_actions"][0]["redirect_protocol"] == "#{protocol}"
    assert keep_attrs["redirects_to_https"] is False


def test_https_listener_without_policy_gets_the_provider_default_tls_1_0_policy() -> None:
    lb = make_raw(LB, "web", {})
    listener = make_raw(LISTENER, "https", {"loadBalancerArn": UNKNOWN, "port": 443, "protocol": "HTTPS",
                                            "certificateArn": "arn:aws:acm:eu-west-1:1:certificate/c",
                                            "defaultActions": [{"type": "forward", "targetGroupArn": UNKNOWN}]},
                        deps={"loadBalancerArn": [lb.urn]})
    attrs = one(run_normalize(lb, listener), "elbv2.listener").attributes
    assert attrs["ssl_policy"] == "ELBSecurityPolicy-2016-08"
    assert attrs["tls_min_version"] == "1.0"
    assert attrs["certificate_arn"] == "arn:aws:acm:eu-west-1:1:certificate/c"


def test_state_listener_links_its_load_balancer_by_arn() -> None:
    lb = make_raw(LB, "web", {"arn": LB_ARN, "id": LB_ARN, "internal": True, "loadBalancerType": "application"},
                  source=STATE, id=LB_ARN)
    listener = make_raw(LISTENER, "https", {"arn": LB_ARN + "/l1", "loadBalancerArn": LB_ARN, "port": 443,
                                            "protocol": "HTTPS", "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
                                            "certificateArn": "", "defaultActions": [
                                                {"type": "forward", "targetGroupArn": "arn:tg", "order": 1,
                                                 "redirect": None}]}, source=STATE, id=LB_ARN + "/l1")
    attrs = one(run_normalize(lb, listener), "elbv2.listener").attributes
    assert attrs["load_balancer"] == LB_ARN
    assert attrs["load_balancer_scheme"] == "internal"
    assert attrs["tls_min_version"] == "1.2"
    assert attrs["certificate_arn"] is None
    assert attrs["default_actions"][0]["target_group_arn"] == "arn:tg"


def test_listener_of_undeclared_load_balancer_has_unknown_scheme() -> None:
    listener = make_raw(LISTENER, "http", {"loadBalancerArn": LB_ARN, "port": 80})
    asset = one(run_normalize(listener), "elbv2.listener")
    assert asset.attributes["load_balancer"] == LB_ARN
    assert asset.attributes["protocol"] == "HTTP"  # the ARN names an application load balancer
    assert {"load_balancer_scheme", "load_balancer_type"} <= asset.unknown


def test_listener_protocol_is_unknown_when_the_load_balancer_type_is_not_known() -> None:
    listener = make_raw(LISTENER, "l", {"loadBalancerArn": UNKNOWN, "port": 443})
    asset = one(run_normalize(listener), "elbv2.listener")
    assert {"protocol", "ssl_policy", "tls_min_version"} <= asset.unknown


@pytest.mark.parametrize(("policy", "version"), [
    ("ELBSecurityPolicy-2016-08", "1.0"),
    ("ELBSecurityPolicy-TLS-1-1-2017-01", "1.1"),
    ("ELBSecurityPolicy-TLS-1-2-2017-01", "1.2"),
    ("ELBSecurityPolicy-TLS-1-2-Ext-2018-06", "1.2"),
    ("ELBSecurityPolicy-FS-1-2-Res-2020-10", "1.2"),
    ("ELBSecurityPolicy-FS-2018-06", "1.0"),
    ("ELBSecurityPolicy-TLS13-1-2-2021-06", "1.2"),
    ("ELBSecurityPolicy-TLS13-1-3-2021-06", "1.3"),
    ("ELBSecurityPolicy-TLS13-1-0-2021-06", "1.0"),
    ("my-custom-policy", None),
])
def test_tls_min_version_of_predefined_policies(policy: str, version: str | None) -> None:
    assert tls_min_version(policy) == version


def test_forward_action_names_its_declared_target_group() -> None:
    lb = make_raw(LB, "web", {})
    target = make_raw("aws:lb/targetGroup:TargetGroup", "tg", {"port": 8080})
    listener = make_raw(LISTENER, "https", {"loadBalancerArn": UNKNOWN, "protocol": "HTTPS", "port": 443,
                                            "sslPolicy": "ELBSecurityPolicy-TLS13-1-3-2021-06",
                                            "defaultActions": [{"type": "forward", "targetGroupArn": UNKNOWN}]},
                        deps={"loadBalancerArn": [lb.urn], "defaultActions": [target.urn]})
    asset = one(run_normalize(lb, target, listener), "elbv2.listener")
    assert asset.attributes["default_actions"][0]["target_group_arn"] == target.urn
    assert asset.attributes["tls_min_version"] == "1.3"
    assert asset.unknown == frozenset()


RULE = "aws:lb/listenerRule:ListenerRule"
ALB_RULE = "aws:alb/listenerRule:ListenerRule"
TG = "aws:lb/targetGroup:TargetGroup"
REDIRECT = {"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}


def _http_listener(lb_urn: str) -> RawResource:
    return make_raw(LISTENER, "http", {"loadBalancerArn": UNKNOWN, "port": 80, "protocol": "HTTP",
                                       "defaultActions": [REDIRECT]}, deps={"loadBalancerArn": [lb_urn]})


def test_planned_rule_forwarding_over_http_is_folded_into_its_listener() -> None:
    lb, target = make_raw(LB, "web", {}), make_raw(TG, "app", {"port": 8080})
    listener = _http_listener(lb.urn)
    rule = make_raw(RULE, "all", {"listenerArn": UNKNOWN, "priority": 100,
                                  "actions": [{"type": "forward", "targetGroupArn": UNKNOWN}],
                                  "conditions": [{"pathPattern": {"values": ["/*"]}}]},
                    deps={"listenerArn": [listener.urn], "actions": [target.urn]})
    assets = run_normalize(lb, target, listener, rule)
    assert [a.kind for a in assets].count("elbv2.listener") == 1  # the rule is no asset of its own
    attrs = one(assets, "elbv2.listener").attributes
    assert attrs["redirects_to_https"] is True
    assert attrs["rules"] == [{"priority": 100, "actions": [
        {"type": "forward", "order": None, "target_group_arn": target.urn, "redirect_protocol": None,
         "redirect_port": None, "redirect_status_code": None}]}]
    assert attrs["rules_redirect_to_https"] is False


def test_rules_that_redirect_to_https_or_answer_fixed_responses_keep_the_listener_redirecting() -> None:
    lb = make_raw(LB, "web", {})
    listener = _http_listener(lb.urn)
    fixed = make_raw(ALB_RULE, "health", {"listenerArn": UNKNOWN, "priority": 1, "actions": [
        {"type": "fixed-response", "fixedResponse": {"contentType": "text/plain", "statusCode": "200"}}]},
        deps={"listenerArn": [listener.urn]})
    redirect = make_raw(RULE, "old", {"listenerArn": UNKNOWN, "actions": [REDIRECT]},
                        deps={"listenerArn": [listener.urn]})
    asset = one(run_normalize(lb, listener, fixed, redirect), "elbv2.listener")
    assert asset.attributes["rules_redirect_to_https"] is True
    assert [r["priority"] for r in asset.attributes["rules"]] == [1, None]  # absent: the next free priority
    assert "rules[].priority" in asset.unknown


def test_rule_keeping_the_protocol_or_with_unknown_actions() -> None:
    lb = make_raw(LB, "web", {})
    listener = _http_listener(lb.urn)
    keep = make_raw(RULE, "keep", {"listenerArn": UNKNOWN, "priority": 5, "actions": [
        {"type": "redirect", "redirect": {"port": "8080", "statusCode": "HTTP_302"}}]},
        deps={"listenerArn": [listener.urn]})
    assert one(run_normalize(lb, listener, keep), "elbv2.listener").attributes["rules_redirect_to_https"] is False
    computed = make_raw(RULE, "computed", {"listenerArn": UNKNOWN, "priority": 6, "actions": UNKNOWN},
                        deps={"listenerArn": [listener.urn]})
    asset = one(run_normalize(lb, listener, computed), "elbv2.listener")
    assert {"rules[].actions", "rules_redirect_to_https"} <= asset.unknown


def test_state_rule_links_its_listener_by_arn() -> None:
    lb = make_raw(LB, "web", {"arn": LB_ARN, "id": LB_ARN, "loadBalancerType": "application"}, source=STATE,
                  id=LB_ARN)
    listener_arn = LB_ARN.replace(":loadbalancer/", ":listener/") + "/l1"
    listener = make_raw(LISTENER, "http", {"arn": listener_arn, "id": listener_arn, "loadBalancerArn": LB_ARN,
                                           "port": 80, "protocol": "HTTP", "defaultActions": [
                                               {**REDIRECT, "targetGroupArn": "", "order": 1}]},
                        source=STATE, id=listener_arn)
    rule = make_raw(RULE, "all", {"arn": listener_arn + "/r1", "listenerArn": listener_arn, "priority": 100,
                                  "actions": [{"type": "forward", "targetGroupArn": "arn:tg", "order": 1,
                                               "redirect": None}]}, source=STATE, id=listener_arn + "/r1")
    attrs = one(run_normalize(lb, listener, rule), "elbv2.listener").attributes
    assert attrs["redirects_to_https"] is True and attrs["rules_redirect_to_https"] is False
    assert attrs["rules"][0]["actions"][0]["target_group_arn"] == "arn:tg"
    lb_attrs = one(run_normalize(lb, listener, rule), "elbv2.load_balancer").attributes
    assert lb_attrs["listener_protocols"] == ["HTTP"]


def test_listener_without_rules() -> None:
    lb = make_raw(LB, "web", {})
    attrs = one(run_normalize(lb, _http_listener(lb.urn)), "elbv2.listener").attributes
    assert (attrs["rules"], attrs["rules_redirect_to_https"]) == ([], True)


def test_network_load_balancer_with_only_tcp_and_udp_listeners_writes_no_access_logs() -> None:
    nlb = make_raw(LB, "nlb", {"loadBalancerType": "network"})
    tcp = make_raw(LISTENER, "tcp", {"loadBalancerArn": UNKNOWN, "port": 22, "protocol": "TCP"},
                   deps={"loadBalancerArn": [nlb.urn]})
    udp = make_raw(LISTENER, "udp", {"loadBalancerArn": UNKNOWN, "port": 53, "protocol": "UDP"},
                   deps={"loadBalancerArn": [nlb.urn]})
    attrs = one(run_normalize(nlb, tcp, udp), "elbv2.load_balancer").attributes
    assert attrs["listener_protocols"] == ["TCP", "UDP"]
    assert attrs["access_logs_supported"] is False
    tls = make_raw(LISTENER, "tls", {"loadBalancerArn": UNKNOWN, "port": 443, "protocol": "TLS"},
                   deps={"loadBalancerArn": [nlb.urn]})
    assert one(run_normalize(nlb, tcp, tls), "elbv2.load_balancer").attributes["access_logs_supported"] is True
    computed = make_raw(LISTENER, "c", {"loadBalancerArn": UNKNOWN, "port": 443, "protocol": UNKNOWN},
                        deps={"loadBalancerArn": [nlb.urn]})
    asset = one(run_normalize(nlb, tcp, computed), "elbv2.load_balancer")
    assert "access_logs_supported" in asset.unknown


def test_application_and_gateway_load_balancers_access_log_support_follows_their_type() -> None:
    alb = make_raw(LB, "alb", {})
    gwlb = make_raw(LB, "gw", {"loadBalancerType": "gateway"})
    assets = run_normalize(alb, gwlb)
    assert one(assets, "elbv2.load_balancer", "alb").attributes["access_logs_supported"] is True
    assert one(assets, "elbv2.load_balancer", "gw").attributes["access_logs_supported"] is False
    unknown = one(run_normalize(make_raw(LB, "x", {"loadBalancerType": UNKNOWN})), "elbv2.load_balancer")
    assert "access_logs_supported" in unknown.unknown
