"""`--backend s3://BUCKET[/prefix]`: Pulumi checkpoint objects read with boto3, against moto in process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from checks.errors import InputError
from checks.sources.backends import StateSet, load_states
from checks.sources.state import load_state

FIXTURES = Path(__file__).parent.parent / "fixtures"
DIY = FIXTURES / "backends" / "diy"
REGION = "eu-west-1"


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch) -> Iterator[boto3.Session]:
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)
    with mock_aws():
        yield boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)


def upload(session: boto3.Session, bucket: str, prefix: str = "") -> None:
    s3 = session.client("s3")
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    for path in sorted(DIY.rglob("*")):
        if path.is_file():
            s3.put_object(Bucket=bucket, Key=prefix + path.relative_to(DIY).as_posix(), Body=path.read_bytes())


def s3_states(session: boto3.Session, url: str, stacks: tuple[str, ...] = ()) -> list[StateSet]:
    return load_states([], url, list(stacks), session=session, env={})


def s3_error(session: Any, url: str, stacks: tuple[str, ...] = ()) -> str:
    with pytest.raises(InputError) as info:
        s3_states(session, url, stacks)
    return str(info.value)


def test_bucket_with_prefix_every_stack(session: boto3.Session) -> None:
    upload(session, "acme-pulumi-state", "infra/")
    sets = s3_states(session, "s3://acme-pulumi-state/infra?region=eu-west-1")
    assert [(s.name, s.origin) for s in sets] == [
        ("orders/prod", "s3://acme-pulumi-state/infra/.pulumi/stacks/orders/prod.json"),
        ("sample/dev", "s3://acme-pulumi-state/infra/.pulumi/stacks/sample/dev.json.gz"),
        ("sample/fresh", "s3://acme-pulumi-state/infra/.pulumi/stacks/sample/fresh.json")]
    assert sets[0].resources == tuple(load_state(FIXTURES / "state" / "v6_kms_sse_v2_side_resource_sg_secret_rds.json")
                                      .resources)
    assert len(sets[1].resources) == 4


def test_bucket_root_chosen_stack(session: boto3.Session) -> None:
    upload(session, "acme-state")
    [dev] = s3_states(session, "s3://acme-state", ("sample/dev",))
    assert (dev.name, dev.origin) == ("sample/dev", "s3://acme-state/.pulumi/stacks/sample/dev.json.gz")


def test_unknown_stack_lists_the_stacks_found(session: boto3.Session) -> None:
    upload(session, "acme-state")
    assert s3_error(session, "s3://acme-state", ("orders/dev",)) == (
        "s3://acme-state: no stack orders/dev in this backend (found: orders/prod, sample/dev, sample/fresh): "
        "give one of them with --stack")


def test_bucket_without_state(session: boto3.Session) -> None:
    upload(session, "acme-state", "other/")
    assert s3_error(session, "s3://acme-state/infra") == (
        "s3://acme-state/infra: no Pulumi state here (no objects under infra/.pulumi/stacks/): give the URL you "
        "logged in to with 'pulumi login'")


def test_missing_bucket(session: boto3.Session) -> None:
    assert s3_error(session, "s3://no-such-bucket") == (
        "s3://no-such-bucket: cannot be read (NoSuchBucket): check the bucket and prefix of --backend")


class _StubSession:
    """A session whose S3 client answers through a botocore Stubber (moto in process does not enforce policies)."""

    def __init__(self, stubbed: Any) -> None:
        self.stubbed = stubbed

    def client(self, *args: Any, **kwargs: Any) -> Any:
        return self.stubbed


def test_denied_bucket_names_the_permission() -> None:
    client = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                           region_name=REGION).client("s3", endpoint_url="http://127.0.0.1:9")
    with Stubber(client) as stub:
        stub.add_client_error("list_objects_v2", "AccessDenied", "Access Denied", 403)
        message = s3_error(cast(boto3.Session, _StubSession(client)), "s3://locked-bucket/state")
    assert message == ("s3://locked-bucket/state: cannot be read (AccessDenied): grant s3:ListBucket on "
                       "s3://locked-bucket to these credentials, or use others (AWS_PROFILE)")


def test_denied_object_names_the_object() -> None:
    client = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                           region_name=REGION).client("s3", endpoint_url="http://127.0.0.1:9")
    import datetime as dt
    with Stubber(client) as stub:
        stub.add_response("list_objects_v2", {"Contents": [
            {"Key": ".pulumi/stacks/orders/prod.json", "LastModified": dt.datetime(2025, 1, 1, tzinfo=dt.UTC)}]})
        stub.add_client_error("get_object", "AccessDenied", "Access Denied", 403)
        message = s3_error(cast(boto3.Session, _StubSession(client)), "s3://locked-bucket")
    assert message == ("s3://locked-bucket/.pulumi/stacks/orders/prod.json: cannot be read (AccessDenied): grant "
                       "s3:GetObject on s3://locked-bucket to these credentials, or use others (AWS_PROFILE)")


def test_unreachable_endpoint_is_one_line() -> None:
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)
    with pytest.raises(InputError) as info:
        load_states([], "s3://acme-state", [], session=session, endpoint_url="http://127.0.0.1:9", env={})
    assert str(info.value) == ("s3://acme-state: S3 cannot be reached (EndpointConnectionError): check the network "
                               "and --endpoint-url")
