"""The snapshots collector and the live rds.db_snapshot, ec2.snapshot and ec2.image normalizers (NET-14..16)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from checks.collectors import snapshots as snapshots_collector  # registers the collector
from checks.model import Status
from tests.collectors.conftest import (
    ACCOUNT,
    REGION,
    assets_of,
    by_name,
    collect,
    restricted_session,
    results,
    scope,
    statuses,
    with_iam_enforced,
)

P, F, E = Status.PASS, Status.FAIL, Status.ERROR
CONTROLS = ("NET-14", "NET-15", "NET-16")
OTHER = "111122223333"


def make_estate(session: boto3.Session) -> dict[str, str]:
    """RDS: orders-private, orders-public (restore all), ledger-shared (one account); EBS: a private, a public and a
    shared snapshot; AMIs: golden (public) and base (shared with one account), each with a snapshot of its own
    (<name>-root). Returns the EC2 ids by role."""
    rds = session.client("rds")
    rds.create_db_instance(DBInstanceIdentifier="orders", DBInstanceClass="db.t3.micro", Engine="postgres",
                           MasterUsername="app", MasterUserPassword="password123", AllocatedStorage=20)
    for name in ("orders-private", "orders-public"):
        rds.create_db_snapshot(DBSnapshotIdentifier=name, DBInstanceIdentifier="orders")
    rds.modify_db_snapshot_attribute(DBSnapshotIdentifier="orders-public", AttributeName="restore",
                                     ValuesToAdd=["all"])
    rds.create_db_cluster(DBClusterIdentifier="ledger", Engine="aurora-postgresql", MasterUsername="app",
                          MasterUserPassword="password123")
    rds.create_db_cluster_snapshot(DBClusterSnapshotIdentifier="ledger-shared", DBClusterIdentifier="ledger")
    rds.modify_db_cluster_snapshot_attribute(DBClusterSnapshotIdentifier="ledger-shared", AttributeName="restore",
                                             ValuesToAdd=[OTHER])
    ec2 = session.client("ec2")
    volume = ec2.create_volume(AvailabilityZone=f"{REGION}a", Size=1)["VolumeId"]
    ids = {role: ec2.create_snapshot(VolumeId=volume)["SnapshotId"] for role in ("private", "public", "shared")}
    ec2.modify_snapshot_attribute(SnapshotId=ids["public"], Attribute="createVolumePermission",
                                  OperationType="add", GroupNames=["all"])
    ec2.modify_snapshot_attribute(SnapshotId=ids["shared"], Attribute="createVolumePermission",
                                  OperationType="add", UserIds=[OTHER])
    instance = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    ids["golden"] = ec2.create_image(InstanceId=instance, Name="golden")["ImageId"]
    ids["base"] = ec2.create_image(InstanceId=instance, Name="base")["ImageId"]
    ec2.modify_image_attribute(ImageId=ids["golden"], LaunchPermission={"Add": [{"Group": "all"}]})
    ec2.modify_image_attribute(ImageId=ids["base"], LaunchPermission={"Add": [{"UserId": OTHER}]})
    for image in ec2.describe_images(ImageIds=[ids["golden"], ids["base"]])["Images"]:  # the AMIs' own snapshots
        ids[f"{image['Name']}-root"] = image["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]
    return ids


class _Http:
    status_code = 200
    headers: dict[str, str] = {}
    content = b""


def block_state(session: boto3.Session, state: str) -> None:
    """Answer GetSnapshotBlockPublicAccessState with `state` (moto does not implement it)."""

    def handler(**_: Any) -> tuple[_Http, dict[str, Any]]:
        return _Http(), {"State": state, "ResponseMetadata": {"HTTPStatusCode": 200}}

    session.events.register("before-call.ec2.GetSnapshotBlockPublicAccessState", handler)


def expected(ids: dict[str, str]) -> dict[tuple[str, str], Status]:
    return {("NET-14", "orders-private"): P, ("NET-14", "orders-public"): F, ("NET-14", "ledger-shared"): P,
            ("NET-15", ids["private"]): P, ("NET-15", ids["public"]): F, ("NET-15", ids["shared"]): P,
            ("NET-15", ids["golden-root"]): P, ("NET-15", ids["base-root"]): P,
            ("NET-16", ids["golden"]): F, ("NET-16", ids["base"]): P}


def test_snapshots_and_images_normalize_validate_and_evaluate(session: boto3.Session) -> None:
    ids = make_estate(session)
    block_state(session, "unblocked")
    result = collect(scope(session), "snapshots")
    assert result.errors == () and all(r.errors == {} for r in result.resources)
    assets = assets_of(result)
    # only what the account owns: none of moto's public AMI snapshots, no automated RDS snapshot
    assert sorted(a.kind for a in assets) == ["ec2.image"] * 2 + ["ec2.snapshot"] * 5 + ["rds.db_snapshot"] * 3
    public = by_name(assets, "orders-public")
    assert public.id == f"arn:aws:rds:{REGION}:{ACCOUNT}:snapshot:orders-public"
    assert (public.region, public.account) == (REGION, ACCOUNT)
    assert public.attributes == {"snapshot_identifier": "orders-public", "cluster": False,
                                 "snapshot_type": "manual", "public": True, "shared_accounts": [],
                                 "encrypted": False}
    assert by_name(assets, "ledger-shared").attributes["shared_accounts"] == [OTHER]
    assert by_name(assets, "ledger-shared").attributes["cluster"] is True
    assert by_name(assets, ids["shared"]).attributes["shared_accounts"] == [OTHER]
    golden = by_name(assets, ids["golden"])
    assert golden.id == f"arn:aws:ec2:{REGION}::image/{ids['golden']}"
    assert golden.attributes == {"image_name": "golden", "public": True, "shared_accounts": [],
                                 "shared_organizations": []}
    assert by_name(assets, ids["base"]).attributes["shared_accounts"] == [OTHER]
    assert statuses(assets, *CONTROLS) == expected(ids)


def test_declared_operations_cover_every_call(session: boto3.Session) -> None:
    make_estate(session)
    seen: set[str] = set()
    # before-parameter-build: block_state's before-call answer ends that event before a generic handler sees it
    session.events.register("before-parameter-build", lambda model, **_: seen.add(
        f"{model.service_model.signing_name}:{model.name}"))
    block_state(session, "unblocked")
    collect(scope(session), "snapshots")
    assert seen == set(snapshots_collector.OPERATIONS)


def test_nothing_owned_nothing_read_per_resource(session: boto3.Session) -> None:
    seen: list[str] = []
    session.events.register("before-call", lambda model, **_: seen.append(model.name))
    result = collect(scope(session), "snapshots")
    assert (result.resources, result.errors) == ((), ())
    assert sorted(seen) == ["DescribeDBClusterSnapshots", "DescribeDBSnapshots", "DescribeImages",
                            "DescribeSnapshots"]


@pytest.mark.parametrize(("denied", "in_error"), [
    ("rds:DescribeDBSnapshotAttributes", {("NET-14", "orders-private"), ("NET-14", "orders-public")}),
    ("rds:DescribeDBClusterSnapshotAttributes", {("NET-14", "ledger-shared")}),
    ("ec2:DescribeSnapshotAttribute", {("NET-15", role) for role in ("private", "public", "shared", "golden-root",
                                                                      "base-root")}),
    ("ec2:DescribeImageAttribute", set()),  # who the AMI is shared with: no control reads it; Public still is
])
def test_a_denied_attribute_read_errors_only_those_snapshots(session: boto3.Session, denied: str,
                                                             in_error: set[tuple[str, str]]) -> None:
    ids = make_estate(session)
    restricted = restricted_session(session, [denied])
    block_state(restricted, "unblocked")
    assets = assets_of(with_iam_enforced(lambda: collect(scope(restricted), "snapshots")))
    got = results(assets, *CONTROLS)
    names = {(c, ids.get(n, n)) for c, n in in_error}
    assert {k: v[0] for k, v in got.items() if v[0] is not expected(ids)[k]} == {k: E for k in names}
    assert all(got[k][1] == f"public: AccessDenied {denied}" for k in names), got
    if denied == "ec2:DescribeImageAttribute":
        assert by_name(assets, ids["golden"]).errors == {
            "shared_accounts": f"AccessDenied {denied}", "shared_organizations": f"AccessDenied {denied}"}


def test_an_image_answer_without_public_is_an_error_not_a_pass(session: boto3.Session) -> None:
    ids = make_estate(session)

    def drop_public(parsed: dict[str, Any], **_: Any) -> None:
        for image in parsed.get("Images") or []:
            image.pop("Public", None)

    session.events.register("after-call.ec2.DescribeImages", drop_public)
    got = results(assets_of(collect(scope(session), "snapshots")), "NET-16")
    status, detail = got[("NET-16", ids["base"])]
    assert status is E and detail is not None and "missing Public" in detail


def test_block_all_sharing_keeps_a_snapshot_shared_with_all_private(session: boto3.Session) -> None:
    ids = make_estate(session)
    block_state(session, "block-all-sharing")
    snapshot = by_name(assets_of(collect(scope(session), "snapshots")), ids["public"])
    assert (snapshot.attributes["shared_with_all"], snapshot.attributes["public"]) == (True, False)
    assert statuses([snapshot], "NET-15") == {("NET-15", ids["public"]): P}


def test_moto_cannot_say_whether_the_region_blocks_sharing_so_a_shared_snapshot_is_an_error(
        session: boto3.Session) -> None:
    ids = make_estate(session)
    assets = assets_of(collect(scope(session), "snapshots"))
    got = results(assets, "NET-15")
    status, detail = got[("NET-15", ids["public"])]
    assert status is E and detail == ("public: NotImplemented ec2:GetSnapshotBlockPublicAccessState (the endpoint "
                                      "does not implement this API)")
    # only the snapshot shared with all needs it: the others are decided
    assert {k: v[0] for k, v in got.items()} == {**{k: v for k, v in expected(ids).items() if k[0] == "NET-15"},
                                                 ("NET-15", ids["public"]): E}
