"""Linking live security groups to their state: the fingerprint name (fast tests; the sandbox one is
test_link_sandbox.py) and the unreviewed live rules with their review command."""

from __future__ import annotations

from typing import Any

from checks.drift.link import group_names, link_to_state, planned_name
from checks.drift.rules import review_command, rule_summary, unreviewed_rules
from checks.live_types import EC2_SECURITY_GROUP
from checks.model import Asset, SourceKind
from checks.normalize import normalize
from checks.normalize.ec2.sg_rules import fingerprint
from checks.raw import RawResource

SG = "aws:ec2/securityGroup:SecurityGroup"
URN = "urn:pulumi:dev::shop::aws:ec2/securityGroup:SecurityGroup::"


def state_group(logical: str, group_id: str, physical: str, *, named: bool, **props: Any) -> RawResource:
    inputs = {"vpcId", "description", *props} | ({"name"} if named else set())
    return RawResource(type=SG, urn=URN + logical, name=logical, id=group_id, source=SourceKind.STATE,
                       props={"name": physical, "id": group_id, "vpcId": "vpc-1", "description": "d", **props},
                       input_keys=frozenset(inputs))


def live_group(group_id: str, name: str, rules: list[dict[str, Any]]) -> RawResource:
    arn = f"arn:aws:ec2:eu-west-1:111122223333:security-group/{group_id}"
    props = {"arn": arn, "id": group_id, "region": "eu-west-1", "account": "111122223333",
             "group": {"GroupId": group_id, "GroupName": name, "VpcId": "vpc-1", "Description": "d"},
             "rules": rules, "rulesSource": "DescribeSecurityGroupRules", "usage": []}
    return RawResource(type=EC2_SECURITY_GROUP, urn=arn, name=name, props=props, source=SourceKind.LIVE, id=arn)


HTTPS = {"IsEgress": False, "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIpv4": "0.0.0.0/0"}
FROM_WEB = {"IsEgress": False, "IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080,
            "ReferencedGroupInfo": {"GroupId": "sg-web"}}
STATE = [state_group("web", "sg-web", "web-1a2b3c4", named=False,
                     ingress=[{"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["0.0.0.0/0"]}]),
         state_group("api", "sg-api", "shop-api", named=True,
                     ingress=[{"protocol": "tcp", "fromPort": 8080, "toPort": 8080, "securityGroups": ["sg-web"]}])]
LIVE = [live_group("sg-web", "web-1a2b3c4", [HTTPS]), live_group("sg-api", "shop-api", [FROM_WEB])]


def _rules(assets: list[Asset], group_id: str) -> list[dict[str, Any]]:
    [found] = [a for a in assets if a.kind == "ec2.security_group" and a.id.endswith(group_id)]
    return list(found.attributes["rules"])


def test_pass_planned_name_is_the_name_input_else_the_logical_name() -> None:
    web, api = STATE
    assert (planned_name(web), planned_name(api)) == ("web", "shop-api")
    assert group_names(STATE) == {"sg-web": "web", "sg-api": "shop-api"}


def test_pass_linked_live_rules_use_the_planned_names_for_group_and_peer() -> None:
    live = normalize(LIVE, group_names=group_names(STATE)).assets
    [https] = _rules(live, "sg-web")
    assert https["fingerprint"] == fingerprint("web", "ingress", "tcp", 443, 443, "0.0.0.0/0")
    [from_web] = _rules(live, "sg-api")
    assert (from_web["peer"], from_web["fingerprint"]) == (
        "web", fingerprint("shop-api", "ingress", "tcp", 8080, 8080, "web"))
    assert [a.attributes["group_name"] for a in live if a.kind == "ec2.security_group"] == ["web-1a2b3c4", "shop-api"]


def test_fail_unlinked_live_rules_use_the_physical_name() -> None:
    [https] = _rules(normalize(LIVE).assets, "sg-web")
    assert https["fingerprint"] == fingerprint("web-1a2b3c4", "ingress", "tcp", 443, 443, "0.0.0.0/0")


def test_pass_state_view_fingerprints_with_the_planned_name() -> None:
    state = normalize(STATE).assets
    [https] = _rules(state, "sg-web")
    assert https["fingerprint"] == fingerprint("web", "ingress", "tcp", 443, 443, "0.0.0.0/0")
    [from_web] = _rules(state, "sg-api")
    assert from_web["peer"] == "web"
    assert [a.attributes["group_name"] for a in state] == ["web-1a2b3c4", "shop-api"]  # the real name is kept


def test_pass_unreviewed_rules_with_their_review_command() -> None:
    fp = fingerprint("web", "ingress", "tcp", 443, 443, "0.0.0.0/0")
    live = normalize(LIVE, reviewed=frozenset({fingerprint("shop-api", "ingress", "tcp", 8080, 8080, "web")}),
                     group_names=group_names(STATE)).assets
    [rule] = unreviewed_rules(live, "infra")
    assert (rule.group_name, rule.fingerprint, rule.rule) == ("web-1a2b3c4", fp, "ingress tcp 443 from 0.0.0.0/0")
    assert rule.group_id == "arn:aws:ec2:eu-west-1:111122223333:security-group/sg-web"
    assert rule.command == f"clearance sg review infra --reviewer <you> --fingerprint {fp}"


def test_pass_rule_summaries_and_commands() -> None:
    assert rule_summary({"direction": "egress", "protocol": "all", "from_port": 0, "to_port": 65535,
                         "peer_type": "cidr_ipv4", "peer": "0.0.0.0/0"}) == "egress all to 0.0.0.0/0"
    assert rule_summary({"direction": "ingress", "protocol": "tcp", "from_port": 8000, "to_port": 8080,
                         "peer_type": "security_group", "peer": "lb"}) == "ingress tcp 8000-8080 from security_group lb"
    assert review_command(None, "ab") == "clearance sg review . --reviewer <you> --fingerprint ab"
    assert review_command("my infra", "ab") == "clearance sg review 'my infra' --reviewer <you> --fingerprint ab"


def test_pass_drift_and_normalize_agree_on_the_linked_prop() -> None:
    from checks.drift import link
    from checks.normalize.ec2 import live_sg

    assert link.LINKED_PROP == live_sg.LINKED_PROP  # drift may not import normalize: the name is written twice


def test_pass_link_to_state_marks_the_live_groups_for_any_normalize_call() -> None:
    linked = link_to_state(LIVE, STATE)
    assert [r.props.get("linkedName") for r in linked] == ["web", "shop-api"]
    assert LIVE[0].props.get("linkedName") is None  # the input is not changed
    assert _rules(normalize(linked).assets, "sg-api") == _rules(normalize(LIVE, group_names=group_names(STATE)).assets,
                                                                "sg-api")
    [https] = _rules(normalize(linked).assets, "sg-web")
    assert https["fingerprint"] == fingerprint("web", "ingress", "tcp", 443, 443, "0.0.0.0/0")
