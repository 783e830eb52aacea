"""Where the state comes from: `pulumi stack export` files (`--state FILE`, repeatable), or Pulumi's backends read
directly (`--backend URL`, without the Pulumi CLI): `file://DIR` and `s3://BUCKET[/prefix]` checkpoint files, and
Pulumi Cloud's stack export API (`https://api.pulumi.com`, or a self-hosted API URL).

A checkpoint file is `{"version": 3, "checkpoint": {"stack": ..., "config": ..., "latest": <deployment>}}`
(Pulumi's apitype.VersionedCheckpoint / CheckpointV3), not the export's `{"version": 3, "deployment": ...}`: its
`latest` is read by state.py's `read_deployment`, so both shapes are parsed by the same code. Secrets stay
encrypted: a ciphertext is never decrypted, printed or kept (it becomes UNKNOWN).
"""

from __future__ import annotations

import json
import os
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from checks.errors import InputError
from checks.raw import RawResource, json_depth
from checks.sources.backends_cloud import read_cloud, safe
from checks.sources.backends_diy import Checkpoint, FileStore, S3Store, Store
from checks.sources.jsonfile import MAX_DEPTH, FileSource
from checks.sources.state import SUPPORTED_VERSION, NamedDeployment, load_state, read_deployment

MAX_BYTES = 512 * 1024 * 1024  # a checkpoint, once un-gzipped
RESTORE = "restore it from the backend's .pulumi/backups, or export the stack and give it with --state"
SCHEMES = "file://DIR, s3://BUCKET[/prefix] or https://api.pulumi.com"


@dataclass(frozen=True)
class StateSet:
    """One stack's state: `name` is project/stack; `origin` the file or backend URL it was read from (no
    credentials); `resources` its raw resources of the state view; `warnings` what the report should say."""

    name: str
    origin: str
    resources: tuple[RawResource, ...]
    warnings: tuple[str, ...] = ()


def load_states(files: Sequence[Path], backend: str | None, stacks: Sequence[str], *,
                session: boto3.Session | None = None, endpoint_url: str | None = None,
                env: Mapping[str, str] | None = None, cwd: Path | None = None,
                program: Path | None = None) -> list[StateSet]:
    """Every stack given: the files, then the backend's stacks (`stacks`, or every stack a DIY backend holds).
    Without files or backend, PULUMI_BACKEND_URL names the backend. A stack given twice is an error. `program`
    (drift's --program) is the program folder of the stacks of its project; the others' are looked for
    (`checks.sources.positions.find_program`)."""
    env = os.environ if env is None else env
    cwd = cwd or Path.cwd()
    near = (program,) if program is not None else ()
    sets = [_from_file(Path(f), cwd, near) for f in files]
    if backend is None and not files:
        backend = env.get("PULUMI_BACKEND_URL") or None
        if backend is None:
            raise InputError("no state given: give --state FILE (repeatable) or --backend URL", where="--state",
                             hint=SCHEMES)
    if backend is None and stacks:
        raise InputError("--stack selects stacks of a backend: give --backend URL too, or leave --stack out",
                         where="--stack")
    if backend is not None:
        sets.extend(_from_backend(backend, stacks, session=session, endpoint_url=endpoint_url, env=env, cwd=cwd,
                                  near=near))
    seen: dict[str, str] = {}
    for s in sets:
        if s.name in seen:
            raise InputError(f"stack {s.name} is given twice ({seen[s.name]} and {s.origin}): give each stack once",
                             where=s.origin)
        seen[s.name] = s.origin
    return sets


def _from_file(path: Path, cwd: Path, near: tuple[Path, ...]) -> StateSet:
    return _state_set(load_state(path, cwd=cwd, candidates=near), str(path), path.stem)


def _state_set(source: FileSource, origin: str, fallback: str, warnings: Sequence[str] = ()) -> StateSet:
    name = f"{source.project}/{source.stack}" if source.project and source.stack else fallback
    return StateSet(name, origin, tuple(source.resources), (*warnings, *source.warnings))


def _from_backend(backend: str, stacks: Sequence[str], *, session: boto3.Session | None, endpoint_url: str | None,
                  env: Mapping[str, str], cwd: Path, near: tuple[Path, ...]) -> list[StateSet]:
    scheme = backend.split("://", 1)[0].lower() if "://" in backend else ""
    if scheme in ("https", "http"):
        return [_from_export(e.body, e.url, e.name, cwd, near) for e in read_cloud(backend, stacks, env)]
    warnings: list[str] = []
    store: Store
    if scheme == "file":
        store = FileStore.open(backend, cwd, warnings)
    elif scheme == "s3":
        store = S3Store.open(backend, session, endpoint_url, warnings)
    else:
        raise InputError(f"this backend is not supported: use {SCHEMES}, or export the stack with "
                         f"'pulumi stack export --file FILE' and give it with --state", where=safe(backend))
    chosen = select(store.checkpoints(), stacks, store.url)
    return [_from_checkpoint(store, c, cwd, warnings if i == 0 else [], near) for i, c in enumerate(chosen)]


def select(found: Sequence[Checkpoint], stacks: Sequence[str], url: str) -> list[Checkpoint]:
    """The checkpoints of `stacks` (`project/stack`; `stack` alone when one project has it), or all of them."""
    if not stacks:
        return list(found)
    chosen: list[Checkpoint] = []
    for wanted in dict.fromkeys(stacks):
        name = wanted.removeprefix("organization/")  # DIY backends' fully qualified names use this organization
        match = [c for c in found if c.stack == name or c.stack.rsplit("/", 1)[-1] == name
                 or ("/" not in c.stack and name.endswith(f"/{c.stack}"))]
        if len(match) > 1:
            exact = [c for c in match if c.stack == name]
            if len(exact) != 1:
                raise InputError(f"--stack {wanted} matches {len(match)} stacks ({_names(match)}): give project/stack",
                                 where=url)
            match = exact
        if not match:
            listed = _names(found) or "none"
            raise InputError(f"no stack {wanted} in this backend (found: {listed}): give one of them with --stack",
                             where=url)
        chosen.extend(c for c in match if c not in chosen)
    return chosen


def _names(found: Sequence[Checkpoint], limit: int = 20) -> str:
    names = [c.stack for c in found]
    more = f", and {len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def _from_checkpoint(store: Store, checkpoint: Checkpoint, cwd: Path, warnings: list[str],
                     near: tuple[Path, ...]) -> StateSet:
    raw = store.read(checkpoint)
    if checkpoint.gzipped:
        raw = gunzip(raw, checkpoint.url)
    data = parse_json(raw, checkpoint.url)
    url = checkpoint.url
    if "deployment" in data and "checkpoint" not in data:
        return _from_export_data(data, url, checkpoint.stack, cwd, warnings, near)
    check_version(data, url, "checkpoint")
    body = data.get("checkpoint")
    if not isinstance(body, dict):
        raise InputError(f"not a Pulumi checkpoint (no 'checkpoint' object at the top level): {RESTORE}", where=url)
    latest = body.get("latest")
    if latest is None:  # created with `pulumi stack init`, never updated
        return StateSet(checkpoint.stack, url, (), (*warnings, f"{url}: the stack has no deployment yet: it is empty"))
    if not isinstance(latest, dict):
        raise InputError(f"checkpoint.latest is not an object: the checkpoint is damaged; {RESTORE}", where=url)
    source = read_deployment(latest, url, errors=NamedDeployment(url, f"the checkpoint is damaged; {RESTORE}"),
                             cwd=cwd, candidates=near)
    return _state_set(source, url, checkpoint.stack, warnings)


def _from_export(body: bytes, url: str, name: str, cwd: Path, near: tuple[Path, ...]) -> StateSet:
    return _from_export_data(parse_json(body, url), url, name, cwd, [], near)


def _from_export_data(data: dict[str, Any], url: str, name: str, cwd: Path, warnings: list[str],
                      near: tuple[Path, ...]) -> StateSet:
    check_version(data, url, "stack export")
    if "deployment" not in data:
        raise InputError("not a stack export (no 'deployment' at the top level): check the backend URL", where=url)
    return _state_set(read_deployment(data["deployment"], url, cwd=cwd, candidates=near), url, name, warnings)


def check_version(data: Mapping[str, Any], where: str, noun: str) -> None:
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise InputError(f"the {noun} has no numeric 'version': it is not a Pulumi {noun}, or is damaged; {RESTORE}",
                         where=where)
    if version != SUPPORTED_VERSION:
        fix = ("upgrade it by running 'pulumi refresh' on the stack with Pulumi CLI 3.x" if version < SUPPORTED_VERSION
               else f"clearance reads version {SUPPORTED_VERSION}")
        raise InputError(f"{noun} version {version} is not supported: {fix}", where=where)


def gunzip(raw: bytes, where: str) -> bytes:
    """Un-gzip at most MAX_BYTES (a gzip bomb stops there); a corrupt or truncated file is one line."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(raw, MAX_BYTES + 1)
        complete = inflater.eof
    except zlib.error:
        complete, out = False, b""
    if len(out) > MAX_BYTES:
        raise InputError(f"the checkpoint is larger than {MAX_BYTES // 2**20} MiB once un-gzipped: export the stack "
                         f"and give it with --state", where=where)
    if not complete:
        raise InputError(f"the gzipped checkpoint is corrupt or truncated: {RESTORE}", where=where)
    return out


def parse_json(raw: bytes, where: str) -> dict[str, Any]:
    """One JSON object, bounded in depth; errors never quote the content (it may hold secrets)."""
    try:
        text = raw.decode("utf-8-sig")
        data = json.loads(text)
    except UnicodeDecodeError:
        raise InputError(f"not UTF-8 text: the file is damaged; {RESTORE}", where=where) from None
    except json.JSONDecodeError as err:
        raise InputError(f"invalid JSON ({err.msg}) at line {err.lineno}, column {err.colno}: {RESTORE}",
                         where=where) from None
    except (RecursionError, ValueError):
        raise InputError(f"the JSON cannot be read (too deep, or a number too long): {RESTORE}", where=where) from None
    if not isinstance(data, dict):
        raise InputError(f"expected a JSON object at the top level: {RESTORE}", where=where)
    if json_depth(data) > MAX_DEPTH:
        raise InputError(f"the JSON is nested too deeply (more than {MAX_DEPTH} levels): {RESTORE}", where=where)
    return data
