"""Which module of this package normalizes (or folds) each type token, so that `normalize` imports only the modules
that the types of its raw resources need (issue 13: importing every normalizer was half of normalizing 1,000
resources).

A fixed table, not discovery: `tests/normalize/test_table.py` imports every module and fails, naming the token and
the module, when a module registers a token that is missing here or when a token here is not registered by its
module. A new normalizer therefore adds its tokens here, under its module (relative to `checks.normalize`).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable

BY_MODULE: dict[str, tuple[str, ...]] = {
    "account": (
        "live:iam:root_user",
    ),
    "backup.live": (
        "live:backup:plan",
        "live:backup:region",
        "live:backup:restore_testing_plan",
        "live:backup:restore_testing_selection",
        "live:backup:selection",
        "live:backup:vault",
    ),
    "backup.plan": (
        "aws:backup/plan:Plan",
        "aws:backup/restoreTestingPlan:RestoreTestingPlan",
        "aws:backup/restoreTestingSelection:RestoreTestingSelection",
        "aws:backup/selection:Selection",
        "aws:backup/vault:Vault",
        "aws:backup/vaultLockConfiguration:VaultLockConfiguration",
    ),
    "detection": (
        "aws:cfg/deliveryChannel:DeliveryChannel",
        "aws:cfg/recorder:Recorder",
        "aws:cfg/recorderStatus:RecorderStatus",
        "aws:guardduty/detector:Detector",
        "aws:securityhub/account:Account",
        "live:config:recorder",
        "live:guardduty:detector",
        "live:securityhub:hub",
    ),
    "dynamodb": (
        "aws:dynamodb/table:Table",
        "live:dynamodb:table",
    ),
    "ec2.compute": (
        "aws:ebs/defaultKmsKey:DefaultKmsKey",
        "aws:ebs/encryptionByDefault:EncryptionByDefault",
        "aws:ebs/volume:Volume",
        "aws:ec2/eipAssociation:EipAssociation",
        "aws:ec2/instance:Instance",
        "aws:ec2/launchTemplate:LaunchTemplate",
    ),
    "ec2.live_compute": (
        "live:ec2:ebs_encryption_default",
        "live:ec2:instance",
        "live:ec2:launch_template",
        "live:ec2:volume",
    ),
    "ec2.live_network": (
        "live:ec2:subnet",
        "live:ec2:vpc",
    ),
    "ec2.live_sg": (
        "live:ec2:security_group",
    ),
    "ec2.network": (
        "aws:ec2/defaultRouteTable:DefaultRouteTable",
        "aws:ec2/defaultSubnet:DefaultSubnet",
        "aws:ec2/defaultVpc:DefaultVpc",
        "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway",
        "aws:ec2/eip:Eip",
        "aws:ec2/flowLog:FlowLog",
        "aws:ec2/internetGateway:InternetGateway",
        "aws:ec2/internetGatewayAttachment:InternetGatewayAttachment",
        "aws:ec2/mainRouteTableAssociation:MainRouteTableAssociation",
        "aws:ec2/natGateway:NatGateway",
        "aws:ec2/route:Route",
        "aws:ec2/routeTable:RouteTable",
        "aws:ec2/routeTableAssociation:RouteTableAssociation",
        "aws:ec2/subnet:Subnet",
        "aws:ec2/vpc:Vpc",
    ),
    "ec2.sg": (
        "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
        "aws:ec2/securityGroup:SecurityGroup",
        "aws:ec2/securityGroupRule:SecurityGroupRule",
        "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    ),
    "ecr": (
        "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration",
        "aws:ecr/repository:Repository",
        "aws:ecr/repositoryPolicy:RepositoryPolicy",
        "live:ecr:repository",
    ),
    "ecs.live": (
        "live:ecs:service",
    ),
    "ecs.planned": (
        "aws:ecs/service:Service",
    ),
    "ecs.task_definition": (
        "aws:ecs/taskDefinition:TaskDefinition",
        "live:ecs:task_definition",
    ),
    "efs": (
        "aws:efs/fileSystem:FileSystem",
        "live:efs:file_system",
    ),
    "elasticache": (
        "aws:elasticache/cluster:Cluster",
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "live:elasticache:replication_group",
    ),
    "elbv2.live": (
        "live:elbv2:listener",
        "live:elbv2:load_balancer",
    ),
    "elbv2.planned": (
        "aws:alb/listener:Listener",
        "aws:alb/listenerRule:ListenerRule",
        "aws:alb/loadBalancer:LoadBalancer",
        "aws:lb/listener:Listener",
        "aws:lb/listenerRule:ListenerRule",
        "aws:lb/loadBalancer:LoadBalancer",
    ),
    "iam.live": (
        "live:iam:password_policy",
        "live:iam:user",
    ),
    "iam.live_roles": (
        "live:iam:policy",
        "live:iam:role",
    ),
    "iam.planned": (
        "aws:iam/accessKey:AccessKey",
        "aws:iam/accountPasswordPolicy:AccountPasswordPolicy",
        "aws:iam/user:User",
        "aws:iam/userLoginProfile:UserLoginProfile",
        "aws:iam/virtualMfaDevice:VirtualMfaDevice",
    ),
    "iam.roles": (
        "aws:iam/policy:Policy",
        "aws:iam/policyAttachment:PolicyAttachment",
        "aws:iam/role:Role",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    ),
    "kinesis": (
        "aws:kinesis/stream:Stream",
        "live:kinesis:stream",
    ),
    "kms.live": (
        "live:kms:key",
    ),
    "kms.planned": (
        "aws:kms/alias:Alias",
        "aws:kms/externalKey:ExternalKey",
        "aws:kms/key:Key",
        "aws:kms/keyPolicy:KeyPolicy",
    ),
    "lambda_": (
        "aws:lambda/function:Function",
        "live:lambda:function",
    ),
    "logging.live": (
        "live:cloudtrail:trail",
        "live:logs:log_group",
    ),
    "logging.planned": (
        "aws:cloudtrail/trail:Trail",
        "aws:cloudwatch/logGroup:LogGroup",
    ),
    "opensearch": (
        "aws:elasticsearch/domain:Domain",
        "aws:opensearch/domain:Domain",
        "live:opensearch:domain",
    ),
    "rds.live": (
        "live:rds:db_cluster",
        "live:rds:db_instance",
    ),
    "rds.planned": (
        "aws:rds/cluster:Cluster",
        "aws:rds/clusterInstance:ClusterInstance",
        "aws:rds/instance:Instance",
    ),
    "s3.account": (
        "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock",
    ),
    "s3.live": (
        "live:s3:account_public_access_block",
        "live:s3:bucket",
    ),
    "s3.planned": (
        "aws:s3/bucket:Bucket",
        "aws:s3/bucketAcl:BucketAcl",
        "aws:s3/bucketAclV2:BucketAclV2",
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
        "aws:s3/bucketLogging:BucketLogging",
        "aws:s3/bucketLoggingV2:BucketLoggingV2",
        "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
        "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2",
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
        "aws:s3/bucketPolicy:BucketPolicy",
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
        "aws:s3/bucketV2:BucketV2",
        "aws:s3/bucketVersioning:BucketVersioning",
        "aws:s3/bucketVersioningV2:BucketVersioningV2",
    ),
    "secretsmanager": (
        "aws:secretsmanager/secret:Secret",
        "aws:secretsmanager/secretRotation:SecretRotation",
        "live:secretsmanager:secret",
    ),
    "snapshots": (
        "aws:ebs/snapshot:Snapshot",
        "aws:ebs/snapshotBlockPublicAccess:SnapshotBlockPublicAccess",
        "aws:ebs/snapshotCopy:SnapshotCopy",
        "aws:ebs/snapshotImport:SnapshotImport",
        "aws:ec2/ami:Ami",
        "aws:ec2/amiCopy:AmiCopy",
        "aws:ec2/amiFromInstance:AmiFromInstance",
        "aws:ec2/amiLaunchPermission:AmiLaunchPermission",
        "aws:ec2/snapshotCreateVolumePermission:SnapshotCreateVolumePermission",
        "aws:rds/clusterSnapshot:ClusterSnapshot",
        "aws:rds/clusterSnapshotCopy:ClusterSnapshotCopy",
        "aws:rds/snapshot:Snapshot",
        "aws:rds/snapshotCopy:SnapshotCopy",
        "live:ec2:image",
        "live:ec2:snapshot",
        "live:rds:db_snapshot",
    ),
    "sns": (
        "aws:sns/topic:Topic",
        "live:sns:topic",
    ),
    "sqs": (
        "aws:sqs/queue:Queue",
        "live:sqs:queue",
    ),
}

_MODULE_OF: dict[str, str] = {}


def module_of(token: str) -> str | None:
    """The module (full name) that registers `token`, or None when no normalizer reads it."""
    if not _MODULE_OF:
        _MODULE_OF.update({token: f"checks.normalize.{module}" for module, tokens in BY_MODULE.items()
                           for token in tokens})
    return _MODULE_OF.get(token)


def modules_for(tokens: Iterable[str]) -> list[str]:
    """The modules to import for raw resources of `tokens` (each once, in name order; unknown tokens need none)."""
    return sorted({m for m in map(module_of, tokens) if m is not None})


def import_for(tokens: Iterable[str]) -> None:
    """Import the normalizers of `tokens` (each registers what it reads); a token no normalizer reads needs none."""
    for module in modules_for(tokens):
        importlib.import_module(module)
