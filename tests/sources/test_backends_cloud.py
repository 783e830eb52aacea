"""`--backend https://api.pulumi.com`: the stack export API, against a stand-in server on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from checks.errors import InputError
from checks.sources.backends import StateSet, load_states
from checks.sources.backends_cloud import api_url
from checks.sources.state import load_state

EXPORT = Path(__file__).parent.parent / "fixtures" / "state" / "v6_kms_sse_v2_side_resource_sg_secret_rds.json"
TOKEN = "pul-0123456789abcdef0123456789abcdef01234567"  # fake
ENV = {"PULUMI_ACCESS_TOKEN": TOKEN}


class _Api(BaseHTTPRequestHandler):
    seen: list[tuple[str, str | None, str | None]] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.seen.append((self.path, self.headers.get("Authorization"), self.headers.get("Accept")))
        if self.headers.get("Authorization") != f"token {TOKEN}":
            return self._answer(401, b'{"code": 401, "message": "Unauthorized: No credentials provided"}')
        routes = {"/api/stacks/acme/orders/prod/export": (200, EXPORT.read_bytes()),
                  "/api/stacks/acme/orders/locked/export": (403, b'{"code": 403}'),
                  "/api/stacks/acme/orders/moved/export": (302, b""),
                  "/api/stacks/acme/orders/broken/export": (200, b'{"version": 3, "deploym')}
        self._answer(*routes.get(self.path, (404, b'{"code": 404, "message": "Not found"}')))

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        if status == 302:
            self.send_header("Location", "http://127.0.0.1:9/elsewhere")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the signature of http.server)
        pass


@pytest.fixture
def api() -> Iterator[str]:
    _Api.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Api)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def cloud(url: str, stacks: tuple[str, ...], env: dict[str, str] | None = None) -> list[StateSet]:
    return load_states([], url, list(stacks), env=ENV if env is None else env)


def cloud_error(url: str, stacks: tuple[str, ...], env: dict[str, str] | None = None) -> str:
    with pytest.raises(InputError) as info:
        cloud(url, stacks, env)
    message = str(info.value)
    assert TOKEN not in message and "\n" not in message
    return message


def test_export_of_a_stack_with_the_token_and_api_version(api: str) -> None:
    [prod] = cloud(api, ("acme/orders/prod",))
    assert (prod.name, prod.origin) == ("orders/prod", f"{api}/api/stacks/acme/orders/prod/export")
    assert prod.resources == tuple(load_state(EXPORT).resources)
    assert _Api.seen == [("/api/stacks/acme/orders/prod/export", f"token {TOKEN}", "application/vnd.pulumi+8")]
    assert TOKEN not in repr(prod)


def test_backend_from_pulumi_backend_url(api: str) -> None:
    [prod] = load_states([], None, ["acme/orders/prod"], env={**ENV, "PULUMI_BACKEND_URL": api})
    assert prod.name == "orders/prod"


def test_refused_token(api: str) -> None:
    assert cloud_error(api, ("acme/orders/prod",), {"PULUMI_ACCESS_TOKEN": "pul-wrong"}) == (
        f"{api}/api/stacks/acme/orders/prod/export: the Pulumi access token was refused (HTTP 401): set "
        f"PULUMI_ACCESS_TOKEN to a valid token (https://app.pulumi.com/account/tokens)")


def test_forbidden_stack(api: str) -> None:
    assert cloud_error(api, ("acme/orders/locked",)) == (
        f"{api}/api/stacks/acme/orders/locked/export: the Pulumi access token may not read stack acme/orders/locked "
        f"(HTTP 403): use a token of a member with read access to it")


def test_unknown_stack(api: str) -> None:
    assert cloud_error(api, ("acme/orders/nope",)) == (
        f"{api}/api/stacks/acme/orders/nope/export: stack acme/orders/nope not found (HTTP 404): check --stack "
        f"ORG/PROJECT/STACK ('pulumi stack ls --all' lists them)")


def test_redirect_is_not_followed_so_the_token_stays_here(api: str) -> None:
    assert cloud_error(api, ("acme/orders/moved",)).endswith(
        "the API answered with a redirect (HTTP 302), not followed: give the API URL itself as --backend")
    assert [p for p, _, _ in _Api.seen] == ["/api/stacks/acme/orders/moved/export"]


def test_truncated_export(api: str) -> None:
    assert cloud_error(api, ("acme/orders/broken",)).startswith(
        f"{api}/api/stacks/acme/orders/broken/export: invalid JSON (Unterminated string starting at) at line 1")


def test_unreachable_api() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert cloud_error(f"http://127.0.0.1:{port}", ("acme/orders/prod",)) == (
        f"http://127.0.0.1:{port}/api/stacks/acme/orders/prod/export: Pulumi Cloud cannot be reached ([Errno 111] "
        f"Connection refused): check the network and the backend URL")


def test_usage_errors_before_any_request() -> None:
    assert cloud_error("https://api.pulumi.com", ()) == (
        "https://api.pulumi.com: Pulumi Cloud: name the stacks to read (--stack ORG/PROJECT/STACK, repeatable)")
    assert cloud_error("https://api.pulumi.com", ("acme/orders/prod",), {}) == (
        "https://api.pulumi.com: PULUMI_ACCESS_TOKEN is not set: create a token at "
        "https://app.pulumi.com/account/tokens and export it")
    assert cloud_error("https://api.pulumi.com", ("orders/prod",)) == (
        "--stack: 'orders/prod' is not ORG/PROJECT/STACK: Pulumi Cloud stacks are named with their organization")
    assert cloud_error("http://pulumi.example.com", ("acme/orders/prod",)) == (
        "http://pulumi.example.com: plain http would send the Pulumi access token unencrypted: use https://")
    assert cloud_error("https://api.pulumi.com", ("a/b/c",), {"PULUMI_ACCESS_TOKEN": "pul-x\r\nX-Evil: 1"}) == (
        "https://api.pulumi.com: PULUMI_ACCESS_TOKEN is not a valid token (it holds spaces or control characters): "
        "set it again")


def test_api_url_never_keeps_credentials() -> None:
    assert api_url("https://app.pulumi.com/") == "https://api.pulumi.com"
    assert api_url("https://me:secret@pulumi.example.com:8443/api-root?x=1") == "https://pulumi.example.com:8443/api-root"
