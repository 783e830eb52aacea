"""Answers the collectors of one scan share, read once per scan by whoever asks first (KMS key descriptions and
alias lists: S3, DynamoDB, CloudWatch Logs and others name keys the KMS collector reads).

A `Shared` belongs to one scan (checks/flows/scan.py builds one and hands it to every Scope of the scan; a Scope
built alone has its own), never to a module, so nothing read survives the scan. Keys name the operation, the
account and the region. Only answers that succeeded are kept: a failed read is not shared, so each asker records
its own failure exactly as it would without the cache (and a transient failure does not spread).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass
class Shared:
    """A thread-safe memo of successful answers. `once(key, read, kept)`: the answer kept for `key`, else `read()`
    (askers of a key being read wait for that read, then take its answer or, if it is not kept, read themselves)."""

    _done: dict[Hashable, Any] = field(default_factory=dict, repr=False)
    _reading: dict[Hashable, threading.Event] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def once(self, key: Hashable, read: Callable[[], T], kept: Callable[[T], bool]) -> T:
        while True:
            with self._lock:
                if key in self._done:
                    answer: T = self._done[key]
                    return answer
                running = self._reading.get(key)
                if running is None:
                    running = self._reading[key] = threading.Event()
                    break
            running.wait()  # another thread reads it: take its answer, or read if it failed
        try:
            answer = read()
            if kept(answer):
                with self._lock:
                    self._done[key] = answer
            return answer
        finally:
            with self._lock:
                del self._reading[key]
            running.set()

    def __len__(self) -> int:
        with self._lock:
            return len(self._done)
