"""CrossGuard's stack arguments built from a Pulumi program's registrations, as the analyzer builds them.

`load_program` runs the program under mocks; each registration becomes a `pulumi_policy.PolicyResource` whose props
are the inputs on the wire (an unknown value is CrossGuard's unknown sentinel, a secret its plaintext) wrapped in
`unknown_checking_proxy`, with the default AWS provider of the stack's region, its parent and dependencies as
resource objects, like `_PolicyAnalyzerServicer.AnalyzeStack` (pulumi_policy 1.21.0).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from checks.model import UNKNOWN, Secret
from checks.raw import RawResource
from checks.sources.program import ProgramRun
from checks.sources.state import provider_urn

Rewrite = Callable[[RawResource, dict[str, Any]], dict[str, Any]]


def wire(value: Any) -> Any:
    if value is UNKNOWN:
        return UNKNOWN_STRING_VALUE
    if isinstance(value, Secret):
        return wire(value.value)  # validations see a secret's plaintext
    if isinstance(value, dict):
        return {k: wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [wire(v) for v in value]
    return value


def options() -> PolicyResourceOptions:
    return PolicyResourceOptions(protect=False, ignore_changes=[], delete_before_replace=None, aliases=[],
                                 custom_timeouts=PolicyCustomTimeouts(0, 0, 0), additional_secret_outputs=[])


def stack_args(run: ProgramRun, rewrite: Rewrite | None = None) -> StackValidationArgs:
    """The program's resources, the stack and its default provider as CrossGuard passes them to a stack policy.
    `rewrite(raw, wire_props)` may change a resource's props on the wire."""
    prefix = f"urn:pulumi:{run.stack}::{run.project}::"
    stack = PolicyResource("pulumi:pulumi:Stack", unknown_checking_proxy({}), f"{prefix}pulumi:pulumi:Stack::"
                           f"{run.project}-{run.stack}", f"{run.project}-{run.stack}", options(), None, None, [], {})
    default_urn = f"{prefix}pulumi:providers:aws::default_7_51_1"
    provider = PolicyProviderResource("pulumi:providers:aws", unknown_checking_proxy({"region": run.region}),
                                      default_urn, "default_7_51_1")
    provider_resource = PolicyResource("pulumi:providers:aws", provider.props, default_urn, provider.name,
                                       options(), None, stack, [], {})
    explicit = {r.urn: PolicyProviderResource(r.type, unknown_checking_proxy(wire(dict(r.props))), r.urn, r.name)
                for r in run.resources if r.type.startswith("pulumi:providers:")}
    by_urn: dict[str, PolicyResource] = {}
    for raw in run.resources:
        props = wire(dict(raw.props))
        if rewrite is not None:
            props = rewrite(raw, props)
        chosen = explicit[provider_urn(raw.provider) or ""] if raw.provider else provider
        by_urn[raw.urn] = PolicyResource(raw.type, unknown_checking_proxy(props), raw.urn, raw.name, options(),
                                         chosen if raw.type.startswith("aws:") else None, None, [], {})
    for raw in run.resources:
        resource = by_urn[raw.urn]
        resource.parent = by_urn.get(raw.parent or "", stack)
        resource.dependencies = [by_urn[u] for u in raw.dependencies if u in by_urn]
        resource.property_dependencies = {k: [by_urn[u] for u in v if u in by_urn]
                                          for k, v in raw.property_dependencies.items()}
    return StackValidationArgs([stack, provider_resource, *by_urn.values()])


def violations(policies: Sequence[StackValidationPolicy], args: StackValidationArgs
               ) -> list[tuple[str, str, str | None]]:
    """(policy, message, urn) of every violation the policies report, calling each as the analyzer does."""
    found: list[tuple[str, str, str | None]] = []
    for policy in policies:
        def report(message: str, urn: str | None = None, *, name: str = policy.name) -> None:
            found.append((name, message, urn))
        policy.validate(args, report)
    return found
