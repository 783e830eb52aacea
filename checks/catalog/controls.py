"""The control model: one YAML file per control, validated once, at load time (see loader.py).

The structure of a control file is checked by its JSON Schema, `policies/schema/control.schema.json` (the published
contract), and its references by the loader's second stage; the loader then builds these frozen dataclasses from the
checked data, without validating the same fields again (and without pydantic: issue 13, a `check` on a file never
imports it). These types describe the result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from checks.catalog.expressions import Expression
from checks.model import Severity


@dataclass(frozen=True, slots=True)
class Remediation:
    pulumi: str
    cli: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Control:
    """A validated control. `applies_if` and `assert_` are compiled JMESPath expressions (`assert` in the file)."""

    id: str
    title: str
    severity: Severity
    kind: str
    reads: tuple[str, ...]
    assert_: Expression
    applies_if: Expression | None = None
    params: dict[str, Any] = field(default_factory=dict)
    message: str
    remediation: Remediation
    frameworks: dict[str, tuple[str, ...]] = field(default_factory=dict)
    description: str | None = None
    claim: str | None = None
    tags: tuple[str, ...] = ()
    file: str = ""
    line: int = 1

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> Control:
        """A control from the fields of its file (`assert`, or `assert_`) plus any of `file` and `line`; keys that
        are not fields are left out. The values are taken as they are: the caller has checked them."""
        values = {("assert_" if key == "assert" else key): value for key, value in data.items()}
        return cls(**{name: values[name] for name in FIELD_NAMES if name in values})

    def with_params(self, overrides: dict[str, Any]) -> Control:
        return replace(self, params={**self.params, **overrides})

    def definition(self) -> dict[str, Any]:
        """The control as its file defines it: every field by its file name (`assert`), the remediation as a
        mapping, without the `file` and `line` it was read from."""
        out = {("assert" if name == "assert_" else name): getattr(self, name) for name in FIELD_NAMES
               if name not in ("file", "line")}
        out["remediation"] = {"pulumi": self.remediation.pulumi, "cli": self.remediation.cli}
        return out

    @property
    def help_text(self) -> str:
        parts = [self.description or self.title, f"Remediation (Pulumi): {self.remediation.pulumi}"]
        if self.remediation.cli:
            parts.append(f"Remediation (CLI): {self.remediation.cli}")
        return "\n".join(parts)


FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Control))
