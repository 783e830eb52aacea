"""What every collector uses: the client factory, one guarded API call, pagination and the registry.

A collector is a function `(Scope) -> CollectResult` registered with the API operations it calls
(`"kms:ListKeys"`, by botocore operation name), so that the least-privilege IAM policy can be derived.
It reads one account and region (or, with `global_scope`, one account: S3 lists every bucket from any
region) and returns raw resources whose `errors` map the API operations that failed on that resource to
why (`"GetKeyRotationStatus": "AccessDenied kms:GetKeyRotationStatus"`); the live normalizers map those
to the attribute paths they would have filled. A failed account- or region-wide list is a `ListFailure`: every
control of the kinds it feeds is `error` for that scope.
"""

from __future__ import annotations

import contextvars
import threading
import weakref
from collections.abc import Callable, Collection, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError
from botocore.parsers import ResponseParserError

from checks.collectors.endpoints import IN_FLIGHT, Health, watch, watched
from checks.collectors.permissions import NO_PERMISSION_NEEDED, SCAN_ACTIONS, iam_action
from checks.collectors.shared import Shared
from checks.live_types import EVERYTHING, Needs
from checks.raw import RawResource

T = TypeVar("T")
R = TypeVar("R")

DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess",
                          "Forbidden", "403", "AuthorizationError", "AuthFailure"})
THROTTLED_CODES = frozenset({"Throttling", "ThrottlingException", "ThrottledException", "RequestLimitExceeded",
                             "TooManyRequestsException", "SlowDown", "RequestThrottled", "RequestThrottledException",
                             "ProvisionedThroughputExceededException", "BandwidthLimitExceeded",
                             "EC2ThrottledException"})
NOT_IMPLEMENTED_CODES = frozenset({"NotImplemented", "InvalidAction", "UnknownOperationException",
                                   "UnsupportedOperation"})

@dataclass(frozen=True)
class ClientSettings:
    """Retries and timeouts of every client. `max_attempts` counts retries after the first attempt (botocore);
    `timeout_attempts` counts every attempt of a call whose endpoint did not connect or answer in time (a second
    try rides out a dropped packet; more only multiply the wait: after it the endpoint is dead for the scan)."""

    max_attempts: int = 5
    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    timeout_attempts: int = 2
    # concurrent per-resource calls within one collector (S3 buckets, KMS keys); `make bench-live` on the sandbox:
    # 4 scanned 2,000 resources in 10.6-14.6 s, 8 in 14.0-15.7 s, 16 in 16.9 s (more threads only contend)
    per_resource_workers: int = 4

    def config(self, health: Health | None = None) -> Config:
        """The botocore Config; with `health`, no timeout longer than the time the scan has left."""
        cap = health.capped if health is not None else float
        return Config(retries={"mode": "adaptive", "max_attempts": self.max_attempts},
                      connect_timeout=cap(self.connect_timeout), read_timeout=cap(self.read_timeout))


@dataclass(frozen=True)
class Scope:
    """One account and region to read, with the injected session. Clients are built on first use and cached."""

    session: boto3.Session
    region: str
    account: str
    endpoint_url: str | None = None
    settings: ClientSettings = ClientSettings()
    health: Health = field(default_factory=Health, compare=False)  # the scan's deadline and dead endpoints
    needs: Needs = EVERYTHING  # what the selected controls read: per-resource reads nothing needs are left out
    shared: Shared = field(default_factory=Shared, compare=False, repr=False)  # the scan's answers read once
    _clients: dict[tuple[str, str], Any] = field(default_factory=dict, compare=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """fn over items, in order, on a bounded pool: for the per-resource calls AWS offers no batch for."""
        items = list(items)
        workers = min(self.settings.per_resource_workers, len(items))
        if workers <= 1:
            return [fn(item) for item in items]
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="clearance-resource") as pool:
            # each item in a copy of this thread's context: the collector run it works for (endpoints.IN_FLIGHT)
            futures = [pool.submit(contextvars.copy_context().run, fn, item) for item in items]
            return [f.result() for f in futures]

    def failure(self, operation: str, reason: str, *types: str, global_scope: bool = False) -> ListFailure:
        """The ListFailure of `operation` ("kms:ListKeys") in this scope, feeding the live raw `types`."""
        failure = ListFailure(self.account, None if global_scope else self.region, operation, reason, types)
        run = IN_FLIGHT.get()
        if run is not None:
            run.failed(failure)
        return failure

    def client(self, service: str, region: str | None = None) -> Any:
        key = (service, region or self.region)
        with self._lock:  # a boto3 Session is not thread-safe; its clients are
            if key not in self._clients:
                client = self.session.client(service, region_name=key[1], endpoint_url=self.endpoint_url,
                                             config=self.settings.config(self.health))
                watch(client, self.health, f"{service} {key[1]}", self.settings.timeout_attempts)
                self._clients[key] = client
            return self._clients[key]


@dataclass(frozen=True)
class ListFailure:
    """An account- or region-wide read that failed: every resource of `types` (live raw types) it would have
    listed in `account`/`region` is unknown to the scan, so every control of the asset kinds those types feed is
    `error` for that scope (`region` None: the whole account, for global collectors)."""

    account: str
    region: str | None
    operation: str              # "kms:ListKeys" (client service : botocore operation)
    reason: str                 # "AccessDenied kms:ListKeys", from `classify`
    types: tuple[str, ...]      # live raw types the read feeds (checks.live_types tokens)

    @property
    def action(self) -> str:
        """The IAM action to grant: `kms:ListKeys`, `s3:ListAllMyBuckets`."""
        return iam_action(self.operation)

    def describe(self) -> str:
        where = f"account {self.account}" + (f" region {self.region}" if self.region else "")
        return f"{self.operation} ({where}): {self.reason}"


@dataclass(frozen=True)
class CollectResult:
    resources: tuple[RawResource, ...] = ()
    errors: tuple[ListFailure, ...] = ()  # scan-level: account- or region-wide lists that failed


CollectFn = Callable[[Scope], CollectResult]


@dataclass(frozen=True)
class Collector:
    name: str
    operations: tuple[str, ...]  # "<client service>:<botocore operation>", every call the collector may make
    collect: CollectFn
    global_scope: bool = False  # True: run once per account, not per region
    types: tuple[str, ...] = ()  # the live raw types it emits: all unread when the collector itself fails

    @property
    def iam_actions(self) -> tuple[str, ...]:
        return tuple(sorted({iam_action(op) for op in self.operations} - NO_PERMISSION_NEEDED))


COLLECTORS: dict[str, Collector] = {}


def collector(name: str, operations: Iterable[str], *, types: Iterable[str] = (),
              global_scope: bool = False) -> Callable[[CollectFn], CollectFn]:
    """Register a collector under `name`, emitting the live raw `types`; a name registered twice raises."""

    def deco(fn: CollectFn) -> CollectFn:
        if name in COLLECTORS:
            raise ValueError(f"collector {name} registered twice")
        COLLECTORS[name] = Collector(name, tuple(operations), fn, global_scope, tuple(types))
        return fn

    return deco


def iam_policy(collectors: Iterable[Collector]) -> dict[str, Any]:
    """The least-privilege read-only policy document that lets `collectors` read everything they read, and the scan
    list the enabled regions (`--regions all`)."""
    actions = sorted({a for c in collectors for a in c.iam_actions} | {iam_action(a) for a in SCAN_ACTIONS})
    return {"Version": "2012-10-17",
            "Statement": [{"Sid": "ClearanceReadOnly", "Effect": "Allow", "Action": actions, "Resource": "*"}]}


# ---------------------------------------------------------------- guarded calls


class Outcome(NamedTuple):
    """`result` when the call succeeded; `error` (a reason) when it failed; both None when the
    configuration the call reads does not exist (one of the `absent` error codes)."""

    result: dict[str, Any] | None
    error: str | None


def operation_name(client: Any, method: str) -> str:
    """`get_key_rotation_status` -> `GetKeyRotationStatus`."""
    mapping: dict[str, str] = client.meta.method_to_api_mapping
    return mapping.get(method, method)


def action_of(client: Any, method: str) -> str:
    return iam_action(f"{client.meta.service_model.signing_name}:{operation_name(client, method)}")


def classify(err: ClientError, action: str) -> str:
    """A reason for a failed call, by error code AND HTTP status (moto answers some denials with code "403")."""
    error = err.response.get("Error", {})
    code = str(error.get("Code", ""))
    message = str(error.get("Message", ""))
    status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    if "<html" in message.lower() or "<!doctype" in message.lower():
        message = ""  # a web server's error page, not an AWS error: its HTML says nothing more than the status
        if status in (404, 500, 501):
            return f"NotImplemented {action} (HTTP {status}: the endpoint does not implement this API)"
    if code in DENIED_CODES or status == 403:
        return f"AccessDenied {action}"
    if code in THROTTLED_CODES or status == 429:
        return f"Throttled {action} (still throttled after retries)"
    if code in NOT_IMPLEMENTED_CODES or status == 501 or "not yet implemented" in message.lower():
        return f"NotImplemented {action} (the endpoint does not implement this API)"
    detail = f": {message}" if message else ""
    return f"{code or status} {action}{detail}"


# per client: operations the endpoint answered "not implemented" for; asked again, they fail at once instead of
# spending the adaptive retries on an HTTP 500 that will not change (the moto sandbox's answer for missing APIs)
_UNAVAILABLE: weakref.WeakKeyDictionary[Any, dict[str, str]] = weakref.WeakKeyDictionary()
_UNAVAILABLE_LOCK = threading.Lock()


def guarded(client: Any, method: str, run: Callable[[], Any], absent: Collection[str] = ()) -> tuple[Any, str | None]:
    """run() with the failures a scan survives turned into a reason; an `absent` code gives (None, None).

    Past the scan's deadline, or on an endpoint that already failed to connect or answer, nothing is sent."""
    with _UNAVAILABLE_LOCK:
        known = _UNAVAILABLE.get(client, {}).get(method)
    if known is not None:
        return None, known
    health = watched(client)
    if health is not None:
        refused = health[0].refusal(health[1], action_of(client, method))
        if refused is not None:
            return None, refused
    result, reason = _attempt(client, method, run, absent)
    if reason is not None and reason.startswith(("NotImplemented", "InvalidResponse")):
        with _UNAVAILABLE_LOCK:
            _UNAVAILABLE.setdefault(client, {})[method] = reason
    elif reason is not None and health is not None:
        health[0].failed(health[1], reason)
    return result, reason


def _attempt(client: Any, method: str, run: Callable[[], Any], absent: Collection[str]) -> tuple[Any, str | None]:
    action = action_of(client, method)
    try:
        return run(), None
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") in absent:
            return None, None
        return None, classify(err, action)
    except BotoConnectionError as err:  # endpoint unreachable, connect timeout, TLS or proxy failure
        return None, f"{type(err).__name__} {action}"
    except HTTPClientError as err:  # read timeout, connection closed mid-answer
        return None, f"{type(err).__name__} {action}"
    except NotImplementedError:  # in-process moto raises this for APIs it does not emulate
        return None, f"NotImplemented {action} (the endpoint does not implement this API)"
    except ResponseParserError:  # an answer that is no AWS response: moto's server says HTTP 500 for what it lacks
        return None, f"InvalidResponse {action} (the endpoint's answer is not an AWS response; the moto sandbox " \
                     "answers so for APIs it does not implement)"


def call(client: Any, method: str, *, absent: Collection[str] = (), **kwargs: Any) -> Outcome:
    """One API call: Outcome(result, None), Outcome(None, reason), or Outcome(None, None) for an `absent` code."""
    result, error = guarded(client, method, lambda: getattr(client, method)(**kwargs), absent)
    return Outcome(result, error)


def paginate(client: Any, method: str, key: str, **kwargs: Any) -> tuple[list[Any], str | None]:
    """Every item of `key` over all pages, and the reason when a page failed (items read so far are kept). A page
    without `key` is malformed, not empty: AWS sends an empty list (botocore parses an unreadable JSON body as `{}`)."""
    items: list[Any] = []
    malformed: list[str] = []

    def run() -> None:
        for page in client.get_paginator(method).paginate(**kwargs):
            found = page.get(key)
            if not isinstance(found, list):
                malformed.append(f"missing {key}" if found is None else f"{key} is not a list")
                return
            items.extend(found)

    _, error = guarded(client, method, run)
    if error is None and malformed:
        error = f"InvalidResponse {action_of(client, method)} (malformed answer: {malformed[0]})"
    return items, error


def caller_account(session: boto3.Session, region: str, endpoint_url: str | None = None,
                   settings: ClientSettings = ClientSettings(), health: Health | None = None) -> tuple[str, str]:
    """The account the session's credentials belong to (sts:GetCallerIdentity needs no permission), and the
    endpoint that answered."""
    sts = session.client("sts", region_name=region, endpoint_url=endpoint_url, config=settings.config(health))
    if health is not None:
        watch(sts, health, f"sts {region}", settings.timeout_attempts)
    return str(sts.get_caller_identity()["Account"]), str(sts.meta.endpoint_url)
