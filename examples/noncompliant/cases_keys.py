"""Cases of the non-compliant example for the catalog's keys controls (see __main__.py).

Each failing declaration has a `# FAILS <ids>: why` comment directly above it; tests/e2e/test_noncompliant.py
reads those comments as the expected failures."""

from __future__ import annotations

from typing import Any

import pulumi_aws as aws

from documents import key_policy


def declare(shared: dict[str, Any]) -> None:
    """Declare this area's cases; `shared` is the main program's namespace (its VPC, subnets, keys, ...)."""
    account_id: str = shared["account_id"]
    tags: dict[str, str] = shared["tags"]
    data_key: aws.kms.Key = shared["data_key"]

    # FAILS KEY-02: "anyone over TLS": aws:SecureTransport holds for every HTTPS caller of any account
    aws.kms.Key("exchange", description="files exchanged with partners", enable_key_rotation=True, tags=tags,
                policy=key_policy(account_id, {
                    "Sid": "AnyoneOverTls", "Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt",
                    "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}}))
    # FAILS KEY-02: Allow with NotPrincipal grants to every principal but the one named
    aws.kms.Key("reports", description="report archives", enable_key_rotation=True, tags=tags,
                policy=key_policy(account_id, {
                    "Sid": "EveryoneButContractors", "Effect": "Allow",
                    "NotPrincipal": {"AWS": f"arn:aws:iam::{account_id}:role/contractors"},
                    "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*"}))

    # imported key material: AWS cannot rotate it automatically, so KEY-01 does not apply (rotated by hand)
    aws.kms.ExternalKey("escrow", description="key material escrowed by the bank", deletion_window_in_days=30,
                        policy=key_policy(account_id), tags=tags)

    # FAILS SEC-01: rotated twice a year (its SecretRotation below), the statement promises every 3 months
    warehouse = aws.secretsmanager.Secret("warehouse-credentials", description="data warehouse login",
                                          kms_key_id=data_key.arn, tags=tags)
    aws.secretsmanager.SecretRotation(
        "warehouse-credentials", secret_id=warehouse.id,
        rotation_lambda_arn=f"arn:aws:lambda:eu-west-1:{account_id}:function:rotate-warehouse",
        rotation_rules={"automatically_after_days": 180})
