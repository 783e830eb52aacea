"""RDS PostgreSQL: encrypted, private, backed up, reachable only from the application tasks.

Claims: "All data is encrypted at rest with AES-256" (storage, snapshots, Performance Insights and the master
password secret under the data key), "The database is accessible only from our Amazon Virtual Private Cloud"
(not publicly accessible, private subnets, a security group admitting only the application's group), "Databases
are secured by standard system and authorization policies" (IAM authentication, TLS forced by the parameter
group), "Are databases backed up? Yes" (automated backups kept 14 days, plus the AWS Backup plan).

The master password is generated and rotated by RDS in Secrets Manager (`manage_master_user_password`), encrypted
with the data key: it never appears in the program, its configuration or its state.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.logs import log_group
from components.settings import Settings

LOG_EXPORTS = ["postgresql", "upgrade"]


class Database(pulumi.ComponentResource):
    instance: aws.rds.Instance
    subnet_group: aws.rds.SubnetGroup

    def __init__(self, name: str, s: Settings, *, subnets: list[aws.ec2.Subnet], security_group: aws.ec2.SecurityGroup,
                 data_key: aws.kms.Key, logs_key: aws.kms.Key, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("aptly:data:Database", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        identifier = f"{s.prefix}-db"

        self.subnet_group = aws.rds.SubnetGroup(
            "db", name=identifier, description="Private subnets only", subnet_ids=[sn.id for sn in subnets],
            tags=s.tags(tier="private"), opts=child)
        parameters = aws.rds.ParameterGroup(
            "db", name=f"{identifier}-pg16", family="postgres16", description="TLS only, connection logging",
            parameters=[{"name": "rds.force_ssl", "value": "1"},
                        {"name": "log_connections", "value": "1"},
                        {"name": "log_disconnections", "value": "1"}],
            tags=s.tags(), opts=child)
        # RDS would create these groups itself, unencrypted and kept forever: declare them first
        groups = [log_group(f"db-{kind}", f"/aws/rds/instance/{identifier}/{kind}", s, logs_key, child)
                  for kind in LOG_EXPORTS]

        self.instance = aws.rds.Instance(
            "db",
            identifier=identifier,
            engine="postgres",
            engine_version="16",
            instance_class="db.t4g.medium",
            allocated_storage=50,
            max_allocated_storage=200,
            storage_type="gp3",
            storage_encrypted=True,
            kms_key_id=data_key.arn,
            db_name="aptly",
            username="aptly_admin",
            manage_master_user_password=True,
            master_user_secret_kms_key_id=data_key.arn,
            iam_database_authentication_enabled=True,
            db_subnet_group_name=self.subnet_group.name,
            vpc_security_group_ids=[security_group.id],
            publicly_accessible=False,
            multi_az=True,
            parameter_group_name=parameters.name,
            backup_retention_period=14,
            backup_window="00:00-00:30",
            maintenance_window="sun:04:00-sun:05:00",
            copy_tags_to_snapshot=True,
            delete_automated_backups=False,
            deletion_protection=True,
            skip_final_snapshot=False,
            final_snapshot_identifier=f"{identifier}-final",
            auto_minor_version_upgrade=True,
            performance_insights_enabled=True,
            performance_insights_kms_key_id=data_key.arn,
            enabled_cloudwatch_logs_exports=LOG_EXPORTS,
            ca_cert_identifier="rds-ca-rsa2048-g1",
            tags=s.tags(data="customer", tier="private"),
            opts=pulumi.ResourceOptions(parent=self, depends_on=groups),
        )
        self.register_outputs({"endpoint": self.instance.address})
