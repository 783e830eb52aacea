"""The program child's records, read while it runs (issue 13), and the child process's wait.

The child (`_pulumi_child.py`, loaded by path: it imports nothing of clearance) appends one frame per registration;
`program._Records` converts every complete frame each time it is called, whatever the child has written so far.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from google.protobuf import struct_pb2

from checks.model import UNKNOWN, Location, Secret
from checks.raw import SECRET_SIG, SIG_KEY, UNKNOWN_SENTINEL
from checks.sources import program
from checks.sources.child_process import ChildTimeout, run_child
from checks.sources.marks import unmark

STACK = "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev"


def _child() -> ModuleType:
    spec = importlib.util.spec_from_file_location("clearance_test_child", program.CHILD_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _record(name: str, **extra: Any) -> dict[str, Any]:
    return {"type": "aws:s3/bucketV2:BucketV2", "name": name, "custom": True, "parent": STACK,
            "dependencies": [], "propertyDependencies": {}, "provider": "", "file": str(Path.cwd() / "main.py"),
            "line": 3, "secretOutputs": [],
            "urn": f"urn:pulumi:dev::p::pulumi:pulumi:Stack$aws:s3/bucketV2:BucketV2::{name}", **extra}


def _struct(value: dict[str, Any]) -> bytes:
    message = struct_pb2.Struct()
    message.update(value)
    return message.SerializeToString()


def test_frames_are_converted_as_they_arrive_even_split_mid_frame(tmp_path: Path) -> None:
    path = tmp_path / "records.bin"
    result: dict[str, Any] = {"registrations": 0}
    writer = _child()._Records(str(path), result)
    reader = program._Records(path, tmp_path)
    reader.read()  # nothing written yet: no file is no frame
    assert (reader.count, reader.resources) == (0, [])
    stack = {**_record("p-dev"), "type": program.STACK_TYPE, "parent": "", "urn": STACK}
    writer.write(stack, _struct({}))
    writer.write(_record("logs", dependencies=[STACK], file=str(tmp_path / "main.py")),
                 _struct({"bucket": "logs", "days": 20.0}))
    data = path.read_bytes()
    path.write_bytes(data[:-3])  # the child is still writing the last frame
    reader.read()
    assert reader.count == 1 and reader.resources == []  # the stack is counted, never a resource
    path.write_bytes(data)
    reader.read()
    assert result["registrations"] == reader.count == 2
    [logs] = reader.resources
    assert logs.urn == "urn:pulumi:dev::p::aws:s3/bucketV2:BucketV2::logs" and logs.parent is None
    assert logs.props == {"bucket": "logs", "days": 20}
    assert logs.location == Location("main.py", 3)
    reader.read(final=True)  # complete: no error


def test_a_records_file_that_ends_inside_a_frame_is_broken_output(tmp_path: Path) -> None:
    path = tmp_path / "records.bin"
    _child()._Records(str(path), {"registrations": 0}).write(_record("logs"), _struct({"a": "b"}))
    path.write_bytes(path.read_bytes()[:-1])
    reader = program._Records(path, tmp_path)
    with pytest.raises(ValueError, match="the records file ends inside a frame"):
        reader.read(final=True)


@pytest.mark.parametrize("inputs", [
    {"name": "clearance-unknown-aws:index/getCallerIdentity:getCallerIdentity-accountId"},
    {"policy": '{"Resource": "clearance-unknown-output", "Effect": "Allow"}'},
    {"tags": {"clearance-unknown-x-y": "v", "plain": "w"}},
    {"password": {SIG_KEY: SECRET_SIG, "value": "pw-clearance-unknown-x-y"}},
    {"nested": [{"deep": ["a", "clearance-unknown-x-y"]}]},
    {"plain": "text", "n": 1.5, "secret": {SIG_KEY: SECRET_SIG, "value": "s3cr3t"}, "later": UNKNOWN_SENTINEL},
])
def test_the_marker_shortcut_gives_what_the_full_walk_gives(inputs: dict[str, Any]) -> None:
    rec = {**_record("r", secretOutputs=["plain"]), "inputs": inputs}
    got = program._convert(rec, {}, Path.cwd(), {})
    converted = program.convert_value(inputs)
    want = unmark(converted)
    if "plain" in want:
        want["plain"] = Secret(want["plain"])
    assert got.props == want
    assert got.partial == {k: v for k, v in converted.items() if isinstance(v, str) and want.get(k) is UNKNOWN}


def test_the_child_is_seen_ending_at_once_and_waited_on_between(tmp_path: Path) -> None:
    calls: list[float] = []
    started = time.monotonic()
    code, stderr = run_child([sys.executable, "-c", "import sys, time; time.sleep(0.5); sys.stderr.write('bye')"],
                             cwd=tmp_path, env={}, timeout=30, temp_dir=tmp_path,
                             on_wait=lambda: calls.append(time.monotonic()), interval=0.05)
    assert (code, stderr) == (0, "bye")
    assert len(calls) >= 3  # called while the child ran
    assert time.monotonic() - started < 5


def test_a_child_past_its_time_is_killed_with_what_it_started(tmp_path: Path) -> None:
    pid_file = tmp_path / "grandchild.pid"
    script = ("import subprocess, sys, time; p = subprocess.Popen([sys.executable, '-c', 'import time; "
              f"time.sleep(60)']); open({str(pid_file)!r}, 'w').write(str(p.pid)); time.sleep(60)")
    with pytest.raises(ChildTimeout):
        run_child([sys.executable, "-c", script], cwd=tmp_path, env={}, timeout=1.5, temp_dir=tmp_path,
                  on_wait=lambda: None)
    grandchild = int(pid_file.read_text())
    deadline = time.monotonic() + 10
    while _running(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(grandchild)


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_record_that_cannot_be_read_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "records.bin"
    head = b'{"type": "aws:s3/bucketV2:BucketV2"}'  # no name, no urn
    path.write_bytes(program._FRAME.pack(len(head), 0) + head)
    with pytest.raises(ValueError, match="^a record of the program's child cannot be read$"):
        program._Records(path, tmp_path).read()
    assert str(program.unreadable_records_error(Path("prog/__main__.py"))) == (
        "prog/__main__.py: the Pulumi program's child process wrote a resource record clearance cannot read (this is "
        "a clearance bug: report it with the program, or check with --preview FILE)")
