"""The fault proxy itself: each fault reaches botocore in the shape AWS would give it (error code and HTTP status
parsed from the protocol's own error body), unmatched calls are forwarded untouched, and every fault is bounded."""

from __future__ import annotations

import time
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError, ReadTimeoutError
from botocore.parsers import ResponseParserError

from checks.sandbox import SandboxInfo
from tests.faults.proxy import Fault, FaultProxy, Rule

NO_RETRY = Config(retries={"mode": "standard", "total_max_attempts": 1}, connect_timeout=2, read_timeout=2)


def client(sandbox: SandboxInfo, proxy: FaultProxy, service: str) -> Any:
    return sandbox.session().client(service, endpoint_url=proxy.endpoint, config=NO_RETRY)


def error_of(run: Any) -> tuple[str, int]:
    with pytest.raises(ClientError) as caught:
        run()
    response = caught.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_unmatched_calls_are_forwarded(sandbox: SandboxInfo, faults: FaultProxy) -> None:
    kms = client(sandbox, faults, "kms")
    key = kms.create_key(Description="forwarded")["KeyMetadata"]["KeyId"]
    assert key in {k["KeyId"] for k in kms.list_keys()["Keys"]}
    s3 = client(sandbox, faults, "s3")
    s3.create_bucket(Bucket="proxy-forwarded")
    assert "proxy-forwarded" in {b["Name"] for b in s3.list_buckets()["Buckets"]}
    assert faults.seen["kms:ListKeys"] == 1 and faults.seen["s3:ListBuckets"] == 1 and not faults.hits


def incomplete(answer: dict[str, Any], key: str, item_id: str) -> bool:
    """Whether a parsed answer lacks its result list, or an item of it lacks its id."""
    return key not in answer or any(item_id not in item for item in answer[key])


@pytest.mark.parametrize(("service", "operation", "run", "denied", "throttled", "result"), [
    ("kms", "kms:ListKeys", lambda c: c.list_keys(), ("AccessDeniedException", 400), ("ThrottlingException", 400),
     ("Keys", "KeyId")),
    ("ec2", "ec2:DescribeSecurityGroups", lambda c: c.describe_security_groups(), ("UnauthorizedOperation", 403),
     ("RequestLimitExceeded", 503), ("SecurityGroups", "GroupId")),
    ("iam", "iam:ListUsers", lambda c: c.list_users(), ("AccessDenied", 403), ("Throttling", 400),
     ("Users", "UserName")),
    ("s3", "s3:ListBuckets", lambda c: c.list_buckets(), ("AccessDenied", 403), ("SlowDown", 503), ("Buckets", "Name")),
])
def test_error_shapes_per_protocol(sandbox: SandboxInfo, faults: FaultProxy, service: str, operation: str,
                                   run: Any, denied: tuple[str, int], throttled: tuple[str, int],
                                   result: tuple[str, str]) -> None:
    api = client(sandbox, faults, service)
    faults.inject(Rule(operation, Fault.DENY))
    assert error_of(lambda: run(api)) == denied
    faults.inject(Rule(operation, Fault.THROTTLE))
    assert error_of(lambda: run(api)) == throttled
    faults.inject(Rule(operation, Fault.HTTP500))
    assert error_of(lambda: run(api))[1] == 500
    faults.inject(Rule(operation, Fault.GARBAGE))
    try:  # XML: a parser error (S3: a 500 ClientError); JSON: botocore parses an unreadable 200 body as {}
        garbage = run(api)
    except (ResponseParserError, ClientError):
        pass
    else:
        assert service == "kms" and incomplete(garbage, *result), garbage
    faults.inject(Rule(operation, Fault.MISSING_KEYS))
    missing = run(api)  # valid and parsed: noticing what is missing is the caller's job
    assert missing["ResponseMetadata"]["HTTPStatusCode"] == 200 and incomplete(missing, *result), missing
    assert faults.hits[operation] == 1


def test_reset_and_hang_are_bounded(sandbox: SandboxInfo, faults: FaultProxy) -> None:
    kms = client(sandbox, faults, "kms")
    faults.inject(Rule("kms:ListKeys", Fault.RESET))
    with pytest.raises(ConnectionClosedError):
        kms.list_keys()
    faults.inject(Rule("kms:ListKeys", Fault.HANG))
    started = time.monotonic()
    with pytest.raises(ReadTimeoutError):
        kms.list_keys()
    assert time.monotonic() - started < 2 + 1.5  # the client's read timeout, not the proxy, ends it
    faults.clear()  # releases the held request
    assert isinstance(kms.list_keys()["Keys"], list)


def test_proxy_forwards_to_loopback_only() -> None:
    with pytest.raises(ValueError, match="forwards to 127.0.0.1 only"):
        FaultProxy("http://example.com:80")
