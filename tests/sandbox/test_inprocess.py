"""The in-process sandbox (`running_sandbox`) and the boto3 session it hands out."""

from __future__ import annotations

import urllib.parse

import pytest

from checks.sandbox import SandboxError, reset_sandbox, running_sandbox
from checks.sandbox.state import probe


def test_bucket_and_vpc_round_trip_then_reset() -> None:
    with running_sandbox() as info:
        url = urllib.parse.urlsplit(info.endpoint)
        assert (url.scheme, url.hostname, url.port) == ("http", "127.0.0.1", info.port)
        assert info.account_id == "123456789012" and info.region == "us-east-1"
        session = info.session()
        s3, ec2 = session.client("s3"), session.client("ec2")
        assert s3.meta.endpoint_url == info.endpoint == ec2.meta.endpoint_url

        s3.create_bucket(Bucket="clearance-sandbox-test")
        vpc_id = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
        assert "clearance-sandbox-test" in [b["Name"] for b in s3.list_buckets()["Buckets"]]
        assert ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["CidrBlock"] == "10.42.0.0/16"
        assert session.client("sts").get_caller_identity()["Account"] == info.account_id

        reset_sandbox(info)
        assert s3.list_buckets()["Buckets"] == []
        assert vpc_id not in [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]]
    assert not probe(info.endpoint, timeout=0.5)  # stopped on exit


def test_session_ignores_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # would fail if the session honoured it
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")
    with running_sandbox(region="eu-west-1") as info:
        session = info.session()
        assert session.region_name == "eu-west-1"
        assert session.client("sts").get_caller_identity()["Account"] == info.account_id
        assert session.client("ec2").meta.region_name == "eu-west-1"
        assert session.resource("s3").meta.client.meta.endpoint_url == info.endpoint
        other = "http://127.0.0.1:1"
        assert session.client("s3", endpoint_url=other).meta.endpoint_url == other  # an explicit endpoint wins


def test_resources_do_not_leak_between_sandboxes() -> None:
    with running_sandbox() as info:
        info.session().client("s3").create_bucket(Bucket="left-behind")
    with running_sandbox() as info:
        assert info.session().client("s3").list_buckets()["Buckets"] == []


def test_port_in_use_is_one_line_error() -> None:
    with running_sandbox() as first:
        with pytest.raises(SandboxError) as caught:
            with running_sandbox(port=first.port):
                pass
    message = str(caught.value)
    assert "\n" not in message
    assert f"cannot bind the sandbox server to 127.0.0.1:{first.port}: Address already in use" in message
