"""IAM policy appliers: customer-managed policies (aws:iam/policy:Policy), created with their declared document."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from checks.sandbox.context import Applier, ApplyContext, Outputs, drop_none, tag_list


def policy(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    name = ctx.physical_name(props, max_len=128)
    document = props["policy"]
    tags = tag_list(props)
    made = ctx.client("iam").create_policy(
        PolicyName=name, PolicyDocument=document if isinstance(document, str) else json.dumps(document),
        **drop_none(Path=props.get("path"), Description=props.get("description"), Tags=tags or None))["Policy"]
    arn = made["Arn"]
    return arn, {"arn": arn, "name": name, "policyId": made.get("PolicyId"), "path": made.get("Path"),
                 "attachmentCount": made.get("AttachmentCount")}


APPLIERS: dict[str, Applier] = {
    "aws:iam/policy:Policy": policy,
}
