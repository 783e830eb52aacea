"""The logs collector and the live logs.log_group normalizer (ENC-04, LOG-02)."""

from __future__ import annotations

import boto3
from botocore.stub import Stubber

from checks.collectors import logs as logs_collector  # noqa: F401  (registers the collector)
from checks.collectors.base import ListFailure
from checks.model import Status
from tests.collectors.conftest import ACCOUNT, REGION, assets_of, by_name, collect, scope, statuses
from tests.collectors.test_backup import denied

P, F, E, NA = Status.PASS, Status.FAIL, Status.ERROR, Status.NOT_APPLICABLE
CONTROLS = ("ENC-04", "LOG-02")


def make_groups(session: boto3.Session) -> str:
    """app: a year, customer key; debug: a week; forever: no retention (never expires)."""
    key = session.client("kms").create_key(Description="logs")["KeyMetadata"]["Arn"]
    logs = session.client("logs")
    logs.create_log_group(logGroupName="/app/api", kmsKeyId=key)
    logs.put_retention_policy(logGroupName="/app/api", retentionInDays=365)
    logs.create_log_group(logGroupName="/app/debug")
    logs.put_retention_policy(logGroupName="/app/debug", retentionInDays=7)
    logs.create_log_group(logGroupName="/app/forever")
    return key


def test_log_groups_normalize_validate_and_evaluate(session: boto3.Session) -> None:
    key = make_groups(session)
    result = collect(scope(session), "logs")
    assert result.errors == () and all(r.errors == {} for r in result.resources)
    assets = assets_of(result)
    api = by_name(assets, "/app/api")
    assert api.id == f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/app/api"
    assert api.attributes == {
        "log_group_name": "/app/api", "log_group_class": "STANDARD", "retention_days": 365, "retention_set": True,
        "encryption": {"enabled": True, "algorithm": "aws:kms", "kms_key_id": key, "customer_managed_key": True},
        "deletion_protection": False}
    forever = by_name(assets, "/app/forever").attributes
    assert (forever["retention_days"], forever["retention_set"]) == (None, False)
    assert forever["encryption"]["algorithm"] == "AWS_OWNED_KEY"
    assert statuses(assets, *CONTROLS) == {
        ("ENC-04", "/app/api"): P, ("ENC-04", "/app/debug"): F, ("ENC-04", "/app/forever"): F,
        ("LOG-02", "/app/api"): P, ("LOG-02", "/app/debug"): F, ("LOG-02", "/app/forever"): F}


def test_deleted_retention_policy_fails_on_the_next_scan(session: boto3.Session) -> None:
    make_groups(session)
    session.client("logs").delete_retention_policy(logGroupName="/app/api")
    assert statuses(assets_of(collect(scope(session), "logs")), "LOG-02")[("LOG-02", "/app/api")] is F


def test_delivery_class_is_not_applicable_to_log_02(session: boto3.Session) -> None:
    # moto drops logGroupClass from DescribeLogGroups: answer as AWS does
    sc = scope(session)
    stub = Stubber(sc.client("logs"))
    stub.add_response("describe_log_groups", {"logGroups": [
        {"logGroupName": "vended", "logGroupClass": "DELIVERY", "retentionInDays": 2,
         "arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:vended:*",
         "logGroupArn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:vended"}]})
    with stub:
        assets = assets_of(collect(sc, "logs"))
    assert assets[0].attributes["retention_days"] == 2
    assert statuses(assets, *CONTROLS) == {("ENC-04", "vended"): F, ("LOG-02", "vended"): NA}


def test_denied_key_lookup_errors_enc_04_of_that_group_only(session: boto3.Session) -> None:
    make_groups(session)
    baseline = statuses(assets_of(collect(scope(session), "logs")))
    sc = scope(session)
    with denied(sc.client("kms"), "describe_key"):
        assets = assets_of(collect(sc, "logs"))
    got = statuses(assets)
    assert {k: s for k, s in got.items() if baseline[k] is not s} == {("ENC-04", "/app/api"): E}
    assert by_name(assets, "/app/api").errors == {"encryption.customer_managed_key": "AccessDenied kms:DescribeKey"}


def test_denied_list_is_a_scan_level_error(session: boto3.Session) -> None:
    make_groups(session)
    sc = scope(session)
    stub = Stubber(sc.client("logs"))
    stub.add_client_error("describe_log_groups", "AccessDeniedException", http_status_code=400)
    with stub:
        result = collect(sc, "logs")
    assert result.resources == ()
    assert result.errors == (ListFailure(
        ACCOUNT, REGION, "logs:DescribeLogGroups", "AccessDenied logs:DescribeLogGroups",
                                         ("live:logs:log_group",)),)
