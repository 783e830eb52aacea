"""AWS Backup: nightly backups of the database and the customer-data bucket, restore-tested every week.

Claims: "Backups are performed nightly and tested every 14 days" and "We have automated backups that make
snapshots of our databases from 1 to 3 times daily" (RDS automated backups, continuous, plus this plan).

- The vault is encrypted with the backup key (a key of its own: losing or disabling the data key must not take
  the backups with it), and locked: it refuses recovery points kept longer than 30 days.
- The plan runs every night at 02:00 UTC and keeps recovery points 30 days: the statement deletes data within 30
  days ("Data is deleted within 30 days or upon request."), and four weekly restore tests fit in that window.
- The selection names the database and the customer-data bucket explicitly.
- The restore testing plan restores the latest recovery point of each every Sunday (every 7 days, the statement
  promises 14) and AWS Backup deletes the restored copy after the validation window.
"""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from components.settings import Settings

NIGHTLY = "cron(0 2 * * ? *)"  # outside the RDS backup (00:00) and maintenance (Sun 04:00) windows
WEEKLY = "cron(0 6 ? * SUN *)"
RETENTION_DAYS = 30  # the statement: "Data is deleted within 30 days or upon request."
MANAGED_POLICIES = [
    "service-role/AWSBackupServiceRolePolicyForBackup", "service-role/AWSBackupServiceRolePolicyForRestores",
    "AWSBackupServiceRolePolicyForS3Backup", "AWSBackupServiceRolePolicyForS3Restore",
]


class Backup(pulumi.ComponentResource):
    def __init__(self, name: str, s: Settings, *, key: aws.kms.Key, db: aws.rds.Instance, bucket: aws.s3.Bucket,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("aptly:data:Backup", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        snake = s.prefix.replace("-", "_")  # restore testing names allow letters, digits and underscores only

        vault = aws.backup.Vault("vault", name=f"{s.prefix}-vault", kms_key_arn=key.arn, force_destroy=False,
                                 tags=s.tags(), opts=child)
        # the vault refuses recovery points kept longer than the statement's 30 days, and keeps each at least a week
        # (governance mode: no changeable_for_days, so security officers can still lift it)
        aws.backup.VaultLockConfiguration("vault", backup_vault_name=vault.name, min_retention_days=7,
                                          max_retention_days=RETENTION_DAYS, opts=child)
        role = aws.iam.Role("backup", name=f"{s.prefix}-backup", assume_role_policy=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"}, "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": s.account_id}}}],
        }), tags=s.tags(), opts=child)
        for policy in MANAGED_POLICIES:
            aws.iam.RolePolicyAttachment(f"backup-{policy.rsplit('/', 1)[-1]}", role=role.name,
                                         policy_arn=f"arn:aws:iam::aws:policy/{policy}", opts=child)

        plan = aws.backup.Plan("nightly", name=f"{s.prefix}-nightly", rules=[{
            "rule_name": "nightly",
            "target_vault_name": vault.name,
            "schedule": NIGHTLY,
            "schedule_expression_timezone": "Etc/UTC",
            "start_window": 60,
            "completion_window": 360,
            "lifecycle": {"delete_after": RETENTION_DAYS},
            "recovery_point_tags": s.tags(backup="nightly"),
        }], tags=s.tags(), opts=child)
        aws.backup.Selection("nightly", name=f"{s.prefix}-data-stores", plan_id=plan.id, iam_role_arn=role.arn,
                             resources=[db.arn, bucket.arn], opts=child)

        testing = aws.backup.RestoreTestingPlan(
            "weekly", name=f"{snake}_weekly_restore_test", schedule_expression=WEEKLY,
            schedule_expression_timezone="Etc/UTC", start_window_hours=4,
            recovery_point_selection={"algorithm": "LATEST_WITHIN_WINDOW", "include_vaults": [vault.arn],
                                      "recovery_point_types": ["SNAPSHOT"], "selection_window_days": 7},
            tags=s.tags(), opts=child)
        for resource_type, resource in (("RDS", db), ("S3", bucket)):
            aws.backup.RestoreTestingSelection(
                f"weekly-{resource_type.lower()}", name=f"{snake}_{resource_type.lower()}",
                restore_testing_plan_name=testing.name, protected_resource_type=resource_type,
                protected_resource_arns=[resource.arn], iam_role_arn=role.arn, validation_window_hours=24,
                opts=child)
        self.register_outputs({"vault": vault.name, "plan": plan.id})
