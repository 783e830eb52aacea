"""Cases of the non-compliant example for the catalog's IAM least-privilege controls (see __main__.py).

Each failing declaration has a `# FAILS <ids>: why` comment directly above it; tests/e2e/test_noncompliant.py
reads those comments as the expected failures."""

from __future__ import annotations

import json
from typing import Any

import pulumi_aws as aws

from documents import assume_role_policy

EVERYTHING = {"Effect": "Allow", "Action": "*", "Resource": "*"}


def declare(shared: dict[str, Any]) -> None:
    """A customer-managed "*" on "*" policy, roles holding full admin without the admin tag, a role anyone may
    assume."""
    tags: dict[str, str] = shared["tags"]

    # FAILS IAM-08: "*" on "*"; requiring MFA says who may use it, not what it allows
    platform = aws.iam.Policy("platform-admin", description="everything, for the platform team", policy=json.dumps({
        "Version": "2012-10-17", "Statement": [{**EVERYTHING, "Condition": {
            "Bool": {"aws:MultiFactorAuthPresent": "true"}}}]}), tags=tags)
    # FAILS IAM-09: AWS-managed AdministratorAccess for a deploy role not tagged access=admin
    aws.iam.Role("ci-deployer", assume_role_policy=assume_role_policy("codebuild.amazonaws.com"),
                 managed_policy_arns=["arn:aws:iam::aws:policy/AdministratorAccess"], tags=tags)
    # FAILS IAM-09: the platform-admin policy above is attached to it, and it is tagged for another access level
    operator = aws.iam.Role("operator", assume_role_policy=assume_role_policy("ec2.amazonaws.com"),
                            tags={**tags, "access": "operator"})
    aws.iam.RolePolicyAttachment("operator-platform-admin", role=operator.name, policy_arn=platform.arn)
    # FAILS IAM-10: any AWS account may assume it; an external id is a shared string, not an identity
    partner = aws.iam.Role("partner-access", assume_role_policy=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": "partner-7f3a"}}}]}), tags=tags)
    aws.iam.RolePolicy("partner-access", role=partner.id, policy=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                                "Resource": "arn:aws:s3:::partner-exchange/*"}]}))
