"""What a live read cost: every attempt of every API call (retries included), by "service:Operation", and each
collector run's time."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import boto3


@dataclass
class ScanStats:
    """What the live read cost: every attempt of every API call (retries included), by "service:Operation" (the
    client's service name, as in Collector.operations), and each collector run's time."""

    seconds: float = 0.0
    by_operation: Counter[str] = field(default_factory=Counter)
    collector_seconds: dict[str, float] = field(default_factory=dict)
    _services: dict[str, str] = field(default_factory=dict, repr=False)  # hyphenized service id -> service name
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def api_calls(self) -> int:
        with self._lock:
            return sum(self.by_operation.values())

    @property
    def by_service(self) -> Counter[str]:
        with self._lock:
            out: Counter[str] = Counter()
            for operation, count in self.by_operation.items():
                out[operation.split(":", 1)[0]] += count
            return out

    def listen(self, session: boto3.Session) -> None:
        """Count the calls of every client `session` builds from now on."""
        session.events.register("before-call", self._named)
        session.events.register("before-send", self._sent)

    def _named(self, model: Any = None, **_: Any) -> None:
        """before-call (once per call, before its attempts): which service name the event's service id stands for."""
        if model is not None:
            service = model.service_model
            self._services.setdefault(service.service_id.hyphenize(), service.service_name)

    def _sent(self, event_name: str = "", **_: Any) -> None:
        """before-send: once per attempt (`before-send.<service id>.<Operation>`)."""
        parts = event_name.split(".")
        if len(parts) < 3:
            return
        with self._lock:
            self.by_operation[f"{self._services.get(parts[1], parts[1])}:{parts[2]}"] += 1
