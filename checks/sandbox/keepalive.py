"""HTTP/1.1 keep-alive for the sandbox's moto server.

werkzeug's development server, which moto's ThreadedMotoServer runs, answers every request with `Connection: close`
(its handler cannot tell where a request body ends, so after each response it reads whatever the socket still holds,
and would swallow the next request of a persistent connection). A scan then opens one TCP connection, and the server
one thread, per API call. `KeepAliveHandler` keeps werkzeug's request handling and changes only what keep-alive
needs, for requests whose body length is known (`Content-Length`, or no body):

- the request body is read through a stream bounded by `Content-Length`, so nothing past it is read or discarded;
- werkzeug's `Connection: close` header is left out, and the connection is closed after the response when it cannot
  be reused: the request body was not read to its end, or the response body's length is not the one its headers
  announced (a `Content-Length` not met, a body on HEAD, 204 or 304);
- an idle connection waits at most IDLE_TIMEOUT seconds for its next request, at most MAX_KEPT connections are kept
  open (beyond that, answers close the connection as before), and `Connections.stop` closes the idle ones so a
  stopping server is not held by its clients.

Anything else (HTTP/1.0, `Transfer-Encoding` request bodies, a client sending `Connection: close`) is werkzeug's own
handling, unchanged. Imported only by `checks.sandbox.server` once moto is known to be installed.
"""

from __future__ import annotations

import contextlib
import io
import socket
import threading
from typing import Any

from moto.moto_server.werkzeug_app import MotoRequestHandler

IDLE_TIMEOUT = 20.0  # seconds a connection may wait for its next request before the server closes it
MAX_KEPT = 128  # open connections beyond which answers close their connection (one server thread each)


class Connections:
    """The connections of one server: how many were accepted, which are open and idle, and whether it is stopping."""

    def __init__(self, limit: int | None = None) -> None:
        self.limit = MAX_KEPT if limit is None else limit
        self.accepted = 0  # since the server started: what tests and benchmarks count
        self.stopping = False
        self._open: set[socket.socket] = set()
        self._idle: set[socket.socket] = set()
        self._lock = threading.Lock()

    def opened(self, sock: socket.socket) -> None:
        with self._lock:
            self.accepted += 1
            self._open.add(sock)

    def closed(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.discard(sock)
            self._idle.discard(sock)

    def may_keep(self) -> bool:
        """Whether a connection may stay open after its current response."""
        with self._lock:
            return not self.stopping and len(self._open) <= self.limit

    def idle(self, sock: socket.socket) -> bool:
        """Record `sock` as waiting for a request; False when the server is stopping (close it instead)."""
        with self._lock:
            if self.stopping:
                return False
            self._idle.add(sock)
            return True

    def busy(self, sock: socket.socket) -> None:
        with self._lock:
            self._idle.discard(sock)

    def stop(self) -> None:
        """Refuse keep-alive from now on, and close the connections waiting for a request (their threads end)."""
        with self._lock:
            self.stopping = True
            idle = list(self._idle)
        for sock in idle:
            with contextlib.suppress(OSError):  # already closed by its client or its thread
                sock.shutdown(socket.SHUT_RDWR)


class _Body(io.RawIOBase):
    """A request body: at most `remaining` bytes of the connection's stream, never the next request."""

    def __init__(self, stream: Any, length: int) -> None:
        super().__init__()
        self._stream = stream
        self.remaining = length

    def readable(self) -> bool:
        return True

    def _limit(self, size: int | None) -> int:
        return self.remaining if size is None or size < 0 else min(size, self.remaining)

    def read(self, size: int | None = -1) -> bytes:
        n = self._limit(size)
        data: bytes = self._stream.read(n) if n > 0 else b""
        self.remaining -= len(data)
        return data

    def readline(self, size: int | None = -1) -> bytes:
        n = self._limit(size)
        data: bytes = self._stream.readline(n) if n > 0 else b""
        self.remaining -= len(data)
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


class _Output:
    """The connection's output stream, counting the bytes written after the response headers."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self.body: int | None = None  # None until the headers are sent

    def write(self, data: bytes) -> int:
        if self.body is not None:
            self.body += len(data)
        written: int = self._stream.write(data)
        return written

    def flush(self) -> None:
        self._stream.flush()


class _Response:
    """What a response's headers announced: its status, `Content-Length` and whether it is chunked."""

    def __init__(self) -> None:
        self.status: int | None = None
        self.length: str | None = None
        self.chunked = False

    def complete(self, method: str, body: int | None) -> bool:
        """Whether the response ended where its client expects it to (the connection can then carry another)."""
        status = self.status
        if status is None or body is None:
            return False
        if method == "HEAD" or 100 <= status < 200 or status in (204, 304):
            return body == 0
        if self.chunked:  # werkzeug writes the last chunk, and closes the connection itself if it could not
            return True
        return self.length is not None and self.length.strip().isdigit() and int(self.length) == body


def body_length(headers: Any) -> int | None:
    """The request body's length when it is known: `Content-Length`, or 0 without it; None for any other framing."""
    if headers.get("Transfer-Encoding") is not None:
        return None
    lengths = headers.get_all("Content-Length") or []
    if not lengths:
        return 0
    if len(lengths) != 1 or not lengths[0].strip().isdigit():
        return None
    return int(lengths[0])


class KeepAliveHandler(MotoRequestHandler):
    """moto's request handler, answering HTTP/1.1 requests on persistent connections (see the module's doc)."""

    protocol_version = "HTTP/1.1"
    # werkzeug writes a response's headers and body in separate sends: with Nagle's algorithm the body of a response
    # on a reused connection waits for the client's delayed ACK of the headers (~40 ms on Linux)
    disable_nagle_algorithm = True
    connections: Connections  # set per server by `handler_for`
    _response: _Response | None = None

    def setup(self) -> None:
        super().setup()
        self.connections.opened(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.connections.closed(self.connection)

    def handle_one_request(self) -> None:
        if not self._next_request():
            self.close_connection = True
            return
        super().handle_one_request()

    def _next_request(self) -> bool:
        """Wait for a request to arrive, at most IDLE_TIMEOUT seconds; False when none will (close the connection)."""
        sock, rfile = self.connection, self.rfile
        if not isinstance(rfile, io.BufferedReader):
            return True  # not a buffered socket stream: the request is read as werkzeug reads it
        if not self.connections.idle(sock):
            return False  # the server is stopping
        try:
            sock.settimeout(IDLE_TIMEOUT)
            return bool(rfile.peek(1))  # b"": the client closed the connection, or `Connections.stop` did
        except OSError:  # timed out (idle), reset by the client
            return False
        finally:
            self.connections.busy(sock)
            with contextlib.suppress(OSError):
                sock.settimeout(self.timeout)

    def handle_expect_100(self) -> bool:
        return True  # werkzeug's run_wsgi answers `Expect: 100-continue` itself; answering here too sent it twice

    def run_wsgi(self) -> None:
        length = body_length(self.headers)
        if (length is None or self.close_connection or self.request_version != "HTTP/1.1"
                or not self.connections.may_keep()):
            super().run_wsgi()  # werkzeug's own handling: the response closes the connection
            return
        rfile, wfile = self.rfile, self.wfile
        body, output = _Body(rfile, length), _Output(wfile)
        self.rfile, self.wfile = body, output  # type: ignore[assignment]
        self._response = response = _Response()
        try:
            super().run_wsgi()
        finally:
            self.rfile, self.wfile = rfile, wfile
            self._response = None
        if body.remaining or not response.complete(self.command, output.body):
            self.close_connection = True

    def send_response_only(self, code: int, message: str | None = None) -> None:
        if self._response is not None:
            self._response.status = code
        super().send_response_only(code, message)

    def send_header(self, keyword: str, value: str) -> None:
        response = self._response
        if response is not None:
            key = keyword.lower()
            if key == "connection" and value.strip().lower() == "close":
                return  # werkzeug's: the connection stays open unless `run_wsgi` finds it cannot be reused
            if key == "content-length":
                response.length = value
            elif key == "transfer-encoding":
                response.chunked = value.strip().lower() == "chunked"
        super().send_header(keyword, value)

    def end_headers(self) -> None:
        super().end_headers()
        if self._response is not None and isinstance(self.wfile, _Output):
            self.wfile.body = 0  # what follows is the body


def handler_for(connections: Connections) -> type[KeepAliveHandler]:
    """A handler class for one server, recording its connections in `connections`."""
    return type("SandboxRequestHandler", (KeepAliveHandler,), {"connections": connections})
