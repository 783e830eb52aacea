"""ec2.security_group: inline and standalone rules, one entry per peer, fingerprints and usage facts."""

from __future__ import annotations

import hashlib

from checks.model import UNKNOWN, SourceKind
from checks.normalize import normalize
from tests.normalize.conftest import make_raw, one, run_normalize

VPC = "aws:ec2/vpc:Vpc"
SG = "aws:ec2/securityGroup:SecurityGroup"
DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
LEGACY_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
LB = "aws:lb/loadBalancer:LoadBalancer"
INSTANCE = "aws:ec2/instance:Instance"
STATE = SourceKind.STATE


def expected_fingerprint(*parts: object) -> str:
    return hashlib.sha256("|".join("" if p is None else str(p) for p in parts).encode()).hexdigest()[:16]


def test_inline_rules_give_one_entry_per_peer_with_normalized_protocols_and_ports() -> None:
    group = make_raw(SG, "web", {"name": "web-sg", "description": "web tier", "vpcId": "vpc-1", "ingress": [
        {"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["10.0.0.0/8", "0.0.0.0/0"],
         "ipv6CidrBlocks": ["::/0"], "description": "https"},
        {"protocol": "-1", "fromPort": 0, "toPort": 0, "self": True},
    ], "egress": [{"protocol": "6", "fromPort": 5432, "toPort": 5432, "prefixListIds": ["pl-123"]}]})
    asset = one(run_normalize(group), "ec2.security_group")
    attrs = asset.attributes
    assert attrs["group_name"] == "web-sg"
    assert attrs["description"] == "web tier"
    assert attrs["is_default"] is False
    rows = [(r["direction"], r["protocol"], r["from_port"], r["to_port"], r["peer_type"], r["peer"])
            for r in attrs["rules"]]
    assert rows == [
        ("ingress", "tcp", 443, 443, "cidr_ipv4", "10.0.0.0/8"),
        ("ingress", "tcp", 443, 443, "cidr_ipv4", "0.0.0.0/0"),
        ("ingress", "tcp", 443, 443, "cidr_ipv6", "::/0"),
        ("ingress", "all", 0, 65535, "self", "web-sg"),
        ("egress", "tcp", 5432, 5432, "prefix_list", "pl-123"),
    ]
    assert attrs["rules"][0]["description"] == "https"
    assert attrs["rules"][0]["fingerprint"] == expected_fingerprint("web-sg", "ingress", "tcp", 443, 443, "10.0.0.0/8")
    assert len({r["fingerprint"] for r in attrs["rules"]}) == 5
    assert attrs["ingress_from_internet"] == [{"protocol": "tcp", "from_port": 443, "to_port": 443}]
    assert asset.unknown == frozenset()


def test_group_without_egress_has_no_egress_rule_because_the_provider_removes_the_aws_default() -> None:
    attrs = one(run_normalize(make_raw(SG, "bare", {})), "ec2.security_group").attributes
    assert attrs["rules"] == []
    assert attrs["group_name"] == "bare"  # no name input: the logical name
    assert attrs["description"] == "Managed by Pulumi"  # provider default
    assert attrs["ingress_from_internet"] == []


def test_icmp_ports_are_type_and_code_and_other_protocols_cover_all_ports() -> None:
    group = make_raw(SG, "g", {"ingress": [
        {"protocol": "icmp", "fromPort": -1, "toPort": -1, "cidrBlocks": ["10.0.0.0/8"]},
        {"protocol": "icmp", "fromPort": 8, "toPort": 0, "cidrBlocks": ["10.0.0.0/8"]},
        {"protocol": "50", "fromPort": 0, "toPort": 0, "cidrBlocks": ["10.0.0.0/8"]},
        {"protocol": "17", "fromPort": 53, "toPort": 53, "cidrBlocks": ["10.0.0.0/8"]},
    ]})
    rules = one(run_normalize(group), "ec2.security_group").attributes["rules"]
    assert [(r["protocol"], r["from_port"], r["to_port"]) for r in rules] == [
        ("icmp", None, None), ("icmp", 8, 0), ("50", 0, 65535), ("udp", 53, 53)]
    assert rules[0]["fingerprint"] == expected_fingerprint("g", "ingress", "icmp", None, None, "10.0.0.0/8")


def test_planned_standalone_rules_are_folded_and_name_declared_peer_groups() -> None:
    lb_group = make_raw(SG, "lb", {"name": "lb-sg"})
    app_group = make_raw(SG, "app", {"name": "app-sg"})
    legacy = make_raw(LEGACY_RULE, "app-from-lb", {
        "type": "ingress", "securityGroupId": UNKNOWN, "sourceSecurityGroupId": UNKNOWN, "protocol": "tcp",
        "fromPort": 8080, "toPort": 8080}, deps={"securityGroupId": [app_group.urn],
                                                 "sourceSecurityGroupId": [lb_group.urn]})
    ingress = make_raw(INGRESS, "lb-https", {"securityGroupId": UNKNOWN, "cidrIpv4": "0.0.0.0/0", "ipProtocol": "tcp",
                                             "fromPort": 443, "toPort": 443}, deps={"securityGroupId": [lb_group.urn]})
    egress = make_raw(EGRESS, "lb-to-app", {"securityGroupId": UNKNOWN, "referencedSecurityGroupId": UNKNOWN,
                                            "ipProtocol": "-1"},
                      deps={"securityGroupId": [lb_group.urn], "referencedSecurityGroupId": [app_group.urn]})
    result = normalize([lb_group, app_group, legacy, ingress, egress])
    assert result.folded == 3
    app = one(result.assets, "ec2.security_group", "app").attributes
    assert [(r["direction"], r["peer_type"], r["peer"], r["from_port"]) for r in app["rules"]] == [
        ("ingress", "security_group", "lb-sg", 8080)]
    lb = one(result.assets, "ec2.security_group", "lb").attributes
    assert [(r["direction"], r["protocol"], r["from_port"], r["to_port"], r["peer"]) for r in lb["rules"]] == [
        ("ingress", "tcp", 443, 443, "0.0.0.0/0"), ("egress", "all", 0, 65535, "app-sg")]


def test_state_inline_copies_of_standalone_rules_are_listed_once() -> None:
    group = make_raw(SG, "app", {"id": "sg-1", "name": "app-7f3a2b1", "vpcId": "vpc-1", "ingress": [
        {"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrBlocks": ["203.0.113.0/24"], "ipv6CidrBlocks": [],
         "securityGroups": [], "prefixListIds": [], "self": False, "description": ""}]},
        source=STATE, id="sg-1")
    rule = make_raw(LEGACY_RULE, "ssh", {"type": "ingress", "securityGroupId": "sg-1", "protocol": "tcp",
                                         "fromPort": 22, "toPort": 22, "cidrBlocks": ["203.0.113.0/24"],
                                         "description": "office"}, source=STATE, id="sgrule-1")
    attrs = one(run_normalize(group, rule), "ec2.security_group").attributes
    assert attrs["group_name"] == "app-7f3a2b1"  # the physical name in state
    assert attrs["vpc_id"] == "vpc-1"
    assert len(attrs["rules"]) == 1
    assert attrs["rules"][0]["description"] == "office"


def test_state_peer_group_referenced_by_id_is_named_by_its_group_name() -> None:
    lb = make_raw(SG, "lb", {"id": "sg-lb", "name": "lb-sg"}, source=STATE, id="sg-lb")
    app = make_raw(SG, "app", {"id": "sg-app", "name": "app-sg", "ingress": [
        {"protocol": "tcp", "fromPort": 80, "toPort": 80, "securityGroups": ["sg-lb", "sg-elsewhere"]}]},
        source=STATE, id="sg-app")
    rules = one(run_normalize(lb, app), "ec2.security_group", "app").attributes["rules"]
    assert [r["peer"] for r in rules] == ["lb-sg", "sg-elsewhere"]


def test_unknown_peer_is_recorded_unknown_and_makes_internet_ingress_unknown() -> None:
    group = make_raw(SG, "g", {"name": "g"})
    rule = make_raw(INGRESS, "from-config", {"securityGroupId": UNKNOWN, "cidrIpv4": UNKNOWN, "ipProtocol": "tcp",
                                             "fromPort": 22, "toPort": 22}, deps={"securityGroupId": [group.urn]})
    asset = one(run_normalize(group, rule), "ec2.security_group")
    entry = asset.attributes["rules"][0]
    assert entry["peer_type"] == "cidr_ipv4"
    assert entry["peer"] is None and entry["fingerprint"] is None
    assert {"rules[].peer", "rules[].fingerprint", "ingress_from_internet"} <= asset.unknown
    assert asset.attributes["ingress_from_internet"] is None


def test_unknown_inline_group_reference_resolves_only_when_one_dependency_explains_it() -> None:
    peer = make_raw(SG, "peer", {"name": "peer-sg"})
    single = make_raw(SG, "single", {"ingress": [
        {"protocol": "tcp", "fromPort": 80, "toPort": 80, "securityGroups": [UNKNOWN]}]}, deps={"ingress": [peer.urn]})
    other = make_raw(SG, "other", {"name": "other-sg"})
    double = make_raw(SG, "double", {"ingress": [
        {"protocol": "tcp", "fromPort": 80, "toPort": 80, "securityGroups": [UNKNOWN]},
        {"protocol": "tcp", "fromPort": 81, "toPort": 81, "securityGroups": [UNKNOWN]}]},
        deps={"ingress": [peer.urn, other.urn]})
    assets = run_normalize(peer, single, other, double)
    assert one(assets, "ec2.security_group", "single").attributes["rules"][0]["peer"] == "peer-sg"
    ambiguous = one(assets, "ec2.security_group", "double")
    assert [r["peer"] for r in ambiguous.attributes["rules"]] == [None, None]
    assert "rules[].peer" in ambiguous.unknown


def test_usage_facts_for_load_balancer_and_application_groups() -> None:
    lb_group = make_raw(SG, "lb", {"ingress": [
        {"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["0.0.0.0/0"]}]})
    app_group = make_raw(SG, "app", {"ingress": [
        {"protocol": "tcp", "fromPort": 8080, "toPort": 8080, "securityGroups": [UNKNOWN]}]},
        deps={"ingress": [lb_group.urn]})
    lb = make_raw(LB, "alb", {"securityGroups": [UNKNOWN]}, deps={"securityGroups": [lb_group.urn]})
    vm = make_raw(INSTANCE, "vm", {"vpcSecurityGroupIds": [UNKNOWN]}, deps={"vpcSecurityGroupIds": [app_group.urn]})
    assets = run_normalize(lb_group, app_group, lb, vm)
    lb_attrs = one(assets, "ec2.security_group", "lb").attributes
    assert lb_attrs["attached_to"] == ["elbv2.load_balancer"]
    assert lb_attrs["used_by_internet_facing_load_balancer"] is True
    assert lb_attrs["ingress_only_from_load_balancers"] is False  # admits the internet
    app_attrs = one(assets, "ec2.security_group", "app").attributes
    assert app_attrs["attached_to"] == ["ec2.instance"]
    assert app_attrs["used_by_load_balancer"] is False
    assert app_attrs["used_by_internet_facing_load_balancer"] is False
    assert app_attrs["ingress_only_from_load_balancers"] is True


def test_internal_load_balancer_group_is_not_internet_facing_and_unknown_scheme_stays_unknown() -> None:
    group = make_raw(SG, "lb", {})
    internal = make_raw(LB, "internal", {"internal": True, "securityGroups": [UNKNOWN]},
                        deps={"securityGroups": [group.urn]})
    attrs = one(run_normalize(group, internal), "ec2.security_group").attributes
    assert attrs["used_by_load_balancer"] is True
    assert attrs["used_by_internet_facing_load_balancer"] is False
    maybe = make_raw(LB, "maybe", {"internal": UNKNOWN, "securityGroups": [UNKNOWN]},
                     deps={"securityGroups": [group.urn]})
    asset = one(run_normalize(group, maybe), "ec2.security_group")
    assert "used_by_internet_facing_load_balancer" in asset.unknown


def test_default_security_group_is_default_and_its_rules_are_only_the_declared_ones() -> None:
    vpc = make_raw(VPC, "main", {"cidrBlock": "10.0.0.0/16"})
    group = make_raw(DEFAULT_SG, "default", {"vpcId": UNKNOWN, "ingress": [
        {"protocol": "-1", "fromPort": 0, "toPort": 0, "self": True}]}, deps={"vpcId": [vpc.urn]})
    attrs = one(run_normalize(vpc, group), "ec2.security_group").attributes
    assert attrs["is_default"] is True
    assert attrs["group_name"] == "default"
    assert attrs["vpc_id"] == vpc.urn
    assert [(r["direction"], r["peer_type"], r["peer"]) for r in attrs["rules"]] == [("ingress", "self", "default")]
    assert one(run_normalize(vpc, group), "ec2.vpc").attributes["default_security_group_allows_traffic"] is True


def test_group_without_vpc_is_in_the_default_vpc_whose_id_is_unknown() -> None:
    asset = one(run_normalize(make_raw(SG, "g", {})), "ec2.security_group")
    assert "vpc_id" in asset.unknown


def test_unknown_rule_list_is_recorded_unknown() -> None:
    asset = one(run_normalize(make_raw(SG, "g", {"ingress": UNKNOWN})), "ec2.security_group")
    assert asset.attributes["rules"][0]["direction"] == "ingress"
    assert {"rules[].protocol", "rules[].peer_type", "rules[].fingerprint", "ingress_from_internet"} <= asset.unknown
