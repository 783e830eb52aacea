"""ec2.security_group `ingress_from_internet`: CIDR blocks are compared as networks, not strings (planned and state).

Any spelling of 0.0.0.0/0 or ::/0 is the internet; so is a block that contains the whole IPv6 internet (the global
unicast range 2000::/3), and blocks of one rule key (protocol and ports) that together cover it. Text that is not
a CIDR block is an `error` on `ingress_from_internet`, never a pass.
"""

from __future__ import annotations

import pytest

from checks.model import UNKNOWN, Asset, SourceKind, Status
from tests.collectors.conftest import statuses
from tests.normalize.conftest import make_raw, one, run_normalize

SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SSH = [{"protocol": "tcp", "from_port": 22, "to_port": 22}]
VIEWS = [SourceKind.PLANNED, SourceKind.STATE]


def inline(view: SourceKind, *, v4: list[str] | None = None, v6: list[str] | None = None) -> Asset:
    """A group with one inline SSH rule admitting the given blocks, in the planned or the state view."""
    ids = {"id": "sg-1"} if view is SourceKind.STATE else {}
    group = make_raw(SG, "g", {**ids, "name": "g", "ingress": [
        {"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrBlocks": v4 or [], "ipv6CidrBlocks": v6 or []}]},
        source=view, id=ids.get("id"))
    return one(run_normalize(group), "ec2.security_group")


def standalone(view: SourceKind, **peer: str) -> Asset:
    """A group with one aws.vpc.SecurityGroupIngressRule on SSH (cidrIpv4= or cidrIpv6=)."""
    if view is SourceKind.STATE:
        group = make_raw(SG, "g", {"id": "sg-1", "name": "g"}, source=view, id="sg-1")
        rule = make_raw(INGRESS, "r", {"securityGroupId": "sg-1", "ipProtocol": "tcp", "fromPort": 22, "toPort": 22,
                                       **peer}, source=view, id="sgr-1")
    else:
        group = make_raw(SG, "g", {"name": "g"})
        rule = make_raw(INGRESS, "r", {"securityGroupId": UNKNOWN, "ipProtocol": "tcp", "fromPort": 22, "toPort": 22,
                                       **peer}, deps={"securityGroupId": [group.urn]})
    return one(run_normalize(group, rule), "ec2.security_group")


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("cidr", ["0::/0", "0000:0000::/0", "0:0:0:0:0:0:0:0/0", "::0/0", "::/00", "2000::/3",
                                  "::/1", "2001:db8::/0"])
def test_every_spelling_of_the_ipv6_internet_is_the_internet(view: SourceKind, cidr: str) -> None:
    asset = inline(view, v6=[cidr])
    assert asset.attributes["ingress_from_internet"] == SSH
    assert standalone(view, cidrIpv6=cidr).attributes["ingress_from_internet"] == SSH
    assert statuses([asset], "NET-02", "NET-03") == {("NET-02", "g"): Status.FAIL, ("NET-03", "g"): Status.FAIL}


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("cidr", ["0.0.0.0/00", "10.0.0.0/0"])  # host bits: the firewall matches the network
def test_every_spelling_of_the_ipv4_internet_is_the_internet(view: SourceKind, cidr: str) -> None:
    assert inline(view, v4=[cidr]).attributes["ingress_from_internet"] == SSH
    assert standalone(view, cidrIpv4=cidr).attributes["ingress_from_internet"] == SSH


@pytest.mark.parametrize("view", VIEWS)
def test_blocks_of_one_rule_that_together_cover_the_internet_are_the_internet(view: SourceKind) -> None:
    assert inline(view, v4=["0.0.0.0/1", "128.0.0.0/1"]).attributes["ingress_from_internet"] == SSH
    assert inline(view, v6=["2000::/4", "3000::/4"]).attributes["ingress_from_internet"] == SSH


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize(("v4", "v6"), [(["0.0.0.0/1"], []), (["10.0.0.0/8", "203.0.113.7/32"], []),
                                        ([], ["2001:db8::/32"]), ([], ["2000::/4"]), ([], ["fc00::/7"])])
def test_narrower_blocks_are_not_the_internet(view: SourceKind, v4: list[str], v6: list[str]) -> None:
    asset = inline(view, v4=v4, v6=v6)
    assert asset.attributes["ingress_from_internet"] == []
    assert asset.errors == {}


def test_other_rule_keys_do_not_add_up() -> None:
    group = make_raw(SG, "g", {"ingress": [
        {"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrBlocks": ["0.0.0.0/1"]},
        {"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["128.0.0.0/1"]}]})
    assert one(run_normalize(group), "ec2.security_group").attributes["ingress_from_internet"] == []


def test_egress_to_the_internet_is_not_ingress() -> None:
    group = make_raw(SG, "g", {"egress": [{"protocol": "-1", "fromPort": 0, "toPort": 0, "ipv6CidrBlocks": ["0::/0"]}]})
    assert one(run_normalize(group), "ec2.security_group").attributes["ingress_from_internet"] == []


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize(("v4", "v6"), [(["0.0.0.0"], []), (["anywhere"], []), (["0.0.0.0/33"], []),
                                        (["::/0"], []), ([], ["0.0.0.0/0"]), (["0.0.0.0/0.0.0.0"], []),
                                        ([" 0.0.0.0/0"], []), ([], ["fe80::1%eth0/64"]), (["00.0.0.0/0"], [])])
def test_text_that_is_not_a_cidr_block_is_an_error_never_a_pass(view: SourceKind, v4: list[str],
                                                                 v6: list[str]) -> None:
    asset = inline(view, v4=v4, v6=v6)
    assert asset.attributes["ingress_from_internet"] is None
    assert "is not a valid" in asset.errors["ingress_from_internet"]
    assert (v4 + v6)[0] in asset.errors["ingress_from_internet"]
    assert statuses([asset], "NET-02", "NET-03") == {("NET-02", "g"): Status.ERROR, ("NET-03", "g"): Status.ERROR}


def test_a_bad_block_in_an_egress_rule_does_not_taint_ingress() -> None:
    group = make_raw(SG, "g", {"egress": [{"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["nope"]}]})
    asset = one(run_normalize(group), "ec2.security_group")
    assert asset.attributes["ingress_from_internet"] == []
    assert asset.errors == {}


def test_a_bad_block_never_makes_an_instance_unreachable() -> None:
    """Consumers of the group's facts (ec2.instance reachability, NET-09) see UNKNOWN, not "no internet ingress"."""
    group = make_raw(SG, "g", {"ingress": [{"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrBlocks": ["x"]}]})
    vm = make_raw("aws:ec2/instance:Instance", "vm", {"vpcSecurityGroupIds": [UNKNOWN]},
                  deps={"vpcSecurityGroupIds": [group.urn]})  # no subnet: the default VPC, with a public IP
    assert statuses(run_normalize(group, vm), "NET-09") == {("NET-09", "vm"): Status.UNKNOWN}
