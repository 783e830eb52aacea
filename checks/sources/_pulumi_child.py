"""Run one Pulumi Python program under mocks and write what it registers to a JSON file.

clearance starts this script in a child process: `python _pulumi_child.py ARGS.json`, with the program's
directory as working directory. It may run under the program's own interpreter, which has pulumi and
pulumi-aws but not clearance, so it imports only the standard library and the Pulumi SDK (and orjson to write the
result, when the interpreter has it), and keeps to Python 3.9 syntax (older Pulumi SDKs still run there).

ARGS.json: {"main": abs path of the entry file, "program_dir": abs path, "sys_path": [dirs],
            "project": str, "stack": str, "config": {key: str}, "secret_keys": [key], "output": path,
            "records": path, "region": the configured aws:region or null}
Each registration is appended to the records file as it happens, so that clearance decodes it while the program
goes on: a frame of two little-endian uint32 lengths, then the record as JSON (type, name, custom, parent,
dependencies, propertyDependencies, provider, file, line, secretOutputs, urn) and the inputs as the serialized
protobuf Struct the SDK sent (decoding it is clearance's work, on its own core). At the end the output file gets
{"registrations": n (the frames written), "invokes": [token], "marked_invokes": [token], "reads": [type::name],
"logs": [...], "missing_config": [{"key", "file", "line"}], "error": null | {...}}. Without "records" in ARGS.json
(`checks/sandbox/_replay_child.py` runs this script that way), the records, each with its "inputs" as JSON, are
the output file's "resources" list instead. Nothing is printed: the program may print whatever it likes. Invokes
answer with `_pulumi_invokes.py` (loaded by path): results of the right shape whose values are marked unknown. A
resource passed as an input is sent as its id (or a component's URN), as the SDK does for an engine without resource
references: the mock monitor cannot resolve those references.
"""

from __future__ import annotations

import functools
import gc
import importlib.util
import json
import logging
import os
import runpy
import site
import struct
import sys
import threading
import traceback
from typing import Any
from urllib.parse import unquote, urlparse


def _new_result() -> dict[str, Any]:
    return {"registrations": 0, "invokes": [], "marked_invokes": [], "reads": [], "logs": [], "missing_config": [],
            "error": None}


_FRAME = struct.Struct("<II")  # the lengths of a record's JSON and of its inputs (a serialized Struct)


class _Records:
    """Appends one frame per registration to the records file; the SDK registers from several threads."""

    def __init__(self, path: str, result: dict[str, Any]) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.set_inheritable(self.fd, False)
        self.result = result
        self.lock = threading.Lock()
        self.encode = _encoder()

    def write(self, record: dict[str, Any], inputs: bytes) -> None:
        head = self.encode(record)
        frame = memoryview(_FRAME.pack(len(head), len(inputs)) + head + inputs)
        with self.lock:
            while frame:
                frame = frame[os.write(self.fd, frame):]
            self.result["registrations"] += 1


def _encoder() -> Any:
    """JSON to bytes: orjson when the interpreter has it (clearance's own does; a program's may not)."""
    try:
        import orjson
    except ImportError:
        return lambda value: json.dumps(value).encode("utf-8")
    return orjson.dumps


def _uri_path(uri: str) -> str:
    return unquote(urlparse(uri).path) if uri.startswith("file:") else uri


def _library_dirs() -> tuple[str, ...]:
    """The standard library and the interpreter's package folders (sysconfig's stdlib, purelib and platlib, read
    without importing sysconfig and its build data: the floor of a run does not pay for them either)."""
    dirs = {os.path.dirname(os.__file__)}
    getsitepackages = getattr(site, "getsitepackages", None)  # missing from some old virtualenvs' site.py
    if getsitepackages is not None:
        dirs.update(getsitepackages())
    return tuple({os.path.realpath(d) + os.sep for d in dirs})


_LIBRARY_DIRS = _library_dirs()


@functools.cache
def _is_user_code(filename: str) -> bool:
    """False for the SDK, installed packages, the standard library and this script; True for program files."""
    if not filename or filename.startswith("<"):
        return False  # <frozen runpy>, <string>
    path = os.path.realpath(filename)
    parts = path.split(os.sep)
    if "site-packages" in parts or "dist-packages" in parts or path == os.path.realpath(__file__):
        return False
    return not path.startswith(_LIBRARY_DIRS)


def _inside(filename: str, program_dir: str) -> bool:
    """True for the program's own files: under program_dir but not in a virtualenv's packages."""
    if not _is_user_code(filename):
        return False
    return os.path.commonpath([os.path.realpath(filename), program_dir]) == program_dir


def _position(request: Any) -> tuple[str, int]:
    """File and line of the resource's declaration: the SDK's source position, or when that is library code
    (a provider, a component from an installed package), the innermost program frame of the stack trace."""
    pos = request.sourcePosition
    file = _uri_path(pos.uri)
    if not file or _is_user_code(file):
        return file, pos.line
    for frame in request.stackTrace.frames:  # innermost first
        candidate = _uri_path(frame.pc.uri)
        if _is_user_code(candidate):
            return candidate, frame.pc.line
    return file, pos.line


def _describe_error(err: BaseException, program_dir: str, secret_keys: frozenset = frozenset()) -> dict[str, Any]:
    """The program's exception as data: kind, type, message, and the innermost frame in the program folder."""
    info: dict[str, Any] = {"kind": "exception", "type": type(err).__name__, "message": str(err),
                            "file": None, "line": None}
    if isinstance(err, SyntaxError) and err.filename and _is_user_code(err.filename):
        info.update(kind="syntax", message=err.msg, file=os.path.abspath(err.filename), line=err.lineno)
        return info
    frames = [f for f in traceback.extract_tb(err.__traceback__) if _inside(f.filename, program_dir)]
    if frames:
        info.update(file=os.path.abspath(frames[-1].filename), line=frames[-1].lineno)
    if isinstance(err, SystemExit):
        info.update(kind="exit", message=str(err.code))
    if isinstance(err, ModuleNotFoundError):
        info.update(module=err.name)
    from pulumi.config import ConfigMissingError, ConfigTypeError

    if isinstance(err, ConfigMissingError):
        info.update(kind="config_missing", key=err.key)
    elif isinstance(err, ConfigTypeError):
        secret = err.key in secret_keys
        info.update(kind="config_type", key=err.key, expect_type=err.expect_type, secret=secret,
                    value=None if secret else err.value, message="" if secret else info["message"])
    return info


_PLACEHOLDERS = {"require": "", "require_bool": False, "require_int": 0, "require_float": 0.0, "require_object": {}}


def _collect_missing_config(pulumi: Any, result: dict[str, Any], program_dir: str) -> None:
    """Make `Config.require*` record a missing key and go on with a placeholder, so one run names every missing
    key (the run's resources are then discarded: the error lists the keys)."""
    from pulumi.config import ConfigMissingError

    def wrap(method: Any, placeholder: Any, secret: bool) -> Any:
        @functools.wraps(method)
        def require(self: Any, key: str, *args: Any, **kwargs: Any) -> Any:
            try:
                return method(self, key, *args, **kwargs)
            except ConfigMissingError as err:
                frames = [f for f in traceback.extract_stack() if _inside(f.filename, program_dir)]
                if all(m["key"] != err.key for m in result["missing_config"]):
                    result["missing_config"].append({
                        "key": err.key, "file": os.path.abspath(frames[-1].filename) if frames else None,
                        "line": frames[-1].lineno if frames else None})
                value = placeholder if placeholder != "" else "clearance-unknown-config-" + err.key
                return pulumi.Output.secret(value) if secret else value

        return require

    for name, placeholder in _PLACEHOLDERS.items():
        for method_name, secret in ((name, False), (name.replace("require", "require_secret", 1), True)):
            method = getattr(pulumi.Config, method_name, None)
            if method is not None:
                setattr(pulumi.Config, method_name, wrap(method, placeholder, secret))


def _load_invokes(name: str = "_pulumi_invokes") -> Any:
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"clearance{name}", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


class _LogCollector(logging.Handler):
    """Keeps the program's warnings and errors (pulumi.log.warn, deprecation notices) for the report."""

    def __init__(self, result: dict[str, Any]) -> None:
        super().__init__(level=logging.WARNING)
        self.result = result

    def emit(self, record: logging.LogRecord) -> None:
        self.result["logs"].append({"level": record.levelname.lower(), "message": record.getMessage()})


def _quiet_unraisable(hook: Any) -> Any:
    """Drop the harmless `BaseEventLoop.__del__` noise the SDK leaves at exit; pass anything else on."""

    def quiet(unraisable: Any) -> None:
        if "BaseEventLoop.__del__" not in repr(getattr(unraisable, "object", "")):
            hook(unraisable)

    return quiet


def _run(args: dict[str, Any], result: dict[str, Any]) -> None:
    try:
        import pulumi
        from pulumi.runtime import mocks
        from pulumi.runtime.proto import resource_pb2
    except ImportError as err:
        result["error"] = {"kind": "no_pulumi", "message": str(err)}
        return

    records = _Records(args["records"], result) if args.get("records") else None
    if records is None:
        from google.protobuf import json_format

        result["resources"] = []
    invokes = _load_invokes()
    _load_invokes("_pulumi_outputs").install(pulumi)  # JSON documents keep their known parts
    region = args.get("region")

    class Mocks(mocks.Mocks):
        """Outputs are the inputs and nothing more: the id and computed attributes stay unknown. Invokes return
        results of the right shape with marked values (`_pulumi_invokes.py`)."""

        def new_resource(self, args: mocks.MockResourceArgs) -> Any:
            return None, dict(args.inputs)

        def call(self, args: mocks.MockCallArgs) -> Any:
            value, how = invokes.invoke_result(args.token, dict(args.args or {}), region)
            seen = result["invokes"] if how == "empty" else result["marked_invokes"] if how == "marked" else []
            if args.token not in seen:
                seen.append(args.token)
            return value

    class CapturingMonitor(mocks.MockMonitor):
        """Records every registration as the engine would see it, then lets the mock monitor answer."""

        def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
            file, line = _position(request)
            record: dict[str, Any] = {
                "type": request.type, "name": request.name, "custom": bool(request.custom),
                "parent": request.parent, "dependencies": list(request.dependencies),
                "propertyDependencies": {k: list(v.urns) for k, v in request.propertyDependencies.items()},
                "provider": request.provider, "file": file, "line": line,
                "secretOutputs": list(request.additionalSecretOutputs),
            }
            if request.remote:  # a multi-language component: its provider is not here, so it has no outputs
                response = resource_pb2.RegisterResourceResponse(
                    urn=self.make_urn(request.parent, request.type, request.name))
            else:
                response = super().RegisterResource(request)
            record["urn"] = response.urn
            if records is not None:
                records.write(record, request.object.SerializeToString())
            else:
                record["inputs"] = json_format.MessageToDict(request.object)
                result["resources"].append(record)
            return response

        def GetDeploymentInfo(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
            """Without resource references: a resource passed as an input is sent as its id (or a component's URN),
            which the mock monitor resolves; a reference would need a getResource round trip it cannot answer."""
            info = super().GetDeploymentInfo(request)
            refs = resource_pb2.RESOURCE_MONITOR_FEATURE_RESOURCE_REFERENCES
            features = [f for f in info.supportedFeatures if f != refs]
            return resource_pb2.DeploymentInfo(supportedFeatures=features)

        def SupportsFeature(self, request: Any) -> Any:  # noqa: N802 - gRPC method name (older SDKs ask this)
            if request.id == "resourceReferences":
                return type("SupportsFeatureResponse", (object,), {"hasSupport": False})
            return super().SupportsFeature(request)

        def ReadResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
            result["reads"].append(f"{request.type}::{request.name}")
            return super().ReadResource(request)

    logger = logging.getLogger("clearance.pulumi.program")
    logger.propagate = False
    logger.setLevel(logging.WARNING)
    logger.addHandler(_LogCollector(result))

    pulumi.runtime.set_all_config(dict(args["config"]), list(args["secret_keys"]))
    mock = Mocks()
    mocks.set_mocks(mock, project=args["project"], stack=args["stack"], preview=True, logger=logger,
                    monitor=CapturingMonitor(mock))
    sys.path[0:1] = list(args["sys_path"])  # replace this script's own folder
    sys.argv = [args["main"]]

    @pulumi.runtime.test
    def program() -> None:
        runpy.run_path(args["main"], run_name="__main__")

    _collect_missing_config(pulumi, result, args["program_dir"])
    try:
        program()
    except (Exception, SystemExit) as err:  # noqa: BLE001 - whatever the program raises is reported, not hidden
        result["error"] = _describe_error(err, args["program_dir"], frozenset(args["secret_keys"]))
    if result["missing_config"]:  # the cause of whatever the placeholders led to
        first = result["missing_config"][0]
        result["error"] = {"kind": "config_missing", "key": first["key"], "file": first["file"],
                           "line": first["line"], "type": "ConfigMissingError", "message": ""}


def main(argv: list[str]) -> int:
    # The SDK allocates a few dozen futures and outputs per resource; with the default thresholds the cyclic
    # collector runs thousands of times over an ever-growing heap and doubles the run time. Measured on a
    # 1,000-resource program: 7.5 s with the defaults, 3.7 s with these, the same peak memory (~195 MB).
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    sys.unraisablehook = _quiet_unraisable(sys.unraisablehook)
    with open(argv[1], encoding="utf-8") as fh:
        args = json.load(fh)
    result = _new_result()
    _run(args, result)
    output = str(args["output"])
    with open(output + ".tmp", "wb") as fh:
        fh.write(_dumps(result))  # after the last frame: the records file is complete once this file exists
    os.replace(output + ".tmp", output)
    return 0


def _dumps(result: dict[str, Any]) -> bytes:
    """The result as JSON: with orjson when the interpreter has it (clearance's own does; a program's may not)."""
    try:
        import orjson

        return bytes(orjson.dumps(result, default=str))
    except (ImportError, TypeError):  # TypeError: orjson.JSONEncodeError, a value only the standard library writes
        return json.dumps(result, default=str).encode("utf-8")


if __name__ == "__main__":
    code = main(sys.argv)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # skip interpreter teardown: the SDK's event loops only make noise there
