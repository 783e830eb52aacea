"""ec2.security_group from the live collector's `live:ec2:security_group` raw resources (collectors/ec2_network.py).

Same attributes and fingerprints as the planned normalizer (ec2_sg.py, ec2_sg_rules.py): one rule entry per
(rule, peer), the peer of a group reference is the referenced group's GroupName (its id when the group is not in
the scan: another account, a peered VPC), a reference to the group itself is `self`. Unlike a Pulumi-managed
group, a live group keeps whatever rules AWS gave it (a new group's allow-all egress rule, a default group's
rules), so those appear here and must be reviewed like any other.

Usage comes from the network interfaces (instances, DB instances, ECS tasks, any other interface: Lambda functions,
VPC endpoints, ...) and from elbv2 load balancers; a group is a load balancer's group only when nothing but load
balancers uses it (`used_only_by_load_balancers`).
Launch templates have no network interface: `attached_to` never lists `ec2.launch_template` in the live view (the
instances launched from a template are listed as `ec2.instance`). Classic load balancers are not read (as in the
planned view, which knows only elbv2 load balancers).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from checks.live_types import EC2_SECURITY_GROUP, tag_map
from checks.model import UNKNOWN, Asset
from checks.normalize.base import AssetBuilder, Index, register, tri_all
from checks.normalize.ec2.sg import review_status, set_internet_ingress
from checks.normalize.ec2.sg_rules import internet_ingress, normalize_ports, normalize_protocol, rule_entry
from checks.normalize.live import apply_call_errors, build_live
from checks.raw import RawResource

LB_KIND = "elbv2.load_balancer"
LINKED_NAMES = "live_ec2_sg.linked_names"  # index.memo key: GroupId -> the planned view's name of the group
LINKED_PROP = "linkedName"  # a live group's prop: the planned view's name of the group (set by checks.drift.link)
SORT_KEYS = ("direction", "protocol", "from_port", "to_port", "peer_type", "peer")
LB_PATHS = ("used_by_load_balancer", "used_by_internet_facing_load_balancer", "used_only_by_load_balancers",
            "ingress_only_from_load_balancers")
ERROR_PATHS: dict[str, tuple[str, ...]] = {
    # whether anything but a load balancer uses a group (this one, or a peer group) is read from the interfaces
    "DescribeNetworkInterfaces": ("attached_to", "used_only_by_load_balancers", "ingress_only_from_load_balancers"),
    "DescribeLoadBalancers": ("attached_to", *LB_PATHS),
}
USAGE_CALLS = ("DescribeNetworkInterfaces", "DescribeLoadBalancers")


def groups_by_id(index: Index) -> dict[str, RawResource]:
    """GroupId -> live group raw resource, over the whole scan (built once)."""
    key = "live_ec2_sg.groups_by_id"
    found = index.memo.get(key)
    if not isinstance(found, dict):
        found = {r.props["id"]: r for r in index.of_type(EC2_SECURITY_GROUP)}
        index.memo[key] = found
    return found


def group_name(raw: RawResource) -> str:
    return str(raw.props["group"].get("GroupName") or raw.props["id"])


def linked_names(index: Index) -> Mapping[str, str]:
    """GroupId -> the name the planned view gives the group (`normalize(..., group_names=...)`, made by
    `checks.drift.link` from the state): an auto-named group is `web` planned but `web-1a2b3c` live."""
    found = index.memo.get(LINKED_NAMES)
    return found if isinstance(found, Mapping) else {}


def _fingerprint_name(raw: RawResource, names: Mapping[str, str]) -> str:
    """The linked name (`normalize(group_names=...)`, else the `linkedName` prop `checks.drift.link.link_to_state`
    sets), else the live GroupName."""
    linked = raw.props.get(LINKED_PROP)
    return names.get(raw.props["id"]) or (linked if isinstance(linked, str) and linked else group_name(raw))


def _peer(rule: dict[str, Any], own: RawResource, groups: dict[str, RawResource],
          names: Mapping[str, str]) -> tuple[Any, Any, Any]:
    """(peer_type, peer, the peer group's raw resource if it is in the scan)."""
    if rule.get("CidrIpv4"):
        return "cidr_ipv4", rule["CidrIpv4"], None
    if rule.get("CidrIpv6"):
        return "cidr_ipv6", rule["CidrIpv6"], None
    if rule.get("PrefixListId"):
        return "prefix_list", rule["PrefixListId"], None
    ref = (rule.get("ReferencedGroupInfo") or {}).get("GroupId")
    if ref == own.props["id"]:
        return "self", _fingerprint_name(own, names), own
    target = groups.get(ref) if ref else None
    if target is not None:
        return "security_group", _fingerprint_name(target, names), target
    if ref and ref in names:
        return "security_group", names[ref], None
    return "security_group", ref or UNKNOWN, None


def group_rules(index: Index, raw: RawResource) -> list[tuple[dict[str, Any], RawResource | None]]:
    """The group's rule entries (planned shape, with fingerprints) and each peer's group (memoized)."""
    key = ("live_ec2_sg.rules", raw.urn)
    found = index.memo.get(key)
    if isinstance(found, list):
        return found
    names = linked_names(index)
    name = _fingerprint_name(raw, names)
    groups = groups_by_id(index)
    out: list[tuple[dict[str, Any], RawResource | None]] = []
    for rule in raw.props.get("rules") or []:
        direction = "egress" if rule.get("IsEgress") else "ingress"
        protocol = normalize_protocol(rule.get("IpProtocol"))
        low, high = normalize_ports(protocol, rule.get("FromPort"), rule.get("ToPort"))
        peer_type, peer, peer_group = _peer(rule, raw, groups, names)
        entry = rule_entry(name, direction, protocol, low, high, peer_type, peer, rule.get("Description"))
        out.append((entry, peer_group))
    # AWS lists rules in no documented order: sort them so that two scans of the same group compare equal
    out.sort(key=lambda pair: tuple(str(pair[0][k]) for k in SORT_KEYS))
    index.memo[key] = out
    return out


def _used_by_lb(raw: RawResource, *, internet_facing: bool) -> Any:
    if "DescribeLoadBalancers" in raw.errors:
        return UNKNOWN
    lbs = [u for u in raw.props.get("usage") or [] if u.get("kind") == LB_KIND]
    return any(u.get("internetFacing") for u in lbs) if internet_facing else bool(lbs)


def _used_only_by_lbs(raw: RawResource) -> Any:
    if any(call_name in raw.errors for call_name in USAGE_CALLS):
        return UNKNOWN
    usage = raw.props.get("usage") or []
    return bool(usage) and all(u.get("kind") == LB_KIND for u in usage)


def _ingress_only_from_lbs(rules: list[tuple[dict[str, Any], RawResource | None]]) -> Any:
    checks: list[Any] = []
    for entry, peer_group in rules:
        if entry["direction"] != "ingress":
            continue
        if entry["peer_type"] in ("cidr_ipv4", "cidr_ipv6", "prefix_list"):
            checks.append(False)
        elif peer_group is not None:
            checks.append(_used_only_by_lbs(peer_group))
        else:
            checks.append(UNKNOWN)  # a group outside the scan: whether a load balancer uses it is not known
    return tri_all(checks)


@register(EC2_SECURITY_GROUP)
def live_security_group(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    group = p["group"]
    b = AssetBuilder("ec2.security_group", raw)
    b.set("group_name", group_name(raw))
    b.set("description", group.get("Description"))
    b.set("vpc_id", group.get("VpcId"))
    b.set("is_default", group.get("GroupName") == "default")
    pairs = group_rules(index, raw)
    entries = [entry for entry, _ in pairs]
    rules, unreviewed = review_status(entries, index.reviewed)
    b.set("rules", rules)
    b.set("unreviewed_rules", unreviewed)
    set_internet_ingress(b, *internet_ingress(entries))
    usage = p.get("usage") or []
    b.set("attached_to", sorted({u["kind"] for u in usage}))
    b.set("used_by_load_balancer", _used_by_lb(raw, internet_facing=False))
    b.set("used_by_internet_facing_load_balancer", _used_by_lb(raw, internet_facing=True))
    b.set("used_only_by_load_balancers", _used_only_by_lbs(raw))
    b.set("ingress_only_from_load_balancers", _ingress_only_from_lbs(pairs))
    apply_call_errors(b, raw, ERROR_PATHS)
    return [build_live(b, raw, tags=tag_map(group.get("Tags")))]


