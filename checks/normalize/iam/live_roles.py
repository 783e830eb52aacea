"""iam.role and iam.policy from the live collector (`collectors/iam_roles.py`): the same facts as the planned view
(`roles.py`, `documents.py`), computed from the documents AWS answered. A document that was not read is never
judged: the call that failed is mapped to the attributes it would have filled."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from checks.live_types import IAM_POLICY, IAM_ROLE
from checks.model import UNKNOWN, Asset
from checks.normalize.base import AssetBuilder, Index, register
from checks.normalize.iam.documents import grants_full_admin, managed_policy_grants_full_admin, trusts_anyone
from checks.normalize.iam.roles import Grant, set_grants
from checks.normalize.live import apply_call_errors, build_live
from checks.raw import RawResource

GRANTS = ("grants_full_admin", "full_admin_policies")
ROLE_ERRORS: dict[str, tuple[str, ...]] = {
    "ListRoles": ("trusts_anyone",),  # the trust policy was missing from the answer
    "ListRoleTags": ("tags",),
    "ListRolePolicies": ("inline_policies", *GRANTS),
    "GetRolePolicy": GRANTS,
    "ListAttachedRolePolicies": ("managed_policies", *GRANTS),
    "ListPolicies": GRANTS,
    "GetPolicyVersion": GRANTS,
}


@register(IAM_POLICY)
def live_policy(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    b = AssetBuilder("iam.policy", raw)
    b.set("policy_name", p["name"])
    b.set("path", p.get("path"))
    b.set("grants_full_admin", grants_full_admin(p.get("document")))
    apply_call_errors(b, raw, {"GetPolicyVersion": ("grants_full_admin",)})
    return [build_live(b, raw)]


@register(IAM_ROLE)
def live_role(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    b = AssetBuilder("iam.role", raw)
    b.set("role_name", p["name"])
    b.set("path", p.get("path"))
    b.set("trusts_anyone", trusts_anyone(p.get("trustPolicy")))
    inline: list[Grant] = [(i["name"], grants_full_admin(i.get("document"))) for i in p.get("inlinePolicies") or []]
    managed: list[Grant] = [(a["arn"], _attached(a)) for a in p.get("attachedPolicies") or []]
    b.set("inline_policies", [name for name, _ in inline])
    b.set("managed_policies", [arn for arn, _ in managed])
    set_grants(b, inline + managed)
    apply_call_errors(b, raw, ROLE_ERRORS)
    return [build_live(b, raw, tags=p.get("tags") or {})]


def _attached(policy: dict[str, Any]) -> Any:
    aws = managed_policy_grants_full_admin(policy["arn"])
    if aws is not None:
        return aws
    document = policy.get("document")
    return UNKNOWN if document is None else grants_full_admin(document)  # not read: the collector recorded why
