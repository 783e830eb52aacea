"""A process SIGKILLed in the middle of recording a large run leaves the store as it was (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from checks.drift.model import Transition
from checks.model import Status
from checks.store import open_store
from tests.store.helpers import counts, finding, run

WAIT = 30   # seconds, for the child to reach the middle of its insert

CHILD = textwrap.dedent("""
    import sys, time
    from sqlalchemy import event
    from checks.model import Status
    from checks.store import open_store
    from tests.store.helpers import finding, run

    store = open_store(sys.argv[1])
    batches = 0

    def midway(conn, cursor, statement, *args):
        global batches
        if statement.lstrip().upper().startswith("INSERT INTO FINDINGS"):
            batches += 1
            if batches == 3:                      # two batches of findings are written, in the open transaction
                print("midway", flush=True)
                time.sleep(60)

    event.listen(store.engine, "before_cursor_execute", midway)
    store.record(run(1, [finding(f"b{i}", Status.FAIL) for i in range(30_000)]))
    print("finished", flush=True)
""")


def test_a_run_killed_during_a_large_insert_leaves_the_store_unchanged(url: str) -> None:
    with open_store(url) as store:
        store.record(run(0, [finding("a", Status.FAIL)]))
    before = counts(url)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    with subprocess.Popen([sys.executable, "-c", CHILD, url], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, env=env) as child:
        try:
            assert child.stdout is not None and child.stderr is not None
            ready, _, _ = select.select([child.stdout], [], [], WAIT)
            line = child.stdout.readline().strip() if ready else ""
            if line != "midway":
                child.kill()
                raise AssertionError(f"the child did not reach its insert within {WAIT} s: {child.stderr.read()}")
            child.send_signal(signal.SIGKILL)
            assert child.wait(timeout=WAIT) == -signal.SIGKILL
        finally:
            if child.poll() is None:
                child.kill()
                child.wait(timeout=WAIT)
    assert counts(url) == before == (1, 1)
    with open_store(url) as store:       # it opens, and its history is intact
        again = store.record(run(2, [finding("a", Status.FAIL)]))
    assert [i.transition for i in again.compliance.items] == [Transition.RECURRING]
    assert counts(url) == (2, 2)
