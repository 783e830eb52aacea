"""Pulumi Cloud (or a self-hosted Pulumi Cloud): each stack's export through the REST API, without the Pulumi CLI.

`GET {api}/api/stacks/{org}/{project}/{stack}/export` with `Authorization: token $PULUMI_ACCESS_TOKEN` and
`Accept: application/vnd.pulumi+8` answers the same `{"version": 3, "deployment": ...}` as `pulumi stack export`.
One request per stack, a 10 s timeout, no redirects (they would carry the token elsewhere); the token is never
printed. Plain http:// is refused except to a loopback address.
"""

from __future__ import annotations

import http.client
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.error import HTTPError, URLError
from urllib.parse import quote, urlsplit

from checks.errors import InputError

DEFAULT_API = "https://api.pulumi.com"
TIMEOUT = 10.0
MAX_BYTES = 512 * 1024 * 1024
ACCEPT = "application/vnd.pulumi+8"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
TOKENS_PAGE = "https://app.pulumi.com/account/tokens"


@dataclass(frozen=True, slots=True)
class CloudExport:
    name: str       # project/stack
    url: str        # the export URL (never with credentials)
    body: bytes


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # urllib then raises HTTPError with the 3xx status


def api_url(backend: str) -> str:
    """The API base of a cloud backend URL: app.pulumi.com is served by api.pulumi.com; no credentials, no path."""
    parts = urlsplit(backend)
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host:
        raise InputError("not a Pulumi Cloud URL: use https://api.pulumi.com or your self-hosted API URL",
                         where=safe(backend))
    if parts.scheme == "http" and host not in LOOPBACK:
        raise InputError("plain http would send the Pulumi access token unencrypted: use https://",
                         where=safe(backend))
    if host == "app.pulumi.com":
        host = "api.pulumi.com"
    port = f":{parts.port}" if parts.port else ""
    netloc = f"[{host}]{port}" if ":" in host else f"{host}{port}"
    return f"{parts.scheme}://{netloc}{parts.path.rstrip('/')}"


def safe(url: str) -> str:
    """`url` without user, password, query or fragment."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return parts._replace(netloc=netloc, query="", fragment="").geturl()


def read_cloud(backend: str, stacks: Sequence[str], env: Mapping[str, str]) -> list[CloudExport]:
    base = api_url(backend)
    if not stacks:
        raise InputError("Pulumi Cloud: name the stacks to read", where=base,
                         hint="--stack ORG/PROJECT/STACK, repeatable")
    token = env.get("PULUMI_ACCESS_TOKEN", "")
    if not token:
        raise InputError(f"PULUMI_ACCESS_TOKEN is not set: create a token at {TOKENS_PAGE} and export it",
                         where=base)
    if not token.isascii() or not token.isprintable() or " " in token:
        raise InputError("PULUMI_ACCESS_TOKEN is not a valid token (it holds spaces or control characters): "
                         "set it again", where=base)
    local = (urlsplit(base).hostname or "") in LOOPBACK
    opener = urllib.request.build_opener(_NoRedirect, *([urllib.request.ProxyHandler({})] if local else []))
    exports = []
    for stack in dict.fromkeys(stacks):
        parts = stack.split("/")
        if len(parts) != 3 or not all(parts):
            raise InputError(f"'{stack}' is not ORG/PROJECT/STACK: Pulumi Cloud stacks are named with their "
                             f"organization", where="--stack")
        url = f"{base}/api/stacks/{'/'.join(quote(p, safe='') for p in parts)}/export"
        exports.append(CloudExport(f"{parts[1]}/{parts[2]}", url, _get(opener, url, token, stack)))
    return exports


def _get(opener: urllib.request.OpenerDirector, url: str, token: str, stack: str) -> bytes:
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}", "Accept": ACCEPT,
                                                   "Content-Type": "application/json"})
    try:
        with opener.open(request, timeout=TIMEOUT) as answer:
            body: bytes = answer.read(MAX_BYTES + 1)
    except HTTPError as err:
        err.close()  # it holds the connection
        raise _http_error(err.code, url, stack) from None
    except (URLError, TimeoutError, ConnectionError, http.client.HTTPException) as err:
        reason = getattr(err, "reason", None) or type(err).__name__
        raise InputError(f"Pulumi Cloud cannot be reached ({reason}): check the network and the backend URL",
                         where=url) from None
    if len(body) > MAX_BYTES:
        raise InputError(f"the export is larger than {MAX_BYTES // 2**20} MiB: export the stack with "
                         f"'pulumi stack export --file FILE' and give it with --state", where=url)
    return body


def _http_error(code: int, url: str, stack: str) -> InputError:
    if code == 401:
        return InputError(f"the Pulumi access token was refused (HTTP 401): set PULUMI_ACCESS_TOKEN to a valid token "
                          f"({TOKENS_PAGE})", where=url)
    if code == 403:
        return InputError(f"the Pulumi access token may not read stack {stack} (HTTP 403): use a token of a member "
                          f"with read access to it", where=url)
    if code == 404:
        return InputError(f"stack {stack} not found (HTTP 404): check --stack ORG/PROJECT/STACK "
                          f"('pulumi stack ls --all' lists them)", where=url)
    if 300 <= code < 400:
        return InputError(f"the API answered with a redirect (HTTP {code}), not followed: give the API URL itself "
                          f"as --backend", where=url)
    return InputError(f"Pulumi Cloud answered HTTP {code}: try again later, or export the stack with "
                      f"'pulumi stack export --file FILE' and give it with --state", where=url)
