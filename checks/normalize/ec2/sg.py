"""ec2.security_group from SecurityGroup and DefaultSecurityGroup, with standalone rule resources folded in.

Egress: AWS gives a new group an allow-all egress rule, but the provider removes it when it creates a
`SecurityGroup` (pulumi-aws docs, "NOTE on Egress rules") and removes every rule of a `DefaultSecurityGroup`
when it adopts it; so a group's rules are exactly those declared, inline or standalone.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from checks.model import UNKNOWN, Asset
from checks.normalize.base import AssetBuilder, Index, first_set, folded, register, tri_map
from checks.normalize.ec2.routes import VPC_TOKENS, default_vpc
from checks.normalize.ec2.sg_internet import invalid_cidr_reason
from checks.normalize.ec2.sg_rules import DEFAULT_SECURITY_GROUP, RULE_TOKENS, SECURITY_GROUP, group_facts
from checks.normalize.ec2.sg_usage import (
    attached_to,
    ingress_only_from_load_balancers,
    used_by_load_balancer,
    used_only_by_load_balancers,
)
from checks.normalize.refs import ref_id, resolve_refs
from checks.raw import RawResource

KIND = "ec2.security_group"

folded(KIND, *RULE_TOKENS)


def group_vpc_id(index: Index, raw: RawResource) -> Any:
    """The group's VPC: its `vpcId`, else the default VPC (its id when declared, else unknown)."""
    if raw.props.get("vpcId") is None:
        vpc = default_vpc(index)
        return UNKNOWN if vpc is None else ref_id(vpc)
    return resolve_refs(index, raw, "vpcId", VPC_TOKENS, scalar=True).scalar()


def review_status(rules: Any, reviewed: frozenset[str]) -> tuple[Any, Any]:
    """Each rule marked reviewed or not (by fingerprint, against the review register), and the unreviewed ones."""
    if rules is UNKNOWN:
        return UNKNOWN, UNKNOWN
    marked = [dict(rule, reviewed=tri_map(rule["fingerprint"], lambda f: f in reviewed)) for rule in rules]
    if any(rule["fingerprint"] is UNKNOWN for rule in rules):
        return marked, UNKNOWN
    return marked, sorted({rule["fingerprint"] for rule in rules if rule["fingerprint"] not in reviewed})


def set_internet_ingress(b: AssetBuilder, found: Any, invalid: tuple[str, ...]) -> None:
    """`ingress_from_internet`, or an error naming the ingress peers that are not CIDR blocks (planned and live)."""
    if invalid:
        b.set("ingress_from_internet", None)
        b.errors["ingress_from_internet"] = invalid_cidr_reason(invalid)
    else:
        b.set("ingress_from_internet", found)


@register(SECURITY_GROUP, DEFAULT_SECURITY_GROUP)
def security_group(raw: RawResource, index: Index) -> Iterable[Asset]:
    is_default = raw.type == DEFAULT_SECURITY_GROUP
    facts = group_facts(index, raw)
    b = AssetBuilder(KIND, raw)
    b.set("group_name", facts.group_name)
    # provider default description "Managed by Pulumi"; AWS names the default group's "default VPC security group"
    default_description = "default VPC security group" if is_default else "Managed by Pulumi"
    b.set("description", first_set(raw.props.get("description"), default_description))
    b.set("vpc_id", group_vpc_id(index, raw))
    b.set("is_default", is_default)
    rules, unreviewed = review_status(facts.rules, index.reviewed)
    b.set("rules", rules)
    b.set("unreviewed_rules", unreviewed)
    set_internet_ingress(b, facts.ingress_from_internet, facts.invalid_cidrs)
    b.set("attached_to", attached_to(index, raw))
    b.set("used_by_load_balancer", used_by_load_balancer(index, raw, internet_facing=False))
    b.set("used_by_internet_facing_load_balancer", used_by_load_balancer(index, raw, internet_facing=True))
    b.set("used_only_by_load_balancers", used_only_by_load_balancers(index, raw))
    b.set("ingress_only_from_load_balancers", ingress_only_from_load_balancers(index, raw))
    return [b.build()]
