"""Cases of the non-compliant example for the catalog's backup controls (see __main__.py).

Each failing declaration has a `# FAILS <ids>: why` comment directly above it; tests/e2e/test_noncompliant.py
reads those comments as the expected failures."""

from __future__ import annotations

from typing import Any

import pulumi_aws as aws


def declare(shared: dict[str, Any]) -> None:
    """Declare this area's cases; `shared` is the main program's namespace (its VPC, subnets, keys, ...)."""
    prefix: str = shared["prefix"]
    tags: dict[str, str] = shared["tags"]
    backed_up: dict[str, str] = shared["backed_up"]
    data_key: aws.kms.Key = shared["data_key"]
    db_defaults: dict[str, Any] = shared["db_defaults"]
    cluster_defaults: dict[str, Any] = shared["cluster_defaults"]
    primary_vault: aws.backup.Vault = shared["primary_vault"]
    archive_vault: aws.backup.Vault = shared["archive_vault"]
    backup_role: aws.iam.Role = shared["backup_role"]
    restore_tests: aws.backup.RestoreTestingPlan = shared["restore_tests"]
    snake = prefix.replace("-", "_")

    # the primary vault refuses recovery points kept longer than 30 days (BAK-10 passes there)
    aws.backup.VaultLockConfiguration("primary", backup_vault_name=primary_vault.name, min_retention_days=7,
                                      max_retention_days=30)
    # the nightly plan's tag selection backs up Aurora clusters and DynamoDB tables too: restore-test them weekly
    for kind in ("Aurora", "DynamoDB"):
        aws.backup.RestoreTestingSelection(f"weekly-{kind.lower()}", name=kind.lower(),
                                           restore_testing_plan_name=restore_tests.name, protected_resource_type=kind,
                                           protected_resource_arns=["*"], iam_role_arn=backup_role.arn)

    # FAILS BAK-01: nightly, kept 30 days, but its copies to the archive vault are never deleted
    aws.backup.Plan("dr-copies", name=f"{prefix}-dr-copies", tags=tags, rules=[{
        "rule_name": "nightly", "target_vault_name": primary_vault.name, "schedule": "cron(0 4 * * ? *)",
        "lifecycle": {"delete_after": 30}, "copy_actions": [{"destination_vault_arn": archive_vault.arn}]}])

    # a vault whose backups are restore-tested weekly, but only as RDS databases
    ledger_vault = aws.backup.Vault("ledger", name=f"{prefix}-ledger", kms_key_arn=data_key.arn, tags=tags)
    aws.backup.VaultLockConfiguration("ledger", backup_vault_name=ledger_vault.name, max_retention_days=30)
    ledger_table = aws.dynamodb.Table(
        "ledger-entries", billing_mode="PAY_PER_REQUEST", hash_key="id", attributes=[{"name": "id", "type": "S"}],
        server_side_encryption={"enabled": True, "kms_key_arn": data_key.arn},
        point_in_time_recovery={"enabled": True, "recovery_period_in_days": 14}, tags=tags)
    # FAILS BAK-02: backs up a DynamoDB table, but the restore tests of its vault restore RDS databases only
    ledger_plan = aws.backup.Plan("ledger", name=f"{prefix}-ledger", tags=tags, rules=[{
        "rule_name": "nightly", "target_vault_name": ledger_vault.name, "schedule": "cron(0 1 * * ? *)",
        "lifecycle": {"delete_after": 30}}])
    aws.backup.Selection("ledger", name=f"{prefix}-ledger", plan_id=ledger_plan.id, iam_role_arn=backup_role.arn,
                         resources=[ledger_table.arn])
    ledger_tests = aws.backup.RestoreTestingPlan(
        "ledger", name=f"{snake}_ledger", schedule_expression="cron(0 6 ? * SAT *)",
        recovery_point_selection={"algorithm": "LATEST_WITHIN_WINDOW", "include_vaults": [ledger_vault.arn],
                                  "recovery_point_types": ["SNAPSHOT"]}, tags=tags)
    aws.backup.RestoreTestingSelection("ledger-rds", name="ledger_rds", restore_testing_plan_name=ledger_tests.name,
                                       protected_resource_type="RDS", protected_resource_arns=["*"],
                                       iam_role_arn=backup_role.arn)

    # FAILS DB-01: minor engine upgrades (security fixes) turned off
    aws.rds.Instance("billing", storage_encrypted=True, kms_key_id=data_key.arn, backup_retention_period=7,
                     auto_minor_version_upgrade=False, tags=backed_up, **db_defaults)
    # FAILS DB-02: deletion protection turned off
    aws.rds.Instance("invoices", storage_encrypted=True, kms_key_id=data_key.arn, backup_retention_period=7,
                     tags=backed_up, **{**db_defaults, "deletion_protection": False})
    # FAILS DB-03: deletion protection turned off
    aws.rds.Cluster("payments", storage_encrypted=True, kms_key_id=data_key.arn, backup_retention_period=14,
                    tags=backed_up, **{**cluster_defaults, "deletion_protection": False})
    plain_pg = aws.rds.ParameterGroup("plain-text", family="postgres16", description="TLS optional for a legacy client",
                                      parameters=[{"name": "rds.force_ssl", "value": "0"}], tags=tags)
    # FAILS DB-04: its parameter group turns rds.force_ssl off: plain-text connections are accepted
    aws.rds.Instance("crm", storage_encrypted=True, kms_key_id=data_key.arn, backup_retention_period=7,
                     parameter_group_name=plain_pg.name, tags=backed_up, **db_defaults)

