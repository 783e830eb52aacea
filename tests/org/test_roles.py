"""One session per account: the role assumed there (moto's STS accepts any role ARN, and its credentials act in the
role's account), a refusal or no answer as a `Denied` that says which role and trust policy the account needs, and
the temporary credentials never in a message."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError
from moto import mock_aws

from checks.collectors.base import ClientSettings
from checks.errors import InputError
from checks.org.roles import (
    DEFAULT_ROLE_NAME,
    Denied,
    assume,
    check_external_id,
    role_arn,
    scanner_arn,
    split_role_name,
    trusted_principal,
)

REGION = "us-east-1"
MEMBER = "222222222222"
OTHER = "333333333333"
FAST = ClientSettings(max_attempts=0, connect_timeout=1, read_timeout=2)



class SubSession(boto3.Session):
    """Stands for the sandbox's SandboxSession: a subclass of boto3.Session with defaults of its own."""

    marker = "sandbox"


@pytest.fixture
def session() -> Iterator[boto3.Session]:
    with mock_aws():
        yield SubSession(region_name=REGION)


def sent(session: boto3.Session) -> list[dict[str, list[str]]]:
    """The parameters of every AssumeRole request the session's clients send (the query-protocol form body)."""
    seen: list[dict[str, list[str]]] = []

    def handler(params: dict[str, Any], **_: Any) -> None:
        body = params["body"]
        seen.append(parse_qs(body if isinstance(body, str) else body.decode()) if isinstance(body, str | bytes)
                    else {k: [str(v)] for k, v in body.items()})

    session.events.register("before-call.sts.AssumeRole", handler)
    return seen


def refuse(session: boto3.Session, arn: str, code: str = "AccessDenied", status: int = 403) -> None:
    """AssumeRole of `arn` fails with `code`; other roles are assumed as moto does."""
    def handler(params: dict[str, Any], **_: Any) -> tuple[Any, dict[str, Any]] | None:
        body = params["body"]
        role = body.get("RoleArn") if isinstance(body, dict) else parse_qs(str(body)).get("RoleArn", [""])[0]
        if role != arn:
            return None
        return SimpleNamespace(status_code=status), {
            "Error": {"Code": code, "Message": f"User is not authorized to perform: sts:AssumeRole on {arn}"},
            "ResponseMetadata": {"HTTPStatusCode": status}}

    session.events.register("before-call.sts.AssumeRole", handler)


def into(session: boto3.Session, account: str, **kwargs: Any) -> boto3.Session | Denied:
    options: dict[str, Any] = {"role_name": DEFAULT_ROLE_NAME, "external_id": None, "endpoint_url": None,
                               "settings": FAST, "region": REGION, **kwargs}
    return assume(session, account, **options)


# ---------------------------------------------------------------- names


def test_role_arns_with_a_path_and_a_partition() -> None:
    assert role_arn(MEMBER, "ClearanceScan") == f"arn:aws:iam::{MEMBER}:role/ClearanceScan"
    assert role_arn(MEMBER, "security/audit/Scan") == f"arn:aws:iam::{MEMBER}:role/security/audit/Scan"
    assert role_arn(MEMBER, "/security/Scan", "aws-cn") == f"arn:aws-cn:iam::{MEMBER}:role/security/Scan"
    assert role_arn("*", "Scan") == "arn:aws:iam::*:role/Scan"
    assert split_role_name("a/b/Scan") == ("/a/b/", "Scan") and split_role_name("Scan") == ("/", "Scan")


@pytest.mark.parametrize("name", ["", "/", "bad name", "x" * 65, "path with space/Scan", "Scan*"])
def test_a_role_name_iam_would_refuse_is_an_input_error(name: str) -> None:
    with pytest.raises(InputError, match=r"^--role-name: .* is not an IAM role name"):
        role_arn(MEMBER, name)


def test_external_ids_are_checked_as_sts_does() -> None:
    assert check_external_id("tenant-42:prod/a") == "tenant-42:prod/a"
    for bad in ("x", "with space", "x" * 1225):
        with pytest.raises(InputError, match=r"^--external-id: not an STS external id"):
            check_external_id(bad)


def test_an_assumed_role_session_is_trusted_through_its_role() -> None:
    assert trusted_principal("arn:aws:sts::111111111111:assumed-role/Scanner/ci-run-7") \
        == "arn:aws:iam::111111111111:role/Scanner"
    assert trusted_principal("arn:aws-us-gov:sts::111111111111:assumed-role/Scanner/s") \
        == "arn:aws-us-gov:iam::111111111111:role/Scanner"
    assert trusted_principal("arn:aws:iam::111111111111:user/ci") == "arn:aws:iam::111111111111:user/ci"


# ---------------------------------------------------------------- assume


def test_the_session_acts_in_the_account_with_the_role(session: boto3.Session) -> None:
    assumed = into(session, MEMBER, region="eu-west-1")
    assert isinstance(assumed, boto3.Session)
    assert type(assumed) is boto3.Session  # a plain session, not the base session's subclass
    assert assumed.region_name == "eu-west-1"
    identity = assumed.client("sts").get_caller_identity()
    assert identity["Account"] == MEMBER
    assert identity["Arn"] == f"arn:aws:sts::{MEMBER}:assumed-role/ClearanceScan/clearance-scan"
    assumed.client("sqs").create_queue(QueueName="member-only")
    assert "QueueUrls" not in session.client("sqs").list_queues()  # the base account sees nothing of it
    assert assumed.client("sqs").list_queues()["QueueUrls"][0].endswith(f"/{MEMBER}/member-only")


def test_the_request_names_the_session_duration_and_the_external_id(session: boto3.Session) -> None:
    seen = sent(session)
    assert isinstance(into(session, MEMBER, external_id="tenant-42"), boto3.Session)
    assert isinstance(into(session, OTHER, role_name="audit/Scan"), boto3.Session)
    first, second = seen
    assert first["RoleArn"] == [f"arn:aws:iam::{MEMBER}:role/ClearanceScan"]
    assert first["RoleSessionName"] == ["clearance-scan"] and first["DurationSeconds"] == ["3600"]
    assert first["ExternalId"] == ["tenant-42"]
    assert second["RoleArn"] == [f"arn:aws:iam::{OTHER}:role/audit/Scan"] and "ExternalId" not in second


def test_the_partition_follows_the_scanner(session: boto3.Session) -> None:
    seen = sent(session)
    refuse(session, f"arn:aws-cn:iam::{MEMBER}:role/ClearanceScan")
    denied = into(session, MEMBER, caller_arn="arn:aws-cn:iam::111111111111:role/Scanner")
    assert isinstance(denied, Denied) and denied.role_arn == f"arn:aws-cn:iam::{MEMBER}:role/ClearanceScan"
    assert seen[0]["RoleArn"] == [denied.role_arn]


def test_a_refused_role_is_denied_for_that_account_only(session: boto3.Session) -> None:
    arn = f"arn:aws:iam::{MEMBER}:role/ClearanceScan"
    refuse(session, arn)
    denied = into(session, MEMBER, external_id="tenant-42",
                  caller_arn="arn:aws:sts::123456789012:assumed-role/Scanner/ci")
    assert denied == Denied(MEMBER, arn, "AccessDenied sts:AssumeRole",
                            "arn:aws:sts::123456789012:assumed-role/Scanner/ci", "tenant-42")
    assert isinstance(denied, Denied)
    assert denied.fix() == (f"deploy role {arn} trusting arn:aws:iam::123456789012:role/Scanner (sts:AssumeRole, "
                            "sts:ExternalId tenant-42), and grant that identity sts:AssumeRole on it: clearance "
                            "iam-policy --organization prints both")
    assert denied.describe() == f"sts:AssumeRole {arn} (account {MEMBER}): AccessDenied sts:AssumeRole"
    assert isinstance(into(session, OTHER), boto3.Session)


def test_a_denial_without_the_caller_names_the_scanning_identity(session: boto3.Session) -> None:
    refuse(session, f"arn:aws:iam::{MEMBER}:role/ClearanceScan", code="AccessDeniedException", status=400)
    denied = into(session, MEMBER)
    assert isinstance(denied, Denied) and denied.reason == "AccessDenied sts:AssumeRole"
    assert "trusting the scanning identity (sts:AssumeRole), and grant" in denied.fix()


def test_throttling_and_no_answer_are_denied_with_their_own_fix(session: boto3.Session) -> None:
    refuse(session, f"arn:aws:iam::{MEMBER}:role/ClearanceScan", code="Throttling", status=400)
    throttled = into(session, MEMBER)
    assert isinstance(throttled, Denied)
    assert throttled.reason == "Throttled sts:AssumeRole (still throttled after retries)"
    assert throttled.fix().startswith("scan again later")

    def unreachable(**_: Any) -> None:
        raise EndpointConnectionError(endpoint_url="https://sts.amazonaws.com/")

    session.events.register("before-call.sts.AssumeRole", unreachable)
    lost = into(session, OTHER)
    assert isinstance(lost, Denied) and lost.reason == "EndpointConnectionError sts:AssumeRole"
    assert lost.fix().startswith("check the endpoint and the network")


def test_the_temporary_credentials_never_show(session: boto3.Session) -> None:
    answers: list[dict[str, Any]] = []
    session.events.register("after-call.sts.AssumeRole", lambda parsed, **_: answers.append(parsed))
    assumed = into(session, MEMBER)
    assert isinstance(assumed, boto3.Session)
    creds = answers[0]["Credentials"]
    frozen = assumed.get_credentials().get_frozen_credentials()
    assert (frozen.secret_key, frozen.token) == (creds["SecretAccessKey"], creds["SessionToken"])
    refuse(session, f"arn:aws:iam::{OTHER}:role/ClearanceScan")
    denied = into(session, OTHER)
    assert isinstance(denied, Denied)
    for text in (repr(assumed), str(assumed), repr(denied), denied.fix(), denied.describe()):
        assert creds["SecretAccessKey"] not in text and creds["SessionToken"] not in text


def test_the_new_session_ignores_the_profile_of_the_environment(session: boto3.Session,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The temporary credentials are the session's only source: a profile named in AWS_PROFILE is not looked up."""
    assumed = into(session, MEMBER)
    assert isinstance(assumed, boto3.Session)
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")  # a boto3.Session built from the keys alone would fail now
    assert assumed.client("sts").get_caller_identity()["Account"] == MEMBER


def test_scanner_arn_is_the_caller(session: boto3.Session) -> None:
    assert scanner_arn(session, endpoint_url=None, settings=FAST, region=REGION) \
        == "arn:aws:sts::123456789012:user/moto"
    assumed = into(session, MEMBER)
    assert isinstance(assumed, boto3.Session)
    assert scanner_arn(assumed, endpoint_url=None, settings=FAST, region=REGION) \
        == f"arn:aws:sts::{MEMBER}:assumed-role/ClearanceScan/clearance-scan"
