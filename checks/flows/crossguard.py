"""The CrossGuard policy pack (`policies/pulumi/`): the catalog enforced inside `pulumi preview` and `pulumi up`.

The pack re-implements nothing. CrossGuard hands each policy the stack's resources (`StackValidationArgs.resources`:
type, props, URN, name, provider, parent, dependencies); they become `RawResource`s of the planned view, are
normalized and evaluated exactly as `clearance check` does (`flows.assess`: the project's settings, waivers and
security-group review register, found from the program folder), and every `fail` finding is reported as a violation
on its resource's URN with the message `[<control id>] <clearance's message>`.

Every control is a **stack** validation policy, none a resource one: a normalizer reads the resources around the one
it normalizes (side resources folded into their owner, such as a bucket's BucketServerSideEncryptionConfiguration;
the key a reference names; the backup selections that cover a volume; the listeners and target groups in front of a
security group; the account- and region-level `aws.region` asset derived from what the whole program declares), so
a resource alone cannot decide a verdict. The stack is normalized and evaluated once and each policy reports its
control's failures (`PackEvaluator` keeps the last evaluation, since CrossGuard rebuilds the arguments per policy).

A value not known during preview (CrossGuard's unknown sentinels, or a property whose access raises pulumi_policy's
`UnknownValueError`) is `UNKNOWN`: a control that reads it is `unknown`, which is never a violation.

`pulumi_policy` is imported only inside `policy_pack_policies` (the pack's process has it; clearance does not
depend on it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from checks.catalog.controls import Control
from checks.flows.assess import Options, Prepared, assess, prepare
from checks.model import UNKNOWN, Severity, SourceKind, Status
from checks.raw import RawResource, convert_value, normalize_urn

PACK_NAME = "clearance"
STACK_TYPE = "pulumi:pulumi:Stack"
# CrossGuard's unknown sentinels, one per type of value (pulumi_policy/proxy.py); the string one is Pulumi's wire one
UNKNOWN_SENTINELS = frozenset({
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",  # boolean
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421",  # number
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9",  # string
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",  # array
    "030794c1-ac77-496b-92df-f27374a8bd58",  # asset
    "e48ece36-62e2-4504-bad9-02848725956a",  # archive
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",  # object
})
MANDATORY_SEVERITIES = frozenset({Severity.CRITICAL, Severity.HIGH})
ReportViolation = Callable[..., None]  # report_violation(message, urn=None)


class ProviderLike(Protocol):
    """What clearance reads of a `pulumi_policy.PolicyProviderResource`."""

    @property
    def urn(self) -> str: ...
    @property
    def props(self) -> Mapping[str, Any]: ...


class ResourceLike(Protocol):
    """What clearance reads of a `pulumi_policy.PolicyResource` (parent and dependencies are PolicyResources)."""

    @property
    def resource_type(self) -> str: ...
    @property
    def props(self) -> Mapping[str, Any]: ...
    @property
    def urn(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def provider(self) -> ProviderLike | None: ...
    @property
    def parent(self) -> Any: ...
    @property
    def dependencies(self) -> Sequence[Any]: ...
    @property
    def property_dependencies(self) -> Mapping[str, Sequence[Any]]: ...


class StackArgsLike(Protocol):
    @property
    def resources(self) -> Sequence[ResourceLike]: ...


@dataclass(frozen=True, slots=True)
class Violation:
    control_id: str
    urn: str | None  # None: an account- or region-level finding, reported against the stack
    message: str


def enforcement_level(severity: Severity) -> str:
    """CrossGuard's enforcement level of a control: mandatory (blocks `pulumi up`) for critical and high, else
    advisory. A user overrides it per policy with `--policy-pack-config` (`{"key-01": "advisory"}`, `{"all": ...}`)."""
    return "mandatory" if severity in MANDATORY_SEVERITIES else "advisory"


def policy_name(control_id: str) -> str:
    return control_id.lower()


def plain(value: Any, unknown_errors: tuple[type[BaseException], ...] = ()) -> Any:
    """CrossGuard props (proxies that raise on unknown values) -> plain JSON values with `UNKNOWN`."""
    if isinstance(value, str):
        return UNKNOWN if value in UNKNOWN_SENTINELS else value
    if isinstance(value, bool | int | float) or value is None:
        return convert_value(value)
    if isinstance(value, Mapping):
        return {str(key): _item(value, key, unknown_errors) for key in value}
    if isinstance(value, Sequence):
        return [_item(value, index, unknown_errors) for index in range(len(value))]
    return UNKNOWN  # assets and archives: their content is not inspected (as in checks.raw.convert_value)


def _item(container: Any, key: Any, unknown_errors: tuple[type[BaseException], ...]) -> Any:
    try:
        value = container[key]
    except unknown_errors:
        return UNKNOWN
    return plain(value, unknown_errors)


def raw_resource(resource: ResourceLike, unknown_errors: tuple[type[BaseException], ...] = ()) -> RawResource:
    """One CrossGuard resource -> a planned-view RawResource (region: its provider's `region` when known)."""
    props = plain(resource.props, unknown_errors)
    provider = resource.provider
    region = None
    if provider is not None:
        known = plain(provider.props, unknown_errors).get("region")
        region = known if isinstance(known, str) and known else None
    parent = getattr(resource.parent, "urn", None)
    return RawResource(
        type=resource.resource_type, urn=normalize_urn(resource.urn), name=resource.name, props=props,
        source=SourceKind.PLANNED,
        parent=normalize_urn(parent) if parent and not _is_stack(parent) else None,
        dependencies=_urns(resource.dependencies),
        property_dependencies={k: _urns(v) for k, v in sorted(resource.property_dependencies.items())},
        provider=normalize_urn(provider.urn) if provider is not None else None,
        region=region if resource.resource_type.startswith("aws:") else None,
    )


def _urns(resources: Sequence[Any]) -> tuple[str, ...]:
    return tuple(sorted({normalize_urn(r.urn) for r in resources}))


def _is_stack(urn: str) -> bool:
    parts = urn.split("::")
    return len(parts) > 2 and parts[2] == STACK_TYPE


class PackEvaluator:
    """Evaluates the whole catalog over a stack's resources once and answers every policy from that evaluation.

    `anchor`: the program folder its clearance.toml, waivers and review register are found from (as `clearance
    check <program>` finds them)."""

    def __init__(self, anchor: Path, *, unknown_errors: tuple[type[BaseException], ...] = (),
                 now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)) -> None:
        self.anchor = anchor
        self.unknown_errors = unknown_errors
        self._now = now
        self._prepared: Prepared | None = None
        self._last: tuple[str, dict[str, list[Violation]]] | None = None

    @property
    def prepared(self) -> Prepared:
        if self._prepared is None:
            self._prepared = prepare(Options(anchor=self.anchor), now=self._now())
        return self._prepared

    @property
    def controls(self) -> list[Control]:
        return sorted(self.prepared.catalog.controls.values(), key=lambda c: c.id)

    def violations(self, resources: Sequence[ResourceLike]) -> dict[str, list[Violation]]:
        """Control id -> its violations (fail findings only: pass, unknown, not applicable and waived are not)."""
        raws = [raw_resource(r, self.unknown_errors) for r in resources if r.resource_type != STACK_TYPE]
        key = _digest(raws)
        if self._last is not None and self._last[0] == key:
            return self._last[1]
        original = {normalize_urn(r.urn): r.urn for r in resources}
        normalized, result = assess(self.prepared, raws, self._now())
        urns = {(a.kind, a.id): a.urn for a in normalized.assets}
        found: dict[str, list[Violation]] = {c.id: [] for c in self.controls}
        for f in result.findings:
            if f.status is Status.FAIL:
                # a finding on an asset no resource of the stack declares (a region's expectations, AWS's default
                # of a setting) is reported against the stack
                urn = original.get(urns.get((f.asset_kind, f.asset_id)) or "")
                found[f.control_id].append(Violation(f.control_id, urn, f"[{f.control_id}] {f.message}"))
        self._last = (key, found)
        return found

    def stack_validation(self, control_id: str) -> Callable[[StackArgsLike, ReportViolation], None]:
        """The validate function of `control_id`'s stack policy."""
        def validate(args: StackArgsLike, report_violation: ReportViolation) -> None:
            for v in self.violations(args.resources).get(control_id, []):
                if v.urn is None:
                    report_violation(v.message)
                else:
                    report_violation(v.message, v.urn)
        validate.__name__ = f"validate_{policy_name(control_id).replace('-', '_')}"
        return validate


def _digest(raws: Sequence[RawResource]) -> str:
    text = json.dumps([repr(r) for r in raws], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def policy_pack_policies(evaluator: PackEvaluator) -> list[Any]:
    """One `StackValidationPolicy` per control of the catalog: name the control id in lower case, description its
    title, enforcement level by severity (`enforcement_level`), the control's severity and its Pulumi remediation."""
    from pulumi_policy import EnforcementLevel, StackValidationPolicy  # the pack's process only
    from pulumi_policy import Severity as PolicySeverity

    return [StackValidationPolicy(name=policy_name(c.id), description=c.title,
                                  validate=evaluator.stack_validation(c.id),
                                  enforcement_level=EnforcementLevel(enforcement_level(c.severity)),
                                  severity=PolicySeverity(c.severity.value), remediation_steps=c.remediation.pulumi)
            for c in evaluator.controls]
