"""A fault-injecting HTTP proxy for AWS calls, put in front of the moto sandbox (127.0.0.1 only).

Every request is forwarded to the upstream sandbox unless a rule matches its operation, named as the scan's IAM
policy names it: `kms:ListKeys` (JSON protocol: the X-Amz-Target header), `ec2:DescribeSecurityGroups` (query
protocol: the `Action=` field of the query string or the form body), `s3:ListBuckets` (rest-xml: GET / on S3).
The service is the signing name in the SigV4 `Authorization` header's credential scope.

A matching rule answers with its fault instead, in the protocol's own error shape, so botocore parses it as AWS
would answer: access denied, throttling, HTTP 500, an unparsable body, a valid body missing required keys, a
connection reset, or no answer at all (the socket is held until the proxy stops or `HOLD_LIMIT` passes).
"""

from __future__ import annotations

import enum
import http.client
import re
import socket
import struct
import threading
import urllib.parse
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

HOST = "127.0.0.1"
UPSTREAM_TIMEOUT = 10.0  # seconds for one forwarded request
HOLD_LIMIT = 60.0  # a held ("never answering") request is released at the latest after this, or when the proxy stops
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer",
                        "upgrade", "content-length"})
_SCOPE = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/aws4_request")
S3_SUBRESOURCES = {  # GET /<bucket>?<subresource> -> operation
    "encryption": "GetBucketEncryption", "policy": "GetBucketPolicy", "publicAccessBlock": "GetPublicAccessBlock",
    "versioning": "GetBucketVersioning", "logging": "GetBucketLogging", "tagging": "GetBucketTagging",
    "lifecycle": "GetBucketLifecycleConfiguration", "acl": "GetBucketAcl", "location": "GetBucketLocation",
    "ownershipControls": "GetBucketOwnershipControls", "policyStatus": "GetBucketPolicyStatus",
    "replication": "GetBucketReplication", "object-lock": "GetObjectLockConfiguration",
}


class Fault(enum.Enum):
    DENY = "deny"
    THROTTLE = "throttle"
    HTTP500 = "http500"
    GARBAGE = "garbage"            # valid HTTP 200, a body that is not XML / JSON
    MISSING_KEYS = "missing_keys"  # valid HTTP 200 and valid XML / JSON, without the keys the answer requires
    RESET = "reset"                # TCP reset before any answer
    HANG = "hang"                  # never answers


@dataclass(frozen=True)
class Call:
    """What one request asks: `service` (signing name), `operation`, and the `protocol` of its answer."""

    service: str
    operation: str
    protocol: str  # "json" | "query" | "ec2" | "rest-xml"

    @property
    def name(self) -> str:
        return f"{self.service}:{self.operation}"


def identify(method: str, path: str, headers: dict[str, str], body: bytes) -> Call:
    scope = _SCOPE.search(headers.get("authorization", ""))
    service = scope.group(1) if scope else "?"
    target = headers.get("x-amz-target")
    if target:
        return Call(service, target.rpartition(".")[2], "json")
    url = urllib.parse.urlsplit(path)
    fields = urllib.parse.parse_qs(url.query, keep_blank_values=True)
    if "form-urlencoded" in headers.get("content-type", ""):
        fields.update(urllib.parse.parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True))
    if "Action" in fields:
        return Call(service, fields["Action"][0], "ec2" if service == "ec2" else "query")
    if service == "s3":
        parts = [p for p in url.path.split("/") if p]
        if method == "GET" and not parts:
            return Call(service, "ListBuckets", "rest-xml")
        sub = next((S3_SUBRESOURCES[k] for k in fields if k in S3_SUBRESOURCES), None)
        return Call(service, sub or f"{method} {url.path}", "rest-xml")
    return Call(service, f"{method} {url.path}", "rest-json")


def fault_answer(call: Call, fault: Fault) -> tuple[int, str, bytes]:
    """(status, content type, body) of a fault that answers, in the protocol's error shape."""
    op = call.operation
    if call.protocol == "json":
        ctype = "application/x-amz-json-1.1"
        shapes = {Fault.DENY: (400, '{"__type":"AccessDeniedException","message":"User is not authorized to perform '
                                    f'{call.name}"}}'),
                  Fault.THROTTLE: (400, '{"__type":"ThrottlingException","message":"Rate exceeded"}'),
                  Fault.GARBAGE: (200, '{"Keys": [ {"KeyId": '),
                  Fault.MISSING_KEYS: (200, '{"Unexpected": true}')}
    elif call.protocol == "rest-xml":
        ctype = "application/xml"
        shapes = {Fault.DENY: (403, "<Error><Code>AccessDenied</Code><Message>Access Denied</Message>"
                                    "<RequestId>F1</RequestId></Error>"),
                  Fault.THROTTLE: (503, "<Error><Code>SlowDown</Code><Message>Please reduce your request rate."
                                        "</Message><RequestId>F1</RequestId></Error>"),
                  Fault.GARBAGE: (200, "<ListAllMyBucketsResult><Buckets><Bucket><Name>x</Na"),
                  Fault.MISSING_KEYS: (200, '<?xml version="1.0"?><ListAllMyBucketsResult '
                                            'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Buckets><Bucket>'
                                            "</Bucket></Buckets></ListAllMyBucketsResult>")}
    elif call.protocol == "ec2":
        ctype = "text/xml"
        error = "<Response><Errors><Error><Code>{code}</Code><Message>{msg}</Message></Error></Errors>" \
                "<RequestID>F1</RequestID></Response>"
        shapes = {Fault.DENY: (403, error.format(code="UnauthorizedOperation",
                                                 msg=f"You are not authorized to perform this operation ({op}).")),
                  Fault.THROTTLE: (503, error.format(code="RequestLimitExceeded", msg="Request limit exceeded.")),
                  Fault.GARBAGE: (200, f"<{op}Response><securityGroupInfo><item><groupId>sg-"),
                  Fault.MISSING_KEYS: (200, f'<{op}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
                                            "<securityGroupInfo><item><ipPermissions><item><ipProtocol>tcp"
                                            "</ipProtocol></item></ipPermissions></item></securityGroupInfo>"
                                            f"</{op}Response>")}
    else:  # query (iam, sts, rds, elbv2 ...)
        ctype = "text/xml"
        error = "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{msg}</Message></Error>" \
                "<RequestId>F1</RequestId></ErrorResponse>"
        shapes = {Fault.DENY: (403, error.format(code="AccessDenied", msg=f"not authorized to perform {call.name}")),
                  Fault.THROTTLE: (400, error.format(code="Throttling", msg="Rate exceeded")),
                  Fault.GARBAGE: (200, f"<{op}Response><{op}Result><"),
                  Fault.MISSING_KEYS: (200, f"<{op}Response><{op}Result></{op}Result></{op}Response>")}
    if fault is Fault.HTTP500:
        return 500, "text/html", b"<html><body><h1>500 Internal Server Error</h1></body></html>"
    status, text = shapes[fault]
    return status, ctype, text.encode()


@dataclass(frozen=True)
class Rule:
    operation: str  # "ec2:DescribeSecurityGroups"
    fault: Fault


class FaultProxy:
    """The proxy: `start()` binds 127.0.0.1 on a free port, `stop()` releases held requests and shuts it down."""

    def __init__(self, upstream: str) -> None:
        url = urllib.parse.urlsplit(upstream)
        if url.hostname != HOST or url.port is None:
            raise ValueError(f"the proxy forwards to {HOST} only, not {upstream}")
        self.upstream_port = url.port
        self.rules: dict[str, Fault] = {}
        self.hits: Counter[str] = Counter()  # operation -> faults injected
        self.seen: Counter[str] = Counter()  # operation -> requests received
        self.released = threading.Event()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((HOST, 0), _handler(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def endpoint(self) -> str:
        return f"http://{HOST}:{self._server.server_address[1]}"

    def start(self) -> FaultProxy:
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="fault-proxy", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.released.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def inject(self, *rules: Rule) -> None:
        """Replace the rules (and forget the counts): each rule's operation gets its fault on every request."""
        with self._lock:
            self.rules = {r.operation: r.fault for r in rules}
            self.hits.clear()
            self.seen.clear()
            self.released.clear()

    def clear(self) -> None:
        self.inject()

    def fault_for(self, call: Call) -> Fault | None:
        with self._lock:
            self.seen[call.name] += 1
            fault = self.rules.get(call.name)
            if fault is not None:
                self.hits[call.name] += 1
            return fault


def _handler(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout: ClassVar[float] = HOLD_LIMIT + 5  # a silent client never keeps a thread for ever

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
            pass  # quiet: pytest shows nothing for passing tests anyway

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            call = identify(self.command, self.path, headers, body)
            fault = proxy.fault_for(call)
            if fault is Fault.RESET:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True
                self.connection.close()
                return
            if fault is Fault.HANG:
                proxy.released.wait(HOLD_LIMIT)
                self.close_connection = True
                return
            if fault is not None:
                status, ctype, payload = fault_answer(call, fault)
                self._answer(status, [("Content-Type", ctype)], payload)
                return
            self._forward(body)

        def _forward(self, body: bytes) -> None:
            upstream = http.client.HTTPConnection(HOST, proxy.upstream_port, timeout=UPSTREAM_TIMEOUT)
            try:
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                upstream.request(self.command, self.path, body=body or None, headers=headers)
                resp = upstream.getresponse()
                payload = resp.read()
                kept = [(k, v) for k, v in resp.getheaders() if k.lower() not in HOP_BY_HOP]
                self._answer(resp.status, kept, payload)
            except OSError as err:  # the sandbox is gone or too slow: a gateway error, as a real proxy says
                self._answer(502, [("Content-Type", "text/plain")], f"upstream: {err}".encode())
            finally:
                upstream.close()

        def _answer(self, status: int, headers: list[tuple[str, str]], payload: bytes) -> None:
            self.send_response(status)
            for key, value in headers:
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

    return Handler
