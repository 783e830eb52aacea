"""Identity and secrets appliers: KMS keys and aliases, IAM roles and their policies, the account password
policy, Secrets Manager secrets."""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from checks.sandbox.context import Applier, ApplyContext, ApplyFailed, Outputs, drop_none, tag_list


def _json(document: Any) -> str:
    return document if isinstance(document, str) else json.dumps(document)


def kms_key(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    kms = ctx.client("kms")
    args = drop_none(Description=props.get("description"), KeyUsage=props.get("keyUsage"),
                     KeySpec=props.get("customerMasterKeySpec") or props.get("keySpec"),
                     Policy=_json(props["policy"]) if props.get("policy") else None,
                     MultiRegion=props.get("multiRegion"))
    tags = tag_list(props, "TagKey", "TagValue")
    meta = kms.create_key(**args, **({"Tags": tags} if tags else {}))["KeyMetadata"]
    key_id = meta["KeyId"]
    if props.get("enableKeyRotation"):
        kms.enable_key_rotation(KeyId=key_id, **drop_none(RotationPeriodInDays=props.get("rotationPeriodInDays")))
    if props.get("isEnabled") is False:
        kms.disable_key(KeyId=key_id)
    return key_id, {"arn": meta["Arn"], "keyId": key_id}


def kms_alias(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    name = ctx.physical_name(props, sep="", max_len=256)
    if not name.startswith("alias/"):
        name = "alias/" + name
    kms = ctx.client("kms")
    kms.create_alias(AliasName=name, TargetKeyId=props["targetKeyId"])
    target = kms.describe_key(KeyId=props["targetKeyId"])["KeyMetadata"]["Arn"]
    return name, {"arn": ctx.arn("kms", name), "name": name, "targetKeyArn": target}


def iam_role(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    iam = ctx.client("iam")
    name = ctx.physical_name(props, max_len=64)
    tags = tag_list(props)
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=_json(props["assumeRolePolicy"]),
                           **drop_none(Description=props.get("description"), Path=props.get("path"),
                                       MaxSessionDuration=props.get("maxSessionDuration"),
                                       PermissionsBoundary=props.get("permissionsBoundary"),
                                       Tags=tags or None))["Role"]
    for inline in props.get("inlinePolicies") or []:
        if inline.get("name") and inline.get("policy"):
            iam.put_role_policy(RoleName=name, PolicyName=inline["name"], PolicyDocument=_json(inline["policy"]))
    for arn in props.get("managedPolicyArns") or []:
        _attach(ctx, name, arn)
    return name, {"arn": role["Arn"], "name": name, "uniqueId": role["RoleId"],
                  "createDate": role["CreateDate"].isoformat() if hasattr(role["CreateDate"], "isoformat")
                  else str(role["CreateDate"])}


def role_policy(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    name = ctx.physical_name(props, max_len=128)
    ctx.client("iam").put_role_policy(RoleName=props["role"], PolicyName=name, PolicyDocument=_json(props["policy"]))
    return f"{props['role']}:{name}", {"name": name}


def _attach(ctx: ApplyContext, role: str, policy_arn: str) -> None:
    try:
        ctx.client("iam").attach_role_policy(RoleName=role, PolicyArn=policy_arn)
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") == "NoSuchEntity" and ":iam::aws:policy/" in policy_arn:
            raise ApplyFailed(f"AWS managed policy {policy_arn} is not in the sandbox: start moto with "
                              "MOTO_IAM_LOAD_MANAGED_POLICIES=true to load them") from None
        raise


def role_policy_attachment(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    _attach(ctx, props["role"], props["policyArn"])
    return f"{props['role']}-{secrets.token_hex(8)}", {}


PASSWORD_POLICY_ARGS = (
    ("minimumPasswordLength", "MinimumPasswordLength"), ("requireSymbols", "RequireSymbols"),
    ("requireNumbers", "RequireNumbers"), ("requireUppercaseCharacters", "RequireUppercaseCharacters"),
    ("requireLowercaseCharacters", "RequireLowercaseCharacters"),
    ("allowUsersToChangePassword", "AllowUsersToChangePassword"), ("maxPasswordAge", "MaxPasswordAge"),
    ("passwordReusePrevention", "PasswordReusePrevention"), ("hardExpiry", "HardExpiry"),
)


def password_policy(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    iam = ctx.client("iam")
    iam.update_account_password_policy(**{api: props[key] for key, api in PASSWORD_POLICY_ARGS if key in props})
    current = iam.get_account_password_policy()["PasswordPolicy"]
    return "iam-account-password-policy", {"expirePasswords": bool(current.get("ExpirePasswords"))}


def secret(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    name = ctx.physical_name(props, max_len=512)
    tags = tag_list(props)
    created = ctx.client("secretsmanager").create_secret(
        Name=name, **drop_none(Description=props.get("description"), KmsKeyId=props.get("kmsKeyId"),
                               Tags=tags or None))
    return created["ARN"], {"arn": created["ARN"], "name": name}


APPLIERS: dict[str, Applier] = {
    "aws:kms/key:Key": kms_key,
    "aws:kms/alias:Alias": kms_alias,
    "aws:iam/role:Role": iam_role,
    "aws:iam/rolePolicy:RolePolicy": role_policy,
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": role_policy_attachment,
    "aws:iam/accountPasswordPolicy:AccountPasswordPolicy": password_policy,
    "aws:secretsmanager/secret:Secret": secret,
}
