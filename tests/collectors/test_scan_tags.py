"""A scan reads a resource's tags per resource (S3 GetBucketTagging, DynamoDB ListTagsOfResource) only when something
can use them (checks/flows/scan_needs.py `reads_tags`, live_types.Needs `tags_listed`); tags not read are recorded as
not read, never as no tags."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import boto3
import pytest

from checks.catalog.controls import Control, Remediation
from checks.catalog.expressions import Expression
from checks.catalog.loader import load_catalog
from checks.flows.scan import ScanRequest, run_scan
from checks.flows.scan_needs import reads_tags, scan_needs
from checks.live_types import DYNAMODB_TABLE, EVERYTHING, S3_BUCKET, Needs, skipped_reason
from checks.model import Severity
from checks.report import Report
from checks.selection import Selection
from tests.collectors.conftest import assets_of, by_name, collect, scope

NOW = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
BUCKET_TAGS, TABLE_TAGS = "GetBucketTagging", "ListTagsOfResource"
# the controls bench/prowler_checks.yaml pairs with Prowler's: none of them reads a bucket's or a table's tags
BENCH = ("ENC-01", "S3-01", "S3-02", "S3-03", "KEY-01", "NET-03", "LOG-01", "ENC-02", "BAK-08", "LOG-07", "LOG-09")


def _control(assert_: str = "versioning.enabled", *, reads: tuple[str, ...] = ("versioning",),
             applies_if: str | None = None, message: str = "Bucket {name}") -> Control:
    return Control(id="T-01", title="t", severity=Severity.LOW, kind="s3.bucket", reads=reads,
                   assert_=Expression(assert_), applies_if=None if applies_if is None else Expression(applies_if),
                   message=message, remediation=Remediation("r"))


def _needs(*ids: str) -> Needs:
    controls = load_catalog().controls
    return scan_needs([controls[i] for i in ids], NOW, load_catalog().templates)


@pytest.mark.parametrize(("control", "expected"), [
    (_control(), False),
    (_control(reads=("versioning", "tags")), True),                                # listed in reads
    (_control(applies_if="get(tags, 'data') == 'customer'"), True),               # an identity field: not listed
    (_control("versioning.enabled || tags.keep == 'yes'"), True),
    (_control(message="Bucket {name} of {tags.team}"), True),                      # a message placeholder
    (_control("length(keys(@)) > `0`"), True),                                     # reads the whole document
    (_control(message="Bucket {name}: {versioning.status || 'off'}"), False),
])
def test_a_control_reads_tags_when_its_reads_expressions_or_message_may(control: Control, expected: bool) -> None:
    assert reads_tags(control) is expected


def test_the_catalog_s_tag_readers() -> None:
    catalog = load_catalog()
    found = {c.id for c in catalog.controls.values() if reads_tags(c, catalog.templates[c.id])}
    assert {"RET-01", "NET-01", "NET-17", "IAM-09"} <= found
    assert not {"S3-01", "ENC-01", "ENC-02", "LOG-01", "BAK-07"} & found
    # the compiled templates and those compiled from `message` decide alike
    assert found == {c.id for c in catalog.controls.values() if reads_tags(c)}


@pytest.mark.parametrize(("ids", "bucket", "table"), [
    (BENCH, False, False),
    (("LOG-01",), False, False),   # aws.region counts buckets and tables; their tags change nothing there
    (("RET-01",), True, False),    # applies to buckets tagged as customer data
    (("BAK-07",), False, True),    # backup_covered: a selection by tag may assign the table
    (("BAK-02",), True, True),     # a plan's `covered` matches its selections' tags
])
def test_tag_reads_follow_the_selected_controls(ids: tuple[str, ...], bucket: bool, table: bool) -> None:
    needs = _needs(*ids)
    assert (needs.wants(S3_BUCKET, BUCKET_TAGS), needs.wants(DYNAMODB_TABLE, TABLE_TAGS)) == (bucket, table)


def test_without_the_tag_decision_tags_are_always_read() -> None:
    controls = load_catalog().controls
    assert Needs.of([controls["S3-01"], controls["ENC-02"]]).wants(S3_BUCKET, BUCKET_TAGS)  # identity: always
    assert Needs.of([controls["ENC-02"]]).wants(DYNAMODB_TABLE, TABLE_TAGS)
    assert EVERYTHING.wants(S3_BUCKET, BUCKET_TAGS) and EVERYTHING.wants(DYNAMODB_TABLE, TABLE_TAGS)  # drift


def _estate(session: boto3.Session) -> None:
    s3 = session.client("s3")
    s3.create_bucket(Bucket="data")
    s3.put_bucket_tagging(Bucket="data", Tagging={"TagSet": [{"Key": "team", "Value": "core"}]})
    session.client("dynamodb").create_table(
        TableName="orders", BillingMode="PAY_PER_REQUEST", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], Tags=[{"Key": "team", "Value": "core"}])


def test_tags_not_read_are_recorded_as_not_read_never_as_none(session: boto3.Session) -> None:
    _estate(session)
    sc = scope(session)
    needs = _needs("S3-01", "ENC-02")
    narrow = type(sc)(sc.session, sc.region, sc.account, settings=sc.settings, needs=needs)
    bucket = by_name(assets_of(collect(narrow, "s3")), "data")
    table = by_name(assets_of(collect(narrow, "dynamodb")), "orders")
    assert bucket.errors["tags"] == skipped_reason("s3:GetBucketTagging")
    assert table.errors["tags"] == skipped_reason("dynamodb:ListTagsOfResource")
    full = type(sc)(sc.session, sc.region, sc.account, settings=sc.settings, needs=_needs("RET-01", "BAK-07"))
    assert by_name(assets_of(collect(full, "s3")), "data").tags == {"team": "core"}
    read = by_name(assets_of(collect(full, "dynamodb")), "orders")
    assert read.tags == {"team": "core"} and "tags" not in read.errors


def _scan(session: boto3.Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
          services: tuple[str, ...] = ()) -> Report:
    monkeypatch.chdir(tmp_path)  # no project settings found upwards
    return run_scan(ScanRequest(session=session, services=services, max_workers=2, now=NOW,
                                selection=Selection.of(check=["S3-01", "ENC-02"])))


def test_a_scan_reads_tags_only_when_asked_and_when_services_are_named(session: boto3.Session, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    _estate(session)
    chosen = _scan(session, tmp_path, monkeypatch)
    assert not {"s3:GetBucketTagging", "dynamodb:ListTagsOfResource"} & set(chosen.api_calls)
    assert not [w for w in chosen.warnings if w.startswith("could not read")]  # left out on purpose: no warning
    named = _scan(session, tmp_path, monkeypatch, ("s3", "dynamodb"))  # --services: tags read as before
    assert (named.api_calls["s3:GetBucketTagging"], named.api_calls["dynamodb:ListTagsOfResource"]) == (1, 1)

    def results(report: Report) -> set[tuple[str, str, str, str | None]]:
        return {(f.control_id, f.asset_name, f.status.value, f.detail) for f in report.findings}

    assert results(chosen) == results(named)
