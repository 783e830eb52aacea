"""Policy documents of the non-compliant example, as literal JSON (every ARN is built from configuration, so the
documents are known at plan time and clearance can read them)."""

from __future__ import annotations

import json
from typing import Any


def key_policy(account_id: str, *extra: dict[str, Any]) -> str:
    """The account root delegates to IAM, plus `extra` statements."""
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "AccountRootDelegatesToIam", "Effect": "Allow",
             "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"}, "Action": "kms:*", "Resource": "*"},
            *extra,
        ],
    })


def bucket_policy(bucket_name: str, *extra: dict[str, Any], deny_insecure_transport: bool = True) -> str:
    """A bucket policy with `extra` statements, denying every request that does not use TLS unless told not to."""
    arn = f"arn:aws:s3:::{bucket_name}"
    statements = list(extra)
    if deny_insecure_transport:
        statements.append({"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                           "Resource": [arn, f"{arn}/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}})
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def assume_role_policy(service: str) -> str:
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
    })
