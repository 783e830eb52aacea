"""A dead endpoint costs the scan's deadline at most, never minutes per resource: a server on 127.0.0.1 that
accepts connections and never answers (except sts:GetCallerIdentity, so that the scan starts)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from checks.errors import InputError
from checks.flows.scan import ScanRequest, run_scan
from checks.model import Status
from tests.collectors.conftest import ACCOUNT, REGION

IDENTITY = (f'<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>'
            f"<Arn>arn:aws:iam::{ACCOUNT}:user/scanner</Arn><UserId>AIDA</UserId><Account>{ACCOUNT}</Account>"
            "</GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>"
            "</GetCallerIdentityResponse>").encode()


def _serve(listener: socket.socket, stop: threading.Event, answer_identity: bool) -> None:
    held: list[socket.socket] = []
    listener.settimeout(0.1)
    while not stop.is_set():
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            continue
        held.append(conn)
        threading.Thread(target=_handle, args=(conn, stop, answer_identity), daemon=True).start()
    for conn in held:
        conn.close()


def _handle(conn: socket.socket, stop: threading.Event, answer_identity: bool) -> None:
    conn.settimeout(0.2)
    data = b""
    while not stop.is_set():
        try:
            chunk = conn.recv(65536)
        except TimeoutError:
            continue
        except OSError:
            return
        if not chunk:
            return
        data += chunk
        if answer_identity and b"GetCallerIdentity" in data:
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: "
                         + str(len(IDENTITY)).encode() + b"\r\n\r\n" + IDENTITY)
            data = b""


@pytest.fixture(params=[True, False], ids=["sts-answers", "all-hang"])
def hanging(request: pytest.FixtureRequest) -> Iterator[tuple[str, bool]]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    stop = threading.Event()
    thread = threading.Thread(target=_serve, args=(listener, stop, request.param), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}", request.param
    stop.set()
    thread.join(5)
    listener.close()


def test_a_hung_endpoint_resolves_within_the_deadline(hanging: tuple[str, bool], tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    endpoint, sts_answers = hanging
    monkeypatch.chdir(tmp_path)
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)
    req = ScanRequest(session=session, endpoint_url=endpoint, timeout=2.5, max_workers=8)
    started = time.monotonic()
    if not sts_answers:
        with pytest.raises(InputError, match=r"cannot reach the account \(sts:GetCallerIdentity\)"):
            run_scan(req)
        assert time.monotonic() - started < 6
        return
    report = run_scan(req)
    assert time.monotonic() - started < 6  # deadline 2.5 s + 1 s grace + the evaluation
    errored = [f for f in report.findings if f.asset_id.startswith("scope:")]
    assert errored and all(f.status is Status.ERROR for f in errored)
    assert not [f for f in report.findings if f.status is Status.PASS]
    reasons = {(f.detail or "").split(" failed: ", 1)[1].split(" ", 1)[0] for f in errored}
    assert reasons <= {"ReadTimeoutError", "Timeout", "ConnectTimeoutError"}, reasons
    assert report.target == f"account {ACCOUNT} ({REGION}) at {endpoint}"
    assert f"read from {endpoint} with credentials from explicit" in report.warnings
    assert any(w.startswith(f"could not reach region {REGION} (") for w in report.warnings) or any(
        "raise it with --timeout" in w for w in report.warnings), report.warnings


def test_past_the_deadline_calls_fail_at_once_naming_timeout() -> None:
    from checks.collectors.base import Scope, call
    from checks.collectors.endpoints import Health

    health = Health(timeout=0.01)
    time.sleep(0.02)
    sc = Scope(boto3.Session(region_name=REGION), REGION, ACCOUNT, endpoint_url="http://127.0.0.1:9", health=health)
    kms = sc.client("kms")  # building a client is not the call being timed
    started = time.monotonic()
    assert call(kms, "list_keys") == (
        None, "Timeout (scan deadline of 0.01 s reached; raise it with --timeout)")
    assert time.monotonic() - started < 0.5


def test_after_a_connection_failure_the_endpoint_fails_at_once() -> None:
    from checks.collectors.base import ClientSettings, Scope, call
    from checks.collectors.endpoints import Health

    sc = Scope(boto3.Session(region_name=REGION), REGION, ACCOUNT, endpoint_url="http://127.0.0.1:9",
               settings=ClientSettings(connect_timeout=1), health=Health())
    kms = sc.client("kms")
    assert call(kms, "list_keys") == (None, "EndpointConnectionError kms:ListKeys")
    attempts: list[int] = []
    kms.meta.events.register("before-send", lambda **_: attempts.append(1))
    assert call(kms, "describe_key", KeyId="k") == (
        None, f"EndpointConnectionError kms:DescribeKey (endpoint kms {REGION} did not answer earlier in this scan: "
              "EndpointConnectionError kms:ListKeys)")
    assert attempts == []  # nothing was sent


def _throttled_kms(health: object, monkeypatch: pytest.MonkeyPatch, backoff: float) -> tuple[object, list[int]]:
    """A KMS client of a scope under `health` whose every ListKeys is throttled; botocore's backoff is `backoff`
    seconds (no adaptive rate-limit wait), so only the deadline decides whether a retry is made."""
    from botocore.retries import bucket, standard

    from checks.collectors.base import ClientSettings, Scope
    from tests.collectors.conftest import throttle

    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: backoff)
    monkeypatch.setattr(bucket.TokenBucket, "acquire", lambda self, amount=1, block=True: True)
    sc = Scope(boto3.Session(region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing"),
               REGION, ACCOUNT, endpoint_url="http://127.0.0.1:9", settings=ClientSettings(max_attempts=3),
               health=health)  # type: ignore[arg-type]
    kms = sc.client("kms")
    return kms, throttle(kms, "ListKeys", times=100)


def test_a_retry_whose_backoff_outlasts_the_deadline_is_not_made(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore's backoff for a throttled call grows to 8 s and more: with 2 s left, a 30 s backoff is not slept
    (the scan would overrun its --timeout); the call fails now, as throttled, after its one attempt."""
    from checks.collectors.base import call
    from checks.collectors.endpoints import Health

    kms, seen = _throttled_kms(Health(timeout=2.0), monkeypatch, backoff=30.0)
    started = time.monotonic()
    assert call(kms, "list_keys") == (None, "Throttled kms:ListKeys (still throttled after retries)")
    assert time.monotonic() - started < 1.5
    assert len(seen) == 1


@pytest.mark.parametrize("timeout", [None, 60.0], ids=["no-deadline", "deadline-far"])
def test_retries_that_fit_the_deadline_follow_botocores_policy(monkeypatch: pytest.MonkeyPatch,
                                                               timeout: float | None) -> None:
    from checks.collectors.base import call
    from checks.collectors.endpoints import Health

    kms, seen = _throttled_kms(Health(timeout=timeout), monkeypatch, backoff=0.01)
    assert call(kms, "list_keys") == (None, "Throttled kms:ListKeys (still throttled after retries)")
    assert len(seen) == 4  # the first attempt and max_attempts=3 retries
