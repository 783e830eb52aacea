"""The read-only role of `clearance scan --organization` in every account of the organization
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
