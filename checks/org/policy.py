"""What `clearance iam-policy --organization` prints: the management-side policy (list the accounts, assume the
member role), the member role (trusting the scanning identity, with the read-only policy the collectors need), and
the CloudFormation StackSet template, or the Pulumi program, that deploys that role into every account.

The scanning identity is never guessed: the template takes it as its ScannerArn parameter, and the printed member
role names `SCANNER_PLACEHOLDER` until `--scanner-arn` is given."""

from __future__ import annotations

import json
import re
from typing import Any

from checks.errors import InputError
from checks.org.roles import check_external_id, partition_of, role_arn, split_role_name, trusted_principal

VERSION = "2012-10-17"
INLINE_LIMIT = 10_240    # every inline policy of a role together, in characters without whitespace (IAM quotas)
MANAGED_LIMIT = 6_144    # one customer managed policy
MANAGED_PER_ROLE = 10    # managed policies attached to one role (IAM's default quota)
SCANNER_PLACEHOLDER = "<SCANNER_ARN: the identity that runs `clearance scan --organization`; give --scanner-arn>"
ROLE_RESOURCE = "ClearanceScanRole"
READ_POLICY_NAME = "ClearanceReadOnly"
TEMPLATES = ("stackset", "pulumi")
_SCANNER = re.compile(r"arn:aws[\w-]*:(iam|sts)::\d{12}:\S+")
# in the template: what CloudFormation accepts as ScannerArn
_SCANNER_PATTERN = r"^arn:aws[a-zA-Z-]*:(iam|sts)::[0-9]{12}:\S+$"


def policy_size(policy: dict[str, Any]) -> int:
    """The size IAM counts against its quotas: characters of the JSON, whitespace excluded."""
    return len("".join(json.dumps(policy).split()))


def check_scanner_arn(arn: str) -> str:
    """The principal to trust for `--scanner-arn` (an assumed-role session is trusted through its role); a value
    that is no IAM or STS ARN is an InputError."""
    if not _SCANNER.fullmatch(arn.strip()):
        raise InputError(f"{arn!r} is not the ARN of an IAM role or user", where="--scanner-arn",
                         hint="e.g. arn:aws:iam::111111111111:role/ClearanceScanner; `aws sts get-caller-identity` "
                              "prints the scanning identity's")
    return trusted_principal(arn.strip())


def management_policy(role_name: str, partition: str = "aws") -> dict[str, Any]:
    """The scanning identity's policy, in the management account (or a delegated administrator): list the accounts
    and assume the member role in any of them."""
    return {"Version": VERSION, "Statement": [
        {"Sid": "ClearanceListAccounts", "Effect": "Allow",
         "Action": ["organizations:DescribeOrganization", "organizations:ListAccounts"], "Resource": "*"},
        {"Sid": "ClearanceAssumeMemberRole", "Effect": "Allow", "Action": "sts:AssumeRole",
         "Resource": role_arn("*", role_name, partition)}]}


def trust_policy(scanner: Any, external_id: Any = None, *, condition: str | None = None) -> dict[str, Any]:
    """The member role's trust policy: `scanner` may assume it, with `external_id` as sts:ExternalId when given.
    In a template both may be intrinsic functions, and `condition` names the template condition under which the
    ExternalId is required."""
    statement: dict[str, Any] = {"Sid": "ClearanceScanner", "Effect": "Allow", "Principal": {"AWS": scanner},
                                 "Action": "sts:AssumeRole"}
    required = {"StringEquals": {"sts:ExternalId": external_id}}
    if condition is not None:
        statement["Condition"] = {"Fn::If": [condition, required, {"Ref": "AWS::NoValue"}]}
    elif external_id:
        statement["Condition"] = required
    return {"Version": VERSION, "Statement": [statement]}


def split_policy(policy: dict[str, Any], limit: int = MANAGED_LIMIT) -> list[dict[str, Any]]:
    """`policy` as several policies of at most `limit` characters each, its statements' actions shared out in
    order (a statement too long for one policy is cut into several); Sids get the number of their part."""
    parts: list[list[dict[str, Any]]] = [[]]
    for statement in policy["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        piece: dict[str, Any] = {**statement, "Action": []}
        parts[-1].append(piece)
        for action in actions:
            piece["Action"].append(action)
            if policy_size({"Version": VERSION, "Statement": parts[-1]}) > limit \
                    and (len(piece["Action"]) > 1 or len(parts[-1]) > 1):
                piece["Action"].pop()
                if not piece["Action"]:
                    parts[-1].pop()
                piece = {**statement, "Action": [action]}
                parts.append([piece])
    parts = [statements for statements in parts if statements]
    if len(parts) > 1:
        for index, statements in enumerate(parts, start=1):
            for numbered in statements:
                if "Sid" in numbered:
                    numbered["Sid"] = f"{numbered['Sid']}{index}"
    return [{"Version": VERSION, "Statement": statements} for statements in parts]


def role_policies(read_policy: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(inline, managed): the read policy inline when it fits a role's inline quota, else as managed policies."""
    if policy_size(read_policy) <= INLINE_LIMIT:
        return [read_policy], []
    managed = split_policy(read_policy, MANAGED_LIMIT)
    if len(managed) > MANAGED_PER_ROLE:
        raise InputError(f"the read-only policy ({policy_size(read_policy)} characters) needs {len(managed)} managed "
                         f"policies, more than the {MANAGED_PER_ROLE} a role may have", where="--services",
                         hint="choose fewer services with --services")
    return [], managed


def stackset_template(read_policy: dict[str, Any], *, role_name: str, scanner: str | None = None,
                      external_id: str | None = None) -> dict[str, Any]:
    """The CloudFormation template (a StackSet's, or a plain stack's for the management account) of the member role:
    ScannerArn and ExternalId are parameters, defaulting to `scanner` and `external_id` when given."""
    path, name = split_role_name(role_name)
    inline, managed = role_policies(read_policy)
    scanner_param: dict[str, Any] = {
        "Type": "String", "AllowedPattern": _SCANNER_PATTERN,
        "Description": "The ARN of the identity that runs `clearance scan --organization` (a role or user of the "
                       "management account or a delegated administrator); it may assume the role.",
        "ConstraintDescription": "an IAM role or user ARN, e.g. arn:aws:iam::111111111111:role/ClearanceScanner"}
    if scanner:
        scanner_param["Default"] = scanner
    role: dict[str, Any] = {
        "RoleName": name, "Path": path, "MaxSessionDuration": 3600,
        "Description": "Read-only access for clearance scans (clearance iam-policy --organization)",
        "AssumeRolePolicyDocument": trust_policy({"Ref": "ScannerArn"}, {"Ref": "ExternalId"},
                                                 condition="HasExternalId")}
    resources: dict[str, Any] = {}
    if inline:
        role["Policies"] = [{"PolicyName": READ_POLICY_NAME, "PolicyDocument": inline[0]}]
    else:
        names = [f"{READ_POLICY_NAME}{index}" for index in range(1, len(managed) + 1)]
        resources.update({n: {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
            "Description": f"Read-only access for clearance scans, part {i} of {len(managed)}", "PolicyDocument": p}}
            for i, (n, p) in enumerate(zip(names, managed, strict=True), start=1)})
        role["ManagedPolicyArns"] = [{"Ref": n} for n in names]
    resources[ROLE_RESOURCE] = {"Type": "AWS::IAM::Role", "Properties": role}
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"The read-only role {name} that `clearance scan --organization` assumes in each account "
                       "(generated by `clearance iam-policy --organization`).",
        "Parameters": {
            "ScannerArn": scanner_param,
            "ExternalId": {"Type": "String", "Default": external_id or "",
                           "Description": "The sts:ExternalId the scanner must give (`clearance scan --external-id`); "
                                          "empty: none required."}},
        "Conditions": {"HasExternalId": {"Fn::Not": [{"Fn::Equals": [{"Ref": "ExternalId"}, ""]}]}},
        "Resources": resources,
        "Outputs": {"RoleArn": {"Description": "The role to assume", "Value": {"Fn::GetAtt": [ROLE_RESOURCE, "Arn"]}}},
    }


def organization_document(read_policy: dict[str, Any], *, role_name: str, scanner: str | None = None,
                          external_id: str | None = None, template: str = "stackset") -> dict[str, Any]:
    """The whole answer of `clearance iam-policy --organization`: ManagementPolicy, MemberRole and StackSetTemplate
    (or PulumiProgram: the files of the program, with the template)."""
    path, name = split_role_name(role_name)
    principal = check_scanner_arn(scanner) if scanner else None
    if external_id is not None:
        check_external_id(external_id)
    member: dict[str, Any] = {"RoleName": name}
    if path != "/":
        member["Path"] = path
    member["AssumeRolePolicyDocument"] = trust_policy(principal or SCANNER_PLACEHOLDER, external_id)
    member["Policy"] = read_policy
    _, managed = role_policies(read_policy)
    if managed:
        member["ManagedPolicies"] = managed  # too long inline: attach these instead
    stackset = stackset_template(read_policy, role_name=role_name, scanner=principal, external_id=external_id)
    answer: dict[str, Any] = {"ManagementPolicy": management_policy(role_name, partition_of(principal)),
                              "MemberRole": member}
    if template == "pulumi":
        answer["PulumiProgram"] = {"Pulumi.yaml": pulumi_project("stackset.json"), "__main__.py": PULUMI_PROGRAM,
                                   "stackset.json": stackset}
    else:
        answer["StackSetTemplate"] = stackset
    return answer


def pulumi_project(template: str) -> str:
    """The Pulumi.yaml of the program that deploys the StackSet; `template`: the template file, from the folder of
    the program (examples/organization/pulumi/ reads ../stackset.json)."""
    return f"""name: clearance-organization
runtime:
  name: python
description: The read-only role of `clearance scan --organization` in every account, deployed by a StackSet.
config:
  template:
    type: string
    default: {template}
    description: The CloudFormation template of the role (clearance iam-policy --organization), from this folder.
"""


# The program that deploys the StackSet (examples/organization/pulumi/__main__.py is this text: a test says so).
PULUMI_PROGRAM = '''"""The read-only role of `clearance scan --organization` in every account of the organization
(or of the OUs named): a service-managed CloudFormation StackSet, deployed from the management account or a
delegated administrator, made of the template that `clearance iam-policy --organization` prints. StackSets never
deploy to the management account itself: deploy the same template there as a plain stack (README.md).

  pulumi config set scannerArn arn:aws:iam::111111111111:role/ClearanceScanner
  pulumi config set --path 'organizationalUnitIds[0]' r-abcd     # the organization root, or OUs
  pulumi config set externalId some-text                          # optional: clearance scan --external-id
  pulumi config set callAs DELEGATED_ADMIN                        # from a delegated administrator
"""

from pathlib import Path

import pulumi
import pulumi_aws as aws

config = pulumi.Config()
template = Path(config.get("template") or "stackset.json")
call_as = config.get("callAs") or "SELF"

stack_set = aws.cloudformation.StackSet(
    "clearance-scan-role",
    name="clearance-scan-role",
    description="The read-only role of clearance scan --organization",
    permission_model="SERVICE_MANAGED",
    auto_deployment={"enabled": True, "retain_stacks_on_account_removal": False},
    capabilities=["CAPABILITY_NAMED_IAM"],
    template_body=template.read_text(encoding="utf-8"),
    parameters={"ScannerArn": config.require("scannerArn"), "ExternalId": config.get("externalId") or ""},
    call_as=call_as,
    # IAM is global: one region deploys the role, and the order of accounts does not matter
    operation_preferences={"failure_tolerance_percentage": 10, "max_concurrent_percentage": 50,
                           "region_concurrency_type": "PARALLEL"},
    opts=pulumi.ResourceOptions(ignore_changes=["administrationRoleArn"]),  # AWS sets it for SERVICE_MANAGED
)

aws.cloudformation.StackSetInstance(
    "clearance-scan-role",
    stack_set_name=stack_set.name,
    deployment_targets={"organizational_unit_ids": config.require_object("organizationalUnitIds")},
    call_as=call_as,
)

pulumi.export("stackSetName", stack_set.name)
pulumi.export("stackSetId", stack_set.stack_set_id)
'''
