"""Write what `sandbox apply` created as a `pulumi stack export` file (version 3), atomically.

The file holds the stack resource, a default aws provider (with the region), every component, every created
resource (real id, inputs, outputs = inputs + what the sandbox returned) and, without an id and with an
`initErrors` entry saying why, the resources the sandbox cannot emulate (the program declares them; a real
deployment would have them). Resources whose creation failed, or that were skipped, are not in the file.
Secrets are written as Pulumi secret envelopes with a placeholder, never in plaintext, and so is every input or
output that holds a secret input's plaintext (an ARN or an id built from a secret name, a tag copied to `tagsAll`):
in a real export they are ciphertext. A resource id, which Pulumi never encrypts, has the plaintext cut out.
clearance's state reader reads such an envelope as unknown, never as a value.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from checks.fsutil import atomic_write
from checks.model import UNKNOWN, Secret, SecretTexts, secret_strings
from checks.paths import repo_root
from checks.raw import SECRET_SIG, SIG_KEY, UNKNOWN_SENTINEL, RawResource
from checks.sandbox.context import Outcome

REDACTED = "clearance-sandbox:redacted"  # secret placeholder: the plaintext is never written
IN_STATE = ("applied", "component", "unsupported")


def wire(value: Any) -> Any:
    """Props -> state JSON: UNKNOWN -> the unknown sentinel, Secret -> an envelope without the plaintext."""
    if value is UNKNOWN:
        return UNKNOWN_SENTINEL
    if isinstance(value, Secret):
        return {SIG_KEY: SECRET_SIG, "ciphertext": REDACTED}
    if isinstance(value, Mapping):
        return {str(k): wire(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [wire(v) for v in value]
    return value


def seal(value: Any, secrets: SecretTexts) -> Any:
    """`value` with every string that holds one of `secrets` made `Secret` (written as an envelope by `wire`)."""
    if isinstance(value, str):
        return Secret(value) if secrets.holds(value) else value
    if isinstance(value, Secret):
        return value
    if isinstance(value, Mapping):
        return {k: seal(v, secrets) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [seal(v, secrets) for v in value]
    return value


def build_export(outcomes: Iterable[Outcome], *, project: str, stack: str, region: str,
                 resources: Iterable[RawResource], program_dir: Path | None = None,
                 now: dt.datetime | None = None) -> dict[str, Any]:
    from checks import tool_version

    now = now or dt.datetime.now(dt.UTC)
    raw = {r.urn: r for r in resources}
    kept = [o for o in outcomes if o.status in IN_STATE]
    in_state = {o.urn for o in kept}
    stack_urn = f"urn:pulumi:{stack}::{project}::pulumi:pulumi:Stack::{project}-{stack}"
    provider_urn = f"urn:pulumi:{stack}::{project}::pulumi:providers:aws::default"
    provider_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{provider_urn}:{now.isoformat()}"))
    provider_props = {"region": region, "skipCredentialsValidation": "true", "skipRequestingAccountId": "false"}
    entries: list[dict[str, Any]] = [
        {"urn": stack_urn, "custom": False, "type": "pulumi:pulumi:Stack"},
        {"urn": provider_urn, "custom": True, "id": provider_id, "type": "pulumi:providers:aws",
         "inputs": dict(provider_props), "outputs": dict(provider_props), "parent": stack_urn},
    ]
    stamp = now.isoformat().replace("+00:00", "Z")
    for o in kept:
        res = raw.get(o.urn)
        parent = res.parent if res is not None and res.parent in in_state else stack_urn
        entry: dict[str, Any] = {"urn": o.urn, "custom": o.status != "component", "type": o.type}
        secrets = SecretTexts(secret_strings(o.props))
        if o.status == "applied":
            entry["id"] = secrets.cut(o.id) if o.id and secrets.holds(o.id) else o.id
        inputs = wire(seal(o.props, secrets))
        entry["inputs"] = inputs
        entry["outputs"] = {**inputs, **wire(seal(o.outputs, secrets))} if o.status == "applied" else (
            {} if o.status == "unsupported" else inputs)
        entry["parent"] = parent
        if res is not None:
            entry["dependencies"] = [d for d in res.dependencies if d in in_state]
            entry["propertyDependencies"] = {k: [d for d in v if d in in_state]
                                             for k, v in res.property_dependencies.items()}
            if res.location is not None:
                entry["sourcePosition"] = f"project:///{_project_file(res.location.file, program_dir)}" \
                                          f"#{res.location.line}"
        if entry["custom"]:
            entry["provider"] = f"{provider_urn}::{provider_id}"
        if o.status == "unsupported":
            entry["initErrors"] = [f"not created in the clearance sandbox: {o.reason}"]
        entry["created"] = entry["modified"] = stamp
        entries.append(entry)
    return {"version": 3, "deployment": {
        "manifest": {"time": now.isoformat(), "magic": "", "version": f"clearance-sandbox {tool_version()}"},
        "resources": entries}}


def _project_file(file: str, program_dir: Path | None) -> str:
    """A source file as Pulumi names it: relative to the project folder (`project:///components/x.py`). `file` is
    relative to the program's repository root (`checks.paths.repo_root`), or absolute."""
    if program_dir is None:
        return file
    try:
        return (repo_root(program_dir) / file).resolve().relative_to(program_dir.resolve()).as_posix()
    except ValueError:
        return file


def write_export(path: Path, outcomes: Iterable[Outcome], *, project: str, stack: str, region: str,
                 resources: Iterable[RawResource], program_dir: Path | None = None) -> Path:
    """Write the export to `path` atomically (a reader sees the old file or the new one, never half of one)."""
    data = build_export(outcomes, project=project, stack=stack, region=region, resources=resources,
                        program_dir=program_dir)
    path = Path(path)
    atomic_write(path, json.dumps(data, indent=2, default=str) + "\n")
    return path
