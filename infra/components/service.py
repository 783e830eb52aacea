"""The application: an ECS Fargate service in the private subnets, behind the load balancer.

Claims: "all application servers only reside in private subnets without public IP addresses", "Only Amazon
managed and maintained load balancers have ingress access to the application servers" and "Each application
instance is run in its own Docker container".

- Tasks run in the private subnets with `assign_public_ip=False`; their security group admits only the load
  balancer's group, on the container port.
- The container runs as a non-root user on a read-only root file system; its logs go to an encrypted log group.
- The partners' OAuth client credentials live in a Secrets Manager secret encrypted with the data key (its value
  is put there by a security officer, never by this program); the database is reached with IAM authentication.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.buckets import SecureBucket
from components.logs import log_group
from components.service_roles import DB_USER, execution_role, task_role
from components.settings import Settings

CONTAINER = "app"


class Service(pulumi.ComponentResource):
    def __init__(self, name: str, s: Settings, *, subnets: list[aws.ec2.Subnet], security_group: aws.ec2.SecurityGroup,
                 target_group: aws.lb.TargetGroup, listener: aws.lb.Listener, repository: aws.ecr.Repository,
                 db: aws.rds.Instance, bucket: SecureBucket, data_key: aws.kms.Key, logs_key: aws.kms.Key,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("aptly:app:Service", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        cluster = aws.ecs.Cluster("app", name=f"{s.prefix}-app",
                                  settings=[{"name": "containerInsights", "value": "enabled"}],
                                  tags=s.tags(), opts=child)
        logs = log_group("app-logs", f"/aptly/{s.env}/ecs/app", s, logs_key, child)
        secret = aws.secretsmanager.Secret(
            "oauth-clients", name=f"{s.prefix}/app/oauth-clients",
            description="OAuth client credentials of the partner APIs (Google, Microsoft, Box, Dropbox)",
            kms_key_id=data_key.arn, recovery_window_in_days=30, tags=s.tags(), opts=child)

        container = {
            "name": CONTAINER,
            "image": pulumi.Output.concat(repository.repository_url, ":", s.image_tag),
            "essential": True,
            "user": "10001:10001",
            "readonlyRootFilesystem": True,
            "portMappings": [{"containerPort": s.container_port, "protocol": "tcp"}],
            "environment": [
                {"name": "DB_HOST", "value": db.address},
                {"name": "DB_USER", "value": DB_USER},
                {"name": "DB_IAM_AUTH", "value": "true"},
                {"name": "DATA_BUCKET", "value": bucket.name},
            ],
            "secrets": [{"name": "OAUTH_CLIENTS", "valueFrom": secret.arn}],
            "logConfiguration": {"logDriver": "awslogs", "options": {
                "awslogs-group": logs.name, "awslogs-region": s.region, "awslogs-stream-prefix": CONTAINER}},
        }
        task = aws.ecs.TaskDefinition(
            "app", family=f"{s.prefix}-app", cpu="512", memory="1024", network_mode="awsvpc",
            requires_compatibilities=["FARGATE"],
            runtime_platform={"operating_system_family": "LINUX", "cpu_architecture": "ARM64"},
            execution_role_arn=execution_role(s, secret=secret, key=data_key, opts=child).arn,
            task_role_arn=task_role(s, db=db, bucket_arn=bucket.arn, key=data_key, opts=child).arn,
            container_definitions=pulumi.Output.json_dumps([container]), tags=s.tags(), opts=child)

        self.service = aws.ecs.Service(
            "app", name=f"{s.prefix}-app", cluster=cluster.arn, task_definition=task.arn, desired_count=2,
            launch_type="FARGATE", platform_version="LATEST",
            network_configuration={"subnets": [sn.id for sn in subnets], "security_groups": [security_group.id],
                                   "assign_public_ip": False},
            load_balancers=[{"target_group_arn": target_group.arn, "container_name": CONTAINER,
                             "container_port": s.container_port}],
            health_check_grace_period_seconds=60, enable_execute_command=False, propagate_tags="SERVICE",
            deployment_circuit_breaker={"enable": True, "rollback": True}, tags=s.tags(),
            # the target group must be attached to the load balancer before the service registers targets
            opts=pulumi.ResourceOptions(parent=self, depends_on=[listener]))
        self.register_outputs({"cluster": cluster.name, "service": self.service.name})
