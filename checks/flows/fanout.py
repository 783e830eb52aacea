"""A fair bounded pool for the units of a scan of many accounts: (account, region, service) tasks.

AWS throttles per account and region, not per scanner: the pool never has more than `Limits.per_account` tasks of
one account (and `Limits.per_region` of one (account, region)) in flight, and serves the accounts round-robin (the
account with the fewest tasks in flight first, then the least recently served), so one slow or throttled account
never holds the others. Tasks start as soon as a worker is free (from the workers' done callbacks, not only when
the caller asks for the next result); nothing busy-waits.
"""

from __future__ import annotations

import heapq
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Limits:
    """How many tasks run at once: in all (`workers`), of one account, and of one (account, region). A global
    task (region None) counts in its account's own (account, None) bucket."""

    workers: int
    per_account: int
    per_region: int

    def __post_init__(self) -> None:
        for name in ("workers", "per_account", "per_region"):
            if getattr(self, name) < 1:
                raise ValueError(f"Limits.{name} must be at least 1, not {getattr(self, name)}")


class FairTimeout(Exception, Generic[T]):
    """The timeout passed: `pending` holds every task not yielded (started and unfinished, or never started), in
    task order."""

    def __init__(self, pending: list[T]) -> None:
        super().__init__(f"{len(pending)} task(s) unfinished when the timeout passed")
        self.pending = pending


def fair_completed(tasks: Sequence[T], fn: Callable[[T], R], *, key: Callable[[T], tuple[str, str | None]],
                   limits: Limits, timeout: float | None = None, thread_name_prefix: str = "clearance-scan",
                   ) -> Generator[tuple[T, Future[R]], None, None]:
    """Run `fn(task)` for every task on a fair bounded pool; yield each task with its finished Future (call
    `.result()`: an exception `fn` raised is in it), in completion order.

    `key(task)` is the task's (account, region). Among the waiting tasks whose account and region are under their
    limits, the account with the fewest tasks in flight (then the least recently served, then the first seen)
    starts next; an account's tasks start in their given order (a task whose region is full lets the account's
    next task of another region go first). `timeout` (seconds) counts from this call: once it passes no task
    starts, the finished ones are still yielded, then FairTimeout lists the others and the pool is shut down
    without waiting for the running ones. Closing the generator early (the caller breaks) starts nothing more and
    waits for the running tasks. The pool starts with the first `next()`."""
    deadline = None if timeout is None else time.monotonic() + timeout
    keys = [key(task) for task in tasks]
    return _Run(list(tasks), keys, fn, limits, deadline).results(thread_name_prefix)


class _Run(Generic[T, R]):
    """The dispatch state of one fair_completed call. Every field is guarded by `_cond` (a re-entrant lock: a
    future already done when its callback is added runs the callback in the submitting thread)."""

    def __init__(self, tasks: list[T], keys: list[tuple[str, str | None]], fn: Callable[[T], R], limits: Limits,
                 deadline: float | None) -> None:
        self._tasks, self._keys, self._fn, self._limits, self._deadline = tasks, keys, fn, limits, deadline
        self._cond = threading.Condition(threading.RLock())
        self._queues: dict[str, dict[str | None, deque[int]]] = {}  # account -> region -> waiting task indexes
        for i, (account, region) in enumerate(keys):
            self._queues.setdefault(account, {}).setdefault(region, deque()).append(i)
        self._first = {account: n for n, account in enumerate(self._queues)}
        self._served = dict.fromkeys(self._queues, -1)  # account -> tick of its last start
        self._account_load = dict.fromkeys(self._queues, 0)
        self._region_load: dict[tuple[str, str | None], int] = dict.fromkeys(keys, 0)
        self._ready: list[tuple[int, int, int, str]] = []  # (in flight, served, first, account): may hold stale rows
        for account in self._queues:
            self._push(account)
        self._tick = 0
        self._load = 0
        self._started: dict[int, Future[R]] = {}  # index -> future, until yielded
        self._finished: deque[int] = deque()
        self._closed = False
        self._filling = False
        self._pool: ThreadPoolExecutor | None = None

    def results(self, thread_name_prefix: str) -> Generator[tuple[T, Future[R]], None, None]:
        self._pool = ThreadPoolExecutor(max_workers=self._limits.workers, thread_name_prefix=thread_name_prefix)
        timed_out = False
        try:
            self._fill()
            for _ in range(len(self._tasks)):
                index = self._next_finished()
                if index is None:
                    timed_out = True
                    with self._cond:
                        pending = [self._tasks[i] for i in self._pending()]
                    raise FairTimeout(pending)
                with self._cond:
                    future = self._started.pop(index)
                yield self._tasks[index], future
        finally:
            with self._cond:
                self._closed = True  # from here on nothing starts (the callbacks see it under the lock)
            self._pool.shutdown(wait=not timed_out, cancel_futures=True)

    def _next_finished(self) -> int | None:
        """The index of the next finished task, waiting for one; None when the deadline passed with none finished."""
        with self._cond:
            while not self._finished:
                left = None if self._deadline is None else self._deadline - time.monotonic()
                if left is not None and left <= 0:
                    return None
                self._cond.wait(left)
            return self._finished.popleft()

    def _pending(self) -> list[int]:
        waiting = [i for regions in self._queues.values() for queue in regions.values() for i in queue]
        return sorted([*self._started, *waiting])

    def _push(self, account: str) -> None:
        if any(self._queues[account].values()):
            heapq.heappush(self._ready, (self._account_load[account], self._served[account], self._first[account],
                                         account))

    def _head(self, account: str) -> int | None:
        """The account's first waiting task whose region is under its limit (None when the account is full)."""
        if self._account_load[account] >= self._limits.per_account:
            return None
        heads = [queue[0] for region, queue in self._queues[account].items()
                 if queue and self._region_load[(account, region)] < self._limits.per_region]
        return min(heads, default=None)

    def _pick(self) -> int | None:
        """Take the next task to start, or None. A heap row is stale when its account's load or last service
        changed since it was pushed; an account with nothing startable is dropped until one of its tasks ends."""
        if self._closed or self._load >= self._limits.workers:
            return None
        if self._deadline is not None and time.monotonic() >= self._deadline:
            return None
        while self._ready:
            load, served, _, account = heapq.heappop(self._ready)
            if (load, served) != (self._account_load[account], self._served[account]):
                continue
            index = self._head(account)
            if index is None:
                continue
            self._queues[account][self._keys[index][1]].popleft()
            self._account_load[account] += 1
            self._region_load[self._keys[index]] += 1
            self._load += 1
            self._served[account] = self._tick
            self._tick += 1
            self._push(account)
            return index
        return None

    def _fill(self) -> None:
        """Start tasks while workers are free. Re-entered from a done callback in the same thread: the outer call
        goes on."""
        with self._cond:
            if self._filling or self._pool is None:
                return
            self._filling = True
            try:
                while (index := self._pick()) is not None:
                    future = self._pool.submit(self._fn, self._tasks[index])
                    self._started[index] = future
                    future.add_done_callback(partial(self._done, index))
            finally:
                self._filling = False

    def _done(self, index: int, future: Future[Any]) -> None:
        with self._cond:
            account, region = self._keys[index]
            self._account_load[account] -= 1
            self._region_load[(account, region)] -= 1
            self._load -= 1
            self._push(account)
            if not future.cancelled():
                self._finished.append(index)
                self._cond.notify_all()
            self._fill()
