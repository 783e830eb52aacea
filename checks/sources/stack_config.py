"""The settings of a Pulumi project: `Pulumi.yaml` and the stack configuration in `Pulumi.<stack>.yaml`.

Config keys are full keys as the Pulumi SDK reads them: `<namespace>:<key>`; a bare `key` means
`<project>:key`. Values that are not strings are JSON-encoded, as Pulumi does. Encrypted (`secure:`) values
cannot be decrypted without the Pulumi CLI: they are left out and remembered, so that a program that
requires one gets an error saying so.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from checks.errors import InputError
from checks.paths import PROJECT_FILES, display_path

if TYPE_CHECKING:  # PyYAML (~14 ms) is imported when a YAML file is read: a preview or state file's run may read none
    from checks.yamlfile import LinedDocument

DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True, slots=True)
class PulumiProject:
    name: str
    program_dir: Path  # absolute
    project_file: Path
    main_file: Path  # absolute path of the entry file
    stack_config_dir: Path
    defaults: Mapping[str, str]  # project-level config (`config:` in Pulumi.yaml), by full key


@dataclass(frozen=True, slots=True)
class StackConfig:
    stack: str
    stack_file: Path  # may not exist: the stack then has no config of its own
    values: Mapping[str, str]
    encrypted: Mapping[str, int]  # full key -> line in the stack file, for secure values not given otherwise
    secret_keys: frozenset[str]
    warnings: tuple[str, ...] = ()
    region_defaulted: bool = False  # `aws:region` is clearance's default, not the project's


def full_key(key: str, project: str) -> str:
    return key if ":" in key else f"{project}:{key}"


def short_key(key: str, project: str) -> str:
    """The key as a user types it: bare when it is in the project's namespace."""
    namespace, _, rest = key.partition(":")
    return rest if rest and namespace == project else key


def encode_value(value: Any) -> str:
    """Config values reach the program as strings; others are JSON, as `pulumi config` stores them (a YAML date
    is the text it was written as)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    return json.dumps(value, separators=(",", ":"), sort_keys=True, default=_json_default)


def _json_default(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not a config value")


def read_project(program_dir: Path) -> PulumiProject:
    """Read `Pulumi.yaml`: project name, Python runtime, entry file and where stack files live."""
    program_dir = program_dir.resolve()
    if not program_dir.is_dir():
        raise InputError("not a directory", where=display_path(program_dir),
                         hint="give the directory of a Pulumi program (the one with Pulumi.yaml)")
    found = [program_dir / name for name in PROJECT_FILES if (program_dir / name).is_file()]
    if not found:
        below = projects_below(program_dir)
        if below:
            raise InputError(f"no Pulumi.yaml in {display_path(program_dir)}; Pulumi projects below it: "
                             f"{', '.join(below)}", hint="pass one of them")
        raise InputError("not found: this is not a Pulumi project", where=display_path(program_dir / PROJECT_FILES[0]),
                         hint="give the directory that holds the program's Pulumi.yaml")
    path = found[0]
    doc = _load_yaml(path)
    data = doc.data
    where = display_path(path)
    if not isinstance(data, dict):
        raise InputError("expected a mapping with `name` and `runtime`", where=where,
                         hint="Pulumi.yaml needs at least `name: <project>` and `runtime: python`")
    lines = _key_lines(doc, ())

    def field_where(key: str) -> str:
        return f"{where}:{lines[key]}" if key in lines else where

    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise InputError("field `name` must be the project name", where=field_where("name"),
                         hint="add `name: <project>` to Pulumi.yaml")
    runtime = data.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if runtime_name != "python":
        raise InputError(f"field `runtime` is {runtime_name!r}: clearance runs Python programs only",
                         where=field_where("runtime"), hint="set `runtime: python` or point clearance at a preview")
    main_file = _main_file(program_dir, data.get("main"), field_where("main"))
    config_dir = data.get("stackConfigDir")
    if config_dir is not None and not isinstance(config_dir, str):
        raise InputError("field `stackConfigDir` must be a path", where=field_where("stackConfigDir"),
                         hint="give the folder of the Pulumi.<stack>.yaml files, relative to Pulumi.yaml")
    return PulumiProject(
        name=name, program_dir=program_dir, project_file=path, main_file=main_file,
        stack_config_dir=(program_dir / config_dir).resolve() if config_dir else program_dir,
        defaults=_project_defaults(data, name, field_where),
    )


_SKIPPED_DIRS = frozenset({"node_modules", "venv", "site-packages", "__pycache__"})


def projects_below(folder: Path, depth: int = 2) -> list[str]:
    """Sub-folders (at most `depth` levels down) that hold a Pulumi.yaml, as `a/`, `b/c/`; hidden folders, virtual
    environments and node_modules are skipped."""
    found: list[str] = []
    level = [folder]
    for _ in range(depth):
        below: list[Path] = []
        for parent in level:
            try:
                children = sorted(p for p in parent.iterdir() if p.is_dir())
            except OSError:
                continue
            for child in children:
                if child.name.startswith(".") or child.name in _SKIPPED_DIRS or (child / "pyvenv.cfg").exists():
                    continue
                if any((child / name).is_file() for name in PROJECT_FILES):
                    found.append(child.relative_to(folder).as_posix() + "/")
                else:
                    below.append(child)
        level = below
    return sorted(found)


def _main_file(program_dir: Path, main: Any, where: str) -> Path:
    if main is not None and not isinstance(main, str):
        raise InputError("field `main` must be a path", where=where,
                         hint="give the entry file or folder of the program")
    entry = (program_dir / main).resolve() if main else program_dir
    if entry.is_dir():
        entry = entry / "__main__.py"
    if not entry.is_file():
        raise InputError(f"the program's entry file {display_path(entry)} does not exist", where=where,
                         hint="add __main__.py or set `main:` in Pulumi.yaml to the program's entry file")
    return entry


def _project_defaults(data: Mapping[str, Any], project: str, field_where: Any) -> dict[str, str]:
    """Project-level config: `config:` with `key: value` or `key: {default: ...}` / `key: {value: ...}`, and the
    `default:` of `template.config` entries (below `config:`, which wins)."""
    values: dict[str, str] = {}
    template = data.get("template")
    template_config = template.get("config") if isinstance(template, dict) else None
    if template_config is not None and not isinstance(template_config, dict):
        raise InputError("field `template.config` must be a mapping", where=field_where("template"),
                         hint="write `template: config:` as `key: {default: value}` lines")
    for key, spec in (template_config or {}).items():
        if isinstance(spec, dict) and spec.get("default") is not None:
            values[full_key(str(key), project)] = encode_value(spec["default"])
    config = data.get("config")
    if config is None:
        return values
    if not isinstance(config, dict):
        raise InputError("field `config` must be a mapping", where=field_where("config"),
                         hint="write `config:` as `key: value` lines")
    for key, spec in config.items():
        if isinstance(spec, dict):
            spec = spec.get("value", spec.get("default"))
        if spec is not None:
            values[full_key(str(key), project)] = encode_value(spec)
    return values


def stack_files(project: PulumiProject) -> dict[str, Path]:
    """The `Pulumi.<stack>.yaml` files beside the project, by stack name."""
    found: dict[str, Path] = {}
    for path in sorted(project.stack_config_dir.glob("Pulumi.*.y*ml")):
        stack = path.name.removeprefix("Pulumi.").rsplit(".", 1)[0]
        if path.suffix in (".yaml", ".yml") and stack and path.is_file():
            found.setdefault(stack, path)
    return found


def choose_stack(project: PulumiProject, stack: str | None) -> tuple[str, list[str]]:
    """The stack asked for; else the only stack file's; else `dev`. Returns the stack and warnings."""
    if stack:
        return stack.rsplit("/", 1)[-1], []  # org/project/stack -> stack
    files = stack_files(project)
    if len(files) == 1:
        return next(iter(files)), []
    if not files:
        return "dev", []
    names = ", ".join(p.name for p in files.values())
    return "dev", [f"several stack files ({names}): using stack dev; choose one with --stack"]


def read_stack_config(project: PulumiProject, stack: str, overrides: Mapping[str, str]) -> StackConfig:
    """Project defaults, then the stack file's `config:`, then `overrides`; `aws:region` defaults to us-east-1."""
    path = stack_files(project).get(stack, project.stack_config_dir / f"Pulumi.{stack}.yaml")
    values = dict(project.defaults)
    encrypted: dict[str, int] = {}
    warnings: list[str] = []
    if path.is_file():
        _read_stack_file(path, project.name, values, encrypted, warnings)
    given = {full_key(k, project.name): v for k, v in overrides.items()}
    values.update(given)
    secret_keys = frozenset(k for k in encrypted if k in given)
    for key in secret_keys:
        del encrypted[key]
    for key, line in encrypted.items():
        warnings.append(f"{display_path(path)}:{line}: config {key} is encrypted and was left unset "
                        f"(pass it with --config {short_key(key, project.name)}=value)")
    region_defaulted = "aws:region" not in values
    values.setdefault("aws:region", DEFAULT_REGION)
    return StackConfig(stack=stack, stack_file=path, values=values, encrypted=encrypted, secret_keys=secret_keys,
                       warnings=tuple(warnings), region_defaulted=region_defaulted)


def _read_stack_file(path: Path, project: str, values: dict[str, str], encrypted: dict[str, int],
                     warnings: list[str]) -> None:
    doc = _load_yaml(path)
    data = doc.data
    where = display_path(path)
    if data is None:
        return
    if not isinstance(data, dict):
        raise InputError("expected a mapping with a `config:` section", where=where,
                         hint="stack files hold `config:` with one `key: value` per line")
    top_lines = _key_lines(doc, ())
    if data.get("environment"):
        warnings.append(f"{where}: Pulumi ESC environments are not read: config they provide is missing")
    config = data.get("config")
    if config is None:
        return
    if not isinstance(config, dict):
        raise InputError("`config` must be a mapping of key: value", where=f"{where}:{top_lines.get('config', 1)}",
                         hint="write one `key: value` per line under `config:`")
    lines = _key_lines(doc, ("config",))
    for raw_key, value in config.items():
        key = full_key(str(raw_key), project)
        line = lines.get(str(raw_key), 1)
        if _is_secure(value):
            encrypted[key] = line
            values.pop(key, None)  # never fall back to a project default for an encrypted value
        elif value is None:
            warnings.append(f"{where}:{line}: config {key} has no value: left unset")
        else:
            try:
                values[key] = encode_value(value)
            except (TypeError, ValueError) as err:
                raise InputError(f"config {key} cannot be read: {err}", where=f"{where}:{line}",
                                 hint="write the value as a string, number, boolean, list or mapping") from None


def _is_secure(value: Any) -> bool:
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return True
        return any(_is_secure(v) for v in value.values())
    if isinstance(value, list):
        return any(_is_secure(v) for v in value)
    return False


def _load_yaml(path: Path) -> LinedDocument:
    """The document with the line of every key, read by clearance's one bounded YAML loader (no alias bombs,
    no recursive aliases, no python tags); errors name the file and line."""
    from checks.yamlfile import load_yaml

    return load_yaml(path, display_path(path))


def _key_lines(doc: LinedDocument, under: tuple[str, ...]) -> dict[str, int]:
    """The line of each key of the mapping at `under`."""
    depth = len(under) + 1
    return {str(path[-1]): line for path, line in doc.lines.items()
            if len(path) == depth and path[:-1] == under and isinstance(path[-1], str)}
