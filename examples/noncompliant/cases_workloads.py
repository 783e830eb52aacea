"""Cases of the non-compliant example for the catalog's workload controls: Lambda functions and ECS task
definitions (see __main__.py).

Each failing declaration has a `# FAILS <ids>: why` comment directly above it; tests/e2e/test_noncompliant.py
reads those comments as the expected failures. The secrets below are made-up examples, never real credentials."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws

from documents import assume_role_policy

CODE = pulumi.AssetArchive({"index.py": pulumi.StringAsset("def handler(event, context):\n    return None\n")})


def declare(shared: dict[str, Any]) -> None:
    """Declare this area's cases; `shared` is the main program's namespace (its VPC, subnets, keys, ...)."""
    prefix: str = shared["prefix"]
    tags: dict[str, str] = shared["tags"]
    role = aws.iam.Role("functions", assume_role_policy=assume_role_policy("lambda.amazonaws.com"), tags=tags)

    # compliant: no customer data (NET-17 not applicable) and the password stays in Secrets Manager (its ARN only)
    aws.lambda_.Function("thumbnails", name=f"{prefix}-thumbnails", tags={**tags, "data": "public"}, environment={
        "variables": {"STAGE": "prod", "DB_PASSWORD_SECRET_ARN":
                      "arn:aws:secretsmanager:eu-west-1:123456789012:secret:thumbnails-db-AbCdEf"}},
        runtime="python3.12", handler="index.handler", code=CODE, role=role.arn)
    # FAILS NET-17, SEC-02: customer data handled outside the VPC, a database password and an access key in clear
    aws.lambda_.Function("customer-export", name=f"{prefix}-customer-export", tags={**tags, "data": "customer"},
                         environment={"variables": {"DB_PASSWORD": "example-Passw0rd", "STAGE": "prod",
                                                    "UPLOAD_KEY_ID": "AKIAIOSFODNN7EXAMPLE"}},
                         runtime="python3.12", handler="index.handler", code=CODE, role=role.arn)

    # FAILS NET-18, SEC-03: a privileged monitoring sidecar, and an API token in the container's environment
    aws.ecs.TaskDefinition(
        "metrics", family=f"{prefix}-metrics", cpu="256", memory="512", requires_compatibilities=["EC2"], tags=tags,
        container_definitions=json.dumps([
            {"name": "app", "image": "public.ecr.aws/nginx/nginx:1.27", "essential": True, "memory": 256,
             "environment": [{"name": "STAGE", "value": "prod"},
                             {"name": "METRICS_API_TOKEN", "value": "example-t0ken"}]},
            {"name": "agent", "image": "public.ecr.aws/datadog/agent:7", "essential": False, "memory": 256,
             "privileged": True}]))
