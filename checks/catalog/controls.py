"""The control model: one YAML file per control, validated once, at load time (see loader.py).

The structure of a control file is checked by its JSON Schema, `policies/schema/control.schema.json` (the published
contract), and its references by the loader's second stage; the loader then builds these models with
`model_construct`, without validating the same fields again. These types describe the result.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from checks.catalog.expressions import Expression
from checks.model import Severity


class Remediation(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    pulumi: str
    cli: str | None = None


class Control(BaseModel):
    """A validated control. `applies_if` and `assert_` are compiled JMESPath expressions."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    id: str
    title: str
    severity: Severity
    kind: str
    reads: tuple[str, ...]
    assert_: Expression = Field(alias="assert")
    applies_if: Expression | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    message: str
    remediation: Remediation
    frameworks: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    description: str | None = None
    claim: str | None = None
    tags: tuple[str, ...] = ()
    file: str = ""
    line: int = 1

    def with_params(self, overrides: dict[str, Any]) -> Control:
        return self.model_copy(update={"params": {**self.params, **overrides}})

    @property
    def help_text(self) -> str:
        parts = [self.description or self.title, f"Remediation (Pulumi): {self.remediation.pulumi}"]
        if self.remediation.cli:
            parts.append(f"Remediation (CLI): {self.remediation.cli}")
        return "\n".join(parts)
