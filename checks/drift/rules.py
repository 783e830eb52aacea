"""Security-group rules seen live that are not in the review register, with the command that reviews each.

A live group's rules carry `reviewed` (normalize marks each by fingerprint against the register); fingerprints are
the planned view's when the live groups were linked to their state (`checks.drift.link`), so the command reviews
the rule in the program that declares it.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Mapping
from typing import Any

from checks.drift.model import UnreviewedRule
from checks.model import Asset

KIND = "ec2.security_group"


def rule_summary(rule: Mapping[str, Any]) -> str:
    """`ingress tcp 22 from 0.0.0.0/0`, `egress all to 0.0.0.0/0`, `ingress tcp 8000-8080 from security_group lb`."""
    low, high = rule.get("from_port"), rule.get("to_port")
    if rule.get("protocol") == "all" or (low, high) == (0, 65535):
        ports = ""
    elif low is None:
        ports = " all types" if rule.get("protocol") in ("icmp", "icmpv6") else ""
    else:
        ports = f" {low}" if low == high else f" {low}-{high}"
    towards = "to" if rule.get("direction") == "egress" else "from"
    peer_type = rule.get("peer_type")
    peer = rule.get("peer") if peer_type in ("cidr_ipv4", "cidr_ipv6") else f"{peer_type} {rule.get('peer')}"
    return f"{rule.get('direction')} {rule.get('protocol')}{ports} {towards} {peer}"


def review_command(program: str | None, fingerprint: str) -> str:
    return f"clearance sg review {shlex.quote(program or '.')} --reviewer <you> --fingerprint {fingerprint}"


def unreviewed_rules(live_assets: Iterable[Asset], program: str | None) -> tuple[UnreviewedRule, ...]:
    """Each live rule whose `reviewed` is false (not unknown), once per group and fingerprint, sorted."""
    found: dict[tuple[str, str], UnreviewedRule] = {}
    for asset in live_assets:
        rules = asset.attributes.get("rules") if asset.kind == KIND else None
        if not isinstance(rules, list):
            continue
        group_name = str(asset.attributes.get("group_name") or asset.name)
        for rule in rules:
            fp = rule.get("fingerprint") if isinstance(rule, Mapping) else None
            if not isinstance(fp, str) or rule.get("reviewed") is not False or (asset.id, fp) in found:
                continue
            found[(asset.id, fp)] = UnreviewedRule(group_id=asset.id, group_name=group_name, fingerprint=fp,
                                                   rule=rule_summary(rule), command=review_command(program, fp))
    return tuple(sorted(found.values(), key=lambda r: (r.group_name, r.group_id, r.rule, r.fingerprint)))
