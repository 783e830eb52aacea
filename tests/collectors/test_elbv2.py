"""The elbv2 collector and its live normalizer against moto: load balancers, listeners and their rules, LOG-04,
TLS-01, TLS-02, TLS-03."""

from __future__ import annotations

import datetime as dt
from typing import Any

import boto3
import pytest

import checks.collectors.elbv2 as elbv2_collector
from checks.catalog.loader import load_catalog
from checks.engine import evaluate
from checks.model import Asset, Status
from tests.collectors.conftest import (
    ACCOUNT,
    REGION,
    assets_of,
    by_name,
    collect,
    restricted_session,
    scope,
    statuses,
    with_iam_enforced,
)

CONTROLS = ("LOG-04", "TLS-01", "TLS-02", "TLS-03")
P, F, NA, E = Status.PASS, Status.FAIL, Status.NOT_APPLICABLE, Status.ERROR
EXPECTED = {
    ("LOG-04", "web-lb"): P, ("LOG-04", "internal"): F, ("LOG-04", "net"): F, ("LOG-04", "gw"): NA,
    ("LOG-04", "dns"): NA,  # a network load balancer without TLS listeners writes no access logs
    ("TLS-01", "web:80"): P, ("TLS-01", "web:8080"): F, ("TLS-01", "web:8081"): F, ("TLS-01", "web:8082"): F,
    ("TLS-01", "dns:53"): NA, ("TLS-02", "dns:53"): NA, ("TLS-02", "web:8082"): NA,
    ("TLS-03", "web-lb"): P, ("TLS-03", "internal"): F, ("TLS-03", "net"): NA, ("TLS-03", "gw"): NA,
    ("TLS-03", "dns"): NA,
    ("TLS-01", "web:443"): NA, ("TLS-01", "web:8443"): NA, ("TLS-01", "internal:80"): NA,
    ("TLS-01", "net:443"): NA, ("TLS-01", "net:22"): NA,
    ("TLS-02", "web:443"): P, ("TLS-02", "web:8443"): F, ("TLS-02", "net:443"): F,
    ("TLS-02", "web:80"): NA, ("TLS-02", "web:8080"): NA, ("TLS-02", "web:8081"): NA,
    ("TLS-02", "internal:80"): NA, ("TLS-02", "net:22"): NA,
}


def statuses_by_id(assets: list[Asset], *control_ids: str) -> dict[tuple[str, str], Status]:
    """(control, asset id) -> status: stable when a denied tag read changes the assets' names."""
    catalog = load_catalog()
    controls = [c for cid, c in catalog.controls.items() if cid in control_ids]
    ev = evaluate(controls, assets, now=dt.datetime.now(dt.UTC), templates=catalog.templates)
    return {(f.control_id, f.asset_id): f.status for f in ev.findings}


def _estate(session: boto3.Session) -> dict[str, Any]:
    ec2, elb = session.client("ec2"), session.client("elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    a = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    b = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.2.0/24", AvailabilityZone="us-east-1b")["Subnet"]["SubnetId"]
    sg = ec2.create_security_group(GroupName="lb", Description="load balancer", VpcId=vpc)["GroupId"]
    web = elb.create_load_balancer(Name="web", Subnets=[a, b], SecurityGroups=[sg],
                                   Tags=[{"Key": "Name", "Value": "web-lb"}])["LoadBalancers"][0]["LoadBalancerArn"]
    elb.modify_load_balancer_attributes(LoadBalancerArn=web, Attributes=[
        {"Key": "access_logs.s3.enabled", "Value": "true"}, {"Key": "access_logs.s3.bucket", "Value": "lb-logs"},
        {"Key": "access_logs.s3.prefix", "Value": "web"},
        {"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"},
        {"Key": "deletion_protection.enabled", "Value": "true"}])
    internal = elb.create_load_balancer(Name="internal", Subnets=[a, b], SecurityGroups=[sg],
                                        Scheme="internal")["LoadBalancers"][0]["LoadBalancerArn"]
    net = elb.create_load_balancer(Name="net", Subnets=[a], Type="network")["LoadBalancers"][0]["LoadBalancerArn"]
    elb.create_load_balancer(Name="gw", Subnets=[a], Type="gateway")
    tg = elb.create_target_group(Name="app", Protocol="HTTP", Port=80, VpcId=vpc,
                                 TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]
    forward = [{"Type": "forward", "TargetGroupArn": tg}]

    def listener(lb: str, protocol: str, port: int, actions: list[dict[str, Any]], **kw: Any) -> None:
        elb.create_listener(LoadBalancerArn=lb, Protocol=protocol, Port=port, DefaultActions=actions, **kw)

    listener(web, "HTTP", 80, [{"Type": "redirect", "RedirectConfig": {
        "Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}])
    listener(web, "HTTPS", 443, forward, SslPolicy="ELBSecurityPolicy-TLS13-1-2-2021-06")
    listener(web, "HTTP", 8080, forward)
    listener(web, "HTTP", 8081, [{"Type": "redirect", "RedirectConfig": {"StatusCode": "HTTP_302"}}])  # keeps HTTP
    listener(web, "HTTPS", 8443, forward)  # no policy named: ELBSecurityPolicy-2016-08 (TLS 1.0)
    listener(internal, "HTTP", 80, forward)
    listener(net, "TLS", 443, forward, SslPolicy="ELBSecurityPolicy-TLS-1-1-2017-01")
    listener(net, "TCP", 22, forward)
    dns = elb.create_load_balancer(Name="dns", Subnets=[a], Type="network")["LoadBalancers"][0]["LoadBalancerArn"]
    listener(dns, "TCP_UDP", 53, forward)
    redirect = [{"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}]
    listener(web, "HTTP", 8082, redirect)  # redirects by default, but a rule forwards every path over HTTP
    rules = {"web:80": [{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "200",
                                                                          "ContentType": "text/plain"}}],
             "web:8082": forward}
    for item in elb.describe_listeners(LoadBalancerArn=web)["Listeners"]:
        actions = rules.get(f"web:{item['Port']}")
        if actions:
            elb.create_rule(ListenerArn=item["ListenerArn"], Priority=10, Actions=actions,
                            Conditions=[{"Field": "path-pattern", "Values": ["/*"]}])
    return {"web": web, "internal": internal, "net": net, "dns": dns, "tg": tg, "sg": sg, "subnets": [a, b]}


def test_assets_and_controls(session: boto3.Session) -> None:
    estate = _estate(session)
    result = collect(scope(session), "elbv2")
    assert result.errors == ()
    assets = assets_of(result)
    assert sorted(a.kind for a in assets).count("elbv2.listener") == 10
    web = by_name(assets, "web-lb")
    assert (web.kind, web.id, web.region, web.account, web.source.value) == (
        "elbv2.load_balancer", estate["web"], REGION, ACCOUNT, "live")
    assert web.tags == {"Name": "web-lb"}
    assert web.attributes == {
        "type": "application", "scheme": "internet-facing",
        "access_logs": {"enabled": True, "bucket": "lb-logs", "prefix": "web"},
        "drop_invalid_header_fields": True, "deletion_protection": True,
        "security_groups": [estate["sg"]], "subnets": estate["subnets"],
        "listener_protocols": ["HTTP", "HTTP", "HTTP", "HTTP", "HTTPS", "HTTPS"], "access_logs_supported": True}
    internal = by_name(assets, "internal").attributes
    # attribute keys moto does not return until they are modified: the AWS defaults
    assert internal["access_logs"] == {"enabled": False, "bucket": None, "prefix": None}
    assert (internal["scheme"], internal["drop_invalid_header_fields"], internal["deletion_protection"]) == (
        "internal", False, False)
    assert by_name(assets, "net").attributes["drop_invalid_header_fields"] is None  # application only
    assert by_name(assets, "dns").attributes["access_logs_supported"] is False
    assert by_name(assets, "net").attributes["listener_protocols"] == ["TCP", "TLS"]

    redirect = by_name(assets, "web:80").attributes
    assert redirect["ssl_policy"] is None and redirect["tls_min_version"] is None  # moto reports one on HTTP
    assert redirect["redirects_to_https"] is True
    assert redirect["default_actions"] == [{"type": "redirect", "order": None, "target_group_arn": None,
                                            "redirect_protocol": "HTTPS", "redirect_port": "443",
                                            "redirect_status_code": "HTTP_301"}]
    assert by_name(assets, "web:8081").attributes["default_actions"][0]["redirect_protocol"] == "#{protocol}"
    assert [(r["priority"], r["actions"][0]["type"]) for r in redirect["rules"]] == [(10, "fixed-response")]
    assert redirect["rules_redirect_to_https"] is True
    ruled = by_name(assets, "web:8082").attributes
    assert (ruled["redirects_to_https"], ruled["rules_redirect_to_https"]) == (True, False)
    assert ruled["rules"] == [{"priority": 10, "actions": [{
        "type": "forward", "order": None, "target_group_arn": estate["tg"], "redirect_protocol": None,
        "redirect_port": None, "redirect_status_code": None}]}]
    assert by_name(assets, "net:443").attributes["rules"] == []  # network load balancer listeners have none
    https = by_name(assets, "web:443").attributes
    assert (https["load_balancer"], https["load_balancer_scheme"], https["load_balancer_type"]) == (
        estate["web"], "internet-facing", "application")
    assert (https["ssl_policy"], https["tls_min_version"]) == ("ELBSecurityPolicy-TLS13-1-2-2021-06", "1.2")
    assert https["default_actions"][0]["target_group_arn"] == estate["tg"]
    assert by_name(assets, "web:8443").attributes["tls_min_version"] == "1.0"
    assert by_name(assets, "net:443").attributes["tls_min_version"] == "1.1"
    assert statuses(assets, *CONTROLS) == EXPECTED


def test_declared_operations_cover_every_call(session: boto3.Session) -> None:
    _estate(session)
    seen: set[str] = set()
    session.events.register("before-call", lambda model, **_: seen.add(
        f"{model.service_model.signing_name}:{model.name}"))
    collect(scope(session), "elbv2")
    assert seen == set(elbv2_collector.OPERATIONS)


@pytest.mark.parametrize(("denied", "controls_in_error"), [
    ("elasticloadbalancing:DescribeLoadBalancerAttributes", {"LOG-04", "TLS-03"}),
    ("elasticloadbalancing:DescribeTags", set()),
])
def test_denied_call_errors_only_the_controls_that_read_it(session: boto3.Session, denied: str,
                                                           controls_in_error: set[str]) -> None:
    _estate(session)
    baseline = statuses_by_id(assets_of(collect(scope(session), "elbv2")), *CONTROLS)
    restricted = restricted_session(session, [denied])
    result = with_iam_enforced(lambda: collect(scope(restricted), "elbv2"))
    assert result.errors == ()
    assets = assets_of(result)
    operation = denied.split(":")[1]
    assert all(a.errors for a in assets if a.kind == "elbv2.load_balancer")
    for a in assets:
        for reason in a.errors.values():
            assert reason == f"AccessDenied {denied}", reason
    after = statuses_by_id(assets, *CONTROLS)
    assert after.keys() == baseline.keys()
    changed = {k for k in baseline if after[k] != baseline[k]}
    assert {c for c, _ in changed} == controls_in_error
    assert all(after[k] == E for k in changed)
    if operation == "DescribeTags":  # names fall back to the AWS names
        assert {a.name for a in assets if a.kind == "elbv2.load_balancer"} == {"web", "internal", "net", "gw", "dns"}


def test_denied_listeners_are_a_scan_error(session: boto3.Session) -> None:
    _estate(session)
    restricted = restricted_session(session, ["elasticloadbalancing:DescribeListeners"])
    result = with_iam_enforced(lambda: collect(scope(restricted), "elbv2"))
    assert len(result.errors) == 5  # one per load balancer
    assert {(e.operation, e.reason, e.types) for e in result.errors} == {
        ("elbv2:DescribeListeners", "AccessDenied elasticloadbalancing:DescribeListeners", ("live:elbv2:listener",))}
    assets = assets_of(result)
    assert {a.kind for a in assets} == {"elbv2.load_balancer"}
    # whether a network load balancer writes access logs depends on its listeners: not known
    unread = {("LOG-04", "net"): E, ("LOG-04", "dns"): E}
    assert statuses(assets, "LOG-04") == {k: unread.get(k, v) for k, v in EXPECTED.items() if k[0] == "LOG-04"}
    assert by_name(assets, "dns").errors == {
        "listener_protocols": "AccessDenied elasticloadbalancing:DescribeListeners",
        "access_logs_supported": "AccessDenied elasticloadbalancing:DescribeListeners"}
    assert by_name(assets, "web-lb").errors == {
        "listener_protocols": "AccessDenied elasticloadbalancing:DescribeListeners"}


def test_denied_rules_error_tls_01_on_http_listeners_only(session: boto3.Session) -> None:
    _estate(session)
    baseline = statuses_by_id(assets_of(collect(scope(session), "elbv2")), *CONTROLS)
    restricted = restricted_session(session, ["elasticloadbalancing:DescribeRules"])
    result = with_iam_enforced(lambda: collect(scope(restricted), "elbv2"))
    assert result.errors == ()
    assets = assets_of(result)
    after = statuses_by_id(assets, *CONTROLS)
    changed = {k: after[k] for k in baseline if after[k] != baseline[k]}
    # the HTTP listeners of the internet-facing load balancer; the internal one's TLS-01 is not applicable
    assert {c for c, _ in changed} == {"TLS-01"} and set(changed.values()) == {E}
    assert len(changed) == 4
    assert by_name(assets, "web:8082").errors["rules_redirect_to_https"] == (
        "AccessDenied elasticloadbalancing:DescribeRules")
    assert by_name(assets, "net:443").errors == {}  # not called for network load balancer listeners


def test_denied_load_balancer_list_is_a_scan_error(session: boto3.Session) -> None:
    _estate(session)
    restricted = restricted_session(session, ["elasticloadbalancing:DescribeLoadBalancers"])
    result = with_iam_enforced(lambda: collect(scope(restricted), "elbv2"))
    assert result.resources == ()
    assert [(e.operation, e.reason, e.types) for e in result.errors] == [
        ("elbv2:DescribeLoadBalancers", "AccessDenied elasticloadbalancing:DescribeLoadBalancers",
         ("live:elbv2:load_balancer", "live:elbv2:listener"))]
