"""A legacy AWS estate in which every control of clearance fails at least once.

It looks like a real stack (a VPC with public and private tiers, a load balancer in front of ECS and EC2, RDS,
DynamoDB, S3, KMS, AWS Backup, CloudTrail and the account settings), and most of it is compliant; the resources
that are not carry a comment `FAILS <control ids>: why`, directly above the line that declares them, which is the
file:line clearance reports. tests/e2e/test_noncompliant.py holds the exact list of failures.

Seven controls need a fact this planned view cannot show:
- IAM-02 (access keys older than 90 days): a key the program creates is new; `state.json`, the identity part of
  this stack's `pulumi stack export` ten months after deployment, shows the old key of `ci-deploy`.
- IAM-03 (console users without MFA): users enrol MFA devices themselves, so it is unknown here and in state.
- KEY-03 (keys pending deletion): deletion is scheduled outside the program; only a live scan sees it.
- IAM-06, IAM-07 (the root user's MFA and access keys): no program declares the root user.
- NET-15 (public EBS snapshots): the provider cannot share a snapshot with everyone.
- IAM-11 (credentials unused for 45 days): when a credential was last used is known only live.
"""

import json

import pulumi
import pulumi_aws as aws

from documents import assume_role_policy, bucket_policy, key_policy

config = pulumi.Config()
env = config.require("env")
account_id = config.require("accountId")
region = aws.config.region or "eu-west-1"
prefix = f"nc-{env}"
tags = {"env": env, "owner": "platform"}
backed_up = {**tags, "backup": "nightly"}  # the backup selection picks resources by this tag

# ---------------------------------------------------------------- KMS keys

data_key = aws.kms.Key("data", description="customer data", enable_key_rotation=True,
                       policy=key_policy(account_id), tags=tags)
# FAILS KEY-01: automatic rotation left off
legacy_key = aws.kms.Key("legacy", description="imported from the old account", tags=tags)
# FAILS KEY-02: "shared with partners": any AWS principal may decrypt, without a condition
shared_key = aws.kms.Key("shared", description="partner exchange", enable_key_rotation=True, tags=tags,
                         policy=key_policy(account_id, {"Sid": "PartnersDecrypt", "Effect": "Allow",
                                                        "Principal": {"AWS": "*"}, "Action": "kms:Decrypt",
                                                        "Resource": "*"}))

# ---------------------------------------------------------------- network

vpc = aws.ec2.Vpc("main", cidr_block="10.20.0.0/16", enable_dns_hostnames=True, tags={**tags, "Name": f"{prefix}-main"})
aws.ec2.DefaultSecurityGroup("main-default", vpc_id=vpc.id, tags=tags)  # adopted with no rules
igw = aws.ec2.InternetGateway("main", vpc_id=vpc.id, tags=tags)
public_rt = aws.ec2.RouteTable("public", vpc_id=vpc.id, routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": igw.id}],
                               tags=tags)
public_a = aws.ec2.Subnet("public-a", vpc_id=vpc.id, cidr_block="10.20.0.0/24", availability_zone="eu-west-1a",
                          map_public_ip_on_launch=True, tags={**tags, "tier": "public"})
public_b = aws.ec2.Subnet("public-b", vpc_id=vpc.id, cidr_block="10.20.1.0/24", availability_zone="eu-west-1b",
                          map_public_ip_on_launch=True, tags={**tags, "tier": "public"})
for name, subnet in (("public-a", public_a), ("public-b", public_b)):
    aws.ec2.RouteTableAssociation(name, subnet_id=subnet.id, route_table_id=public_rt.id)
nat_ip = aws.ec2.Eip("nat", domain="vpc", tags=tags)
nat = aws.ec2.NatGateway("nat", subnet_id=public_a.id, allocation_id=nat_ip.id, tags=tags)
private_rt = aws.ec2.RouteTable("private", vpc_id=vpc.id, routes=[{"cidr_block": "0.0.0.0/0",
                                                                   "nat_gateway_id": nat.id}], tags=tags)
private_a = aws.ec2.Subnet("private-a", vpc_id=vpc.id, cidr_block="10.20.10.0/24", availability_zone="eu-west-1a",
                           tags={**tags, "tier": "private"})
private_b = aws.ec2.Subnet("private-b", vpc_id=vpc.id, cidr_block="10.20.11.0/24", availability_zone="eu-west-1b",
                           tags={**tags, "tier": "private"})
for name, subnet in (("private-a", private_a), ("private-b", private_b)):
    aws.ec2.RouteTableAssociation(name, subnet_id=subnet.id, route_table_id=private_rt.id)
# FAILS NET-01: tagged private, but associated with the public route table (0.0.0.0/0 -> internet gateway)
private_c = aws.ec2.Subnet("private-c", vpc_id=vpc.id, cidr_block="10.20.12.0/24", availability_zone="eu-west-1c",
                           tags={**tags, "tier": "private"})
aws.ec2.RouteTableAssociation("private-c", subnet_id=private_c.id, route_table_id=public_rt.id)

flow_logs_role = aws.iam.Role("flow-logs", assume_role_policy=assume_role_policy("vpc-flow-logs.amazonaws.com"),
                              tags=tags)
flow_log_group = aws.cloudwatch.LogGroup("flow-logs", retention_in_days=365, kms_key_id=data_key.arn, tags=tags)
aws.ec2.FlowLog("main", vpc_id=vpc.id, traffic_type="ALL", log_destination=flow_log_group.arn,
                iam_role_arn=flow_logs_role.arn, tags=tags)

# the VPC of the previous generation, still running batch jobs
# FAILS LOG-03, NET-11: its flow log captures accepted traffic only; its default security group keeps rules
legacy_vpc = aws.ec2.Vpc("legacy", cidr_block="10.99.0.0/16", tags={**tags, "Name": f"{prefix}-legacy"})
aws.ec2.FlowLog("legacy", vpc_id=legacy_vpc.id, traffic_type="ACCEPT", log_destination=flow_log_group.arn,
                iam_role_arn=flow_logs_role.arn, tags=tags)
# FAILS NET-04: the adopted default security group still admits all traffic from its members
aws.ec2.DefaultSecurityGroup("legacy-default", vpc_id=legacy_vpc.id, tags=tags, ingress=[
    {"protocol": "-1", "from_port": 0, "to_port": 0, "self": True}])

# ---------------------------------------------------------------- security groups (rules reviewed in
# security-group-reviews.yaml, except those of `admin`)
# FAILS NET-02, NET-10: the load balancer's group is also the bastion's and the Fargate tasks' (cases_firewall.py)
alb_sg = aws.ec2.SecurityGroup("alb", vpc_id=vpc.id, description="load balancer", tags=tags, ingress=[
    {"protocol": "tcp", "from_port": port, "to_port": port, "cidr_blocks": ["0.0.0.0/0"]} for port in (443, 80)
], egress=[{"protocol": "tcp", "from_port": 8080, "to_port": 8080, "cidr_blocks": ["10.20.0.0/16"]}])
# FAILS NET-10: admits the load balancer's group, which the bastion and the Fargate tasks share
app_sg = aws.ec2.SecurityGroup("app", vpc_id=vpc.id, description="application containers", tags=tags,
                               egress=[{"protocol": "tcp", "from_port": 443, "to_port": 443,
                                        "cidr_blocks": ["0.0.0.0/0"]}])
aws.vpc.SecurityGroupIngressRule("app-from-alb", security_group_id=app_sg.id, referenced_security_group_id=alb_sg.id,
                                 ip_protocol="tcp", from_port=8080, to_port=8080)
# FAILS NET-10: application servers admit the whole VPC range, not only the load balancer's group
worker_sg = aws.ec2.SecurityGroup("worker", vpc_id=vpc.id, description="batch workers", tags=tags, ingress=[
    {"protocol": "tcp", "from_port": 8080, "to_port": 8080, "cidr_blocks": ["10.20.0.0/16"]}])
db_sg = aws.ec2.SecurityGroup("db", vpc_id=vpc.id, description="databases", tags=tags)
aws.vpc.SecurityGroupIngressRule("db-from-app", security_group_id=db_sg.id, referenced_security_group_id=app_sg.id,
                                 ip_protocol="tcp", from_port=5432, to_port=5432)
# FAILS FW-01, NET-02, NET-03: SSH from anywhere, added for a debugging session and never reviewed
admin_sg = aws.ec2.SecurityGroup("admin", vpc_id=vpc.id, description="temporary admin access", tags=tags, ingress=[
    {"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_blocks": ["0.0.0.0/0"]}])

# ---------------------------------------------------------------- load balancer

# FAILS LOG-04: no access logs
alb = aws.lb.LoadBalancer("web", load_balancer_type="application", security_groups=[alb_sg.id],
                          subnets=[public_a.id, public_b.id], drop_invalid_header_fields=True, tags=tags)
target_group = aws.lb.TargetGroup("web", port=8080, protocol="HTTP", target_type="ip", vpc_id=vpc.id, tags=tags)
# FAILS TLS-01: plain HTTP is forwarded to the application instead of redirected to HTTPS
aws.lb.Listener("http", load_balancer_arn=alb.arn, port=80, protocol="HTTP",
                default_actions=[{"type": "forward", "target_group_arn": target_group.arn}])
# FAILS TLS-02: ELBSecurityPolicy-2016-08 still accepts TLS 1.0
aws.lb.Listener("https", load_balancer_arn=alb.arn, port=443, protocol="HTTPS", ssl_policy="ELBSecurityPolicy-2016-08",
                certificate_arn=f"arn:aws:acm:{region}:{account_id}:certificate/0f6e9b52-3c1d-4a8e-9f7b-2d5c8a1e4b60",
                default_actions=[{"type": "forward", "target_group_arn": target_group.arn}])

# ---------------------------------------------------------------- compute

repository = aws.ecr.Repository("web", image_scanning_configuration={"scan_on_push": True}, encryption_configurations=[
    {"encryption_type": "KMS", "kms_key": data_key.arn}], image_tag_mutability="IMMUTABLE", tags=tags)
# FAILS VUL-01: images are not scanned on push
aws.ecr.Repository("tools", image_tag_mutability="IMMUTABLE", tags=tags, encryption_configurations=[
    {"encryption_type": "KMS", "kms_key": data_key.arn}])
# FAILS ENC-06: images encrypted with S3-managed keys (AES256), not a customer-managed key
aws.ecr.Repository("jobs", image_scanning_configuration={"scan_on_push": True}, image_tag_mutability="IMMUTABLE",
                   tags=tags)

cluster = aws.ecs.Cluster("main", tags=tags)
task_role = aws.iam.Role("task", assume_role_policy=assume_role_policy("ecs-tasks.amazonaws.com"), tags=tags)
task = aws.ecs.TaskDefinition(
    "web", family=f"{prefix}-web", cpu="256", memory="512", network_mode="awsvpc", requires_compatibilities=["FARGATE"],
    execution_role_arn=task_role.arn, task_role_arn=task_role.arn,
    container_definitions=repository.repository_url.apply(lambda url: json.dumps([{
        "name": "web", "image": f"{url}:2026.11.23", "portMappings": [{"containerPort": 8080}], "essential": True}])),
)
# FAILS NET-08: tasks in a public subnet with public IPs (to pull images without a NAT gateway)
aws.ecs.Service("web", cluster=cluster.arn, task_definition=task.arn, desired_count=2, launch_type="FARGATE",
                network_configuration={"subnets": [public_a.id, public_b.id], "security_groups": [app_sg.id],
                                       "assign_public_ip": True},
                load_balancers=[{"target_group_arn": target_group.arn, "container_name": "web",
                                 "container_port": 8080}], tags=tags)

ami = "ami-0c1f2d3e4b5a69788"
imdsv2 = {"http_tokens": "required", "http_endpoint": "enabled"}
# FAILS NET-05, NET-09: a public IP in a public subnet, in the load balancer's group that admits the internet
aws.ec2.Instance("bastion", ami=ami, instance_type="t3.micro", subnet_id=public_a.id, associate_public_ip_address=True,
                 vpc_security_group_ids=[alb_sg.id], metadata_options=imdsv2, tags=tags)
# FAILS VUL-02: IMDSv1 left on (no metadata options)
aws.ec2.Instance("worker", ami=ami, instance_type="t3.small", subnet_id=private_a.id,
                 vpc_security_group_ids=[worker_sg.id], tags=tags)
# FAILS NET-06: every instance launched from this template gets a public IP
aws.ec2.LaunchTemplate("batch", image_id=ami, instance_type="c6i.large", metadata_options=imdsv2, tags=tags,
                       network_interfaces=[{"associate_public_ip_address": "true", "security_groups": [app_sg.id]}])
# FAILS VUL-03: IMDSv1 left on (no metadata options)
aws.ec2.LaunchTemplate("legacy-batch", image_id=ami, instance_type="c5.large", vpc_security_group_ids=[app_sg.id],
                       tags=tags)

# FAILS ENC-14, LOG-01, LOG-07, LOG-08, LOG-09: on, but under the AWS-managed aws/ebs key (no DefaultKmsKey); the
# first account setting declared, so the region's own results are placed here: no trail logs it from every
# region (LOG-01), and no GuardDuty detector, AWS Config recorder or Security Hub watches it (LOG-07..09)
aws.ebs.EncryptionByDefault("account")
aws.ebs.Volume("data", availability_zone="eu-west-1a", size=100, type="gp3", encrypted=True, kms_key_id=data_key.arn,
               tags=tags)
# FAILS ENC-07: encrypted under the AWS-managed aws/ebs key
aws.ebs.Volume("scratch", availability_zone="eu-west-1a", size=500, type="gp3", encrypted=True, tags=tags)

# ---------------------------------------------------------------- databases

db_subnets = aws.rds.SubnetGroup("db", subnet_ids=[private_a.id, private_b.id], tags=tags)
db_defaults = {"engine": "postgres", "engine_version": "16.4", "instance_class": "db.t4g.medium",
               "allocated_storage": 50, "username": "app", "manage_master_user_password": True,
               "db_subnet_group_name": db_subnets.name, "vpc_security_group_ids": [db_sg.id],
               "skip_final_snapshot": True, "deletion_protection": True}
# FAILS ENC-09: storage encrypted under the AWS-managed aws/rds key
aws.rds.Instance("orders", storage_encrypted=True, backup_retention_period=7, tags=backed_up, **db_defaults)
# FAILS NET-07, BAK-05: opened to the internet for a BI tool, and left out of the backup plan (no backup tag)
aws.rds.Instance("analytics", storage_encrypted=True, kms_key_id=data_key.arn, backup_retention_period=7,
                 publicly_accessible=True, tags=tags, **db_defaults)
# FAILS BAK-03: automated backups kept for one day only
aws.rds.Instance("reporting", storage_encrypted=True, kms_key_id=data_key.arn, backup_retention_period=1,
                 tags=backed_up, **db_defaults)

cluster_defaults = {"engine": "aurora-postgresql", "engine_version": "16.4", "master_username": "app",
                    "manage_master_user_password": True, "db_subnet_group_name": db_subnets.name,
                    "vpc_security_group_ids": [db_sg.id], "skip_final_snapshot": True, "deletion_protection": True}
# FAILS BAK-04, BAK-06: backup retention left at the 1-day default, and left out of the backup plan
ledger = aws.rds.Cluster("ledger", storage_encrypted=True, kms_key_id=data_key.arn, tags=tags, **cluster_defaults)
aws.rds.ClusterInstance("ledger-1", cluster_identifier=ledger.id, engine="aurora-postgresql",
                        instance_class="db.r6g.large", db_subnet_group_name=db_subnets.name, tags=tags)
# FAILS ENC-10: storage not encrypted
aws.rds.Cluster("events", backup_retention_period=14, tags=backed_up, **cluster_defaults)

# FAILS ENC-02: encrypted with the DynamoDB-owned key
aws.dynamodb.Table("sessions", billing_mode="PAY_PER_REQUEST", hash_key="id", attributes=[{"name": "id", "type": "S"}],
                   point_in_time_recovery={"enabled": True, "recovery_period_in_days": 30}, tags=backed_up)
# FAILS BAK-07, BAK-08: not selected by any backup plan (no backup tag), and no point-in-time recovery
aws.dynamodb.Table("audit-events", billing_mode="PAY_PER_REQUEST", hash_key="id", attributes=[{"name": "id",
                   "type": "S"}], server_side_encryption={"enabled": True, "kms_key_arn": data_key.arn}, tags=tags)

# ---------------------------------------------------------------- backups

backup_role = aws.iam.Role("backup", assume_role_policy=assume_role_policy("backup.amazonaws.com"), tags=tags)
primary_vault = aws.backup.Vault("primary", name=f"{prefix}-primary", kms_key_arn=data_key.arn, tags=tags)
# FAILS ENC-03, BAK-10: recovery points encrypted with the AWS-managed aws/backup key; no vault lock bounds retention
archive_vault = aws.backup.Vault("archive", name=f"{prefix}-archive", tags=tags)
nightly = aws.backup.Plan("nightly", name=f"{prefix}-nightly", tags=tags, rules=[{
    "rule_name": "nightly", "target_vault_name": primary_vault.name, "schedule": "cron(0 1 * * ? *)",
    "lifecycle": {"delete_after": 30}}])
aws.backup.Selection("nightly", name=f"{prefix}-tagged", plan_id=nightly.id, iam_role_arn=backup_role.arn,
                     selection_tags=[{"type": "STRINGEQUALS", "key": "backup", "value": "nightly"}])
# FAILS BAK-01: runs once a week
aws.backup.Plan("weekly", name=f"{prefix}-weekly", tags=tags, rules=[{
    "rule_name": "weekly", "target_vault_name": primary_vault.name, "schedule": "cron(0 3 ? * SUN *)",
    "lifecycle": {"delete_after": 90}}])
# FAILS BAK-02: writes to the archive vault, which no restore testing plan tests
aws.backup.Plan("archive", name=f"{prefix}-archive", tags=tags, rules=[{
    "rule_name": "nightly", "target_vault_name": archive_vault.name, "schedule": "cron(0 2 * * ? *)",
    "lifecycle": {"delete_after": 30}}])
restore_tests = aws.backup.RestoreTestingPlan(
    "weekly", name=f"{prefix.replace('-', '_')}_weekly", schedule_expression="cron(0 6 ? * SUN *)",
    recovery_point_selection={"algorithm": "LATEST_WITHIN_WINDOW", "include_vaults": [primary_vault.arn],
                              "recovery_point_types": ["SNAPSHOT"]}, tags=tags)
aws.backup.RestoreTestingSelection("weekly-rds", name="rds", restore_testing_plan_name=restore_tests.name,
                                   protected_resource_type="RDS", protected_resource_arns=["*"],
                                   iam_role_arn=backup_role.arn)

# ---------------------------------------------------------------- storage


def bucket_defaults(name: str, bucket: aws.s3.Bucket, *, policy: str | None = None) -> None:
    """SSE-KMS under the data key and a bucket policy that denies plain HTTP (unless `policy` says otherwise)."""
    aws.s3.BucketServerSideEncryptionConfiguration(name, bucket=bucket.id, rules=[{
        "apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms", "kms_master_key_id": data_key.arn},
        "bucket_key_enabled": True}])
    aws.s3.BucketPolicy(name, bucket=bucket.id, policy=policy or bucket_policy(f"{prefix}-{name}"))


# FAILS RET-01: customer data kept for 90 days (the statement promises 30)
uploads = aws.s3.Bucket("uploads", bucket=f"{prefix}-uploads", tags={**tags, "data": "customer"})
bucket_defaults("uploads", uploads)
aws.s3.BucketLifecycleConfiguration("uploads", bucket=uploads.id, rules=[{
    "id": "expire", "status": "Enabled", "filter": {}, "expiration": {"days": 90},
    "noncurrent_version_expiration": {"noncurrent_days": 7}}])
# FAILS S3-01: Block Public Access turned off to serve a static site
assets = aws.s3.Bucket("assets", bucket=f"{prefix}-assets", tags=tags)
bucket_defaults("assets", assets)
aws.s3.BucketPublicAccessBlock("assets", bucket=assets.id, block_public_acls=True, ignore_public_acls=True)
# FAILS S3-02: the partner policy has no statement that denies plain HTTP
partner_drop = aws.s3.Bucket("partner-drop", bucket=f"{prefix}-partner-drop", tags=tags)
bucket_defaults("partner-drop", partner_drop, policy=bucket_policy(f"{prefix}-partner-drop", {
    "Sid": "PartnerWrites", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
    "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{prefix}-partner-drop/*"}, deny_insecure_transport=False))
# FAILS ENC-01: the deprecated BucketV2 with inline SSE-S3 (AES256) encryption
reports = aws.s3.BucketV2("reports", bucket=f"{prefix}-reports", tags=tags, server_side_encryption_configurations=[{
    "rules": [{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}]}])
aws.s3.BucketPolicy("reports", bucket=reports.id, policy=bucket_policy(f"{prefix}-reports"))
# FAILS S3-03: the account-level settings let bucket policies make buckets public
aws.s3.AccountPublicAccessBlock("account", block_public_acls=True, ignore_public_acls=True)

# ---------------------------------------------------------------- logs, secrets, audit

# FAILS LOG-02: application logs kept for 14 days
aws.cloudwatch.LogGroup("app", retention_in_days=14, kms_key_id=data_key.arn, tags=tags)
# FAILS ENC-04: no KMS key
aws.cloudwatch.LogGroup("exports", retention_in_days=365, tags=tags)
# FAILS ENC-05, SEC-01: encrypted with the AWS-managed aws/secretsmanager key, and never rotated
aws.secretsmanager.Secret("partner-tokens", description="OAuth tokens of the partner integrations", tags=tags)

trail_bucket = aws.s3.Bucket("trail", bucket=f"{prefix}-trail", tags=tags)
bucket_defaults("trail", trail_bucket, policy=bucket_policy(
    f"{prefix}-trail",
    {"Sid": "CloudTrailAclCheck", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
     "Action": "s3:GetBucketAcl", "Resource": f"arn:aws:s3:::{prefix}-trail"},
    {"Sid": "CloudTrailWrite", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
     "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{prefix}-trail/AWSLogs/{account_id}/*",
     "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}}))
# records this region only, so it does not log the region for LOG-01 (which fails at the account settings above)
aws.cloudtrail.Trail("audit", s3_bucket_name=trail_bucket.id, is_multi_region_trail=False,
                     enable_log_file_validation=True, kms_key_id=data_key.arn, tags=tags)

# ---------------------------------------------------------------- identity

# FAILS IAM-01, IAM-04, IAM-05: 8 characters (CIS 1.8), reuse allowed (CIS 1.9), passwords never expire
aws.iam.AccountPasswordPolicy("account", minimum_password_length=8, require_numbers=True)
# console user: whether she has MFA is only known live (IAM-03)
alice = aws.iam.User("alice", name="alice", tags=tags)
aws.iam.UserLoginProfile("alice", user=alice.name, password_reset_required=True)
# CI user: its access key is new here; state.json shows it 10 months later (IAM-02)
ci_deploy = aws.iam.User("ci-deploy", name="ci-deploy", tags=tags)
aws.iam.AccessKey("ci-deploy", user=ci_deploy.name)

pulumi.export("load_balancer_dns_name", alb.dns_name)

# FAILS NET-12: a Multi-AZ DB cluster (not Aurora) with endpoints on public addresses
aws.rds.Cluster("metrics", engine="postgres", engine_version="16.4", db_cluster_instance_class="db.m6gd.large",
                storage_type="io1", allocated_storage=100, iops=1000, master_username="app",
                manage_master_user_password=True, db_subnet_group_name=db_subnets.name,
                vpc_security_group_ids=[db_sg.id], skip_final_snapshot=True, storage_encrypted=True,
                kms_key_id=data_key.arn, backup_retention_period=14, publicly_accessible=True, deletion_protection=True,
                tags=backed_up)

# ---------------------------------------------------------------- more cases, one file per area of the catalog
import cases_backup  # noqa: E402
import cases_compute  # noqa: E402
import cases_datastores  # noqa: E402
import cases_firewall  # noqa: E402
import cases_frameworks  # noqa: E402
import cases_identity  # noqa: E402
import cases_keys  # noqa: E402
import cases_load_balancing  # noqa: E402
import cases_messaging  # noqa: E402
import cases_scope  # noqa: E402
import cases_snapshots  # noqa: E402
import cases_storage  # noqa: E402
import cases_workloads  # noqa: E402

for cases in (cases_backup, cases_compute, cases_firewall, cases_frameworks, cases_keys, cases_load_balancing,
              cases_messaging, cases_snapshots,
              cases_scope, cases_storage, cases_identity, cases_datastores, cases_workloads):
    cases.declare(globals())
