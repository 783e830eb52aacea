"""Secrets Manager secrets of one account and region: list_secrets (batch; it reports KmsKeyId,
RotationEnabled, RotationRules, OwningService and Tags, so no describe_secret per secret), and who manages each named
KMS key (once per key). No KmsKeyId means the AWS-managed key aws/secretsmanager."""

from __future__ import annotations

from typing import Any

from checks.collectors.answers import listed, well_formed
from checks.collectors.base import CollectResult, Scope, collector, paginate
from checks.collectors.keys import KEY_OPERATIONS, KeyManagers
from checks.live_types import SECRETSMANAGER_SECRET
from checks.model import SourceKind
from checks.raw import RawResource

OPERATIONS = ("secretsmanager:ListSecrets", *KEY_OPERATIONS)


@collector("secretsmanager", OPERATIONS, types=(SECRETSMANAGER_SECRET,))
def collect(scope: Scope) -> CollectResult:
    sm = scope.client("secretsmanager")
    secrets, list_error = paginate(sm, "list_secrets", "SecretList")
    errors = listed(scope, "secretsmanager:ListSecrets", list_error, SECRETSMANAGER_SECRET)
    secrets, malformed = well_formed(scope, "secretsmanager:ListSecrets", secrets, ("ARN", "Name"),
                                     SECRETSMANAGER_SECRET)
    errors += malformed
    keys = KeyManagers(scope)
    return CollectResult(tuple(_secret(scope, s, keys) for s in secrets), tuple(errors))


def _secret(scope: Scope, s: dict[str, Any], keys: KeyManagers) -> RawResource:
    key = s.get("KmsKeyId") or None
    manager, key_error = keys.manager(key)
    props = {
        "arn": s["ARN"], "name": s["Name"], "region": scope.region, "account": scope.account,
        "kmsKeyId": key, "keyManager": manager, "rotationEnabled": s.get("RotationEnabled"),
        "rotationRules": s.get("RotationRules"), "owningService": s.get("OwningService"),
        "tags": {t["Key"]: t["Value"] for t in s.get("Tags") or []},
    }
    return RawResource(type=SECRETSMANAGER_SECRET, urn=s["ARN"], name=s["Name"], props=props, source=SourceKind.LIVE,
                       id=s["ARN"], errors={"DescribeKey": key_error} if key_error else {})
