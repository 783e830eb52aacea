"""checks.collector_paused: the cyclic collector off during a stage of the main thread, as it was afterwards; what
the stage made frozen only in a process tune_gc tuned; nothing changed from another thread (issue 13)."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

import checks
from checks import collector_paused


@pytest.fixture
def collector() -> Iterator[list[int]]:
    """The collector's state restored after the test; gc.freeze recorded, not made."""
    was = gc.isenabled()
    frozen: list[int] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(gc, "freeze", lambda: frozen.append(1))
        yield frozen
    (gc.enable if was else gc.disable)()


def test_the_collector_is_paused_and_restored(collector: list[int]) -> None:
    gc.enable()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    with collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()  # someone else turned it off: left off
    gc.enable()
    with pytest.raises(ValueError), collector_paused():
        raise ValueError
    assert gc.isenabled()


def test_what_a_stage_keeps_is_frozen_only_where_tune_gc_ran(collector: list[int],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checks, "_TUNED", [])
    with collector_paused():
        pass
    assert collector == []
    monkeypatch.setattr(checks, "_TUNED", [True])
    with collector_paused():
        pass
    assert collector == [1]


def test_another_thread_leaves_the_collector_alone(collector: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checks, "_TUNED", [True])
    gc.enable()
    seen: list[bool] = []

    def stage() -> None:
        with collector_paused():
            seen.append(gc.isenabled())

    worker = threading.Thread(target=stage)
    worker.start()
    worker.join()
    assert seen == [True] and gc.isenabled() and collector == []
