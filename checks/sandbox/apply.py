"""`clearance sandbox apply PROGRAM_DIR`: create a Pulumi program's planned resources in the sandbox with boto3 and
write the resulting state as a `pulumi stack export` (version 3).

1. The program runs under mocks (`load_program`): resources, props, property dependencies.
2. Resources are created in dependency order (property dependencies, `dependsOn`, parent). A prop that is UNKNOWN
   at plan time is filled in from the output of the resource its property dependency names; which output (id, ARN,
   name, bucket ...) depends on the prop's name (`references.REFERENCE_OUTPUTS`, `references.output_for`).
3. A prop the program *computes* from outputs with `apply()` (a policy JSON, container definitions) cannot be
   rebuilt that way: such resources wait, and the program is run again under mocks that answer with the sandbox's
   real ids and outputs (`_replay_child.py`), which makes those values known. At most `MAX_REPLAYS` times.
4. A type moto cannot emulate is reported once, in one line, in `unsupported`; a create call AWS refuses is reported
   with the AWS error, and the resources that depend on it are skipped with that reason.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from checks.model import UNKNOWN, Secret, SecretTexts, secret_strings
from checks.paths import repo_root
from checks.raw import RawResource
from checks.sandbox.appliers import appliers, unsupported
from checks.sandbox.context import ApplyContext, ApplyFailed, Outcome, Sandbox, Unsupported
from checks.sandbox.references import Picker, Waiting, creation_order, dependencies

MAX_REPLAYS = 3
REPLAY_CHILD = Path(__file__).with_name("_replay_child.py")


@dataclass
class ApplyResult:
    state_file: Path
    outcomes: list[Outcome]
    unsupported: list[str]  # one line per type: "<type> (<names>): <reason>"
    duration_s: float
    replays: int = 0
    warnings: list[str] = field(default_factory=list)
    secret_texts: frozenset[str] = frozenset()  # the plaintexts of the secrets applied (never written out)

    def _with(self, status: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def applied(self) -> list[Outcome]:
        return self._with("applied")

    @property
    def failed(self) -> list[Outcome]:
        return self._with("failed")

    @property
    def skipped(self) -> list[Outcome]:
        return self._with("skipped")

    def problems(self) -> list[str]:
        """One line per resource that failed or was skipped: type, name and why."""
        return [f"{o.status}: {o.describe()}: {o.reason}" for o in self.failed + self.skipped]


def apply_program(program_dir: Path, session: Any, endpoint_url: str, out_file: Path, *, stack: str | None = None,
                  python: str | None = None, account_id: str | None = None) -> ApplyResult:
    """Create the program's resources in the sandbox at `endpoint_url` (through `session`) and write the state
    export to `out_file` (atomically). `account_id` defaults to what STS answers."""
    from checks.sandbox.export import write_export
    from checks.sources.program import load_program

    started = time.perf_counter()
    run = load_program(Path(program_dir), stack=stack, python=python)
    sandbox = Sandbox(session=session, endpoint_url=endpoint_url, region=run.region, account_id=account_id or "")
    if not account_id:
        sandbox.account_id = sandbox.client("sts").get_caller_identity()["Account"]
    deployer = _Deployer(run.resources, sandbox, lambda known: _replay(run.program_dir, run.stack, known, python))
    outcomes = deployer.deploy()
    unsupported = _unsupported_lines(outcomes)
    write_export(out_file, outcomes, project=run.project, stack=run.stack, region=run.region, resources=run.resources,
                 program_dir=run.program_dir)
    return ApplyResult(state_file=Path(out_file), outcomes=outcomes, unsupported=unsupported,
                       duration_s=time.perf_counter() - started, replays=deployer.replays,
                       warnings=list(run.warnings) + deployer.warnings,
                       secret_texts=frozenset(t for r in run.resources for t in secret_strings(r.props)))


def _unsupported_lines(outcomes: list[Outcome]) -> list[str]:
    by_type: dict[tuple[str, str], list[str]] = {}
    for o in outcomes:
        if o.status == "unsupported":
            by_type.setdefault((o.type, o.reason), []).append(o.name)
    return [f"{t} ({', '.join(names)}): {reason}" for (t, reason), names in by_type.items()]


# ---------------------------------------------------------------- deployment


class _Deployer:
    def __init__(self, resources: list[RawResource], sandbox: Sandbox, replay: Any) -> None:
        self.resources = {r.urn: r for r in resources}
        self.sandbox = sandbox
        self.replay = replay
        self.replays = 0
        self.warnings: list[str] = []
        self.outcomes: dict[str, Outcome] = {}
        self.order = creation_order(resources)

    def deploy(self) -> list[Outcome]:
        waiting: dict[str, str] = {}
        while True:
            waiting = {}
            for urn in self.order:
                if urn not in self.outcomes:
                    self._step(self.resources[urn], waiting)
            if not waiting or self.replays >= MAX_REPLAYS:
                break
            known = {f"{o.type}::{o.name}": {"id": o.id, "outputs": _wire(dict(o.props, **o.outputs, id=o.id))}
                     for o in self.outcomes.values() if o.status == "applied"}
            self.replays += 1
            replayed = self.replay(known)
            changed = False
            for urn in waiting:
                new = replayed.get(urn)
                if new is not None and new.props != self.resources[urn].props:
                    self.resources[urn] = new
                    changed = True
            if not changed:
                break
        for urn, path in waiting.items():
            self._record(self.resources[urn], "failed", reason=f"{path} is computed by the program from other "
                         "resources' outputs and stayed unknown when the program ran again with the sandbox's outputs")
        return [self.outcomes[urn] for urn in self.order if urn in self.outcomes]

    def _record(self, res: RawResource, status: str, **kwargs: Any) -> None:
        reason = kwargs.get("reason")
        if reason:  # printed by `sandbox apply`: an AWS error may quote a secret input
            kwargs["reason"] = SecretTexts(secret_strings(res.props)).cut(reason)
        self.outcomes[res.urn] = Outcome(urn=res.urn, type=res.type, name=res.name, status=status, **kwargs)

    def _blocker(self, res: RawResource, waiting: Mapping[str, str]) -> tuple[str, str] | None:
        """(status, reason) when a dependency keeps `res` from being created now."""
        for dep in dependencies(res):
            if dep not in self.resources:
                continue
            if dep in waiting or dep not in self.outcomes:
                return "waiting", dep
            got = self.outcomes[dep]
            if got.status in ("failed", "skipped"):
                return "skipped", f"depends on {got.describe()}, which {got.status}: {got.reason}"
            if got.status == "unsupported":
                return "skipped", f"depends on {got.describe()}, which the sandbox cannot emulate"
        return None

    def _step(self, res: RawResource, waiting: dict[str, str]) -> None:
        if not res.custom:
            self._record(res, "component", props=res.props)
            return
        applier = appliers().get(res.type)
        if applier is None:
            reason = unsupported().get(res.type, "clearance sandbox has no applier for this type")
            self._record(res, "unsupported", reason=reason, props=self._best_effort(res))
            return
        blocker = self._blocker(res, waiting)
        if blocker is not None and blocker[0] == "waiting":
            waiting[res.urn] = f"depends on {blocker[1]}"
            return
        if blocker is not None:
            self._record(res, "skipped", reason=blocker[1], props=res.props)
            return
        try:
            props = self._resolve(res)
        except Waiting as wait:
            waiting[res.urn] = wait.path
            return
        ctx = ApplyContext(sandbox=self.sandbox, name=res.name, type=res.type)
        started = time.perf_counter()
        try:
            rid, outputs = applier(_plain(props), ctx)
        except Unsupported as err:
            self._record(res, "unsupported", reason=str(err), props=props)
        except ClientError as err:
            self._record(res, "failed", reason=_aws_error(err), props=props,
                         seconds=time.perf_counter() - started)
        except (BotoCoreError, ApplyFailed, KeyError, ValueError, TypeError) as err:
            self._record(res, "failed", reason=f"{type(err).__name__}: {err}", props=props,
                         seconds=time.perf_counter() - started)
        else:
            outputs = {k: v for k, v in outputs.items() if v is not None}
            self._record(res, "applied", id=rid, props=props, outputs=outputs, seconds=time.perf_counter() - started)

    def _best_effort(self, res: RawResource) -> dict[str, Any]:
        try:
            return self._resolve(res, strict=False)
        except Waiting:
            return dict(res.props)

    def _resolve(self, res: RawResource, *, strict: bool = True) -> dict[str, Any]:
        """The props with every UNKNOWN replaced by the output of the resource it refers to."""
        out = {}
        for prop, value in res.props.items():
            picker = Picker(prop, [self.outcomes[u] for u in res.property_dependencies.get(prop, ())
                                    if u in self.outcomes and self.outcomes[u].status == "applied"], strict)
            out[prop] = picker.fill(value, prop, prop)
        return out


def _aws_error(err: ClientError) -> str:
    error = err.response.get("Error", {})
    code, message = str(error.get("Code") or ""), " ".join(str(error.get("Message") or "").split())
    if code.isdigit() and "<html" in message.lower():  # moto answered with a Flask error page: it crashed
        message = f"the sandbox (moto) failed on this call with HTTP {code}"
    return f"{err.operation_name}: {code}: {message[:300]}"


def _plain(value: Any) -> Any:
    """Secrets unwrapped, for the AWS call (they are never written out in plaintext)."""
    if isinstance(value, Secret):
        return _plain(value.value)
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _wire(value: Any) -> Any:
    """Props -> Pulumi wire JSON for the replay mocks: UNKNOWN and secrets are left out."""
    if isinstance(value, Mapping):
        return {k: _wire(v) for k, v in value.items() if v is not UNKNOWN and not isinstance(v, Secret)}
    if isinstance(value, list):
        return [_wire(v) for v in value if v is not UNKNOWN and not isinstance(v, Secret)]
    return value


# ---------------------------------------------------------------- replay


def _replay(program_dir: Path, stack: str, known: Mapping[str, Any], python: str | None,
            timeout: float = 300) -> dict[str, RawResource]:
    """Run the program again under mocks that answer the created resources with their real ids and outputs."""
    from checks.sources import program as prog
    from checks.sources.stack_config import read_project, read_stack_config

    project = read_project(program_dir)
    settings = read_stack_config(project, stack, {})
    with tempfile.TemporaryDirectory(prefix="clearance-replay-") as tmp:
        output, replay_file, args_file = Path(tmp) / "result.json", Path(tmp) / "known.json", Path(tmp) / "args.json"
        replay_file.write_text(json.dumps(known, default=str), encoding="utf-8")
        args_file.write_text(json.dumps({
            "main": str(project.main_file), "program_dir": str(project.program_dir),
            "sys_path": list(dict.fromkeys([str(project.main_file.parent), str(project.program_dir)])),
            "project": project.name, "stack": stack, "config": dict(settings.values),
            "secret_keys": sorted(settings.secret_keys), "output": str(output),
            "child_script": str(prog.CHILD_SCRIPT), "replay": str(replay_file)}), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        try:
            subprocess.run([python or sys.executable, str(REPLAY_CHILD), str(args_file)], cwd=project.program_dir,
                           env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           timeout=timeout, check=False)
            result = json.loads(output.read_text(encoding="utf-8"))
        except (OSError, ValueError, subprocess.SubprocessError):
            return {}
    if not isinstance(result, dict) or result.get("error") or not isinstance(result.get("resources"), list):
        return {}
    files: dict[str, str] = {}
    root = repo_root(project.program_dir)
    converted = [prog._convert(rec, files, root) for rec in result["resources"] if rec.get("type") != prog.STACK_TYPE]
    return {r.urn: r for r in converted}
