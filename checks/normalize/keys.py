"""Is a KMS key customer managed? The one question that encryption controls of every kind ask, answered once
for a key named by a top-level property, inside a nested or computed property, or by a block device."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from checks.model import UNKNOWN, SourceKind
from checks.normalize.base import Index, unwrap
from checks.normalize.refs import resolve_refs
from checks.raw import RawResource

KMS_KEY_TOKENS = ("aws:kms/key:Key", "aws:kms/replicaKey:ReplicaKey", "aws:kms/externalKey:ExternalKey")


KMS_ALIAS_TOKEN = "aws:kms/alias:Alias"


def customer_managed_key(raw: RawResource, prop: str, index: Index) -> Any:
    """Is `raw.props[prop]` a customer-managed KMS key? True, False or UNKNOWN.

    True when the property names a key (or an alias of a key) declared in the same program, or any
    key id/ARN the program set that is not an AWS-managed alias (`alias/aws/...`); False when it is
    unset, an AWS-managed alias, or filled in by AWS (a state file's output the program did not set);
    UNKNOWN when the value is unknown and no declared key explains it.
    """
    return _customer_managed(index, raw, raw.props.get(prop), raw.property_dependencies.get(prop, ()),
                             raw.is_input(prop))


def _customer_managed(index: Index, raw: RawResource, value: Any, deps: Iterable[str], set_by_program: bool) -> Any:
    """`customer_managed_key` for a key value and its dependencies (of `raw`: never its own key)."""
    if index.resolve_value(raw.urn, value, deps, KMS_KEY_TOKENS):
        return True
    for alias in index.resolve_value(raw.urn, value, deps, (KMS_ALIAS_TOKEN,)):
        if index.resolve(alias, "targetKeyId", KMS_KEY_TOKENS):
            return True
    value = unwrap(value)
    if value is UNKNOWN:
        return UNKNOWN
    if not value:
        return False
    if isinstance(value, str) and ("alias/aws/" in value):
        return False
    if not set_by_program:
        return False  # the program named no key: AWS filled in the ARN of its own managed key (state view)
    return True


def customer_managed_key_value(raw: RawResource, value: Any, dep_prop: str, index: Index, *,
                               computed: bool = False) -> Any:
    """`base.customer_managed_key` for a key id that may sit inside a top-level property
    (`rules[].kmsMasterKeyId`) or be an optional + computed output.

    A key that is unset (None or "") is not customer managed. An UNKNOWN key is resolved through the
    dependencies of the top-level property `dep_prop` (a preview names the KMS key's URN there); a known
    value is judged by itself, so that other dependencies of the same property cannot mislead.
    Without `computed`, AWS never fills the key in, so a key value in a state file was named by the program (or
    configured outside it, and is in force either way): it is judged as the planned view judges it.
    `computed`: Terraform state fills the property with the ARN of the AWS-managed key when none was given, so in
    the state view a key ARN that is not declared in the program is customer managed only when the program set it:
    False when `dep_prop` is not one of the state's inputs; when it is, True if `dep_prop` is the key itself, but
    UNKNOWN if it only contains the key (a stack export lists top-level inputs only) or the inputs are not known.
    """
    value = unwrap(value)
    if value is None or value == "":
        return False
    deps = raw.property_dependencies.get(dep_prop, ()) if value is UNKNOWN else ()
    # judged by its value alone: as set by the program (the raw resource's inputs name its own properties)
    cmk = _customer_managed(index, raw, value, deps, True)
    if cmk is True and computed and raw.source is SourceKind.STATE and not _declared_key(raw, value, deps, index):
        if raw.input_keys is None:
            return UNKNOWN
        if not raw.is_input(dep_prop):
            return False  # not set by the program: AWS's managed key
        return cmk if unwrap(raw.props.get(dep_prop)) == value else UNKNOWN
    return cmk


def _declared_key(raw: RawResource, value: Any, deps: Iterable[str], index: Index) -> bool:
    if index.resolve_value(raw.urn, value, deps, KMS_KEY_TOKENS):
        return True
    return any(index.resolve(alias, "targetKeyId", KMS_KEY_TOKENS)
               for alias in index.resolve_value(raw.urn, value, deps, (KMS_ALIAS_TOKEN,)))


def computed_key_cmk(raw: RawResource, prop: str, index: Index) -> Any:
    """customer_managed_key_value for a top-level optional + computed key property (`kmsKeyArn`)."""
    return customer_managed_key_value(raw, raw.props.get(prop), prop, index, computed=True)


def kms_is_customer_managed(index: Index, r: RawResource, prop: str, value: Any, *, use_deps: bool = True) -> Any:
    """`base.customer_managed_key` for a KMS key reference nested inside `r.props[prop]` (a block device's key)."""
    if resolve_refs(index, r, prop, KMS_KEY_TOKENS, value=value, use_deps=use_deps).targets:
        return True
    for alias in resolve_refs(index, r, prop, [KMS_ALIAS_TOKEN], value=value, use_deps=use_deps).targets:
        if resolve_refs(index, alias, "targetKeyId", KMS_KEY_TOKENS, scalar=True).targets:
            return True
    value = unwrap(value)
    if value is UNKNOWN:
        return UNKNOWN
    if not value:
        return False
    return not (isinstance(value, str) and "alias/aws/" in value)
