"""ECR repositories of one account and region: describe_repositories (batch; scan on push, tag mutability
and encryption come with it), and who manages each repository's KMS key (once per key). Registry-level
scanning rules are not read: `scan_on_push` is the repository's own setting, as in the planned view."""

from __future__ import annotations

from typing import Any

from checks.collectors.answers import listed, well_formed
from checks.collectors.base import CollectResult, Scope, collector, paginate
from checks.collectors.keys import KEY_OPERATIONS, KeyManagers
from checks.live_types import ECR_REPOSITORY
from checks.model import SourceKind
from checks.raw import RawResource

OPERATIONS = ("ecr:DescribeRepositories", *KEY_OPERATIONS)


@collector("ecr", OPERATIONS, types=(ECR_REPOSITORY,))
def collect(scope: Scope) -> CollectResult:
    ecr = scope.client("ecr")
    repos, list_error = paginate(ecr, "describe_repositories", "repositories")
    errors = listed(scope, "ecr:DescribeRepositories", list_error, ECR_REPOSITORY)
    repos, malformed = well_formed(scope, "ecr:DescribeRepositories", repos, ("repositoryArn", "repositoryName"),
                                   ECR_REPOSITORY)
    errors += malformed
    keys = KeyManagers(scope)
    return CollectResult(tuple(_repository(scope, r, keys) for r in repos), tuple(errors))


def _repository(scope: Scope, r: dict[str, Any], keys: KeyManagers) -> RawResource:
    config = r.get("encryptionConfiguration") or {}
    key = config.get("kmsKey") if config.get("encryptionType", "AES256") != "AES256" else None
    manager, key_error = keys.manager(key)
    arn = r["repositoryArn"]
    props = {
        "arn": arn, "name": r["repositoryName"], "region": scope.region, "account": scope.account,
        "imageScanningConfiguration": r.get("imageScanningConfiguration"),
        "imageTagMutability": r.get("imageTagMutability"), "encryptionConfiguration": config,
        "keyManager": manager,
    }
    return RawResource(type=ECR_REPOSITORY, urn=arn, name=r["repositoryName"], props=props,
                       source=SourceKind.LIVE, id=arn, errors={"DescribeKey": key_error} if key_error else {})
