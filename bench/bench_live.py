"""Live-scan benchmark: a sandbox account of N resources across the collected services, scanned with every control.

The sandbox runs as `clearance sandbox up` runs it: a moto server in its own process on 127.0.0.1. The estate is
created with boto3 (not timed), then `run_scan` is timed end to end: collection, normalization, evaluation.

Usage: python bench/bench_live.py [--resources 2000] [--max-workers 8] [--mix ec2-heavy|s3-heavy]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

for _var in [v for v in os.environ if v.startswith("AWS_ENDPOINT_URL")]:
    del os.environ[_var]


MIXES = ("ec2-heavy", "s3-heavy")


def build_estate(session: Any, resources: int, mix: str = "ec2-heavy") -> dict[str, int]:
    """Create about `resources` resources in units of 20.

    ec2-heavy (a typical application account): per unit a VPC, 3 subnets, 4 security groups with a rule each,
    3 instances, 2 EBS volumes, 2 log groups, a KMS key, an S3 bucket, a DynamoDB table, a secret, and in turn one
    of: a load balancer with a listener, an RDS instance, an IAM user with an access key, an ECR repository, a backup
    vault with a plan; plus an ECS service every 10 units and a CloudTrail trail every 25.
    s3-heavy (a data account, the worst case: S3 has no batch read of bucket settings, ~10 calls a bucket):
    per unit a VPC, 3 subnets, 4 security groups, 3 buckets, 2 KMS keys, 3 log groups, a table, a secret and an
    ECR repository.
    """
    counts: dict[str, int] = {}

    def add(kind: str, n: int = 1) -> None:
        counts[kind] = counts.get(kind, 0) + n

    ec2, kms, s3, logs = (session.client(s) for s in ("ec2", "kms", "s3", "logs"))
    ddb, sm, ecr = (session.client(s) for s in ("dynamodb", "secretsmanager", "ecr"))
    heavy_s3 = mix == "s3-heavy"
    for i in range(max(1, resources // 20)):
        vpc = ec2.create_vpc(CidrBlock=f"10.{i % 250}.0.0/16")["Vpc"]["VpcId"]
        add("vpc")
        subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{i % 250}.{j}.0/24",
                                     AvailabilityZone="us-east-1a" if j % 2 == 0 else "us-east-1b")
                   ["Subnet"]["SubnetId"] for j in range(3)]
        add("subnet", 3)
        groups = []
        for j in range(4):
            sg = ec2.create_security_group(GroupName=f"sg-{i}-{j}", Description="bench", VpcId=vpc)["GroupId"]
            ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[{
                "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                "IpRanges": [{"CidrIp": "0.0.0.0/0" if j == 0 else "10.0.0.0/8"}]}])
            groups.append(sg)
        add("security_group", 4)
        keys = []
        for j in range(2 if heavy_s3 else 1):
            key = kms.create_key(Description=f"bench {i}-{j}")["KeyMetadata"]["KeyId"]
            if j == 0:
                kms.enable_key_rotation(KeyId=key)
            keys.append(key)
        add("kms_key", len(keys))
        for j in range(3 if heavy_s3 else 1):
            bucket = f"bench-{i}-{j}"
            s3.create_bucket(Bucket=bucket)
            if j == 0:
                s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [
                    {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": keys[0]}}]})
        add("bucket", 3 if heavy_s3 else 1)
        for j in range(3 if heavy_s3 else 2):
            logs.create_log_group(logGroupName=f"/bench/{i}/{j}")
            if j:
                logs.put_retention_policy(logGroupName=f"/bench/{i}/{j}", retentionInDays=365)
        add("log_group", 3 if heavy_s3 else 2)
        if not heavy_s3:
            ec2.run_instances(ImageId="ami-12c6146b", InstanceType="t3.micro", MinCount=3, MaxCount=3,
                              SubnetId=subnets[1], SecurityGroupIds=groups[1:2],
                              MetadataOptions={"HttpTokens": "required" if i % 2 else "optional"})
            add("instance", 3)
            for _ in range(2):
                ec2.create_volume(AvailabilityZone="us-east-1a", Size=10, Encrypted=True)
            add("volume", 2)
            add(_rotating_extra(session, i, subnets, groups, f"bench-{i}-0"))
        ddb.create_table(TableName=f"bench-{i}", BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
        add("dynamodb_table")
        sm.create_secret(Name=f"bench/{i}", SecretString="x")
        add("secret")
        if heavy_s3:
            ecr.create_repository(repositoryName=f"bench-{i}", imageScanningConfiguration={"scanOnPush": i % 2 == 0})
            add("ecr_repository")
    return counts


def _rotating_extra(session: Any, i: int, subnets: list[str], groups: list[str], bucket: str) -> str:
    """One resource of the remaining services, in turn; an ECS service every 10 units, a trail every 25."""
    if i % 10 == 5:
        ecs = session.client("ecs")
        ecs.create_cluster(clusterName=f"bench-{i}")
        ecs.register_task_definition(family=f"bench-{i}", networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
                                     cpu="256", memory="512",
                                     containerDefinitions=[{"name": "app", "image": "nginx", "memory": 512}])
        ecs.create_service(cluster=f"bench-{i}", serviceName="app", taskDefinition=f"bench-{i}", desiredCount=1,
                           launchType="FARGATE", networkConfiguration={"awsvpcConfiguration": {
                               "subnets": subnets[1:2], "securityGroups": groups[1:2], "assignPublicIp": "DISABLED"}})
        return "ecs_service"
    if i % 25 == 0:
        session.client("cloudtrail").create_trail(Name=f"bench-{i}", S3BucketName=bucket, IsMultiRegionTrail=True)
        return "cloudtrail_trail"
    kind = i % 5
    if kind == 0:
        elb = session.client("elbv2")
        lb = elb.create_load_balancer(Name=f"bench-{i}", Subnets=subnets[:2], SecurityGroups=groups[:1])
        elb.create_listener(LoadBalancerArn=lb["LoadBalancers"][0]["LoadBalancerArn"], Protocol="HTTP", Port=80,
                            DefaultActions=[{"Type": "redirect", "RedirectConfig": {
                                "Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}])
        return "load_balancer"
    if kind == 1:
        session.client("rds").create_db_instance(
            DBInstanceIdentifier=f"bench-{i}", Engine="postgres", DBInstanceClass="db.t3.micro", AllocatedStorage=20,
            MasterUsername="app", MasterUserPassword="not-a-secret-1", StorageEncrypted=True,
            BackupRetentionPeriod=7, PubliclyAccessible=False)
        return "rds_instance"
    if kind == 2:
        iam = session.client("iam")
        iam.create_user(UserName=f"bench-{i}")
        iam.create_access_key(UserName=f"bench-{i}")
        return "iam_user"
    if kind == 3:
        session.client("ecr").create_repository(repositoryName=f"bench-{i}",
                                                imageScanningConfiguration={"scanOnPush": True})
        return "ecr_repository"
    backup = session.client("backup")
    backup.create_backup_vault(BackupVaultName=f"bench-{i}")
    backup.create_backup_plan(BackupPlan={"BackupPlanName": f"bench-{i}", "Rules": [{
        "RuleName": "nightly", "TargetBackupVaultName": f"bench-{i}", "ScheduleExpression": "cron(0 3 * * ? *)",
        "Lifecycle": {"DeleteAfterDays": 35}}]})
    return "backup_vault"


def main() -> None:
    from checks import tune_gc
    from checks.flows.scan import ScanRequest, run_scan
    from checks.sandbox import start_sandbox, stop_sandbox

    parser = argparse.ArgumentParser()
    parser.add_argument("--resources", type=int, default=2000)
    parser.add_argument("--max-workers", type=int, default=8)
    parser.add_argument("--mix", choices=MIXES, default="ec2-heavy")
    args = parser.parse_args()
    tune_gc()
    with tempfile.TemporaryDirectory() as tmp:
        info = start_sandbox(Path(tmp))
        try:
            t0 = time.perf_counter()
            counts = build_estate(info.session(), args.resources, args.mix)
            built = time.perf_counter() - t0
            t1 = time.perf_counter()
            report = run_scan(ScanRequest(session=info.session(), endpoint_url=info.endpoint,
                                          max_workers=args.max_workers))
            scanned = time.perf_counter() - t1
        finally:
            stop_sandbox(Path(tmp))
    calls = next((w for w in report.warnings if "API calls" in w), "")
    mix = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    print(f"estate ({args.mix}): {sum(counts.values())} resources ({mix}), built in {built:.1f} s")
    print(f"scan: {report.asset_count} assets, {len(report.findings)} findings, {len(report.controls)} controls, "
          f"{calls}; end to end {scanned:.1f} s with {args.max_workers} workers")


if __name__ == "__main__":
    main()
