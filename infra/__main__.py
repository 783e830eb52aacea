"""Aptly's AWS estate, as described by its security statement, compliant by construction.

Each component backs claims of the statement (see README.md); `clearance check infra/` proves it before deployment.
"""

import pulumi

from components import settings as stack_settings
from components.account import AccountBaseline
from components.audit import Audit
from components.backup import Backup
from components.database import Database
from components.detection import Detection
from components.flow_logs import FlowLogs
from components.keys import Keys
from components.load_balancer import LoadBalancer
from components.network import Network
from components.registry import repository
from components.security_groups import SecurityGroups
from components.service import Service
from components.storage import access_log_bucket, customer_data_bucket

s = stack_settings.load()

keys = Keys("keys", s, trail_arn=s.trail_arn)
AccountBaseline("account", s, ebs_key=keys.platform)

network = Network("network", s)
FlowLogs("flow-logs", s, vpc=network.vpc, key=keys.logs)
groups = SecurityGroups("security-groups", s, vpc=network.vpc)

access_logs = access_log_bucket(s)
customer_data = customer_data_bucket(s, key=keys.data, access_logs=access_logs)
audit = Audit("audit", s, key=keys.logs, access_logs=access_logs, customer_data=customer_data)
Detection("detection", s, history_bucket=audit.bucket.bucket, key=keys.logs)

edge = LoadBalancer("edge", s, vpc=network.vpc, subnets=network.public_subnets, security_group=groups.alb,
                    access_logs=access_logs)
database = Database("database", s, subnets=network.private_subnets, security_group=groups.db, data_key=keys.data,
                    logs_key=keys.logs)
app = Service("app", s, subnets=network.private_subnets, security_group=groups.app, target_group=edge.target_group,
              listener=edge.https, repository=repository(s, key=keys.platform), db=database.instance,
              bucket=customer_data, data_key=keys.data, logs_key=keys.logs)
Backup("backup", s, key=keys.backup, db=database.instance, bucket=customer_data.bucket)

pulumi.export("url", f"https://{s.domain_name}")
pulumi.export("load_balancer_dns_name", edge.alb.dns_name)
pulumi.export("certificate_validation", edge.certificate_validation)
pulumi.export("database_endpoint", database.instance.address)
pulumi.export("customer_data_bucket", customer_data.name)
