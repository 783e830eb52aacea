"""Security group rules: inline `ingress[]`/`egress[]` and standalone rule resources, one entry per (rule, peer).

A rule's fingerprint is the first 16 hex characters of sha256("group_name|direction|protocol|from|to|peer") with
null ports written as the empty string (group_name and a group peer are the planned view's names:
`fingerprint_name`); a rule whose group name, protocol, ports or peer is unknown has no fingerprint. Rule facts
are memoized per group in `index.memo`.


Internet ingress compares networks, not strings: see `checks.normalize.ec2.sg_internet`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from checks.model import UNKNOWN, Secret
from checks.normalize.base import Index, contains_unknown, unwrap
from checks.normalize.ec2.sg_internet import internet_ingress
from checks.normalize.refs import flatten, resolve_refs
from checks.raw import RawResource, urn_name

SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
DEFAULT_SECURITY_GROUP = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
GROUP_TOKENS = (SECURITY_GROUP, DEFAULT_SECURITY_GROUP)
LEGACY_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
RULE_TOKENS = (LEGACY_RULE, INGRESS_RULE, EGRESS_RULE)
INTERNET = ("0.0.0.0/0", "::/0")  # the canonical spellings; compare networks with ec2/sg_internet.py

_PROTOCOL_NAMES = {"-1": "all", "all": "all", "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}
_PORTED = ("tcp", "udp")
_RANGES = (("cidr_ipv4", "IpRanges", "CidrIp"), ("cidr_ipv6", "Ipv6Ranges", "CidrIpv6"))  # EC2 IpPermissions


Peer = tuple[Any, Any, "RawResource | None"]  # (peer_type, peer, the declared peer group if any)


class GroupFacts(NamedTuple):
    group_name: Any
    rules: list[dict[str, Any]]
    ingress_from_internet: Any  # list of {protocol, from_port, to_port}, or UNKNOWN
    invalid_cidrs: tuple[str, ...]  # ingress peers that are not CIDR blocks of their family
    ingress_peers: tuple[Peer, ...]  # of every ingress entry, for facts about the groups it admits


def group_name(raw: RawResource) -> Any:
    """The group's name: "default" for the default group, else the `name` input/output, else the logical name."""
    if raw.type == DEFAULT_SECURITY_GROUP:
        return "default"
    name = unwrap(raw.props.get("name"))
    if name is UNKNOWN:
        return UNKNOWN
    return name if isinstance(name, str) and name else (raw.name or urn_name(raw.urn))


def fingerprint_name(raw: RawResource) -> Any:
    """The group name in its rules' fingerprints: the planned view's name. A state file also holds the physical
    name the provider made up for an auto-named group (`web-1a2b3c`), which the planned view never sees: unless the
    program set `name` (the state's inputs say), the logical name is used, so that planned, state and (linked, see
    `checks.drift.link`) live fingerprints of the same rule are equal."""
    if raw.type != DEFAULT_SECURITY_GROUP and raw.input_keys is not None and not raw.is_input("name"):
        return raw.name or urn_name(raw.urn)
    return group_name(raw)


def normalize_protocol(value: Any) -> Any:
    value = unwrap(value)
    if value is UNKNOWN or value is None:
        return value
    text = str(value).strip().lower()
    return _PROTOCOL_NAMES.get(text, text)


def _port(value: Any) -> Any:
    value = unwrap(value)
    if value is UNKNOWN or value is None:
        return value
    try:
        return int(value)
    except (TypeError, ValueError):
        return UNKNOWN


def normalize_ports(protocol: Any, from_port: Any, to_port: Any) -> tuple[Any, Any]:
    """Ports as AWS applies them: all traffic and protocols other than tcp/udp/icmp cover 0-65535;
    icmp/icmpv6 ports are the ICMP type and code (null = all)."""
    if protocol is UNKNOWN:
        return _port(from_port), _port(to_port)
    if protocol in ("icmp", "icmpv6"):
        low, high = _port(from_port), _port(to_port)
        return (None if low == -1 else low), (None if high == -1 else high)
    if protocol in _PORTED:
        return _port(from_port), _port(to_port)
    return 0, 65535


def fingerprint(name: Any, direction: str, protocol: Any, low: Any, high: Any, peer: Any) -> Any:
    parts = (name, direction, protocol, low, high, peer)
    if UNKNOWN in parts:  # by identity: no other value equals UNKNOWN
        return UNKNOWN
    text = "|".join(["" if p is None else str(p) for p in parts])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _group_peer(index: Index, rule_owner: RawResource, prop: str, value: Any, use_deps: bool) -> Peer:
    refs = resolve_refs(index, rule_owner, prop, GROUP_TOKENS, value=value, use_deps=use_deps, scalar=True)
    if refs.targets:
        return ("security_group", fingerprint_name(refs.targets[0]), refs.targets[0])
    if refs.external:
        return ("security_group", refs.shown(refs.external[0]), None)
    return ("security_group", UNKNOWN, None)


def _list_peers(kind: str, value: Any) -> list[Peer]:
    if value is None:  # the usual absent list: no call
        return []
    value = unwrap(value)
    if value is UNKNOWN:
        return [(kind, UNKNOWN, None)]
    if not isinstance(value, list):
        value = [] if value is None or value == "" else [value]
    return [(kind, v.value if type(v) is Secret else v, None) for v in value if v is not None and v != ""]


class _Rule(NamedTuple):
    direction: str
    protocol: Any
    from_port: Any
    to_port: Any
    peers: list[Peer]
    description: Any


def _inline_rules(index: Index, group: RawResource, direction: str) -> list[_Rule]:
    value = unwrap(group.props.get(direction))
    if value is UNKNOWN:
        return [_Rule(direction, UNKNOWN, UNKNOWN, UNKNOWN, [(UNKNOWN, UNKNOWN, None)], UNKNOWN)]
    items = [unwrap(v) for v in value] if isinstance(value, list) else []
    # an unknown group reference can only be matched to its dependency when it is the only one in the list
    unknown_refs = sum(flatten(i.get("securityGroups"))[1] for i in items if isinstance(i, dict))
    rules: list[_Rule] = []
    own = fingerprint_name(group)
    for item in items:
        if item is UNKNOWN:
            rules.append(_Rule(direction, UNKNOWN, UNKNOWN, UNKNOWN, [(UNKNOWN, UNKNOWN, None)], UNKNOWN))
            continue
        if not isinstance(item, dict):
            continue
        peers = _list_peers("cidr_ipv4", item.get("cidrBlocks")) + _list_peers("cidr_ipv6", item.get("ipv6CidrBlocks"))
        peers += _list_peers("prefix_list", item.get("prefixListIds"))
        for _, ref, _ in _list_peers("security_group", item.get("securityGroups")):
            peers.append(_group_peer(index, group, direction, ref, unknown_refs == 1))
        peers += _self_peer(item.get("self"), own, group)
        rules.append(_Rule(direction, item.get("protocol"), item.get("fromPort"), item.get("toPort"), peers,
                           item.get("description")))
    return rules


def _self_peer(value: Any, own: Any, group: RawResource) -> list[Peer]:
    value = unwrap(value)
    if value is UNKNOWN:
        return [("self", UNKNOWN, group)]
    return [("self", own, group)] if value is True else []


def _standalone_rule(index: Index, rule: RawResource, own: Any, group: RawResource) -> _Rule:
    p = rule.props
    if rule.type == LEGACY_RULE:
        direction = unwrap(p.get("type"))
        peers = _list_peers("cidr_ipv4", p.get("cidrBlocks")) + _list_peers("cidr_ipv6", p.get("ipv6CidrBlocks"))
        peers += _list_peers("prefix_list", p.get("prefixListIds"))
        source = p.get("sourceSecurityGroupId")
        if source is not None and source != "":
            peers.append(_group_peer(index, rule, "sourceSecurityGroupId", source, True))
        peers += _self_peer(p.get("self"), own, group)
        return _Rule(direction if direction in ("ingress", "egress") else UNKNOWN, p.get("protocol"),
                     p.get("fromPort"), p.get("toPort"), peers, p.get("description"))
    direction = "ingress" if rule.type == INGRESS_RULE else "egress"
    peers = _list_peers("cidr_ipv4", p.get("cidrIpv4")) + _list_peers("cidr_ipv6", p.get("cidrIpv6"))
    peers += _list_peers("prefix_list", p.get("prefixListId"))
    ref = p.get("referencedSecurityGroupId")
    if ref is not None and ref != "":
        peers.append(_group_peer(index, rule, "referencedSecurityGroupId", ref, True))
    return _Rule(direction, p.get("ipProtocol"), p.get("fromPort"), p.get("toPort"), peers, p.get("description"))


def _entries(name: Any, rule: _Rule) -> list[tuple[dict[str, Any], RawResource | None]]:
    protocol = normalize_protocol(rule.protocol)
    low, high = normalize_ports(protocol, rule.from_port, rule.to_port)
    description = unwrap(rule.description)
    return [(rule_entry(name, rule.direction, protocol, low, high, peer_type, peer, description), peer_group)
            for peer_type, peer, peer_group in rule.peers]


def rule_entry(name: Any, direction: Any, protocol: Any, low: Any, high: Any, peer_type: Any, peer: Any,
               description: Any) -> dict[str, Any]:
    """One `rules[]` entry (normalized protocol and ports) with its fingerprint (planned and live views)."""
    return {
        "direction": direction, "protocol": protocol, "from_port": low, "to_port": high,
        "peer_type": peer_type, "peer": peer, "description": None if description == "" else description,
        "fingerprint": fingerprint(name, direction, protocol, low, high, peer),
    }


def _dedupe(entries: list[tuple[dict[str, Any], RawResource | None]]) -> list[tuple[dict[str, Any], Any]]:
    """A state file lists standalone rules in the group's inline rules too: keep one entry per rule and peer."""
    seen: dict[tuple[Any, ...], dict[str, Any]] = {}
    out: list[tuple[dict[str, Any], Any]] = []
    for entry, peer_group in entries:
        key = (entry["direction"], entry["protocol"], entry["from_port"], entry["to_port"], entry["peer_type"],
               entry["peer"])
        if contains_unknown(list(key)):
            out.append((entry, peer_group))
            continue
        first = seen.get(key)
        if first is None:
            seen[key] = entry
            out.append((entry, peer_group))
        elif first["description"] is None:
            first["description"] = entry["description"]
    return out


def permissions_internet(permissions: Iterable[Mapping[str, Any]]) -> tuple[bool, tuple[str, ...]]:
    """Do EC2 `IpPermissions` (ingress) admit the internet on any protocol and port, and which of their blocks are
    not CIDR blocks (live views: ECS services, instances)."""
    rules = [{"direction": "ingress", "protocol": normalize_protocol(p.get("IpProtocol")),
              "from_port": p.get("FromPort"), "to_port": p.get("ToPort"), "peer_type": peer_type, "peer": r.get(key)}
             for p in permissions
             for peer_type, ranges, key in _RANGES for r in p.get(ranges) or []]
    found, invalid = internet_ingress(rules)
    return found is not UNKNOWN and bool(found), invalid


def group_facts(index: Index, group: RawResource) -> GroupFacts:
    """Rules and internet ingress of a declared group (memoized)."""
    key = ("ec2_sg_rules.facts", group.urn)
    found = index.memo.get(key)
    if isinstance(found, GroupFacts):
        return found
    name = fingerprint_name(group)
    rules: list[_Rule] = _inline_rules(index, group, "ingress") + _inline_rules(index, group, "egress")
    rules += [_standalone_rule(index, r, name, group)
              for r in index.referencing(group, RULE_TOKENS, "securityGroupId")]
    pairs = _dedupe([e for rule in rules for e in _entries(name, rule)])
    entries = [entry for entry, _ in pairs]
    peers = tuple((e["peer_type"], e["peer"], g) for e, g in pairs if e["direction"] != "egress")
    facts = GroupFacts(group_name(group), entries, *internet_ingress(entries), peers)
    index.memo[key] = facts
    return facts
