"""The moto server behind the sandbox: in this process (`running_sandbox`, for tests) or detached (`start_sandbox`).

The detached server is `python -m checks.sandbox.server --state FILE`, started in its own session with its output in
`<out>/sandbox.log`. It binds 127.0.0.1 on a free port, writes the state file atomically (mode 0600: readable and
writable by this user only), serves until SIGTERM or SIGINT, then removes the state file if it still names this
process.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib.util
import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from checks.sandbox.state import (
    DEFAULT_REGION,
    HOST,
    SandboxError,
    SandboxInfo,
    remove_state,
    reset,
    write_state,
)

START_TIMEOUT = 10.0  # seconds for the server thread to bind
INSTALL_HINT = "install it with: pip install 'clearance[sandbox]'"  # moto[server] is the `sandbox` extra


def moto_missing(reason: object) -> SandboxError:
    """The one-line error for a sandbox without moto: why it cannot be imported, and how to install it."""
    return SandboxError(f"the sandbox needs moto, which cannot be imported: {reason}", hint=INSTALL_HINT)


def require_moto() -> None:
    """Raise `moto_missing` when moto is not installed; finds it without importing it (that takes half a second)."""
    try:
        found = importlib.util.find_spec("moto") is not None
    except (ImportError, ValueError) as err:
        raise moto_missing(err) from None
    if not found:
        raise moto_missing("No module named 'moto'")


def account_id() -> str:
    """The account moto stands in for: $MOTO_ACCOUNT_ID, else moto's default 123456789012."""
    try:
        from moto.core import DEFAULT_ACCOUNT_ID
    except ImportError as err:
        raise moto_missing(err) from None

    return os.environ.get("MOTO_ACCOUNT_ID") or DEFAULT_ACCOUNT_ID


def _server_class() -> type:
    try:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
        from moto.server import ThreadedMotoServer
        from werkzeug.serving import make_server

        from checks.sandbox import keepalive, moto_speed
    except ImportError as err:  # moto, or one of its server-mode packages (flask...), is not installed
        raise moto_missing(err) from None
    moto_speed.quicken()  # moto's per-request lookups whose answers never change, memoized

    class BoundedMotoServer(ThreadedMotoServer):
        """ThreadedMotoServer whose start() reports a bind failure instead of waiting for ever, and whose connections
        stay open between requests (HTTP/1.1 keep-alive: `checks.sandbox.keepalive`).

        moto 5.2.5 binds inside the server thread and sets its ready event only on success; a failed bind would
        leave start() blocked. Here the failure is recorded and the event set, so start() returns and re-raises.
        `_server_entry` is moto's, with the keep-alive request handler in place of moto's.
        """

        bind_error: BaseException | None = None

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.connections = keepalive.Connections()

        def _server_entry(self) -> None:
            try:
                app = DomainDispatcherApplication(create_backend_app)
                self._server = make_server(self._ip_address, self._port, app, True,
                                           request_handler=keepalive.handler_for(self.connections))
                self._server_ready_event.set()
                self._server.serve_forever()
            except BaseException as err:  # noqa: BLE001 - handed to the starting thread
                self.bind_error = err
                self._server_ready_event.set()

        def stop(self) -> None:
            self.connections.stop()  # idle keep-alive connections would otherwise hold their threads
            super().stop()

    return BoundedMotoServer


class MotoServer:
    """A moto server bound to 127.0.0.1 in a daemon thread of this process."""

    def __init__(self, port: int = 0) -> None:
        if not 0 <= port <= 65535:
            raise SandboxError(f"port {port} is out of range 0-65535", where="--port")
        self.requested_port = port
        self._server: Any = _server_class()(ip_address=HOST, port=port, verbose=False)
        # werkzeug logs every request at INFO on stderr; moto's verbose=False does not silence it
        logging.getLogger("werkzeug").setLevel(logging.WARNING)

    def start(self, timeout: float = START_TIMEOUT) -> int:
        """Bind and serve; the bound port. Raises SandboxError on a bind failure or when binding takes too long."""
        starter = threading.Thread(target=self._server.start, name="moto-start", daemon=True)
        starter.start()
        starter.join(timeout)
        err = self._server.bind_error
        if err is not None:
            if isinstance(err, SystemExit) and isinstance(err.__context__, OSError):
                err = err.__context__  # werkzeug prints the OSError and exits; the error is kept as the context
            reason = err.strerror if isinstance(err, OSError) and err.strerror else repr(err)
            raise SandboxError(f"cannot bind the sandbox server to {HOST}:{self.requested_port}: {reason}",
                               hint="choose another --port, or 0 for a free one")
        if starter.is_alive():
            raise SandboxError(f"the sandbox server did not bind {HOST}:{self.requested_port} within {timeout:g}s")
        host, port = self._server.get_host_and_port()
        if host != HOST:  # defensive: the whole point of the sandbox is that it is not reachable from outside
            self.stop()
            raise SandboxError(f"the sandbox server bound {host}, not {HOST}")
        return int(port)

    @property
    def connections_accepted(self) -> int:
        """TCP connections accepted since the server started (a client's calls share one: HTTP/1.1 keep-alive)."""
        return int(self._server.connections.accepted)

    def stop(self) -> None:
        if self._server._server is not None:
            self._server.stop()


@contextlib.contextmanager
def running_sandbox(*, region: str = DEFAULT_REGION, port: int = 0,
                    reset_on_exit: bool = True) -> Iterator[SandboxInfo]:
    """A sandbox served from a thread of this process, for tests; stopped (and its data reset) on exit.

    moto's state is global to the process: it is shared with `mock_aws()`, hence the reset on exit.
    """
    server = MotoServer(port)
    bound = server.start()
    info = SandboxInfo(endpoint=f"http://{HOST}:{bound}", port=bound, pid=os.getpid(), account_id=account_id(),
                       region=region, started_at=dt.datetime.now(dt.UTC))
    try:
        yield info
    finally:
        try:
            if reset_on_exit:
                reset(info.endpoint)
        finally:
            server.stop()


def root_has_mfa() -> None:
    """The sandbox stands for an account set up as CIS asks: its root user has an MFA device (IAM-06). A person
    enrols it by hand in a real account, and moto offers no API for it (its account summary says
    AccountMFAEnabled 0), so the detached sandbox's IAM backends start with it set, including backends moto
    creates again after a reset. Not done by `running_sandbox`: in-process, moto's state is shared with the tests'
    own `mock_aws()`."""
    from moto.iam.models import AccountSummary

    original = AccountSummary.__init__

    def with_root_mfa(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        setattr(self, "_account_mfa_enabled", 1)  # noqa: B010 - moto has no API for it

    AccountSummary.__init__ = with_root_mfa  # type: ignore[method-assign]


def serve(state_file: Path, *, port: int = 0, region: str = DEFAULT_REGION, log_file: Path | None = None) -> int:
    """The detached server's main loop; the process exit code."""
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request would fill the log
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    try:
        server = MotoServer(port)  # raises SandboxError without moto
        root_has_mfa()
        bound = server.start()
    except SandboxError as err:
        print(f"error: {err}", file=sys.stderr, flush=True)
        return 2
    info = SandboxInfo(endpoint=f"http://{HOST}:{bound}", port=bound, pid=os.getpid(), account_id=account_id(),
                       region=region, started_at=dt.datetime.now(dt.UTC),
                       log_file=str(log_file) if log_file else None)
    try:
        # 0600: only this user may read the file or change where a scan goes (atomic_write follows the umask, and
        # keeps the bits of a file it replaces, hence the chmod too)
        os.umask(0o077)
        write_state(state_file, info)
        os.chmod(state_file, 0o600)
    except OSError as err:
        server.stop()
        print(f"error: {state_file}: cannot write the sandbox state file: {err.strerror or err}", file=sys.stderr,
              flush=True)
        return 2
    print(f"{info.started_at.isoformat()} sandbox serving {info.endpoint} (pid {info.pid})", flush=True)
    while not stop.wait(1.0):
        pass
    server.stop()
    remove_state(state_file, pid=info.pid)
    print(f"{dt.datetime.now(dt.UTC).isoformat()} sandbox stopped", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m checks.sandbox.server", description=__doc__)
    parser.add_argument("--state", type=Path, required=True, help="state file to write once the port is bound")
    parser.add_argument("--log", type=Path, default=None, help="log file to record in the state file")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: a free one)")
    parser.add_argument("--region", default=DEFAULT_REGION, help="region recorded for clients")
    args = parser.parse_args(argv)
    return serve(args.state, port=args.port, region=args.region, log_file=args.log)


if __name__ == "__main__":
    sys.exit(main())
