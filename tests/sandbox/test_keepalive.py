"""HTTP/1.1 keep-alive in the sandbox's moto server (checks/sandbox/keepalive.py): a client's calls share one
connection, every response ends where its client expects it to, and idle connections neither outlive their timeout nor
hold up a stopping server."""

from __future__ import annotations

import email.message
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from checks.sandbox import keepalive, read_sandbox
from checks.sandbox.server import MotoServer
from tests.sandbox.conftest import clearance

HOST = "127.0.0.1"
EC2_AUTH = ("Authorization: AWS4-HMAC-SHA256 Credential=testing/20240101/us-east-1/ec2/aws4_request, "
            "SignedHeaders=host, Signature=0")
EC2_BODY = b"Action=DescribeVpcs&Version=2016-11-15"
EC2_GET = (f"GET /?Action=DescribeVpcs&Version=2016-11-15 HTTP/1.1\r\nHost: ec2.us-east-1.amazonaws.com\r\n"
           f"{EC2_AUTH}\r\n\r\n").encode()
EC2_POST = (f"POST / HTTP/1.1\r\nHost: ec2.us-east-1.amazonaws.com\r\n{EC2_AUTH}\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(EC2_BODY)}\r\n\r\n").encode()
IDLE = 0.5  # seconds: the idle timeout of the tests that wait for it


@pytest.fixture
def server() -> Iterator[MotoServer]:
    moto = MotoServer()
    moto.start()
    yield moto
    moto.stop()


@pytest.fixture
def short_idle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keepalive, "IDLE_TIMEOUT", IDLE)


def port_of(server: MotoServer) -> int:
    return int(server._server.get_host_and_port()[1])


def exchange(port: int, data: bytes) -> tuple[bytes, float]:
    """Send `data` on a new connection and read until the server closes it (within 10 s, else socket.timeout);
    what was read, and after how long."""
    with socket.create_connection((HOST, port), timeout=10) as sock:
        start = time.monotonic()
        sock.sendall(data)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
        return received, time.monotonic() - start


def read_until(sock: socket.socket, end: bytes) -> bytes:
    """Read from `sock` until what was read ends with `end` (a response may come in several pieces)."""
    received = b""
    while not received.endswith(end):
        chunk = sock.recv(65536)
        assert chunk, f"connection closed after {received[:200]!r}"
        received += chunk
    return received


Response = tuple[int, dict[str, str], bytes]


def responses(received: bytes, methods: list[str]) -> list[Response]:
    """The responses to requests of `methods`, in order, each body cut at its Content-Length (none for HEAD); fails
    when a response is incomplete or bytes follow the last one."""
    found: list[Response] = []
    rest = received
    for method in methods:
        status = 100
        while status == 100:  # interim responses
            head, sep, rest = rest.partition(b"\r\n\r\n")
            assert sep, f"incomplete response: {head[:200]!r}"
            status_line, *lines = head.decode("latin-1").split("\r\n")
            status = int(status_line.split()[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
        length = 0 if method == "HEAD" else int(headers["content-length"])
        body, rest = rest[:length], rest[length:]
        assert len(body) == length, f"body of {len(body)} bytes, Content-Length {length}"
        found.append((status, headers, body))
    assert rest == b"", f"bytes after the last response: {rest[:200]!r}"
    return found


def test_calls_of_one_client_share_one_connection() -> None:
    moto = MotoServer()
    port = moto.start()
    try:
        import boto3

        ec2 = boto3.Session().client("ec2", endpoint_url=f"http://{HOST}:{port}")
        answers = [ec2.describe_vpcs() for _ in range(3)] + [ec2.describe_security_groups()]
        assert moto.connections_accepted == 1
        assert all("connection" not in a["ResponseMetadata"]["HTTPHeaders"] for a in answers)
    finally:
        moto.stop()


def test_s3_objects_with_bodies_head_and_errors_on_one_connection() -> None:
    moto = MotoServer()
    port = moto.start()
    try:
        import boto3

        s3 = boto3.Session().client("s3", endpoint_url=f"http://{HOST}:{port}")
        s3.create_bucket(Bucket="keepalive-test")
        small, large = b"hello, sandbox", bytes(range(256)) * 20_000  # 5 MB: a large response, read as a stream
        s3.put_object(Bucket="keepalive-test", Key="small", Body=small)  # boto3 sends `Expect: 100-continue`
        s3.put_object(Bucket="keepalive-test", Key="large", Body=large)
        assert s3.get_object(Bucket="keepalive-test", Key="small")["Body"].read() == small
        stream = s3.get_object(Bucket="keepalive-test", Key="large")["Body"]
        assert b"".join(stream.iter_chunks(65536)) == large
        assert s3.head_object(Bucket="keepalive-test", Key="large")["ContentLength"] == len(large)
        with pytest.raises(ClientError) as missing:
            s3.head_object(Bucket="keepalive-test", Key="missing")
        assert missing.value.response["Error"]["Code"] == "404"
        with pytest.raises(ClientError) as gone:
            s3.get_object(Bucket="keepalive-test", Key="missing")
        assert gone.value.response["Error"]["Code"] == "NoSuchKey"
        assert s3.delete_object(Bucket="keepalive-test", Key="small")["ResponseMetadata"]["HTTPStatusCode"] == 204
        assert [o["Key"] for o in s3.list_objects_v2(Bucket="keepalive-test")["Contents"]] == ["large"]
        assert moto.connections_accepted == 1
    finally:
        moto.stop()


@pytest.mark.usefixtures("short_idle")
def test_requests_sent_together_are_answered_in_turn_then_the_idle_connection_closes(server: MotoServer) -> None:
    received, took = exchange(port_of(server), EC2_GET + EC2_POST + EC2_BODY)
    answers = responses(received, ["GET", "POST"])
    assert [status for status, _, _ in answers] == [200, 200]
    assert all(b"<DescribeVpcsResponse" in body and "connection" not in headers for _, headers, body in answers)
    assert took >= IDLE  # closed by the idle timeout (exchange fails if it is not closed within 10 s)
    assert server.connections_accepted == 1


@pytest.mark.usefixtures("short_idle")
def test_head_and_an_unread_body_do_not_leak_into_the_next_response(server: MotoServer) -> None:
    head = b"HEAD / HTTP/1.1\r\nHost: localhost\r\n\r\n"
    unread = b"PUT /no/such/route HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello"
    received, _ = exchange(port_of(server), head + unread + EC2_GET)
    answers = responses(received, ["HEAD", "PUT", "GET"])
    assert [status for status, _, _ in answers] == [200, 404, 200]
    assert int(answers[0][1]["content-length"]) > 0 and answers[0][2] == b""  # HEAD: the length, no body
    assert b"<DescribeVpcsResponse" in answers[2][2]


@pytest.mark.usefixtures("short_idle")
def test_expect_100_continue_is_answered_once(server: MotoServer) -> None:
    request = EC2_POST.replace(b"Content-Length", b"Expect: 100-continue\r\nContent-Length")
    with socket.create_connection((HOST, port_of(server)), timeout=10) as sock:
        sock.sendall(request)
        assert read_until(sock, b"\r\n\r\n") == b"HTTP/1.1 100 Continue\r\n\r\n"  # now the client sends the body
        sock.sendall(EC2_BODY)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    assert received.startswith(b"HTTP/1.1 200 ")  # no second `100 Continue`
    [(status, headers, body)] = responses(received, ["POST"])
    assert status == 200 and b"<DescribeVpcsResponse" in body and "connection" not in headers


@pytest.mark.parametrize(("name", "request_bytes"), [
    ("HTTP/1.0", EC2_GET.replace(b"HTTP/1.1", b"HTTP/1.0")),
    ("client asks to close", EC2_GET.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n")),
    ("chunked request body", EC2_POST.replace(b"Content-Length: 38", b"Transfer-Encoding: chunked")
     + b"26\r\n" + EC2_BODY + b"\r\n0\r\n\r\n"),
])
def test_other_requests_close_their_connection_as_werkzeug_does(server: MotoServer, name: str,
                                                                 request_bytes: bytes) -> None:
    received, _ = exchange(port_of(server), request_bytes + EC2_GET)  # closed well before the 20 s idle timeout
    [(status, headers, body)] = responses(received, ["GET"])  # the request after it is not answered
    assert (status, headers["connection"]) == (200, "close"), name
    assert b"<DescribeVpcsResponse" in body


def test_connections_beyond_the_limit_are_closed_after_their_response(server: MotoServer,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server._server.connections, "limit", 1)
    with socket.create_connection((HOST, port_of(server)), timeout=10) as kept:
        kept.sendall(EC2_GET)
        assert b"Connection: close" not in read_until(kept, b"</DescribeVpcsResponse>")
        received, _ = exchange(port_of(server), EC2_GET + EC2_GET)  # a second connection while the first is open
    [(status, headers, _)] = responses(received, ["GET"])
    assert (status, headers["connection"]) == (200, "close")


def test_stop_closes_idle_connections_and_ends_their_threads(server: MotoServer) -> None:
    before = threading.active_count()
    with socket.create_connection((HOST, port_of(server)), timeout=10) as idle:
        idle.sendall(EC2_GET)
        read_until(idle, b"</DescribeVpcsResponse>")
        assert threading.active_count() == before + 1  # the connection's thread, waiting for its next request
        start = time.monotonic()
        server.stop()
        assert idle.recv(65536) == b""  # closed by the server, long before the 20 s idle timeout
        assert time.monotonic() - start < 5
    deadline = time.monotonic() + 2
    while threading.active_count() > before - 1 and time.monotonic() < deadline:  # the serving thread ends too
        time.sleep(0.01)
    assert threading.active_count() == before - 1


def test_down_stops_a_sandbox_holding_an_idle_connection(out: Path) -> None:
    up = clearance("up", "--out", str(out))
    assert up.returncode == 0, up.stderr
    info = read_sandbox(out)
    assert info is not None
    ec2 = info.session().client("ec2")
    ec2.describe_vpcs()  # the client keeps its connection open in its pool
    start = time.monotonic()
    down = clearance("down", "--out", str(out))
    took = time.monotonic() - start
    assert down.returncode == 0, down.stderr
    assert f"sandbox stopped (pid {info.pid}" in down.stdout
    assert took < 4  # within SIGTERM's grace period: no SIGKILL was needed
    assert (out / "sandbox.log").read_text().rstrip().endswith("sandbox stopped")


def misframed_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """Responses whose body is not what their headers announce (moto's never are: this is the safety net)."""
    if environ["PATH_INFO"] == "/short":
        start_response("200 OK", [("Content-Length", "10")])
        return [b"12345"]
    start_response("200 OK", [("Content-Length", "3")])
    return [b"abc"]  # for HEAD too: a body a HEAD response must not have


@pytest.fixture
def misframed() -> Iterator[int]:
    from werkzeug.serving import make_server

    httpd = make_server(HOST, 0, misframed_app, True, request_handler=keepalive.handler_for(keepalive.Connections()))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.port
    httpd.shutdown()
    thread.join(5)


@pytest.mark.parametrize(("first", "answer"), [
    (b"GET /short HTTP/1.1\r\nHost: localhost\r\n\r\n", b"12345"),
    (b"HEAD /body HTTP/1.1\r\nHost: localhost\r\n\r\n", b"abc"),
])
def test_a_response_unlike_its_headers_closes_its_connection(misframed: int, first: bytes, answer: bytes) -> None:
    received, _ = exchange(misframed, first + b"GET /next HTTP/1.1\r\nHost: localhost\r\n\r\n")
    assert received.count(b"HTTP/1.1 ") == 1 and received.endswith(b"\r\n\r\n" + answer)  # the next one unanswered
    assert b"Connection: close" not in received  # decided after the headers were sent: the close tells the client


@pytest.mark.parametrize(("headers", "length"), [
    ({}, 0), ({"Content-Length": "38"}, 38), ({"Content-Length": " 7 "}, 7), ({"Content-Length": "-1"}, None),
    ({"Content-Length": "x"}, None), ({"Transfer-Encoding": "chunked"}, None),
])
def test_body_length(headers: dict[str, str], length: int | None) -> None:
    message = email.message.Message()
    for key, value in headers.items():
        message[key] = value
    assert keepalive.body_length(message) == length


def test_body_length_refuses_two_content_lengths() -> None:
    message = email.message.Message()
    message["Content-Length"] = "5"
    message["Content-Length"] = "6"
    assert keepalive.body_length(message) is None
