"""Every test of many accounts runs against moto in process: no endpoint override (mock_aws would not intercept),
no profile or moto account from the environment, fake credentials, us-east-1 by default."""

from __future__ import annotations

import os
from collections.abc import Iterator

import boto3
import pytest

from tests.org.organization import build_org


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in list(os.environ):
        if var.startswith("AWS_ENDPOINT_URL") or var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "MOTO_ACCOUNT_ID"):
            monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


@pytest.fixture
def org() -> Iterator[tuple[boto3.Session, list[str]]]:
    """moto's organization (tests/org/organization.py): the management session and the three member accounts."""
    yield from build_org()
