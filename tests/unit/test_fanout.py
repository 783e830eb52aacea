"""The fair bounded pool: limits per account and region, round-robin over accounts, timeouts, early close.

Tasks block on Events the test sets, so the test decides when each one ends; nothing sleeps (one test waits at
most 20 ms in a task, one 40 ms for a timeout)."""

from __future__ import annotations

import queue
import random
import threading
from collections import Counter
from concurrent.futures import Future
from dataclasses import dataclass

import pytest

from checks.flows.fanout import FairTimeout, Limits, fair_completed

WAIT = 10.0  # a bound for what must happen at once: only reached when the pool is broken


@dataclass(frozen=True)
class Job:
    account: str
    region: str | None
    service: str
    fails: bool = False


def key(job: Job) -> tuple[str, str | None]:
    return job.account, job.region


def jobs(accounts: str, regions: tuple[str | None, ...], services: int) -> list[Job]:
    return [Job(a, r, f"s{i}") for a in accounts for r in regions for i in range(services)]


class Gates:
    """`run` is the pool's fn: it records the task as in flight, waits for the test to release it (or `hold`
    seconds), and records the highest concurrency seen per account, per (account, region) and in all."""

    def __init__(self, tasks: list[Job], *, released: bool = False, hold: float = WAIT) -> None:
        self.cond = threading.Condition()
        self.gates = {t: threading.Event() for t in tasks}
        if released:
            for gate in self.gates.values():
                gate.set()
        self.hold = hold
        self.entered: list[Job] = []
        self.left: list[Job] = []
        self.load: Counter[object] = Counter()
        self.peak: Counter[object] = Counter()

    def run(self, job: Job) -> str:
        buckets = (job.account, (job.account, job.region), "all")
        with self.cond:
            self.entered.append(job)
            for b in buckets:
                self.load[b] += 1
                self.peak[b] = max(self.peak[b], self.load[b])
            self.cond.notify_all()
        self.gates[job].wait(self.hold)
        with self.cond:
            for b in buckets:
                self.load[b] -= 1
            self.left.append(job)
            self.cond.notify_all()
        if job.fails:
            raise ValueError(f"{job.service} failed")
        return f"{job.account}/{job.region}/{job.service}"

    def in_flight(self) -> int:
        return len(self.entered) - len(self.left)

    def wait_in_flight(self, n: int) -> None:
        with self.cond:
            assert self.cond.wait_for(lambda: self.in_flight() == n, timeout=WAIT), (self.in_flight(), n)


def pool_threads(prefix: str) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(prefix)]


def saturation(remaining: list[Job], limits: Limits) -> int:
    """How many of `remaining` can run at once: the pool must start that many (the limits nest, so any maximal
    choice is a largest one)."""
    by_region = Counter(key(j) for j in remaining)
    by_account: Counter[str] = Counter()
    for (account, _), n in by_region.items():
        by_account[account] += min(n, limits.per_region)
    return min(limits.workers, sum(min(n, limits.per_account) for n in by_account.values()))


def test_limits_hold_and_the_pool_stays_full() -> None:
    tasks = jobs("ABC", (None, "eu-west-1", "us-east-1"), 2)
    limits = Limits(workers=4, per_account=2, per_region=1)
    gates = Gates(tasks)
    done: queue.Queue[tuple[Job, Future[str]]] = queue.Queue()

    def consume() -> None:
        for result in fair_completed(tasks, gates.run, key=key, limits=limits, timeout=WAIT,
                                     thread_name_prefix="fan-limits"):
            done.put(result)

    consumer = threading.Thread(target=consume)
    consumer.start()
    remaining = list(tasks)
    rng = random.Random(3)
    while remaining:
        gates.wait_in_flight(saturation(remaining, limits))  # as full as the limits allow
        if len(remaining) == len(tasks):
            # round-robin: each account's first task, then A again (fewest in flight, least recently served) with
            # its first task whose region is free (its global bucket is full)
            assert gates.entered == [Job("A", None, "s0"), Job("B", None, "s0"), Job("C", None, "s0"),
                                     Job("A", "eu-west-1", "s0")]
        running = [j for j in gates.entered if j in remaining]
        release = rng.choice(running)
        gates.gates[release].set()
        job, future = done.get(timeout=WAIT)
        assert job == release and future.done()
        remaining.remove(job)
    consumer.join(WAIT)
    assert not consumer.is_alive() and done.empty()
    assert gates.peak["all"] == 4
    assert max(gates.peak[a] for a in "ABC") == 2
    assert max(gates.peak[(a, r)] for a in "ABC" for r in (None, "eu-west-1", "us-east-1")) == 1
    assert Counter(gates.entered) == Counter(tasks)  # every task ran exactly once
    assert pool_threads("fan-limits") == []


def test_a_blocked_account_does_not_hold_the_others() -> None:
    tasks = jobs("ABC", ("eu-west-1", "us-east-1"), 5)  # A first: a plain pool would give it every worker
    gates = Gates(tasks)
    for job in tasks:
        if job.account != "A":
            gates.gates[job].set()
    results = fair_completed(tasks, gates.run, key=key, limits=Limits(workers=3, per_account=2, per_region=2),
                             timeout=WAIT, thread_name_prefix="fan-blocked")
    others = [next(results)[0] for _ in range(20)]
    assert Counter(others) == Counter(j for j in tasks if j.account != "A")
    assert [j for j in gates.entered if j.account == "A"] == tasks[:2]  # A holds its share and no more
    for job in tasks:
        gates.gates[job].set()
    assert Counter(j for j, _ in results) == Counter(tasks[:10])
    assert pool_threads("fan-blocked") == []


def test_every_task_once_exceptions_in_futures_and_order_kept_per_account() -> None:
    rng = random.Random(7)
    tasks = [Job(rng.choice("ABCD"), rng.choice([None, "eu-west-1", "us-east-1"]), f"s{i}", fails=i % 5 == 0)
             for i in range(60)]
    gates = Gates(tasks, released=True)
    got = dict(fair_completed(tasks, gates.run, key=key, limits=Limits(workers=3, per_account=2, per_region=2),
                              thread_name_prefix="fan-once"))
    assert len(got) == len(tasks) and Counter(gates.entered) == Counter(tasks)
    for job, future in got.items():
        if job.fails:
            with pytest.raises(ValueError, match=f"{job.service} failed"):
                future.result()
        else:
            assert future.result() == f"{job.account}/{job.region}/{job.service}"
    for account in "ABCD":  # per_region >= per_account: an account's tasks start in their given order
        assert [j for j in gates.entered if j.account == account] == [j for j in tasks if j.account == account]
    assert pool_threads("fan-once") == []


def test_order_kept_within_a_region_when_regions_are_limited() -> None:
    rng = random.Random(8)
    tasks = [Job(rng.choice("AB"), rng.choice(["eu-west-1", "us-east-1", None]), f"s{i}") for i in range(40)]
    gates = Gates(tasks, released=True)
    list(fair_completed(tasks, gates.run, key=key, limits=Limits(workers=4, per_account=3, per_region=1)))
    for bucket in {key(j) for j in tasks}:
        assert [j for j in gates.entered if key(j) == bucket] == [j for j in tasks if key(j) == bucket]
    assert gates.peak["all"] <= 4 and max(gates.peak[b] for b in {key(j) for j in tasks}) == 1


def test_results_keep_coming_while_the_caller_is_busy() -> None:
    """Tasks start from the workers' done callbacks: a caller that does not ask for the next result does not stop
    the pool."""
    tasks = jobs("AB", ("eu-west-1",), 6)
    gates = Gates(tasks, released=True)
    results = fair_completed(tasks, gates.run, key=key, limits=Limits(workers=2, per_account=1, per_region=1),
                             thread_name_prefix="fan-busy")
    next(results)
    with gates.cond:  # every task runs before the caller asks for a second result
        assert gates.cond.wait_for(lambda: len(gates.left) == len(tasks), timeout=WAIT)
    assert len(list(results)) == len(tasks) - 1


def test_timeout_lists_exactly_the_unfinished_tasks() -> None:
    tasks = [Job("A", "eu-west-1", "s0"), Job("B", "eu-west-1", "s0"), Job("A", "eu-west-1", "s1"),
             Job("B", "eu-west-1", "s1"), Job("B", "eu-west-1", "s2"), Job("C", None, "s0")]
    gates = Gates(tasks)
    for job in tasks:
        if job.account != "B":
            gates.gates[job].set()  # B's first task hangs; its others wait for it (one B task at a time)
    results = fair_completed(tasks, gates.run, key=key, limits=Limits(workers=2, per_account=1, per_region=1),
                             timeout=0.04, thread_name_prefix="fan-timeout")
    got = []
    with pytest.raises(FairTimeout) as caught:
        for job, _ in results:
            got.append(job)
    assert Counter(got) == Counter(j for j in tasks if j.account != "B")
    assert caught.value.pending == [j for j in tasks if j.account == "B"]  # started (B s0) and never started
    assert gates.entered.count(Job("B", "eu-west-1", "s0")) == 1 and Job("B", "eu-west-1", "s1") not in gates.entered
    assert not gates.gates[tasks[1]].is_set()  # the pool did not wait for the hanging task
    hanging = pool_threads("fan-timeout")
    assert hanging
    gates.gates[tasks[1]].set()
    for thread in hanging:
        thread.join(WAIT)
    assert pool_threads("fan-timeout") == []
    assert gates.entered.count(Job("B", "eu-west-1", "s1")) == 0  # nothing started after the timeout


def test_closing_early_cancels_the_rest_and_waits_for_the_running() -> None:
    tasks = jobs("A", ("eu-west-1", "us-east-1"), 5)
    gates = Gates(tasks, hold=0.02)  # a running task ends 20 ms after it starts, or when released
    results = fair_completed(tasks, gates.run, key=key, limits=Limits(workers=2, per_account=2, per_region=2),
                             thread_name_prefix="fan-close")
    gates.gates[tasks[0]].set()
    assert next(results)[0] == tasks[0]
    results.close()
    with gates.cond:
        ran = list(gates.entered)
        assert Counter(gates.left) == Counter(ran)  # the running tasks ended before close() returned
    assert 2 <= len(ran) < len(tasks)
    assert ran == tasks[:len(ran)]
    assert pool_threads("fan-close") == []
    assert gates.entered == ran  # nothing started after the close


def test_no_tasks_and_bad_limits() -> None:
    assert list(fair_completed([], str, key=lambda t: ("a", None), limits=Limits(1, 1, 1))) == []
    for bad in ((0, 1, 1), (1, 0, 1), (1, 1, 0)):
        with pytest.raises(ValueError, match="at least 1"):
            Limits(*bad)


def test_the_timeout_counts_from_the_call() -> None:
    tasks = [Job("A", None, "s0")]
    gates = Gates(tasks, released=True)
    results = fair_completed(tasks, gates.run, key=key, limits=Limits(1, 1, 1), timeout=0.0,
                             thread_name_prefix="fan-zero")
    with pytest.raises(FairTimeout) as caught:
        next(results)
    assert caught.value.pending == tasks and gates.entered == []
    assert pool_threads("fan-zero") == []
    assert str(caught.value) == "1 task(s) unfinished when the timeout passed"
