"""Link live security groups to their Pulumi resources through a stack's state, so that a live rule's fingerprint is
the planned one.

The planned view names a group by its `name` input, else by its logical name (the URN's last part): an auto-named
group is `web` planned but `web-1a2b3c` live. Given the state's raw resources, `group_names` maps each group's AWS id
to that planned name; `link_to_state(live, state)` returns the live raw resources with that name on each linked
group (or pass the map: `checks.normalize.normalize(live, group_names=...)`): the live normalizer fingerprints the
group's rules, and those of other groups that name it as their peer, with it. The state view does the same by itself
(`checks.normalize.ec2.sg_rules.fingerprint_name`), so planned, state and live fingerprints of a rule are equal.

A state file says which inputs the program set (`RawResource.input_keys`). Pulumi's own exports list an auto-name
among the inputs too, marked in `inputs.__defaults`; the state reader drops that marker today, so for such an export
an auto-named group keeps its physical name (see the report of issue 9).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from checks.live_types import EC2_SECURITY_GROUP as LIVE_SECURITY_GROUP
from checks.raw import RawResource, urn_name

SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
DEFAULT_SECURITY_GROUP = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
LINKED_PROP = "linkedName"  # = checks.normalize.ec2.live_sg.LINKED_PROP (drift may not import normalize)


def planned_name(raw: RawResource) -> str | None:
    """The name the planned view gives a state group (None: not known)."""
    if raw.type == DEFAULT_SECURITY_GROUP:
        return "default"
    name = raw.props.get("name")
    if raw.is_input("name") and isinstance(name, str) and name:
        return name
    return raw.name or urn_name(raw.urn)


def _group_id(raw: RawResource) -> str | None:
    for value in (raw.id, raw.props.get("id")):
        if isinstance(value, str) and value.startswith("sg-"):
            return value
    arn = raw.props.get("arn")
    if isinstance(arn, str) and "security-group/" in arn:
        return arn.rsplit("/", 1)[-1]
    return None


def link_to_state(live: Iterable[RawResource], state: Iterable[RawResource]) -> list[RawResource]:
    """The live raw resources, each live security group of a state given carrying the planned view's name in its
    `linkedName` prop (read by the live normalizer for its rules' fingerprints and as the peer name in others')."""
    names = group_names(state)
    out: list[RawResource] = []
    for raw in live:
        name = names.get(str(raw.props.get("id"))) if raw.type == LIVE_SECURITY_GROUP else None
        out.append(raw if name is None else replace(raw, props={**raw.props, LINKED_PROP: name}))
    return out


def group_names(state: Iterable[RawResource]) -> dict[str, str]:
    """Security-group id -> the planned view's name, for every group of the state(s) whose id is known."""
    out: dict[str, str] = {}
    for raw in state:
        if raw.type not in (SECURITY_GROUP, DEFAULT_SECURITY_GROUP):
            continue
        group_id, name = _group_id(raw), planned_name(raw)
        if group_id is not None and name is not None:
            out.setdefault(group_id, name)
    return out
