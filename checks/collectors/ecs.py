"""ECS services of one account and region: list_clusters and list_services (paginated), describe_services in
batches of 10 (with their tags), and, for the subnets the services place tasks in, describe_subnets and
describe_route_tables (batch, filtered by subnet and VPC) so that the normalizer can tell whether a subnet
routes to an internet gateway, and describe_security_groups (batch, filtered by group id, and by VPC for the
default group of a service that names none) so that it can tell whether the tasks' groups admit the internet.

A failed list is a scan-level error; a failed describe_services is recorded on the services of that batch;
a failed subnet, route table or security group read on every service that has subnets (it decides
`in_public_subnet` and `reachable_from_internet`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from checks.collectors.answers import listed, well_formed
from checks.collectors.base import CollectResult, Scope, call, collector, paginate
from checks.live_types import ECS_SERVICE
from checks.model import SourceKind
from checks.raw import RawResource

OPERATIONS = ("ecs:ListClusters", "ecs:ListServices", "ecs:DescribeServices", "ec2:DescribeSubnets",
              "ec2:DescribeRouteTables", "ec2:DescribeSecurityGroups")
DESCRIBE_BATCH = 10  # DescribeServices takes at most 10 services
SERVICE_KEYS = ("serviceArn", "serviceName", "clusterArn", "launchType", "capacityProviderStrategy",
                "networkConfiguration", "loadBalancers", "desiredCount", "schedulingStrategy", "status")
TABLE_KEYS = ("RouteTableId", "VpcId", "Associations", "Routes")
GROUP_KEYS = ("GroupId", "GroupName", "VpcId", "IpPermissions")


@collector("ecs", OPERATIONS, types=(ECS_SERVICE,))
def collect(scope: Scope) -> CollectResult:
    ecs = scope.client("ecs")
    clusters, list_error = paginate(ecs, "list_clusters", "clusterArns")
    errors = listed(scope, "ecs:ListClusters", list_error, ECS_SERVICE)
    clusters, malformed = well_formed(scope, "ecs:ListClusters", clusters, (), ECS_SERVICE)
    errors += malformed
    found: list[tuple[dict[str, Any], dict[str, str]]] = []
    for cluster in clusters:
        arns, error = paginate(ecs, "list_services", "serviceArns", cluster=cluster)
        errors += listed(scope, "ecs:ListServices", error, ECS_SERVICE)  # one cluster's services are unknown
        arns, malformed = well_formed(scope, "ecs:ListServices", arns, (), ECS_SERVICE)
        errors += malformed
        for start in range(0, len(arns), DESCRIBE_BATCH):
            found.extend(_describe(ecs, cluster, arns[start:start + DESCRIBE_BATCH]))
    network = _network(scope, [s for svc, _ in found for s in _subnets(svc)])
    _groups(scope, network, [g for svc, _ in found if _subnets(svc) for g in _group_ids(svc)],
            any(_subnets(svc) and not _group_ids(svc) for svc, _ in found))
    resources = [_raw(scope, svc, errs, network) for svc, errs in found]
    return CollectResult(tuple(resources), tuple(errors))


def _describe(ecs: Any, cluster: str, arns: list[str]) -> list[tuple[dict[str, Any], dict[str, str]]]:
    outcome = call(ecs, "describe_services", cluster=cluster, services=arns, include=["TAGS"])
    if outcome.error or outcome.result is None:
        reason = outcome.error or "no answer"
        return [({"serviceArn": arn, "serviceName": arn.rsplit("/", 1)[-1], "clusterArn": cluster},
                 {"DescribeServices": reason}) for arn in arns]
    # a service listed a moment ago may be gone (failures: MISSING) or deleted (INACTIVE): not deployed any more
    return [(svc, {}) for svc in outcome.result.get("services", []) if svc.get("status") != "INACTIVE"]


def _subnets(service: Mapping[str, Any]) -> list[str]:
    awsvpc = (service.get("networkConfiguration") or {}).get("awsvpcConfiguration") or {}
    return list(awsvpc.get("subnets") or [])


def _group_ids(service: Mapping[str, Any]) -> list[str]:
    awsvpc = (service.get("networkConfiguration") or {}).get("awsvpcConfiguration") or {}
    return list(awsvpc.get("securityGroups") or [])


def _groups(scope: Scope, network: dict[str, Any], group_ids: list[str], need_default: bool) -> None:
    """Add {"groups": id -> group, "defaultGroups": VPC -> group} to `network`, or a DescribeSecurityGroups error."""
    network["groups"], network["defaultGroups"] = {}, {}
    if "DescribeSubnets" in network["errors"]:
        return  # the VPCs are not known: every service with subnets carries that error already
    ec2 = scope.client("ec2")
    found: list[dict[str, Any]] = []
    queries = []
    if group_ids:  # filters, not GroupIds: one deleted group must not fail the whole read
        queries.append([{"Name": "group-id", "Values": sorted(set(group_ids))}])
    vpcs = sorted(set(network["subnetVpcs"].values()))
    if need_default and vpcs:
        queries.append([{"Name": "vpc-id", "Values": vpcs}, {"Name": "group-name", "Values": ["default"]}])
    for filters in queries:
        groups, error = paginate(ec2, "describe_security_groups", "SecurityGroups", Filters=filters)
        if error:
            network["errors"]["DescribeSecurityGroups"] = error
            return
        found += groups
    found = [g for g in found if g.get("GroupId")]  # an entry without its id is unusable: its group "not found"
    network["groups"] = {g["GroupId"]: _pick(g, GROUP_KEYS) for g in found}
    network["defaultGroups"] = {g.get("VpcId"): g["GroupId"] for g in found if g.get("GroupName") == "default"}


def _network(scope: Scope, subnet_ids: list[str]) -> dict[str, Any]:
    """{"subnetVpcs": subnet -> VPC, "routeTables": [...], "errors": {operation: reason}} for those subnets."""
    out: dict[str, Any] = {"subnetVpcs": {}, "routeTables": [], "errors": {}}
    ids = sorted(set(subnet_ids))
    if not ids:
        return out
    ec2 = scope.client("ec2")
    # filters, not SubnetIds: one deleted subnet must not fail the whole read
    subnets, error = paginate(ec2, "describe_subnets", "Subnets", Filters=[{"Name": "subnet-id", "Values": ids}])
    if error:
        out["errors"]["DescribeSubnets"] = error
        return out
    out["subnetVpcs"] = {s["SubnetId"]: s["VpcId"] for s in subnets}
    vpcs = sorted(set(out["subnetVpcs"].values()))
    if vpcs:
        tables, error = paginate(ec2, "describe_route_tables", "RouteTables",
                                 Filters=[{"Name": "vpc-id", "Values": vpcs}])
        if error:
            out["errors"]["DescribeRouteTables"] = error
        out["routeTables"] = [_pick(t, TABLE_KEYS) for t in tables]
    return out


def _pick(item: Mapping[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    return {k: item[k] for k in keys if k in item}


def _raw(scope: Scope, service: dict[str, Any], errors: dict[str, str], network: Mapping[str, Any]) -> RawResource:
    arn = service["serviceArn"]
    subnets = _subnets(service)
    tables = [t for t in network["routeTables"] if t.get("VpcId") in {network["subnetVpcs"].get(s) for s in subnets}]
    if subnets:
        errors = {**errors, **network["errors"]}
    tags = {t["key"]: t.get("value", "") for t in service.get("tags") or []}
    vpcs = {network["subnetVpcs"].get(s) for s in subnets}
    # the groups the tasks are in: those named, else the default group of the subnets' VPC (AWS's rule)
    wanted = _group_ids(service) or [network["defaultGroups"][v] for v in vpcs if v in network["defaultGroups"]]
    groups = [network["groups"][g] for g in wanted if g in network["groups"]]
    missing = sorted(set(_group_ids(service)) - set(network["groups"]))
    unread = "DescribeSubnets" in errors or "DescribeSecurityGroups" in errors
    if subnets and not unread and (missing or not wanted):
        errors = {**errors, "DescribeSecurityGroups": f"security groups not found: {', '.join(missing)}" if missing
                  else f"default security group of {', '.join(sorted(str(v) for v in vpcs))} not found"}
    props = {"arn": arn, "region": scope.region, "account": scope.account, "service": _pick(service, SERVICE_KEYS),
             "subnetVpcs": {s: network["subnetVpcs"].get(s) for s in subnets}, "routeTables": tables,
             "securityGroups": groups, "tags": tags}
    name = tags.get("Name") or service.get("serviceName") or arn
    return RawResource(type=ECS_SERVICE, urn=arn, name=name, props=props, source=SourceKind.LIVE, id=arn,
                       errors=errors)
