"""Project settings: `[tool.clearance]` in pyproject.toml, or a clearance.toml (top-level keys).

    [tool.clearance]
    fail_on = "high"                 # default threshold for the exit code
    waivers = "waivers.yaml"         # waivers file, relative to the settings file
    sg_register = "infra/security-group-reviews.yaml"   # review register (default: beside Pulumi.yaml)
    max_waiver_days = 365            # the latest a waiver may expire, in days from the run
    [tool.clearance.params.KEY-01]   # parameter overrides per control
    max_rotation_days = 90

Every setting is strictly typed: a wrong type or an unknown key is an error naming the file and the key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from checks.catalog.controls import Control
from checks.errors import InputError
from checks.model import Severity
from checks.waivers import DEFAULT_MAX_WAIVER_DAYS, MAX_WAIVER_DAYS_LIMIT

if TYPE_CHECKING:  # pydantic is imported only when there is a settings file to validate (issue 13)
    from pydantic_core import PydanticCustomError


def _error(kind: str, template: str, context: dict[str, Any] | None = None) -> PydanticCustomError:
    from pydantic_core import PydanticCustomError

    return PydanticCustomError(kind, template, context)


def _severity(value: Any) -> Severity | None:
    if value is None:
        return None
    if isinstance(value, str) and value in {s.value for s in Severity}:
        return Severity(value)
    raise _error("fail_on", "fail_on must be one of critical, high, medium, low, not {value}", {"value": repr(value)})


def _params(value: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise _error("params", "params must be tables [params.<CONTROL-ID>] of name = value")
    return {k: dict(v) for k, v in value.items()}


def _file_name(name: str) -> Any:
    from pydantic import PlainValidator

    from checks.validation import value_kind

    def check(value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise _error(name, f"{name} must be a file name (text, relative to the settings file), not {{value}}",
                         {"value": value_kind(value)})
        return value
    return PlainValidator(check)


def _positive_days(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_WAIVER_DAYS_LIMIT:
        from checks.validation import value_kind

        raise _error("max_waiver_days", "max_waiver_days must be a whole number of days from 1 to {limit}, not {value}",
                     {"value": value_kind(value), "limit": MAX_WAIVER_DAYS_LIMIT})
    return value


@cache
def _table_model() -> Any:
    """The pydantic model of `[tool.clearance]` (or a clearance.toml): only these keys; `params` holds one table per
    control. Built on first use: pydantic is imported only when there is a settings file (issue 13)."""
    from pydantic import BaseModel, ConfigDict, Field, PlainValidator

    class _Table(BaseModel):
        model_config = ConfigDict(extra="forbid")
        fail_on: Annotated[Severity | None, PlainValidator(_severity)] = None
        waivers: Annotated[str | None, _file_name("waivers")] = None
        sg_register: Annotated[str | None, _file_name("sg_register")] = None
        max_waiver_days: Annotated[int, PlainValidator(_positive_days)] = DEFAULT_MAX_WAIVER_DAYS
        params: Annotated[dict[str, dict[str, Any]], PlainValidator(_params)] = Field(default_factory=dict)

    return _Table


TABLES = frozenset({"params"})  # errors in a table name the table, errors in a plain value name the file


@dataclass(frozen=True)
class Settings:
    """The project's settings (clearance.toml or [tool.clearance]); the defaults when there is no file."""

    file: str | None = None
    fail_on: Severity | None = None
    waivers: Path | None = None
    sg_register: Path | None = None
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    max_waiver_days: int = DEFAULT_MAX_WAIVER_DAYS


def find_settings(start: Path) -> Path | None:
    """clearance.toml, else a pyproject.toml with [tool.clearance], in `start` or its parents."""
    start = start.resolve()
    for folder in (start, *start.parents):
        candidate = folder / "clearance.toml"
        if candidate.is_file():
            return candidate
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            tool = _read_toml(pyproject).get("tool")
            if isinstance(tool, dict) and "clearance" in tool:
                return pyproject
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    import tomllib

    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise InputError(f"invalid TOML: {err}", where=str(path), hint="fix the TOML syntax") from None
    except UnicodeDecodeError as err:
        raise InputError(f"the file is not UTF-8 text (undecodable byte at offset {err.start})", where=str(path),
                         hint="save it as UTF-8") from None
    except RecursionError:
        raise InputError("the TOML is nested too deeply to read", where=str(path), hint="flatten the file") from None
    except OSError as err:
        raise InputError(f"cannot read file: {err.strerror or err}", where=str(path)) from None


def load_settings(path: Path | None) -> Settings:
    if path is None:
        return Settings()
    data = _read_toml(path)
    prefix = "tool.clearance"
    if path.name == "pyproject.toml":
        tool = data.get("tool", {})
        if not isinstance(tool, dict):
            raise InputError("[tool] must be a table", where=str(path))
        data = tool.get("clearance", {})
    else:
        prefix = ""

    def where(key: str) -> str:
        return f"{path}: [{prefix + '.' if prefix else ''}{key}]" if key in TABLES else str(path)

    from pydantic import ValidationError

    from checks.validation import first_error

    model = _table_model()
    try:
        table = model.model_validate(data)
    except ValidationError as exc:
        e = first_error(exc, tuple(model.model_fields))
        name = str(e["loc"][0]) if e["loc"] else ""
        if not name:
            raise InputError(f"[{prefix or 'clearance'}] must be a table of settings", where=str(path)) from None
        if e["type"] == "extra_forbidden":
            raise InputError(f"unknown setting '{name}' (known: {', '.join(sorted(model.model_fields))})",
                             where=str(path)) from None
        raise InputError(e["msg"], where=where(name)) from None
    return Settings(
        file=str(path),
        fail_on=table.fail_on,
        waivers=(path.parent / table.waivers) if table.waivers is not None else None,
        sg_register=(path.parent / table.sg_register) if table.sg_register is not None else None,
        params=table.params,
        max_waiver_days=table.max_waiver_days,
    )


def apply_params(controls: dict[str, Control], settings: Settings) -> dict[str, Control]:
    """Controls with the project's parameter overrides applied; unknown ids, names or types raise."""
    out = dict(controls)
    for cid, overrides in settings.params.items():
        control = controls.get(cid)
        if control is None:
            raise InputError(f"params for unknown control '{cid}'", where=f"{settings.file}: params.{cid}",
                             hint="check the id with 'clearance controls list'")
        for name, value in overrides.items():
            if name not in control.params:
                known = ", ".join(sorted(control.params)) or "none"
                raise InputError(f"control {cid} has no parameter '{name}' (its parameters: {known})",
                                 where=f"{settings.file}: params.{cid}.{name}")
            default = control.params[name]
            if type(value) is not type(default) and not (isinstance(default, float) and type(value) is int):
                raise InputError(
                    f"parameter {cid}.{name} must be a {type(default).__name__} like its default {default!r}, "
                    f"not {type(value).__name__} {value!r}", where=f"{settings.file}: params.{cid}.{name}")
        out[cid] = control.with_params(overrides)
    return out
