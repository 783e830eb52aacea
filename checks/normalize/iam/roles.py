"""iam.role (aws:iam/role:Role, with its inline policies and managed-policy attachments folded in) and iam.policy
(aws:iam/policy:Policy, a customer-managed policy), planned and state view.

A role's permissions are the union of its inline policies (`inlinePolicies`, aws.iam.RolePolicy) and its attached
managed policies (`managedPolicyArns`, aws.iam.RolePolicyAttachment, aws.iam.PolicyAttachment `roles`). An attached
policy the program declares is judged on its document; an AWS-managed one by its ARN (`documents.py`); a
customer-managed policy the program does not declare (a literal ARN, a stack reference) cannot be read from a plan:
its grants are UNKNOWN. What the documents grant is computed once here (`grants_full_admin`, `trusts_anyone`);
whether a role is declared an administrator is a tag the control names (IAM-09 `params`).

Not seen: policies attached out of band, or by resources that name the role with a value the program does not
show (a role name computed elsewhere). The live view reads what is attached.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from checks.model import UNKNOWN, Asset
from checks.normalize.base import AssetBuilder, Index, blank, first_set, folded, register, tri_any, unwrap
from checks.normalize.iam.documents import grants_full_admin, managed_policy_grants_full_admin, trusts_anyone
from checks.raw import RawResource

ROLE = "aws:iam/role:Role"
POLICY = "aws:iam/policy:Policy"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
POLICY_ATTACHMENT = "aws:iam/policyAttachment:PolicyAttachment"

folded("iam.role", ROLE_POLICY, ROLE_POLICY_ATTACHMENT, POLICY_ATTACHMENT)

Grant = tuple[Any, Any]  # (the policy's name or ARN, whether it grants full admin: True, False or UNKNOWN)


@register(POLICY)
def policy(raw: RawResource, index: Index) -> Iterable[Asset]:
    b = AssetBuilder("iam.policy", raw)
    b.set("policy_name", first_set(blank(raw.props.get("name")), UNKNOWN))  # absent: auto-named by Pulumi
    b.set("path", first_set(blank(raw.props.get("path")), "/"))  # provider default
    b.set("grants_full_admin", grants_full_admin(raw.props.get("policy")))
    return [b.build()]


@register(ROLE)
def role(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    b = AssetBuilder("iam.role", raw)
    b.set("role_name", first_set(blank(p.get("name")), UNKNOWN))  # absent: auto-named by Pulumi
    b.set("path", first_set(blank(p.get("path")), "/"))  # provider default
    b.set("trusts_anyone", trusts_anyone(p.get("assumeRolePolicy")))
    inline = _inline(raw, index)
    managed = _managed(raw, index, "managedPolicyArns")
    for attachment in index.referencing(raw, [ROLE_POLICY_ATTACHMENT], "role"):
        managed += _managed(attachment, index, "policyArn")
    for attachment in index.referencing(raw, [POLICY_ATTACHMENT], "roles"):
        managed += _managed(attachment, index, "policyArn")
    b.set("inline_policies", _labels(inline))
    b.set("managed_policies", _labels(managed))
    set_grants(b, inline + managed)
    return [b.build()]


def set_grants(b: AssetBuilder, grants: list[Grant]) -> None:
    """grants_full_admin, and the policies that grant it (UNKNOWN when it is)."""
    admin = tri_any(g for _, g in grants)
    b.set("grants_full_admin", admin)
    b.set("full_admin_policies", UNKNOWN if admin is UNKNOWN else _labels([g for g in grants if g[1] is True]))


def _labels(grants: list[Grant]) -> list[Any]:
    seen: list[Any] = []
    for label, _ in grants:
        if label is UNKNOWN or label not in seen:
            seen.append(label)
    return seen


def _inline(raw: RawResource, index: Index) -> list[Grant]:
    found: list[Grant] = []
    given = unwrap(raw.props.get("inlinePolicies"))
    if given is UNKNOWN:
        found.append((UNKNOWN, UNKNOWN))
    for item in given if isinstance(given, list) else []:
        item = unwrap(item)
        if item is UNKNOWN:
            found.append((UNKNOWN, UNKNOWN))
        elif isinstance(item, dict) and blank(item.get("policy")) is not None:  # `[{}]` (state: "") is no policy
            found.append((first_set(blank(item.get("name")), UNKNOWN), grants_full_admin(item.get("policy"))))
    for side in index.referencing(raw, [ROLE_POLICY], "role"):
        name = blank(side.props.get("name"))
        found.append((name if isinstance(name, str) else side.name, grants_full_admin(side.props.get("policy"))))
    return found


def _managed(holder: RawResource, index: Index, prop: str) -> list[Grant]:
    """The managed policies `holder.props[prop]` attaches: declared ones by their document, AWS-managed ones by ARN,
    undeclared customer-managed ones UNKNOWN."""
    declared = index.resolve(holder, prop, [POLICY])
    values = unwrap(holder.props.get(prop))
    if values is UNKNOWN:
        # one ARN that names a declared policy is that policy; an unknown list may hold more
        more = [] if declared and prop == "policyArn" else [(UNKNOWN, UNKNOWN)]
        return [_declared(p) for p in declared] + more
    found: list[Grant] = []
    matched: set[str] = set()
    unknown_items = 0
    for value in values if isinstance(values, list) else [values]:
        value = unwrap(value)
        if value is UNKNOWN:
            unknown_items += 1
            continue
        if not isinstance(value, str) or not value:
            continue
        match = [p for p in declared if value in Index.identities(p)]
        if match:
            matched.add(match[0].urn)
            found.append((value, _declared(match[0])[1]))
            continue
        aws = managed_policy_grants_full_admin(value)
        found.append((value, UNKNOWN if aws is None else aws))  # customer-managed, not in the program
    rest = [p for p in declared if p.urn not in matched]
    found += [_declared(p) for p in rest]
    if unknown_items > len(rest):
        found.append((UNKNOWN, UNKNOWN))  # an ARN from outside the program
    return found


def _declared(policy_raw: RawResource) -> Grant:
    arn = unwrap(policy_raw.props.get("arn"))
    label = arn if isinstance(arn, str) and arn else policy_raw.name
    return label, grants_full_admin(policy_raw.props.get("policy"))
