"""A small web stack: some of it compliant, some of it not (see `make demo`)."""

import pulumi
import pulumi_aws as aws

config = pulumi.Config()
env = config.require("env")

# -- keys: one rotates, one does not
data_key = aws.kms.Key("data-key", description="customer data", enable_key_rotation=True, deletion_window_in_days=30)
logs_key = aws.kms.Key("logs-key", description="log archive")  # rotation left off

# -- network: a VPC with a public and a private subnet, and no flow logs
vpc = aws.ec2.Vpc("main", cidr_block="10.0.0.0/16", tags={"Name": f"{env}-main"})
igw = aws.ec2.InternetGateway("igw", vpc_id=vpc.id)
public_rt = aws.ec2.RouteTable("public", vpc_id=vpc.id, routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": igw.id}])
public = aws.ec2.Subnet("public-a", vpc_id=vpc.id, cidr_block="10.0.0.0/24", map_public_ip_on_launch=True)
aws.ec2.RouteTableAssociation("public-a", subnet_id=public.id, route_table_id=public_rt.id)
private = aws.ec2.Subnet("private-a", vpc_id=vpc.id, cidr_block="10.0.10.0/24")

# -- security groups: the load balancer's is fine, the app's lets SSH in from anywhere
lb_sg = aws.ec2.SecurityGroup(
    "lb", vpc_id=vpc.id, description="load balancer",
    ingress=[{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"]}],
    egress=[{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["10.0.0.0/16"]}],
)
app_sg = aws.ec2.SecurityGroup(
    "app", vpc_id=vpc.id, description="application servers",
    ingress=[
        {"protocol": "tcp", "from_port": 8080, "to_port": 8080, "security_groups": [lb_sg.id]},
        {"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_blocks": ["0.0.0.0/0"]},
    ],
)

# -- an application server in the public subnet, with IMDSv1 still allowed
web = aws.ec2.Instance(
    "web", ami="ami-0123456789abcdef0", instance_type="t3.micro", subnet_id=public.id,
    vpc_security_group_ids=[app_sg.id],
)

# -- an internet-facing load balancer: HTTP is served as is, HTTPS with a policy that still allows TLS 1.0
public_b = aws.ec2.Subnet("public-b", vpc_id=vpc.id, cidr_block="10.0.1.0/24", availability_zone="eu-west-1b")
aws.ec2.RouteTableAssociation("public-b", subnet_id=public_b.id, route_table_id=public_rt.id)
alb = aws.lb.LoadBalancer("web", load_balancer_type="application", security_groups=[lb_sg.id],
                          subnets=[public.id, public_b.id])
target = aws.lb.TargetGroup("web", port=8080, protocol="HTTP", vpc_id=vpc.id)
aws.lb.Listener("http", load_balancer_arn=alb.arn, port=80, protocol="HTTP",
                default_actions=[{"type": "forward", "target_group_arn": target.arn}])
aws.lb.Listener("https", load_balancer_arn=alb.arn, port=443, protocol="HTTPS",
                ssl_policy="ELBSecurityPolicy-2016-08",
                certificate_arn="arn:aws:acm:eu-west-1:123456789012:certificate/demo",
                default_actions=[{"type": "forward", "target_group_arn": target.arn}])

# -- storage: the documents bucket uses the data key, the uploads bucket only the S3 default
docs = aws.s3.Bucket("docs", tags={"data": "customer"})
aws.s3.BucketServerSideEncryptionConfiguration(
    "docs", bucket=docs.id,
    rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms",
                                                        "kms_master_key_id": data_key.arn}}],
)
aws.s3.BucketPublicAccessBlock(
    "docs", bucket=docs.id, block_public_acls=True, ignore_public_acls=True, block_public_policy=True,
    restrict_public_buckets=True,
)
uploads = aws.s3.Bucket("uploads")

# -- database: encrypted with the data key, but publicly accessible
db = aws.rds.Instance(
    "db", engine="postgres", instance_class="db.t3.micro", allocated_storage=20, username="app",
    password=config.get_secret("dbPassword") or pulumi.Output.secret("change-me-please"),
    storage_encrypted=True, kms_key_id=data_key.arn, publicly_accessible=True, backup_retention_period=7,
    skip_final_snapshot=True,
)

# -- logs kept forever, and an audit trail in one region only
aws.cloudwatch.LogGroup("app-logs", retention_in_days=0, kms_key_id=logs_key.arn)
trail_bucket = aws.s3.Bucket("trail")
aws.cloudtrail.Trail(
    "audit", s3_bucket_name=trail_bucket.id, is_multi_region_trail=False, enable_log_file_validation=True,
    kms_key_id=logs_key.arn,
)
