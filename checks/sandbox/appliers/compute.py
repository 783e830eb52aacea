"""Application-tier appliers: ACM certificates, ALBs (load balancers, target groups, listeners), ECR repositories
and ECS clusters, task definitions and services."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from checks.sandbox.context import Applier, ApplyContext, Outputs, drop_none, tag_list
from checks.sandbox.interfaces import ecs_interface


def certificate(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    acm = ctx.client("acm")
    tags = tag_list(props)
    if props.get("certificateBody"):
        arn = acm.import_certificate(Certificate=props["certificateBody"].encode(),
                                     PrivateKey=str(props.get("privateKey", "")).encode(),
                                     **drop_none(CertificateChain=props.get("certificateChain", "").encode() or None,
                                                 Tags=tags or None))["CertificateArn"]
    else:
        arn = acm.request_certificate(
            DomainName=props["domainName"], **drop_none(
                ValidationMethod=props.get("validationMethod"), KeyAlgorithm=props.get("keyAlgorithm"),
                SubjectAlternativeNames=props.get("subjectAlternativeNames") or None,
                Tags=tags or None))["CertificateArn"]
    status = acm.describe_certificate(CertificateArn=arn)["Certificate"].get("Status")
    return arn, {"arn": arn, "status": status}


def certificate_validation(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    """A Pulumi-side wait for the DNS validation: nothing to create (moto issues the certificate by itself)."""
    return str(props["certificateArn"]), {}


def load_balancer(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    elb = ctx.client("elbv2")
    name = ctx.physical_name(props, max_len=32)
    tags = tag_list(props)
    lb = elb.create_load_balancer(
        Name=name, Subnets=list(props.get("subnets") or []), Scheme="internal" if props.get("internal")
        else "internet-facing", Type=props.get("loadBalancerType") or "application",
        **drop_none(SecurityGroups=list(props["securityGroups"]) if props.get("securityGroups") else None,
                    IpAddressType=props.get("ipAddressType"), Tags=tags or None))["LoadBalancers"][0]
    arn = lb["LoadBalancerArn"]
    attrs = {"deletion_protection.enabled": props.get("enableDeletionProtection"),
             "routing.http.drop_invalid_header_fields.enabled": props.get("dropInvalidHeaderFields"),
             "idle_timeout.timeout_seconds": props.get("idleTimeout")}
    logs = props.get("accessLogs") or {}
    if logs:
        attrs.update({"access_logs.s3.enabled": logs.get("enabled", True), "access_logs.s3.bucket": logs.get("bucket"),
                      "access_logs.s3.prefix": logs.get("prefix")})
    pairs = [{"Key": k, "Value": str(v).lower() if isinstance(v, bool) else str(v)}
             for k, v in attrs.items() if v is not None]
    if pairs:
        elb.modify_load_balancer_attributes(LoadBalancerArn=arn, Attributes=pairs)
    return arn, {"arn": arn, "name": name, "dnsName": lb.get("DNSName"), "zoneId": lb.get("CanonicalHostedZoneId"),
                 "arnSuffix": arn.split(":loadbalancer/", 1)[-1], "vpcId": lb.get("VpcId")}


HEALTH_CHECK_ARGS = (("protocol", "HealthCheckProtocol"), ("port", "HealthCheckPort"), ("path", "HealthCheckPath"),
                     ("interval", "HealthCheckIntervalSeconds"), ("timeout", "HealthCheckTimeoutSeconds"),
                     ("healthyThreshold", "HealthyThresholdCount"), ("unhealthyThreshold", "UnhealthyThresholdCount"),
                     ("enabled", "HealthCheckEnabled"))


def target_group(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    elb = ctx.client("elbv2")
    name = ctx.physical_name(props, max_len=32)
    health = props.get("healthCheck") or {}
    args = {api: (str(health[key]) if key == "port" else health[key])
            for key, api in HEALTH_CHECK_ARGS if health.get(key) is not None}
    if health.get("matcher"):
        args["Matcher"] = {"HttpCode": str(health["matcher"])}
    tags = tag_list(props)
    tg = elb.create_target_group(Name=name, **drop_none(
        Protocol=props.get("protocol"), Port=props.get("port"), VpcId=props.get("vpcId"),
        TargetType=props.get("targetType"), ProtocolVersion=props.get("protocolVersion"), Tags=tags or None),
        **args)["TargetGroups"][0]
    arn = tg["TargetGroupArn"]
    if props.get("deregistrationDelay") is not None:
        elb.modify_target_group_attributes(TargetGroupArn=arn, Attributes=[
            {"Key": "deregistration_delay.timeout_seconds", "Value": str(props["deregistrationDelay"])}])
    return arn, {"arn": arn, "name": name, "arnSuffix": arn.split(":", 5)[-1]}


def _action(action: Mapping[str, Any]) -> dict[str, Any]:
    kind = action["type"]
    out: dict[str, Any] = drop_none(Type=kind, Order=action.get("order"), TargetGroupArn=action.get("targetGroupArn"))
    redirect = action.get("redirect")
    if kind == "redirect" and redirect:
        out["RedirectConfig"] = drop_none(Protocol=redirect.get("protocol"), Port=redirect.get("port"),
                                          Host=redirect.get("host"), Path=redirect.get("path"),
                                          Query=redirect.get("query"), StatusCode=redirect["statusCode"])
    fixed = action.get("fixedResponse")
    if kind == "fixed-response" and fixed:
        out["FixedResponseConfig"] = drop_none(ContentType=fixed.get("contentType"),
                                               MessageBody=fixed.get("messageBody"), StatusCode=fixed.get("statusCode"))
    forward = action.get("forward")
    if kind == "forward" and forward and not out.get("TargetGroupArn"):
        out["ForwardConfig"] = {"TargetGroups": [drop_none(TargetGroupArn=t.get("arn"), Weight=t.get("weight"))
                                                 for t in forward.get("targetGroups") or []]}
    return out


def listener(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    tags = tag_list(props)
    created = ctx.client("elbv2").create_listener(
        LoadBalancerArn=props["loadBalancerArn"],
        DefaultActions=[_action(a) for a in props.get("defaultActions") or []],
        **drop_none(Protocol=props.get("protocol"), Port=props.get("port"), SslPolicy=props.get("sslPolicy"),
                    Certificates=[{"CertificateArn": props["certificateArn"]}] if props.get("certificateArn") else None,
                    AlpnPolicy=[props["alpnPolicy"]] if props.get("alpnPolicy") else None,
                    Tags=tags or None))["Listeners"][0]
    return created["ListenerArn"], {"arn": created["ListenerArn"], "sslPolicy": created.get("SslPolicy")}


def ecr_repository(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    name = ctx.physical_name(props, max_len=256).lower()
    encryption = (props.get("encryptionConfigurations") or [None])[0] or props.get("encryptionConfiguration")
    scanning = props.get("imageScanningConfiguration")
    tags = tag_list(props)
    repo = ctx.client("ecr").create_repository(repositoryName=name, **drop_none(
        imageTagMutability=props.get("imageTagMutability"),
        imageScanningConfiguration={"scanOnPush": bool(scanning.get("scanOnPush"))} if scanning else None,
        encryptionConfiguration=drop_none(encryptionType=encryption.get("encryptionType"),
                                          kmsKey=encryption.get("kmsKey")) if encryption else None,
        tags=tags or None))["repository"]
    return name, {"arn": repo["repositoryArn"], "name": name, "registryId": repo.get("registryId"),
                  "repositoryUrl": repo.get("repositoryUri")}


def ecr_lifecycle_policy(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    policy = props["policy"]
    text = policy if isinstance(policy, str) else json.dumps(policy)
    ctx.client("ecr").put_lifecycle_policy(repositoryName=props["repository"], lifecyclePolicyText=text)
    return str(props["repository"]), {}


def _ecs_tags(props: Mapping[str, Any]) -> list[dict[str, str]]:
    return tag_list(props, "key", "value")


def ecs_cluster(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    name = ctx.physical_name(props, max_len=255)
    cluster = ctx.client("ecs").create_cluster(clusterName=name, **drop_none(
        settings=list(props["settings"]) if props.get("settings") else None, tags=_ecs_tags(props) or None))["cluster"]
    return cluster["clusterArn"], {"arn": cluster["clusterArn"], "name": name}


def task_definition(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    containers = props["containerDefinitions"]
    if isinstance(containers, str):
        containers = json.loads(containers)
    platform = props.get("runtimePlatform")
    ecs = ctx.client("ecs")
    td = ecs.register_task_definition(family=props["family"], containerDefinitions=containers, **drop_none(
        taskRoleArn=props.get("taskRoleArn"), executionRoleArn=props.get("executionRoleArn"),
        networkMode=props.get("networkMode"), requiresCompatibilities=props.get("requiresCompatibilities"),
        cpu=str(props["cpu"]) if props.get("cpu") is not None else None,
        memory=str(props["memory"]) if props.get("memory") is not None else None,
        runtimePlatform=drop_none(operatingSystemFamily=platform.get("operatingSystemFamily"),
                                  cpuArchitecture=platform.get("cpuArchitecture")) if platform else None,
        tags=_ecs_tags(props) or None))["taskDefinition"]
    arn = td["taskDefinitionArn"]
    return props["family"], {"arn": arn, "revision": td.get("revision"), "arnWithoutRevision": arn.rsplit(":", 1)[0]}


def ecs_service(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    name = ctx.physical_name(props, max_len=255)
    network = props.get("networkConfiguration")
    breaker = props.get("deploymentCircuitBreaker")
    service = ctx.client("ecs").create_service(serviceName=name, **drop_none(
        cluster=props.get("cluster"), taskDefinition=props.get("taskDefinition"),
        desiredCount=props.get("desiredCount"), launchType=props.get("launchType"),
        platformVersion=props.get("platformVersion"), propagateTags=props.get("propagateTags"),
        enableExecuteCommand=props.get("enableExecuteCommand"),
        healthCheckGracePeriodSeconds=props.get("healthCheckGracePeriodSeconds"),
        networkConfiguration={"awsvpcConfiguration": drop_none(
            subnets=list(network.get("subnets") or []), securityGroups=list(network.get("securityGroups") or []),
            assignPublicIp="ENABLED" if network.get("assignPublicIp") else "DISABLED")} if network else None,
        loadBalancers=[drop_none(targetGroupArn=lb.get("targetGroupArn"), containerName=lb.get("containerName"),
                                 containerPort=lb.get("containerPort")) for lb in props["loadBalancers"]]
        if props.get("loadBalancers") else None,
        deploymentConfiguration={"deploymentCircuitBreaker": {"enable": bool(breaker.get("enable")),
                                                              "rollback": bool(breaker.get("rollback"))}}
        if breaker else None,
        tags=_ecs_tags(props) or None))["service"]
    if network:
        ecs_interface(ctx, list(network.get("subnets") or []), list(network.get("securityGroups") or []))
    return service["serviceArn"], {"name": name, "arn": service["serviceArn"]}


APPLIERS: dict[str, Applier] = {
    "aws:acm/certificate:Certificate": certificate,
    "aws:acm/certificateValidation:CertificateValidation": certificate_validation,
    **{f"aws:{mod}/loadBalancer:LoadBalancer": load_balancer for mod in ("lb", "alb")},
    **{f"aws:{mod}/targetGroup:TargetGroup": target_group for mod in ("lb", "alb")},
    **{f"aws:{mod}/listener:Listener": listener for mod in ("lb", "alb")},
    "aws:ecr/repository:Repository": ecr_repository,
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": ecr_lifecycle_policy,
    "aws:ecs/cluster:Cluster": ecs_cluster,
    "aws:ecs/taskDefinition:TaskDefinition": task_definition,
    "aws:ecs/service:Service": ecs_service,
}
