"""Data-tier appliers: RDS (subnet groups, parameter groups, instances) and AWS Backup (vaults, vault locks, plans;
selections and restore testing are not emulated by moto 5.2.5: `UNSUPPORTED`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checks.sandbox.context import Applier, ApplyContext, Outputs, drop_none, tag_list
from checks.sandbox.interfaces import rds_interface


def db_subnet_group(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    name = ctx.physical_name(props, max_len=255).lower()
    tags = tag_list(props)
    group = ctx.client("rds").create_db_subnet_group(
        DBSubnetGroupName=name, DBSubnetGroupDescription=props.get("description") or "Managed by Pulumi",
        SubnetIds=list(props["subnetIds"]), **drop_none(Tags=tags or None))["DBSubnetGroup"]
    return name, {"arn": group.get("DBSubnetGroupArn") or ctx.arn("rds", f"subgrp:{name}"), "name": name,
                  "vpcId": group.get("VpcId")}


def db_parameter_group(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    rds = ctx.client("rds")
    name = ctx.physical_name(props, max_len=255).lower()
    tags = tag_list(props)
    group = rds.create_db_parameter_group(
        DBParameterGroupName=name, DBParameterGroupFamily=props["family"],
        Description=props.get("description") or "Managed by Pulumi", **drop_none(Tags=tags or None))["DBParameterGroup"]
    params = [{"ParameterName": p["name"], "ParameterValue": str(p["value"]),
               "ApplyMethod": p.get("applyMethod") or "immediate"} for p in props.get("parameters") or []]
    if params:
        rds.modify_db_parameter_group(DBParameterGroupName=name, Parameters=params)
    return name, {"arn": group.get("DBParameterGroupArn") or ctx.arn("rds", f"pg:{name}"), "name": name}


DB_INSTANCE_ARGS = (
    ("dbName", "DBName"), ("allocatedStorage", "AllocatedStorage"), ("maxAllocatedStorage", "MaxAllocatedStorage"),
    ("instanceClass", "DBInstanceClass"), ("engine", "Engine"), ("engineVersion", "EngineVersion"),
    ("username", "MasterUsername"), ("password", "MasterUserPassword"),
    ("manageMasterUserPassword", "ManageMasterUserPassword"), ("masterUserSecretKmsKeyId", "MasterUserSecretKmsKeyId"),
    ("vpcSecurityGroupIds", "VpcSecurityGroupIds"), ("availabilityZone", "AvailabilityZone"),
    ("dbSubnetGroupName", "DBSubnetGroupName"), ("parameterGroupName", "DBParameterGroupName"),
    ("backupRetentionPeriod", "BackupRetentionPeriod"), ("backupWindow", "PreferredBackupWindow"),
    ("maintenanceWindow", "PreferredMaintenanceWindow"), ("port", "Port"), ("multiAz", "MultiAZ"),
    ("autoMinorVersionUpgrade", "AutoMinorVersionUpgrade"), ("licenseModel", "LicenseModel"), ("iops", "Iops"),
    ("optionGroupName", "OptionGroupName"), ("publiclyAccessible", "PubliclyAccessible"),
    ("storageType", "StorageType"), ("storageEncrypted", "StorageEncrypted"), ("kmsKeyId", "KmsKeyId"),
    ("copyTagsToSnapshot", "CopyTagsToSnapshot"), ("monitoringInterval", "MonitoringInterval"),
    ("monitoringRoleArn", "MonitoringRoleArn"), ("iamDatabaseAuthenticationEnabled", "EnableIAMDatabaseAuthentication"),
    ("performanceInsightsEnabled", "EnablePerformanceInsights"),
    ("performanceInsightsKmsKeyId", "PerformanceInsightsKMSKeyId"),
    ("performanceInsightsRetentionPeriod", "PerformanceInsightsRetentionPeriod"),
    ("enabledCloudwatchLogsExports", "EnableCloudwatchLogsExports"), ("deletionProtection", "DeletionProtection"),
    ("caCertIdentifier", "CACertificateIdentifier"), ("networkType", "NetworkType"),
)


def db_instance(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    identifier = ctx.physical_name(props, "identifier", max_len=63).lower()
    args = {api: props[key] for key, api in DB_INSTANCE_ARGS if props.get(key) is not None}
    if isinstance(args.get("EngineVersion"), (int, float)):
        args["EngineVersion"] = str(args["EngineVersion"])
    tags = tag_list(props)
    db = ctx.client("rds").create_db_instance(DBInstanceIdentifier=identifier, **args,
                                              **drop_none(Tags=tags or None))["DBInstance"]
    rds_interface(ctx, props.get("dbSubnetGroupName"), list(props.get("vpcSecurityGroupIds") or []))
    endpoint = db.get("Endpoint") or {}
    address, port = endpoint.get("Address"), endpoint.get("Port")
    outputs = {"arn": db["DBInstanceArn"], "identifier": identifier, "resourceId": db.get("DbiResourceId"),
               "address": address, "port": port, "endpoint": f"{address}:{port}" if address else None}
    secret = db.get("MasterUserSecret")
    if secret:
        outputs["masterUserSecrets"] = [{"secretArn": secret.get("SecretArn"), "kmsKeyId": secret.get("KmsKeyId"),
                                         "secretStatus": secret.get("SecretStatus")}]
    return identifier, outputs


def backup_vault(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    name = ctx.physical_name(props, max_len=50)
    vault = ctx.client("backup").create_backup_vault(
        BackupVaultName=name, **drop_none(EncryptionKeyArn=props.get("kmsKeyArn"), BackupVaultTags=props.get("tags")))
    return name, {"arn": vault["BackupVaultArn"], "name": name}


def backup_vault_lock(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    name = props["backupVaultName"]
    ctx.client("backup").put_backup_vault_lock_configuration(BackupVaultName=name, **drop_none(
        MinRetentionDays=props.get("minRetentionDays"), MaxRetentionDays=props.get("maxRetentionDays"),
        ChangeableForDays=props.get("changeableForDays")))
    return name, {"backupVaultName": name, "backupVaultArn": ctx.arn("backup", f"backup-vault:{name}")}


def _plan_rule(rule: Mapping[str, Any]) -> dict[str, Any]:
    lifecycle = rule.get("lifecycle") or {}
    return drop_none(
        RuleName=rule["ruleName"], TargetBackupVaultName=rule["targetVaultName"],
        ScheduleExpression=rule.get("schedule"), StartWindowMinutes=rule.get("startWindow"),
        CompletionWindowMinutes=rule.get("completionWindow"),
        Lifecycle=drop_none(DeleteAfterDays=lifecycle.get("deleteAfter"),
                            MoveToColdStorageAfterDays=lifecycle.get("coldStorageAfter")) or None,
        RecoveryPointTags=rule.get("recoveryPointTags"), EnableContinuousBackup=rule.get("enableContinuousBackup"),
        ScheduleExpressionTimezone=rule.get("scheduleExpressionTimezone"),
        CopyActions=[drop_none(DestinationBackupVaultArn=c.get("destinationVaultArn")) for c in rule["copyActions"]]
        if rule.get("copyActions") else None,
    )


def backup_plan(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    name = ctx.physical_name(props, max_len=50)
    plan = ctx.client("backup").create_backup_plan(
        BackupPlan={"BackupPlanName": name, "Rules": [_plan_rule(r) for r in props.get("rules") or []]},
        **drop_none(BackupPlanTags=props.get("tags")))
    return plan["BackupPlanId"], {"arn": plan["BackupPlanArn"], "version": plan.get("VersionId"), "name": name}


APPLIERS: dict[str, Applier] = {
    "aws:rds/subnetGroup:SubnetGroup": db_subnet_group,
    "aws:rds/parameterGroup:ParameterGroup": db_parameter_group,
    "aws:rds/instance:Instance": db_instance,
    "aws:backup/vault:Vault": backup_vault,
    "aws:backup/vaultLockConfiguration:VaultLockConfiguration": backup_vault_lock,
    "aws:backup/plan:Plan": backup_plan,
}

# types moto cannot create at all: reported once each, never called
UNSUPPORTED: dict[str, str] = {
    "aws:backup/selection:Selection":
        "moto 5.2.5 does not implement backup CreateBackupSelection (NotImplementedError)",
    "aws:backup/restoreTestingPlan:RestoreTestingPlan":
        "moto 5.2.5 has no backup restore-testing API (CreateRestoreTestingPlan: 404 Not yet implemented)",
    "aws:backup/restoreTestingSelection:RestoreTestingSelection":
        "moto 5.2.5 has no backup restore-testing API (CreateRestoreTestingSelection: 404 Not yet implemented)",
}
