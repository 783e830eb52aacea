"""Run one command and write its wall time, peak RSS and exit code (used by bench/measure.py).

Why a process in between: on Linux a child's `ru_maxrss` starts from the resident size of the process that forked
it (exec keeps the larger of the old and new peaks), so a command forked by the benchmark itself, which holds
estates of 100,000 resources, would report the benchmark's memory, not its own. This script is run with `python -S`
and imports only the standard library's os/sys/time/signal: what it passes on is a few MiB, printed as the floor.

Usage: python -S bench/spawn_rss.py RESULT_FILE TIMEOUT_S COMMAND [ARG...]
Writes "seconds maxrss_kib exit_code" to RESULT_FILE and exits with the command's code (124 on timeout).
"""

from __future__ import annotations

import os
import signal
import sys
import time


def main(argv: list[str]) -> int:
    result, timeout, command = argv[0], float(argv[1]), argv[2:]
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the command, in a process group of its own so that a timeout ends its children too
        os.setpgid(0, 0)
        try:
            os.execvp(command[0], command)
        finally:
            os._exit(127)

    def expire(signum: int, frame: object) -> None:
        os.killpg(pid, signal.SIGKILL)

    signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    _, status, usage = os.wait4(pid, 0)
    signal.setitimer(signal.ITIMER_REAL, 0)
    seconds = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    code = 124 if code == -signal.SIGKILL else code
    with open(result, "w", encoding="ascii") as out:
        out.write(f"{seconds} {usage.ru_maxrss} {code}\n")
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
