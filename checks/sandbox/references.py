"""What `sandbox apply` needs to know about references between a program's resources: the order to create them
in, and which output of a referenced resource fills a prop that is UNKNOWN at plan time."""

from __future__ import annotations

import graphlib
from collections.abc import Mapping
from typing import Any

from checks.errors import ProgramError
from checks.model import UNKNOWN, Secret
from checks.raw import RawResource
from checks.sandbox.context import Outcome

# created first among resources that are ready together (moto checks a logging target's bucket policy)
PRIORITY = {"aws:s3/bucketPolicy:BucketPolicy": 0}


# prop name -> the output of the referenced resource it means (anything else: see `output_for`)
REFERENCE_OUTPUTS = {
    "kmsKeyId": "arn", "kmsMasterKeyId": "arn", "kmsKeyArn": "arn", "kmsKey": "arn", "keyArn": "arn",
    "masterUserSecretKmsKeyId": "arn", "performanceInsightsKmsKeyId": "arn", "kmsKeyIdentifier": "arn",
    "targetKeyId": "keyId", "bucket": "bucket", "targetBucket": "bucket", "s3BucketName": "bucket",
    "role": "name", "repository": "name", "dbSubnetGroupName": "name", "parameterGroupName": "name",
    "restoreTestingPlanName": "name", "targetVaultName": "name", "logGroupName": "name",
    "cluster": "arn", "taskDefinition": "arn", "logDestination": "arn", "includeVaults": "arn", "resources": "arn",
    "protectedResourceArns": "arn", "policyArn": "arn", "certificateArn": "arn", "planId": "id",
}


# prop name -> the type a reference must have, when a prop depends on resources of several types
REFERENCE_TYPES = {
    "subnets": "ec2/subnet:", "subnetIds": "ec2/subnet:", "subnetId": "ec2/subnet:",
    "securityGroups": "ecurityGroup:", "vpcSecurityGroupIds": "ecurityGroup:", "securityGroupIds": "ecurityGroup:",
    "securityGroupId": "ecurityGroup:", "referencedSecurityGroupId": "ecurityGroup:",
    "vpcId": "ec2/vpc:", "gatewayId": "ateway:", "natGatewayId": "ec2/natGateway:", "targetGroupArn": "argetGroup:",
    "kmsKeyId": "kms/", "kmsMasterKeyId": "kms/", "kmsKeyArn": "kms/", "kmsKey": "kms/", "keyArn": "kms/",
}


class Waiting(Exception):  # noqa: N818 - control flow: a value only the program can compute
    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


class Picker:
    """Fills the UNKNOWNs of one prop from the resources the prop depends on."""

    def __init__(self, prop: str, deps: list[Outcome], strict: bool) -> None:
        self.prop = prop
        self.deps = deps
        self.strict = strict
        self.used: dict[str, int] = {}

    def fill(self, value: Any, key: str, path: str) -> Any:
        if value is UNKNOWN:
            return self._pick(key, path)
        if isinstance(value, Secret):
            return Secret(self.fill(value.value, key, path))
        if isinstance(value, Mapping):
            return {k: self.fill(v, k, f"{path}.{k}") for k, v in value.items()}
        if isinstance(value, list):
            return [self.fill(v, key, f"{path}[{i}]") for i, v in enumerate(value)]
        return value

    def _pick(self, key: str, path: str) -> Any:
        output = output_for(key)
        hint = REFERENCE_TYPES.get(key)
        candidates = [d for d in self.deps if hint is None or hint in d.type] or self.deps
        if output is None or not candidates:
            # an archive the program reads from disk (a Lambda's `code`) is unknown to the plan and depends on no
            # resource: no replay can know it, and the applier supplies its own (appliers/functions.py)
            if self.strict and not (key == "code" and path == "code" and not self.deps):
                raise Waiting(path)
            return UNKNOWN
        index = self.used.get(key, 0)
        self.used[key] = index + 1
        dep = candidates[index % len(candidates)]
        return dep.outputs.get(output, dep.id) if output != "id" else dep.id


def output_for(key: str) -> str | None:
    """Which output of the referenced resource a prop means; None when the prop is not a plain reference."""
    if key in REFERENCE_OUTPUTS:
        return REFERENCE_OUTPUTS[key]
    if key in REFERENCE_TYPES or key.endswith(("Id", "Ids")):
        return "id"
    if key.endswith(("Arn", "Arns")):
        return "arn"
    if key.endswith("Name"):
        return "name"
    return None


def dependencies(res: RawResource) -> list[str]:
    deps = dict.fromkeys(res.dependencies)
    for urns in res.property_dependencies.values():
        deps.update(dict.fromkeys(urns))
    if res.parent:
        deps[res.parent] = None
    return [d for d in deps if d != res.urn]


def creation_order(resources: list[RawResource]) -> list[str]:
    """Topological order, ready resources in declaration order (bucket policies first)."""
    known = {r.urn: (i, r) for i, r in enumerate(resources)}
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    for r in resources:
        sorter.add(r.urn, *[d for d in dependencies(r) if d in known], *implicit_after(r, resources))
    try:
        sorter.prepare()
    except graphlib.CycleError as err:
        raise ProgramError(f"the program's resources depend on each other in a cycle: {err.args[1]}") from None
    order: list[str] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready(), key=lambda u: (PRIORITY.get(known[u][1].type, 1), known[u][0]))
        order.extend(ready)
        sorter.done(*ready)
    return order


def implicit_after(res: RawResource, resources: list[RawResource]) -> list[str]:
    """Ordering the program does not state but the sandbox needs: a bucket's policy goes on after the logging
    configurations that target that bucket (moto 5.2.5 checks a logging target's policy, and fails with HTTP 500
    when a statement's Principal is "*"; with no policy yet it accepts the log-delivery ACL grant instead)."""
    if res.type != "aws:s3/bucketPolicy:BucketPolicy":
        return []
    buckets = set(res.property_dependencies.get("bucket", ()))
    return [r.urn for r in resources if r.type.startswith("aws:s3/bucketLogging")
            and buckets & set(r.property_dependencies.get("targetBucket", ()))]
