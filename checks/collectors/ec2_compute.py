"""EC2 compute and EBS of one account and region: instances, launch templates, volumes and the account's EBS
encryption default.

Batch reads, once per region: describe_instances, describe_volumes, describe_launch_templates and the default
versions of every template (describe_launch_template_versions with `$Default` and no template named), and, when
there are instances, describe_route_tables and describe_security_groups (an instance's reachability needs its
subnet's routes and its groups' ingress rules). Per key, cached: kms describe_key, to tell customer-managed keys
from AWS-managed ones, with kms list_aliases (once) because moto reports AWS-managed keys as CUSTOMER.

Each raw resource keeps the boto3 answer it needs (an instance carries its volumes' encryption, its subnet's route
table, its groups' ingress rules and its public IPv4 and IPv6 addresses); a failed list of instances, volumes or
templates is a ListFailure (every one of them in the region is unread), and every failed batch read is recorded, by
operation, on every resource that needed it, so that the attributes it would have filled are errors, never pass or
fail.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from checks.collectors.answers import listed as list_failures
from checks.collectors.answers import region_list, well_formed
from checks.collectors.base import CollectResult, ListFailure, Scope, call, collector, paginate
from checks.live_types import EC2_EBS_ENCRYPTION_DEFAULT, EC2_INSTANCE, EC2_LAUNCH_TEMPLATE, EC2_VOLUME, is_aws_managed
from checks.model import SourceKind
from checks.raw import RawResource

OPERATIONS = (
    "ec2:DescribeInstances", "ec2:DescribeVolumes", "ec2:DescribeRouteTables", "ec2:DescribeSecurityGroups",
    "ec2:DescribeLaunchTemplates", "ec2:DescribeLaunchTemplateVersions", "ec2:GetEbsEncryptionByDefault",
    "ec2:GetEbsDefaultKmsKeyId", "kms:DescribeKey", "kms:ListAliases",
)
TEMPLATE_DATA = ("NetworkInterfaces", "MetadataOptions", "SecurityGroupIds", "SecurityGroups", "IamInstanceProfile",
                 "BlockDeviceMappings")
GONE = frozenset({"terminated", "shutting-down"})  # no longer running anything; AWS lists them for about an hour


class Keys:
    """Who manages a KMS key ("customer" or "aws"), by id, ARN or alias; one describe_key per key."""

    def __init__(self, scope: Scope) -> None:
        self.kms = scope.client("kms")
        self.cache: dict[str, tuple[str | None, dict[str, str]]] = {}
        self.aliases: dict[str, list[str]] | None = None
        self.alias_error: str | None = None

    def manager(self, key_id: str) -> tuple[str | None, dict[str, str]]:
        """(manager, {operation: reason} of the calls that failed)."""
        if key_id not in self.cache:
            self.cache[key_id] = self._lookup(key_id)
        return self.cache[key_id]

    def _lookup(self, key_id: str) -> tuple[str | None, dict[str, str]]:
        if key_id.startswith("alias/aws/") or ":alias/aws/" in key_id:
            return "aws", {}
        described = call(self.kms, "describe_key", KeyId=key_id)
        if described.error or described.result is None:
            return None, {"DescribeKey": described.error or f"DescribeKey {key_id}: no answer"}
        meta = described.result["KeyMetadata"]
        if meta.get("KeyManager") == "AWS":
            return "aws", {}
        aliases = self._aliases()  # KeyManager CUSTOMER: moto says so of AWS-managed keys too; their alias tells
        if aliases is None:
            return None, {"ListAliases": self.alias_error or "ListAliases: no answer"}
        return ("aws" if is_aws_managed(meta.get("KeyManager"), aliases.get(meta["KeyId"], [])) else "customer"), {}

    def _aliases(self) -> dict[str, list[str]] | None:
        if self.aliases is None and self.alias_error is None:
            listed, self.alias_error = paginate(self.kms, "list_aliases", "Aliases")
            if self.alias_error is None:
                found: dict[str, list[str]] = defaultdict(list)
                for alias in listed:
                    if alias.get("TargetKeyId"):
                        found[alias["TargetKeyId"]].append(alias["AliasName"])
                self.aliases = dict(found)
        return self.aliases


@collector("ec2_compute", OPERATIONS,
           types=(EC2_EBS_ENCRYPTION_DEFAULT, EC2_VOLUME, EC2_INSTANCE, EC2_LAUNCH_TEMPLATE))
def collect(scope: Scope) -> CollectResult:
    ec2 = scope.client("ec2")
    errors: list[ListFailure] = []

    def listed(method: str, key: str, feeds: tuple[str, str] | None = None,
               **kwargs: Any) -> tuple[list[Any], dict[str, str]]:
        """The items of a batch read, and {operation: reason} when it failed; a read of the resources themselves
        (`feeds` a raw type, by its identifying field) is a ListFailure when it fails or an entry is malformed."""
        items, error = paginate(ec2, method, key, **kwargs)
        operation = ec2.meta.method_to_api_mapping[method]
        if feeds is not None:
            errors.extend(list_failures(scope, f"ec2:{operation}", error, feeds[0]))
            items, malformed = well_formed(scope, f"ec2:{operation}", items, (feeds[1],), feeds[0])
            errors.extend(malformed)
        return items, ({operation: error} if error else {})

    def shared(method: str, key: str) -> tuple[list[Any], dict[str, str]]:
        items, error = region_list(scope, "ec2", method, key)
        return items, ({ec2.meta.method_to_api_mapping[method]: error} if error else {})

    keys = Keys(scope)
    default, default_key = _encryption_default(scope, ec2, keys)
    volumes, volume_error = listed("describe_volumes", "Volumes", (EC2_VOLUME, "VolumeId"))
    by_volume = {v["VolumeId"]: _volume_encryption(v, keys) for v in volumes}
    resources = [default, *(_volume(scope, v, by_volume[v["VolumeId"]]) for v in volumes)]
    reservations, instance_error = listed("describe_instances", "Reservations")  # instances are inside reservations
    errors.extend(list_failures(scope, "ec2:DescribeInstances", instance_error.get("DescribeInstances"), EC2_INSTANCE))
    instances, malformed = well_formed(scope, "ec2:DescribeInstances",
                                       [i for r in reservations if isinstance(r, dict) for i in r.get("Instances", [])],
                                       ("InstanceId",), EC2_INSTANCE)
    errors.extend(malformed)
    instances = [i for i in instances if (i.get("State") or {}).get("Name") not in GONE]
    if instances:  # the region's tables and groups, read once per scan with ec2_network (answers.region_list)
        tables, table_error = shared("describe_route_tables", "RouteTables")
        groups, group_error = shared("describe_security_groups", "SecurityGroups")
        network = _Network(tables, table_error, groups, group_error)
        resources += [_instance(scope, i, by_volume, volume_error, network) for i in instances]
    templates, _ = listed("describe_launch_templates", "LaunchTemplates", (EC2_LAUNCH_TEMPLATE, "LaunchTemplateId"))
    if templates:
        versions, version_error = listed("describe_launch_template_versions", "LaunchTemplateVersions",
                                         Versions=["$Default"])
        by_template = {v["LaunchTemplateId"]: v for v in versions if v.get("DefaultVersion", True)}
        resources += [_template(scope, t, by_template.get(t["LaunchTemplateId"]), version_error, default, keys)
                      for t in templates]
    return CollectResult(tuple(resources), tuple(errors))


def _encryption_default(scope: Scope, ec2: Any, keys: Keys) -> tuple[RawResource, dict[str, Any]]:
    """The account's EBS encryption default in this region, and its default key ({kmsKeyId, keyManager})."""
    errors: dict[str, str] = {}
    enabled = call(ec2, "get_ebs_encryption_by_default")
    if enabled.error:
        errors["GetEbsEncryptionByDefault"] = enabled.error
    key = call(ec2, "get_ebs_default_kms_key_id")
    key_id = (key.result or {}).get("KmsKeyId") or None
    manager = None
    if key.error:
        errors["GetEbsDefaultKmsKeyId"] = key.error
    elif key_id is not None:
        manager, failed = keys.manager(key_id)
        errors.update(failed)
    props = {"region": scope.region, "account": scope.account,
             "enabled": None if enabled.result is None else enabled.result.get("EbsEncryptionByDefault"),
             "kmsKeyId": key_id, "keyManager": manager}
    ident = f"{scope.account}:{scope.region}:ebs-encryption-by-default"  # an account setting has no ARN
    raw = RawResource(type=EC2_EBS_ENCRYPTION_DEFAULT, urn=ident, name=f"ebs-encryption-by-default ({scope.region})",
                      props=props, source=SourceKind.LIVE, id=ident, errors=errors)
    return raw, props


def _volume_encryption(volume: dict[str, Any], keys: Keys) -> dict[str, Any]:
    """{encrypted, kmsKeyId, keyManager, errors} of one volume (the key's manager read only when encrypted)."""
    key_id = volume.get("KmsKeyId") or None
    manager, errors = keys.manager(key_id) if volume.get("Encrypted") and key_id else (None, {})
    return {"encrypted": volume.get("Encrypted"), "kmsKeyId": key_id, "keyManager": manager, "errors": errors}


def tag_map(tags: list[dict[str, str]] | None) -> dict[str, str]:
    """boto3 tags as a dict, without AWS's own `aws:` tags (nobody can set them in a program)."""
    return {t["Key"]: t["Value"] for t in tags or [] if not t["Key"].startswith("aws:")}


def _arn(scope: Scope, resource: str) -> str:
    return f"arn:aws:ec2:{scope.region}:{scope.account}:{resource}"


def _raw(token: str, arn: str, name: str, props: dict[str, Any], errors: dict[str, str]) -> RawResource:
    return RawResource(type=token, urn=arn, name=name, props=props, source=SourceKind.LIVE, id=arn, errors=errors)


def _volume(scope: Scope, v: dict[str, Any], encryption: dict[str, Any]) -> RawResource:
    tags = tag_map(v.get("Tags"))
    arn = _arn(scope, f"volume/{v['VolumeId']}")
    props = {"arn": arn, "volumeId": v["VolumeId"], "region": scope.region, "account": scope.account, "tags": tags,
             **{k: encryption[k] for k in ("encrypted", "kmsKeyId", "keyManager")},
             "size": v.get("Size"), "volumeType": v.get("VolumeType"), "availabilityZone": v.get("AvailabilityZone"),
             "snapshotId": v.get("SnapshotId") or None, "state": v.get("State"),
             "attachedTo": sorted({a["InstanceId"] for a in v.get("Attachments") or [] if a.get("InstanceId")})}
    return _raw(EC2_VOLUME, arn, tags.get("Name") or v["VolumeId"], props, dict(encryption["errors"]))


class _Network:
    """Route tables by subnet (explicit association) and by VPC (main table); security groups by id."""

    def __init__(self, tables: list[dict[str, Any]], table_error: dict[str, str], groups: list[dict[str, Any]],
                 group_error: dict[str, str]) -> None:
        self.by_subnet: dict[str, dict[str, Any]] = {}
        self.main: dict[str, dict[str, Any]] = {}
        for table in tables:
            for assoc in table.get("Associations") or []:
                if assoc.get("SubnetId"):
                    self.by_subnet[assoc["SubnetId"]] = table
                if assoc.get("Main"):
                    self.main[table.get("VpcId", "")] = table
        self.groups = {g["GroupId"]: g for g in groups}
        self.table_error, self.group_error = table_error, group_error

    def route_table(self, subnet: str | None, vpc: str | None) -> tuple[dict[str, Any] | None, dict[str, str]]:
        if self.table_error:
            return None, self.table_error
        table = self.by_subnet.get(subnet or "") or self.main.get(vpc or "")
        if table is None:
            return None, {"DescribeRouteTables": f"no route table found for subnet {subnet} of {vpc}"}
        return {k: table.get(k) for k in ("RouteTableId", "Routes")}, {}

    def ingress(self, group_ids: list[str]) -> tuple[list[dict[str, Any]] | None, dict[str, str]]:
        if self.group_error:
            return None, self.group_error
        missing = [g for g in group_ids if g not in self.groups]
        if missing:
            return None, {"DescribeSecurityGroups": f"security groups not found: {', '.join(missing)}"}
        return [{"GroupId": g, "IpPermissions": self.groups[g].get("IpPermissions") or []} for g in group_ids], {}


def _instance(scope: Scope, i: dict[str, Any], volumes: dict[str, dict[str, Any]], volume_error: dict[str, str],
              network: _Network) -> RawResource:
    errors: dict[str, str] = {}
    all_tags = {t["Key"]: t["Value"] for t in i.get("Tags") or []}
    tags = tag_map(i.get("Tags"))
    interfaces = i.get("NetworkInterfaces") or []
    groups = [g["GroupId"] for g in i.get("SecurityGroups") or []]
    groups += [g["GroupId"] for n in interfaces for g in n.get("Groups") or [] if g["GroupId"] not in groups]
    devices = []
    for mapping in i.get("BlockDeviceMappings") or []:
        volume_id = (mapping.get("Ebs") or {}).get("VolumeId")
        if volume_id is None:
            continue  # an instance-store volume: not EBS
        encryption = volumes.get(volume_id)
        if encryption is None:
            errors.update(volume_error or {"DescribeVolumes": f"volume {volume_id} was not listed"})
        else:
            errors.update(encryption["errors"])
        device = {k: (encryption or {}).get(k) for k in ("encrypted", "kmsKeyId", "keyManager")}
        devices.append({"deviceName": mapping.get("DeviceName"), "volumeId": volume_id,
                        "root": mapping.get("DeviceName") == i.get("RootDeviceName"), **device})
    table, failed = network.route_table(i.get("SubnetId"), i.get("VpcId"))
    errors.update(failed)
    ingress, failed = network.ingress(groups)
    errors.update(failed)
    public_ips = [i.get("PublicIpAddress")] + [(n.get("Association") or {}).get("PublicIp") for n in interfaces]
    ipv6 = [i.get("Ipv6Address")] + [a.get("Ipv6Address") for n in interfaces for a in n.get("Ipv6Addresses") or []]
    arn = _arn(scope, f"instance/{i['InstanceId']}")
    props = {"arn": arn, "instanceId": i["InstanceId"], "region": scope.region, "account": scope.account,
             "tags": tags, "state": (i.get("State") or {}).get("Name"), "subnetId": i.get("SubnetId"),
             "vpcId": i.get("VpcId"), "securityGroups": groups,
             "launchTemplate": all_tags.get("aws:ec2launchtemplate:id"),
             "publicIps": sorted({ip for ip in public_ips if ip}), "ipv6Addresses": sorted({ip for ip in ipv6 if ip}),
             "metadataOptions": i.get("MetadataOptions"),
             "iamInstanceProfile": (i.get("IamInstanceProfile") or {}).get("Arn"),
             "blockDevices": sorted(devices, key=lambda d: not d["root"]),
             "routeTable": table, "securityGroupIngress": ingress}
    return _raw(EC2_INSTANCE, arn, tags.get("Name") or i["InstanceId"], props, errors)


def _template(scope: Scope, t: dict[str, Any], version: dict[str, Any] | None, version_error: dict[str, str],
              default: RawResource, keys: Keys) -> RawResource:
    errors: dict[str, str] = {}
    if version is None:
        errors.update(version_error or {"DescribeLaunchTemplateVersions": "the default version was not listed"})
    answered = (version or {}).get("LaunchTemplateData") or {}
    data = {k: answered[k] for k in TEMPLATE_DATA if k in answered}  # never UserData: it may hold secrets
    devices = []
    for mapping in data.get("BlockDeviceMappings") or []:
        ebs = mapping.get("Ebs")
        if ebs is None:
            continue
        key_id = ebs.get("KmsKeyId") or None
        manager, failed = keys.manager(key_id) if key_id else (None, {})
        errors.update(failed)
        devices.append({"deviceName": mapping.get("DeviceName"), "encrypted": ebs.get("Encrypted"),
                        "kmsKeyId": key_id, "keyManager": manager, "snapshotId": ebs.get("SnapshotId") or None})
    defaulted = [d for d in devices if not d["kmsKeyId"]]  # they take the region's default (its key, none when off)
    if defaulted:
        # the default key matters only to a volume that is encrypted: asked for, or by the default when it is on
        key_matters = default.props["enabled"] is not False or any(d["encrypted"] is True for d in defaulted)
        errors.update({f"Default{op}": why for op, why in default.errors.items()
                       if key_matters or op == "GetEbsEncryptionByDefault"})
    tags = tag_map(t.get("Tags"))
    arn = _arn(scope, f"launch-template/{t['LaunchTemplateId']}")
    props = {"arn": arn, "launchTemplateId": t["LaunchTemplateId"], "region": scope.region, "account": scope.account,
             "tags": tags, "defaultVersion": t.get("DefaultVersionNumber"), "data": data, "blockDevices": devices,
             "accountDefault": {k: default.props[k] for k in ("enabled", "kmsKeyId", "keyManager")}}
    return _raw(EC2_LAUNCH_TEMPLATE, arn, tags.get("Name") or t["LaunchTemplateName"], props, errors)
