"""Fixtures for collector tests: moto in-process, fake credentials, no endpoint override, and helpers that
scan, normalize and evaluate the real control catalog."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from moto import mock_aws
from moto.core import set_initial_no_auth_action_count

from checks.catalog.loader import load_catalog
from checks.catalog.schemas import validate_assets
from checks.collectors import load_collectors
from checks.collectors.base import ClientSettings, CollectResult, Scope
from checks.engine import evaluate
from checks.model import Asset, Status
from checks.normalize import normalize

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account
FAST = ClientSettings(max_attempts=2, connect_timeout=1, read_timeout=2)


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Never reach a real endpoint: no endpoint override (mock_aws would not intercept), fake credentials."""
    import os

    for var in list(os.environ):
        if var.startswith("AWS_ENDPOINT_URL") or var in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
            monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries without botocore's backoff and adaptive rate-limit waits (the retry count is unchanged)."""
    from botocore.retries import bucket, standard

    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0)
    monkeypatch.setattr(bucket.TokenBucket, "acquire", lambda self, amount=1, block=True: True)


@pytest.fixture
def session() -> Iterator[boto3.Session]:
    with mock_aws():
        yield boto3.Session(region_name=REGION)


def scope(session: boto3.Session) -> Scope:
    return Scope(session, REGION, ACCOUNT, settings=FAST)


def collect(sc: Scope, name: str) -> CollectResult:
    return load_collectors()[name].collect(sc)


def assets_of(result: CollectResult) -> list[Asset]:
    """Normalize the live raw resources and assert every asset validates against its kind's schema."""
    assets = normalize(result.resources).assets
    problems = validate_assets(assets)
    assert not problems, problems
    return assets


def by_name(assets: list[Asset], name: str) -> Asset:
    found = [a for a in assets if a.name == name]
    assert len(found) == 1, [a.name for a in assets]
    return found[0]


def results(assets: list[Asset], *control_ids: str) -> dict[tuple[str, str], tuple[Status, str | None]]:
    """(control, asset name) -> (status, detail) for the real catalog's controls `control_ids` (all if none)."""
    catalog = load_catalog()
    controls = [c for cid, c in catalog.controls.items() if not control_ids or cid in control_ids]
    ev = evaluate(controls, assets, now=dt.datetime.now(dt.UTC), templates=catalog.templates)
    return {(f.control_id, f.asset_name): (f.status, f.detail) for f in ev.findings}


def statuses(assets: list[Asset], *control_ids: str) -> dict[tuple[str, str], Status]:
    return {k: v[0] for k, v in results(assets, *control_ids).items()}


def restricted_session(session: boto3.Session, denied: list[str]) -> boto3.Session:
    """A session for an IAM user allowed everything except `denied` (moto enforces IAM once auth is on)."""
    iam = session.client("iam")
    iam.create_user(UserName="scanner")
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": denied, "Resource": "*"}]}
    iam.put_user_policy(UserName="scanner", PolicyName="scan", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName="scanner")["AccessKey"]
    return boto3.Session(aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"],
                         region_name=REGION)


def with_iam_enforced(fn: Callable[[], Any]) -> Any:
    """Run fn with moto's IAM enforcement on from its first request (setup must be done before)."""
    return set_initial_no_auth_action_count(0)(fn)()


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def throttle(client: Any, operation: str, times: int) -> list[int]:
    """Answer the first `times` requests of `operation` with a JSON ThrottlingException (then moto answers).

    Returns the list of attempts seen, for assertions."""
    seen: list[int] = []
    body = json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode()

    def handler(request: Any, **_: Any) -> AWSResponse | None:
        seen.append(1)
        if len(seen) <= times:
            return AWSResponse(request.url, 400, {"Content-Type": "application/x-amz-json-1.1"}, _Raw(body))
        return None

    service = client.meta.service_model.service_id.hyphenize()
    client.meta.events.register_first(f"before-send.{service}.{operation}", handler)
    return seen
