"""IAM roles of the application tasks, least privilege.

Claim: "Access is reviewed periodically and follows the principle of least-privilege."

- The execution role lets ECS pull the image, write the container's logs and read the one secret it injects.
- The task role is the application's own identity: connect to PostgreSQL as `aptly_app` with IAM
  authentication (no database password in the task), and read/write the customer-data bucket.
Both trust only ECS tasks of this account, and neither has full administrator access (IAM-09, IAM-10).

The policy documents name their resources with values known before deployment, so that a plan shows what each role
may do (clearance judges a document with unknown parts as unknown): the secret by its name (Secrets Manager appends
six random characters to its ARN), the data key by its `purpose` tag (the key's ARN exists only once the key is
created), the database user under any instance of this account and region (the instance's resource id, `db-...`, is
generated at creation; the account runs one PostgreSQL instance).
"""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from components.settings import Settings

DB_USER = "aptly_app"


def _trust(s: Settings) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": s.account_id},
                      "ArnLike": {"aws:SourceArn": f"arn:aws:ecs:{s.region}:{s.account_id}:*"}},
    }]})


def _data_key_statement(s: Settings, key: aws.kms.Key, *actions: str) -> dict[str, object]:
    purpose = key.tags.apply(lambda tags: (tags or {})["purpose"])
    return {"Effect": "Allow", "Action": list(actions), "Resource": f"arn:aws:kms:{s.region}:{s.account_id}:key/*",
            "Condition": {"StringEquals": {"aws:ResourceTag/purpose": purpose}}}


def execution_role(s: Settings, *, secret: aws.secretsmanager.Secret, key: aws.kms.Key,
                   opts: pulumi.ResourceOptions) -> aws.iam.Role:
    role = aws.iam.Role("task-execution", name=f"{s.prefix}-task-execution", assume_role_policy=_trust(s),
                        tags=s.tags(), opts=opts)
    aws.iam.RolePolicyAttachment(
        "task-execution", role=role.name,
        policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy", opts=opts)
    aws.iam.RolePolicy("task-execution-secrets", role=role.id, policy=pulumi.Output.json_dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": pulumi.Output.concat(
                f"arn:aws:secretsmanager:{s.region}:{s.account_id}:secret:", secret.name, "-??????")},
            _data_key_statement(s, key, "kms:Decrypt"),
        ],
    }), opts=opts)
    return role


def task_role(s: Settings, *, db: aws.rds.Instance, bucket_arn: str, key: aws.kms.Key,
              opts: pulumi.ResourceOptions) -> aws.iam.Role:
    """`db` is the instance whose `aptly_app` user the task connects as; the policy names it by account and region
    (module docstring)."""
    role = aws.iam.Role("task", name=f"{s.prefix}-task", assume_role_policy=_trust(s), tags=s.tags(), opts=opts)
    aws.iam.RolePolicy("task", role=role.id, policy=pulumi.Output.json_dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "DatabaseIamAuth", "Effect": "Allow", "Action": "rds-db:connect",
             "Resource": f"arn:aws:rds-db:{s.region}:{s.account_id}:dbuser:*/{DB_USER}"},
            {"Sid": "CustomerData", "Effect": "Allow",
             "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"],
             "Resource": [bucket_arn, f"{bucket_arn}/*"]},
            {"Sid": "CustomerDataKey", **_data_key_statement(s, key, "kms:Decrypt", "kms:GenerateDataKey")},
        ],
    }), opts=opts)
    return role
