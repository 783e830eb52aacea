"""The time a scan may spend, and the endpoints it found dead.

A scan has a deadline (`--timeout`, seconds for the whole scan). Every client a Scope builds is watched: its
timeouts never exceed the time left when it is built, a connection failure or read timeout is retried at most
`ClientSettings.timeout_attempts` times in all, and once an endpoint (service and region) has failed so, every later
call to it fails at once with that reason instead of costing minutes per resource. When the deadline has passed,
calls not yet made fail at once with DEADLINE_REASON: what was not read is `error`, never missing.
"""

from __future__ import annotations

import contextvars
import threading
import time
import weakref
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ConnectionError as BotoConnectionError
from botocore.exceptions import ReadTimeoutError
from botocore.retries import standard

# the reasons (see base._attempt) of a call whose endpoint did not answer: the endpoint is dead for this scan
CONNECTION_FAILURES = ("EndpointConnectionError", "ConnectTimeoutError", "ReadTimeoutError", "ConnectionClosedError",
                       "ProxyConnectionError", "SSLError", "ConnectionError")


def deadline_reason(seconds: float) -> str:
    return f"Timeout (scan deadline of {seconds:g} s reached; raise it with --timeout)"


def is_connection_failure(reason: str) -> bool:
    """A reason from a call whose endpoint could not be reached or did not answer."""
    return reason.split(" ", 1)[0] in CONNECTION_FAILURES


@dataclass
class Health:
    """The deadline of one scan (None: none) and the endpoints that failed; shared by every Scope of the scan."""

    timeout: float | None = None
    started: float = field(default_factory=time.monotonic)
    _dead: dict[str, str] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def remaining(self) -> float | None:
        return None if self.timeout is None else self.timeout - (time.monotonic() - self.started)

    def expired(self) -> bool:
        left = self.remaining()
        return left is not None and left <= 0

    @property
    def deadline_reason(self) -> str:
        return deadline_reason(self.timeout or 0)

    def refusal(self, endpoint: str, action: str) -> str | None:
        """Why a call to `endpoint` must not be made (deadline passed, endpoint dead), or None."""
        if self.expired():
            return self.deadline_reason
        with self._lock:
            first = self._dead.get(endpoint)
        if first is None:
            return None
        return f"{first.split(' ', 1)[0]} {action} (endpoint {endpoint} did not answer earlier in this scan: {first})"

    def failed(self, endpoint: str, reason: str) -> None:
        """Remember the first connection failure or timeout of `endpoint`."""
        if is_connection_failure(reason):
            with self._lock:
                self._dead.setdefault(endpoint, reason)

    def dead(self) -> dict[str, str]:
        with self._lock:
            return dict(self._dead)

    def capped(self, seconds: float) -> float:
        """`seconds`, or less when the scan has less time left (at least 0.5 s: botocore needs a positive value)."""
        left = self.remaining()
        return seconds if left is None else max(0.5, min(seconds, left))


class InFlight:
    """The calls one collector run has started and not yet finished (its per-resource threads included), so that a
    run cut off by the deadline names the call it was waiting for, not the first it made; and the list failures it
    has already met, so that what it could not read keeps its own reason (a throttled list stays throttled)."""

    def __init__(self) -> None:
        self._calls: Counter[str] = Counter()
        self._order: list[str] = []
        self._failures: list[Any] = []
        self._lock = threading.Lock()

    def started(self, operation: str) -> None:
        with self._lock:
            self._calls[operation] += 1
            self._order.append(operation)

    def ended(self, operation: str) -> None:
        with self._lock:
            self._calls[operation] -= 1

    def failed(self, failure: Any) -> None:
        """A list failure (base.ListFailure) the run has already met: kept if the run is cut off later."""
        with self._lock:
            self._failures.append(failure)

    def failures(self) -> list[Any]:
        with self._lock:
            return list(self._failures)

    def pending(self) -> str | None:
        """The earliest started call still in flight, or None."""
        with self._lock:
            return next((op for op in self._order if self._calls[op] > 0), None)


# the collector run the current thread works for (Scope.map copies it into its per-resource threads)
IN_FLIGHT: contextvars.ContextVar[InFlight | None] = contextvars.ContextVar("clearance_in_flight", default=None)


def _track(service: str, start: bool) -> Any:
    def handler(model: Any = None, **_: Any) -> None:
        run = IN_FLIGHT.get()
        if run is not None and model is not None:
            (run.started if start else run.ended)(f"{service}:{model.name}")
    return handler


# client -> (its scan's Health, its endpoint "kms us-east-1"): filled by Scope.client, read by base.guarded
_WATCHED: weakref.WeakKeyDictionary[Any, tuple[Health, str]] = weakref.WeakKeyDictionary()
_WATCHED_LOCK = threading.Lock()


def watch(client: Any, health: Health, endpoint: str, timeout_attempts: int) -> None:
    """Tie `client` to `health`: botocore retries timeouts at most `timeout_attempts` times in all, and never sleeps
    past the deadline. Which other errors are retried, and for how long, is botocore's own standard policy; a retry
    whose backoff would end after the deadline is not made, so the call fails now with its own error (a throttled
    call is reported as throttled), not later with the deadline's."""
    with _WATCHED_LOCK:
        _WATCHED[client] = (health, endpoint)
    service = client.meta.service_model.service_id.hyphenize()
    events = standard.RetryEventAdapter()
    policy = standard.RetryPolicy(
        retry_checker=standard.StandardRetryConditions(max_attempts=client.meta.config.retries["total_max_attempts"]),
        retry_backoff=standard.ExponentialBackoff(
            service_name=service, throttling_detector=standard.ThrottlingErrorDetector(events)))

    def retry_within_deadline(attempts: int = 1, caught_exception: Any = None, **rest: Any) -> float | bool | None:
        if isinstance(caught_exception, BotoConnectionError | ReadTimeoutError) and attempts >= timeout_attempts:
            return False  # False, not None: botocore's own handler, asked after this one, is not heeded
        left = health.remaining()
        if left is None:
            return None  # no deadline: botocore's handler decides
        context = events.create_retry_context(attempts=attempts, caught_exception=caught_exception, **rest)
        if left <= 0 or not policy.should_retry(context):
            return False
        delay: float = policy.compute_retry_delay(context)
        return delay if delay < left else False

    client.meta.events.register_first(f"needs-retry.{service}", retry_within_deadline)
    name = client.meta.service_model.service_name  # "elbv2": the prefix of Collector.operations
    client.meta.events.register(f"before-call.{service}", _track(name, True))
    client.meta.events.register(f"after-call.{service}", _track(name, False))
    client.meta.events.register(f"after-call-error.{service}", _track(name, False))


def watched(client: Any) -> tuple[Health, str] | None:
    with _WATCHED_LOCK:
        return _WATCHED.get(client)
