"""Act on the sandbox as someone with console access would (used by `make demo`).

    python scripts/demo_out_of_band.py change OUT REGION    # open SSH to the internet, stop a key's rotation,
                                                            # remove a bucket's default encryption, delete a
                                                            # managed bucket, create an unmanaged one

The sandbox is the one running in folder OUT (`clearance sandbox up --out OUT`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from checks.sandbox import read_sandbox


def main(action: str, out_dir: str, region: str) -> int:
    info = read_sandbox(Path(out_dir))
    if info is None:
        print(f"no sandbox is running in {out_dir}: run 'clearance sandbox up --out {out_dir}' first", file=sys.stderr)
        return 2
    session = info.session(region)
    ec2, kms, s3 = session.client("ec2"), session.client("kms"), session.client("s3")
    groups = [g for g in ec2.describe_security_groups()["SecurityGroups"] if g["GroupName"] != "default"]
    app = next((g for g in groups if "app" in g["GroupName"]), groups[0])
    ec2.authorize_security_group_ingress(GroupId=app["GroupId"], IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    print(f"opened security group {app['GroupName']} ({app['GroupId']}) to 0.0.0.0/0 on tcp 22")
    keys = [k["KeyId"] for k in kms.list_keys()["Keys"]]
    rotating = [k for k in keys if kms.describe_key(KeyId=k)["KeyMetadata"]["KeyManager"] == "CUSTOMER"
                and kms.get_key_rotation_status(KeyId=k)["KeyRotationEnabled"]]
    if rotating:
        kms.disable_key_rotation(KeyId=rotating[0])
        print(f"disabled automatic rotation of KMS key {rotating[0]}")
    buckets = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    target = next((b for b in buckets if "data" in b), buckets[0] if buckets else None)
    if target:
        s3.delete_bucket_encryption(Bucket=target)
        print(f"removed the default encryption configuration of bucket {target}")
    doomed = next((b for b in buckets if "cloudtrail" in b and b != target), None)
    if doomed:
        empty_and_delete(s3, doomed)
        print(f"deleted bucket {doomed}, which Pulumi manages")
    s3.create_bucket(Bucket="aptly-shadow-exports", CreateBucketConfiguration={"LocationConstraint": region})
    print("created bucket aptly-shadow-exports, which no Pulumi stack manages")
    return 0


def empty_and_delete(s3: Any, bucket: str) -> None:
    """Delete every object version and delete marker of a (versioned) bucket, then the bucket."""
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        doomed = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                  for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
        if doomed:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": doomed})
    s3.delete_bucket(Bucket=bucket)


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] != "change":
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3]))
