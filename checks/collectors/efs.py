"""EFS file systems of one account and region: describe_file_systems (batch; encryption, key and tags come with
it), and who manages each file system's KMS key (once per key)."""

from __future__ import annotations

from typing import Any

from checks.collectors.answers import listed, well_formed
from checks.collectors.base import CollectResult, Scope, collector, paginate
from checks.collectors.keys import KEY_OPERATIONS, KeyManagers
from checks.live_types import EFS_FILE_SYSTEM, tag_map
from checks.model import SourceKind
from checks.raw import RawResource

OPERATIONS = ("efs:DescribeFileSystems", *KEY_OPERATIONS)


@collector("efs", OPERATIONS, types=(EFS_FILE_SYSTEM,))
def collect(scope: Scope) -> CollectResult:
    efs = scope.client("efs")
    systems, list_error = paginate(efs, "describe_file_systems", "FileSystems")
    errors = listed(scope, "efs:DescribeFileSystems", list_error, EFS_FILE_SYSTEM)
    systems, malformed = well_formed(scope, "efs:DescribeFileSystems", systems, ("FileSystemId",), EFS_FILE_SYSTEM)
    errors += malformed
    keys = KeyManagers(scope)
    return CollectResult(tuple(scope.map(lambda f: _file_system(scope, f, keys), systems)), tuple(errors))


def _file_system(scope: Scope, f: dict[str, Any], keys: KeyManagers) -> RawResource:
    errors: dict[str, str] = {}
    fs_id = f["FileSystemId"]
    arn = f.get("FileSystemArn") or f"arn:aws:elasticfilesystem:{scope.region}:{scope.account}:file-system/{fs_id}"
    key = f.get("KmsKeyId") if f.get("Encrypted") else None
    manager, key_error = keys.manager(key)
    if key_error:
        errors["DescribeKey"] = key_error
    props = {
        "arn": arn, "name": f.get("Name") or fs_id, "region": scope.region, "account": scope.account,
        "creationToken": f.get("CreationToken"), "encrypted": bool(f.get("Encrypted")), "kmsKeyId": key,
        "keyManager": manager, "tags": tag_map(f.get("Tags")),
    }
    return RawResource(type=EFS_FILE_SYSTEM, urn=arn, name=f.get("Name") or fs_id, props=props,
                       source=SourceKind.LIVE, id=arn, errors=errors)
